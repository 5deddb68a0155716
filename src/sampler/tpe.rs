//! The tree-structured Parzen estimator (Bergstra et al., NeurIPS 2011; Watanabe, 2023), after
//! Optuna's `TPESampler`: the first `init` trials are the random sampler's; afterwards the history
//! is split (`tpe/split.rs`) into good trials and the rest, a Parzen estimator (`tpe/parzen.rs`) is
//! fitted to each, `candidates` points are drawn from the good one, `l(x)`, and the point
//! maximising `l(x)/g(x)` is proposed.
//!
//! Parameters are drawn in definition order, so a `when` condition is evaluated on the values drawn
//! before it, and a parameter's densities come only from trials where it was active. By default
//! (as in Optuna 5) the model is multivariate: parameters active in exactly the same trials form a
//! group modelled jointly (Optuna's `multivariate = True, group = True`); with `multivariate =
//! false` ([`TpeOptions::multivariate`]) every parameter is modelled alone (univariate TPE). A
//! proposal that a `forbid` rule removes is redrawn from fresh candidates.

mod encoding;
mod parzen;
mod split;
mod truncated_normal;

use rand::rngs::StdRng;

use crate::plan::Direction;
use crate::plan::sampler::TpeOptions;
use crate::sampler::random::{self, RandomSampler};
use crate::sampler::{Observation, Sampler, model_points};
use crate::seed::{self, sampler_rng};
use crate::space::{Config, SearchSpace, Value};

use encoding::{Encoding, decode, encode};
use parzen::{Axis, ParzenEstimator, Point, default_weights};
use split::Row;

/// Model-based draws before a forbidden region falls back to random draws.
const MODEL_DRAWS: usize = 100;
/// Random draws after that, before the space is declared exhausted.
const RANDOM_DRAWS: usize = 10_000;

/// Tree-structured Parzen estimator.
pub struct TpeSampler {
    space: SearchSpace,
    seed: u64,
    direction: Direction,
    options: TpeOptions,
    random: RandomSampler,
}

impl TpeSampler {
    /// A sampler over `space`, seeded by the study's `seed`, for an objective optimised in
    /// `direction`.
    #[must_use]
    pub fn new(space: SearchSpace, seed: u64, direction: Direction, options: TpeOptions) -> Self {
        let random = RandomSampler::new(space.clone(), seed);
        Self {
            space,
            seed,
            direction,
            options,
            random,
        }
    }
}

impl Sampler for TpeSampler {
    fn ask(&mut self, number: u64, history: &[Observation]) -> Result<Option<Config>, String> {
        let Some(training) = model_points(number, history, self.direction, self.options.init)
        else {
            return self.random.ask(number, history);
        };
        let rows = split::split(history, &training);
        let model = Model::new(&self.space, &rows, self.options);
        let mut rng = sampler_rng(self.seed, seed::TPE_SAMPLER, number);
        for _ in 0..MODEL_DRAWS {
            let config = model.draw(&mut rng);
            if !self.space.is_forbidden(&self.space.complete(&config)) {
                return Ok(Some(config));
            }
        }
        for _ in 0..RANDOM_DRAWS {
            let config = random::draw(&self.space, &mut rng);
            if !self.space.is_forbidden(&self.space.complete(&config)) {
                return Ok(Some(config));
            }
        }
        Err(format!(
            "every one of {} draws was forbidden; loosen the `forbid` rules",
            MODEL_DRAWS + RANDOM_DRAWS
        ))
    }

    fn uses_history(&self) -> bool {
        true
    }
}

/// The densities of one suggestion: one pair per group of parameters.
struct Model<'s> {
    space: &'s SearchSpace,
    encodings: Vec<Encoding>,
    /// The group of each parameter (`None`: never observed or fixed, drawn at random).
    group_of: Vec<Option<usize>>,
    groups: Vec<Group>,
    candidates: usize,
}

/// Parameters modelled together, with `l(x)` and `g(x)` over them.
struct Group {
    members: Vec<usize>,
    good: ParzenEstimator,
    bad: ParzenEstimator,
}

