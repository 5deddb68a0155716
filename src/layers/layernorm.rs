//! `layernorm()`: layer normalisation over the last dimension of each example, with a learned scale
//! and shift per position of that dimension (`weight`, `bias`).

use candle_core::{Tensor, Var};

use super::{Args, EPS, Layer, LayerKind, Mode, Weights};

/// The `layernorm` kind.
pub struct LayerNormKind;

/// A built layer normalisation layer.
pub struct LayerNorm {
    gamma: Var,
    beta: Var,
}

/// The size of the normalised (last) dimension.
fn features(input: &[usize]) -> usize {
    input.last().copied().unwrap_or(0)
}

impl LayerKind for LayerNormKind {
    fn name(&self) -> &'static str {
        "layernorm"
    }

    fn params(&self, _args: &Args, input: &[usize]) -> u64 {
        2 * features(input) as u64
    }

    fn build(
        &self,
        _args: &Args,
        input: &[usize],
        name: &str,
        weights: &mut Weights<'_>,
    ) -> candle_core::Result<Box<dyn Layer>> {
        let (gamma, beta) = weights.scale_and_shift(name, features(input))?;
        Ok(Box::new(LayerNorm { gamma, beta }))
    }
}

impl Layer for LayerNorm {
    fn forward(&self, x: &Tensor, _mode: &mut Mode<'_>) -> candle_core::Result<Tensor> {
        #[allow(clippy::cast_possible_truncation)]
        candle_nn::ops::layer_norm(x, self.gamma.as_tensor(), self.beta.as_tensor(), EPS as f32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_the_last_dimension() {
        assert_eq!(
            LayerNormKind.output(&Args::new(), &[3, 4, 5]),
            Ok(vec![3, 4, 5])
        );
        assert_eq!(LayerNormKind.params(&Args::new(), &[3, 4, 5]), 10);
        assert_eq!(LayerNormKind.params(&Args::new(), &[32]), 64);
    }
}
