//! [`max_pool2d`] and [`avg_pool2d`]: the forward and backward of `maxpool(k)` and `avgpool(k)`
//! ([`super::pool`]). On the CPU in `f32` they are Candle custom ops of hps's own, because Candle
//! 0.11.1's backwards are wrong: its max-pool backward multiplies each window's gradient by (maxima in
//! the window) / k² (a 2×2 window with one maximum passes a quarter of its gradient), and both
//! backwards spread the gradient with `upsample_nearest2d`, which lands on the wrong pixels when a side
//! is not a multiple of the window. Here, as in PyTorch, a max-pool window's gradient goes whole to
//! its first maximum in row-major order (a NaN counts as the maximum), an average-pool window's is
//! divided evenly over its pixels, and pixels no window covers get none. Planes (image × channel)
//! run in parallel on the caller's rayon pool. On any other device or dtype both are Candle's own.

use super::blocks_per_task;
use super::unfold::contiguous_f32;
use std::sync::{Arc, OnceLock};

use candle_core::{CpuStorage, CustomOp1, DType, Layout, Shape, Tensor};
use rayon::prelude::{IndexedParallelIterator, ParallelIterator, ParallelSlice, ParallelSliceMut};

/// A square pooling window: its side and the step between windows, no padding (the last rows and
/// columns that do not fill a window are dropped).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolWindow {
    /// The window's side.
    pub kernel: usize,
    /// The step between windows, along both sides.
    pub stride: usize,
}

/// The maximum of each window of images `x` `[n, c, h, w]`: `[n, c, oh, ow]`.
///
/// # Errors
/// When `x` is not a batch of images the window fits, or on a Candle failure.
pub fn max_pool2d(x: &Tensor, window: PoolWindow) -> candle_core::Result<Tensor> {
    if !ours(x) {
        return x.max_pool2d_with_stride(window.kernel, window.stride);
    }
    x.contiguous()?.apply_op1(MaxPool {
        window,
        maxima: OnceLock::new(),
    })
}

/// The mean of each window of images `x` `[n, c, h, w]`: `[n, c, oh, ow]`.
///
/// # Errors
/// When `x` is not a batch of images the window fits, or on a Candle failure.
pub fn avg_pool2d(x: &Tensor, window: PoolWindow) -> candle_core::Result<Tensor> {
    if !ours(x) {
        return x.avg_pool2d_with_stride(window.kernel, window.stride);
    }
    x.contiguous()?.apply_op1(AvgPool(window))
}

/// Whether hps's kernels cover `x`: `f32` on the CPU.
fn ours(x: &Tensor) -> bool {
    x.device().is_cpu() && x.dtype() == DType::F32
}

/// The sizes a pool works with: `planes` images of `h × w` pooled to `oh × ow`.
#[derive(Debug, Clone, Copy)]
struct Planes {
    planes: usize,
    h: usize,
    w: usize,
    oh: usize,
    ow: usize,
}

impl Planes {
    fn of(window: PoolWindow, input: &[usize]) -> candle_core::Result<Self> {
        let PoolWindow { kernel, stride } = window;
        let &[n, c, h, w] = input else {
            candle_core::bail!("pooling needs images [n, c, h, w], got {input:?}")
        };
        if kernel == 0 || stride == 0 || h < kernel || w < kernel {
            candle_core::bail!(
                "a {kernel}×{kernel} pool with stride {stride} does not fit {input:?}"
            )
        }
        Ok(Self {
            planes: n * c,
            h,
            w,
            oh: (h - kernel) / stride + 1,
            ow: (w - kernel) / stride + 1,
        })
    }

    fn plane(self) -> usize {
        self.h * self.w
    }

    fn plane_out(self) -> usize {
        self.oh * self.ow
    }

    /// Planes one parallel task takes ([`blocks_per_task`] of its input values).
    fn planes_per_task(self) -> usize {
        blocks_per_task(self.plane())
    }

    /// The output pixels of one plane, with the row and column of their window's top-left pixel.
    fn windows(self, window: PoolWindow) -> impl Iterator<Item = (usize, usize, usize)> {
        (0..self.oh).flat_map(move |oy| {
            (0..self.ow).map(move |ox| (oy * self.ow + ox, oy * window.stride, ox * window.stride))
        })
    }
}

