//! Parameter importance by fANOVA (Hutter, Hoos and Leyton-Brown 2014), as Optuna's
//! `FanovaImportanceEvaluator` computes it: a random forest ([`forest`]) fitted on the trials'
//! encoded parameters and values; each tree's variance split into the parts each parameter explains
//! alone ([`fanova`]); a parameter's importance is the mean over the trees of its main effect's
//! share of the tree's variance, and the importances are normalised to sum to 1.
//!
//! Parameters are encoded as the samplers see them ([`crate::space::unit`]): a position in
//! `[0, 1]` on the parameter's scale (so a log-uniform one on a log axis, an integer on
//! `[low − ½, high + ½]` so that each value owns an equal share), one column per category for a
//! `choice`, whose columns are decomposed together. Optuna measures a log parameter on its raw
//! axis and an integer on `[low, high]`; on the same encoding the two agree to 0.01
//! (`benches/fanova_vs_optuna.sh`, docs/benchmarks.md). Read by `hps best --importance` and by the
//! report's importance plot.

pub mod fanova;
pub mod forest;

use std::collections::BTreeMap;
use std::fmt;

use crate::plan::{ParamPlan, Plan};
use crate::space::Config;
use crate::space::unit::{
    category_count, category_index, is_categorical, is_single_value, to_unit,
};
use crate::storage::TrialRecord;

pub use forest::ForestOptions;

/// One parameter's importance.
#[derive(Debug, Clone, PartialEq)]
pub struct Importance {
    /// The parameter's full name.
    pub name: String,
    /// Its share of the explained variance (the shares sum to 1).
    pub importance: f64,
    /// The standard deviation of its share over the forest's trees, before normalising.
    pub spread: f64,
}

/// The importances of a study's parameters, most important first, and what they were computed from.
#[derive(Debug, Clone, PartialEq)]
pub struct Importances {
    /// The parameters, most important first (single-valued ones last, at 0).
    pub params: Vec<Importance>,
    /// How many trials the forest was fitted on.
    pub trials: usize,
    /// How many trees the forest has.
    pub trees: usize,
    /// The epoch the trials' values were read at, when they came from learning curves.
    pub epoch: Option<u32>,
    /// Parameters left out because some of those trials do not have them (conditional ones).
    pub left_out: Vec<String>,
}

impl Importances {
    /// What the importances were computed from, in words.
    #[must_use]
    pub fn provenance(&self) -> String {
        let mut text = format!(
            "fANOVA on a random forest of {} trees fitted to {} trials",
            self.trees, self.trials
        );
        if let Some(epoch) = self.epoch {
            text.push_str(&format!(", each valued at epoch {epoch}"));
        }
        if !self.left_out.is_empty() {
            text.push_str(&format!(
                "; left out (not set in every one of those trials): {}",
                self.left_out.join(", ")
            ));
        }
        text
    }
}

/// Why importances cannot be computed.
#[derive(Debug, Clone, PartialEq)]
pub enum ImportanceError {
    /// Fewer than two trials have a value.
    TooFewTrials(usize),
    /// No parameter takes more than one value in those trials.
    NothingVaries,
    /// Every trial has the same value: there is no variance to explain.
    NoVariance,
}

impl fmt::Display for ImportanceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImportanceError::TooFewTrials(n) => write!(
                f,
                "parameter importance needs at least 2 trials with a value at a common epoch; there {}",
                if *n == 1 { "is 1" } else { "are none" }
            ),
            ImportanceError::NothingVaries => {
                f.write_str("no parameter takes more than one value in the trials")
            }
            ImportanceError::NoVariance => {
                f.write_str("every trial has the same value; there is no variance to explain")
            }
        }
    }
}

