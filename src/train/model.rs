//! A network in Candle, built from the plan's concrete layer tree ([`Concrete`]): each layer by its
//! kind in [`crate::layers`] (weights drawn from hps's seeded RNG, in the tree's order), and
//! `residual` as a structural layer holding its body and, when the block changes the channel or
//! feature count, a [`projection`] of its input. Read by the trainer.

use std::collections::HashMap;

use candle_core::{Device, Tensor, Var};
use rand::rngs::StdRng;

use crate::layers::{self, Layer, Mode, NamedVars, SharedWeights, Weights, projection};
use crate::plan::network::Concrete;

/// Layers run one after another.
struct Sequence(Vec<Box<dyn Layer>>);

/// `residual { … }`: the body's output plus the input, projected when the shapes differ.
struct Residual {
    body: Sequence,
    projection: Option<Box<dyn Layer>>,
}

/// A network with its trainable parameters and buffers (batch-norm statistics), each named.
pub struct Net {
    body: Sequence,
    params: NamedVars,
    buffers: NamedVars,
}

impl Layer for Sequence {
    fn forward(&self, x: &Tensor, mode: &mut Mode<'_>) -> candle_core::Result<Tensor> {
        let mut x = x.clone();
        for layer in &self.0 {
            x = layer.forward(&x, mode)?;
        }
        Ok(x)
    }
}

impl Layer for Residual {
    fn forward(&self, x: &Tensor, mode: &mut Mode<'_>) -> candle_core::Result<Tensor> {
        let y = self.body.forward(x, mode)?;
        let skip = match &self.projection {
            Some(projection) => projection.forward(x, mode)?,
            None => x.clone(),
        };
        y.add(&skip)
    }
}

/// The layers of `tree`, named `{prefix}0`, `{prefix}1`, … by position — or, when the weights are
/// shared, by [`Concrete::weight_key`].
fn sequence(
    tree: &[Concrete],
    prefix: &str,
    weights: &mut Weights<'_>,
) -> Result<Sequence, String> {
    tree.iter()
        .enumerate()
        .map(|(i, node)| {
            let name = if weights.is_shared() {
                node.weight_key()
            } else {
                format!("{prefix}{i}")
            };
            layer(node, &name, weights)
        })
        .collect::<Result<_, _>>()
        .map(Sequence)
}

fn layer(node: &Concrete, name: &str, weights: &mut Weights<'_>) -> Result<Box<dyn Layer>, String> {
    let err = |e: candle_core::Error| e.to_string();
    match node {
        Concrete::Layer {
            name: kind,
            args,
            input,
            ..
        } => layers::named(kind)
            .ok_or_else(|| format!("no layer `{kind}`"))?
            .build(args, input, name, weights)
            .map_err(err),
        Concrete::Residual {
            body,
            input,
            output,
            ..
        } => {
            let body = sequence(body, &format!("{name}."), weights)?;
            let projection =
                projection::build(input, output, &format!("{name}.projection"), weights)
                    .map_err(err)?;
            Ok(Box::new(Residual { body, projection }))
        }
    }
}

impl Net {
    /// Builds the network for `layers` on `device`, drawing initial weights from `rng`.
    ///
    /// # Errors
    /// When a tensor cannot be created on the device, or a layer is unknown.
    pub fn build(layers: &[Concrete], device: &Device, rng: &mut StdRng) -> Result<Net, String> {
        Self::build_with(layers, Weights::new(device, rng))
    }

    /// Builds the network for `layers` over a super-network's `pool`: a layer whose name
    /// ([`Concrete::weight_key`]) is in the pool uses the pool's tensors, a new one is drawn from
    /// `seed` and its name and added.
    ///
    /// # Errors
    /// As [`Net::build`].
    pub fn build_shared(
        layers: &[Concrete],
        device: &Device,
        seed: u64,
        pool: &mut SharedWeights,
    ) -> Result<Net, String> {
        Self::build_with(layers, Weights::sharing(device, seed, pool))
    }

    fn build_with(layers: &[Concrete], mut weights: Weights<'_>) -> Result<Net, String> {
        let body = sequence(layers, "", &mut weights)?;
        let (params, buffers) = weights.into_named();
        Ok(Net {
            body,
            params,
            buffers,
        })
    }

    /// Trainable parameters with their names, in a fixed order.
    #[must_use]
    pub fn named_params(&self) -> &NamedVars {
        &self.params
    }

    /// Trainable parameters, in a fixed order.
    #[must_use]
    pub fn params(&self) -> Vec<Var> {
        self.params.iter().map(|(_, v)| v.clone()).collect()
    }

    /// Every named tensor (parameters and buffers), for checkpoints.
    #[must_use]
    pub fn named(&self) -> Vec<(&str, &Var)> {
        self.params
            .iter()
            .chain(&self.buffers)
            .map(|(n, v)| (n.as_str(), v))
            .collect()
    }

    /// Loads parameters and buffers saved by [`Net::named`].
    ///
    /// # Errors
    /// When a tensor is missing or has another shape.
    pub fn load(&self, tensors: &HashMap<String, Tensor>) -> candle_core::Result<()> {
        for (name, var) in self.named() {
            let saved = tensors.get(name).ok_or_else(|| {
                candle_core::Error::Msg(format!("checkpoint has no tensor `{name}`"))
            })?;
            var.set(&saved.to_device(var.device())?)?;
        }
        Ok(())
    }

    /// Runs the network on a batch `x` of shape `[batch, …input]`.
    ///
    /// # Errors
    /// On a Candle failure.
    pub fn forward(&self, x: &Tensor, mode: &mut Mode<'_>) -> candle_core::Result<Tensor> {
        self.body.forward(x, mode)
    }
}
