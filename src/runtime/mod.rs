//! The executor: runs a plan's trials on its trainer, `parallel` at a time, recording every trial and
//! every epoch in the study store as it happens. The store is the source of truth: running the same
//! study again continues it (trials left `running` by a dead process are re-queued and resume from
//! their last checkpoint; nothing finished is recomputed), and a changed search space is refused.
//! Budgets (`trials`, `epochs`, `time`) stop the run at the first limit; Ctrl-C finishes the running
//! epochs, re-queues those trials and returns.

pub mod progress;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::plan::Direction;
use crate::plan::Plan;
use crate::sampler::{Observation, Sampler};
use crate::scheduler::successive_halving::not_promoted;
use crate::scheduler::{AWAITING, Decision, Scheduler};
use crate::space::{Config, SearchSpace};
use crate::stopping::{Case, Prediction, StoppingRule, Verdict};
use crate::storage::{self, Storage, StoreError, TrialRecord, TrialState};
use crate::trial::{Control, EpochMetrics, EpochSink, Trainer, TrialEnd, TrialRun};

pub use progress::Progress;

/// How to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The store: a path or `sqlite://PATH`.
    pub store: String,
    /// Delete the study's earlier trials first.
    pub fresh: bool,
    /// Trials at once (the plan's `budget.parallel` unless overridden).
    pub parallel: usize,
    /// Where trial folders (checkpoints, logs) go: `DIR/<study>/<number>/`.
    pub trials_dir: PathBuf,
    /// Print nothing while running.
    pub quiet: bool,
}

/// Why a run stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// Every trial the budget allows is finished.
    Trials,
    /// The epoch budget is spent.
    Epochs,
    /// The time budget is spent.
    Time,
    /// The sampler has nothing left (a finished grid).
    Exhausted,
    /// The user interrupted (Ctrl-C).
    Interrupted,
}

/// What a run did.
#[derive(Debug, Clone)]
pub struct RunSummary {
    /// Every trial of the study after the run.
    pub trials: Vec<TrialRecord>,
    /// The best finished trial.
    pub best: Option<TrialRecord>,
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
}

/// A run that could not go on.
#[derive(Debug)]
pub enum RunError {
    /// The store failed or refused (a changed search space).
    Store(StoreError),
    /// The sampler could not propose a configuration.
    Sampler(String),
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunError::Store(e) => write!(f, "{e}"),
            RunError::Sampler(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for RunError {}

impl From<StoreError> for RunError {
    fn from(e: StoreError) -> Self {
        RunError::Store(e)
    }
}

/// A fingerprint of what makes trials comparable: parameters, fixed and derived values, rules, model,
/// data, trainer, objective and seed (not the budget, sampler, scheduler or device, which a user may
/// change between runs of one study). FNV-1a over the canonical JSON.
#[must_use]
pub fn plan_hash(plan: &Plan) -> String {
    let identity = serde_json::json!({
        "parameters": plan.parameters,
        "fixed": plan.fixed,
        "derived": plan.derived,
        "forbidden": plan.forbidden,
        "model": plan.model.as_ref().map(|m| (&m.model, &m.layers)),
        "data": plan.data.as_ref().map(|d| (&d.source, &d.transforms)),
        "trainer": plan.trainer,
        "objective": plan.objective,
        "seed": plan.seed,
    });
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in identity.to_string().bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// The seed of trial `number` in a study seeded `seed`.
#[must_use]
pub fn trial_seed(seed: u64, number: u64) -> u64 {
    crate::seed::trial_seed(seed, number)
}

/// Where the trial folders of studies in the store `store` (a path or `sqlite://PATH`) go:
/// `hps-trials/` beside the store file.
#[must_use]
pub fn trials_dir(store: &str) -> PathBuf {
    let path = std::path::Path::new(store.strip_prefix("sqlite://").unwrap_or(store));
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.join("hps-trials"),
        _ => PathBuf::from("hps-trials"),
    }
}

/// The most epochs a trial trains under `fifo`: its `train.epochs` (default 10).
fn epochs_of(config: &Config) -> u32 {
    crate::trial::recipe_epochs(config).unwrap_or(10).max(1)
}

struct Shared<'a> {
    plan: &'a Plan,
    space: SearchSpace,
    study_id: i64,
    options: &'a RunOptions,
    proposer: Mutex<Proposer>,
    /// Ends trials early from their curves (none for `stopping = none`).
    stopping: Option<Box<dyn StoppingRule>>,
    /// The scheduler's most epochs per trial (none under `fifo`).
    horizon: Option<u32>,
    trial_cap: Option<u64>,
    epoch_cap: Option<u64>,
    deadline: Option<Instant>,
    epochs_trained: AtomicU64,
    finished_now: AtomicU64,
    stop: Arc<AtomicBool>,
    reason: Mutex<Option<StopReason>>,
    progress: Progress,
}

impl Shared<'_> {
    fn end(&self, reason: StopReason) {
        let mut r = self
            .reason
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        r.get_or_insert(reason);
    }