/// The trials importances are computed from, with their values: the trials that ended a stage
/// (complete, stopped or awaiting their rung), compared at one epoch — the last epoch that at
/// least half of them reached with a finite value, each contributing its curve's value there (a
/// stopped trial's real values, never its prediction). Under `fifo` that is every complete trial
/// at its last epoch; under Hyperband, the rung that half the trials reached. Trials without a
/// curve contribute their final value when every trial lacks one (a study recorded before curves).
#[must_use]
pub fn points<'a>(
    trials: &'a [TrialRecord],
    curve: impl Fn(u64) -> Option<&'a [f64]>,
) -> (Vec<(&'a Config, f64)>, Option<u32>) {
    let ended: Vec<&TrialRecord> = trials
        .iter()
        .filter(|t| t.state.has_ended_stage())
        .collect();
    let reached = |t: &TrialRecord, epoch: usize| -> Option<f64> {
        curve(t.number)
            .and_then(|c| c.get(epoch - 1).copied())
            .filter(|v| v.is_finite())
    };
    let mut lengths: Vec<usize> = ended
        .iter()
        .filter_map(|t| curve(t.number).map(<[f64]>::len))
        .filter(|&n| n > 0)
        .collect();
    lengths.sort_unstable();
    lengths.dedup();
    let half = ended.len().div_ceil(2).max(2);
    for &epoch in lengths.iter().rev() {
        let at: Vec<(&Config, f64)> = ended
            .iter()
            .filter_map(|t| reached(t, epoch).map(|v| (&t.params, v)))
            .collect();
        if at.len() >= half {
            return (at, u32::try_from(epoch).ok());
        }
    }
    let finals = ended
        .iter()
        .filter_map(|t| t.value.filter(|v| v.is_finite()).map(|v| (&t.params, v)))
        .collect();
    (finals, None)
}

/// The importances of a study's searched parameters from its trials and their objective curves
/// (by trial number), over the trials [`points`] picks; the forest is seeded with the study's seed.
///
/// # Errors
/// See [`importances`].
pub fn of_study(
    plan: &Plan,
    trials: &[TrialRecord],
    curves: &BTreeMap<u64, Vec<f64>>,
) -> Result<Importances, ImportanceError> {
    let (at, epoch) = points(trials, |n| curves.get(&n).map(Vec::as_slice));
    let options = ForestOptions {
        seed: plan.seed,
        ..ForestOptions::default()
    };
    let mut found = importances(&plan.parameters, &at, &options)?;
    found.epoch = epoch;
    Ok(found)
}

/// The fANOVA importances of `params` over `points` (a configuration and its value each).
///
/// # Errors
/// Fewer than two points, no parameter that varies, or values that do not vary.
pub fn importances(
    params: &[ParamPlan],
    points: &[(&Config, f64)],
    options: &ForestOptions,
) -> Result<Importances, ImportanceError> {
    if points.len() < 2 {
        return Err(ImportanceError::TooFewTrials(points.len()));
    }
    let (present, left_out): (Vec<&ParamPlan>, Vec<&ParamPlan>) = params
        .iter()
        .partition(|p| points.iter().all(|(c, _)| c.contains_key(&p.name)));
    let (single, varying): (Vec<&ParamPlan>, Vec<&ParamPlan>) = present
        .into_iter()
        .partition(|p| is_single_value(&p.distribution));
    if varying.is_empty() {
        return Err(ImportanceError::NothingVaries);
    }
    // Each parameter's columns: one position, or one indicator per category.
    let mut columns: Vec<Vec<usize>> = Vec::new();
    let mut width = 0;
    for p in &varying {
        let n = if is_categorical(&p.distribution) {
            category_count(&p.distribution)
        } else {
            1
        };
        columns.push((width..width + n).collect());
        width += n;
    }
    let x: Vec<Vec<f64>> = points
        .iter()
        .map(|(config, _)| {
            let mut row = vec![0.0; width];
            for (p, cols) in varying.iter().zip(&columns) {
                let value = &config[&p.name];
                if is_categorical(&p.distribution) {
                    if let Some(k) = category_index(&p.distribution, value) {
                        row[cols[k]] = 1.0;
                    }
                } else {
                    row[cols[0]] = to_unit(&p.distribution, value).unwrap_or(0.5);
                }
            }
            row
        })
        .collect();
    let y: Vec<f64> = points.iter().map(|(_, v)| *v).collect();
    let trees = forest::fit(&x, &y, options);
    let bounds = vec![(0.0, 1.0); width];
    let anovas: Vec<fanova::TreeAnova<'_>> = trees
        .iter()
        .map(|t| fanova::TreeAnova::new(t, &bounds))
        .collect();
    let variances: Vec<f64> = anovas.iter().map(fanova::TreeAnova::variance).collect();
    if variances.iter().all(|v| *v <= 0.0) {
        return Err(ImportanceError::NoVariance);
    }
    let mut found: Vec<Importance> = varying
        .iter()
        .zip(&columns)
        .map(|(p, cols)| {
            let shares: Vec<f64> = anovas
                .iter()
                .zip(&variances)
                .filter(|(_, v)| **v > 0.0)
                .map(|(a, v)| a.marginal_variance(cols) / v)
                .collect();
            #[allow(clippy::cast_precision_loss)]
            let n = shares.len() as f64;
            let mean = shares.iter().sum::<f64>() / n;
            let spread = (shares.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / n).sqrt();
            Importance {
                name: p.name.clone(),
                importance: mean,
                spread,
            }
        })
        .collect();
    let total: f64 = found.iter().map(|i| i.importance).sum();
    if total <= 0.0 {
        return Err(ImportanceError::NoVariance);
    }
    for i in &mut found {
        i.importance /= total;
    }
    found.sort_by(|a, b| b.importance.total_cmp(&a.importance));
    found.extend(single.iter().map(|p| Importance {
        name: p.name.clone(),
        importance: 0.0,
        spread: 0.0,
    }));
    Ok(Importances {
        params: found,
        trials: points.len(),
        trees: options.trees,
        epoch: None,
        left_out: left_out.iter().map(|p| p.name.clone()).collect(),
    })
}

#[cfg(test)]
mod tests {
    use rand::Rng;

    use super::*;
    use crate::space::{Distribution, Value};

    fn param(name: &str, distribution: Distribution) -> ParamPlan {
        ParamPlan {
            name: name.to_owned(),
            scale: distribution.scale().map(str::to_owned),
            cardinality: distribution.cardinality(),
            distribution,
            condition: None,
            doc: None,
        }
    }

    fn uniform(name: &str) -> ParamPlan {
        param(
            name,
            Distribution::Uniform {
                low: 0.0,
                high: 1.0,
                step: None,
            },
        )
    }

    /// `n` points of the unit cube drawn with `seed`, valued by `f`.
    fn cube(n: usize, seed: u64, f: impl Fn(f64, f64, f64) -> f64) -> Vec<(Config, f64)> {
        let mut rng = crate::seed::derived_rng(seed, 0);
        (0..n)
            .map(|_| {
                let (x, y, z): (f64, f64, f64) = (rng.random(), rng.random(), rng.random());
                let config: Config = [("x", x), ("y", y), ("z", z)]
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), Value::Float(v)))
                    .collect();
                (config, f(x, y, z))
            })
            .collect()
    }

    fn of(points: &[(Config, f64)], params: &[ParamPlan], seed: u64) -> Importances {
        let refs: Vec<(&Config, f64)> = points.iter().map(|(c, v)| (c, *v)).collect();
        let options = ForestOptions {
            seed,
            ..ForestOptions::default()
        };
        importances(params, &refs, &options).unwrap()
    }

    fn share(found: &Importances, name: &str) -> f64 {
        found
            .params
            .iter()
            .find(|i| i.name == name)
            .unwrap()
            .importance
    }

    /// `f = 10·x + y` on the unit cube: Var(10·x) = 100/12, Var(y) = 1/12, so x explains
    /// 100/101 ≈ 0.990 of the variance, y 1/101 ≈ 0.010 and z nothing.
    #[test]
    fn a_linear_function_has_its_analytic_importances() {
        let points = cube(200, 1, |x, y, _| 10.0 * x + y);
        let params = [uniform("x"), uniform("y"), uniform("z")];
        let found = of(&points, &params, 0);
        let (x, y, z) = (share(&found, "x"), share(&found, "y"), share(&found, "z"));
        assert!((x - 100.0 / 101.0).abs() < 0.02, "{found:?}");
        assert!((y - 1.0 / 101.0).abs() < 0.02, "{found:?}");
        assert!(z < 0.01, "{found:?}");
        assert!((x + y + z - 1.0).abs() < 1e-12);
        assert_eq!(found.params[0].name, "x");
        // The same seed gives the same importances, bit for bit; another seed other ones.
        assert_eq!(of(&points, &params, 0), found);
        assert_ne!(of(&points, &params, 1), found);
    }

    /// A categorical parameter is decomposed over its indicator columns together, and a
    /// log-uniform one on its log scale: `f = [c = b]·4 + log10(lr)` with lr in [1e-4, 1].
    #[test]
    fn categories_and_log_scales_are_decomposed_as_one_parameter_each() {
        let c = param(
            "c",
            Distribution::Choice {
                values: vec![
                    Value::Str("a".into()),
                    Value::Str("b".into()),
                    Value::Str("c".into()),
                ],
            },
        );
        let lr = param(
            "lr",
            Distribution::LogUniform {
                low: 1e-4,
                high: 1.0,
            },
        );
        let mut rng = crate::seed::derived_rng(3, 0);
        let points: Vec<(Config, f64)> = (0..150)
            .map(|i| {
                let k = i % 3;
                let exponent: f64 = rng.random_range(-4.0..0.0);
                let config: Config = [
                    ("c".to_owned(), Value::Str(["a", "b", "c"][k].into())),
                    ("lr".to_owned(), Value::Float(10f64.powf(exponent))),
                ]
                .into_iter()
                .collect();
                (config, if k == 1 { 4.0 } else { 0.0 } + exponent)
            })
            .collect();
        let found = of(&points, &[c, lr], 0);
        // Var(4·B(⅓)) = 16·2/9 ≈ 3.56 and Var(U(-4, 0)) = 16/12 ≈ 1.33: c ≈ 0.73, lr ≈ 0.27.
        let expected = (32.0 / 9.0) / (32.0 / 9.0 + 16.0 / 12.0);
        assert!((share(&found, "c") - expected).abs() < 0.05, "{found:?}");
    }

    #[test]
    fn too_few_or_constant_trials_say_why() {
        let params = [uniform("x"), uniform("y"), uniform("z")];
        let one = cube(1, 1, |x, _, _| x);
        let refs: Vec<(&Config, f64)> = one.iter().map(|(c, v)| (c, *v)).collect();
        assert_eq!(
            importances(&params, &refs, &ForestOptions::default()),
            Err(ImportanceError::TooFewTrials(1))
        );
        let flat = cube(20, 1, |_, _, _| 3.0);
        let refs: Vec<(&Config, f64)> = flat.iter().map(|(c, v)| (c, *v)).collect();
        assert_eq!(
            importances(&params, &refs, &ForestOptions::default()),
            Err(ImportanceError::NoVariance)
        );
    }

    #[test]
    fn conditional_parameters_missing_from_a_trial_are_left_out() {
        let mut points = cube(30, 2, |x, _, _| x);
        points[0].0.remove("z");
        let params = [uniform("x"), uniform("y"), uniform("z")];
        let found = of(&points, &params, 0);
        assert_eq!(found.left_out, ["z"]);
        assert_eq!(found.params.len(), 2);
    }
}