/// Folds each window of `plane` into its output in `out` (one plane's outputs, row-major): `init`,
/// then `combine(acc, value)` over the window's values in row-major order (the order Candle sums in).
fn fold_windows(
    plane: &[f32],
    out: &mut [f32],
    p: Planes,
    window: PoolWindow,
    init: f32,
    combine: impl Fn(f32, f32) -> f32,
) {
    let PoolWindow { kernel: k, stride } = window;
    for (oy, out) in out.chunks_exact_mut(p.ow).enumerate() {
        out.fill(init);
        for y in oy * stride..oy * stride + k {
            let row = &plane[y * p.w..(y + 1) * p.w];
            for (ox, acc) in out.iter_mut().enumerate() {
                for &v in &row[ox * stride..ox * stride + k] {
                    *acc = combine(*acc, v);
                }
            }
        }
    }
}

/// The first maximum, in row-major order, of the `k × k` window of `plane` (`w` wide) whose
/// top-left pixel is (`y0`, `x0`): its index in `plane` (the first NaN if there is one).
fn first_maximum(plane: &[f32], w: usize, k: usize, y0: usize, x0: usize) -> usize {
    let mut best = y0 * w + x0;
    for y in y0..y0 + k {
        for i in y * w + x0..y * w + x0 + k {
            best = pick(beats(plane[i], plane[best]), i, best);
        }
    }
    best
}

/// Whether `later` replaces `best` as a window's first maximum: it is larger, or the first NaN.
/// Computed without short-circuits, so that choosing by it needs no branch.
#[inline]
fn beats(later: f32, best: f32) -> bool {
    (later > best) | (later.is_nan() & !best.is_nan())
}

/// `a` if `take`, else `b`, by arithmetic on the indices: pooled values compare at random, and a
/// branch per pixel, mispredicted half the time, cost more than the rest of the pool (the compiler
/// turns a select between two `f32`s back into a branch; the value is read at the chosen index).
#[inline]
fn pick(take: bool, a: usize, b: usize) -> usize {
    b.wrapping_add(usize::from(take).wrapping_mul(a.wrapping_sub(b)))
}

/// The first maxima of one plane's 2 × 2 windows with stride 2 (the pool hps's networks use) into
/// `out` (their values) and `first` (their indices in `plane`): the two pixels of each row, then the
/// two rows' winners, as [`first_maximum`] would find them, with no per-window iterator. Indices fit
/// a `u32` (checked by the caller).
#[allow(clippy::cast_possible_truncation)]
fn first_maxima_2x2(plane: &[f32], p: Planes, out: &mut [f32], first: &mut [u32]) {
    let w = p.w;
    for (oy, (out, first)) in out
        .chunks_exact_mut(p.ow)
        .zip(first.chunks_exact_mut(p.ow))
        .enumerate()
    {
        let top = 2 * oy * w;
        let (upper, lower) = (&plane[top..top + w], &plane[top + w..top + 2 * w]);
        for (ox, (value, at)) in out.iter_mut().zip(first).enumerate() {
            let x = 2 * ox;
            let left_up = usize::from(beats(upper[x + 1], upper[x]));
            let left_down = usize::from(beats(lower[x + 1], lower[x]));
            let down = beats(lower[x + left_down], upper[x + left_up]);
            let index = pick(down, top + w + x + left_down, top + x + left_up);
            *value = plane[index];
            *at = index as u32;
        }
    }
}

/// Max pooling over a window, on a contiguous `f32` batch `[n, c, h, w]`. The forward records where
/// each window's first maximum is, so the backward only sends each gradient there (the op, and the
/// record with it, lives only as long as a graph that may ask for the gradient).
struct MaxPool {
    window: PoolWindow,
    /// Each output's first maximum as an index into its plane, recorded by the forward.
    maxima: OnceLock<Arc<[u32]>>,
}

/// The gradient of [`MaxPool`]: each window's gradient added to its first maximum (the positions the
/// forward recorded, one per output, as indices into their planes). Its operand is the gradient of
/// the output.
struct MaxPoolBackward {
    maxima: Arc<[u32]>,
    /// The pooled input's sizes.
    p: Planes,
    /// The pooled input's shape, the gradient's.
    input: Shape,
}

