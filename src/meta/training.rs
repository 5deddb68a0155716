//! Training the task-aware predictor on earlier tasks (Mittal et al. §3.2): each step reads a batch
//! of one task's rows and scores a sample of its configurations against their standardised scores
//! (`(v − μ)/σ` over the task's configurations: regression that ranks), and adds
//!
//! - `α·L_sim`: the cosine similarity of two tasks' embeddings pulled towards the overlap of their
//!   top-10 configurations (the share of the ten they have in common), so tasks that like the same
//!   configurations sit close;
//! - `β·L_adv`: a discriminator learns to tell a batch's embedding from the task's global embedding
//!   (the mean of its last `window` batch embeddings) and the encoder learns to fool it, so one
//!   batch already embeds like the whole task.
//!
//! Seeded: the same tasks, options and seed give the same predictor.

use std::collections::{HashSet, VecDeque};

use candle_core::{Device, Tensor};
use rand::rngs::StdRng;
use rand::seq::index::sample;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use super::MetaError;
use super::network::{Predictor, Settings};
use super::task::TaskRows;
use crate::train::optim::{Optimizer, Rule};

/// How the predictor is trained.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TrainOptions {
    /// Optimiser steps (one task batch each).
    pub steps: usize,
    /// Adam's learning rate.
    pub lr: f64,
    /// Weight of the similarity loss.
    pub alpha: f64,
    /// Weight of the adversarial loss.
    pub beta: f64,
    /// Configurations scored per step and task.
    pub configs_per_step: usize,
    /// Batch embeddings averaged into a task's global embedding.
    pub window: usize,
    /// The seed of the weights and of every draw.
    pub seed: u64,
    /// Share of the listwise loss in `L_perf` (ListNet: the cross-entropy of the predicted scores'
    /// softmax against the targets' softmax at [`TrainOptions::sharpness`]); the rest is the squared
    /// error. Absent in older models: 0.
    #[serde(default)]
    pub listwise: f64,
    /// How sharply the listwise loss's target favours the best configurations (the standardised
    /// targets are multiplied by it before the softmax).
    #[serde(default = "default_sharpness")]
    pub sharpness: f64,
    /// Whether the learning rate falls from `lr` to 0 along a half cosine over the steps (else it
    /// stays at `lr`). Absent in older models: off.
    #[serde(default)]
    pub anneal: bool,
}

fn default_sharpness() -> f64 {
    2.0
}

impl Default for TrainOptions {
    fn default() -> Self {
        Self {
            steps: 300,
            lr: 2e-3,
            alpha: 0.5,
            beta: 0.0,
            configs_per_step: 32,
            window: 8,
            seed: 0,
            listwise: 0.0,
            sharpness: default_sharpness(),
            anneal: false,
        }
    }
}

/// A meta-training task: its rows, and the configurations measured on it (encoded) with their
/// scores (higher is better).
#[derive(Debug, Clone)]
pub struct MetaTask {
    /// Its name.
    pub name: String,
    /// Its training rows.
    pub rows: TaskRows,
    /// Each configuration's encoding ([`crate::space::encoding::Encoder`]).
    pub configs: Vec<Vec<f32>>,
    /// Each configuration's score.
    pub scores: Vec<f64>,
}

impl MetaTask {
    /// The scores standardised over the task's configurations (all 0 when they are all equal).
    #[must_use]
    pub fn targets(&self) -> Vec<f32> {
        standardise(&self.scores)
    }

    /// The indexes of the `k` best configurations.
    #[must_use]
    pub fn top(&self, k: usize) -> Vec<usize> {
        let mut best = super::ranking::order(&self.scores);
        best.truncate(k);
        best
    }
}

/// `(v − μ)/σ`, or zeros when σ = 0.
#[must_use]
#[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
pub fn standardise(values: &[f64]) -> Vec<f32> {
    let n = values.len().max(1) as f64;
    let mean = values.iter().sum::<f64>() / n;
    let sd = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
    values
        .iter()
        .map(|v| {
            if sd > 0.0 {
                ((v - mean) / sd) as f32
            } else {
                0.0
            }
        })
        .collect()
}

