//! The run's limits as written ([`Budget`]) and what they allow under the scheduler ([`Limits`],
//! computed when the plan is lowered). Read by the runtime's budget accounting and by `hps plan`.

use serde::{Deserialize, Serialize};

use crate::plan::scheduler::SchedulerPlan;

/// The run's limits; it stops at the first reached.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Budget {
    /// Trials to start.
    pub trials: Option<u64>,
    /// Epochs to train, over all trials.
    pub epochs: Option<u64>,
    /// Wall-clock seconds.
    pub time_seconds: Option<f64>,
    /// Trials at once.
    pub parallel: u64,
}

/// What the budget allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// Most trials that can start (`None`: only time bounds the run).
    pub max_trials: Option<u64>,
    /// Most epochs that can be trained.
    pub max_epochs: Option<u64>,
}

impl Limits {
    /// What `budget` allows under `scheduler`, or for a one-shot strategy (one search, whose
    /// epochs only the budget bounds).
    #[must_use]
    pub fn of(budget: &Budget, scheduler: &SchedulerPlan, one_shot: bool) -> Limits {
        if one_shot {
            return Limits {
                max_trials: Some(1),
                max_epochs: budget.epochs,
            };
        }
        if scheduler.brackets.is_empty() {
            let per_trial = scheduler.epochs_per_trial.unwrap_or(1).max(1);
            let max_trials = match (budget.trials, budget.epochs) {
                (Some(t), Some(e)) => Some(t.min(e.div_ceil(per_trial))),
                (Some(t), None) => Some(t),
                (None, Some(e)) => Some(e.div_ceil(per_trial)),
                (None, None) => None,
            };
            let max_epochs = match (max_trials, budget.epochs) {
                (Some(t), Some(e)) => Some(e.min(t * per_trial)),
                (Some(t), None) => Some(t * per_trial),
                (None, e) => e,
            };
            return Limits {
                max_trials,
                max_epochs,
            };
        }
        let Some(rungs) = scheduler.kind.rungs() else {
            return Limits {
                max_trials: budget.trials,
                max_epochs: budget.epochs,
            };
        };
        // Brackets run in order, cyclically, until trials or epochs run out.
        let (eta, max) = (rungs.eta, rungs.max);
        let (mut trials, mut epochs) = (0_u64, 0_u64);
        let trial_cap = budget.trials;
        let epoch_cap = budget.epochs;
        if trial_cap.is_none() && epoch_cap.is_none() {
            return Limits {
                max_trials: None,
                max_epochs: None,
            };
        }
        'outer: for _ in 0..10_000 {
            for b in &scheduler.brackets {
                let left = trial_cap.map_or(b.trials(), |t| t.saturating_sub(trials));
                if left == 0 {
                    break 'outer;
                }
                let bracket = if left < b.trials() {
                    crate::plan::brackets::bracket(b.s, left, max, eta)
                } else {
                    b.clone()
                };
                if let Some(cap) = epoch_cap {
                    if epochs + bracket.epochs_trained > cap {
                        let first = bracket.rungs[0].epochs.max(1);
                        trials += (cap - epochs) / first;
                        epochs = cap;
                        break 'outer;
                    }
                }
                trials += bracket.trials();
                epochs += bracket.epochs_trained;
            }
        }
        Limits {
            max_trials: Some(trials),
            max_epochs: Some(epochs),
        }
    }
}
