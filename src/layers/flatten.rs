//! `flatten()`: one example's values in a row, `[c, h, w]` → `[c·h·w]`; what an image needs before
//! a `linear` layer.

use candle_core::Tensor;

use super::{Args, Layer, LayerKind, Mode, Weights};

/// The `flatten` kind, and the layer it builds (it has no state).
#[derive(Debug, Clone, Copy)]
pub struct Flatten;

impl LayerKind for Flatten {
    fn name(&self) -> &'static str {
        "flatten"
    }

    fn output(&self, _args: &Args, input: &[usize]) -> Result<Vec<usize>, String> {
        Ok(vec![input.iter().product()])
    }

    fn build(
        &self,
        _args: &Args,
        _input: &[usize],
        _name: &str,
        _weights: &mut Weights<'_>,
    ) -> candle_core::Result<Box<dyn Layer>> {
        Ok(Box::new(*self))
    }
}

impl Layer for Flatten {
    fn forward(&self, x: &Tensor, _mode: &mut Mode<'_>) -> candle_core::Result<Tensor> {
        x.flatten_from(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multiplies_the_dimensions() {
        assert_eq!(Flatten.output(&Args::new(), &[3, 4, 5]), Ok(vec![60]));
        assert_eq!(Flatten.output(&Args::new(), &[7]), Ok(vec![7]));
    }
}
