//! Synchronous successive halving (`sha`) and Hyperband (`hyperband`): brackets run one after the
//! other (Hyperband cycles through its brackets, `sha` repeats its one); a bracket starts its first
//! rung's configurations, and when every trial of a rung has finished, the best `n_{i+1}` are promoted
//! to train on — from their checkpoints — to the next rung's epochs, and the rest stop. When the
//! budget ends in the middle of a bracket, the bracket goes on with the trials it has (rungs shrink by
//! the same η).

use crate::plan::Direction;
use crate::plan::Plan;
use crate::plan::brackets::{self, Bracket};
use crate::plan::scheduler::Rungs;
use crate::scheduler::{
    Competition, Curves, Decision, NOT_PROMOTED, Scheduler, awaits_decision, best_first, standing,
};
use crate::storage::{Placement, TrialRecord, TrialState};

/// `sha` or `hyperband`.
pub struct SuccessiveHalving {
    brackets: Vec<Bracket>,
    max: u64,
    eta: f64,
    direction: Direction,
}

impl SuccessiveHalving {
    /// The scheduler of a plan whose scheduler is `sha` or `hyperband`.
    #[must_use]
    pub fn new(plan: &Plan, rungs: Rungs) -> Self {
        Self {
            brackets: plan.scheduler.brackets.clone(),
            max: rungs.max,
            eta: rungs.eta,
            direction: plan.objective.direction,
        }
    }

    /// The shape of bracket `index` (brackets repeat).
    fn shape(&self, index: u32) -> &Bracket {
        &self.brackets[index as usize % self.brackets.len()]
    }

    /// The next step inside bracket `index`, or `None` when the bracket is finished.
    fn decide_bracket(
        &self,
        index: u32,
        members: &[&TrialRecord],
        can_create: bool,
    ) -> Option<Decision> {
        let full = self.shape(index);
        let first = full.rungs[0];
        if (members.len() as u64) < first.configs && can_create {
            let target = u32::try_from(first.epochs).unwrap_or(u32::MAX);
            return Some(Decision::New(Some(Placement {
                bracket: index,
                target_epochs: target,
            })));
        }
        // The bracket as it is: full, or cut short by the budget.
        let shape = if (members.len() as u64) < first.configs {
            brackets::bracket(full.s, members.len() as u64, self.max, self.eta)
        } else {
            full.clone()
        };
        for i in 0..shape.rungs.len() {
            let i = u32::try_from(i).unwrap_or(u32::MAX);
            let at_rung: Vec<&&TrialRecord> = members.iter().filter(|t| t.rung == i).collect();
            if at_rung
                .iter()
                .any(|t| matches!(t.state, TrialState::Queued | TrialState::Running))
            {
                return Some(Decision::Wait);
            }
            let awaiting: Vec<&&&TrialRecord> =
                at_rung.iter().filter(|t| awaits_decision(t)).collect();
            let Some(next) = shape.rungs.get(i as usize + 1) else {
                continue;
            };
            if awaiting.is_empty() {
                continue;
            }
            let mut ranked: Vec<(&&&TrialRecord, f64)> = awaiting
                .iter()
                .filter_map(|t| standing(t).map(|v| (*t, v)))
                .collect();
            ranked.sort_by(|a, b| {
                best_first(self.direction, a.1, b.1).then(a.0.number.cmp(&b.0.number))
            });
            let keep = usize::try_from(next.configs).unwrap_or(usize::MAX);
            let target = u32::try_from(next.epochs).unwrap_or(u32::MAX);
            let promote: Vec<(i64, u32, u32)> = ranked
                .iter()
                .take(keep)
                .map(|(t, _)| (t.id, i + 1, target))
                .collect();
            let drop: Vec<(i64, u32)> = awaiting
                .iter()
                .filter(|t| !promote.iter().any(|(id, _, _)| *id == t.id))
                .map(|t| (t.id, i))
                .collect();
            return Some(Decision::Promote { promote, drop });
        }
        None
    }
}

impl Scheduler for SuccessiveHalving {
    fn decide(&self, trials: &[TrialRecord], _curves: &Curves, can_create: bool) -> Decision {
        if self.brackets.is_empty() {
            return Decision::Done;
        }
        let mut index = 0;
        loop {
            let members: Vec<&TrialRecord> =
                trials.iter().filter(|t| t.bracket == Some(index)).collect();
            if members.is_empty() && !can_create {
                return Decision::Done;
            }
            if let Some(decision) = self.decide_bracket(index, &members, can_create) {
                return decision;
            }
            index += 1;
        }
    }

    fn horizon(&self) -> Option<u32> {
        u32::try_from(self.max).ok()
    }

    /// The trials of its bracket that have finished its rung; the next rung's size goes on (one at
    /// the last rung: the bracket's winner).
    fn competition(
        &self,
        trial: &TrialRecord,
        trials: &[TrialRecord],
        _curves: &Curves,
    ) -> Competition {
        let Some(bracket) = trial.bracket else {
            return Competition {
                values: Vec::new(),
                advancing: 1,
            };
        };
        let values = trials
            .iter()
            .filter(|t| t.id != trial.id && t.bracket == Some(bracket) && t.rung == trial.rung)
            .filter(|t| awaits_decision(t) || t.state == TrialState::Complete)
            .filter_map(standing)
            .collect();
        let advancing = self
            .shape(bracket)
            .rungs
            .get(trial.rung as usize + 1)
            .map_or(1, |r| usize::try_from(r.configs).unwrap_or(usize::MAX));
        Competition { values, advancing }
    }
}

/// The reason a trial carries when its rung did not promote it.
#[must_use]
pub fn not_promoted(rung: u32) -> String {
    format!("{NOT_PROMOTED} {rung}")
}
