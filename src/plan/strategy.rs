//! [`StrategyPlan`]: a one-shot search that replaces sampler and scheduler, lowered once from the
//! checked `strategy = …` step and serialised as it. Read by the runtime's wiring, which picks the
//! strategy a run executes.

use serde::{Deserialize, Serialize};

use crate::catalogue::Family;
use crate::plan::step::{Step, StepArgs, number_value};
use crate::space::Value;

/// Which one-shot strategy, with its options.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Step", into = "Step")]
pub enum StrategyPlan {
    /// AutoHAS: one weight-sharing super-network and a controller over architecture choices and
    /// categorical bases.
    Autohas(AutohasOptions),
}

/// `autohas(controller_lr, entropy, warmup, steps, retrain)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AutohasOptions {
    /// The controller's learning rate.
    pub controller_lr: f64,
    /// The entropy bonus's weight.
    pub entropy: f64,
    /// Epochs of shared-weight training before the controller learns.
    pub warmup: u64,
    /// Training steps one sampled configuration takes before the validation batch rewards it.
    pub steps: u64,
    /// Retrain the result from scratch as an ordinary trial.
    pub retrain: bool,
}

impl StrategyPlan {
    /// The strategy's name in the language.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            StrategyPlan::Autohas(_) => "autohas",
        }
    }
}

impl TryFrom<Step> for StrategyPlan {
    type Error = String;

    fn try_from(step: Step) -> Result<Self, String> {
        let args = StepArgs::new(&step, Family::Strategy)?;
        Ok(match args.name() {
            "autohas" => StrategyPlan::Autohas(AutohasOptions {
                controller_lr: args.number("controller_lr")?,
                entropy: args.number("entropy")?,
                warmup: args.integer_from("warmup", 0)?,
                steps: args.integer_from("steps", 1)?,
                retrain: args.boolean("retrain")?,
            }),
            other => return Err(format!("the plan cannot hold the strategy `{other}`")),
        })
    }
}

impl From<StrategyPlan> for Step {
    fn from(plan: StrategyPlan) -> Step {
        let name = plan.name();
        match plan {
            StrategyPlan::Autohas(o) => Step::with(
                name,
                [
                    ("controller_lr", number_value(o.controller_lr)),
                    ("entropy", number_value(o.entropy)),
                    (
                        "warmup",
                        Value::Int(i64::try_from(o.warmup).unwrap_or(i64::MAX)),
                    ),
                    (
                        "steps",
                        Value::Int(i64::try_from(o.steps).unwrap_or(i64::MAX)),
                    ),
                    ("retrain", Value::Bool(o.retrain)),
                ],
            ),
        }
    }
}