impl CustomOp1 for MaxPool {
    fn name(&self) -> &'static str {
        "max-pool"
    }

    fn cpu_fwd(
        &self,
        storage: &CpuStorage,
        layout: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let x = contiguous_f32(storage, layout, self.name())?;
        let window = self.window;
        let p = Planes::of(window, layout.dims())?;
        if u32::try_from(p.plane()).is_err() {
            candle_core::bail!("max-pool planes of {} pixels are too large", p.plane())
        }
        let two_by_two = window
            == PoolWindow {
                kernel: 2,
                stride: 2,
            };
        let mut y = vec![0f32; p.planes * p.plane_out()];
        let mut maxima = vec![0u32; y.len()];
        y.par_chunks_mut(p.plane_out())
            .zip(maxima.par_chunks_mut(p.plane_out()))
            .zip(x.par_chunks(p.plane()))
            .with_min_len(p.planes_per_task())
            .for_each(|((out, first), plane)| {
                if two_by_two {
                    first_maxima_2x2(plane, p, out, first);
                    return;
                }
                for (o, y0, x0) in p.windows(window) {
                    let at = first_maximum(plane, p.w, window.kernel, y0, x0);
                    out[o] = plane[at];
                    #[allow(clippy::cast_possible_truncation)]
                    let at = at as u32; // a plane's index fits: checked above
                    first[o] = at;
                }
            });
        let _ = self.maxima.set(maxima.into());
        Ok((CpuStorage::F32(y), output_shape(layout, p)))
    }

    fn bwd(
        &self,
        arg: &Tensor,
        _res: &Tensor,
        grad_res: &Tensor,
    ) -> candle_core::Result<Option<Tensor>> {
        let Some(maxima) = self.maxima.get() else {
            candle_core::bail!("max-pool backward without the forward's maxima")
        };
        grad_res
            .contiguous()?
            .apply_op1_no_bwd(&MaxPoolBackward {
                maxima: Arc::clone(maxima),
                p: Planes::of(self.window, arg.dims())?,
                input: arg.shape().clone(),
            })
            .map(Some)
    }
}

impl CustomOp1 for MaxPoolBackward {
    fn name(&self) -> &'static str {
        "max-pool-backward"
    }

    fn cpu_fwd(
        &self,
        grad_storage: &CpuStorage,
        grad_layout: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let grad = contiguous_f32(grad_storage, grad_layout, self.name())?;
        let p = self.p;
        if grad.len() != self.maxima.len() || grad.len() != p.planes * p.plane_out() {
            candle_core::bail!(
                "max-pool gradient of {} values for {} recorded maxima",
                grad.len(),
                self.maxima.len()
            )
        }
        let mut dx = vec![0f32; p.planes * p.plane()];
        dx.par_chunks_mut(p.plane())
            .zip(grad.par_chunks(p.plane_out()))
            .zip(self.maxima.par_chunks(p.plane_out()))
            .with_min_len(p.planes_per_task())
            .for_each(|((out, grad), maxima)| {
                for (&g, &at) in grad.iter().zip(maxima) {
                    out[at as usize] += g;
                }
            });
        Ok((CpuStorage::F32(dx), self.input.clone()))
    }
}

/// Average pooling over a window, on a contiguous `f32` batch `[n, c, h, w]`.
struct AvgPool(PoolWindow);

/// The gradient of [`AvgPool`] for an input of `dims`: each window's gradient over k² added to its
/// pixels. Its operand is the gradient of the output.
struct AvgPoolBackward {
    window: PoolWindow,
    dims: [usize; 4],
}

/// 1 / k², rounded to `f32` as Candle's `avg_pool2d` rounds it.
#[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
fn mean_scale(kernel: usize) -> f32 {
    (1f64 / (kernel * kernel) as f64) as f32
}