    fn out_of_budget(&self) -> bool {
        if self.stop.load(Ordering::SeqCst) {
            self.end(StopReason::Interrupted);
            return true;
        }
        if self.deadline.is_some_and(|d| Instant::now() >= d) {
            self.end(StopReason::Time);
            return true;
        }
        if self
            .epoch_cap
            .is_some_and(|cap| self.epochs_trained.load(Ordering::SeqCst) >= cap)
        {
            self.end(StopReason::Epochs);
            return true;
        }
        false
    }

    /// Asks the scheduler what to do when no trial is queued: start one (the sampler proposes it),
    /// promote the best of a finished rung, wait, or end.
    fn step(&self, store: &mut dyn Storage) -> Result<Step, RunError> {
        let mut guard = self
            .proposer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let proposer = &mut *guard;
        let capped = self.trial_cap.is_some_and(|cap| proposer.next >= cap);
        let can_create = !proposer.exhausted && !capped;
        let trials = store.trials(self.study_id)?;
        let curves = store.objective_curves(self.study_id, &self.plan.objective.metric)?;
        match proposer.scheduler.decide(&trials, &curves, can_create) {
            Decision::Wait => Ok(Step::Wait),
            Decision::Done => {
                self.end(if capped {
                    StopReason::Trials
                } else {
                    StopReason::Exhausted
                });
                Ok(Step::Done)
            }
            Decision::Promote { promote, drop } => {
                // Best first, as Baker et al.'s top_k orders them: the strongest rivals finish their
                // rung first and set the reference a stopping rule compares the rest with.
                for (position, (id, rung, target)) in promote.into_iter().enumerate() {
                    let position = u32::try_from(position).unwrap_or(u32::MAX);
                    store.promote(id, rung, target, position)?;
                }
                for (id, rung) in drop {
                    store.finish_trial(id, TrialState::Stopped, Some(&not_promoted(rung)))?;
                    self.finished_now.fetch_add(1, Ordering::SeqCst);
                }
                Ok(Step::Continue)
            }
            Decision::New(placement) => {
                if !can_create {
                    return Ok(Step::Done);
                }
                let history: Vec<Observation> = if proposer.sampler.uses_history() {
                    let mut curves = curves;
                    trials
                        .into_iter()
                        .map(|t| Observation {
                            curve: curves.remove(&t.number).unwrap_or_default(),
                            config: t.params,
                            state: t.state,
                            predicted: t.predicted,
                        })
                        .collect()
                } else {
                    Vec::new()
                };
                let number = proposer.next;
                let Some(params) = proposer
                    .sampler
                    .ask(number, &history)
                    .map_err(RunError::Sampler)?
                else {
                    proposer.exhausted = true;
                    return Ok(Step::Continue);
                };
                let config = self.space.complete(&params);
                store.create_trial(
                    self.study_id,
                    number,
                    &config,
                    trial_seed(self.plan.seed, number),
                    placement,
                )?;
                proposer.next += 1;
                Ok(Step::Continue)
            }
        }
    }
}

/// The sampler and scheduler, consulted one worker at a time.
struct Proposer {
    sampler: Box<dyn Sampler>,
    scheduler: Box<dyn Scheduler>,
    /// The number the next new trial gets.
    next: u64,
    /// The sampler has nothing more to propose.
    exhausted: bool,
}

/// What a worker does after consulting the scheduler.
enum Step {
    /// Look for a queued trial again.
    Continue,
    /// Running trials must finish first.
    Wait,
    /// The run is over for this worker.
    Done,
}

