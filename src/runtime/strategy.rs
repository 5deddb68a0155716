//! The [`Strategy`] seam: what happens between opening a study and summing it up. Today's search —
//! a sampler proposes, a scheduler decides how long each trial trains, a stopping rule ends trials
//! early ([`super::SearchStrategy`]) — is one strategy; a one-shot search that trains a single
//! super-network (`strategy = autohas(…)`) is another, on the same store, budget and progress
//! display, which [`StudyRun`] gives every strategy.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use super::RunError;
use super::budget::BudgetTracker;
use super::checkpoints::Checkpoints;
use super::failures::FailureWatch;
use super::progress::Progress;
use crate::plan::Plan;
use crate::storage::{self, Storage, StoreError};
use crate::trial::Trainer;

/// A way of searching a study.
pub trait Strategy: Send {
    /// Searches until the budget, the search's own end, or the user's stop flag (all in `study`).
    ///
    /// # Errors
    /// When the store fails or the search cannot go on.
    fn run(&mut self, study: &StudyRun<'_>) -> Result<(), RunError>;
}

/// What every strategy runs on.
pub struct StudyRun<'a> {
    /// The plan.
    pub plan: &'a Plan,
    /// The study's id in its store.
    pub study_id: i64,
    /// This process's worker id in the store.
    pub worker: i64,
    /// How long a claimed trial is held without a sign of life.
    pub lease: Duration,
    pub(super) store_url: &'a str,
    /// The study's trial folders (`<number>/` each).
    pub trials_dir: &'a Path,
    /// Trials at once.
    pub parallel: usize,
    /// Trains one trial.
    pub trainer: &'a dyn Trainer,
    /// Where checkpoints are kept.
    pub checkpoints: Checkpoints,
    /// The limits and what is spent of them.
    pub budget: BudgetTracker,
    /// What the user sees.
    pub progress: Progress,
    /// This run's failures: when to give up.
    pub failures: FailureWatch,
    pub(super) finished_now: AtomicU64,
}

impl StudyRun<'_> {
    /// A new connection to the study's store (each worker thread has its own), claiming trials for
    /// this process's worker.
    ///
    /// # Errors
    /// When the store cannot be opened.
    pub fn connect(&self) -> Result<Box<dyn Storage>, StoreError> {
        connect_as(self.store_url, self.worker, self.lease)
    }

    /// Counts a trial that ended during this run (complete, stopped for good, or failed).
    pub fn count_finished(&self) {
        self.finished_now.fetch_add(1, Ordering::SeqCst);
    }

    /// Trials that ended during this run.
    #[must_use]
    pub fn finished(&self) -> u64 {
        self.finished_now.load(Ordering::SeqCst)
    }
}

/// A new connection to the store at `url`, claiming for `worker` with leases of `lease`.
///
/// # Errors
/// When the store cannot be opened.
pub fn connect_as(
    url: &str,
    worker: i64,
    lease: std::time::Duration,
) -> Result<Box<dyn Storage>, StoreError> {
    let mut store = storage::open(url)?;
    store.act_for(worker, lease);
    Ok(store)
}