/// A configuration's encoding as a key (its bits).
#[must_use]
pub fn config_key(encoded: &[f32]) -> Vec<u32> {
    encoded.iter().map(|x| x.to_bits()).collect()
}

/// For every pair of tasks, the share of their top-10 configurations they have in common.
#[allow(clippy::cast_precision_loss)]
fn top_overlaps(tasks: &[MetaTask]) -> Vec<Vec<f64>> {
    let tops: Vec<HashSet<Vec<u32>>> = tasks
        .iter()
        .map(|t| {
            t.top(10)
                .into_iter()
                .map(|i| config_key(&t.configs[i]))
                .collect()
        })
        .collect();
    tops.iter()
        .map(|a| {
            tops.iter()
                .map(|b| a.intersection(b).count() as f64 / a.len().min(b.len()).max(1) as f64)
                .collect()
        })
        .collect()
}

/// Binary cross-entropy of `logits` against the constant `target` (0 or 1), computed stably.
fn bce(logits: &Tensor, target: f64) -> candle_core::Result<Tensor> {
    let softplus = (logits.abs()?.neg()?.exp()? + 1.0)?.log()?;
    ((logits.relu()? - (logits * target)?)? + softplus)?.mean_all()
}

fn cosine(a: &Tensor, b: &Tensor) -> candle_core::Result<Tensor> {
    let dot = (a * b)?.sum_all()?;
    let norms = (a.sqr()?.sum_all()?.sqrt()? * b.sqr()?.sum_all()?.sqrt()?)?;
    dot / (norms + 1e-8)?
}

/// ListNet's loss: the cross-entropy of `softmax(predicted)` against `softmax(sharpness · wanted)`.
#[allow(clippy::cast_possible_truncation)]
fn listnet(predicted: &Tensor, wanted: &[f32], sharpness: f64) -> candle_core::Result<Tensor> {
    let top = wanted.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let weights: Vec<f32> = wanted
        .iter()
        .map(|w| ((w - top) * sharpness as f32).exp())
        .collect();
    let total: f32 = weights.iter().sum();
    let target: Vec<f32> = weights.iter().map(|w| w / total).collect();
    let target = Tensor::from_slice(&target, wanted.len(), predicted.device())?;
    let log_softmax = candle_nn::ops::log_softmax(predicted, 0)?;
    (target * log_softmax)?.sum_all()?.neg()
}

/// One task's part of a step: its batch embedding and the squared error of its sampled scores.
fn task_step(
    predictor: &Predictor,
    task: &MetaTask,
    targets: &[f32],
    options: &TrainOptions,
    rng: &mut StdRng,
    device: &Device,
) -> candle_core::Result<(Tensor, Tensor)> {
    let settings = predictor.settings;
    let (x, y) = task
        .rows
        .batch(settings.rows, settings.columns, rng, device)?;
    let embedding = predictor.task_embedding(&x, &y, &task.rows.meta_features())?;
    let m = options.configs_per_step.min(task.configs.len()).max(1);
    let picked = sample(rng, task.configs.len(), m).into_vec();
    let dims = predictor.config_dims.max(1);
    let mut flat = Vec::with_capacity(m * dims);
    for &i in &picked {
        let mut config = task.configs[i].clone();
        config.resize(dims, 0.0);
        flat.extend(config);
    }
    let configs = Tensor::from_vec(flat, (m, dims), device)?;
    let wanted: Vec<f32> = picked.iter().map(|&i| targets[i]).collect();
    let predicted = predictor.scores(&embedding, &predictor.config_embedding(&configs)?)?;
    let mut error = Tensor::zeros((), candle_core::DType::F32, device)?;
    if options.listwise < 1.0 {
        let target = Tensor::from_slice(&wanted, m, device)?;
        let mse = (&predicted - target)?.sqr()?.mean_all()?;
        error = (error + (mse * (1.0 - options.listwise))?)?;
    }
    if options.listwise > 0.0 {
        let listnet = listnet(&predicted, &wanted, options.sharpness)?;
        error = (error + (listnet * options.listwise)?)?;
    }
    Ok((embedding, error))
}

