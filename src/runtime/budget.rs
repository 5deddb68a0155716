//! The budget as a run spends it: the plan's trial, epoch and time limits against what the study has
//! used, the user's stop flag, and the first reason the run ends. Epochs are counted in the store,
//! one before each is trained ([`BudgetTracker::may_train_epoch`]), so every worker of every
//! process draws on one count and together they never train more than the budget; time runs from
//! this process's start. Shared by the workers of every strategy ([`super::StudyRun`]).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::plan::Plan;
use crate::storage::{Storage, StoreError};

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
    /// Trials failed the same way, and the run gave up (`--max-failures`).
    Failures,
}

/// The limits and what has been spent of them.
pub struct BudgetTracker {
    /// The most trials the study may have.
    pub trial_cap: Option<u64>,
    epoch_cap: Option<u64>,
    deadline: Option<Instant>,
    stop: Arc<AtomicBool>,
    /// Set when the run gives up: no new work starts; running trials finish their stage.
    given_up: AtomicBool,
    reason: Mutex<Option<StopReason>>,
}

impl BudgetTracker {
    /// The budget of `plan`; `stop` is the user's stop flag.
    #[must_use]
    pub fn new(plan: &Plan, stop: Arc<AtomicBool>) -> Self {
        Self {
            trial_cap: plan.budget.trials,
            epoch_cap: plan.budget.epochs,
            deadline: plan
                .budget
                .time_seconds
                .map(|s| Instant::now() + Duration::from_secs_f64(s)),
            stop,
            given_up: AtomicBool::new(false),
            reason: Mutex::new(None),
        }
    }

    /// The user's stop flag, which trainers read between epochs.
    #[must_use]
    pub fn stop_flag(&self) -> &Arc<AtomicBool> {
        &self.stop
    }

    /// Records why the run ends (the first reason wins).
    pub fn end(&self, reason: StopReason) {
        self.reason
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get_or_insert(reason);
    }

    /// Why the run ended (`Trials` when nothing else did).
    #[must_use]
    pub fn reason(&self) -> StopReason {
        self.reason
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .unwrap_or(StopReason::Trials)
    }

    /// The run gives up (its trials keep failing the same way): no new work starts.
    pub fn give_up(&self) {
        self.end(StopReason::Failures);
        self.given_up.store(true, Ordering::SeqCst);
    }

    fn out_of_time(&self) -> bool {
        self.deadline.is_some_and(|d| Instant::now() >= d)
    }

    /// Whether no new work may start: interrupted, given up, out of time, or every epoch of the
    /// budget counted (recorded as the run's reason).
    ///
    /// # Errors
    /// When the store fails.
    pub fn exhausted(&self, store: &dyn Storage, study_id: i64) -> Result<bool, StoreError> {
        if self.stop.load(Ordering::SeqCst) {
            self.end(StopReason::Interrupted);
            return Ok(true);
        }
        if self.given_up.load(Ordering::SeqCst) {
            return Ok(true);
        }
        if self.out_of_time() {
            self.end(StopReason::Time);
            return Ok(true);
        }
        if let Some(cap) = self.epoch_cap {
            if store.epochs_spent(study_id)? >= cap {
                self.end(StopReason::Epochs);
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Whether a trial in the middle of its stage must pause after the epoch it just trained: the
    /// time or every epoch of the budget is spent.
    ///
    /// # Errors
    /// When the store fails.
    pub fn must_pause(&self, store: &dyn Storage, study_id: i64) -> Result<bool, StoreError> {
        if self.out_of_time() {
            return Ok(true);
        }
        match self.epoch_cap {
            Some(cap) => Ok(store.epochs_spent(study_id)? >= cap),
            None => Ok(false),
        }
    }

    /// Counts an epoch a trainer trained without asking first (one that does not go through the
    /// epoch protocol's `before_epoch`), so that the budget still sees it.
    ///
    /// # Errors
    /// When the store fails.
    pub fn count_trained(&self, store: &mut dyn Storage, study_id: i64) -> Result<(), StoreError> {
        if let Some(cap) = self.epoch_cap {
            store.spend_epoch(study_id, cap)?;
        }
        Ok(())
    }

    /// Whether one more epoch may be trained: there is time left, and the epoch budget has one
    /// left (counted now in the store).
    ///
    /// # Errors
    /// When the store fails.
    pub fn may_train_epoch(
        &self,
        store: &mut dyn Storage,
        study_id: i64,
    ) -> Result<bool, StoreError> {
        if self.out_of_time() {
            return Ok(false);
        }
        match self.epoch_cap {
            Some(cap) => store.spend_epoch(study_id, cap),
            None => Ok(true),
        }
    }
}
