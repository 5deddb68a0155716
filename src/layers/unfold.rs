//! `Unfold`: the Candle custom op that lays every kernel-sized patch of a batch of images out as one
//! column of a matrix (im2col), so a convolution becomes one matrix multiply; its backward folds a
//! gradient of that matrix back onto the images (col2im). [`super::conv_kernel`] multiplies the
//! unfolded matrix by the kernel with Candle's matmul, so autograd differentiates the whole
//! convolution through this op and the matmul.
//!
//! The matrix is `[c·k·k, n·oh·ow]`: row `(channel, ki, kj)` — the order of a kernel
//! `[cout, c, k, k]` flattened to `[cout, c·k·k]` — and column `(image, oy, ox)`, so the product
//! `kernel · unfolded` is `[cout, n·oh·ow]`. CPU and `f32` only; [`super::conv_kernel`] sends every
//! other case to Candle's own `conv2d`.

use candle_core::backend::BackendStorage;
use candle_core::{CpuStorage, CustomOp1, Layout, Shape, Tensor};
use rayon::prelude::{IndexedParallelIterator, ParallelIterator, ParallelSliceMut};

use super::blocks_per_task;
use super::conv::Window;

/// im2col for one window; its input is a contiguous `f32` batch `[n, c, h, w]` on the CPU.
pub struct Unfold(pub Window);

/// col2im, the adjoint of [`Unfold`] for a batch of `dims`: the gradient of the unfolded matrix summed
/// back onto the pixels each column was read from. Used by `Unfold`'s backward only.
struct Fold {
    window: Window,
    dims: Dims,
}

/// The sizes an unfold or fold works with.
#[derive(Debug, Clone, Copy)]
struct Dims {
    n: usize,
    c: usize,
    h: usize,
    w: usize,
    oh: usize,
    ow: usize,
}

impl Dims {
    fn of(window: Window, input: &[usize]) -> candle_core::Result<Self> {
        let &[n, c, h, w] = input else {
            candle_core::bail!("unfold needs images [n, c, h, w], got {input:?}")
        };
        let side = |size| window.output(size).map_err(candle_core::Error::msg);
        Ok(Self {
            n,
            c,
            h,
            w,
            oh: side(h)?,
            ow: side(w)?,
        })
    }

    /// Pixels of one output image.
    fn plane_out(self) -> usize {
        self.oh * self.ow
    }

    /// Columns of the unfolded matrix.
    fn columns(self) -> usize {
        self.n * self.plane_out()
    }
}

/// The `f32` values of a contiguous tensor (the CPU kernels read their inputs through it).
pub(crate) fn contiguous_f32<'a>(
    storage: &'a CpuStorage,
    layout: &Layout,
    op: &str,
) -> candle_core::Result<&'a [f32]> {
    let CpuStorage::F32(values) = storage else {
        candle_core::bail!("{op} covers f32 only, got {:?}", storage.dtype())
    };
    match layout.contiguous_offsets() {
        Some((start, end)) => Ok(&values[start..end]),
        None => candle_core::bail!("{op} needs a contiguous input"),
    }
}

/// The outputs `o` along one side whose input pixel `o·stride + offset − padding` lies in
/// `0..size`, for a kernel `offset` (ki or kj); an empty range when none does.
fn inside(window: Window, offset: usize, size: usize, outputs: usize) -> std::ops::Range<usize> {
    let Window {
        stride, padding, ..
    } = window;
    let first = padding.saturating_sub(offset).div_ceil(stride);
    let end = (size + padding)
        .saturating_sub(offset)
        .div_ceil(stride)
        .min(outputs);
    first.min(end)..end
}

impl CustomOp1 for Unfold {
    fn name(&self) -> &'static str {
        "unfold"
    }

    fn cpu_fwd(
        &self,
        storage: &CpuStorage,
        layout: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let x = contiguous_f32(storage, layout, self.name())?;
        let window = self.0;
        let d = Dims::of(window, layout.dims())?;
        let k = window.kernel;
        let rows = d.c * k * k;
        let columns = d.columns();
        let mut col = vec![0f32; rows * columns];
        if columns > 0 {
            col.par_chunks_mut(columns)
                .with_min_len(blocks_per_task(columns))
                .enumerate()
                .for_each(|(row, out)| unfold_row(x, window, d, row, out));
        }
        Ok((CpuStorage::F32(col), Shape::from((rows, columns))))
    }

    fn bwd(
        &self,
        arg: &Tensor,
        _res: &Tensor,
        grad_res: &Tensor,
    ) -> candle_core::Result<Option<Tensor>> {
        let fold = Fold {
            window: self.0,
            dims: Dims::of(self.0, arg.dims())?,
        };
        grad_res.contiguous()?.apply_op1_no_bwd(&fold).map(Some)
    }
}

