//! [`conv2d`]: the convolution `conv` and the residual projection run, bias included. On the CPU in
//! `f32` it is hps's own: the batch unfolded into one matrix ([`super::unfold`], im2col) times the
//! kernel with Candle's matmul, the product laid out as images with the bias added in one pass
//! ([`super::conv_output`]), so the forward and the backward are each a few large matrix
//! multiplies (Candle's CPU `conv2d` spent 4× its forward on forward + backward;
//! `docs/benchmarks.md`). On any other device or dtype it is Candle's own `conv2d` (cuDNN or Candle's
//! CUDA kernels in the `cuda` build).

use candle_core::{DType, Tensor};

use super::conv::Window;
use super::conv_output::images_from_columns;
use super::unfold::Unfold;

/// The unfolded matrix of one pass stays under this many values (256 MiB of `f32`); a larger batch is
/// convolved in slices of images.
const UNFOLDED_MAX: usize = 64 << 20;

/// The convolution of images `x` `[n, cin, h, w]` with `kernel` `[cout, cin, k, k]` over `window`,
/// plus `bias` `[cout]`: `[n, cout, oh, ow]`, contiguous.
///
/// # Errors
/// When the shapes do not fit (as Candle's `conv2d` would say) or on a Candle failure.
pub fn conv2d(
    x: &Tensor,
    kernel: &Tensor,
    bias: &Tensor,
    window: Window,
) -> candle_core::Result<Tensor> {
    sliced(x, kernel, bias, window, UNFOLDED_MAX)
}

/// [`conv2d`] with an unfolded matrix of at most `unfolded_max` values per pass (at least one image).
fn sliced(
    x: &Tensor,
    kernel: &Tensor,
    bias: &Tensor,
    window: Window,
    unfolded_max: usize,
) -> candle_core::Result<Tensor> {
    let cout = bias.dim(0)?;
    let ours = x.device().is_cpu() && [x, kernel, bias].iter().all(|t| t.dtype() == DType::F32);
    if !ours {
        return x
            .conv2d(kernel, window.padding, window.stride, 1, 1)?
            .broadcast_add(&bias.reshape((1, cout, 1, 1))?);
    }
    let (n, cin, h, w) = x.dims4()?;
    let (kernel_cout, kernel_cin, kh, kw) = kernel.dims4()?;
    if kernel_cout != cout || kernel_cin != cin || kh != window.kernel || kw != window.kernel {
        candle_core::bail!(
            "conv2d of {:?} with a kernel {:?} and a bias {:?} over a {}×{} window",
            x.dims(),
            kernel.dims(),
            bias.dims(),
            window.kernel,
            window.kernel
        )
    }
    let side = |size| window.output(size).map_err(candle_core::Error::msg);
    let (oh, ow) = (side(h)?, side(w)?);
    let rows = cin * window.kernel * window.kernel;
    let per_image = rows * oh * ow;
    let slice = (unfolded_max / per_image.max(1)).clamp(1, n.max(1));
    let kernel = kernel.reshape((cout, rows))?;
    let x = x.contiguous()?;
    let mut parts = Vec::with_capacity(n.div_ceil(slice));
    for start in (0..n).step_by(slice) {
        let images = slice.min(n - start);
        let unfolded = x.narrow(0, start, images)?.apply_op1(Unfold(window))?;
        let columns = kernel.matmul(&unfolded)?;
        parts.push(images_from_columns(&columns, bias, (images, oh, ow))?);
    }
    match parts.as_slice() {
        [one] => Ok(one.clone()),
        [] => Tensor::zeros((0, cout, oh, ow), DType::F32, x.device()),
        _ => Tensor::cat(&parts, 0),
    }
}

#[cfg(test)]
mod tests {
    use candle_core::{Device, Var};

    use super::*;

    /// (batch, cin, h, w), (cout, kernel, stride, padding).
    type Case = ([usize; 4], (usize, usize, usize, usize));

    /// What hps trains (3×3, 5×5, 1×1; stride 1 and 2; `same` and `valid` padding), odd sizes, batch 1,
    /// one channel, and a padding as wide as the kernel.
    const CASES: &[Case] = &[
        ([4, 1, 8, 8], (16, 3, 1, 1)),
        ([3, 16, 8, 8], (16, 3, 1, 1)),
        ([1, 3, 7, 5], (4, 3, 1, 1)),
        ([2, 5, 9, 11], (3, 5, 1, 2)),
        ([2, 4, 9, 9], (6, 3, 2, 1)),
        ([3, 2, 10, 7], (5, 3, 2, 0)),
        ([2, 8, 6, 6], (12, 1, 1, 0)),
        ([2, 3, 7, 7], (2, 1, 2, 0)),
        ([1, 1, 5, 5], (1, 5, 1, 0)),
        ([2, 2, 4, 3], (3, 3, 1, 3)),
        ([2, 3, 11, 9], (4, 5, 2, 2)),
        ([5, 32, 6, 6], (7, 3, 1, 1)),
    ];

