//! Stopping rules end a trial early from its learning curve. After every epoch the runtime hands
//! the rule a [`Case`] — the trial, its curve so far, the epoch its stage ends at, every other
//! trial's curve and what the trial competes with (from the scheduler) — and the rule answers with a
//! [`Verdict`]. One rule per file: [`svr`] is Baker et al.'s ν-SVR learning-curve prediction.

pub mod svr;

use crate::plan::Direction;
use crate::plan::{Plan, StoppingPlan};
use crate::scheduler::{Competition, Curves, best_first};
use crate::storage::TrialRecord;

/// What a stopping rule is asked after an epoch.
#[derive(Debug, Clone, Copy)]
pub struct Case<'a> {
    /// The trial.
    pub trial: &'a TrialRecord,
    /// Its objective after each epoch so far (`curve[0]` is epoch 1).
    pub curve: &'a [f64],
    /// The epoch its current stage ends at (its rung's epochs, or its recipe's under `fifo`).
    pub target: u32,
    /// Every trial of the study.
    pub trials: &'a [TrialRecord],
    /// Every trial's objective curve, by number.
    pub curves: &'a Curves,
    /// The values it competes with and how many of its stage go on.
    pub competition: &'a Competition,
}

/// A stopping rule's answer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Verdict {
    /// Train on.
    Continue,
    /// End the trial now.
    Stop(Prediction),
}

/// Why a trial was stopped: its predicted value at the target epoch against the reference.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prediction {
    /// The predicted value at the stage's last epoch.
    pub value: f64,
    /// The prediction's standard deviation.
    pub sigma: f64,
    /// The value it had to beat (the ⌈κ·n⌉-th best of its competition).
    pub reference: f64,
    /// The probability that it ends worse than the reference.
    pub probability: f64,
}

impl Prediction {
    /// The reason recorded with a stopped trial.
    #[must_use]
    pub fn reason(&self, epoch: u32, target: u32) -> String {
        format!(
            "stopped early at epoch {epoch}: predicted {:.4} ± {:.4} at epoch {target}, worse than {:.4} with probability {:.3}",
            self.value, self.sigma, self.reference, self.probability
        )
    }
}

/// The value a trial must be predicted to beat (Baker et al.'s `max_k(L, κ·n)`): the ⌈κ·n⌉-th best
/// finite value of its competition, n being how many of its stage go on; `None` while fewer rivals
/// have finished.
#[must_use]
pub fn reference(competition: &Competition, keep: f64, direction: Direction) -> Option<f64> {
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let k = ((keep * competition.advancing as f64).ceil() as usize).max(1);
    let mut values: Vec<f64> = competition
        .values
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .collect();
    values.sort_by(|a, b| best_first(direction, *a, *b));
    values.get(k - 1).copied()
}

/// Ends trials early.
pub trait StoppingRule: Send + Sync {
    /// Whether the trial in `case` trains on.
    fn judge(&self, case: &Case<'_>) -> Verdict;
}

/// The stopping rule a plan names (`None` for `none`).
#[must_use]
pub fn build(plan: &Plan) -> Option<Box<dyn StoppingRule>> {
    match plan.stopping {
        StoppingPlan::None => None,
        StoppingPlan::Svr(options) => Some(Box::new(svr::SvrRule::new(plan, options))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn competition(values: &[f64], advancing: usize) -> Competition {
        Competition {
            values: values.to_vec(),
            advancing,
        }
    }

    #[test]
    fn the_reference_is_the_ceil_kappa_n_th_best_finite_rival() {
        let rivals = competition(&[0.7, f64::NAN, 0.9, 0.8, f64::INFINITY, 0.6], 4);
        // ⌈0.25·4⌉ = 1: the best finite value; ⌈0.6·4⌉ = 3: the third best.
        assert_eq!(reference(&rivals, 0.25, Direction::Maximize), Some(0.9));
        assert_eq!(reference(&rivals, 0.6, Direction::Maximize), Some(0.7));
        assert_eq!(reference(&rivals, 0.25, Direction::Minimize), Some(0.6));
        assert_eq!(reference(&rivals, 0.6, Direction::Minimize), Some(0.8));
        // κ·n below one still compares with the best.
        assert_eq!(
            reference(&competition(&[0.5, 0.4], 1), 0.1, Direction::Maximize),
            Some(0.5)
        );
        // Fewer finished rivals than ⌈κ·n⌉: nothing to compare with.
        assert_eq!(reference(&rivals, 1.0, Direction::Maximize), Some(0.6));
        assert_eq!(
            reference(&competition(&[0.9], 8), 0.25, Direction::Maximize),
            None
        );
        assert_eq!(
            reference(&competition(&[], 1), 0.25, Direction::Maximize),
            None
        );
    }
}
