//! The task-aware predictor `v = f(g(D), h(c))` and the discriminator of its adversarial loss.
//!
//! - `g`, the task encoder, reads a batch of rows `x` `[n, d]` with one-hot classes `y` `[n, k]` as
//!   the `n·d·k` pairs `(x_ij, y_ic)` (Dataset2Vec, Jomaa et al. 2021): `φ` embeds each pair, the
//!   mean over rows gives one vector per (feature, class), `ψ` maps those and their mean is the
//!   table's, and `ρ` makes it the task embedding. Means make it blind to the order of rows and of
//!   columns, and any number of features and classes fits.
//! - `h` embeds a configuration from its encoding in `[0, 1]^P` ([`crate::space::encoding`]).
//! - `f` regresses the (standardised) score from both embeddings side by side.
//! - The discriminator tells a batch's embedding from the task's running global embedding.
//!
//! Weights are drawn from hps's seeded RNG through [`Weights`], in a fixed order.

use candle_core::{Device, Tensor, Var};
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};

use crate::layers::linear::Linear;
use crate::layers::{Layer, Mode, NamedVars, Weights};
use crate::meta::task::META_FEATURES;

/// The predictor's sizes and how it reads a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// Width of the hidden layers.
    pub hidden: usize,
    /// Size of the task and configuration embeddings.
    pub embedding: usize,
    /// Rows per batch of a task.
    pub rows: usize,
    /// Feature columns per batch of a task (wide data is read a subset of columns at a time).
    pub columns: usize,
    /// Whether `ρ` also reads the task's meta-features ([`TaskRows::meta_features`]: rows,
    /// features, classes, majority share), which a batch of rows cannot show. Absent in older
    /// models: off.
    #[serde(default)]
    pub meta_features: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            hidden: 32,
            embedding: 16,
            rows: 64,
            columns: 32,
            meta_features: true,
        }
    }
}

/// The predictor's layers.
pub struct Predictor {
    /// Its sizes.
    pub settings: Settings,
    /// Coordinates of a configuration's encoding.
    pub config_dims: usize,
    phi: [Linear; 2],
    psi: Linear,
    rho: Linear,
    config: [Linear; 2],
    head: [Linear; 2],
    discriminator: [Linear; 2],
    /// `g`, `h` and `f`'s tensors, by name.
    pub params: NamedVars,
    /// The discriminator's tensors, by name.
    pub discriminator_params: NamedVars,
}

fn forward(layer: &Linear, x: &Tensor) -> candle_core::Result<Tensor> {
    layer.forward(x, &mut Mode::Eval)
}

impl Predictor {
    /// A new predictor for configurations of `config_dims` coordinates, its weights drawn from
    /// `rng`.
    ///
    /// # Errors
    /// When a tensor cannot be made.
    pub fn new(
        settings: Settings,
        config_dims: usize,
        rng: &mut StdRng,
        device: &Device,
    ) -> candle_core::Result<Self> {
        let (h, e) = (settings.hidden, settings.embedding);
        let mut w = Weights::new(device, rng);
        let phi = [
            Linear::new("g.phi.0", 2, h, &mut w)?,
            Linear::new("g.phi.1", h, h, &mut w)?,
        ];
        let psi = Linear::new("g.psi", h, h, &mut w)?;
        let extra = if settings.meta_features {
            META_FEATURES
        } else {
            0
        };
        let rho = Linear::new("g.rho", h + extra, e, &mut w)?;
        let config = [
            Linear::new("h.0", config_dims.max(1), h, &mut w)?,
            Linear::new("h.1", h, e, &mut w)?,
        ];
        let head = [
            Linear::new("f.0", 2 * e, h, &mut w)?,
            Linear::new("f.1", h, 1, &mut w)?,
        ];
        let (params, _) = w.into_named();
        let mut w = Weights::new(device, rng);
        let discriminator = [
            Linear::new("d.0", e, h, &mut w)?,
            Linear::new("d.1", h, 1, &mut w)?,
        ];
        let (discriminator_params, _) = w.into_named();
        Ok(Self {
            settings,
            config_dims,
            phi,
            psi,
            rho,
            config,
            head,
            discriminator,
            params,
            discriminator_params,
        })
    }

    /// `g`: the embedding `[1, E]` of a batch — features `x` `[n, d]`, one-hot classes `y` `[n, k]` —
    /// of a task with meta-features `meta` (read only when [`Settings::meta_features`] is on).
    ///
    /// # Errors
    /// When the shapes do not fit.
    pub fn task_embedding(
        &self,
        x: &Tensor,
        y: &Tensor,
        meta: &[f32; META_FEATURES],
    ) -> candle_core::Result<Tensor> {
        let (n, d) = x.dims2()?;
        let (_, k) = y.dims2()?;
        let xs = x.unsqueeze(2)?.broadcast_as((n, d, k))?;
        let ys = y.unsqueeze(1)?.broadcast_as((n, d, k))?;
        let pairs = Tensor::stack(&[xs, ys], 3)?.reshape((n * d * k, 2))?;
        let a = forward(&self.phi[0], &pairs)?.relu()?;
        let a = forward(&self.phi[1], &a)?.relu()?;
        let per_pair = a.reshape((n, d * k, self.settings.hidden))?.mean(0)?;
        let table = forward(&self.psi, &per_pair)?.relu()?.mean_keepdim(0)?;
        let table = if self.settings.meta_features {
            let meta = Tensor::from_slice(meta, (1, META_FEATURES), x.device())?;
            Tensor::cat(&[&table, &meta], 1)?
        } else {
            table
        };
        forward(&self.rho, &table)
    }

