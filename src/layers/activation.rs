//! The activation layers: `relu`, `gelu`, `tanh`, `sigmoid`, `silu`, `elu` and `identity`, applied
//! to each value. An activation has no arguments and no state, so each is its own built layer.

use candle_core::Tensor;

use super::{Args, Layer, LayerKind, Mode, Weights, relu_kernel};

/// An activation function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    /// max(0, x)
    Relu,
    /// GELU with the exact erf (PyTorch's default).
    Gelu,
    /// tanh
    Tanh,
    /// logistic sigmoid
    Sigmoid,
    /// x·sigmoid(x)
    Silu,
    /// exponential linear unit, α = 1
    Elu,
    /// x
    Identity,
}

impl LayerKind for Activation {
    fn name(&self) -> &'static str {
        match self {
            Activation::Relu => "relu",
            Activation::Gelu => "gelu",
            Activation::Tanh => "tanh",
            Activation::Sigmoid => "sigmoid",
            Activation::Silu => "silu",
            Activation::Elu => "elu",
            Activation::Identity => "identity",
        }
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

impl Layer for Activation {
    fn forward(&self, x: &Tensor, _mode: &mut Mode<'_>) -> candle_core::Result<Tensor> {
        match self {
            Activation::Relu => relu_kernel::relu(x),
            Activation::Gelu => x.gelu_erf(),
            Activation::Tanh => x.tanh(),
            Activation::Sigmoid => candle_nn::ops::sigmoid(x),
            Activation::Silu => x.silu(),
            Activation::Elu => x.elu(1.0),
            Activation::Identity => Ok(x.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use candle_core::Device;

    use super::*;

    #[test]
    fn each_function_has_its_value_at_minus_one() {
        let x = Tensor::new(&[-1.0f32], &Device::Cpu).unwrap();
        let e = std::f32::consts::E;
        for (activation, expected) in [
            (Activation::Relu, 0.0),
            (Activation::Gelu, -0.158_655_25),
            (Activation::Tanh, (1.0 - e * e) / (1.0 + e * e)),
            (Activation::Sigmoid, 1.0 / (1.0 + e)),
            (Activation::Silu, -1.0 / (1.0 + e)),
            (Activation::Elu, 1.0 / e - 1.0),
            (Activation::Identity, -1.0),
        ] {
            let y = activation.forward(&x, &mut Mode::Eval).unwrap();
            let got = y.to_vec1::<f32>().unwrap()[0];
            assert!((got - expected).abs() < 1e-5, "{activation:?}: {got}");
            assert_eq!(activation.output(&Args::new(), &[3, 4]), Ok(vec![3, 4]));
        }
    }
}
