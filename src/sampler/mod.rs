//! Samplers propose configurations: [`Sampler`] is the interface the runtime's search strategy asks,
//! one implementation per file, each built by [`build`] from the plan's `SamplerPlan` and a
//! [`SamplerContext`] (the store, the data, the device). Every random draw comes from a stream
//! derived from the study's seed and the trial's number (`crate::seed`), so the same file and seed
//! give the same trials — also when a run is resumed or trials finish out of order.

pub mod bo;
mod context;
pub mod grid;
pub mod hyperstar;
pub mod random;
pub mod tpe;

#[cfg(test)]
pub(crate) mod testing;

pub use context::{SamplerContext, SamplerStore};

use crate::diagnostic::Code;
use crate::plan::{Direction, SamplerPlan};
use crate::space::Config;
use crate::storage::TrialState;

/// A trial as a sampler sees it: its configuration, where it is, and its learning curve.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    /// Its configuration (searched parameters with the fixed and derived values).
    pub config: Config,
    /// Where it is: queued and running trials are pending (no value yet).
    pub state: TrialState,
    /// The objective after each epoch trained (`curve[0]` is epoch 1; NaN where the metric was
    /// missing or not finite).
    pub curve: Vec<f64>,
    /// Set when a stopping rule ended the trial early: the predicted final value. Such a trial is
    /// not a full observation; its real values are still in `curve`.
    pub predicted: Option<f64>,
}

impl Observation {
    /// The objective at the last epoch trained, when finite.
    #[must_use]
    pub fn value(&self) -> Option<f64> {
        self.curve.last().copied().filter(|v| v.is_finite())
    }

    /// Whether the trial has not ended yet (queued or running): a point the sampler has proposed
    /// but cannot learn from.
    #[must_use]
    pub fn is_pending(&self) -> bool {
        matches!(self.state, TrialState::Queued | TrialState::Running)
    }
}

/// The points a model-based sampler learns from, as `(configuration, loss)` with lower better
/// (a maximised objective is negated).
///
/// Fidelity follows BOHB: trials are compared at one number of epochs — the largest that at least
/// `min_points` ended trials have reached, each trial contributing its curve's value at that
/// epoch. Trials ended by a stopping rule contribute the epochs they really trained, never their
/// prediction; pending and failed trials contribute nothing. Empty when no epoch count has
/// `min_points` trials.
#[must_use]
pub fn training_set(
    history: &[Observation],
    direction: Direction,
    min_points: usize,
) -> Vec<(&Config, f64)> {
    let ended = || history.iter().filter(|o| o.state.has_ended_stage());
    let mut lengths: Vec<usize> = ended().map(|o| o.curve.len()).filter(|&n| n > 0).collect();
    lengths.sort_unstable();
    lengths.dedup();
    let sign = match direction {
        Direction::Minimize => 1.0,
        Direction::Maximize => -1.0,
    };
    for &epochs in lengths.iter().rev() {
        let points: Vec<(&Config, f64)> = ended()
            .filter_map(|o| {
                let v = *o.curve.get(epochs - 1)?;
                v.is_finite().then_some((&o.config, sign * v))
            })
            .collect();
        if points.len() >= min_points.max(1) {
            return points;
        }
    }
    Vec::new()
}

/// What a model-based sampler learns from for trial `number`, or `None` while the random sampler
/// should answer instead: for the first `init` trials, and while fewer than `init` trials have
/// ended at a common fidelity ([`training_set`]).
#[must_use]
pub fn model_points(
    number: u64,
    history: &[Observation],
    direction: Direction,
    init: usize,
) -> Option<Vec<(&Config, f64)>> {
    let init = init.max(1);
    if number < init as u64 {
        return None;
    }
    let training = training_set(history, direction, init);
    (training.len() >= init).then_some(training)
}

/// Proposes configurations.
pub trait Sampler: Send {
    /// The parameters of trial `number` (searched parameters only; the runtime adds fixed and
    /// derived values). `Ok(None)` when the sampler has nothing left (a finished grid).
    ///
    /// # Errors
    /// When no configuration can be drawn (every draw is forbidden).
    fn ask(&mut self, number: u64, history: &[Observation]) -> Result<Option<Config>, String>;

    /// Whether [`Sampler::ask`] reads its history (the runtime skips loading it otherwise).
    fn uses_history(&self) -> bool {
        false
    }
}

/// Why a sampler cannot be built: the diagnostic code it is reported under, what is wrong, and
/// what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildError {
    /// [`Code::Unsupported`] for what this build cannot do, [`Code::MetaMismatch`] for a model that
    /// does not fit.
    pub code: Code,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
}

impl From<String> for BuildError {
    fn from(message: String) -> Self {
        Self {
            code: Code::Unsupported,
            message,
            help: None,
        }
    }
}

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// The sampler the plan of `context` names, built with that context.
///
/// # Errors
/// `grid` over a space it cannot enumerate; a HyperSTAR model that cannot be read or does not fit.
pub fn build(context: &SamplerContext<'_>) -> Result<Box<dyn Sampler>, BuildError> {
    build_as(&context.plan.sampler, context)
}

/// The sampler `sampler` names, built with `context` (whose plan may name another: `hyperstar`
/// builds the sampler it hands over to).
///
/// # Errors
/// As [`build`].
pub fn build_as(
    sampler: &SamplerPlan,
    context: &SamplerContext<'_>,
) -> Result<Box<dyn Sampler>, BuildError> {
    let plan = context.plan;
    let space = context.space.clone();
    match sampler {
        SamplerPlan::Random => Ok(Box::new(random::RandomSampler::new(space, plan.seed))),
        SamplerPlan::Grid => Ok(Box::new(
            grid::GridSampler::new(&space).map_err(BuildError::from)?,
        )),
        SamplerPlan::Bo(options) => Ok(Box::new(bo::BoSampler::new(
            space,
            plan.seed,
            plan.objective.direction,
            *options,
        ))),
        SamplerPlan::Tpe(options) => Ok(Box::new(tpe::TpeSampler::new(
            space,
            plan.seed,
            plan.objective.direction,
            *options,
        ))),
        SamplerPlan::Hyperstar(options) => Ok(Box::new(hyperstar::HyperstarSampler::new(
            context, options,
        )?)),
    }
}
