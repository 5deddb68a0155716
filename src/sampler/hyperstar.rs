//! `hyperstar(model, top, then)`: HyperSTAR's task-aware warm start. When the run starts, the
//! trained predictor (`hps meta train`'s model file, read relative to the study's folder) reads the
//! study's training rows in random batches and scores every configuration of the space — all of a
//! finite one, a seeded pool of a continuous one — averaged over the batches (the paper's
//! Algorithm 2). Trial `n < top` is the `n`-th best ranked configuration, so under Hyperband or ASHA
//! each bracket takes the next ranked configurations (task-aware Hyperband); after them the `then`
//! sampler (`bo` by default) searches on, its model warm-started by the ranked trials' results —
//! beyond the paper, which stops at the ranking.

use candle_core::Device;

use super::{BuildError, Observation, Sampler, SamplerContext};
use crate::diagnostic::Code;
use crate::meta::{ModelFile, TaskRows, ranking};
use crate::plan::SamplerPlan;
use crate::plan::sampler::{BoOptions, TpeOptions};
use crate::plan::sampler::{HyperstarOptions, Then};
use crate::space::encoding::Encoder;
use crate::space::{Config, SearchSpace};

/// Random batches of the study's rows a configuration's score is averaged over.
const BATCHES: usize = 16;
/// The most configurations of a finite space ranked one by one; a larger or continuous space is
/// ranked through a seeded pool of this many.
const POOL: usize = 4096;

/// The ranked configurations, then another sampler.
pub struct HyperstarSampler {
    ranked: Vec<Config>,
    top: usize,
    then: Box<dyn Sampler>,
}

fn meta_error(code: Code, e: crate::meta::MetaError) -> BuildError {
    BuildError {
        code,
        message: e.message,
        help: e.help,
    }
}

impl HyperstarSampler {
    /// Ranks the space of `context`'s plan for its data with the model `options` names.
    ///
    /// # Errors
    /// A model that cannot be read or scores another space ([`Code::MetaMismatch`]), a study
    /// without classification data.
    pub fn new(
        context: &SamplerContext<'_>,
        options: &HyperstarOptions,
    ) -> Result<Self, BuildError> {
        let path = context.dir.join(&options.model);
        let model = ModelFile::load(&path, &context.device)
            .map_err(|e| meta_error(Code::MetaMismatch, e))?;
        model
            .check_space(&context.space)
            .map_err(|e| meta_error(Code::MetaMismatch, e))?;
        let data = context.data.ok_or_else(|| BuildError {
            code: Code::Unsupported,
            message: String::from(
                "`hyperstar` ranks configurations for the study's data, and this study has none",
            ),
            help: Some(String::from("give the study `data = …`")),
        })?;
        let rows =
            TaskRows::from_examples(&data.train).map_err(|e| meta_error(Code::Unsupported, e))?;
        let ranked = rank(
            &model,
            &context.space,
            &rows,
            context.plan.seed,
            &context.device,
        )?
        .into_iter()
        .map(|(config, _)| config)
        .collect();
        let then = then_sampler(context, options.then)?;
        Ok(Self {
            ranked,
            top: options.top,
            then,
        })
    }
}

/// The configurations of `space`, best first for the task of `rows`, with their predicted
/// (standardised) scores.
///
/// # Errors
/// When the model's encoding does not fit the space, or Candle fails.
pub fn rank(
    model: &ModelFile,
    space: &SearchSpace,
    rows: &TaskRows,
    seed: u64,
    device: &Device,
) -> Result<Vec<(Config, f64)>, BuildError> {
    let configs = candidates(space, seed)?;
    let encoder = Encoder::new(space);
    if encoder.dims() != model.predictor.config_dims {
        return Err(BuildError {
            code: Code::MetaMismatch,
            message: format!(
                "the model encodes a configuration in {} coordinates and this space in {}",
                model.predictor.config_dims,
                encoder.dims()
            ),
            help: Some(String::from(
                "train the model again with this hps (`hps meta train`)",
            )),
        });
    }
    #[allow(clippy::cast_possible_truncation)]
    let encoded: Vec<Vec<f32>> = configs
        .iter()
        .map(|c| {
            encoder
                .encode(space, c)
                .into_iter()
                .map(|v| v as f32)
                .collect()
        })
        .collect();
    let scores = ranking::scores(&model.predictor, rows, &encoded, BATCHES, seed, device)
        .map_err(|e| BuildError::from(format!("ranking the configurations failed: {e}")))?;
    Ok(ranking::order(&scores)
        .into_iter()
        .map(|i| (configs[i].clone(), scores[i]))
        .collect())
}

/// Every configuration of a finite space of at most [`POOL`], or a seeded pool of [`POOL`] draws.
///
/// # Errors
/// When nothing can be drawn (a space forbidden everywhere).
pub fn candidates(space: &SearchSpace, seed: u64) -> Result<Vec<Config>, BuildError> {
    let finite = space
        .grid_size()
        .is_some_and(|g| g.exact && usize::try_from(g.configurations).is_ok_and(|n| n <= POOL));
    let mut sampler: Box<dyn Sampler> = if finite {
        Box::new(super::grid::GridSampler::new(space).map_err(BuildError::from)?)
    } else {
        Box::new(super::random::RandomSampler::new(space.clone(), seed))
    };
    // A grid yields each configuration once; a continuous space's draws are distinct in practice
    // (and a repeat is only ranked twice).
    let mut configs = Vec::new();
    for number in 0..POOL as u64 {
        match sampler.ask(number, &[]).map_err(BuildError::from)? {
            Some(config) => configs.push(config),
            None => break,
        }
    }
    Ok(configs)
}

/// The sampler after the ranked configurations, with the catalogue's defaults.
fn then_sampler(context: &SamplerContext<'_>, then: Then) -> Result<Box<dyn Sampler>, BuildError> {
    let plan = match then {
        Then::Bo => SamplerPlan::Bo(BoOptions::default()),
        Then::Tpe => SamplerPlan::Tpe(TpeOptions::default()),
        Then::Random => SamplerPlan::Random,
    };
    super::build_as(&plan, context)
}

impl Sampler for HyperstarSampler {
    fn ask(&mut self, number: u64, history: &[Observation]) -> Result<Option<Config>, String> {
        let index = usize::try_from(number).unwrap_or(usize::MAX);
        if index < self.top.min(self.ranked.len()) {
            return Ok(Some(self.ranked[index].clone()));
        }
        self.then.ask(number, history)
    }

    fn uses_history(&self) -> bool {
        self.then.uses_history()
    }
}
