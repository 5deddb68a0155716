//! [`StoppingPlan`]: the stopping rule that ends trials early from their learning curves, lowered
//! once from the checked `stopping = …` step and serialised as it. Built by
//! `crate::stopping::build`.

use serde::{Deserialize, Serialize};

use crate::catalogue::Family;
use crate::plan::step::{Step, StepArgs, count_value, number_value};

/// Which stopping rule, with its options.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Step", into = "Step")]
pub enum StoppingPlan {
    /// No early stopping.
    None,
    /// Baker et al.'s ν-SVR learning-curve prediction.
    Svr(SvrOptions),
}

/// `svr(threshold, offset, keep, min_curves)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SvrOptions {
    /// Δ: stop when the probability of ending worse than the reference reaches it.
    pub threshold: f64,
    /// δ: a margin below the reference.
    pub offset: f64,
    /// κ: the fraction of a stage's survivors whose value is the reference.
    pub keep: f64,
    /// d: curves that reached the target before any prediction.
    pub min_curves: usize,
}

impl StoppingPlan {
    /// The rule's name in the language.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            StoppingPlan::None => "none",
            StoppingPlan::Svr(_) => "svr",
        }
    }
}

impl Default for SvrOptions {
    /// The catalogue's defaults.
    fn default() -> Self {
        match StoppingPlan::try_from(Step::bare("svr")).expect("the catalogue's defaults lower") {
            StoppingPlan::Svr(options) => options,
            StoppingPlan::None => unreachable!("`svr` lowers to StoppingPlan::Svr"),
        }
    }
}

impl TryFrom<Step> for StoppingPlan {
    type Error = String;

    fn try_from(step: Step) -> Result<Self, String> {
        let args = StepArgs::new(&step, Family::Stopping)?;
        Ok(match args.name() {
            "none" => StoppingPlan::None,
            "svr" => StoppingPlan::Svr(SvrOptions {
                threshold: args.number("threshold")?,
                offset: args.number("offset")?,
                keep: args.number("keep")?,
                min_curves: usize::try_from(args.integer_from("min_curves", 2)?)
                    .unwrap_or(usize::MAX),
            }),
            other => return Err(format!("the plan cannot hold the stopping rule `{other}`")),
        })
    }
}

impl From<StoppingPlan> for Step {
    fn from(plan: StoppingPlan) -> Step {
        match plan {
            StoppingPlan::None => Step::bare("none"),
            StoppingPlan::Svr(o) => Step::with(
                "svr",
                [
                    ("threshold", number_value(o.threshold)),
                    ("offset", number_value(o.offset)),
                    ("keep", number_value(o.keep)),
                    ("min_curves", count_value(o.min_curves)),
                ],
            ),
        }
    }
}
