//! hps's own trainer: one Candle network per trial, trained epoch by epoch on a dataset that is put
//! on the device once (batches are gathered by index, never rebuilt), with per-epoch metrics
//! (`train.loss`, `train.accuracy` / `train.rmse`, `val.loss`, `val.accuracy` / `val.rmse`),
//! checkpoints after every epoch (model, optimiser state, epoch) so a trial can continue later, and a
//! diverged loss (NaN, ±∞) reported as a failure. When the dataset holds test rows back
//! (`split(test = …)`), the network is evaluated on them once, after the last epoch of its schedule,
//! and `test.*` metrics join that epoch's — after every decision that epoch's validation metrics
//! feed, since nothing reads them but the user (an objective cannot name them). Randomness (weights, shuffling, dropout) comes from
//! the trial's seed, so the same trial trains the same way on the same device.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use candle_core::{D, DType, Device, Tensor};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use crate::layers::Mode;
use crate::plan::network::instantiate;
use crate::plan::{ModelPlan, Plan};
use crate::seed::{self, derived_rng};
use crate::space::Config;
use crate::train::data::{Data, Examples, Targets};
use crate::train::model::Net;
use crate::train::optim::Optimizer;
use crate::train::recipe::Recipe;
use crate::trial::protocol::EpochProtocol;
use crate::trial::{EpochMetrics, EpochSink, Trainer, TrialEnd, TrialFailure, TrialRun};

/// The checkpoint's file name inside a trial's folder.
pub const CHECKPOINT: &str = "checkpoint.safetensors";

/// One split on the device.
pub(crate) struct DeviceSplit {
    inputs: Tensor,
    targets: Tensor,
    /// Examples.
    pub(crate) len: usize,
}

impl DeviceSplit {
    fn new(examples: &Examples, device: &Device) -> candle_core::Result<Self> {
        let len = examples.len();
        let mut shape = vec![len];
        shape.extend(&examples.input_shape);
        let inputs = Tensor::from_slice(&examples.inputs, shape.as_slice(), device)?;
        let targets = match &examples.targets {
            Targets::Classes { labels, .. } => Tensor::from_slice(labels, len, device)?,
            Targets::Values { values, outputs } => {
                Tensor::from_slice(values, (len, *outputs), device)?
            }
        };
        Ok(Self {
            inputs,
            targets,
            len,
        })
    }

    /// The examples at `indices` (a `u32` tensor): inputs and targets.
    pub(crate) fn batch(&self, indices: &Tensor) -> candle_core::Result<(Tensor, Tensor)> {
        Ok((
            self.inputs.index_select(indices, 0)?,
            self.targets.index_select(indices, 0)?,
        ))
    }
}

/// The built-in trainer for one study: the plan's model and recipe, the data on the device.
pub struct CandleTrainer {
    model: ModelPlan,
    device: Device,
    train: DeviceSplit,
    val: DeviceSplit,
    test: Option<DeviceSplit>,
    input_shape: Vec<usize>,
    outputs: usize,
    classification: bool,
}

impl CandleTrainer {
    /// Puts the data on `device` and keeps what each trial needs from `plan`.
    ///
    /// # Errors
    /// When the plan has no model, or the data does not fit on the device.
    pub fn new(plan: &Plan, data: &Data, device: Device) -> Result<Self, String> {
        crate::trial::training_env::split_only_large_multiplies();
        let model = plan.model.clone().ok_or("the study has no `model`")?;
        let err = |e: candle_core::Error| format!("cannot put the data on the device: {e}");
        Ok(Self {
            model,
            train: DeviceSplit::new(&data.train, &device).map_err(err)?,
            val: DeviceSplit::new(&data.val, &device).map_err(err)?,
            test: data
                .test
                .as_ref()
                .map(|test| DeviceSplit::new(test, &device))
                .transpose()
                .map_err(err)?,
            input_shape: data.train.input_shape.clone(),
            outputs: data.train.targets.outputs(),
            classification: matches!(data.train.targets, Targets::Classes { .. }),
            device,
        })
    }