    /// Candle's convolution plus the bias, as `conv` computed it before [`conv2d`].
    fn candles(x: &Tensor, w: &Tensor, b: &Tensor, window: Window) -> Tensor {
        let c = b.dim(0).unwrap();
        x.conv2d(w, window.padding, window.stride, 1, 1)
            .unwrap()
            .broadcast_add(&b.reshape((1, c, 1, 1)).unwrap())
            .unwrap()
    }

    fn close(ours: &Tensor, candle: &Tensor, what: &str) {
        assert_eq!(ours.dims(), candle.dims(), "{what}");
        let ours = ours.flatten_all().unwrap().to_vec1::<f32>().unwrap();
        let candle = candle.flatten_all().unwrap().to_vec1::<f32>().unwrap();
        let scale = candle.iter().fold(1f32, |m, v| m.max(v.abs()));
        for (i, (a, b)) in ours.iter().zip(&candle).enumerate() {
            assert!(
                (a - b).abs() <= 1e-5 * scale.max(b.abs()),
                "{what}: element {i} is {a}, Candle's {b}"
            );
        }
    }

    /// The gradients of Σ upstream · conv2d(x, w) with respect to `x` and `w`, from the definition
    /// y[n, o, oy, ox] = Σ x[n, c, oy·s + ki − p, ox·s + kj − p] · w[o, c, ki, kj] (+ b[o]), in f64.
    fn gradients_by_definition(
        x: &Tensor,
        w: &Tensor,
        upstream: &Tensor,
        window: Window,
    ) -> (Tensor, Tensor) {
        let values = |t: &Tensor| t.flatten_all().unwrap().to_vec1::<f32>().unwrap();
        let (xs, ws, gs) = (values(x), values(w), values(upstream));
        let (n, c, h, wd) = x.dims4().unwrap();
        let (cout, _, k, _) = w.dims4().unwrap();
        let (_, _, oh, ow) = upstream.dims4().unwrap();
        let (mut gx, mut gw) = (vec![0f64; xs.len()], vec![0f64; ws.len()]);
        for (image, o, oy, ox, ch, ki, kj) in (0..n).flat_map(|image| {
            (0..cout).flat_map(move |o| {
                (0..oh).flat_map(move |oy| {
                    (0..ow).flat_map(move |ox| {
                        (0..c).flat_map(move |ch| {
                            (0..k).flat_map(move |ki| {
                                (0..k).map(move |kj| (image, o, oy, ox, ch, ki, kj))
                            })
                        })
                    })
                })
            })
        }) {
            let iy = (oy * window.stride + ki).checked_sub(window.padding);
            let ix = (ox * window.stride + kj).checked_sub(window.padding);
            let (Some(iy), Some(ix)) = (iy, ix) else {
                continue;
            };
            if iy >= h || ix >= wd {
                continue;
            }
            let xi = ((image * c + ch) * h + iy) * wd + ix;
            let wi = ((o * c + ch) * k + ki) * k + kj;
            let g = f64::from(gs[((image * cout + o) * oh + oy) * ow + ox]);
            gx[xi] += g * f64::from(ws[wi]);
            gw[wi] += g * f64::from(xs[xi]);
        }
        let tensor = |v: Vec<f64>, like: &Tensor| {
            Tensor::from_vec(v, like.shape(), like.device())
                .unwrap()
                .to_dtype(DType::F32)
                .unwrap()
        };
        (tensor(gx, x), tensor(gw, w))
    }

