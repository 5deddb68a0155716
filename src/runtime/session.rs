//! A study opened for a run: its store, its record (created, or checked against the plan's
//! identity), this process registered as one of its workers, the trials whose worker is gone put
//! back in the queue, and its trial folders. [`Session::execute`] then runs a composed strategy on
//! it — renewing the worker's heartbeat and its trials' leases all the while — and sums up what
//! happened. Opened by [`super::run`] (the CLI and `hps::Study`), or by hand by benchmarks that
//! compose their own strategy. Any number of processes, on any number of machines, may open the
//! same study in one store and work on it together.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::budget::BudgetTracker;
use super::checkpoints::{CheckpointHome, Checkpoints};
use super::failures::{DEFAULT_MAX_FAILURES, FailureWatch};
use super::identity::plan_hash;
use super::progress::{Progress, searched};
use super::strategy::StudyRun;
use super::wiring::Composed;
use super::{RunError, RunSummary, best_trial};
use crate::plan::Plan;
use crate::storage::{self, Storage, StoreError, StudyRecord, TrialState};

/// How to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The store: a file (`PATH`, `sqlite://PATH`) or a server (`postgres://USER:PASS@HOST/DB`).
    pub store: String,
    /// Delete the study's earlier trials (and their folders) first.
    pub fresh: bool,
    /// Trials at once (the plan's `budget.parallel` unless overridden).
    pub parallel: usize,
    /// Where trial folders (checkpoints, logs) go, as `DIR/<study>/<number>/`, checkpoints kept
    /// there (a folder every worker's machine sees: `--artifacts`); `None`: the plan's `artifacts`
    /// (beside its file), else where the store keeps them, checkpoints in the store itself when the
    /// store spans machines.
    pub trials_dir: Option<PathBuf>,
    /// How long a trial a worker claimed stays its own without a heartbeat: a worker that died
    /// (killed, its machine lost) has its trials re-queued this long after its last sign of life.
    pub lease: Duration,
    /// Keep the checkpoints of trials that ended without completing.
    pub keep_checkpoints: bool,
    /// Keep the checkpoints of only this many complete trials, the best (`None`: all).
    pub keep_best: Option<u32>,
    /// Start no new trial once this many trials of the run failed the same way before any
    /// succeeded (0: never); see [`super::failures`].
    pub max_failures: u32,
    /// Print nothing while running.
    pub quiet: bool,
}

impl RunOptions {
    /// How long a lease lasts unless `--lease` says otherwise.
    pub const DEFAULT_LEASE: Duration = Duration::from_secs(30);

    /// Options for the store at `store`, with every default: one worker thread, trial folders where
    /// the store keeps them, leases of [`RunOptions::DEFAULT_LEASE`], giving up after
    /// [`DEFAULT_MAX_FAILURES`] failures of one kind.
    #[must_use]
    pub fn new(store: &str) -> Self {
        Self {
            store: store.to_owned(),
            fresh: false,
            parallel: 1,
            trials_dir: None,
            lease: Self::DEFAULT_LEASE,
            keep_checkpoints: false,
            keep_best: None,
            max_failures: DEFAULT_MAX_FAILURES,
            quiet: true,
        }
    }
}