    /// `h`: embeddings `[C, E]` of encoded configurations `[C, P]`.
    ///
    /// # Errors
    /// When the shapes do not fit.
    pub fn config_embedding(&self, configs: &Tensor) -> candle_core::Result<Tensor> {
        let a = forward(&self.config[0], configs)?.relu()?;
        forward(&self.config[1], &a)
    }

    /// `f`: the scores `[C]` of configurations embedded `[C, E]` for the task embedded `[1, E]`.
    ///
    /// # Errors
    /// When the shapes do not fit.
    pub fn scores(&self, task: &Tensor, configs: &Tensor) -> candle_core::Result<Tensor> {
        let c = configs.dim(0)?;
        let task = task.broadcast_as((c, self.settings.embedding))?;
        let joint = Tensor::cat(&[&task, configs], 1)?;
        let a = forward(&self.head[0], &joint)?.relu()?;
        forward(&self.head[1], &a)?.squeeze(1)
    }

    /// The discriminator's logits `[B]` that embeddings `[B, E]` are global, not of one batch.
    ///
    /// # Errors
    /// When the shapes do not fit.
    pub fn discriminate(&self, embeddings: &Tensor) -> candle_core::Result<Tensor> {
        let a = forward(&self.discriminator[0], embeddings)?.relu()?;
        forward(&self.discriminator[1], &a)?.squeeze(1)
    }

    /// Every tensor by name (the discriminator's too), to save.
    #[must_use]
    pub fn named_tensors(&self) -> Vec<(String, Tensor)> {
        self.params
            .iter()
            .chain(&self.discriminator_params)
            .map(|(name, var)| (name.clone(), var.as_tensor().clone()))
            .collect()
    }

    /// Sets every tensor from `tensors` (by name, shapes checked).
    ///
    /// # Errors
    /// The name of a tensor that is missing or has another shape.
    pub fn load(&self, tensors: &std::collections::HashMap<String, Tensor>) -> Result<(), String> {
        for (name, var) in self.params.iter().chain(&self.discriminator_params) {
            let tensor = tensors
                .get(name)
                .ok_or_else(|| format!("the tensor `{name}` is missing"))?;
            if tensor.dims() != var.dims() {
                return Err(format!(
                    "the tensor `{name}` is {:?}, the predictor needs {:?}",
                    tensor.dims(),
                    var.dims()
                ));
            }
            var.set(tensor).map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    /// The trainable tensors of `g`, `h` and `f`.
    #[must_use]
    pub fn vars(&self) -> Vec<Var> {
        self.params.iter().map(|(_, v)| v.clone()).collect()
    }

    /// The discriminator's trainable tensors.
    #[must_use]
    pub fn discriminator_vars(&self) -> Vec<Var> {
        self.discriminator_params
            .iter()
            .map(|(_, v)| v.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;
    use crate::meta::TaskRows;

    #[test]
    fn the_task_embedding_ignores_the_order_of_rows_and_columns() {
        let device = Device::Cpu;
        let net = Predictor::new(
            Settings::default(),
            3,
            &mut StdRng::seed_from_u64(1),
            &device,
        )
        .unwrap();
        // 5 rows of 3 features, 2 classes; the same table with rows and columns permuted.
        let x = [
            [0.1f32, 2.0, -1.0],
            [0.5, -0.3, 0.7],
            [1.5, 0.2, 0.0],
            [-0.8, 1.1, 0.4],
            [0.0, -2.0, 1.3],
        ];
        let y = [0u32, 1, 1, 0, 1];
        let rows = [3usize, 0, 4, 2, 1];
        let columns = [2usize, 0, 1];
        let table = |rows: &[usize], columns: &[usize]| {
            let features: Vec<f32> = rows
                .iter()
                .flat_map(|&r| columns.iter().map(move |&c| x[r][c]))
                .collect();
            let labels: Vec<u32> = rows.iter().map(|&r| y[r]).collect();
            let task = TaskRows::new(features, 3, labels, 2).unwrap();
            // Every row and column, in their order.
            let mut rng = StdRng::seed_from_u64(0);
            let (xb, yb) = task.batch(5, 3, &mut rng, &device).unwrap();
            net.task_embedding(&xb, &yb, &task.meta_features())
                .unwrap()
                .flatten_all()
                .unwrap()
                .to_vec1::<f32>()
                .unwrap()
        };
        let plain = table(&[0, 1, 2, 3, 4], &[0, 1, 2]);
        let shuffled = table(&rows, &columns);
        for (a, b) in plain.iter().zip(&shuffled) {
            assert!((a - b).abs() < 1e-5, "{plain:?} vs {shuffled:?}");
        }
        // A different table is embedded differently.
        let other: Vec<f32> = x.iter().flatten().map(|v| v * 2.0 + 1.0).collect();
        let task = TaskRows::new(other, 3, y.to_vec(), 2).unwrap();
        let (xb, yb) = task
            .batch(5, 3, &mut StdRng::seed_from_u64(0), &device)
            .unwrap();
        let different = net
            .task_embedding(&xb, &yb, &task.meta_features())
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1::<f32>()
            .unwrap();
        assert!(
            plain
                .iter()
                .zip(&different)
                .any(|(a, b)| (a - b).abs() > 1e-3)
        );
    }
}
