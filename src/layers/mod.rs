//! Every layer kind hps trains, one file each: what the kind does to the shape of one example, how
//! many trainable parameters it has, the Candle layer it builds (weights drawn from hps's seeded RNG
//! through [`Weights`]) and that layer's forward pass. [`named`] finds a kind by its `.hps` name:
//! `plan::network` reads shapes and parameter counts from it for the concrete layer tree and the
//! plan's table, and `train::model` builds the network from that tree. A new layer kind is one file
//! here, its entry in [`KINDS`] and its entry in the catalogue (`crate::catalogue`).
//!
//! Structural nodes are not kinds: `residual` lives in `train::model`, a [`Layer`] holding other
//! layers plus a [`projection`]. AutoHAS' super-network needs no kind of its own either: it builds
//! the network of each sampled path over one [`SharedWeights`] pool (`crate::autohas::supernet`).

pub mod activation;
pub mod batchnorm;
pub mod batchnorm_kernel;
pub mod conv;
pub mod conv_kernel;
pub mod conv_output;
pub mod dropout;
pub mod flatten;
pub mod global_pool;
pub mod layernorm;
pub mod linear;
pub mod pool;
pub mod pool_kernel;
pub mod projection;
pub mod relu_kernel;
pub mod unfold;
pub mod weights;

use std::collections::BTreeMap;

use candle_core::Tensor;
use rand::rngs::StdRng;

use crate::space::Value;

pub use weights::{NamedVars, Role, SharedWeights, Weights};

use activation::Activation;
use batchnorm::BatchNormKind;
use conv::ConvKind;
use dropout::DropoutKind;
use flatten::Flatten;
use global_pool::GlobalPool;
use layernorm::LayerNormKind;
use linear::LinearKind;
use pool::PoolKind;

/// The arguments of one layer, defaults filled: `channels = 16`, `padding = same`.
pub type Args = BTreeMap<String, Value>;

/// Normalisation layers divide by `sqrt(var + EPS)` (PyTorch's default).
const EPS: f64 = 1e-5;

/// Values below which splitting a kernel's pass over threads costs more than it gains (waking a
/// thread of the trial's pool costs microseconds): hps's CPU kernels give each parallel task at least
/// this many.
const VALUES_PER_TASK: usize = 64 * 1024;

/// Blocks of `block` values one parallel task takes, so that it covers [`VALUES_PER_TASK`] values.
fn blocks_per_task(block: usize) -> usize {
    (VALUES_PER_TASK / block.max(1)).max(1)
}

/// A kind of layer (`linear`, `conv`, `relu`, …): shapes and parameters before anything is built,
/// and the layer itself.
pub trait LayerKind: Sync {
    /// Its name in `.hps` files.
    fn name(&self) -> &'static str;

    /// The output shape of one example for `input`, the shape of one input example; by default the
    /// shape is unchanged (activations, normalisations, dropout).
    ///
    /// # Errors
    /// When the layer does not fit its input; the message says why, without a location.
    fn output(&self, _args: &Args, input: &[usize]) -> Result<Vec<usize>, String> {
        Ok(input.to_vec())
    }

    /// Trainable parameters for an `input` that [`LayerKind::output`] accepts.
    fn params(&self, _args: &Args, _input: &[usize]) -> u64 {
        0
    }

    /// Builds the layer for an `input` that [`LayerKind::output`] accepts; its tensors are named
    /// `{name}.weight`, `{name}.bias`, … in `weights`.
    ///
    /// # Errors
    /// When a tensor cannot be created on the device.
    fn build(
        &self,
        args: &Args,
        input: &[usize],
        name: &str,
        weights: &mut Weights<'_>,
    ) -> candle_core::Result<Box<dyn Layer>>;
}

