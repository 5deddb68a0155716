//! The model file `hps meta train` writes and the `hyperstar` sampler reads: a safetensors file of
//! the predictor's tensors whose metadata holds a JSON header under `hps` — the format version, the
//! signature of the search space it scores (each parameter's name and distribution, in order), its
//! settings, how it was trained, the sha256 of every training task's data, and its leave-one-task-out
//! scores when they were measured. A file that cannot be read, is not such a model, or scores
//! another space is a [`MetaError`] that says which, never a panic.

use std::collections::HashMap;
use std::path::Path;

use candle_core::Device;
use serde::{Deserialize, Serialize};

use super::network::{Predictor, Settings};
use super::training::TrainOptions;
use crate::space::{Distribution, SearchSpace};

/// The header's format version.
const FORMAT: u32 = 1;
/// The metadata key of the header.
const KEY: &str = "hps";

/// Why a model cannot be used: what is wrong, and what to do.
pub type MetaError = crate::problem::Problem;

/// One parameter of the space a model scores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParamSignature {
    /// Its full name.
    pub name: String,
    /// Its domain.
    pub distribution: Distribution,
}

/// A task the model was trained on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskRecord {
    /// The studies' common name (or the study's).
    pub name: String,
    /// The sha256 of its rows ([`super::TaskRows::sha256`]).
    pub sha256: String,
    /// Rows, features and classes.
    pub rows: usize,
    /// Features per row.
    pub features: usize,
    /// Classes.
    pub classes: usize,
    /// Configurations with a score.
    pub configurations: usize,
}

/// The JSON header.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// [`FORMAT`].
    pub format: u32,
    /// The hps that wrote it.
    pub hps_version: String,
    /// The space it scores.
    pub space: Vec<ParamSignature>,
    /// Coordinates of a configuration's encoding.
    pub config_dims: usize,
    /// The predictor's sizes.
    pub settings: Settings,
    /// How it was trained.
    pub training: TrainOptions,
    /// What it was trained on.
    pub tasks: Vec<TaskRecord>,
    /// Leave-one-task-out AP@10 per held-out task, when measured.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub leave_one_task_out: Vec<(String, f64)>,
}

/// A model: its header and its predictor.
pub struct ModelFile {
    /// What the file says about itself.
    pub header: Header,
    /// The predictor.
    pub predictor: Predictor,
}

/// The signature of `space`: each parameter's name and distribution, in order.
#[must_use]
pub fn signature(space: &SearchSpace) -> Vec<ParamSignature> {
    space
        .params
        .iter()
        .map(|p| ParamSignature {
            name: p.name.clone(),
            distribution: p.distribution.clone(),
        })
        .collect()
}

impl ModelFile {
    /// A header for a predictor of `space` trained with `training` on `tasks`.
    #[must_use]
    pub fn header(
        space: &SearchSpace,
        predictor: &Predictor,
        training: TrainOptions,
        tasks: Vec<TaskRecord>,
    ) -> Header {
        Header {
            format: FORMAT,
            hps_version: env!("CARGO_PKG_VERSION").to_owned(),
            space: signature(space),
            config_dims: predictor.config_dims,
            settings: predictor.settings,
            training,
            tasks,
            leave_one_task_out: Vec::new(),
        }
    }

    /// Writes the model to `path` (through a partial file renamed into place).
    ///
    /// # Errors
    /// When the file cannot be written.
    pub fn save(&self, path: &Path) -> Result<(), MetaError> {
        let header = serde_json::to_string(&self.header)
            .map_err(|e| MetaError::new(format!("cannot encode the model's header: {e}")))?;
        let tensors = self.predictor.named_tensors();
        let bytes = safetensors::tensor::serialize(
            tensors.iter().map(|(n, t)| (n.as_str(), t)),
            Some(HashMap::from([(KEY.to_owned(), header)])),
        )
        .map_err(|e| MetaError::new(format!("cannot encode the model: {e}")))?;
        let partial = path.with_extension("partial");
        std::fs::write(&partial, bytes)
            .and_then(|()| std::fs::rename(&partial, path))
            .map_err(|e| MetaError::new(format!("cannot write {}: {e}", path.display())))
    }

    /// Reads the model at `path`.
    ///
    /// # Errors
    /// When the file cannot be read, is not an hps model, or its tensors do not fit its header.
    pub fn load(path: &Path, device: &Device) -> Result<Self, MetaError> {
        let bytes = crate::input_file::read(path, crate::input_file::DATA_LIMIT).map_err(|e| {
            MetaError::new(format!("cannot read the model {}: {e}", path.display()))
                .with_help("train one with `hps meta train`, or give the path of one")
        })?;
        let not_a_model = |why: String| {
            MetaError::new(format!("{} is not an hps model: {why}", path.display()))
                .with_help("`hps meta train` writes models; was the file cut short or replaced?")
        };
        let (_, metadata) = safetensors::SafeTensors::read_metadata(&bytes)
            .map_err(|e| not_a_model(e.to_string()))?;
        let header = metadata
            .metadata()
            .as_ref()
            .and_then(|m| m.get(KEY))
            .ok_or_else(|| not_a_model(String::from("it has no hps header")))?;
        let header: Header =
            serde_json::from_str(header).map_err(|e| not_a_model(format!("its header: {e}")))?;
        if header.format != FORMAT {
            return Err(MetaError::new(format!(
                "{} is a model of format {}; this hps reads format {FORMAT}",
                path.display(),
                header.format
            ))
            .with_help("train it again with this hps (`hps meta train`)"));
        }
        let tensors = candle_core::safetensors::load_buffer(&bytes, device)
            .map_err(|e| not_a_model(e.to_string()))?;
        // The weights are overwritten from the file: the seed only fixes the order of creation.
        let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(0);
        let predictor = Predictor::new(header.settings, header.config_dims, &mut rng, device)
            .map_err(|e| not_a_model(e.to_string()))?;
        predictor.load(&tensors).map_err(not_a_model)?;
        Ok(Self { header, predictor })
    }

    /// Whether the model scores `space`: `Err` names the first parameter that differs.
    ///
    /// # Errors
    /// A [`MetaError`] naming what differs.
    pub fn check_space(&self, space: &SearchSpace) -> Result<(), MetaError> {
        let here = signature(space);
        let there = &self.header.space;
        let help = "train a model on studies of this search space (`hps meta train`), or search the space the model was trained on";
        for (i, (a, b)) in there.iter().zip(&here).enumerate() {
            if a != b {
                let what = if a.name == b.name {
                    format!(
                        "`{}` is {} in the model and {} here",
                        a.name,
                        describe(&a.distribution),
                        describe(&b.distribution)
                    )
                } else {
                    format!(
                        "parameter {} is `{}` in the model and `{}` here",
                        i + 1,
                        a.name,
                        b.name
                    )
                };
                return Err(MetaError::new(format!(
                    "the model scores another search space: {what}"
                ))
                .with_help(help));
            }
        }
        if there.len() != here.len() {
            let names = |s: &[ParamSignature]| {
                s.iter()
                    .map(|p| format!("`{}`", p.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            return Err(MetaError::new(format!(
                "the model scores another search space: it has {} parameters ({}), this study {} ({})",
                there.len(),
                names(there),
                here.len(),
                names(&here)
            ))
            .with_help(help));
        }
        Ok(())
    }
}

/// A distribution in the language's words, for messages.
fn describe(d: &Distribution) -> String {
    serde_json::to_string(d).unwrap_or_else(|_| format!("{d:?}"))
}