    /// Values equal Candle's `conv2d` plus the bias, and the gradients of the input, the kernel and the
    /// bias under a random upstream gradient equal Candle's backward and the definition's, to 1e-5
    /// relative (to the largest value of the tensor compared). Candle's backward fails on some strided
    /// shapes (`[3, 2, 10, 7]`, k=3, s=2: "shape mismatch in add"); there only the definition is
    /// compared.
    #[test]
    fn matches_candles_conv2d_values_and_gradients() {
        let device = Device::Cpu;
        let mut compared_with_candle = 0;
        for &(dims, (cout, k, stride, padding)) in CASES {
            let what = format!("{dims:?} → {cout} channels, k={k} s={stride} p={padding}");
            let window = Window {
                kernel: k,
                stride,
                padding,
            };
            let x = Var::randn(0f32, 1.0, dims.as_slice(), &device).unwrap();
            let w = Var::randn(0f32, 1.0, (cout, dims[1], k, k), &device).unwrap();
            let b = Var::randn(0f32, 1.0, cout, &device).unwrap();
            let ours = conv2d(x.as_tensor(), w.as_tensor(), b.as_tensor(), window).unwrap();
            let candle = candles(x.as_tensor(), w.as_tensor(), b.as_tensor(), window);
            close(&ours, &candle, &format!("{what}: values"));

            let upstream = Tensor::randn(0f32, 1.0, candle.shape(), &device).unwrap();
            let ours = ours
                .mul(&upstream)
                .unwrap()
                .sum_all()
                .unwrap()
                .backward()
                .unwrap();
            let (gx, gw) = gradients_by_definition(x.as_tensor(), w.as_tensor(), &upstream, window);
            let gb = upstream.sum((0, 2, 3)).unwrap();
            close(
                ours.get(&x).unwrap(),
                &gx,
                &format!("{what}: input gradient"),
            );
            close(
                ours.get(&w).unwrap(),
                &gw,
                &format!("{what}: kernel gradient"),
            );
            close(
                ours.get(&b).unwrap(),
                &gb,
                &format!("{what}: bias gradient"),
            );
            if let Ok(candle) = candle.mul(&upstream).unwrap().sum_all().unwrap().backward() {
                compared_with_candle += 1;
                for (var, name) in [(&x, "input"), (&w, "kernel"), (&b, "bias")] {
                    close(
                        ours.get(var).unwrap(),
                        candle.get(var).unwrap(),
                        &format!("{what}: {name} gradient, Candle's"),
                    );
                }
            }
        }
        assert!(compared_with_candle >= CASES.len() - 2);
    }

    /// A batch whose unfolded matrix would pass the limit is convolved in slices of images (here 2,
    /// 2 and 1), and the slices join into the same values and gradients.
    #[test]
    fn a_large_batch_is_convolved_in_slices() {
        let device = Device::Cpu;
        let window = Window {
            kernel: 3,
            stride: 1,
            padding: 1,
        };
        let x = Var::randn(0f32, 1.0, (5, 2, 6, 6), &device).unwrap();
        let w = Var::randn(0f32, 1.0, (3, 2, 3, 3), &device).unwrap();
        let b = Var::randn(0f32, 1.0, 3, &device).unwrap();
        let (x_, w_, b_) = (x.as_tensor(), w.as_tensor(), b.as_tensor());
        let per_image = 2 * 9 * 6 * 6;
        let ours = sliced(x_, w_, b_, window, 2 * per_image + 1).unwrap();
        let candle = candles(x_, w_, b_, window);
        close(&ours, &candle, "sliced batch");
        let ours = ours.sqr().unwrap().sum_all().unwrap().backward().unwrap();
        let candle = candle.sqr().unwrap().sum_all().unwrap().backward().unwrap();
        for var in [&x, &w, &b] {
            close(
                ours.get(var).unwrap(),
                candle.get(var).unwrap(),
                "sliced gradient",
            );
        }
    }

    #[test]
    fn other_dtypes_go_to_candle_and_mismatched_shapes_are_errors() {
        let device = Device::Cpu;
        let window = Window {
            kernel: 3,
            stride: 1,
            padding: 1,
        };
        let x = Tensor::randn(0f64, 1.0, (2, 3, 5, 5), &device).unwrap();
        let w = Tensor::randn(0f64, 1.0, (4, 3, 3, 3), &device).unwrap();
        let b = Tensor::randn(0f64, 1.0, 4, &device).unwrap();
        let ours = conv2d(&x, &w, &b, window).unwrap();
        let candle = x
            .conv2d(&w, 1, 1, 1, 1)
            .unwrap()
            .broadcast_add(&b.reshape((1, 4, 1, 1)).unwrap())
            .unwrap();
        assert_eq!(
            ours.flatten_all().unwrap().to_vec1::<f64>().unwrap(),
            candle.flatten_all().unwrap().to_vec1::<f64>().unwrap()
        );
        let x = x.to_dtype(DType::F32).unwrap();
        let b = b.to_dtype(DType::F32).unwrap();
        let wrong_channels = Tensor::zeros((4, 2, 3, 3), DType::F32, &device).unwrap();
        assert!(conv2d(&x, &wrong_channels, &b, window).is_err());
        let wrong_kernel = Tensor::zeros((4, 3, 5, 5), DType::F32, &device).unwrap();
        assert!(conv2d(&x, &wrong_kernel, &b, window).is_err());
        let wrong_bias = Tensor::zeros(5, DType::F32, &device).unwrap();
        let w = w.to_dtype(DType::F32).unwrap();
        assert!(conv2d(&x, &w, &wrong_bias, window).is_err());
    }
}
