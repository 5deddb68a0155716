//! `maxpool(k)` and `avgpool(k)`: the maximum or the mean of each k×k window of an image, with
//! stride k (the last rows and columns that do not fill a window are dropped). The pooling itself,
//! forward and backward, is [`super::pool_kernel`].

use candle_core::Tensor;

use super::pool_kernel::{self, PoolWindow};
use super::{Args, Layer, LayerKind, Mode, Weights, image, int_arg};

/// The `maxpool` and `avgpool` kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoolKind {
    /// `maxpool`: each window's maximum.
    Max,
    /// `avgpool`: each window's mean.
    Avg,
}

/// A built pooling layer.
pub struct Pool {
    kind: PoolKind,
    k: usize,
}

/// The window's side (and stride).
fn window(args: &Args) -> usize {
    int_arg(args, "k", 2).max(1)
}

impl LayerKind for PoolKind {
    fn name(&self) -> &'static str {
        match self {
            PoolKind::Max => "maxpool",
            PoolKind::Avg => "avgpool",
        }
    }

    fn output(&self, args: &Args, input: &[usize]) -> Result<Vec<usize>, String> {
        let (c, h, w) = image(self.name(), input)?;
        let k = window(args);
        if h < k || w < k {
            return Err(format!("a {k}×{k} pool does not fit the {h}×{w} input"));
        }
        Ok(vec![c, h / k, w / k])
    }

    fn build(
        &self,
        args: &Args,
        _input: &[usize],
        _name: &str,
        _weights: &mut Weights<'_>,
    ) -> candle_core::Result<Box<dyn Layer>> {
        Ok(Box::new(Pool {
            kind: *self,
            k: window(args),
        }))
    }
}

impl Layer for Pool {
    fn forward(&self, x: &Tensor, _mode: &mut Mode<'_>) -> candle_core::Result<Tensor> {
        let window = PoolWindow {
            kernel: self.k,
            stride: self.k,
        };
        match self.kind {
            PoolKind::Max => pool_kernel::max_pool2d(x, window),
            PoolKind::Avg => pool_kernel::avg_pool2d(x, window),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::space::Value;

    use super::*;

    #[test]
    fn divides_each_side_by_the_window() {
        let args = Args::from([(String::from("k"), Value::Int(3))]);
        assert_eq!(PoolKind::Max.output(&args, &[4, 9, 7]), Ok(vec![4, 3, 2]));
        assert_eq!(
            PoolKind::Avg.output(&Args::new(), &[4, 9, 7]),
            Ok(vec![4, 4, 3])
        );
        assert_eq!(PoolKind::Max.params(&args, &[4, 9, 7]), 0);
    }

    #[test]
    fn a_pool_larger_than_the_image_is_an_error() {
        let args = Args::from([(String::from("k"), Value::Int(4))]);
        assert_eq!(
            PoolKind::Avg.output(&args, &[2, 3, 8]),
            Err(String::from("a 4×4 pool does not fit the 3×8 input"))
        );
        assert_eq!(
            PoolKind::Max.output(&args, &[48]),
            Err(String::from(
                "`maxpool` needs an image input [channels, height, width], got [48]"
            ))
        );
    }
}
