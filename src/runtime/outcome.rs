//! How a trial's training ended becomes its state in the store: the trial-outcome state machine.
//! Completed at its stage's end → `complete`, or `awaiting` its rung's decision when the stage is a
//! rung below the last; paused by a stopping rule → `stopped` with the prediction (or `awaiting`,
//! ranked by the prediction); paused by the budget → `stopped`; interrupted → `queued` again (it
//! resumes from its checkpoint); failed → `failed` with the reason. Used by [`super::training`].

use crate::stopping::Prediction;
use crate::storage::TrialState;
use crate::trial::{TrialEnd, TrialFailure};

/// Where a trial goes when its training ends.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// Its new state.
    pub state: TrialState,
    /// Why, when it did not simply complete.
    pub reason: Option<String>,
    /// Epochs trained in total.
    pub epochs: u32,
}

impl Outcome {
    /// Whether the trial waits for its rung's decision.
    #[must_use]
    pub fn awaits_rung(&self) -> bool {
        self.state == TrialState::Awaiting
    }
}

/// The outcome of a trial trained to `target` epochs that ended with `end`; `stopped` is the
/// stopping rule's prediction and the epoch it stopped at, when it did; `rung_below_last` says the
/// target is a rung that others follow; `recorded` is the epochs the store holds for the trial,
/// which a failure keeps.
#[must_use]
pub fn outcome(
    end: &Result<TrialEnd, TrialFailure>,
    stopped: Option<&(Prediction, u32)>,
    target: u32,
    rung_below_last: bool,
    recorded: u32,
) -> Outcome {
    let (state, reason, epochs) = match end {
        Ok(TrialEnd::Paused { epochs }) if stopped.is_some() => {
            if rung_below_last {
                (TrialState::Awaiting, None, *epochs)
            } else {
                let reason = stopped.map(|(prediction, at)| prediction.reason(*at, target));
                (TrialState::Stopped, reason, *epochs)
            }
        }
        Ok(TrialEnd::Completed { epochs }) if rung_below_last => {
            (TrialState::Awaiting, None, *epochs)
        }
        Ok(TrialEnd::Completed { epochs }) => (TrialState::Complete, None, *epochs),
        Ok(TrialEnd::Paused { epochs }) => (
            TrialState::Stopped,
            Some(String::from("the budget ran out")),
            *epochs,
        ),
        Ok(TrialEnd::Interrupted { epochs }) => (TrialState::Queued, None, *epochs),
        Err(failure) => {
            let detail = failure
                .detail
                .as_ref()
                .map_or_else(String::new, |d| format!("\n{d}"));
            (
                TrialState::Failed,
                Some(format!("{}{detail}", failure.reason)),
                recorded,
            )
        }
    };
    Outcome {
        state,
        reason,
        epochs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prediction() -> (Prediction, u32) {
        (
            Prediction {
                value: 0.5,
                sigma: 0.1,
                reference: 0.9,
                probability: 0.99,
            },
            3,
        )
    }

    #[test]
    fn each_end_gives_its_state() {
        let complete = Ok(TrialEnd::Completed { epochs: 9 });
        assert_eq!(
            outcome(&complete, None, 9, false, 0).state,
            TrialState::Complete
        );
        assert!(outcome(&complete, None, 3, true, 0).awaits_rung());
        let paused = Ok(TrialEnd::Paused { epochs: 3 });
        let budget = outcome(&paused, None, 9, false, 0);
        assert_eq!(budget.state, TrialState::Stopped);
        assert_eq!(budget.reason.as_deref(), Some("the budget ran out"));
        let stopped = outcome(&paused, Some(&prediction()), 9, false, 0);
        assert_eq!(stopped.state, TrialState::Stopped);
        assert!(
            stopped
                .reason
                .unwrap()
                .starts_with("stopped early at epoch 3")
        );
        assert!(outcome(&paused, Some(&prediction()), 9, true, 0).awaits_rung());
        let interrupted = outcome(&Ok(TrialEnd::Interrupted { epochs: 2 }), None, 9, false, 0);
        assert_eq!(
            (interrupted.state, interrupted.epochs),
            (TrialState::Queued, 2)
        );
        let failed = outcome(
            &Err(TrialFailure {
                reason: String::from("diverged"),
                detail: Some(String::from("loss NaN")),
            }),
            None,
            9,
            false,
            4,
        );
        assert_eq!(failed.state, TrialState::Failed);
        assert_eq!(failed.reason.as_deref(), Some("diverged\nloss NaN"));
        // A failure keeps the epochs the store holds (issue 18, item 16).
        assert_eq!(failed.epochs, 4);
    }
}
