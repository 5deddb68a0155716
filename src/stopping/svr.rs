//! `stopping = svr(threshold = Δ, offset = δ, keep = κ, min_curves = d)`: Baker et al.'s early
//! stopping. For a trial at epoch τ of a stage ending at epoch T, a sequential regression model
//! (ν-SVR on the curve so far, its differences, the network's size and the hyperparameters; see
//! [`crate::predictor::srm`]) trained on the first curves that reached T predicts `ŷ_T` with a
//! local leave-one-out σ. With `y_ref` the ⌈κ·n⌉-th best value of the trials that finished the stage (n of
//! which go on), the trial stops when `Φ((y_ref − δ − ŷ_T)/σ) ≥ Δ` (maximising; mirrored when
//! minimising). Nothing stops before `d` curves reached T or before ⌈κ·n⌉ rivals finished.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use crate::plan::Direction;
use crate::plan::Plan;
use crate::plan::stopping::SvrOptions;
use crate::predictor::features;
use crate::predictor::srm::Srm;
use crate::space::{Config, SearchSpace};
use crate::stopping::{Case, Prediction, StoppingRule, Verdict, reference};

/// At most this many curves train a model (Baker et al. use 100): later curves add little, and the
/// models stop changing, so decisions stay reproducible.
pub const MAX_CURVES: usize = 100;

/// How many of `available` curves (at least `min`) a model trains on: the largest step of the ladder
/// `min, ⌈1.25·min⌉, …` up to [`MAX_CURVES`]. Models are refitted about eight times on the way to
/// 100 curves instead of after every new curve, and any process — a resumed run included — fits the
/// same model from the same curves.
fn training_size(available: usize, min: usize) -> usize {
    let mut size = min.min(MAX_CURVES);
    loop {
        let next = (size + size.div_ceil(4)).min(MAX_CURVES);
        if next > available || next == size {
            return size;
        }
        size = next;
    }
}

/// A fitted model and the number of curves it was trained on.
type Fitted = (usize, Arc<Srm>);

/// The `svr` stopping rule.
pub struct SvrRule {
    threshold: f64,
    offset: f64,
    keep: f64,
    min_curves: usize,
    direction: Direction,
    seed: u64,
    space: SearchSpace,
    plan: Plan,
    /// Fitted models by (target epoch, prefix length), with the number of curves they saw.
    models: Mutex<HashMap<(usize, usize), Fitted>>,
    /// Static features (hyperparameters and network size) by trial number.
    statics: Mutex<HashMap<u64, Arc<Vec<f64>>>>,
}

impl SvrRule {
    /// The rule `svr(options)` for the study of `plan`.
    #[must_use]
    pub fn new(plan: &Plan, options: SvrOptions) -> Self {
        Self {
            threshold: options.threshold,
            offset: options.offset,
            keep: options.keep,
            min_curves: options.min_curves.max(2),
            direction: plan.objective.direction,
            seed: plan.seed,
            space: plan.search_space(),
            plan: plan.clone(),
            models: Mutex::new(HashMap::new()),
            statics: Mutex::new(HashMap::new()),
        }
    }

    /// Hyperparameter and network-size features of a trial.
    fn statics(&self, number: u64, config: &Config) -> Arc<Vec<f64>> {
        let mut cache = self.statics.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(cache.entry(number).or_insert_with(|| {
            let mut row = features::hyperparameters(&self.space, config);
            if let Some((parameters, layers)) = crate::plan::network::size(&self.plan, config) {
                #[allow(clippy::cast_precision_loss)]
                row.extend([(parameters as f64 + 1.0).ln(), layers as f64]);
            }
            Arc::new(row)
        }))
    }

    /// The model predicting epoch `target` from `prefix` epochs, fitted on the first curves (by
    /// trial number, other than `exclude`) that reached `target` with finite values; `None` with
    /// fewer than `d` such curves or when fitting fails.
    fn model(&self, case: &Case<'_>, target: usize, prefix: usize) -> Option<Arc<Srm>> {
        let mut training: Vec<(u64, &[f64])> = case
            .curves
            .iter()
            .filter(|(number, _)| **number != case.trial.number)
            .filter(|(_, c)| c.len() >= target && c[..target].iter().all(|v| v.is_finite()))
            .map(|(number, c)| (*number, &c[..target]))
            .collect();
        if training.len() < self.min_curves {
            return None;
        }
        training.truncate(training_size(training.len(), self.min_curves));
        let key = (target, prefix);
        if let Some((seen, model)) = self
            .models
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&key)
        {
            if *seen == training.len() {
                return Some(Arc::clone(model));
            }
        }
        let configs: HashMap<u64, &Config> =
            case.trials.iter().map(|t| (t.number, &t.params)).collect();
        let statics: Vec<Arc<Vec<f64>>> = training
            .iter()
            .map(|(number, _)| {
                let config = configs.get(number).copied().cloned().unwrap_or_default();
                self.statics(*number, &config)
            })
            .collect();
        let rows: Vec<&[f64]> = statics.iter().map(|s| s.as_slice()).collect();
        let curves: Vec<&[f64]> = training.iter().map(|(_, c)| *c).collect();
        let seed = self.seed ^ ((target as u64) << 32) ^ prefix as u64;
        let model = Arc::new(Srm::fit(&rows, &curves, target, prefix, seed).ok()?);
        self.models
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(key, (training.len(), Arc::clone(&model)));
        Some(model)
    }
}

impl StoppingRule for SvrRule {
    fn judge(&self, case: &Case<'_>) -> Verdict {
        let prefix = case.curve.len();
        let target = case.target as usize;
        if prefix == 0 || prefix >= target || !case.curve.iter().all(|v| v.is_finite()) {
            return Verdict::Continue;
        }
        let Some(reference) = reference(case.competition, self.keep, self.direction) else {
            return Verdict::Continue;
        };
        let Some(model) = self.model(case, target, prefix) else {
            return Verdict::Continue;
        };
        let statics = self.statics(case.trial.number, &case.trial.params);
        let (value, sigma) = model.predict(&statics, case.curve);
        let margin = match self.direction {
            Direction::Maximize => reference - self.offset - value,
            Direction::Minimize => value - (reference + self.offset),
        };
        let probability = if sigma > 0.0 {
            crate::stats::cdf(margin / sigma)
        } else if margin > 0.0 {
            1.0
        } else {
            0.0
        };
        if probability >= self.threshold {
            Verdict::Stop(Prediction {
                value,
                sigma,
                reference,
                probability,
            })
        } else {
            Verdict::Continue
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn models_refit_on_a_ladder_of_curve_counts() {
        assert_eq!(training_size(20, 20), 20);
        assert_eq!(training_size(21, 20), 20);
        assert_eq!(training_size(24, 20), 20);
        assert_eq!(training_size(25, 20), 25);
        assert_eq!(training_size(40, 20), 40);
        assert_eq!(training_size(39, 20), 32);
        assert_eq!(training_size(500, 20), MAX_CURVES);
        assert_eq!(training_size(3, 2), 3);
        assert_eq!(training_size(2, 2), 2);
    }
}
