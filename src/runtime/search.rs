//! [`SearchStrategy`]: the search most studies run. Workers (`parallel` threads of this process,
//! and any number of other processes on the same study, each with its own store connection) loop:
//! claim a queued trial and train it; when none is queued, ask the scheduler what to do — start a
//! trial the sampler proposes, promote the best of a finished rung, wait for running trials, or
//! end. After every epoch the stopping rule may end a trial early, judged against what the
//! scheduler says the trial competes with. One worker decides at a time: within a process under a
//! mutex, across processes under the store's decision lock. Every decision is derived from the
//! store — trial numbers included — so a resumed run decides as an uninterrupted one would, and two
//! workers never create the same trial or promote one twice. A worker that finds a trial whose
//! lease expired (its worker died) puts it back in the queue.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use super::RunError;
use super::budget::StopReason;
use super::sink::Judge;
use super::strategy::{Strategy, StudyRun};
use super::training::{train_trial, trial_folder};
use crate::plan::Plan;
use crate::sampler::{Observation, Sampler};
use crate::scheduler::successive_halving::not_promoted;
use crate::scheduler::{Decision, Scheduler};
use crate::seed::trial_seed;
use crate::space::SearchSpace;
use crate::stopping::{Case, StoppingRule, Verdict};
use crate::storage::{Storage, StoreError, TrialRecord, TrialState};
use crate::trial::training_env;

/// A sampler, a scheduler and a stopping rule searching together.
pub struct SearchStrategy {
    space: SearchSpace,
    /// The objective's metric, whose curves the stopping rule reads.
    metric: String,
    proposer: Mutex<Proposer>,
    /// Ends trials early from their curves (none for `stopping = none`).
    stopping: Option<Box<dyn StoppingRule>>,
    /// The scheduler's most epochs per trial (none under `fifo`).
    horizon: Option<u32>,
}

/// The sampler and scheduler, consulted one worker at a time.
struct Proposer {
    sampler: Box<dyn Sampler>,
    scheduler: Box<dyn Scheduler>,
    /// The sampler has nothing more to propose.
    exhausted: bool,
}

/// How long a worker may hold the study's decision lock: far longer than a decision takes, short
/// enough that a worker that died holding it does not stall the others for long.
const DECISION_HOLD: Duration = Duration::from_secs(30);

/// What a worker does after consulting the scheduler.
enum Next {
    /// Look for a queued trial again.
    Claim,
    /// Running trials must finish first.
    Wait,
    /// The run is over for this worker.
    Done,
}

impl SearchStrategy {
    /// The search of `plan` with these parts.
    #[must_use]
    pub fn new(
        plan: &Plan,
        sampler: Box<dyn Sampler>,
        scheduler: Box<dyn Scheduler>,
        stopping: Option<Box<dyn StoppingRule>>,
    ) -> Self {
        Self {
            space: plan.search_space(),
            metric: plan.objective.metric.clone(),
            horizon: scheduler.horizon(),
            proposer: Mutex::new(Proposer {
                sampler,
                scheduler,
                exhausted: false,
            }),
            stopping,
        }
    }

    fn proposer(&self) -> std::sync::MutexGuard<'_, Proposer> {
        self.proposer.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn worker(&self, study: &StudyRun<'_>) -> Result<(), RunError> {
        let mut store = study.connect()?;
        let judge = self.stopping.as_ref().map(|_| self as &dyn Judge);
        loop {
            if study.budget.exhausted(&*store, study.study_id)? {
                return Ok(());
            }
            if let Some(trial) = store.claim_trial(study.study_id)? {
                train_trial(study, &mut *store, &trial, judge, self.horizon)?;
                continue;
            }
            match self.step(study, &mut *store)? {
                Next::Claim => {}
                Next::Wait => std::thread::sleep(Duration::from_millis(50)),
                Next::Done => return Ok(()),
            }
        }
    }

