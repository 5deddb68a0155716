//! [`SchedulerPlan`]: which scheduler decides how long trials train ([`SchedulerKind`], lowered once
//! from the checked `scheduler = …` step and serialised as it), with what the plan derives for it —
//! epochs per trial under `fifo`, the brackets of one Hyperband iteration. Built by
//! `crate::scheduler::build`.

use serde::{Deserialize, Serialize};

use crate::catalogue::Family;
use crate::plan::brackets::Bracket;
use crate::plan::step::{Step, StepArgs, number_value};
use crate::space::Value;

/// The scheduler with its brackets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SchedulerPlan {
    /// Which scheduler, with its rungs.
    #[serde(flatten)]
    pub kind: SchedulerKind,
    /// Epochs per trial under `fifo` (the recipe's `epochs`, or its largest value).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epochs_per_trial: Option<u64>,
    /// Brackets of one Hyperband iteration (one for `sha`/`asha`; none for `fifo`).
    pub brackets: Vec<Bracket>,
}

/// Which scheduler.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Step", into = "Step")]
pub enum SchedulerKind {
    /// Every trial trains for its recipe's epochs.
    Fifo,
    /// Successive halving, one bracket at a time.
    Sha(Rungs),
    /// Hyperband: successive halving over brackets of different aggressiveness.
    Hyperband(Rungs),
    /// Asynchronous successive halving.
    Asha(Rungs),
}

/// The rungs of a successive-halving scheduler: `min` to `max` epochs, keeping `1/eta` at each.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rungs {
    /// Epochs at the first rung.
    pub min: u64,
    /// Epochs at the last rung.
    pub max: u64,
    /// Keep the best `1/eta` of each rung.
    pub eta: f64,
}

impl SchedulerKind {
    /// The scheduler's name in the language.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            SchedulerKind::Fifo => "fifo",
            SchedulerKind::Sha(_) => "sha",
            SchedulerKind::Hyperband(_) => "hyperband",
            SchedulerKind::Asha(_) => "asha",
        }
    }

    /// The rungs, for every scheduler but `fifo`.
    #[must_use]
    pub fn rungs(&self) -> Option<Rungs> {
        match self {
            SchedulerKind::Fifo => None,
            SchedulerKind::Sha(r) | SchedulerKind::Hyperband(r) | SchedulerKind::Asha(r) => {
                Some(*r)
            }
        }
    }
}

impl TryFrom<Step> for SchedulerKind {
    type Error = String;

    fn try_from(step: Step) -> Result<Self, String> {
        let args = StepArgs::new(&step, Family::Scheduler)?;
        let rungs = || -> Result<Rungs, String> {
            Ok(Rungs {
                min: args.integer_from("min", 1)?,
                max: args.integer_from("max", 1)?,
                eta: args.number("eta")?,
            })
        };
        Ok(match args.name() {
            "fifo" => SchedulerKind::Fifo,
            "sha" => SchedulerKind::Sha(rungs()?),
            "hyperband" => SchedulerKind::Hyperband(rungs()?),
            "asha" => SchedulerKind::Asha(rungs()?),
            other => return Err(format!("the plan cannot hold the scheduler `{other}`")),
        })
    }
}

impl From<SchedulerKind> for Step {
    fn from(kind: SchedulerKind) -> Step {
        let name = kind.name();
        match kind.rungs() {
            None => Step::bare(name),
            Some(r) => Step::with(
                name,
                [
                    ("min", Value::Int(i64::try_from(r.min).unwrap_or(i64::MAX))),
                    ("max", Value::Int(i64::try_from(r.max).unwrap_or(i64::MAX))),
                    ("eta", number_value(r.eta)),
                ],
            ),
        }
    }
}

impl SchedulerPlan {
    /// The plan of `kind`: its brackets, and under `fifo` the epochs each trial trains
    /// (`epochs_per_trial`, read from the recipe by the caller).
    #[must_use]
    pub fn new(kind: SchedulerKind, epochs_per_trial: Option<u64>) -> Self {
        let brackets = match kind {
            SchedulerKind::Fifo => Vec::new(),
            SchedulerKind::Hyperband(r) => crate::plan::brackets::hyperband(r.min, r.max, r.eta),
            SchedulerKind::Sha(r) | SchedulerKind::Asha(r) => {
                crate::plan::brackets::successive_halving(r.min, r.max, r.eta)
            }
        };
        Self {
            epochs_per_trial: brackets.is_empty().then_some(epochs_per_trial).flatten(),
            kind,
            brackets,
        }
    }
}
