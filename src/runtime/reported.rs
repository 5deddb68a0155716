//! The metrics a trial reported, kept while it trains so that a trial that never reported its
//! objective fails with a reason naming what it did report — `objective = minimize val.loss`
//! beside a script that prints `val_loss` would otherwise complete every trial with no value. Fed
//! by [`super::sink::StoreSink`]; read by [`super::training`] when the trainer returns.

use std::collections::BTreeSet;

use crate::suggest::did_you_mean;
use crate::trial::{TrialEnd, TrialFailure};

/// The metric names one trial reported, and whether the objective was among them.
#[derive(Debug, Clone, Default)]
pub struct ReportedMetrics {
    names: BTreeSet<String>,
    objective_seen: bool,
}

impl ReportedMetrics {
    /// Nothing reported yet; `objective_seen` when the store already holds an objective value
    /// for the trial (a promoted or resumed trial).
    #[must_use]
    pub fn new(objective_seen: bool) -> Self {
        Self {
            names: BTreeSet::new(),
            objective_seen,
        }
    }

    /// Notes one epoch's metric names.
    pub fn note<'n>(&mut self, names: impl IntoIterator<Item = &'n String>, objective: &str) {
        for name in names {
            if name == objective {
                self.objective_seen = true;
            } else if !self.names.contains(name) {
                self.names.insert(name.clone());
            }
        }
    }

    /// The failure of a trial that ended its stage (`end`) without ever reporting `objective`,
    /// having started at `start_epoch`: its reason lists what it did report, with the nearest name.
    /// `None` when it reported the objective, or had nothing to train.
    #[must_use]
    pub fn missing_objective(
        &self,
        end: &TrialEnd,
        start_epoch: u32,
        objective: &str,
    ) -> Option<TrialFailure> {
        let TrialEnd::Completed { epochs } = *end else {
            return None;
        };
        // A trial already trained to its target has nothing to report.
        if self.objective_seen || (epochs == start_epoch && start_epoch > 0) {
            return None;
        }
        if self.names.is_empty() {
            return Some(TrialFailure::new(format!(
                "reported no metrics, so never its objective `{objective}`"
            )));
        }
        let reported = self
            .names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let hint = did_you_mean(objective, self.names.iter().map(String::as_str))
            .map_or_else(String::new, |hint| format!("; {hint}"));
        Some(TrialFailure::new(format!(
            "never reported its objective `{objective}`; it reported {reported}{hint}"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reported(names: &[&str]) -> ReportedMetrics {
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        let mut metrics = ReportedMetrics::new(false);
        metrics.note(&names, "val.loss");
        metrics
    }

    #[test]
    fn a_misnamed_objective_fails_with_what_was_reported_and_the_nearest_name() {
        let end = TrialEnd::Completed { epochs: 3 };
        let failure = reported(&["val_loss", "train_loss"])
            .missing_objective(&end, 0, "val.loss")
            .unwrap();
        assert_eq!(
            failure.reason,
            "never reported its objective `val.loss`; it reported `train_loss`, `val_loss`; did you mean `val_loss`?"
        );
        assert!(
            reported(&["val.loss", "val_loss"])
                .missing_objective(&end, 0, "val.loss")
                .is_none()
        );
        // Nothing reported at all, or a far name: no suggestion.
        let nothing = reported(&[])
            .missing_objective(&end, 0, "val.loss")
            .unwrap();
        assert!(
            nothing.reason.starts_with("reported no metrics"),
            "{nothing:?}"
        );
        let far = reported(&["accuracy"])
            .missing_objective(&end, 0, "val.loss")
            .unwrap();
        assert!(!far.reason.contains("did you mean"), "{far:?}");
        // Paused or interrupted trials have not ended their stage; a trial already at its target
        // trained nothing; an objective recorded before counts.
        let paused = TrialEnd::Paused { epochs: 1 };
        assert!(
            reported(&["x"])
                .missing_objective(&paused, 0, "val.loss")
                .is_none()
        );
        let done = TrialEnd::Completed { epochs: 3 };
        assert!(
            reported(&[])
                .missing_objective(&done, 3, "val.loss")
                .is_none()
        );
        assert!(
            ReportedMetrics::new(true)
                .missing_objective(&end, 0, "val.loss")
                .is_none()
        );
    }
}