/// Writes each epoch to the store and decides whether training goes on.
struct StoreSink<'s, 'a> {
    shared: &'s Shared<'a>,
    store: &'s mut dyn Storage,
    trial: &'s TrialRecord,
    dir: PathBuf,
    max_epochs: u32,
    /// The objective's value at the last recorded epoch.
    last_value: Option<f64>,
    /// Set when the stopping rule ended the trial: its prediction and the epoch it stopped at.
    stopped: Option<(Prediction, u32)>,
    error: Option<StoreError>,
}

impl StoreSink<'_, '_> {
    /// Asks the stopping rule whether the trial trains on after `epoch`.
    fn judge(&mut self, epoch: u32) -> Result<Verdict, StoreError> {
        let Some(rule) = self.shared.stopping.as_deref() else {
            return Ok(Verdict::Continue);
        };
        if epoch >= self.max_epochs {
            return Ok(Verdict::Continue);
        }
        let study = self.shared.study_id;
        let trials = self.store.trials(study)?;
        let curves = self
            .store
            .objective_curves(study, &self.shared.plan.objective.metric)?;
        let Some(trial) = trials.iter().find(|t| t.id == self.trial.id) else {
            return Ok(Verdict::Continue);
        };
        let competition = self
            .shared
            .proposer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .scheduler
            .competition(trial, &trials, &curves);
        let curve = curves.get(&trial.number).map_or(&[][..], Vec::as_slice);
        Ok(rule.judge(&Case {
            trial,
            curve,
            target: self.max_epochs,
            trials: &trials,
            curves: &curves,
            competition: &competition,
        }))
    }
}

impl EpochSink for StoreSink<'_, '_> {
    fn epoch(&mut self, metrics: &EpochMetrics) -> Control {
        let objective = &self.shared.plan.objective.metric;
        if let Err(e) =
            self.store
                .record_epoch(self.trial.id, metrics.epoch, &metrics.values, objective)
        {
            self.error = Some(e);
            return Control::Pause;
        }
        let checkpoint = self.dir.join(crate::train::trainer::CHECKPOINT);
        if checkpoint.exists() {
            if let Err(e) = self.store.set_checkpoint(
                self.trial.id,
                metrics.epoch,
                &checkpoint.display().to_string(),
            ) {
                self.error = Some(e);
                return Control::Pause;
            }
        }
        self.shared.epochs_trained.fetch_add(1, Ordering::SeqCst);
        let value = metrics
            .values
            .get(objective)
            .copied()
            .filter(|v| v.is_finite());
        self.last_value = value;
        self.shared
            .progress
            .epoch(self.trial.number, metrics.epoch, self.max_epochs, value);
        let over = self.shared.deadline.is_some_and(|d| Instant::now() >= d)
            || self
                .shared
                .epoch_cap
                .is_some_and(|cap| self.shared.epochs_trained.load(Ordering::SeqCst) >= cap);
        if over && metrics.epoch < self.max_epochs {
            return Control::Pause;
        }
        match self.judge(metrics.epoch) {
            Ok(Verdict::Continue) => Control::Continue,
            Ok(Verdict::Stop(prediction)) => {
                if let Err(e) = self.store.set_prediction(self.trial.id, prediction.value) {
                    self.error = Some(e);
                } else {
                    self.stopped = Some((prediction, metrics.epoch));
                }
                Control::Pause
            }
            Err(e) => {
                self.error = Some(e);
                Control::Pause
            }
        }
    }
}

/// Runs `plan` with `trainer` until a budget limit, the sampler's end, or `stop`.
///
/// # Errors
/// When the store fails or refuses the study, or the sampler cannot propose a configuration.
pub fn run(
    plan: &Plan,
    sampler: Box<dyn Sampler>,
    trainer: &dyn Trainer,
    options: &RunOptions,
    stop: Arc<AtomicBool>,
) -> Result<RunSummary, RunError> {
    let stopping = crate::stopping::for_plan(plan).map_err(RunError::Sampler)?;
    run_with_stopping(plan, sampler, stopping, trainer, options, stop)
}

