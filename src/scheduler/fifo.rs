//! `fifo`: every trial trains its recipe's full `epochs`; trials start while the budget allows.

use crate::scheduler::{Decision, Scheduler};
use crate::storage::TrialRecord;

/// First in, first out.
pub struct Fifo;

impl Scheduler for Fifo {
    fn decide(&self, _trials: &[TrialRecord], can_create: bool) -> Decision {
        if can_create {
            Decision::New(None)
        } else {
            Decision::Done
        }
    }

    fn horizon(&self) -> Option<u32> {
        None
    }
}
