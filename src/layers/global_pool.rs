//! `globalpool()`: each channel of an image averaged over all its positions, `[c, h, w]` → `[c]`.

use candle_core::Tensor;

use super::{Args, Layer, LayerKind, Mode, Weights, image};

/// The `globalpool` kind, and the layer it builds (it has no state).
#[derive(Debug, Clone, Copy)]
pub struct GlobalPool;

impl LayerKind for GlobalPool {
    fn name(&self) -> &'static str {
        "globalpool"
    }

    fn output(&self, _args: &Args, input: &[usize]) -> Result<Vec<usize>, String> {
        let (c, _, _) = image(self.name(), input)?;
        Ok(vec![c])
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

impl Layer for GlobalPool {
    fn forward(&self, x: &Tensor, _mode: &mut Mode<'_>) -> candle_core::Result<Tensor> {
        x.mean((2, 3))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_channels() {
        assert_eq!(GlobalPool.output(&Args::new(), &[16, 5, 3]), Ok(vec![16]));
        assert!(GlobalPool.output(&Args::new(), &[16, 5]).is_err());
    }
}
