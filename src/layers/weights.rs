//! The named tensors of a network being built. Layer kinds draw their initial weights here from
//! hps's seeded RNG (Candle's own CPU generator cannot be seeded) and register each tensor as a
//! trainable parameter or a buffer; `train::model` hands the lists to the optimiser and the
//! checkpoint. Tensors are drawn and registered in the order layers ask, so the same layers and
//! seed give the same weights.
//!
//! A weight-sharing super-network builds many networks over one [`SharedWeights`] pool instead: a
//! tensor whose name is already in the pool is that tensor, and a new one is drawn from a stream
//! of its own name, so the pool holds the same weights whatever order the networks are built in.

use std::collections::HashMap;

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

/// Every tensor of a weight-sharing super-network, by name, with its role.
#[derive(Default)]
pub struct SharedWeights {
    tensors: HashMap<String, (Var, Role)>,
    /// Names in the order the tensors were first made.
    order: Vec<String>,
}

impl SharedWeights {
    /// The tensor called `name`.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&Var> {
        self.tensors.get(name).map(|(var, _)| var)
    }

    /// Adds (or replaces) the tensor `name`.
    pub fn insert(&mut self, name: String, var: Var, role: Role) {
        if self.tensors.insert(name.clone(), (var, role)).is_none() {
            self.order.push(name);
        }
    }

    /// Every tensor with its name and role, in the order they were made.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Var, Role)> {
        self.order.iter().filter_map(|name| {
            self.tensors
                .get(name)
                .map(|(var, role)| (name.as_str(), var, *role))
        })
    }

    /// How many tensors.
    #[must_use]
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether there are none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }
}

/// Where a new tensor's initial values come from.
enum Source<'a> {
    /// One stream, in the order tensors are asked for.
    Stream(&'a mut StdRng),
    /// A super-network's pool: an existing tensor is reused, a new one drawn from
    /// `derived_rng(seed, hash of its name)` and added.
    Pool {
        seed: u64,
        pool: &'a mut SharedWeights,
    },
}

/// A network's tensors while it is built, each with its name (`0.weight`, `3.running_mean`).
pub struct Weights<'a> {
    device: &'a Device,
    source: Source<'a>,
    params: NamedVars,
    buffers: NamedVars,
}

impl<'a> Weights<'a> {
    /// No tensors yet; new ones go on `device` and draw from `rng`.
    pub fn new(device: &'a Device, rng: &'a mut StdRng) -> Self {
        Self {
            device,
            source: Source::Stream(rng),
            params: Vec::new(),
            buffers: Vec::new(),
        }
    }

    /// Tensors taken from `pool` by name; new ones go on `device`, each drawn from a stream of
    /// `seed` and its name, and into the pool.
    pub fn sharing(device: &'a Device, seed: u64, pool: &'a mut SharedWeights) -> Self {
        Self {
            device,
            source: Source::Pool { seed, pool },
            params: Vec::new(),
            buffers: Vec::new(),
        }
    }

    /// Whether tensors are shared through a pool (their names must then say where they sit).
    #[must_use]
    pub fn is_shared(&self) -> bool {
        matches!(self.source, Source::Pool { .. })
    }

    /// The pool's tensor `name`, listed as this network's, when there is one.
    fn existing(&mut self, name: &str) -> Option<Var> {
        let Source::Pool { pool, .. } = &self.source else {
            return None;
        };
        let (var, role) = pool.tensors.get(name)?.clone();
        match role {
            Role::Parameter => self.params.push((name.to_owned(), var.clone())),
            Role::Buffer => self.buffers.push((name.to_owned(), var.clone())),
        }
        Some(var)
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
        if let Some(var) = self.existing(&name) {
            return Ok(var);
        }
        #[allow(clippy::cast_precision_loss)]
        let bound = 1.0 / (fan_in.max(1) as f64).sqrt();
        #[allow(clippy::cast_possible_truncation)]
        let bound = bound as f32;
        let count: usize = shape.iter().product();
        let mut named_stream;
        let rng: &mut StdRng = match &mut self.source {
            Source::Stream(rng) => rng,
            Source::Pool { seed, .. } => {
                named_stream = crate::seed::derived_rng(*seed, crate::seed::name_purpose(&name));
                &mut named_stream
            }
        };
        let values: Vec<f32> = match Uniform::new_inclusive(-bound, bound) {
            Ok(dist) => (0..count).map(|_| dist.sample(rng)).collect(),
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
        if let Some(var) = self.existing(&name) {
            return Ok(var);
        }
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
        if let Source::Pool { pool, .. } = &mut self.source {
            pool.insert(name.clone(), var.clone(), role);
        }
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
