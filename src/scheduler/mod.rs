//! Schedulers decide how long each trial trains. [`Scheduler::decide`] looks at the study's stored
//! trials and says what to do next: start a trial (placed in a bracket), promote the best of a
//! finished rung, wait for running trials, or stop. Every decision is derived from the store, so a
//! resumed run or several workers agree on it. Promoted trials continue from their checkpoint.

pub mod asha;
pub mod fifo;
pub mod successive_halving;

use std::collections::BTreeMap;

use crate::plan::Direction;
use crate::plan::{Plan, SchedulerKind};
use crate::storage::{Placement, TrialRecord, TrialState};

/// The objective's learning curve of each trial, by trial number (`curve[e - 1]` after epoch `e`).
pub type Curves = BTreeMap<u64, Vec<f64>>;

/// The start of the reason a trial carries when the rest of its rung did better.
pub const NOT_PROMOTED: &str = "not promoted after rung";

/// What the runtime should do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Start a new trial, placed in a bracket (or not, under `fifo`).
    New(Option<Placement>),
    /// Promote trials `(id, rung, target epochs)` and end the others of the rung `(id, rung)`.
    Promote {
        /// Trials that train on, best first (the order they train in).
        promote: Vec<(i64, u32, u32)>,
        /// Trials that stop for good.
        drop: Vec<(i64, u32)>,
    },
    /// Nothing can start until running trials finish.
    Wait,
    /// Nothing more to do.
    Done,
}

/// What a trial training towards the end of its stage (its rung, or its full length under `fifo`)
/// competes with: what a stopping rule compares its predicted value against.
#[derive(Debug, Clone, PartialEq)]
pub struct Competition {
    /// The values of the rivals that have finished the stage (a prediction for those a stopping rule
    /// ended early).
    pub values: Vec<f64>,
    /// How many trials of the stage go on (the next rung's size; 1 under `fifo`: the best).
    pub advancing: usize,
}

/// Decides how long trials train.
pub trait Scheduler: Send {
    /// The next step, given every trial of the study and their objective curves; `can_create` is
    /// false when the budget allows no new trial (or the sampler has none).
    fn decide(&self, trials: &[TrialRecord], curves: &Curves, can_create: bool) -> Decision;

    /// The most epochs any trial trains: where learning-rate schedules end.
    fn horizon(&self) -> Option<u32>;

    /// What `trial` competes with in its current stage.
    fn competition(
        &self,
        trial: &TrialRecord,
        trials: &[TrialRecord],
        curves: &Curves,
    ) -> Competition;
}

/// Whether a trial has finished its rung and waits for the rung's decision.
#[must_use]
pub fn awaits_decision(trial: &TrialRecord) -> bool {
    trial.state == TrialState::Awaiting
}

/// The value a trial is ranked by at the end of its stage: its prediction when a stopping rule ended
/// it early (Baker et al.'s Algorithm 2), else its last value; `None` when not finite.
#[must_use]
pub fn standing(trial: &TrialRecord) -> Option<f64> {
    trial.predicted.or(trial.value).filter(|v| v.is_finite())
}

/// Orders values best first.
#[must_use]
pub fn best_first(direction: Direction, a: f64, b: f64) -> std::cmp::Ordering {
    match direction {
        Direction::Maximize => b.total_cmp(&a),
        Direction::Minimize => a.total_cmp(&b),
    }
}

/// The scheduler a plan names.
#[must_use]
pub fn build(plan: &Plan) -> Box<dyn Scheduler> {
    match plan.scheduler.kind {
        SchedulerKind::Fifo => Box::new(fifo::Fifo),
        SchedulerKind::Sha(rungs) | SchedulerKind::Hyperband(rungs) => {
            Box::new(successive_halving::SuccessiveHalving::new(plan, rungs))
        }
        SchedulerKind::Asha(rungs) => Box::new(asha::Asha::new(plan, rungs)),
    }
}