/// [`run`] with a stopping rule other than the plan's (`None`: no early stopping), e.g. one written
/// for an experiment. The store still records the plan's `stopping`, so reports (`hps status`)
/// describe the plan, not the rule that ran.
///
/// # Errors
/// As [`run`].
pub fn run_with_stopping(
    plan: &Plan,
    sampler: Box<dyn Sampler>,
    stopping: Option<Box<dyn StoppingRule>>,
    trainer: &dyn Trainer,
    options: &RunOptions,
    stop: Arc<AtomicBool>,
) -> Result<RunSummary, RunError> {
    let scheduler = crate::scheduler::for_plan(plan).map_err(RunError::Sampler)?;
    let mut store = storage::open(&options.store)?;
    let plan_json = serde_json::to_string(plan).unwrap_or_default();
    let study = store.open_study(
        &plan.study,
        &plan.file,
        &plan_hash(plan),
        &plan_json,
        options.fresh,
    )?;
    let requeued = store.requeue_running(study.id)?;
    let existing = store.trials(study.id)?;
    let next = existing.iter().map(|t| t.number + 1).max().unwrap_or(0);
    let epochs_so_far: u64 = existing.iter().map(|t| u64::from(t.epochs)).sum();
    let finished_before = existing.iter().filter(|t| t.state.is_finished()).count() as u64;
    let progress = Progress::new(
        plan.budget.trials,
        &plan.objective.metric,
        plan.objective.direction,
        options.quiet,
    );
    progress.resume(finished_before);
    if requeued > 0 {
        progress.note(&format!(
            "re-queued {requeued} trial(s) left running by an earlier process"
        ));
    }
    let shared = Shared {
        plan,
        space: plan.search_space(),
        study_id: study.id,
        options,
        horizon: scheduler.horizon(),
        stopping,
        proposer: Mutex::new(Proposer {
            sampler,
            scheduler,
            next,
            exhausted: false,
        }),
        trial_cap: plan.budget.trials,
        epoch_cap: plan.budget.epochs,
        deadline: plan
            .budget
            .time_seconds
            .map(|s| Instant::now() + Duration::from_secs_f64(s)),
        epochs_trained: AtomicU64::new(epochs_so_far),
        finished_now: AtomicU64::new(0),
        stop,
        reason: Mutex::new(None),
        progress,
    };
    let workers = options.parallel.max(1);
    let results: Vec<Result<(), RunError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                let shared = &shared;
                scope.spawn(move || {
                    if workers > 1 {
                        // One compute thread per trial: measured faster than sharing threads.
                        let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build();
                        match pool {
                            Ok(pool) => pool.install(|| worker(shared, trainer)),
                            Err(_) => worker(shared, trainer),
                        }
                    } else {
                        worker(shared, trainer)
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(RunError::Sampler(String::from("a worker panicked"))))
            })
            .collect()
    });
    shared.progress.finish();
    for r in results {
        r?;
    }
    let trials = store.trials(study.id)?;
    let best = best_trial(&trials, plan.objective.direction).cloned();
    let reason = shared
        .reason
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .unwrap_or(StopReason::Trials);
    Ok(RunSummary {
        trials,
        best,
        reason,
        finished_now: shared.finished_now.load(Ordering::SeqCst),
        requeued,
        stopped_early: shared.progress.stopped_early().0,
        epochs_saved: shared.progress.stopped_early().1,
    })
}

/// The finished trial with the best value.
#[must_use]
pub fn best_trial(trials: &[TrialRecord], direction: Direction) -> Option<&TrialRecord> {
    trials
        .iter()
        .filter(|t| matches!(t.state, TrialState::Complete | TrialState::Stopped))
        .filter_map(|t| t.value.filter(|v| v.is_finite()).map(|v| (t, v)))
        .max_by(|(ta, a), (tb, b)| {
            let by_value = match direction {
                Direction::Maximize => a.total_cmp(b),
                Direction::Minimize => b.total_cmp(a),
            };
            // Among equal values, the earliest trial (as the progress display shows it).
            by_value.then(tb.number.cmp(&ta.number))
        })
        .map(|(t, _)| t)
}

fn worker(shared: &Shared<'_>, trainer: &dyn Trainer) -> Result<(), RunError> {
    let mut store = storage::open(&shared.options.store)?;
    loop {
        if shared.out_of_budget() {
            return Ok(());
        }
        if let Some(trial) = store.claim_trial(shared.study_id)? {
            train_one(shared, &mut *store, trainer, &trial)?;
            continue;
        }
        match shared.step(&mut *store)? {
            Step::Continue => {}
            Step::Wait => std::thread::sleep(Duration::from_millis(50)),
            Step::Done => return Ok(()),
        }
    }
}

