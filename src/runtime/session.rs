//! A study opened for a run: its store, its record (created, or checked against the plan's
//! identity), the trials an earlier process left running put back in the queue, and its trial
//! folders. [`Session::execute`] then runs a composed strategy on it and sums up what happened.
//! Opened by [`super::run`] (the CLI and `hps::Study`), or by hand by benchmarks that compose their
//! own strategy.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use super::budget::BudgetTracker;
use super::identity::plan_hash;
use super::progress::Progress;
use super::strategy::StudyRun;
use super::wiring::Composed;
use super::{RunError, RunSummary, best_trial};
use crate::plan::Plan;
use crate::storage::{self, Storage, StoreError, StudyRecord};

/// How to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The store: a path or `sqlite://PATH`.
    pub store: String,
    /// Delete the study's earlier trials (and their folders) first.
    pub fresh: bool,
    /// Trials at once (the plan's `budget.parallel` unless overridden).
    pub parallel: usize,
    /// Where trial folders (checkpoints, logs) go, as `DIR/<study>/<number>/`; `None`: where the
    /// store keeps them.
    pub trials_dir: Option<PathBuf>,
    /// Print nothing while running.
    pub quiet: bool,
}

/// A study opened in its store.
pub struct Session<'a> {
    plan: &'a Plan,
    options: &'a RunOptions,
    store: Box<dyn Storage>,
    study: StudyRecord,
    requeued: u64,
    trials_dir: PathBuf,
}

impl<'a> Session<'a> {
    /// Opens the store and the plan's study in it: created when absent, refused when it exists with
    /// another identity (unless `fresh`, which deletes it and its trial folders first). Trials an
    /// earlier process left running go back to the queue.
    ///
    /// # Errors
    /// When the store cannot be opened, or refuses the study ([`StoreError::PlanChanged`]).
    pub fn open(plan: &'a Plan, options: &'a RunOptions) -> Result<Self, RunError> {
        let mut store = storage::open(&options.store)?;
        let trials_dir = options
            .trials_dir
            .clone()
            .unwrap_or_else(|| store.trial_root())
            .join(&plan.study);
        if options.fresh {
            // Checkpoints of the deleted trials must not be mistaken for the new ones'.
            let _ = std::fs::remove_dir_all(&trials_dir);
        }
        let plan_json = serde_json::to_string(plan).unwrap_or_default();
        let study = store.open_study(
            &plan.study,
            &plan.file,
            &plan_hash(plan),
            &plan_json,
            options.fresh,
        )?;
        let requeued = store.requeue_expired(study.id)?;
        Ok(Self {
            plan,
            options,
            store,
            study,
            requeued,
            trials_dir,
        })
    }

    /// The plan being run.
    #[must_use]
    pub fn plan(&self) -> &'a Plan {
        self.plan
    }

    /// The study's record.
    #[must_use]
    pub fn study(&self) -> &StudyRecord {
        &self.study
    }

    /// A new connection to the store (one per worker).
    ///
    /// # Errors
    /// When the store cannot be opened.
    pub fn connect(&self) -> Result<Box<dyn Storage>, StoreError> {
        storage::open(&self.options.store)
    }

    /// Runs `composed` until its strategy ends (the budget, the sampler's end, or `stop`), and
    /// sums up the study.
    ///
    /// # Errors
    /// When the store fails, or the strategy cannot go on.
    pub fn execute(
        self,
        mut composed: Composed<'_>,
        stop: Arc<AtomicBool>,
    ) -> Result<RunSummary, RunError> {
        let plan = self.plan;
        let existing = self.store.trials(self.study.id)?;
        let epochs_so_far: u64 = existing.iter().map(|t| u64::from(t.epochs)).sum();
        let finished_before = existing.iter().filter(|t| t.state.is_finished()).count() as u64;
        let progress = Progress::new(
            plan.budget.trials,
            &plan.objective.metric,
            plan.objective.direction,
            self.options.quiet,
        );
        progress.resume(finished_before);
        if self.requeued > 0 {
            progress.note(&format!(
                "re-queued {} trial(s) left running by an earlier process",
                self.requeued
            ));
        }
        let run = StudyRun {
            plan,
            study_id: self.study.id,
            store_url: &self.options.store,
            trials_dir: &self.trials_dir,
            parallel: self.options.parallel.max(1),
            trainer: composed.trainer.as_ref(),
            budget: BudgetTracker::new(plan, epochs_so_far, stop),
            progress,
            finished_now: std::sync::atomic::AtomicU64::new(0),
        };
        let result = composed.strategy.run(&run);
        run.progress.finish();
        result?;
        let trials = self.store.trials(self.study.id)?;
        let best = best_trial(&trials, plan.objective.direction).cloned();
        let (stopped_early, epochs_saved) = run.progress.stopped_early();
        Ok(RunSummary {
            trials,
            best,
            reason: run.budget.reason(),
            finished_now: run.finished(),
            requeued: self.requeued,
            stopped_early,
            epochs_saved,
        })
    }
}
