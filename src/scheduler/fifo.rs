//! `fifo`: every trial trains its recipe's full `epochs`; trials start while the budget allows.

use crate::scheduler::{Competition, Curves, Decision, Scheduler, standing};
use crate::storage::{TrialRecord, TrialState};

/// First in, first out.
pub struct Fifo;

impl Scheduler for Fifo {
    fn decide(&self, _trials: &[TrialRecord], _curves: &Curves, can_create: bool) -> Decision {
        if can_create {
            Decision::New(None)
        } else {
            Decision::Done
        }
    }

    fn horizon(&self) -> Option<u32> {
        None
    }

    /// Every complete trial; only the best "goes on" (a trial is worth finishing when it may beat
    /// the best so far).
    fn competition(
        &self,
        trial: &TrialRecord,
        trials: &[TrialRecord],
        _curves: &Curves,
    ) -> Competition {
        Competition {
            values: trials
                .iter()
                .filter(|t| t.id != trial.id && t.state == TrialState::Complete)
                .filter_map(standing)
                .collect(),
            advancing: 1,
        }
    }
}
