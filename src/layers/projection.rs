//! The projection on a residual block's skip path when the block changes the channel or feature
//! count: a 1×1 convolution for images, a linear layer for flat input, so the input can be added to
//! the block's output. `plan::network` counts its parameters for the plan's table and
//! `train::model` builds it for the residual block it trains.

use super::conv::{Conv, Window};
use super::linear::Linear;
use super::{Layer, Weights};

/// The 1×1 convolution's window: every pixel on its own.
const POINTWISE: Window = Window {
    kernel: 1,
    stride: 1,
    padding: 0,
};

/// Which projection a block needs, from `cin` to `cout` channels or features.
enum Projection {
    /// A 1×1 convolution, for images.
    Pointwise { cin: usize, cout: usize },
    /// A linear layer, for flat input.
    Dense { cin: usize, cout: usize },
}

impl Projection {
    /// The projection from `input` to `output`; `None` when the shapes are equal.
    fn between(input: &[usize], output: &[usize]) -> Option<Self> {
        if input == output {
            return None;
        }
        let (cin, cout) = (input[0], output[0]);
        Some(if input.len() == 3 {
            Projection::Pointwise { cin, cout }
        } else {
            Projection::Dense { cin, cout }
        })
    }
}

/// Trainable parameters of the projection from `input` to `output`, or `None` when the shapes are
/// equal and the input is added as it is.
#[must_use]
pub fn params(input: &[usize], output: &[usize]) -> Option<u64> {
    Projection::between(input, output).map(|projection| match projection {
        Projection::Pointwise { cin, cout } => Conv::params(cin, cout, POINTWISE.kernel),
        Projection::Dense { cin, cout } => Linear::params(cin, cout),
    })
}

/// Builds the projection from `input` to `output`, its tensors named `{name}.weight` and
/// `{name}.bias`; `None` when the shapes are equal.
///
/// # Errors
/// When a tensor cannot be created on the device.
pub fn build(
    input: &[usize],
    output: &[usize],
    name: &str,
    weights: &mut Weights<'_>,
) -> candle_core::Result<Option<Box<dyn Layer>>> {
    Projection::between(input, output)
        .map(|projection| -> candle_core::Result<Box<dyn Layer>> {
            Ok(match projection {
                Projection::Pointwise { cin, cout } => {
                    Box::new(Conv::new(name, cin, cout, POINTWISE, weights)?)
                }
                Projection::Dense { cin, cout } => Box::new(Linear::new(name, cin, cout, weights)?),
            })
        })
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn none_when_the_shape_is_kept() {
        assert_eq!(params(&[8, 4, 4], &[8, 4, 4]), None);
        assert_eq!(params(&[32], &[32]), None);
    }

    #[test]
    fn one_weight_per_input_and_output_channel_plus_a_bias() {
        assert_eq!(params(&[8, 4, 4], &[16, 4, 4]), Some(8 * 16 + 16));
        assert_eq!(params(&[32], &[64]), Some(32 * 64 + 64));
    }
}