impl<'s> Model<'s> {
    fn new(space: &'s SearchSpace, rows: &[Row<'_>], options: TpeOptions) -> Self {
        let encodings: Vec<Encoding> = space
            .params
            .iter()
            .map(|p| Encoding::of(&p.distribution))
            .collect();
        // Each parameter's point in each row where it is active.
        let points: Vec<Vec<Option<Point>>> = space
            .params
            .iter()
            .zip(&encodings)
            .map(|(p, &e)| {
                rows.iter()
                    .map(|r| {
                        r.config
                            .get(&p.name)
                            .and_then(|v| encode(&p.distribution, e, v))
                    })
                    .collect()
            })
            .collect();
        let mut group_of = vec![None; space.params.len()];
        let mut members: Vec<Vec<usize>> = Vec::new();
        for j in 0..space.params.len() {
            if points[j].iter().all(Option::is_none) {
                continue;
            }
            let same = |g: &Vec<usize>| {
                let first = g[0];
                points[first]
                    .iter()
                    .zip(&points[j])
                    .all(|(a, b)| a.is_some() == b.is_some())
            };
            let joined = if options.multivariate {
                members.iter().position(same)
            } else {
                None
            };
            let g = joined.unwrap_or_else(|| {
                members.push(Vec::new());
                members.len() - 1
            });
            members[g].push(j);
            group_of[j] = Some(g);
        }
        let groups = members
            .into_iter()
            .map(|members| Group::new(members, &encodings, &points, rows))
            .collect();
        Self {
            space,
            encodings,
            group_of,
            groups,
            candidates: options.candidates.max(1),
        }
    }

    /// One configuration: parameters in definition order, each active one from its group's best
    /// candidate (a group is drawn when its first active member is reached).
    fn draw(&self, rng: &mut StdRng) -> Config {
        let mut drawn: Vec<Option<Value>> = vec![None; self.space.params.len()];
        self.space.build(|j, p| {
            if drawn[j].is_none() {
                if let Some(group) = self.group_of[j].and_then(|g| self.groups.get(g)) {
                    let values = group.best(self, rng);
                    for (&m, v) in group.members.iter().zip(values) {
                        drawn[m] = Some(v);
                    }
                }
            }
            drawn[j]
                .take()
                .unwrap_or_else(|| random::value(&p.distribution, rng))
        })
    }
}

impl Group {
    fn new(
        members: Vec<usize>,
        encodings: &[Encoding],
        points: &[Vec<Option<Point>>],
        rows: &[Row<'_>],
    ) -> Self {
        let axes: Vec<Axis> = members
            .iter()
            .filter_map(|&j| encodings[j].axis())
            .collect();
        let mut good = Vec::new();
        let mut bad = Vec::new();
        for (r, row) in rows.iter().enumerate() {
            let observed: Option<Vec<Point>> = members.iter().map(|&j| points[j][r]).collect();
            if let Some(observed) = observed {
                if row.good {
                    good.push(observed);
                } else {
                    bad.push(observed);
                }
            }
        }
        Self {
            good: ParzenEstimator::new(&axes, &good, &vec![1.0; good.len()]),
            bad: ParzenEstimator::new(&axes, &bad, &default_weights(bad.len())),
            members,
        }
    }

    /// The values of the candidate with the largest `l(x)/g(x)` among `model.candidates` drawn
    /// from `l` (the first of equals).
    fn best(&self, model: &Model<'_>, rng: &mut StdRng) -> Vec<Value> {
        let mut candidates = Vec::with_capacity(model.candidates);
        let mut points = Vec::with_capacity(model.candidates);
        for _ in 0..model.candidates {
            let drawn = self.good.sample(rng);
            let mut values = Vec::with_capacity(self.members.len());
            let mut at = Vec::with_capacity(self.members.len());
            for (&j, point) in self.members.iter().zip(drawn) {
                let d = &model.space.params[j].distribution;
                let value = decode(d, point);
                at.push(encode(d, model.encodings[j], &value).unwrap_or(point));
                values.push(value);
            }
            candidates.push(values);
            points.push(at);
        }
        let good = self.good.log_pdfs(&points);
        let bad = self.bad.log_pdfs(&points);
        let mut best = 0;
        let mut best_score = f64::NEG_INFINITY;
        for (k, (l, g)) in good.iter().zip(&bad).enumerate() {
            let score = l - g;
            if score > best_score {
                best = k;
                best_score = score;
            }
        }
        candidates.swap_remove(best)
    }
}

#[cfg(test)]
mod tests;