impl CustomOp1 for AvgPool {
    fn name(&self) -> &'static str {
        "avg-pool"
    }

    fn cpu_fwd(
        &self,
        storage: &CpuStorage,
        layout: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let x = contiguous_f32(storage, layout, self.name())?;
        let window = self.0;
        let k = window.kernel;
        let p = Planes::of(window, layout.dims())?;
        let scale = mean_scale(k);
        let mut y = vec![0f32; p.planes * p.plane_out()];
        y.par_chunks_mut(p.plane_out())
            .zip(x.par_chunks(p.plane()))
            .with_min_len(p.planes_per_task())
            .for_each(|(out, plane)| {
                fold_windows(plane, out, p, window, 0.0, |sum, v| sum + v);
                for v in out {
                    *v *= scale;
                }
            });
        Ok((CpuStorage::F32(y), output_shape(layout, p)))
    }

    fn bwd(
        &self,
        arg: &Tensor,
        _res: &Tensor,
        grad_res: &Tensor,
    ) -> candle_core::Result<Option<Tensor>> {
        let dims = arg.dims4()?;
        let backward = AvgPoolBackward {
            window: self.0,
            dims: [dims.0, dims.1, dims.2, dims.3],
        };
        grad_res.contiguous()?.apply_op1_no_bwd(&backward).map(Some)
    }
}

impl CustomOp1 for AvgPoolBackward {
    fn name(&self) -> &'static str {
        "avg-pool-backward"
    }

    fn cpu_fwd(
        &self,
        storage: &CpuStorage,
        layout: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let grad = contiguous_f32(storage, layout, self.name())?;
        let Self { window, dims } = *self;
        let k = window.kernel;
        let p = Planes::of(window, &dims)?;
        let input = Layout::contiguous(dims.as_slice());
        check_gradient(&input, layout, p)?;
        let scale = mean_scale(k);
        let mut dx = vec![0f32; p.planes * p.plane()];
        dx.par_chunks_mut(p.plane())
            .zip(grad.par_chunks(p.plane_out()))
            .with_min_len(p.planes_per_task())
            .for_each(|(out, grad)| {
                for (o, y0, x0) in p.windows(window) {
                    let g = grad[o] * scale;
                    for y in y0..y0 + k {
                        for v in &mut out[y * p.w + x0..y * p.w + x0 + k] {
                            *v += g;
                        }
                    }
                }
            });
        Ok((CpuStorage::F32(dx), Shape::from(dims.as_slice())))
    }
}

/// The shape `[n, c, oh, ow]` a pool of `input` gives.
fn output_shape(input: &Layout, p: Planes) -> Shape {
    let dims = input.dims();
    Shape::from((dims[0], dims[1], p.oh, p.ow))
}

