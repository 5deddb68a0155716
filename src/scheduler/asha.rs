//! Asynchronous successive halving (`asha`, Li et al. 2020): one set of rungs (`min·ηⁱ` epochs up to
//! `max`), no waiting for a rung to fill. Whenever a worker is free, the best trial that may be
//! promoted is — a trial waiting at rung `k` goes on when it ranks in the top `⌊n_k/η⌋` of the `n_k`
//! trials that have finished rung `k` so far (ranked by their value at rung `k`'s epochs) — and
//! otherwise a new trial starts at the first rung. Promoted trials continue from their checkpoints.
//! When no new trial may start and none is running, trials still waiting stop for good.

use crate::plan::Direction;
use crate::plan::Plan;
use crate::plan::scheduler::Rungs;
use crate::scheduler::{
    Competition, Curves, Decision, Scheduler, awaits_decision, best_first, standing,
};
use crate::storage::{Placement, TrialRecord, TrialState};

/// Asynchronous successive halving.
pub struct Asha {
    /// Epochs at the end of each rung, increasing.
    rungs: Vec<u32>,
    eta: f64,
    direction: Direction,
}

impl Asha {
    /// The scheduler of a plan whose scheduler is `asha`.
    #[must_use]
    pub fn new(plan: &Plan, rungs_plan: Rungs) -> Self {
        let rungs = plan
            .scheduler
            .brackets
            .first()
            .map(|b| {
                b.rungs
                    .iter()
                    .map(|r| u32::try_from(r.epochs).unwrap_or(u32::MAX))
                    .collect()
            })
            .unwrap_or_default();
        Self::with_rungs(rungs, rungs_plan.eta, plan.objective.direction)
    }

    /// A scheduler over rungs ending at `rungs` epochs.
    #[must_use]
    pub fn with_rungs(rungs: Vec<u32>, eta: f64, direction: Direction) -> Self {
        Self {
            rungs,
            eta,
            direction,
        }
    }

    /// The trials that have finished rung `k`, with their value at its end, best first.
    fn finished<'t>(
        &self,
        k: usize,
        trials: &'t [TrialRecord],
        curves: &Curves,
    ) -> Vec<(&'t TrialRecord, f64)> {
        let epochs = self.rungs[k] as usize;
        let mut ranked: Vec<(&TrialRecord, f64)> = trials
            .iter()
            .filter(|t| t.bracket.is_some())
            .filter_map(|t| {
                let value = if t.rung as usize == k && awaits_decision(t) {
                    standing(t)
                } else if t.rung as usize > k {
                    curves
                        .get(&t.number)
                        .and_then(|c| c.get(epochs.checked_sub(1)?))
                        .copied()
                        .filter(|v| v.is_finite())
                } else {
                    None
                };
                value.map(|v| (t, v))
            })
            .collect();
        ranked
            .sort_by(|a, b| best_first(self.direction, a.1, b.1).then(a.0.number.cmp(&b.0.number)));
        ranked
    }

    /// How many of `n` trials that finished a rung go on.
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    fn quota(&self, n: usize) -> usize {
        (n as f64 / self.eta + 1e-9).floor() as usize
    }
}

impl Scheduler for Asha {
    fn decide(&self, trials: &[TrialRecord], curves: &Curves, can_create: bool) -> Decision {
        let Some(&first) = self.rungs.first() else {
            return Decision::Done;
        };
        // Promotions first, from the highest rung down (Li et al., Algorithm 2).
        for k in (0..self.rungs.len().saturating_sub(1)).rev() {
            let ranked = self.finished(k, trials, curves);
            let quota = self.quota(ranked.len());
            if let Some((t, _)) = ranked
                .iter()
                .take(quota)
                .find(|(t, _)| t.rung as usize == k && awaits_decision(t))
            {
                let rung = u32::try_from(k + 1).unwrap_or(u32::MAX);
                return Decision::Promote {
                    promote: vec![(t.id, rung, self.rungs[k + 1])],
                    drop: Vec::new(),
                };
            }
        }
        if can_create {
            return Decision::New(Some(Placement {
                bracket: 0,
                target_epochs: first,
            }));
        }
        if trials
            .iter()
            .any(|t| matches!(t.state, TrialState::Queued | TrialState::Running))
        {
            return Decision::Wait;
        }
        let drop: Vec<(i64, u32)> = trials
            .iter()
            .filter(|t| awaits_decision(t))
            .map(|t| (t.id, t.rung))
            .collect();
        if drop.is_empty() {
            Decision::Done
        } else {
            Decision::Promote {
                promote: Vec::new(),
                drop,
            }
        }
    }