/// Row `row` = (channel, ki, kj) of the unfolded matrix: for each image and output pixel, the input
/// pixel under kernel position (ki, kj), or 0 in the padding. `out` starts zeroed.
fn unfold_row(x: &[f32], window: Window, d: Dims, row: usize, out: &mut [f32]) {
    let k = window.kernel;
    let (channel, ki, kj) = (row / (k * k), (row / k) % k, row % k);
    let rows_in = inside(window, ki, d.h, d.oh);
    let cols_in = inside(window, kj, d.w, d.ow);
    if cols_in.is_empty() {
        return;
    }
    let plane = d.h * d.w;
    for (image, out) in out.chunks_exact_mut(d.plane_out()).enumerate() {
        let src = &x[(image * d.c + channel) * plane..][..plane];
        for oy in rows_in.clone() {
            let iy = oy * window.stride + ki - window.padding;
            let first_ix = cols_in.start * window.stride + kj - window.padding;
            let line = &src[iy * d.w + first_ix..(iy + 1) * d.w];
            let dst = &mut out[oy * d.ow..][cols_in.clone()];
            if window.stride == 1 {
                // A plain copy (`step_by(1)` kept the compiler from making it one).
                dst.copy_from_slice(&line[..dst.len()]);
            } else {
                for (dst, src) in dst.iter_mut().zip(line.iter().step_by(window.stride)) {
                    *dst = *src;
                }
            }
        }
    }
}

impl CustomOp1 for Fold {
    fn name(&self) -> &'static str {
        "fold"
    }

    fn cpu_fwd(
        &self,
        storage: &CpuStorage,
        layout: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let col = contiguous_f32(storage, layout, self.name())?;
        let Self { window, dims: d } = *self;
        let k = window.kernel;
        if layout.dims() != [d.c * k * k, d.columns()] {
            candle_core::bail!(
                "fold of {:?} into {d:?}: not an unfolded matrix",
                layout.dims()
            )
        }
        let image = d.c * d.h * d.w;
        let mut x = vec![0f32; d.n * image];
        if image > 0 {
            x.par_chunks_mut(image)
                .with_min_len(blocks_per_task(image))
                .enumerate()
                .for_each(|(n, out)| fold_image(col, window, d, n, out));
        }
        Ok((CpuStorage::F32(x), Shape::from((d.n, d.c, d.h, d.w))))
    }
}

