//! [`StoreSink`]: where a trainer's epochs go. Before each epoch it asks the budget for one (the
//! trial pauses when none is left); after it, the epoch is written to the store with its metrics
//! and checkpoint and shown, and a [`Judge`] (a stopping rule, for the search strategy) may end the
//! trial early.

use std::path::PathBuf;

use super::reported::ReportedMetrics;
use super::strategy::StudyRun;
use crate::plan::TrainerPlan;
use crate::stopping::{Prediction, Verdict};
use crate::storage::{Storage, StoreError, StoredPrediction, TrialRecord};
use crate::trial::{Control, EpochMetrics, EpochSink};

/// Decides after an epoch whether a trial trains on to `target`.
pub trait Judge: Sync {
    /// The verdict on `trial` after it trained `epoch` of `target` epochs, read from `store`.
    ///
    /// # Errors
    /// When the store fails.
    fn judge(
        &self,
        store: &mut dyn Storage,
        trial: &TrialRecord,
        epoch: u32,
        target: u32,
    ) -> Result<Verdict, StoreError>;
}

/// Writes each epoch of one trial to the store and decides whether training goes on.
pub struct StoreSink<'s, 'a> {
    pub(super) study: &'s StudyRun<'a>,
    pub(super) store: &'s mut dyn Storage,
    pub(super) trial: &'s TrialRecord,
    /// Where the trainer writes the trial's checkpoint.
    pub(super) checkpoint: PathBuf,
    /// The epoch the trial's stage ends at.
    pub(super) target: u32,
    pub(super) judge: Option<&'s dyn Judge>,
    /// The objective's value at the last recorded epoch.
    pub(super) last_value: Option<f64>,
    /// The epochs the store holds for the trial.
    pub(super) recorded: u32,
    /// The last epoch counted against the budget before it was trained.
    pub(super) reserved: u32,
    /// Set when the judge ended the trial: its prediction and the epoch it stopped at.
    pub(super) stopped: Option<(Prediction, u32)>,
    /// The store's failure, which ends the run once the trainer returns.
    pub(super) error: Option<StoreError>,
    /// The metric names the trial reported.
    pub(super) reported: ReportedMetrics,
    /// Epochs its trainer trained a second time, having started over instead of resuming.
    pub(super) retrained: u32,
}

impl StoreSink<'_, '_> {
    fn record(&mut self, metrics: &EpochMetrics) -> Result<Control, StoreError> {
        let objective = &self.study.plan.objective.metric;
        // A trainer that does not ask before each epoch still spends the budget, and pauses when
        // it has spent all of it.
        let unreserved = metrics.epoch > self.reserved;
        if unreserved {
            self.study
                .budget
                .count_trained(self.store, self.study.study_id)?;
            self.reserved = metrics.epoch;
        }
        self.store
            .record_epoch(self.trial.id, metrics.epoch, &metrics.values, objective)?;
        self.reported.note(metrics.values.keys(), objective);
        self.recorded = metrics.epoch;
        self.study
            .checkpoints
            .save(self.store, self.trial.id, metrics.epoch, &self.checkpoint)?;
        let value = metrics
            .values
            .get(objective)
            .copied()
            .filter(|v| v.is_finite());
        self.last_value = value;
        self.study
            .progress
            .epoch(self.trial.number, metrics.epoch, self.target, value);
        if metrics.epoch >= self.target {
            return Ok(Control::Continue);
        }
        if unreserved
            && self
                .study
                .budget
                .must_pause(self.store, self.study.study_id)?
        {
            return Ok(Control::Pause);
        }
        let Some(judge) = self.judge else {
            return Ok(Control::Continue);
        };
        match judge.judge(self.store, self.trial, metrics.epoch, self.target)? {
            Verdict::Continue => Ok(Control::Continue),
            Verdict::Stop(prediction) => {
                let stored = StoredPrediction {
                    value: prediction.value,
                    sigma: prediction.sigma,
                    reference: prediction.reference,
                };
                self.store.set_prediction(self.trial.id, stored)?;
                self.stopped = Some((prediction, metrics.epoch));
                Ok(Control::Pause)
            }
        }
    }
}

impl EpochSink for StoreSink<'_, '_> {
    fn before_epoch(&mut self, epoch: u32) -> Control {
        if epoch <= self.reserved {
            return Control::Continue;
        }
        let control = self.pay();
        if control == Control::Continue {
            self.reserved = epoch;
        }
        control
    }

    fn epoch(&mut self, metrics: &EpochMetrics) -> Control {
        let recorded = self.record(metrics);
        self.or_pause(recorded)
    }

    /// An epoch trained again by a trainer that started over: said once per run, with what to do,
    /// and paid for from the budget like any other (the plan's epoch counts assume a resume).
    fn retrained(&mut self, epoch: u32, start_epoch: u32) -> Control {
        if self.retrained == 0 {
            self.study.progress.warn_once(
                "started over",
                &starting_over(
                    &self.study.plan.trainer,
                    self.trial.number,
                    epoch,
                    start_epoch,
                ),
            );
        }
        self.retrained += 1;
        self.pay()
    }
}

impl StoreSink<'_, '_> {
    /// Pays one epoch from the budget: `Continue` when it had one, `Pause` when not (or the store
    /// failed).
    fn pay(&mut self) -> Control {
        let paid = self
            .study
            .budget
            .may_train_epoch(self.store, self.study.study_id)
            .map(|paid| {
                if paid {
                    Control::Continue
                } else {
                    Control::Pause
                }
            });
        self.or_pause(paid)
    }

    /// The control `result` holds, or `Pause` with the store's failure kept for the run.
    fn or_pause(&mut self, result: Result<Control, StoreError>) -> Control {
        result.unwrap_or_else(|e| {
            self.error = Some(e);
            Control::Pause
        })
    }
}

/// The warning for trial `number`, asked to go on after `start_epoch`, whose trainer reported
/// `epoch` again: what happened, what it costs, and how the trainer resumes instead.
fn starting_over(trainer: &TrainerPlan, number: u64, epoch: u32, start_epoch: u32) -> String {
    let how = match trainer {
        TrainerPlan::Command { .. } => String::from(
            "have the program save its state in HPS_TRIAL_DIR before it prints an epoch and, when HPS_START_EPOCH is above 0, load it and train only the epochs after HPS_START_EPOCH (see `command` in docs/language.md)",
        ),
        _ => String::from(
            "have the trainer restore its state and train only the epochs after `trial.start_epoch()`",
        ),
    };
    let asked = match trainer {
        TrainerPlan::Command { .. } => format!(" (HPS_START_EPOCH={start_epoch})"),
        _ => String::new(),
    };
    format!(
        "trial {number} was asked to go on after epoch {start_epoch}{asked} but reported epoch {epoch} again: its trainer starts over at every promotion and resume, so it trains those epochs twice (an epoch budget pays for both)\n  to resume, {how}"
    )
}