    /// Asks the scheduler what to do when no trial is queued — start one (the sampler proposes it),
    /// promote the best of a finished rung, wait, or end — holding the study's decision lock.
    fn step(&self, study: &StudyRun<'_>, store: &mut dyn Storage) -> Result<Next, RunError> {
        let mut guard = self.proposer();
        if !store.lock_decisions(study.study_id, study.worker, DECISION_HOLD)? {
            return Ok(Next::Wait);
        }
        let decided = self.decide(study, store, &mut guard);
        let released = store.unlock_decisions(study.study_id, study.worker);
        let next = decided?;
        released?;
        Ok(next)
    }

    /// [`SearchStrategy::step`]'s decision, taken under the lock.
    fn decide(
        &self,
        study: &StudyRun<'_>,
        store: &mut dyn Storage,
        proposer: &mut Proposer,
    ) -> Result<Next, RunError> {
        // A worker that died left its trials running: they go back in the queue once their
        // lease has expired, and resume from their checkpoints on whichever worker claims them.
        let requeued = store.requeue_expired(study.study_id)?;
        if requeued > 0 {
            study.progress.note(&format!(
                "re-queued {requeued} trial(s) whose worker stopped answering"
            ));
            return Ok(Next::Claim);
        }
        let trials = store.trials(study.study_id)?;
        let next = trials.iter().map(|t| t.number + 1).max().unwrap_or(0);
        let capped = study.budget.trial_cap.is_some_and(|cap| next >= cap);
        let can_create = !proposer.exhausted && !capped;
        let curves = store.objective_curves(study.study_id, &study.plan.objective.metric)?;
        match proposer.scheduler.decide(&trials, &curves, can_create) {
            Decision::Wait => Ok(Next::Wait),
            Decision::Done => {
                study.budget.end(if capped {
                    StopReason::Trials
                } else {
                    StopReason::Exhausted
                });
                Ok(Next::Done)
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
                    if let Some(trial) = trials.iter().find(|t| t.id == id) {
                        let folder = trial_folder(study, trial.number);
                        study.checkpoints.forget(store, id, &folder)?;
                    }
                    study.count_finished();
                }
                Ok(Next::Claim)
            }
            Decision::New(placement) => {
                if !can_create {
                    return Ok(Next::Done);
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
                let Some(params) = proposer
                    .sampler
                    .ask(next, &history)
                    .map_err(RunError::Sampler)?
                else {
                    proposer.exhausted = true;
                    return Ok(Next::Claim);
                };
                let config = self.space.complete(&params);
                store.create_trial(
                    study.study_id,
                    next,
                    &config,
                    trial_seed(study.plan.seed, next),
                    placement,
                )?;
                Ok(Next::Claim)
            }
        }
    }
}

impl Judge for SearchStrategy {
    /// The stopping rule's verdict, against what the scheduler says the trial competes with.
    fn judge(
        &self,
        store: &mut dyn Storage,
        trial: &TrialRecord,
        _epoch: u32,
        target: u32,
    ) -> Result<Verdict, StoreError> {
        let Some(rule) = self.stopping.as_deref() else {
            return Ok(Verdict::Continue);
        };
        let trials = store.trials(trial.study_id)?;
        let Some(current) = trials.iter().find(|t| t.id == trial.id) else {
            return Ok(Verdict::Continue);
        };
        let curves = store.objective_curves(trial.study_id, &self.metric)?;
        let competition = self
            .proposer()
            .scheduler
            .competition(current, &trials, &curves);
        let curve = curves.get(&current.number).map_or(&[][..], Vec::as_slice);
        Ok(rule.judge(&Case {
            trial: current,
            curve,
            target,
            trials: &trials,
            curves: &curves,
            competition: &competition,
        }))
    }
}

impl Strategy for SearchStrategy {
    fn run(&mut self, study: &StudyRun<'_>) -> Result<(), RunError> {
        let workers = study.parallel;
        let this = &*self;
        let results: Vec<Result<(), RunError>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..workers)
                .map(|_| {
                    scope.spawn(move || {
                        training_env::in_pool(training_env::threads_per_trial(workers), || {
                            this.worker(study)
                        })
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join().unwrap_or_else(|_| {
                        Err(RunError::Sampler(String::from("a worker panicked")))
                    })
                })
                .collect()
        });
        results.into_iter().collect()
    }
}
