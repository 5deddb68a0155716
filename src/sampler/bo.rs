//! Bayesian optimisation: the first `init` trials are the random sampler's; afterwards a Gaussian
//! process (`bo/gp.rs`, ARD Matérn-5/2 or RBF, hyperparameters by marginal likelihood with
//! restarts) is fitted to the encoded configurations (`bo/encoding.rs`) and their standardised
//! losses, and the configuration maximising the acquisition (`bo/acquisition.rs`: `ei`, `ucb`,
//! `pi`) over the mixed space (`bo/search.rs`) is proposed.
//!
//! Trials are compared at one fidelity ([`crate::sampler::training_set`]). Pending trials enter
//! through the *constant liar* (Ginsbourger et al., 2010): the process is conditioned on them as
//! if each had the worst loss seen, so their neighbourhoods stop being attractive and proposals
//! spread out. Pending is every trial the model does not learn from that has not failed: other
//! workers' queued and running trials, and — under Hyperband — the trials of the current bracket
//! that wait at (or lost) a rung below the fidelity the model compares at. Without them a bracket
//! filled with near-copies of one configuration, each proposed while its predecessors sat
//! invisible at rung 0 (issue 17). (The kriging believer, conditioning on the
//! predicted mean, still let a second worker propose a point 10⁻⁴ away from the first once the
//! model was confident.) A
//! configuration already tried or pending is never proposed again, and `forbid` rules are
//! respected. Everything random comes from the study's seed and the trial's number, so the same
//! history gives the same proposal.

mod acquisition;
mod cholesky;
mod gp;
mod lbfgs;
mod search;

use std::collections::HashSet;

use crate::plan::Direction;
use crate::plan::sampler::BoOptions;
use crate::sampler::random::RandomSampler;
use crate::sampler::{Observation, Sampler, model_points};
use crate::seed::{self, sampler_rng};
use crate::space::{Config, SearchSpace};
use crate::storage::TrialState;

use crate::space::encoding::Encoder;
use gp::{FitEffort, GaussianProcess};
use search::Search;

/// The most trials the posterior is conditioned on: beyond it, the best and the most recent half each.
const MAX_POINTS: usize = 256;
/// The most points the kernel hyperparameters are fitted to (the likelihood costs O(n³) per step).
const FIT_POINTS: usize = 100;
/// Observed trials whose neighbourhoods the acquisition search also explores.
const INCUMBENTS: usize = 3;

/// Gaussian-process Bayesian optimisation.
pub struct BoSampler {
    space: SearchSpace,
    seed: u64,
    direction: Direction,
    options: BoOptions,
    encoder: Encoder,
    random: RandomSampler,
}

impl BoSampler {
    /// A sampler over `space`, seeded by the study's `seed`, for an objective optimised in
    /// `direction`.
    #[must_use]
    pub fn new(space: SearchSpace, seed: u64, direction: Direction, options: BoOptions) -> Self {
        let random = RandomSampler::new(space.clone(), seed);
        let encoder = Encoder::new(&space);
        Self {
            space,
            seed,
            direction,
            options,
            encoder,
            random,
        }
    }

