//! [`AutohasStrategy`]: `strategy = autohas(…)` over a study's store, budget and progress display.
//! First the search: super-network epochs (each counted in the epoch budget before it is trained),
//! the whole search state saved in the store after each, so a killed run resumes at the last
//! finished epoch. Then its result — the most probable architecture and the mixture of each
//! `bases` hyperparameter — becomes trial 0, trained from scratch as an ordinary trial
//! (`retrain = true`) or scored from the super-network's weights (`retrain = false`). A divergence
//! ends the search early with what the controller had learnt before the epoch it happened in.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use super::RunError;
use super::strategy::{Strategy, StudyRun};
use super::training::{recipe_epochs, train_trial};
use crate::autohas::controller::Controller;
use crate::autohas::search::{EpochError, EpochRecord, Search};
use crate::autohas::state::{self, SearchState};
use crate::autohas::supernet::SuperNet;
use crate::plan::AutohasOptions;
use crate::seed::{AUTOHAS, derived_rng, trial_seed};
use crate::space::{Config, SearchSpace};
use crate::storage::{Storage, TrialState};
use crate::train::trainer::CandleTrainer;
use crate::trial::training_env;
use rand::RngCore;

/// AutoHAS on one study.
pub struct AutohasStrategy {
    trainer: Arc<CandleTrainer>,
    space: SearchSpace,
    options: AutohasOptions,
}

/// How the search part of a run ended.
enum Searched {
    /// The result is known (the search finished, or diverged).
    Done(Config),
    /// The budget or the user stopped it; a later run goes on.
    Paused,
}

impl AutohasStrategy {
    /// The strategy for `space`, searching with the data and model of `trainer` (which also
    /// retrains the result).
    ///
    /// # Errors
    /// A searched parameter the controller cannot learn (a continuous range), by name.
    pub fn new(
        trainer: Arc<CandleTrainer>,
        space: SearchSpace,
        options: AutohasOptions,
    ) -> Result<Self, String> {
        Controller::new(&space, options.controller_lr, options.entropy)?;
        Ok(Self {
            trainer,
            space,
            options,
        })
    }

    /// The super-network's epochs: as many as a trial of the study trains (`train.epochs`, or the
    /// catalogue's default), read from the configuration of every parameter's first value.
    fn epochs(&self) -> u32 {
        let any = self.space.complete(&self.space.build(|_, p| {
            p.distribution
                .finite_values()
                .and_then(|v| v.first().cloned())
                .unwrap_or(crate::space::Value::Int(0))
        }));
        recipe_epochs(&any)
    }

