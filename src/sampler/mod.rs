//! Samplers propose configurations: [`Sampler`] is the interface the runtime asks, one
//! implementation per file. Every random draw comes from a stream derived from the study's seed and the
//! trial's number, so the same file and seed give the same trials — also when a run is resumed or
//! trials finish out of order.

pub mod grid;
pub mod random;

use crate::plan::Plan;
use crate::space::{Config, SearchSpace};
use crate::storage::TrialState;

/// A finished (or running) trial as a sampler sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    /// Its sampled parameters.
    pub config: Config,
    /// Its objective value, when it has one.
    pub value: Option<f64>,
    /// Where it is.
    pub state: TrialState,
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

/// The sampler a plan names.
///
/// # Errors
/// A sampler this build cannot run yet, or `grid` over a space it cannot enumerate.
pub fn for_plan(plan: &Plan) -> Result<Box<dyn Sampler>, String> {
    let space = space_of(plan);
    match plan.sampler.name.as_str() {
        "random" => Ok(Box::new(random::RandomSampler::new(space, plan.seed))),
        "grid" => Ok(Box::new(grid::GridSampler::new(&space)?)),
        other => Err(format!(
            "the `{other}` sampler is not available in this build of hps yet; `random` and `grid` are"
        )),
    }
}

/// The plan's search space.
#[must_use]
pub fn space_of(plan: &Plan) -> SearchSpace {
    SearchSpace {
        params: plan
            .parameters
            .iter()
            .map(|p| crate::space::Param {
                name: p.name.clone(),
                distribution: p.distribution.clone(),
                condition: p.condition.clone(),
                doc: p.doc.clone(),
            })
            .collect(),
        fixed: plan.fixed.clone(),
        derived: plan.derived.clone(),
        forbidden: plan.forbidden.clone(),
    }
}
