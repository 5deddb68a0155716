//! `linear(units)`: a fully connected layer on flat input, `y = x·Wᵀ + b`. Also the projection a
//! residual block puts on its skip path when it changes the feature count ([`super::projection`]).

use candle_core::{Tensor, Var};

use super::{Args, Layer, LayerKind, Mode, Weights, int_arg};

/// The `linear` kind.
pub struct LinearKind;

/// A built fully connected layer.
pub struct Linear {
    weight: Var,
    bias: Var,
}

/// The features of a flat input.
fn features(input: &[usize]) -> usize {
    input.first().copied().unwrap_or(0)
}

fn units(args: &Args) -> usize {
    int_arg(args, "units", 1)
}

impl LayerKind for LinearKind {
    fn name(&self) -> &'static str {
        "linear"
    }

    fn output(&self, args: &Args, input: &[usize]) -> Result<Vec<usize>, String> {
        let [_] = input else {
            return Err(format!(
                "`linear` needs flat input, got {input:?}; add `flatten()` before it"
            ));
        };
        Ok(vec![units(args)])
    }

    fn params(&self, args: &Args, input: &[usize]) -> u64 {
        Linear::params(features(input), units(args))
    }

    fn build(
        &self,
        args: &Args,
        input: &[usize],
        name: &str,
        weights: &mut Weights<'_>,
    ) -> candle_core::Result<Box<dyn Layer>> {
        Ok(Box::new(Linear::new(
            name,
            features(input),
            units(args),
            weights,
        )?))
    }
}

impl Linear {
    /// A layer from `fan_in` to `fan_out` features, its weight and bias drawn uniform in
    /// ±1/√`fan_in` (in that order) and named `{name}.weight`, `{name}.bias`.
    ///
    /// # Errors
    /// When a tensor cannot be created on the device.
    pub fn new(
        name: &str,
        fan_in: usize,
        fan_out: usize,
        weights: &mut Weights<'_>,
    ) -> candle_core::Result<Self> {
        Ok(Self {
            weight: weights.uniform(format!("{name}.weight"), &[fan_out, fan_in], fan_in)?,
            bias: weights.uniform(format!("{name}.bias"), &[fan_out], fan_in)?,
        })
    }

    /// Trainable parameters of a layer from `fan_in` to `fan_out` features.
    #[must_use]
    pub fn params(fan_in: usize, fan_out: usize) -> u64 {
        (fan_in * fan_out + fan_out) as u64
    }
}

impl Layer for Linear {
    fn forward(&self, x: &Tensor, _mode: &mut Mode<'_>) -> candle_core::Result<Tensor> {
        x.matmul(&self.weight.as_tensor().t()?)?
            .broadcast_add(self.bias.as_tensor())
    }
}

#[cfg(test)]
mod tests {
    use crate::space::Value;

    use super::*;

    #[test]
    fn maps_features_to_units_with_a_bias_each() {
        let args = Args::from([(String::from("units"), Value::Int(10))]);
        assert_eq!(LinearKind.output(&args, &[64]), Ok(vec![10]));
        assert_eq!(LinearKind.params(&args, &[64]), 64 * 10 + 10);
    }

    #[test]
    fn refuses_an_image() {
        let args = Args::from([(String::from("units"), Value::Int(10))]);
        assert_eq!(
            LinearKind.output(&args, &[1, 8, 8]),
            Err(String::from(
                "`linear` needs flat input, got [1, 8, 8]; add `flatten()` before it"
            ))
        );
    }
}
