//! [`StoreSink`]: where a trainer's epochs go. Each epoch is written to the store with its metrics
//! and checkpoint, counted against the budget and shown; then the trial pauses if the budget is
//! spent mid-stage, or if a [`Judge`] (a stopping rule, for the search strategy) ends it early.

use std::path::PathBuf;

use super::strategy::StudyRun;
use crate::stopping::{Prediction, Verdict};
use crate::storage::{Storage, StoreError, TrialRecord};
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
    /// Set when the judge ended the trial: its prediction and the epoch it stopped at.
    pub(super) stopped: Option<(Prediction, u32)>,
    /// The store's failure, which ends the run once the trainer returns.
    pub(super) error: Option<StoreError>,
}

impl StoreSink<'_, '_> {
    fn record(&mut self, metrics: &EpochMetrics) -> Result<Control, StoreError> {
        let objective = &self.study.plan.objective.metric;
        self.store
            .record_epoch(self.trial.id, metrics.epoch, &metrics.values, objective)?;
        self.recorded = metrics.epoch;
        if self.checkpoint.exists() {
            // Absolute, so that a run started from another folder finds it.
            let path =
                std::path::absolute(&self.checkpoint).unwrap_or_else(|_| self.checkpoint.clone());
            self.store
                .set_checkpoint(self.trial.id, metrics.epoch, &path.display().to_string())?;
        }
        self.study.budget.spend_epoch();
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
        if self.study.budget.must_pause() {
            return Ok(Control::Pause);
        }
        let Some(judge) = self.judge else {
            return Ok(Control::Continue);
        };
        match judge.judge(self.store, self.trial, metrics.epoch, self.target)? {
            Verdict::Continue => Ok(Control::Continue),
            Verdict::Stop(prediction) => {
                self.store.set_prediction(self.trial.id, prediction.value)?;
                self.stopped = Some((prediction, metrics.epoch));
                Ok(Control::Pause)
            }
        }
    }
}

impl EpochSink for StoreSink<'_, '_> {
    fn epoch(&mut self, metrics: &EpochMetrics) -> Control {
        match self.record(metrics) {
            Ok(control) => control,
            Err(e) => {
                self.error = Some(e);
                Control::Pause
            }
        }
    }
}
