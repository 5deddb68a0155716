//! The budget as a run spends it: the trial, epoch and time limits of the plan against what the
//! study has used (epochs count across runs; time from this run's start), the user's stop flag, and
//! the first reason the run ends. Shared by every worker of every strategy ([`super::StudyRun`]).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::plan::Plan;

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

/// The limits and what has been spent of them.
pub struct BudgetTracker {
    /// The most trials the study may have.
    pub trial_cap: Option<u64>,
    epoch_cap: Option<u64>,
    deadline: Option<Instant>,
    epochs_trained: AtomicU64,
    stop: Arc<AtomicBool>,
    reason: Mutex<Option<StopReason>>,
}

impl BudgetTracker {
    /// The budget of `plan`, of which the study's earlier runs spent `epochs_so_far` epochs;
    /// `stop` is the user's stop flag.
    #[must_use]
    pub fn new(plan: &Plan, epochs_so_far: u64, stop: Arc<AtomicBool>) -> Self {
        Self {
            trial_cap: plan.budget.trials,
            epoch_cap: plan.budget.epochs,
            deadline: plan
                .budget
                .time_seconds
                .map(|s| Instant::now() + Duration::from_secs_f64(s)),
            epochs_trained: AtomicU64::new(epochs_so_far),
            stop,
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

    /// Counts an epoch trained.
    pub fn spend_epoch(&self) {
        self.epochs_trained.fetch_add(1, Ordering::SeqCst);
    }

    /// Whether no new work may start: interrupted, out of time or out of epochs (recorded as the
    /// run's reason).
    pub fn exhausted(&self) -> bool {
        if self.stop.load(Ordering::SeqCst) {
            self.end(StopReason::Interrupted);
            return true;
        }
        if self.deadline.is_some_and(|d| Instant::now() >= d) {
            self.end(StopReason::Time);
            return true;
        }
        if self.epochs_spent() {
            self.end(StopReason::Epochs);
            return true;
        }
        false
    }

    /// Whether a trial in the middle of its stage must pause after the epoch it just trained: the
    /// time or the epochs are spent.
    #[must_use]
    pub fn must_pause(&self) -> bool {
        self.deadline.is_some_and(|d| Instant::now() >= d) || self.epochs_spent()
    }

    fn epochs_spent(&self) -> bool {
        self.epoch_cap
            .is_some_and(|cap| self.epochs_trained.load(Ordering::SeqCst) >= cap)
    }
}
