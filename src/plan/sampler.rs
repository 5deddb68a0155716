//! [`SamplerPlan`]: which sampler proposes configurations, with its options, lowered once from the
//! checked `sampler = …` step (defaults from the catalogue). Serialised as that step, so the plan's
//! JSON keeps `{ "name": "bo", "args": { … } }`. The runtime builds the sampler from it
//! (`crate::sampler::build`), matching every variant.

use serde::{Deserialize, Serialize};

use crate::catalogue::Family;
use crate::plan::step::{Step, StepArgs, count_value, symbol_of};
use crate::space::Value;

/// Which sampler, with its options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Step", into = "Step")]
pub enum SamplerPlan {
    /// Independent uniform draws.
    Random,
    /// Every combination of a finite space, in order.
    Grid,
    /// Tree-structured Parzen estimator.
    Tpe(TpeOptions),
    /// Gaussian-process Bayesian optimisation.
    Bo(BoOptions),
    /// HyperSTAR's task-aware ranking.
    Hyperstar(HyperstarOptions),
}

/// `tpe(init, candidates, multivariate)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TpeOptions {
    /// Random trials before the model is used (Optuna's `n_startup_trials`).
    pub init: usize,
    /// Candidates drawn from `l(x)` per suggestion (Optuna's `n_ei_candidates`).
    pub candidates: usize,
    /// Model the parameters active in the same trials jointly instead of one by one.
    pub multivariate: bool,
}

/// `bo(init, acquisition, kernel)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BoOptions {
    /// Random trials before the model is used.
    pub init: usize,
    /// What a candidate is worth.
    pub acquisition: Acquisition,
    /// The covariance function.
    pub kernel: Kernel,
}

/// `bo`'s acquisition function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Acquisition {
    /// `ei`: expected improvement.
    ExpectedImprovement,
    /// `ucb`: the confidence bound.
    ConfidenceBound,
    /// `pi`: probability of improvement.
    ProbabilityOfImprovement,
}

/// `bo`'s Gaussian-process kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kernel {
    /// `matern52`: Matérn with ν = 5/2.
    Matern52,
    /// `rbf`: squared exponential.
    Rbf,
}

/// `hyperstar(model, top, then)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HyperstarOptions {
    /// The trained task-aware predictor's file.
    pub model: String,
    /// Configurations taken from the ranking.
    pub top: usize,
    /// The sampler after them.
    pub then: Then,
}

/// The sampler `hyperstar` hands over to after its ranked configurations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Then {
    /// `bo` with its defaults.
    Bo,
    /// `tpe` with its defaults.
    Tpe,
    /// `random`.
    Random,
}

const THENS: &[(&str, Then)] = &[
    ("bo", Then::Bo),
    ("tpe", Then::Tpe),
    ("random", Then::Random),
];

const ACQUISITIONS: &[(&str, Acquisition)] = &[
    ("ei", Acquisition::ExpectedImprovement),
    ("ucb", Acquisition::ConfidenceBound),
    ("pi", Acquisition::ProbabilityOfImprovement),
];

const KERNELS: &[(&str, Kernel)] = &[("matern52", Kernel::Matern52), ("rbf", Kernel::Rbf)];

impl SamplerPlan {
    /// The sampler's name in the language.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            SamplerPlan::Random => "random",
            SamplerPlan::Grid => "grid",
            SamplerPlan::Tpe(_) => "tpe",
            SamplerPlan::Bo(_) => "bo",
            SamplerPlan::Hyperstar(_) => "hyperstar",
        }
    }

    /// Whether the sampler reads the study's data when it is built (the run then loads it even
    /// when the trainer does not): HyperSTAR encodes it.
    #[must_use]
    pub fn reads_data(&self) -> bool {
        match self {
            SamplerPlan::Random | SamplerPlan::Grid | SamplerPlan::Tpe(_) | SamplerPlan::Bo(_) => {
                false
            }
            SamplerPlan::Hyperstar(_) => true,
        }
    }
}

fn count(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

/// The catalogue's options of sampler `name` (its defaults).
fn defaults(name: &str) -> SamplerPlan {
    SamplerPlan::try_from(Step::bare(name)).expect("the catalogue's defaults lower")
}

impl Default for TpeOptions {
    /// The catalogue's defaults.
    fn default() -> Self {
        match defaults("tpe") {
            SamplerPlan::Tpe(options) => options,
            _ => unreachable!("`tpe` lowers to SamplerPlan::Tpe"),
        }
    }
}

impl Default for BoOptions {
    /// The catalogue's defaults.
    fn default() -> Self {
        match defaults("bo") {
            SamplerPlan::Bo(options) => options,
            _ => unreachable!("`bo` lowers to SamplerPlan::Bo"),
        }
    }
}

impl TryFrom<Step> for SamplerPlan {
    type Error = String;

    fn try_from(step: Step) -> Result<Self, String> {
        let args = StepArgs::new(&step, Family::Sampler)?;
        Ok(match args.name() {
            "random" => SamplerPlan::Random,
            "grid" => SamplerPlan::Grid,
            "tpe" => SamplerPlan::Tpe(TpeOptions {
                init: count(args.integer_from("init", 1)?),
                candidates: count(args.integer_from("candidates", 1)?),
                multivariate: args.boolean("multivariate")?,
            }),
            "bo" => SamplerPlan::Bo(BoOptions {
                init: count(args.integer_from("init", 1)?),
                acquisition: args.symbol("acquisition", ACQUISITIONS)?,
                kernel: args.symbol("kernel", KERNELS)?,
            }),
            "hyperstar" => SamplerPlan::Hyperstar(HyperstarOptions {
                model: args.text("model")?,
                top: count(args.integer_from("top", 1)?),
                then: args.symbol("then", THENS)?,
            }),
            other => return Err(format!("the plan cannot hold the sampler `{other}`")),
        })
    }
}

impl From<SamplerPlan> for Step {
    fn from(plan: SamplerPlan) -> Step {
        let name = plan.name();
        match plan {
            SamplerPlan::Random | SamplerPlan::Grid => Step::bare(name),
            SamplerPlan::Tpe(o) => Step::with(
                name,
                [
                    ("init", count_value(o.init)),
                    ("candidates", count_value(o.candidates)),
                    ("multivariate", Value::Bool(o.multivariate)),
                ],
            ),
            SamplerPlan::Bo(o) => Step::with(
                name,
                [
                    ("init", count_value(o.init)),
                    ("acquisition", symbol_of(ACQUISITIONS, &o.acquisition)),
                    ("kernel", symbol_of(KERNELS, &o.kernel)),
                ],
            ),
            SamplerPlan::Hyperstar(o) => Step::with(
                name,
                [
                    ("model", Value::Str(o.model)),
                    ("top", count_value(o.top)),
                    ("then", symbol_of(THENS, &o.then)),
                ],
            ),
        }
    }
}