fn train_one(
    shared: &Shared<'_>,
    store: &mut dyn Storage,
    trainer: &dyn Trainer,
    trial: &TrialRecord,
) -> Result<(), RunError> {
    let dir = shared
        .options
        .trials_dir
        .join(&shared.plan.study)
        .join(format!("{:04}", trial.number));
    let max_epochs = trial
        .target_epochs
        .unwrap_or_else(|| epochs_of(&trial.params));
    let start_epoch = if trainer.writes_checkpoints() {
        match store.checkpoint(trial.id)? {
            Some((epoch, path)) if std::path::Path::new(&path).exists() && epoch < max_epochs => {
                epoch
            }
            _ => 0,
        }
    } else {
        trial.epochs.min(max_epochs.saturating_sub(1))
    };
    let run = TrialRun {
        number: trial.number,
        config: trial.params.clone(),
        seed: trial.seed,
        max_epochs,
        start_epoch,
        dir: dir.clone(),
        stop: Arc::clone(&shared.stop),
    };
    let mut sink = StoreSink {
        shared,
        store,
        trial,
        dir,
        max_epochs,
        last_value: trial.value,
        stopped: None,
        error: None,
    };
    let outcome = trainer.train(&run, &mut sink);
    if let Some(e) = sink.error.take() {
        return Err(RunError::Store(e));
    }
    let value = sink.last_value;
    let stopped = sink.stopped.take();
    // A trial below the scheduler's last rung waits for its rung's decision.
    let below_last_rung = trial.bracket.is_some() && shared.horizon.is_some_and(|h| max_epochs < h);
    let (state, error, epochs) = match &outcome {
        Ok(TrialEnd::Paused { epochs }) if stopped.is_some() => {
            if let Some((prediction, at)) = &stopped {
                shared.progress.stop_early(
                    trial.number,
                    &prediction.reason(*at, max_epochs),
                    max_epochs.saturating_sub(*at),
                );
            }
            if below_last_rung {
                (TrialState::Stopped, Some(String::from(AWAITING)), *epochs)
            } else {
                let reason = stopped.as_ref().map(|(p, at)| p.reason(*at, max_epochs));
                (TrialState::Stopped, reason, *epochs)
            }
        }
        Ok(TrialEnd::Completed { epochs }) if below_last_rung => {
            (TrialState::Stopped, Some(String::from(AWAITING)), *epochs)
        }
        Ok(TrialEnd::Completed { epochs }) => (TrialState::Complete, None, *epochs),
        Ok(TrialEnd::Paused { epochs }) => (
            TrialState::Stopped,
            Some(String::from("the budget ran out")),
            *epochs,
        ),
        Ok(TrialEnd::Interrupted { epochs }) => (TrialState::Queued, None, *epochs),
        Err(f) => {
            let detail = f
                .detail
                .as_ref()
                .map_or_else(String::new, |d| format!("\n{d}"));
            (TrialState::Failed, Some(format!("{}{detail}", f.reason)), 0)
        }
    };
    store.finish_trial(trial.id, state, error.as_deref())?;
    let searched: Config = trial
        .params
        .iter()
        .filter(|(k, _)| shared.space.param(k).is_some())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    match state {
        TrialState::Queued => shared.progress.note(&format!("trial {:>4} interrupted after {epochs} epochs; it resumes from its checkpoint next run", trial.number)),
        TrialState::Failed => {
            shared.finished_now.fetch_add(1, Ordering::SeqCst);
            let reason = error.as_deref().and_then(|e| e.lines().next()).unwrap_or("failed");
            shared.progress.finished(trial.number, &format!("failed ({reason})"), None, epochs, &searched);
        }
        TrialState::Stopped if error.as_deref() == Some(AWAITING) => {
            let outcome = format!("reached rung {}", trial.rung);
            shared.progress.finished(trial.number, &outcome, value, epochs, &searched);
        }
        _ => {
            shared.finished_now.fetch_add(1, Ordering::SeqCst);
            shared.progress.finished(trial.number, state.as_str(), value, epochs, &searched);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trial_folders_sit_beside_the_store_file() {
        assert_eq!(trials_dir("hps.db"), PathBuf::from("hps-trials"));
        assert_eq!(trials_dir("runs/hps.db"), PathBuf::from("runs/hps-trials"));
        assert_eq!(
            trials_dir("sqlite://runs/hps.db"),
            PathBuf::from("runs/hps-trials")
        );
    }
}
