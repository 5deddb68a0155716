//! One epoch of the AutoHAS search over the training split, in batches. The controller samples a
//! configuration (uniformly during warm-up); its path takes `steps` optimiser steps on training
//! batches with the sampled hyperparameters (learning rate, weight decay, momentum, dropout, batch
//! size), which turns the shared weights `W` into `W'`; after warm-up, the objective of `W'` on a
//! validation batch is the reward the controller learns from by REINFORCE; `W'` is kept as the new
//! shared weights. One step is the paper's look-ahead; several lengthen the horizon the reward
//! judges, against the one-step reward's preference for small learning rates. At the end, the leading configuration's path is evaluated on the whole
//! validation split.

use std::collections::BTreeMap;

use candle_core::Tensor;
use rand::seq::SliceRandom;

use super::controller::Controller;
use super::supernet::SuperNet;
use crate::layers::Mode;
use crate::plan::{Direction, Objective};
use crate::seed::derived_rng;
use crate::space::SearchSpace;
use crate::train::optim::Settings;
use crate::train::recipe::Recipe;
use crate::train::trainer::CandleTrainer;

/// What one epoch did, as the store keeps it and the progress line shows it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EpochRecord {
    /// The epoch (1-based).
    pub epoch: u32,
    /// Whether the controller learnt (false during warm-up).
    pub searching: bool,
    /// Optimiser steps taken.
    pub steps: u32,
    /// The controller's updates: one per sampled configuration once its steps are taken (none
    /// during warm-up).
    #[serde(default)]
    pub rewards: u32,
    /// The mean training loss of the sampled paths.
    pub train_loss: f64,
    /// The mean reward (none during warm-up).
    pub mean_reward: Option<f64>,
    /// The baseline after the epoch.
    pub baseline: Option<f64>,
    /// The leading configuration's validation metrics (`val.loss`, `val.accuracy` / `val.rmse`).
    pub leading: BTreeMap<String, f64>,
    /// Every parameter's distribution after the epoch.
    pub probabilities: BTreeMap<String, Vec<f64>>,
}

/// Why an epoch could not finish.
#[derive(Debug, Clone, PartialEq)]
pub enum EpochError {
    /// A loss or reward stopped being finite.
    Diverged(String),
    /// Anything else (a Candle failure, a configuration that cannot be built).
    Failed(String),
}

/// The fixed parts of a search.
pub struct Search<'a> {
    /// The data, loss and evaluation.
    pub trainer: &'a CandleTrainer,
    /// The study's search space.
    pub space: &'a SearchSpace,
    /// The objective, whose value on a validation batch is the reward.
    pub objective: &'a Objective,
    /// Epochs of the whole search (learning-rate schedules span them).
    pub epochs: u32,
    /// Epochs of uniform sampling before the controller learns.
    pub warmup: u32,
    /// Training steps a sampled configuration takes before it is rewarded (at least 1).
    pub steps: u32,
    /// The search's seed ([`crate::seed::AUTOHAS`] of the study's).
    pub seed: u64,
}

/// A validation batch's metrics by name (`val.loss`, `val.accuracy` / `val.rmse`).
fn batch_metrics(
    trainer: &CandleTrainer,
    logits: &Tensor,
    targets: &Tensor,
) -> candle_core::Result<BTreeMap<String, f64>> {
    let loss = f64::from(trainer.loss(logits, targets)?.to_scalar::<f32>()?);
    let accuracy = if trainer.classification() {
        #[allow(clippy::cast_precision_loss)]
        let n = logits.dim(0)?.max(1) as f64;
        CandleTrainer::correct(logits, targets)? / n
    } else {
        0.0
    };
    Ok(trainer.named("val", loss, accuracy))
}