    fn horizon(&self) -> Option<u32> {
        self.rungs.last().copied()
    }

    /// The trials that have finished its rung; the top `⌊n/η⌋` go on.
    fn competition(
        &self,
        trial: &TrialRecord,
        trials: &[TrialRecord],
        curves: &Curves,
    ) -> Competition {
        let k = (trial.rung as usize).min(self.rungs.len().saturating_sub(1));
        let values: Vec<f64> = if self.rungs.is_empty() {
            Vec::new()
        } else {
            self.finished(k, trials, curves)
                .into_iter()
                .filter(|(t, _)| t.id != trial.id)
                .map(|(_, v)| v)
                .collect()
        };
        let advancing = self.quota(values.len() + 1).max(1);
        Competition { values, advancing }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trial(number: u64, rung: u32, state: TrialState, value: Option<f64>) -> TrialRecord {
        TrialRecord {
            id: i64::try_from(number).unwrap() + 100,
            study_id: 1,
            number,
            state,
            params: crate::space::Config::new(),
            seed: 0,
            epochs: 0,
            value,
            error: None,
            started_at: None,
            finished_at: None,
            bracket: Some(0),
            rung,
            target_epochs: None,
            predicted: None,
            predicted_sigma: None,
            predicted_reference: None,
            worker: None,
        }
    }

    fn asha() -> Asha {
        Asha::with_rungs(vec![1, 3, 9], 3.0, Direction::Maximize)
    }

    #[test]
    fn starts_new_trials_until_a_rung_has_eta_finished() {
        let trials = vec![
            trial(0, 0, TrialState::Awaiting, Some(0.5)),
            trial(1, 0, TrialState::Awaiting, Some(0.7)),
        ];
        let decision = asha().decide(&trials, &Curves::new(), true);
        assert_eq!(
            decision,
            Decision::New(Some(Placement {
                bracket: 0,
                target_epochs: 1
            }))
        );
    }

    #[test]
    fn promotes_the_best_of_the_top_third_without_waiting_for_others() {
        let trials = vec![
            trial(0, 0, TrialState::Awaiting, Some(0.5)),
            trial(1, 0, TrialState::Awaiting, Some(0.7)),
            trial(2, 0, TrialState::Awaiting, Some(0.6)),
            trial(3, 0, TrialState::Running, None),
        ];
        let decision = asha().decide(&trials, &Curves::new(), true);
        assert_eq!(
            decision,
            Decision::Promote {
                promote: vec![(101, 1, 3)],
                drop: Vec::new()
            }
        );
    }

    #[test]
    fn a_promoted_trial_counts_with_its_value_at_the_rung() {
        // Trial 1 was promoted (value 0.9 at epoch 1); of four finished, one goes on: nobody else.
        let mut trials = vec![
            trial(0, 0, TrialState::Awaiting, Some(0.5)),
            trial(1, 1, TrialState::Running, Some(0.95)),
            trial(2, 0, TrialState::Awaiting, Some(0.6)),
            trial(3, 0, TrialState::Awaiting, Some(0.4)),
        ];
        let mut curves = Curves::new();
        curves.insert(1, vec![0.9, 0.95]);
        assert_eq!(
            asha().decide(&trials, &curves, true),
            Decision::New(Some(Placement {
                bracket: 0,
                target_epochs: 1
            }))
        );
        // With trial 1 worse at epoch 1 than trial 2, the top third of six is two: trial 2 goes on.
        curves.insert(1, vec![0.55, 0.95]);
        trials.push(trial(4, 0, TrialState::Awaiting, Some(0.3)));
        trials.push(trial(5, 0, TrialState::Awaiting, Some(0.2)));
        assert_eq!(
            asha().decide(&trials, &curves, true),
            Decision::Promote {
                promote: vec![(102, 1, 3)],
                drop: Vec::new()
            }
        );
    }

    #[test]
    fn with_nothing_left_to_start_or_run_waiting_trials_stop() {
        let trials = vec![
            trial(0, 0, TrialState::Awaiting, Some(0.5)),
            trial(1, 0, TrialState::Awaiting, Some(0.7)),
        ];
        assert_eq!(
            asha().decide(&trials, &Curves::new(), false),
            Decision::Promote {
                promote: Vec::new(),
                drop: vec![(100, 0), (101, 0)]
            }
        );
        let running = vec![trial(0, 0, TrialState::Running, None)];
        assert_eq!(
            asha().decide(&running, &Curves::new(), false),
            Decision::Wait
        );
        assert_eq!(asha().decide(&[], &Curves::new(), false), Decision::Done);
    }
}
