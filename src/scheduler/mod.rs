//! Schedulers decide how long each trial trains. [`Scheduler::decide`] looks at the study's stored
//! trials and says what to do next: start a trial (placed in a bracket), promote the best of a
//! finished rung, wait for running trials, or stop. Every decision is derived from the store, so a
//! resumed run or several workers agree on it. Promoted trials continue from their checkpoint.

pub mod fifo;
pub mod successive_halving;

use crate::plan::Plan;
use crate::storage::{Placement, TrialRecord};

/// The reason a trial waiting at the end of its rung carries until the rung is decided.
pub const AWAITING: &str = "waiting for its rung to finish";
/// The start of the reason a trial carries when the rest of its rung did better.
pub const NOT_PROMOTED: &str = "not promoted after rung";

/// What the runtime should do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Start a new trial, placed in a bracket (or not, under `fifo`).
    New(Option<Placement>),
    /// Promote trials `(id, rung, target epochs)` and end the others of the rung `(id, rung)`.
    Promote {
        /// Trials that train on.
        promote: Vec<(i64, u32, u32)>,
        /// Trials that stop for good.
        drop: Vec<(i64, u32)>,
    },
    /// Nothing can start until running trials finish.
    Wait,
    /// Nothing more to do.
    Done,
}

/// Decides how long trials train.
pub trait Scheduler: Send {
    /// The next step, given every trial of the study; `can_create` is false when the budget allows
    /// no new trial (or the sampler has none).
    fn decide(&self, trials: &[TrialRecord], can_create: bool) -> Decision;

    /// The most epochs any trial trains: where learning-rate schedules end.
    fn horizon(&self) -> Option<u32>;
}

/// The scheduler a plan names.
///
/// # Errors
/// A scheduler this build cannot run yet.
pub fn for_plan(plan: &Plan) -> Result<Box<dyn Scheduler>, String> {
    match plan.scheduler.step.name.as_str() {
        "fifo" => Ok(Box::new(fifo::Fifo)),
        "sha" | "hyperband" => Ok(Box::new(successive_halving::SuccessiveHalving::new(plan))),
        other => Err(format!(
            "the `{other}` scheduler is not available in this build of hps yet; `fifo`, `sha` and `hyperband` are"
        )),
    }
}