/// `name = value, …` of a configuration.
fn describe(config: &crate::space::Config) -> String {
    config
        .iter()
        .map(|(k, v)| format!("{k} = {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether `search` can reward `objective`: a validation metric the built-in trainer reports.
///
/// # Errors
/// What the objective must be instead.
pub fn check_objective(objective: &Objective, classification: bool) -> Result<(), String> {
    let allowed: &[&str] = if classification {
        &["val.loss", "val.accuracy"]
    } else {
        &["val.loss", "val.rmse"]
    };
    if allowed.contains(&objective.metric.as_str()) {
        Ok(())
    } else {
        Err(format!(
            "AutoHAS rewards the objective on validation batches; `{}` is not one of {}",
            objective.metric,
            allowed.join(", ")
        ))
    }
}

impl Search<'_> {
    /// The reward of a batch's metrics: the objective's metric, negated when minimised.
    fn reward(&self, metrics: &BTreeMap<String, f64>) -> f64 {
        let value = metrics
            .get(&self.objective.metric)
            .copied()
            .unwrap_or(f64::NAN);
        match self.objective.direction {
            Direction::Maximize => value,
            Direction::Minimize => -value,
        }
    }

    /// Trains epoch `epoch` (0-based) of the search.
    ///
    /// # Errors
    /// A divergence or a failure, with the epoch and what went wrong.
    pub fn epoch(
        &self,
        net: &mut SuperNet,
        controller: &mut Controller,
        epoch: u32,
    ) -> Result<EpochRecord, EpochError> {
        let failed = |e: &dyn std::fmt::Display| EpochError::Failed(e.to_string());
        let train = self.trainer.train_split();
        let val = self.trainer.val_split();
        let device = self.trainer.device();
        // Each epoch draws from its own stream, so a resumed search samples as an uninterrupted one.
        let mut rng = derived_rng(self.seed, u64::from(epoch));
        let searching = epoch >= self.warmup;
        let mut order: Vec<u32> = (0..u32::try_from(train.len).unwrap_or(u32::MAX)).collect();
        order.shuffle(&mut rng);
        let mut val_order: Vec<u32> = (0..u32::try_from(val.len).unwrap_or(u32::MAX)).collect();
        val_order.shuffle(&mut rng);
        let (mut loss_sum, mut reward_sum, mut steps, mut rewards) = (0.0, 0.0, 0u32, 0u32);
        let (mut start, mut val_start) = (0, 0);
        // The configuration being trained and the steps it has taken since it was sampled.
        let mut held: Option<(super::controller::Sample, crate::space::Config, Recipe, u32)> = None;
        while start < train.len {
            let (sample, config, recipe, mut taken) = match held.take() {
                Some(held) => held,
                None => {
                    let sample = controller
                        .sample(self.space, &mut rng, !searching)
                        .map_err(EpochError::Failed)?;
                    let config = self.space.complete(&sample.config);
                    let recipe =
                        Recipe::from(&config, self.epochs).map_err(|e| failed(&e.reason))?;
                    (sample, config, recipe, 0)
                }
            };
            let len = recipe.batch_size.min(train.len - start);
            let indices = Tensor::from_slice(&order[start..start + len], len, device)
                .map_err(|e| failed(&e))?;
            start += len;
            let (inputs, targets) = train.batch(&indices).map_err(|e| failed(&e))?;
            let path = net.path(&config).map_err(EpochError::Failed)?;
            let logits = path
                .forward(&inputs, &mut Mode::Train(&mut rng))
                .map_err(|e| failed(&e))?;
            let loss = self
                .trainer
                .loss(&logits, &targets)
                .map_err(|e| failed(&e))?;
            let value = f64::from(loss.to_scalar::<f32>().map_err(|e| failed(&e))?);
            if !value.is_finite() {
                return Err(EpochError::Diverged(format!(
                    "the training loss became {value} in epoch {} (configuration {})",
                    epoch + 1,
                    describe(&sample.config)
                )));
            }
            let grads = loss.backward().map_err(|e| failed(&e))?;
            let settings = Settings {
                rule: recipe.rule,
                lr: recipe.schedule.lr_at(epoch),
                momentum: recipe.momentum,
                weight_decay: recipe.weight_decay,
            };
            net.step(&config, &grads, &settings)
                .map_err(|e| failed(&e))?;
            loss_sum += value;
            steps += 1;
            taken += 1;
            // Rewarded after its steps, or when the epoch's batches run out before them.
            let due = taken >= self.steps.max(1) || start >= train.len;
            if due && searching && val.len > 0 {
                let vlen = len.min(val.len);
                if val_start + vlen > val.len {
                    val_start = 0;
                }
                let indices =
                    Tensor::from_slice(&val_order[val_start..val_start + vlen], vlen, device)
                        .map_err(|e| failed(&e))?;
                val_start += vlen;
                let (inputs, targets) = val.batch(&indices).map_err(|e| failed(&e))?;
                let path = net.path(&config).map_err(EpochError::Failed)?;
                let logits = path
                    .forward(&inputs, &mut Mode::Eval)
                    .map_err(|e| failed(&e))?;
                let batch =
                    batch_metrics(self.trainer, &logits, &targets).map_err(|e| failed(&e))?;
                let reward = self.reward(&batch);
                if !reward.is_finite() {
                    return Err(EpochError::Diverged(format!(
                        "the reward became {reward} in epoch {} (configuration {})",
                        epoch + 1,
                        describe(&sample.config)
                    )));
                }
                controller.update(&sample.picks, reward);
                reward_sum += reward;
                rewards += 1;
            }
            if !due {
                held = Some((sample, config, recipe, taken));
            }
        }
        let leading = self.space.complete(&controller.result(self.space));
        let path = net.path(&leading).map_err(EpochError::Failed)?;
        let batch = Recipe::from(&leading, self.epochs)
            .map_err(|e| failed(&e.reason))?
            .batch_size;
        let values = self
            .trainer
            .val_metrics(path, batch)
            .map_err(|e| failed(&e))?;
        Ok(EpochRecord {
            epoch: epoch + 1,
            searching,
            steps,
            rewards,
            train_loss: loss_sum / f64::from(steps.max(1)),
            mean_reward: (rewards > 0).then(|| reward_sum / f64::from(rewards)),
            baseline: controller.baseline,
            leading: values,
            probabilities: controller
                .choices
                .iter()
                .map(|c| (c.name.clone(), c.probabilities()))
                .collect(),
        })
    }
}