/// A built layer: a Candle module over batches `[batch, …one example's shape]`.
pub trait Layer {
    /// Runs the layer on the batch `x`.
    ///
    /// # Errors
    /// On a Candle failure.
    fn forward(&self, x: &Tensor, mode: &mut Mode<'_>) -> candle_core::Result<Tensor>;
}

/// Whether a forward pass trains (dropout active, batch statistics used and tracked) or evaluates.
pub enum Mode<'a> {
    /// Training, with the RNG dropout draws from.
    Train(&'a mut StdRng),
    /// Evaluation.
    Eval,
}

/// Every layer kind, in the catalogue's order.
pub static KINDS: &[&dyn LayerKind] = &[
    &LinearKind,
    &ConvKind,
    &PoolKind::Max,
    &PoolKind::Avg,
    &GlobalPool,
    &Flatten,
    &DropoutKind,
    &BatchNormKind,
    &LayerNormKind,
    &Activation::Relu,
    &Activation::Gelu,
    &Activation::Tanh,
    &Activation::Sigmoid,
    &Activation::Silu,
    &Activation::Elu,
    &Activation::Identity,
];

/// The layer kind called `name`.
#[must_use]
pub fn named(name: &str) -> Option<&'static dyn LayerKind> {
    KINDS.iter().copied().find(|kind| kind.name() == name)
}

/// The non-negative integer argument `key`, or `default`.
fn int_arg(args: &Args, key: &str, default: usize) -> usize {
    args.get(key)
        .and_then(Value::as_i64)
        .and_then(|v| usize::try_from(v).ok())
        .unwrap_or(default)
}

/// `(channels, height, width)` of an image input to the layer `name`.
fn image(name: &str, input: &[usize]) -> Result<(usize, usize, usize), String> {
    match input {
        [c, h, w] => Ok((*c, *h, *w)),
        _ => Err(format!(
            "`{name}` needs an image input [channels, height, width], got {input:?}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use candle_core::Device;
    use rand::SeedableRng;

    use super::*;

    /// An input the kind accepts: an image, or else the same values flattened.
    fn accepted_input(kind: &dyn LayerKind, args: &Args) -> Vec<usize> {
        let image = vec![3, 8, 8];
        if kind.output(args, &image).is_ok() {
            image
        } else {
            vec![3 * 8 * 8]
        }
    }

    fn args(pairs: &[(&str, Value)]) -> Args {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect()
    }

    #[test]
    fn names_are_unique_and_found() {
        for kind in KINDS {
            let found = named(kind.name()).expect("every kind is found by its name");
            assert_eq!(found.name(), kind.name());
            assert_eq!(
                KINDS.iter().filter(|k| k.name() == kind.name()).count(),
                1,
                "`{}` is listed twice",
                kind.name()
            );
        }
        assert!(named("dense").is_none());
    }

    /// What the plan counts is what trains: each kind's parameter count equals the elements of the
    /// trainable tensors it builds, and the built layer gives the shape `output` says.
    #[test]
    fn parameter_counts_and_shapes_match_the_built_layers() {
        let device = Device::Cpu;
        let layer_args = args(&[
            ("units", Value::Int(5)),
            ("channels", Value::Int(4)),
            ("kernel", Value::Int(3)),
            ("p", Value::Float(0.5)),
        ]);
        for kind in KINDS {
            let input = accepted_input(*kind, &layer_args);
            let output = kind.output(&layer_args, &input).unwrap();
            let mut rng = StdRng::seed_from_u64(1);
            let mut weights = Weights::new(&device, &mut rng);
            let layer = kind.build(&layer_args, &input, "0", &mut weights).unwrap();
            let (params, _) = weights.into_named();
            let built: usize = params.iter().map(|(_, v)| v.elem_count()).sum();
            assert_eq!(
                kind.params(&layer_args, &input),
                built as u64,
                "{}",
                kind.name()
            );

            let mut batch = vec![2];
            batch.extend(&input);
            let x = Tensor::ones(batch.as_slice(), candle_core::DType::F32, &device).unwrap();
            let y = layer.forward(&x, &mut Mode::Eval).unwrap();
            assert_eq!(&y.dims()[1..], output.as_slice(), "{}", kind.name());
        }
    }

    #[test]
    fn image_layers_name_themselves_when_given_features() {
        let err = named("globalpool")
            .unwrap()
            .output(&Args::new(), &[10])
            .unwrap_err();
        assert_eq!(
            err,
            "`globalpool` needs an image input [channels, height, width], got [10]"
        );
    }
}
