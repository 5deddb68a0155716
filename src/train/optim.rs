//! Optimisers with PyTorch's update rules: SGD with momentum and (coupled) weight decay, Adam with
//! L2 weight decay, AdamW with decoupled weight decay. Written here rather than taken from
//! `candle-nn` because their state (momentum buffers, moments, step count) must go into checkpoints
//! so a promoted or resumed trial continues exactly. Read by the trainer.

use std::collections::HashMap;

use candle_core::backprop::GradStore;
use candle_core::{DType, Device, Tensor, Var};

/// Which update rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// `buf = μ·buf + g; p -= lr·buf` with `g = ∇ + wd·p`.
    Sgd,
    /// Adam with `g = ∇ + wd·p`.
    Adam,
    /// Adam with decoupled decay: `p -= lr·wd·p` before the Adam step.
    AdamW,
}

impl Rule {
    /// The rule a recipe's `optimizer` names.
    #[must_use]
    pub fn named(name: &str) -> Option<Self> {
        Some(match name {
            "sgd" => Rule::Sgd,
            "adam" => Rule::Adam,
            "adamw" => Rule::AdamW,
            _ => return None,
        })
    }
}

const BETA1: f64 = 0.9;
const BETA2: f64 = 0.999;
const EPS: f64 = 1e-8;

/// One update's rule and hyperparameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// The update rule.
    pub rule: Rule,
    /// The learning rate.
    pub lr: f64,
    /// SGD's momentum.
    pub momentum: f64,
    /// The L2 penalty (decoupled for AdamW).
    pub weight_decay: f64,
}

/// A parameter's momentum buffer (SGD) or first moment (Adam), and its second moment (Adam).
pub type Moments = (Option<Tensor>, Option<Tensor>);

/// Updates `var` by `grad` under `settings`, as its `step`-th update (Adam's bias correction);
/// returns its new moments.
///
/// # Errors
/// On a Candle failure.
pub fn update(
    var: &Var,
    grad: &Tensor,
    (first, second): Moments,
    settings: &Settings,
    step: u64,
) -> candle_core::Result<Moments> {
    let Settings {
        rule,
        lr,
        momentum,
        weight_decay,
    } = *settings;
    #[allow(clippy::cast_possible_truncation, clippy::cast_possible_wrap)]
    let t = step.min(i32::MAX as u64) as i32;
    let p = var.as_tensor();
    let grad = if weight_decay > 0.0 && rule != Rule::AdamW {
        grad.add(&p.affine(weight_decay, 0.0)?)?
    } else {
        grad.clone()
    };
    match rule {
        Rule::Sgd => {
            if momentum > 0.0 {
                let buf = match first {
                    Some(buf) => buf.affine(momentum, 0.0)?.add(&grad)?,
                    None => grad,
                };
                var.set(&p.sub(&buf.affine(lr, 0.0)?)?)?;
                Ok((Some(buf), second))
            } else {
                var.set(&p.sub(&grad.affine(lr, 0.0)?)?)?;
                Ok((first, second))
            }
        }
        Rule::Adam | Rule::AdamW => {
            let p = if rule == Rule::AdamW && weight_decay > 0.0 {
                p.affine(1.0 - lr * weight_decay, 0.0)?
            } else {
                p.clone()
            };
            let m = match first {
                Some(m) => m.affine(BETA1, 0.0)?.add(&grad.affine(1.0 - BETA1, 0.0)?)?,
                None => grad.affine(1.0 - BETA1, 0.0)?,
            };
            let g2 = grad.sqr()?;
            let v = match second {
                Some(v) => v.affine(BETA2, 0.0)?.add(&g2.affine(1.0 - BETA2, 0.0)?)?,
                None => g2.affine(1.0 - BETA2, 0.0)?,
            };
            let m_hat = m.affine(1.0 / (1.0 - BETA1.powi(t)), 0.0)?;
            let v_hat = v.affine(1.0 / (1.0 - BETA2.powi(t)), 0.0)?;
            let update = m_hat.div(&v_hat.sqrt()?.affine(1.0, EPS)?)?;
            var.set(&p.sub(&update.affine(lr, 0.0)?)?)?;
            Ok((Some(m), Some(v)))
        }
    }
}

/// An optimiser over a fixed list of parameters.
pub struct Optimizer {
    rule: Rule,
    params: Vec<Var>,
    momentum: f64,
    weight_decay: f64,
    /// Momentum buffer (SGD) or first moment (Adam), per parameter.
    first: Vec<Option<Tensor>>,
    /// Second moment (Adam), per parameter.
    second: Vec<Option<Tensor>>,
    steps: u64,
}

impl Optimizer {
    /// An optimiser for `params`.
    #[must_use]
    pub fn new(rule: Rule, params: Vec<Var>, momentum: f64, weight_decay: f64) -> Self {
        let n = params.len();
        Self {
            rule,
            params,
            momentum,
            weight_decay,
            first: vec![None; n],
            second: vec![None; n],
            steps: 0,
        }
    }

    /// One update with learning rate `lr`.
    ///
    /// # Errors
    /// On a Candle failure.
    pub fn step(&mut self, grads: &GradStore, lr: f64) -> candle_core::Result<()> {
        self.steps += 1;
        let settings = Settings {
            rule: self.rule,
            lr,
            momentum: self.momentum,
            weight_decay: self.weight_decay,
        };
        for (i, var) in self.params.iter().enumerate() {
            let Some(grad) = grads.get(var.as_tensor()) else {
                continue;
            };
            let (first, second) = update(
                var,
                grad,
                (self.first[i].take(), self.second[i].take()),
                &settings,
                self.steps,
            )?;
            self.first[i] = first;
            self.second[i] = second;
        }
        Ok(())
    }

    /// The state as named tensors, for a checkpoint.
    ///
    /// # Errors
    /// On a Candle failure.
    pub fn state(&self, device: &Device) -> candle_core::Result<Vec<(String, Tensor)>> {
        let mut out = Vec::new();
        for (i, (a, b)) in self.first.iter().zip(&self.second).enumerate() {
            if let Some(a) = a {
                out.push((format!("optimizer.{i}.first"), a.clone()));
            }
            if let Some(b) = b {
                out.push((format!("optimizer.{i}.second"), b.clone()));
            }
        }
        #[allow(clippy::cast_precision_loss)]
        out.push((
            String::from("optimizer.steps"),
            Tensor::new(&[self.steps as f64], device)?,
        ));
        Ok(out)
    }

    /// Restores a state saved by [`Optimizer::state`].
    ///
    /// # Errors
    /// On a Candle failure or a missing step count.
    pub fn load(&mut self, tensors: &HashMap<String, Tensor>) -> candle_core::Result<()> {
        for i in 0..self.params.len() {
            let device = self.params[i].device().clone();
            self.first[i] = tensors
                .get(&format!("optimizer.{i}.first"))
                .map(|t| t.to_device(&device))
                .transpose()?;
            self.second[i] = tensors
                .get(&format!("optimizer.{i}.second"))
                .map(|t| t.to_device(&device))
                .transpose()?;
        }
        let steps = tensors
            .get("optimizer.steps")
            .ok_or_else(|| {
                candle_core::Error::Msg(String::from("checkpoint has no optimizer step count"))
            })?
            .to_dtype(DType::F64)?
            .to_vec1::<f64>()?;
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let steps = steps.first().copied().unwrap_or(0.0) as u64;
        self.steps = steps;
        Ok(())
    }
}