    /// Runs (or resumes) the search until its end or the budget's.
    fn search(&self, study: &StudyRun<'_>, store: &mut dyn Storage) -> Result<Searched, RunError> {
        let id = study.study_id;
        let seed = derived_rng(study.plan.seed, AUTOHAS).next_u64();
        let (shapes, outputs) = self.trainer.shapes();
        let mut net = SuperNet::new(
            self.trainer.model().clone(),
            shapes.to_vec(),
            outputs,
            self.trainer.device().clone(),
            seed,
        );
        let mut state = match store.sampler_state(id, state::KEY)? {
            Some(bytes) => {
                let (state, tensors) =
                    state::decode(&bytes, self.trainer.device()).map_err(RunError::Search)?;
                net.load(&tensors).map_err(|e| {
                    RunError::Search(format!("cannot restore the super-network: {e}"))
                })?;
                state
            }
            None => SearchState {
                epochs: 0,
                controller: Controller::new(
                    &self.space,
                    self.options.controller_lr,
                    self.options.entropy,
                )
                .map_err(|name| RunError::Search(format!("`{name}` is continuous")))?,
                history: Vec::new(),
                ended: None,
            },
        };
        let epochs = self.epochs();
        let warmup = u32::try_from(self.options.warmup).unwrap_or(u32::MAX);
        let search = Search {
            trainer: &self.trainer,
            space: &self.space,
            objective: &study.plan.objective,
            epochs,
            warmup,
            steps: u32::try_from(self.options.steps).unwrap_or(u32::MAX),
            seed,
        };
        if state.epochs == 0 {
            study.progress.note(&format!(
                "AutoHAS: {} searched parameters, {epochs} super-network epochs ({warmup} of warm-up), then {}",
                self.space.params.len(),
                if self.options.retrain { "the result retrained from scratch" } else { "the result scored on the shared weights" }
            ));
        } else if state.ended.is_none() && state.epochs < epochs {
            study.progress.note(&format!(
                "AutoHAS: resuming the search at epoch {}/{epochs}",
                state.epochs + 1
            ));
        }
        while state.ended.is_none() && state.epochs < epochs {
            if study.budget.exhausted(store, id)? || !study.budget.may_train_epoch(store, id)? {
                return Ok(Searched::Paused);
            }
            let before = state.controller.clone();
            match search.epoch(&mut net, &mut state.controller, state.epochs) {
                Ok(record) => {
                    study.progress.note(&line(
                        &record,
                        epochs,
                        &state.controller,
                        &study.plan.objective.metric,
                    ));
                    state.history.push(record);
                    state.epochs += 1;
                }
                Err(EpochError::Diverged(why)) => {
                    study.progress.note(&format!(
                        "AutoHAS: the search diverged — {why}; it ends here and keeps what the controller learnt before this epoch"
                    ));
                    state.controller = before;
                    state.ended = Some(why);
                }
                Err(EpochError::Failed(why)) => {
                    return Err(RunError::Search(format!(
                        "the AutoHAS search failed: {why}"
                    )));
                }
            }
            let blob = state::encode(&state, &net).map_err(RunError::Search)?;
            store.set_sampler_state(id, state::KEY, &blob)?;
        }
        let (params, paths) = net.size();
        study.progress.note(&format!(
            "AutoHAS: result {} ({paths} paths trained, {params} parameters in the super-network)",
            state.controller.describe()
        ));
        let result = self.space.complete(&state.controller.result(&self.space));
        if !self.options.retrain {
            store.create_trial(id, 0, &result, trial_seed(study.plan.seed, 0), None)?;
            let metrics: BTreeMap<String, f64> = state
                .history
                .last()
                .map(|r| r.leading.clone())
                .unwrap_or_default();
            if let Some(claimed) = store.claim_trial(id)? {
                if !metrics.is_empty() {
                    store.record_epoch(claimed.id, 1, &metrics, &study.plan.objective.metric)?;
                }
                store.finish_trial(claimed.id, TrialState::Complete, None)?;
                study.count_finished();
            }
        }
        Ok(Searched::Done(result))
    }
}

/// A progress line for one epoch: the leading path's validation metrics and the controller's
/// leading values.
fn line(record: &EpochRecord, epochs: u32, controller: &Controller, metric: &str) -> String {
    let value = record
        .leading
        .get(metric)
        .map_or_else(|| String::from("-"), |v| format!("{v:.4}"));
    let reward = record.mean_reward.map_or_else(
        || String::from("warm-up"),
        |r| format!("mean reward {r:.4}"),
    );
    format!(
        "AutoHAS epoch {}/{epochs}: train loss {:.4}, {reward}, leading path {metric} {value} · {}",
        record.epoch,
        record.train_loss,
        controller.describe()
    )
}

impl Strategy for AutohasStrategy {
    fn run(&mut self, study: &StudyRun<'_>) -> Result<(), RunError> {
        training_env::in_pool(training_env::threads_per_trial(1), || self.run_here(study))
    }
}

impl AutohasStrategy {
    /// [`Strategy::run`] in the pool it was given.
    fn run_here(&mut self, study: &StudyRun<'_>) -> Result<(), RunError> {
        let mut store = study.connect()?;
        let id = study.study_id;
        if store.trials(id)?.is_empty() {
            match self.search(study, &mut *store)? {
                Searched::Paused => return Ok(()),
                Searched::Done(result) => {
                    if self.options.retrain && store.trials(id)?.is_empty() {
                        store.create_trial(id, 0, &result, trial_seed(study.plan.seed, 0), None)?;
                    }
                }
            }
        }
        loop {
            if study.budget.exhausted(&*store, id)? {
                return Ok(());
            }
            if let Some(trial) = store.claim_trial(id)? {
                train_trial(study, &mut *store, &trial, None, None)?;
                continue;
            }
            let trials = store.trials(id)?;
            if trials.iter().all(|t| t.state.is_finished()) {
                return Ok(());
            }
            if store.requeue_expired(id)? == 0 {
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }
}