/// Adds image `n`'s columns of the unfolded matrix `col` back onto its pixels `out` (`[c, h, w]`,
/// starting zeroed).
fn fold_image(col: &[f32], window: Window, d: Dims, n: usize, out: &mut [f32]) {
    let k = window.kernel;
    let columns = d.columns();
    let plane_out = d.plane_out();
    for (channel, plane) in out.chunks_exact_mut(d.h * d.w).enumerate() {
        for ki in 0..k {
            let rows_in = inside(window, ki, d.h, d.oh);
            for kj in 0..k {
                let cols_in = inside(window, kj, d.w, d.ow);
                if cols_in.is_empty() {
                    continue;
                }
                let row = (channel * k + ki) * k + kj;
                let src = &col[row * columns + n * plane_out..][..plane_out];
                for oy in rows_in.clone() {
                    let iy = oy * window.stride + ki - window.padding;
                    let first_ix = cols_in.start * window.stride + kj - window.padding;
                    let line = &mut plane[iy * d.w + first_ix..(iy + 1) * d.w];
                    let grad = &src[oy * d.ow..][cols_in.clone()];
                    if window.stride == 1 {
                        for (dst, g) in line.iter_mut().zip(grad) {
                            *dst += *g;
                        }
                    } else {
                        for (dst, g) in line.iter_mut().step_by(window.stride).zip(grad) {
                            *dst += *g;
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use candle_core::{DType, Device};

    use super::*;

    fn window(kernel: usize, stride: usize, padding: usize) -> Window {
        Window {
            kernel,
            stride,
            padding,
        }
    }

    /// The unfolded matrix computed from its definition, one element at a time.
    fn unfold_by_definition(x: &[f32], dims: [usize; 4], window: Window) -> Vec<f32> {
        let [n, c, h, w] = dims;
        let d = Dims::of(window, &dims).unwrap();
        let k = window.kernel;
        let mut col = Vec::new();
        for ch in 0..c {
            for ki in 0..k {
                for kj in 0..k {
                    for image in 0..n {
                        for oy in 0..d.oh {
                            for ox in 0..d.ow {
                                let iy = (oy * window.stride + ki).checked_sub(window.padding);
                                let ix = (ox * window.stride + kj).checked_sub(window.padding);
                                col.push(match (iy, ix) {
                                    (Some(iy), Some(ix)) if iy < h && ix < w => {
                                        x[((image * c + ch) * h + iy) * w + ix]
                                    }
                                    _ => 0.0,
                                });
                            }
                        }
                    }
                }
            }
        }
        col
    }

    /// Images `[n, c, h, w]` and a window (kernel, stride, padding).
    type Case = ([usize; 4], (usize, usize, usize));

    const CASES: &[Case] = &[
        ([2, 3, 5, 4], (3, 1, 1)),
        ([1, 1, 7, 7], (3, 2, 0)),
        ([2, 2, 6, 7], (3, 2, 1)),
        ([3, 2, 5, 5], (5, 1, 2)),
        ([2, 4, 4, 3], (1, 1, 0)),
        ([1, 2, 3, 3], (3, 1, 2)),
        ([2, 1, 9, 8], (5, 2, 2)),
        ([1, 3, 2, 2], (3, 2, 1)),
    ];

    #[test]
    fn unfolds_every_patch_with_zeros_in_the_padding() {
        let device = Device::Cpu;
        for &(dims, (k, s, p)) in CASES {
            let x = Tensor::randn(0f32, 1.0, dims.as_slice(), &device).unwrap();
            let col = x.apply_op1(Unfold(window(k, s, p))).unwrap();
            let values = x.flatten_all().unwrap().to_vec1::<f32>().unwrap();
            let expected = unfold_by_definition(&values, dims, window(k, s, p));
            assert_eq!(
                col.flatten_all().unwrap().to_vec1::<f32>().unwrap(),
                expected,
                "{dims:?} k={k} s={s} p={p}"
            );
        }
    }

    /// Fold is unfold's adjoint, ⟨unfold(x), g⟩ = ⟨x, fold(g)⟩, which is what makes it unfold's
    /// gradient.
    #[test]
    fn fold_is_the_adjoint_of_unfold() {
        let device = Device::Cpu;
        for &(dims, (k, s, p)) in CASES {
            let w = window(k, s, p);
            let x = Tensor::randn(0f32, 1.0, dims.as_slice(), &device).unwrap();
            let col = x.apply_op1(Unfold(w)).unwrap();
            let g = Tensor::randn(0f32, 1.0, col.shape(), &device).unwrap();
            let folded = g
                .apply_op1_no_bwd(&Fold {
                    window: w,
                    dims: Dims::of(w, &dims).unwrap(),
                })
                .unwrap();
            // ⟨a, b⟩ and Σ|a·b|, the scale of its rounding error in f32.
            let dot = |a: &Tensor, b: &Tensor| {
                let (a, b) = (
                    a.flatten_all().unwrap().to_vec1::<f32>().unwrap(),
                    b.flatten_all().unwrap().to_vec1::<f32>().unwrap(),
                );
                a.iter().zip(&b).fold((0f64, 0f64), |(sum, abs), (a, b)| {
                    let p = f64::from(*a) * f64::from(*b);
                    (sum + p, abs + p.abs())
                })
            };
            let ((left, scale), (right, _)) = (dot(&col, &g), dot(&x, &folded));
            assert!(
                (left - right).abs() <= 1e-6 * scale,
                "{dims:?} k={k} s={s} p={p}: {left} vs {right}"
            );
        }
    }

    #[test]
    fn refuses_what_it_does_not_cover() {
        let device = Device::Cpu;
        let doubles = Tensor::zeros((1, 1, 4, 4), DType::F64, &device).unwrap();
        assert!(doubles.apply_op1(Unfold(window(3, 1, 1))).is_err());
        let strided = Tensor::zeros((1, 1, 4, 4), DType::F32, &device)
            .unwrap()
            .transpose(2, 3)
            .unwrap();
        assert!(strided.apply_op1(Unfold(window(3, 1, 1))).is_err());
        let flat = Tensor::zeros((4, 4), DType::F32, &device).unwrap();
        assert!(flat.apply_op1(Unfold(window(3, 1, 1))).is_err());
    }
}
