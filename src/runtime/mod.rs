//! The executor. [`run`] opens the plan's study in its store ([`Session`]), composes the run at the
//! one wiring point ([`compose`]: trainer, sampler, scheduler, stopping rule, strategy) and executes
//! its [`Strategy`] — today the [`SearchStrategy`]'s workers claiming, training and scheduling
//! trials — recording every trial and every epoch as it happens. The store is the source of truth:
//! running the same study again continues it (trials left `running` by a dead process are re-queued
//! and resume from their last checkpoint; nothing finished is recomputed), and a changed search
//! space is refused. Budgets (`trials`, `epochs`, `time`) stop the run at the first limit; Ctrl-C
//! finishes the running epochs, re-queues those trials and returns. Called by `hps run` and
//! `hps::Study`.
//!
//! One concept per file: `session` (the study opened, identity checked, resume), `identity` (what
//! makes trials comparable), `budget` (limits and spending), `wiring` (composition), `strategy`
//! (the seam and what every strategy runs on), `search` (the sampler + scheduler + stopping loop),
//! `training` (one trial trained), `sink` (its epochs recorded and judged), `reported` (the metrics
//! it reported: a trial that never reported its objective fails), `outcome` (how its end becomes
//! its state), `failures` (when a run gives up), `progress` (what the user sees).

mod autohas;
mod budget;
mod checkpoints;
pub mod failures;
mod identity;
mod outcome;
pub mod progress;
mod reported;
mod search;
mod session;
mod sink;
mod strategy;
mod training;
mod wiring;

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

pub use budget::{BudgetTracker, StopReason};
pub use failures::{DEFAULT_MAX_FAILURES, FailureWatch};
pub use identity::{changes as identity_changes, plan_hash};
pub use progress::Progress;
pub use search::SearchStrategy;
pub use session::{RunOptions, Session};
pub use sink::Judge;
pub use strategy::{Strategy, StudyRun};
pub use training::train_trial;
pub use wiring::{Composed, Environment, SamplerFactory, WiringError, compose};

use crate::plan::{Direction, Plan};
use crate::storage::{Storage, StoreError, TrialRecord};

/// What a run did.
#[derive(Debug, Clone)]
pub struct RunSummary {
    /// Every trial of the study after the run.
    pub trials: Vec<TrialRecord>,
    /// The best finished trial.
    pub best: Option<TrialRecord>,
    /// Each trial's value on the held-out test rows, when the dataset holds some back
    /// ([`held_out`]).
    pub test: HeldOut,
    /// Checkpoints of complete trials removed at the end (`keep_best`).
    pub checkpoints_removed: u64,
    /// Why the run ended.
    pub reason: StopReason,
    /// Trials that ended during this run (complete, stopped for good, or failed; a trial waiting at
    /// a rung is not counted until its rung is decided).
    pub finished_now: u64,
    /// Trials re-queued because a previous process died while running them.
    pub requeued: u64,
    /// Trials the stopping rule ended early during this run.
    pub stopped_early: u64,
    /// Epochs those trials did not train (their stage's last epoch minus where they stopped).
    pub epochs_saved: u64,
    /// Why the run failed as a whole, when it did: it gave up after trials failed the same way
    /// (`RunOptions::max_failures`), or every trial that ended in it failed. `hps run` then
    /// exits 1.
    pub failure: Option<String>,
}

/// A run that could not go on.
#[derive(Debug)]
pub enum RunError {
    /// The store failed or refused (a changed search space).
    Store(StoreError),
    /// The plan asks for what this build cannot run, or what cannot be set up.
    Wiring(WiringError),
    /// The sampler could not propose a configuration.
    Sampler(String),
    /// A one-shot search could not go on (not a divergence, which ends it and keeps its result).
    Search(String),
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunError::Store(e) => write!(f, "{e}"),
            RunError::Wiring(e) => write!(f, "{e}"),
            RunError::Sampler(e) | RunError::Search(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for RunError {}

impl From<StoreError> for RunError {
    fn from(e: StoreError) -> Self {
        RunError::Store(e)
    }
}

impl From<WiringError> for RunError {
    fn from(e: WiringError) -> Self {
        RunError::Wiring(e)
    }
}

/// Runs `plan` in `environment` until a budget limit, the sampler's end, or `stop`.
///
/// # Errors
/// When the store fails or refuses the study, the plan cannot be composed, or the sampler cannot
/// propose a configuration.
pub fn run(
    plan: &Plan,
    environment: Environment<'_>,
    options: &RunOptions,
    stop: Arc<AtomicBool>,
) -> Result<RunSummary, RunError> {
    let session = Session::open(plan, options)?;
    let composed = compose(&session, environment)?;
    session.execute(composed, stop)
}

/// Trials' values of a held-out test metric: the metric's name (`test.accuracy`), and the value by
/// trial number for each trial that trained to the end of its schedule.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HeldOut {
    /// The test metric that matches the objective: `val.accuracy` → `test.accuracy`.
    pub metric: String,
    /// Its value by trial number.
    pub values: std::collections::BTreeMap<u64, f64>,
}

/// The held-out test metric matching `objective` (`val.X` → `test.X`; else `test.loss`) of every
/// trial of the study `study_id` that has one.
///
/// # Errors
/// When the store fails.
pub fn held_out(
    store: &dyn Storage,
    study_id: i64,
    objective: &crate::plan::Objective,
) -> Result<HeldOut, StoreError> {
    let metric = objective
        .metric
        .strip_prefix("val.")
        .map_or_else(|| String::from("test.loss"), |rest| format!("test.{rest}"));
    let values = store
        .objective_curves(study_id, &metric)?
        .into_iter()
        .filter_map(|(number, curve)| curve.last().copied().map(|v| (number, v)))
        .collect();
    Ok(HeldOut { metric, values })
}

/// The finished trial with the best value.
#[must_use]
pub fn best_trial(trials: &[TrialRecord], direction: Direction) -> Option<&TrialRecord> {
    trials
        .iter()
        .filter(|t| t.state.has_ended_stage() && t.value.is_some_and(f64::is_finite))
        .min_by(|a, b| best_first(direction, a, b))
}

/// The order of trials best first: by value for `direction` (trials without a finite value last),
/// the earlier trial first among equals (as the progress display shows them).
#[must_use]
pub fn best_first(direction: Direction, a: &TrialRecord, b: &TrialRecord) -> std::cmp::Ordering {
    let value = |t: &TrialRecord| t.value.filter(|v| v.is_finite());
    let by_value = match (value(a), value(b)) {
        (Some(x), Some(y)) => match direction {
            Direction::Maximize => y.total_cmp(&x),
            Direction::Minimize => x.total_cmp(&y),
        },
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    };
    by_value.then(a.number.cmp(&b.number))
}