    /// Number of trainable parameters of a configuration's network.
    ///
    /// # Errors
    /// When the architecture does not fit the data.
    pub fn parameter_count(&self, config: &Config) -> Result<u64, String> {
        let layers = instantiate(
            &self.model.layers,
            &self.model.model,
            config,
            &self.input_shape,
            self.outputs,
        )?;
        let mut rng = StdRng::seed_from_u64(0);
        let net = Net::build(&layers, &self.device, &mut rng)?;
        Ok(net.params().iter().map(|v| v.elem_count() as u64).sum())
    }

    /// The training split, on the device.
    pub(crate) fn train_split(&self) -> &DeviceSplit {
        &self.train
    }

    /// The validation split, on the device.
    pub(crate) fn val_split(&self) -> &DeviceSplit {
        &self.val
    }

    /// The model plan.
    pub(crate) fn model(&self) -> &ModelPlan {
        &self.model
    }

    /// The device the data lives on.
    pub(crate) fn device(&self) -> &Device {
        &self.device
    }

    /// One example's input shape, and the number of outputs.
    pub(crate) fn shapes(&self) -> (&[usize], usize) {
        (&self.input_shape, self.outputs)
    }

    /// Whether the task is classification (else regression).
    pub(crate) fn classification(&self) -> bool {
        self.classification
    }

    /// The training loss: cross-entropy (classification) or mean squared error.
    pub(crate) fn loss(&self, logits: &Tensor, targets: &Tensor) -> candle_core::Result<Tensor> {
        if self.classification {
            candle_nn::loss::cross_entropy(logits, targets)
        } else {
            candle_nn::loss::mse(logits, targets)
        }
    }

    /// Correct predictions in a batch (classification), as f64.
    pub(crate) fn correct(logits: &Tensor, targets: &Tensor) -> candle_core::Result<f64> {
        let predicted = logits.argmax(D::Minus1)?;
        let hits = predicted
            .eq(targets)?
            .to_dtype(DType::F32)?
            .sum_all()?
            .to_scalar::<f32>()?;
        Ok(f64::from(hits))
    }

    /// `net`'s metrics on the validation split: `val.loss`, and `val.accuracy` or `val.rmse`.
    pub(crate) fn val_metrics(
        &self,
        net: &Net,
        batch: usize,
    ) -> candle_core::Result<BTreeMap<String, f64>> {
        self.metrics_on(net, &self.val, "val", batch)
    }

    /// `split`'s metrics named `{prefix}.loss` and `{prefix}.accuracy` or `{prefix}.rmse`.
    fn metrics_on(
        &self,
        net: &Net,
        split: &DeviceSplit,
        prefix: &str,
        batch: usize,
    ) -> candle_core::Result<BTreeMap<String, f64>> {
        let (loss, accuracy) = self.evaluate_on(net, split, batch)?;
        Ok(self.named(prefix, loss, accuracy))
    }

    /// A split's metrics by name from its mean loss and accuracy: `{prefix}.loss`, then
    /// `{prefix}.accuracy` (classification) or `{prefix}.rmse` (regression).
    pub(crate) fn named(&self, prefix: &str, loss: f64, accuracy: f64) -> BTreeMap<String, f64> {
        let mut values = BTreeMap::from([(format!("{prefix}.loss"), loss)]);
        if self.classification {
            values.insert(format!("{prefix}.accuracy"), accuracy);
        } else {
            values.insert(format!("{prefix}.rmse"), loss.sqrt());
        }
        values
    }