    /// The model's proposal, or `None` when the process cannot be fitted or every candidate is
    /// forbidden or already tried.
    fn propose(
        &self,
        number: u64,
        history: &[Observation],
        training: &[(&Config, f64)],
    ) -> Option<Config> {
        let learnt: HashSet<*const Config> = training
            .iter()
            .map(|(c, _)| std::ptr::from_ref(*c))
            .collect();
        let training = kept(training);
        let rows: Vec<Vec<f64>> = training
            .iter()
            .map(|(c, _)| self.encoder.encode(&self.space, c))
            .collect();
        let losses: Vec<f64> = training.iter().map(|(_, y)| *y).collect();
        let y = standardise(&losses);
        let mut rng = sampler_rng(self.seed, seed::BO_SAMPLER, number);
        let effort = if rows.len() <= FIT_POINTS / 2 {
            FitEffort {
                restarts: 2,
                iterations: 60,
            }
        } else {
            FitEffort {
                restarts: 0,
                iterations: 40,
            }
        };
        // Kernel hyperparameters from at most FIT_POINTS of the points (the best and the most
        // recent), the posterior from all of them.
        let subset = kept_indices(&losses, FIT_POINTS);
        let fit_rows: Vec<Vec<f64>> = subset.iter().map(|&i| rows[i].clone()).collect();
        let fit_y: Vec<f64> = subset.iter().map(|&i| y[i]).collect();
        let fitted =
            GaussianProcess::fit(self.options.kernel, &fit_rows, &fit_y, effort, &mut rng)?;
        let mut gp = if subset.len() == rows.len() {
            fitted
        } else {
            fitted.on_data(&rows, &y)?
        };
        let pending: Vec<Vec<f64>> = history
            .iter()
            .filter(|o| {
                o.is_pending()
                    || (o.state != TrialState::Failed
                        && !learnt.contains(&std::ptr::from_ref(&o.config)))
            })
            .map(|o| self.encoder.encode(&self.space, &o.config))
            .collect();
        let best = y.iter().copied().fold(f64::INFINITY, f64::min);
        if !pending.is_empty() {
            // The constant liar: each pending trial is believed to have the worst loss seen.
            let worst = y.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let all_rows: Vec<Vec<f64>> = rows.iter().chain(&pending).cloned().collect();
            let all_y: Vec<f64> = y
                .iter()
                .copied()
                .chain(pending.iter().map(|_| worst))
                .collect();
            gp = gp.on_data(&all_rows, &all_y)?;
        }
        let seen: HashSet<Vec<u64>> = history
            .iter()
            .map(|o| Search::key(&self.encoder.encode(&self.space, &o.config)))
            .collect();
        let search = Search {
            space: &self.space,
            encoder: &self.encoder,
            seen,
        };
        let mut ranked: Vec<usize> = (0..training.len()).collect();
        ranked.sort_by(|&a, &b| losses[a].total_cmp(&losses[b]).then(a.cmp(&b)));
        let incumbents: Vec<&Config> = ranked
            .iter()
            .take(INCUMBENTS)
            .map(|&i| training[i].0)
            .collect();
        let acquisition = self.options.acquisition;
        let score = |point: &[f64]| {
            let (mean, variance) = gp.predict(point);
            acquisition::score(acquisition, mean, variance.sqrt(), best)
        };
        search.maximise(&score, &incumbents, &mut rng)
    }
}

impl Sampler for BoSampler {
    fn ask(&mut self, number: u64, history: &[Observation]) -> Result<Option<Config>, String> {
        let proposal = model_points(number, history, self.direction, self.options.init)
            .and_then(|training| self.propose(number, history, &training));
        match proposal {
            Some(config) => Ok(Some(config)),
            None => self.random.ask(number, history),
        }
    }

    fn uses_history(&self) -> bool {
        true
    }
}

/// The training points the process is conditioned on: all of them up to [`MAX_POINTS`].
fn kept<'c>(training: &[(&'c Config, f64)]) -> Vec<(&'c Config, f64)> {
    let losses: Vec<f64> = training.iter().map(|(_, y)| *y).collect();
    kept_indices(&losses, MAX_POINTS)
        .into_iter()
        .map(|i| training[i])
        .collect()
}

/// The indices (in order) of at most `limit` of the points with `losses`: all when there are no
/// more, else the best `limit/2` and the most recent of the rest.
fn kept_indices(losses: &[f64], limit: usize) -> Vec<usize> {
    if losses.len() <= limit {
        return (0..losses.len()).collect();
    }
    let mut ranked: Vec<usize> = (0..losses.len()).collect();
    ranked.sort_by(|&a, &b| losses[a].total_cmp(&losses[b]).then(a.cmp(&b)));
    let mut keep = vec![false; losses.len()];
    for &i in ranked.iter().take(limit / 2) {
        keep[i] = true;
    }
    let mut recent = 0;
    for i in (0..losses.len()).rev() {
        if recent == limit - limit / 2 {
            break;
        }
        if !keep[i] {
            keep[i] = true;
            recent += 1;
        }
    }
    (0..losses.len()).filter(|&i| keep[i]).collect()
}

/// `(y − mean)/sd` (sd 1 when the losses are all equal).
fn standardise(y: &[f64]) -> Vec<f64> {
    #[allow(clippy::cast_precision_loss)]
    let n = y.len().max(1) as f64;
    let mean = y.iter().sum::<f64>() / n;
    let sd = (y.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
    let sd = if sd > 1e-12 { sd } else { 1.0 };
    y.iter().map(|v| (v - mean) / sd).collect()
}

#[cfg(test)]
mod tests;
