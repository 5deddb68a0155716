//! `conv(channels, kernel, stride, padding)`: a 2-D convolution over images `[channels, height,
//! width]` with a square kernel, and how its `padding` argument becomes pixels. Also the 1×1
//! projection a residual block puts on its skip path when it changes the channel count
//! ([`super::projection`]).

use std::collections::BTreeMap;

use candle_core::{Tensor, Var};

use crate::space::Value;

use super::conv_kernel::conv2d;
use super::{Args, Layer, LayerKind, Mode, Weights, image, int_arg};

/// The `conv` kind.
pub struct ConvKind;

/// How a kernel moves over an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Side of the square kernel.
    pub kernel: usize,
    /// Step between positions (at least 1).
    pub stride: usize,
    /// Pixels added on each side.
    pub padding: usize,
}

/// A built convolution.
pub struct Conv {
    weight: Var,
    bias: Var,
    window: Window,
}

/// Pixels a `padding = same` convolution adds on each side: `kernel / 2` (the output keeps the
/// input's size for odd kernels at stride 1).
#[must_use]
pub fn same_padding(kernel: usize) -> usize {
    kernel / 2
}

/// Pixels of padding on each side for a convolution's `padding` argument.
#[must_use]
pub fn padding_of(args: &BTreeMap<String, Value>, kernel: usize) -> usize {
    match args.get("padding") {
        Some(Value::Int(p)) => usize::try_from(*p).unwrap_or(0),
        Some(Value::Str(s)) if s == "valid" => 0,
        _ => same_padding(kernel),
    }
}

impl Window {
    /// The window of a `conv` layer's arguments.
    #[must_use]
    pub fn of(args: &Args) -> Self {
        let kernel = int_arg(args, "kernel", 3);
        Self {
            kernel,
            stride: int_arg(args, "stride", 1).max(1),
            padding: padding_of(args, kernel),
        }
    }

    /// The output size along one side of `size` pixels.
    pub(super) fn output(self, size: usize) -> Result<usize, String> {
        let Window {
            kernel,
            stride,
            padding,
        } = self;
        (size + 2 * padding)
            .checked_sub(kernel)
            .map(|d| d / stride + 1)
            .ok_or_else(|| {
                format!("a {kernel}×{kernel} kernel is larger than the {size}-pixel input")
            })
    }
}

fn channels(args: &Args) -> usize {
    int_arg(args, "channels", 1)
}

impl LayerKind for ConvKind {
    fn name(&self) -> &'static str {
        "conv"
    }

    fn output(&self, args: &Args, input: &[usize]) -> Result<Vec<usize>, String> {
        let (_, h, w) = image(self.name(), input)?;
        let window = Window::of(args);
        Ok(vec![channels(args), window.output(h)?, window.output(w)?])
    }

    fn params(&self, args: &Args, input: &[usize]) -> u64 {
        Conv::params(input[0], channels(args), Window::of(args).kernel)
    }

    fn build(
        &self,
        args: &Args,
        input: &[usize],
        name: &str,
        weights: &mut Weights<'_>,
    ) -> candle_core::Result<Box<dyn Layer>> {
        Ok(Box::new(Conv::new(
            name,
            input[0],
            channels(args),
            Window::of(args),
            weights,
        )?))
    }
}

impl Conv {
    /// A convolution from `cin` to `cout` channels, its weight `[cout, cin, k, k]` and bias drawn
    /// uniform in ±1/√(cin·k·k) (in that order) and named `{name}.weight`, `{name}.bias`.
    ///
    /// # Errors
    /// When a tensor cannot be created on the device.
    pub fn new(
        name: &str,
        cin: usize,
        cout: usize,
        window: Window,
        weights: &mut Weights<'_>,
    ) -> candle_core::Result<Self> {
        let k = window.kernel;
        let fan_in = cin * k * k;
        Ok(Self {
            weight: weights.uniform(format!("{name}.weight"), &[cout, cin, k, k], fan_in)?,
            bias: weights.uniform(format!("{name}.bias"), &[cout], fan_in)?,
            window,
        })
    }

    /// Trainable parameters of a `kernel`×`kernel` convolution from `cin` to `cout` channels.
    #[must_use]
    pub fn params(cin: usize, cout: usize, kernel: usize) -> u64 {
        (kernel * kernel * cin * cout + cout) as u64
    }
}

impl Layer for Conv {
    fn forward(&self, x: &Tensor, _mode: &mut Mode<'_>) -> candle_core::Result<Tensor> {
        conv2d(
            x,
            self.weight.as_tensor(),
            self.bias.as_tensor(),
            self.window,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(pairs: &[(&str, Value)]) -> Args {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect()
    }

    #[test]
    fn same_padding_keeps_the_size_and_valid_shrinks_it() {
        let same = args(&[("channels", Value::Int(16)), ("kernel", Value::Int(5))]);
        assert_eq!(ConvKind.output(&same, &[3, 8, 8]), Ok(vec![16, 8, 8]));
        assert_eq!(ConvKind.params(&same, &[3, 8, 8]), 5 * 5 * 3 * 16 + 16);
        let mut valid = same.clone();
        valid.insert("padding".into(), Value::Str("valid".into()));
        assert_eq!(ConvKind.output(&valid, &[3, 8, 8]), Ok(vec![16, 4, 4]));
    }

    #[test]
    fn stride_and_pixel_padding_set_the_output_size() {
        let strided = args(&[
            ("channels", Value::Int(4)),
            ("kernel", Value::Int(3)),
            ("stride", Value::Int(2)),
            ("padding", Value::Int(0)),
        ]);
        // (9 − 3) / 2 + 1 = 4 and (8 − 3) / 2 + 1 = 3.
        assert_eq!(ConvKind.output(&strided, &[1, 9, 8]), Ok(vec![4, 4, 3]));
        let padded = args(&[
            ("channels", Value::Int(4)),
            ("kernel", Value::Int(3)),
            ("padding", Value::Int(2)),
        ]);
        assert_eq!(ConvKind.output(&padded, &[1, 8, 8]), Ok(vec![4, 10, 10]));
    }

    #[test]
    fn a_kernel_larger_than_the_image_is_an_error() {
        let big = args(&[
            ("channels", Value::Int(4)),
            ("kernel", Value::Int(5)),
            ("padding", Value::Str("valid".into())),
        ]);
        assert_eq!(
            ConvKind.output(&big, &[1, 3, 8]),
            Err(String::from(
                "a 5×5 kernel is larger than the 3-pixel input"
            ))
        );
        assert!(ConvKind.output(&big, &[64]).is_err());
    }
}