    /// A split's mean loss and accuracy, evaluated `batch` examples at a time: the training batch
    /// size, so evaluation never needs more memory than a training step (a batch of 1,024 took a
    /// Fashion-MNIST CNN to 1.9 GB: Candle keeps every activation of a forward pass).
    fn evaluate_on(
        &self,
        net: &Net,
        split: &DeviceSplit,
        batch: usize,
    ) -> candle_core::Result<(f64, f64)> {
        let mut loss_sum = 0.0;
        let mut correct = 0.0;
        let mut start = 0;
        while start < split.len {
            let len = batch.max(1).min(split.len - start);
            let inputs = split.inputs.narrow(0, start, len)?;
            let targets = split.targets.narrow(0, start, len)?;
            let logits = net.forward(&inputs, &mut Mode::Eval)?;
            #[allow(clippy::cast_precision_loss)]
            let weight = len as f64;
            loss_sum += f64::from(self.loss(&logits, &targets)?.to_scalar::<f32>()?) * weight;
            if self.classification {
                correct += Self::correct(&logits, &targets)?;
            }
            start += len;
        }
        #[allow(clippy::cast_precision_loss)]
        let n = split.len.max(1) as f64;
        Ok((loss_sum / n, correct / n))
    }
}

fn failure(e: &candle_core::Error) -> TrialFailure {
    TrialFailure::new(format!("training failed: {e}"))
}

impl Trainer for CandleTrainer {
    fn writes_checkpoints(&self) -> bool {
        true
    }

    fn train(&self, run: &TrialRun, sink: &mut dyn EpochSink) -> Result<TrialEnd, TrialFailure> {
        let layers = instantiate(
            &self.model.layers,
            &self.model.model,
            &run.config,
            &self.input_shape,
            self.outputs,
        )
        .map_err(TrialFailure::new)?;
        let net = Net::build(
            &layers,
            &self.device,
            &mut derived_rng(run.seed, seed::WEIGHTS),
        )
        .map_err(TrialFailure::new)?;
        // Schedules span the recipe's `epochs` (a promoted trial's rungs are parts of one schedule).
        let horizon = crate::trial::recipe_epochs(&run.config)
            .map_or(run.max_epochs, |e| e.max(run.max_epochs));
        let recipe = Recipe::from(&run.config, horizon)?;
        let mut optimizer = Optimizer::new(
            recipe.rule,
            net.params(),
            recipe.momentum,
            recipe.weight_decay,
        );
        let checkpoint = run.dir.join(CHECKPOINT);
        if run.start_epoch > 0 {
            load_checkpoint(
                &checkpoint,
                &net,
                &mut optimizer,
                run.start_epoch,
                &self.device,
            )?;
        }
        let batch = recipe.batch_size.min(self.train.len.max(1));
        let mut order: Vec<u32> = (0..u32::try_from(self.train.len).unwrap_or(u32::MAX)).collect();
        let mut protocol = EpochProtocol::new(run, sink);
        loop {
            if let Some(end) = protocol.before_epoch() {
                return Ok(end);
            }
            let epoch = protocol.epochs();
            // Each epoch's order depends only on (seed, epoch), so a resumed trial batches as an
            // uninterrupted one would.
            let mut rng = seed::epoch_rng(run.seed, epoch);
            order.sort_unstable();
            order.shuffle(&mut rng);
            let permutation =
                Tensor::from_slice(&order, order.len(), &self.device).map_err(|e| failure(&e))?;
            let lr = recipe.schedule.lr_at(epoch);
            let (mut loss_sum, mut correct) = (0.0, 0.0);
            let mut start = 0;
            while start < self.train.len {
                let len = batch.min(self.train.len - start);
                let step = (|| -> candle_core::Result<(f64, f64)> {
                    let (inputs, targets) =
                        self.train.batch(&permutation.narrow(0, start, len)?)?;
                    let logits = net.forward(&inputs, &mut Mode::Train(&mut rng))?;
                    let loss = self.loss(&logits, &targets)?;
                    let value = f64::from(loss.to_scalar::<f32>()?);
                    if !value.is_finite() {
                        return Ok((value, 0.0));
                    }
                    optimizer.step(&loss.backward()?, lr)?;
                    let hits = if self.classification {
                        Self::correct(&logits, &targets)?
                    } else {
                        0.0
                    };
                    Ok((value, hits))
                })();
                let (value, hits) = step.map_err(|e| failure(&e))?;
                if !value.is_finite() {
                    return Err(TrialFailure::new(format!(
                        "diverged: the training loss became {value} in epoch {}",
                        epoch + 1
                    )));
                }
                #[allow(clippy::cast_precision_loss)]
                let weight = len as f64;
                loss_sum += value * weight;
                correct += hits;
                start += len;
            }
            #[allow(clippy::cast_precision_loss)]
            let n = self.train.len.max(1) as f64;
            let val = self.val_metrics(&net, batch).map_err(|e| failure(&e))?;
            let val_loss = val["val.loss"];
            if !val_loss.is_finite() {
                return Err(TrialFailure::new(format!(
                    "diverged: the validation loss became {val_loss} in epoch {}",
                    epoch + 1
                )));
            }
            let mut values = self.named("train", loss_sum / n, correct / n);
            values.extend(val);
            let done = epoch + 1;
            if done >= horizon {
                if let Some(test) = &self.test {
                    values.extend(
                        self.metrics_on(&net, test, "test", batch)
                            .map_err(|e| failure(&e))?,
                    );
                }
            }
            save_checkpoint(&run.dir, &net, &optimizer, done, &self.device)?;
            if let Some(end) = protocol.report(EpochMetrics {
                epoch: done,
                values,
            }) {
                return Ok(end);
            }
        }
    }
}