/// Refuses an output gradient whose shape is not what pooling `input` gives.
fn check_gradient(input: &Layout, grad: &Layout, p: Planes) -> candle_core::Result<()> {
    let expected = output_shape(input, p);
    if grad.shape() != &expected {
        candle_core::bail!(
            "pooling gradient {:?} for an output {:?}",
            grad.dims(),
            expected.dims()
        )
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use candle_core::{Device, Var};

    use super::*;

    /// Images `[n, c, h, w]` and a window (kernel, stride): even and odd sides, sides that leave
    /// rows and columns no window covers, stride below, at and above the kernel, a 1×1 window.
    const CASES: &[([usize; 4], (usize, usize))] = &[
        ([4, 3, 8, 8], (2, 2)),
        ([2, 5, 9, 7], (2, 2)),
        ([3, 2, 7, 11], (3, 3)),
        ([1, 1, 5, 5], (5, 5)),
        ([2, 3, 9, 8], (3, 2)),
        ([2, 2, 6, 7], (2, 1)),
        ([1, 4, 10, 9], (2, 3)),
        ([2, 2, 4, 3], (1, 1)),
    ];

    fn window((kernel, stride): (usize, usize)) -> PoolWindow {
        PoolWindow { kernel, stride }
    }

    fn values(t: &Tensor) -> Vec<f32> {
        t.flatten_all().unwrap().to_vec1::<f32>().unwrap()
    }

    /// Random images with many ties: small integers.
    fn tied(dims: [usize; 4], device: &Device) -> Var {
        let x = Tensor::rand(0f32, 3.0, dims.as_slice(), device)
            .unwrap()
            .floor()
            .unwrap();
        Var::from_tensor(&x).unwrap()
    }

    /// The input gradient of Σ upstream · pool(x) by PyTorch's rule, one window at a time: a max
    /// window's gradient to its first maximum in row-major order, an average window's to each of its
    /// pixels over k².
    fn gradient_by_definition(
        x: &[f32],
        upstream: &[f32],
        dims: [usize; 4],
        window: PoolWindow,
        max: bool,
    ) -> Vec<f32> {
        let [n, c, h, w] = dims;
        let PoolWindow { kernel: k, stride } = window;
        let (oh, ow) = ((h - k) / stride + 1, (w - k) / stride + 1);
        let mut dx = vec![0f32; x.len()];
        for plane in 0..n * c {
            for oy in 0..oh {
                for ox in 0..ow {
                    let g = upstream[(plane * oh + oy) * ow + ox];
                    let pixels = (0..k).flat_map(|ky| {
                        (0..k).map(move |kx| (plane * h + oy * stride + ky) * w + ox * stride + kx)
                    });
                    if max {
                        let mut first = None::<usize>;
                        for i in pixels {
                            if first.is_none_or(|f| x[i] > x[f]) {
                                first = Some(i);
                            }
                        }
                        dx[first.unwrap()] += g;
                    } else {
                        for i in pixels {
                            dx[i] += g * mean_scale(k);
                        }
                    }
                }
            }
        }
        dx
    }

    /// Forward values equal Candle's `max_pool2d` and `avg_pool2d` exactly, and the input gradients
    /// under a random upstream gradient equal PyTorch's rule computed one window at a time, on
    /// random images and on images full of ties.
    #[test]
    fn values_equal_candles_and_gradients_follow_pytorchs_rule() {
        let device = Device::Cpu;
        for &(dims, kernel_stride) in CASES {
            let window = window(kernel_stride);
            let (k, s) = kernel_stride;
            for x in [
                Var::randn(0f32, 1.0, dims.as_slice(), &device).unwrap(),
                tied(dims, &device),
            ] {
                for max in [true, false] {
                    let what = format!("{dims:?} k={k} s={s} max={max}");
                    let xt = x.as_tensor();
                    let (ours, candle) = if max {
                        (
                            max_pool2d(xt, window).unwrap(),
                            xt.max_pool2d_with_stride(k, s).unwrap(),
                        )
                    } else {
                        (
                            avg_pool2d(xt, window).unwrap(),
                            xt.avg_pool2d_with_stride(k, s).unwrap(),
                        )
                    };
                    assert_eq!(ours.dims(), candle.dims(), "{what}");
                    assert_eq!(values(&ours), values(&candle), "{what}: values");
                    let upstream = Tensor::randn(0f32, 1.0, ours.shape(), &device).unwrap();
                    let grads = ours.mul(&upstream).unwrap().sum_all().unwrap();
                    let grads = grads.backward().unwrap();
                    let expected =
                        gradient_by_definition(&values(xt), &values(&upstream), dims, window, max);
                    assert_eq!(values(grads.get(&x).unwrap()), expected, "{what}: gradient");
                }
            }
        }
    }

    /// Ties go to the first maximum in row-major order; a NaN is the maximum.
    #[test]
    fn a_tied_window_sends_its_gradient_to_its_first_maximum() {
        let device = Device::Cpu;
        let x = Var::new(
            &[[[[1f32, 4.0, 0.0, 0.0], [4.0, 2.0, f32::NAN, 0.0]]]],
            &device,
        )
        .unwrap();
        let window = PoolWindow {
            kernel: 2,
            stride: 2,
        };
        let y = max_pool2d(x.as_tensor(), window).unwrap();
        let y_values = values(&y);
        assert_eq!(y_values[0], 4.0);
        assert!(y_values[1].is_nan());
        let grads = y.sum_all().unwrap().backward().unwrap();
        assert_eq!(
            values(grads.get(&x).unwrap()),
            [0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0]
        );
    }

    /// The 2 × 2 kernel picks what the general window search picks, window by window, on planes
    /// full of ties and NaNs (odd sides included): the first maximum in row-major order, or the
    /// first NaN.
    #[test]
    fn the_2x2_kernel_finds_the_first_maximum_the_general_search_finds() {
        let mut rng: rand::rngs::StdRng = rand::SeedableRng::seed_from_u64(3);
        for (h, w) in [(2, 2), (4, 4), (5, 7), (8, 9)] {
            for _ in 0..50 {
                let plane: Vec<f32> = (0..h * w)
                    .map(|_| match rand::Rng::random_range(&mut rng, 0..10) {
                        0 => f32::NAN,
                        v => (v % 3) as f32,
                    })
                    .collect();
                let window = PoolWindow {
                    kernel: 2,
                    stride: 2,
                };
                let p = Planes::of(window, &[1, 1, h, w]).unwrap();
                let (mut out, mut first) = (vec![0f32; p.plane_out()], vec![0u32; p.plane_out()]);
                first_maxima_2x2(&plane, p, &mut out, &mut first);
                for (o, y0, x0) in p.windows(window) {
                    let expected = first_maximum(&plane, w, 2, y0, x0);
                    assert_eq!(
                        first[o] as usize, expected,
                        "{plane:?} ({h}×{w}), window {o}"
                    );
                    assert_eq!(out[o].to_bits(), plane[expected].to_bits());
                }
            }
        }
    }

    /// Documents why these kernels exist: Candle 0.11.1 passes a quarter of a 2×2 window's gradient
    /// to its single maximum, and its average-pool gradient reaches a pixel no window covers. If this
    /// fails, Candle has fixed its backward and hps could go back to it.
    #[test]
    fn candles_pool_gradients_differ_from_pytorchs() {
        let device = Device::Cpu;
        let x = Var::new(&[[[[1f32, 2.0], [3.0, 4.0]]]], &device).unwrap();
        let window = PoolWindow {
            kernel: 2,
            stride: 2,
        };
        let candle = x.as_tensor().max_pool2d(2).unwrap();
        let candle = candle.sum_all().unwrap().backward().unwrap();
        assert_eq!(values(candle.get(&x).unwrap()), [0.0, 0.0, 0.0, 0.25]);
        let ours = max_pool2d(x.as_tensor(), window).unwrap();
        let ours = ours.sum_all().unwrap().backward().unwrap();
        assert_eq!(values(ours.get(&x).unwrap()), [0.0, 0.0, 0.0, 1.0]);

        // A 3-wide row pooled by 2: the third pixel is in no window.
        let x = Var::new(&[[[[1f32, 2.0, 3.0], [4.0, 5.0, 6.0]]]], &device).unwrap();
        let candle = x.as_tensor().avg_pool2d(2).unwrap();
        let candle = candle.sum_all().unwrap().backward().unwrap();
        assert_ne!(values(candle.get(&x).unwrap())[2], 0.0);
        let ours = avg_pool2d(x.as_tensor(), window).unwrap();
        let ours = ours.sum_all().unwrap().backward().unwrap();
        assert_eq!(
            values(ours.get(&x).unwrap()),
            [0.25, 0.25, 0.0, 0.25, 0.25, 0.0]
        );
    }

    #[test]
    fn other_dtypes_go_to_candle_strided_inputs_are_copied_and_misfits_are_errors() {
        let device = Device::Cpu;
        let window = PoolWindow {
            kernel: 2,
            stride: 2,
        };
        let doubles = Tensor::randn(0f64, 1.0, (2, 3, 6, 6), &device).unwrap();
        assert_eq!(
            max_pool2d(&doubles, window)
                .unwrap()
                .flatten_all()
                .unwrap()
                .to_vec1::<f64>()
                .unwrap(),
            doubles
                .max_pool2d(2)
                .unwrap()
                .flatten_all()
                .unwrap()
                .to_vec1::<f64>()
                .unwrap()
        );
        let transposed = Tensor::randn(0f32, 1.0, (2, 3, 6, 5), &device)
            .unwrap()
            .transpose(2, 3)
            .unwrap();
        assert_eq!(
            values(&avg_pool2d(&transposed, window).unwrap()),
            values(&transposed.avg_pool2d(2).unwrap())
        );
        let small = Tensor::zeros((1, 1, 3, 8), DType::F32, &device).unwrap();
        let wide = PoolWindow {
            kernel: 4,
            stride: 4,
        };
        assert!(max_pool2d(&small, wide).is_err());
        assert!(avg_pool2d(&small, wide).is_err());
        let flat = Tensor::zeros((4, 4), DType::F32, &device).unwrap();
        assert!(max_pool2d(&flat, window).is_err());
    }
}