/// Trains a predictor of configurations encoded in `config_dims` coordinates on `tasks`, calling
/// `progress(step, loss)` after each step.
///
/// # Errors
/// With no task, a task without configurations, or a Candle failure.
pub fn train(
    tasks: &[MetaTask],
    config_dims: usize,
    settings: Settings,
    options: &TrainOptions,
    device: &Device,
    progress: &mut dyn FnMut(usize, f64),
) -> Result<Predictor, MetaError> {
    if tasks.is_empty() {
        return Err(MetaError::new("no task to learn from"));
    }
    if let Some(t) = tasks.iter().find(|t| t.configs.is_empty()) {
        return Err(MetaError::new(format!(
            "task `{}` has no configuration with a score",
            t.name
        )));
    }
    let candle = |e: candle_core::Error| MetaError::new(format!("training failed: {e}"));
    let mut rng = StdRng::seed_from_u64(options.seed);
    let predictor = Predictor::new(settings, config_dims, &mut rng, device).map_err(candle)?;
    let mut optimiser = Optimizer::new(Rule::Adam, predictor.vars(), 0.0, 0.0);
    let mut judge = Optimizer::new(Rule::Adam, predictor.discriminator_vars(), 0.0, 0.0);
    let targets: Vec<Vec<f32>> = tasks.iter().map(MetaTask::targets).collect();
    let overlap = top_overlaps(tasks);
    let mut globals: Vec<VecDeque<Tensor>> = vec![VecDeque::new(); tasks.len()];
    for step in 0..options.steps {
        #[allow(clippy::cast_precision_loss)]
        let lr = if options.anneal {
            options.lr
                * 0.5
                * (1.0 + (std::f64::consts::PI * step as f64 / options.steps as f64).cos())
        } else {
            options.lr
        };
        let t = rng.random_range(0..tasks.len());
        let (embedding, mut loss) = task_step(
            &predictor,
            &tasks[t],
            &targets[t],
            options,
            &mut rng,
            device,
        )
        .map_err(candle)?;
        if tasks.len() > 1 && options.alpha > 0.0 {
            let u = (t + rng.random_range(1..tasks.len())) % tasks.len();
            let (other, error) = task_step(
                &predictor,
                &tasks[u],
                &targets[u],
                options,
                &mut rng,
                device,
            )
            .map_err(candle)?;
            let similarity = (cosine(&embedding, &other).map_err(candle)? - overlap[t][u])
                .and_then(|d| d.sqr())
                .map_err(candle)?;
            loss = ((((loss + error).map_err(candle)? * 0.5).map_err(candle)?)
                + (similarity * options.alpha).map_err(candle)?)
            .map_err(candle)?;
        }
        let global = match globals[t].len() {
            0 => embedding.detach(),
            n => (Tensor::cat(&globals[t].iter().collect::<Vec<_>>(), 0)
                .and_then(|g| g.sum_keepdim(0))
                .map_err(candle)?
                / n as f64)
                .map_err(candle)?,
        };
        if options.beta > 0.0 {
            let fool =
                bce(&predictor.discriminate(&embedding).map_err(candle)?, 1.0).map_err(candle)?;
            loss = (loss + (fool * options.beta).map_err(candle)?).map_err(candle)?;
        }
        let grads = loss.backward().map_err(candle)?;
        optimiser.step(&grads, lr).map_err(candle)?;
        if options.beta > 0.0 {
            let real = bce(&predictor.discriminate(&global).map_err(candle)?, 1.0);
            let fake = bce(
                &predictor
                    .discriminate(&embedding.detach())
                    .map_err(candle)?,
                0.0,
            );
            let judged = (real.map_err(candle)? + fake.map_err(candle)?).map_err(candle)?;
            let grads = judged.backward().map_err(candle)?;
            judge.step(&grads, lr).map_err(candle)?;
        }
        globals[t].push_back(embedding.detach());
        if globals[t].len() > options.window.max(1) {
            globals[t].pop_front();
        }
        let value = loss.to_scalar::<f32>().map(f64::from).map_err(candle)?;
        progress(step + 1, value);
    }
    Ok(predictor)
}