/// Writes the model, optimiser state and epoch, atomically (a temporary file renamed).
fn save_checkpoint(
    dir: &Path,
    net: &Net,
    optimizer: &Optimizer,
    epoch: u32,
    device: &Device,
) -> Result<(), TrialFailure> {
    let io = |e: &dyn std::fmt::Display| {
        TrialFailure::new(format!(
            "cannot write the checkpoint in {}: {e}",
            dir.display()
        ))
    };
    std::fs::create_dir_all(dir).map_err(|e| io(&e))?;
    let mut tensors: HashMap<String, Tensor> = net
        .named()
        .into_iter()
        .map(|(n, v)| (format!("net.{n}"), v.as_tensor().clone()))
        .collect();
    tensors.extend(optimizer.state(device).map_err(|e| io(&e))?);
    tensors.insert(
        String::from("epoch"),
        Tensor::new(&[f64::from(epoch)], device).map_err(|e| io(&e))?,
    );
    let tmp: PathBuf = dir.join(format!("{CHECKPOINT}.tmp"));
    candle_core::safetensors::save(&tensors, &tmp).map_err(|e| io(&e))?;
    std::fs::rename(&tmp, dir.join(CHECKPOINT)).map_err(|e| io(&e))
}

fn load_checkpoint(
    path: &Path,
    net: &Net,
    optimizer: &mut Optimizer,
    epoch: u32,
    device: &Device,
) -> Result<(), TrialFailure> {
    let bad = |e: &dyn std::fmt::Display| {
        TrialFailure::new(format!("cannot resume from {}: {e}", path.display()))
    };
    let tensors = candle_core::safetensors::load(path, device).map_err(|e| bad(&e))?;
    let saved = tensors
        .get("epoch")
        .and_then(|t| t.to_vec1::<f64>().ok())
        .and_then(|v| v.first().copied())
        .ok_or_else(|| bad(&"no epoch recorded"))?;
    if (saved - f64::from(epoch)).abs() > 0.5 {
        return Err(bad(&format!("it holds epoch {saved}, not {epoch}")));
    }
    let net_tensors: HashMap<String, Tensor> = tensors
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("net.").map(|n| (n.to_owned(), v.clone())))
        .collect();
    net.load(&net_tensors).map_err(|e| bad(&e))?;
    optimizer.load(&tensors).map_err(|e| bad(&e))
}
