//! The named tensors of a network being built. Layer kinds draw their initial weights here from
//! hps's seeded RNG (Candle's own CPU generator cannot be seeded) and register each tensor as a
//! trainable parameter or a buffer; `train::model` hands the lists to the optimiser and the
//! checkpoint. Tensors are drawn and registered in the order layers ask, so the same layers and
//! seed give the same weights.

use candle_core::{DType, Device, Tensor, Var};
use rand::rngs::StdRng;
use rand_distr::{Distribution as _, Uniform};

/// Tensors with their names, in the order they were made.
pub type NamedVars = Vec<(String, Var)>;

/// What a tensor is to training.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Trained by the optimiser and saved.
    Parameter,
    /// Saved but not trained (batch-norm running statistics).
    Buffer,
}

/// A network's tensors while it is built, each with its name (`0.weight`, `3.running_mean`).
pub struct Weights<'a> {
    device: &'a Device,
    rng: &'a mut StdRng,
    params: NamedVars,
    buffers: NamedVars,
}

impl<'a> Weights<'a> {
    /// No tensors yet; new ones go on `device` and draw from `rng`.
    pub fn new(device: &'a Device, rng: &'a mut StdRng) -> Self {
        Self {
            device,
            rng,
            params: Vec::new(),
            buffers: Vec::new(),
        }
    }

    /// A trainable tensor uniform in ±1/√`fan_in` (PyTorch's default for linear and convolution
    /// layers), drawn from the seeded RNG.
    ///
    /// # Errors
    /// When the tensor cannot be created on the device.
    pub fn uniform(
        &mut self,
        name: String,
        shape: &[usize],
        fan_in: usize,
    ) -> candle_core::Result<Var> {
        #[allow(clippy::cast_precision_loss)]
        let bound = 1.0 / (fan_in.max(1) as f64).sqrt();
        #[allow(clippy::cast_possible_truncation)]
        let bound = bound as f32;
        let count: usize = shape.iter().product();
        let values: Vec<f32> = match Uniform::new_inclusive(-bound, bound) {
            Ok(dist) => (0..count).map(|_| dist.sample(self.rng)).collect(),
            Err(_) => vec![0.0; count],
        };
        let tensor = Tensor::from_vec(values, shape, self.device)?;
        self.register(name, &tensor, Role::Parameter)
    }

    /// A tensor with every element `value`.
    ///
    /// # Errors
    /// When the tensor cannot be created on the device.
    pub fn filled(
        &mut self,
        name: String,
        shape: &[usize],
        value: f64,
        role: Role,
    ) -> candle_core::Result<Var> {
        let tensor = Tensor::ones(shape, DType::F32, self.device)?.affine(value, 0.0)?;
        self.register(name, &tensor, role)
    }

    /// A normalisation's learned scale (`{name}.weight`, ones) and shift (`{name}.bias`, zeros)
    /// over `size` positions.
    ///
    /// # Errors
    /// When the tensors cannot be created on the device.
    pub fn scale_and_shift(&mut self, name: &str, size: usize) -> candle_core::Result<(Var, Var)> {
        Ok((
            self.filled(format!("{name}.weight"), &[size], 1.0, Role::Parameter)?,
            self.filled(format!("{name}.bias"), &[size], 0.0, Role::Parameter)?,
        ))
    }

    fn register(&mut self, name: String, tensor: &Tensor, role: Role) -> candle_core::Result<Var> {
        let var = Var::from_tensor(tensor)?;
        match role {
            Role::Parameter => self.params.push((name, var.clone())),
            Role::Buffer => self.buffers.push((name, var.clone())),
        }
        Ok(var)
    }

    /// The named parameters and the named buffers.
    #[must_use]
    pub fn into_named(self) -> (NamedVars, NamedVars) {
        (self.params, self.buffers)
    }
}