/// A study opened in its store.
pub struct Session<'a> {
    plan: &'a Plan,
    options: &'a RunOptions,
    store: Box<dyn Storage>,
    study: StudyRecord,
    worker: i64,
    requeued: u64,
    trials_dir: PathBuf,
    checkpoints: Checkpoints,
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
        // `--artifacts`, else the study's `artifacts = "…"` (beside its file).
        let artifacts = options.trials_dir.clone().or_else(|| {
            let folder = plan.artifacts.as_ref()?;
            let beside = Path::new(&plan.file).parent().unwrap_or(Path::new(""));
            Some(beside.join(folder))
        });
        let home = if artifacts.is_none() && store.spans_machines() {
            CheckpointHome::Store
        } else {
            CheckpointHome::Folder
        };
        let trials_dir = artifacts
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
        let origin = origin();
        retire_the_dead(&mut *store, study.id, &origin)?;
        let worker = store.register_worker(study.id, &host_name(), std::process::id(), &origin)?;
        store.act_for(worker, options.lease);
        let requeued = store.requeue_expired(study.id)?;
        Ok(Self {
            plan,
            options,
            store,
            study,
            worker,
            requeued,
            trials_dir,
            checkpoints: Checkpoints {
                home,
                keep: options.keep_checkpoints,
            },
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

    /// A new connection to the store, claiming for this process's worker.
    ///
    /// # Errors
    /// When the store cannot be opened.
    pub fn connect(&self) -> Result<Box<dyn Storage>, StoreError> {
        super::strategy::connect_as(&self.options.store, self.worker, self.options.lease)
    }

    /// Runs `composed` until its strategy ends (the budget, the sampler's end, or `stop`), and
    /// sums up the study.
    ///
    /// # Errors
    /// When the store fails, or the strategy cannot go on.
    pub fn execute(
        mut self,
        mut composed: Composed<'_>,
        stop: Arc<AtomicBool>,
    ) -> Result<RunSummary, RunError> {
        let plan = self.plan;
        let existing = self.store.trials(self.study.id)?;
        let finished_before = existing.iter().filter(|t| t.state.is_finished()).count() as u64;
        let progress = Progress::new(
            plan.budget.trials,
            &plan.objective.metric,
            plan.objective.direction,
            self.options.quiet,
        );
        // The live best starts from the study's (its complete trials, as the display counts them).
        let complete: Vec<_> = existing
            .iter()
            .filter(|t| t.state == TrialState::Complete)
            .cloned()
            .collect();
        let best_before = best_trial(&complete, plan.objective.direction).map(|t| {
            (
                t.number,
                t.value.unwrap_or(f64::NAN),
                searched(plan, &t.params),
            )
        });
        progress.resume(
            finished_before,
            best_before
                .as_ref()
                .map(|(number, value, searched)| (*number, *value, searched)),
        );
        if self.requeued > 0 {
            progress.note(&format!(
                "re-queued {} trial(s) left running by an earlier process",
                self.requeued
            ));
        }
        let run = StudyRun {
            plan,
            study_id: self.study.id,
            worker: self.worker,
            lease: self.options.lease,
            store_url: &self.options.store,
            trials_dir: &self.trials_dir,
            parallel: self.options.parallel.max(1),
            trainer: composed.trainer.as_ref(),
            checkpoints: self.checkpoints,
            budget: BudgetTracker::new(plan, stop),
            progress,
            failures: FailureWatch::new(self.options.max_failures),
            finished_now: std::sync::atomic::AtomicU64::new(0),
        };
        let done = AtomicBool::new(false);
        let (url, worker, lease) = (self.options.store.as_str(), self.worker, self.options.lease);
        let result = std::thread::scope(|scope| {
            let heartbeat = scope.spawn(|| keep_alive(url, worker, lease, &done));
            let result = composed.strategy.run(&run);
            done.store(true, Ordering::SeqCst);
            let _ = heartbeat.join();
            result
        });
        run.progress.finish();
        self.store.retire_worker(self.worker)?;
        result?;
        let checkpoints_removed = match self.options.keep_best {
            Some(k) => self.checkpoints.keep_best(
                &mut *self.store,
                self.study.id,
                plan.objective.direction,
                k,
            )?,
            None => 0,
        };
        let trials = self.store.trials(self.study.id)?;
        let best = best_trial(&trials, plan.objective.direction).cloned();
        let test = super::held_out(&*self.store, self.study.id, &plan.objective)?;
        let (stopped_early, epochs_saved) = run.progress.stopped_early();
        Ok(RunSummary {
            trials,
            best,
            test,
            checkpoints_removed,
            reason: run.budget.reason(),
            finished_now: run.finished(),
            requeued: self.requeued,
            stopped_early,
            epochs_saved,
            failure: run.failures.verdict(),
        })
    }
}

/// Renews `worker`'s heartbeat and its trials' leases in the store at `url`, a third of a lease
/// apart, until `done`. A store that cannot be reached (a server restarting) is opened again, and
/// the heartbeat tried again, at the next beat.
fn keep_alive(url: &str, worker: i64, lease: Duration, done: &AtomicBool) {
    let every = (lease / 3).max(Duration::from_millis(10));
    let mut store: Option<Box<dyn Storage>> = None;
    let mut last = std::time::Instant::now();
    while !done.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(20).min(every));
        if last.elapsed() < every {
            continue;
        }
        last = std::time::Instant::now();
        if store.is_none() {
            store = storage::open(url).ok();
        }
        if let Some(open) = store.as_mut() {
            if open.heartbeat(worker, lease).is_err() {
                store = None;
            }
        }
    }
}

/// Where this process's id means something: the kernel's boot and the process namespace. Empty
/// when unknown (then no other worker is ever taken for dead before its lease ends).
fn origin() -> String {
    let boot = std::fs::read_to_string("/proc/sys/kernel/random/boot_id");
    let namespace = std::fs::read_link("/proc/self/ns/pid");
    match (boot, namespace) {
        (Ok(boot), Ok(namespace)) => format!("{}/{}", boot.trim(), namespace.display()),
        _ => String::new(),
    }
}

/// Retires the workers of the study that ran here (same origin) and whose process is gone — a
/// run killed a moment ago — so that their trials resume now, not when their leases end.
fn retire_the_dead(store: &mut dyn Storage, study_id: i64, origin: &str) -> Result<(), StoreError> {
    if origin.is_empty() {
        return Ok(());
    }
    let me = std::process::id();
    for worker in store.workers(study_id)? {
        let gone = !std::path::Path::new(&format!("/proc/{}", worker.pid)).exists();
        if worker.stopped_at.is_none() && worker.origin == origin && worker.pid != me && gone {
            store.retire_worker(worker.id)?;
        }
    }
    Ok(())
}

/// This machine's name, as workers are listed by.
fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| String::from("unknown"))
}
