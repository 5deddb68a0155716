//! [`images_from_columns`]: the last step of hps's CPU convolution (`super::conv_kernel`) as one Candle
//! custom op. The matrix product leaves the output as `[cout, n·pixels]` (a row per output channel);
//! the network wants `[n, cout, pixels]` with the bias added. As Candle ops that is a broadcast add, a
//! reshape, a transpose and a copy forward, and backward four gradients Candle zero-fills and adds
//! into, one of them through a strided view; here it is one pass each way (the bias's gradient summed
//! in the same pass).

use candle_core::{CpuStorage, CustomOp1, CustomOp2, Layout, Shape, Tensor};
use rayon::prelude::{IndexedParallelIterator, ParallelIterator, ParallelSliceMut};

use super::blocks_per_task;
use super::unfold::contiguous_f32;

/// `columns` `[cout, n·pixels]` plus `bias` `[cout]`, laid out as images `[n, cout, oh, ow]`
/// (`pixels = oh·ow`), contiguous `f32` on the CPU.
///
/// # Errors
/// When the shapes do not fit, or on a Candle failure.
pub fn images_from_columns(
    columns: &Tensor,
    bias: &Tensor,
    (n, oh, ow): (usize, usize, usize),
) -> candle_core::Result<Tensor> {
    columns
        .contiguous()?
        .apply_op2(&bias.contiguous()?, ImagesFromColumns(Sizes { n, oh, ow }))
}

/// The sizes of one layout change: `n` images of `oh × ow` pixels.
#[derive(Debug, Clone, Copy)]
struct Sizes {
    n: usize,
    oh: usize,
    ow: usize,
}

impl Sizes {
    fn pixels(self) -> usize {
        self.oh * self.ow
    }
}

/// The forward: `[cout, n·pixels]` + bias → `[n, cout, pixels]`.
struct ImagesFromColumns(Sizes);

/// The backward: the output's gradient `[n, cout, pixels]` → packed `[columns' gradient (cout·n·pixels
/// values, `[cout, n·pixels]`), bias's gradient (cout)]`.
struct ColumnsFromImages(Sizes);

impl CustomOp2 for ImagesFromColumns {
    fn name(&self) -> &'static str {
        "images-from-columns"
    }

    fn cpu_fwd(
        &self,
        columns_storage: &CpuStorage,
        columns_layout: &Layout,
        bias_storage: &CpuStorage,
        bias_layout: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let columns = contiguous_f32(columns_storage, columns_layout, self.name())?;
        let bias = contiguous_f32(bias_storage, bias_layout, self.name())?;
        let Sizes { n, oh, ow } = self.0;
        let pixels = self.0.pixels();
        let cout = bias.len();
        if columns.len() != cout * n * pixels || columns_layout.dims().first() != Some(&cout) {
            candle_core::bail!(
                "{}: columns {:?} for {cout} channels of {n} images of {pixels} pixels",
                self.name(),
                columns_layout.dims()
            )
        }
        let row = n * pixels;
        let mut images = vec![0f32; columns.len()];
        // One block per (image, channel): its pixels from the channel's row.
        images
            .par_chunks_mut(pixels.max(1))
            .enumerate()
            .with_min_len(blocks_per_task(pixels))
            .for_each(|(block, out)| {
                let (image, channel) = (block / cout, block % cout);
                let start = channel * row + image * pixels;
                let b = bias[channel];
                for (o, &v) in out.iter_mut().zip(&columns[start..start + pixels]) {
                    *o = v + b;
                }
            });
        Ok((CpuStorage::F32(images), Shape::from((n, cout, oh, ow))))
    }

    fn bwd(
        &self,
        columns: &Tensor,
        bias: &Tensor,
        _res: &Tensor,
        grad: &Tensor,
    ) -> candle_core::Result<(Option<Tensor>, Option<Tensor>)> {
        let packed = grad
            .contiguous()?
            .apply_op1_no_bwd(&ColumnsFromImages(self.0))?;
        let (values, cout) = (columns.elem_count(), bias.elem_count());
        let dcolumns = packed.narrow(0, 0, values)?.reshape(columns.shape())?;
        let dbias = packed.narrow(0, values, cout)?;
        Ok((Some(dcolumns), Some(dbias)))
    }
}

impl CustomOp1 for ColumnsFromImages {
    fn name(&self) -> &'static str {
        "columns-from-images"
    }

    fn cpu_fwd(
        &self,
        storage: &CpuStorage,
        layout: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let grad = contiguous_f32(storage, layout, self.name())?;
        let (n, pixels) = (self.0.n, self.0.pixels());
        let cout = layout.dims().get(1).copied().unwrap_or(0);
        if grad.len() != cout * n * pixels {
            candle_core::bail!(
                "{}: a gradient {:?} for {n} images of {pixels} pixels",
                self.name(),
                layout.dims()
            )
        }
        let row = n * pixels;
        let mut packed = vec![0f32; grad.len() + cout];
        let (dcolumns, dbias) = packed.split_at_mut(grad.len());
        // One row of the columns' gradient per channel: its pixels from every image, summed into
        // the bias's gradient on the way.
        let sums: Vec<f64> = dcolumns
            .par_chunks_mut(row.max(1))
            .with_min_len(blocks_per_task(row))
            .enumerate()
            .map(|(channel, out)| {
                let mut sum = 0f64;
                for (image, out) in out.chunks_exact_mut(pixels.max(1)).enumerate() {
                    let start = (image * cout + channel) * pixels;
                    let block = &grad[start..start + pixels];
                    out.copy_from_slice(block);
                    sum += block.iter().map(|&g| f64::from(g)).sum::<f64>();
                }
                sum
            })
            .collect();
        #[allow(clippy::cast_possible_truncation)]
        for (d, s) in dbias.iter_mut().zip(sums) {
            *d = s as f32;
        }
        Ok((CpuStorage::F32(packed), Shape::from(grad.len() + cout)))
    }
}

#[cfg(test)]
mod tests {
    use candle_core::{Device, Var};

    use super::*;

    fn values(t: &Tensor) -> Vec<f32> {
        t.flatten_all().unwrap().to_vec1::<f32>().unwrap()
    }

    /// Values and the columns' gradient under a random upstream gradient equal Candle's broadcast
    /// add, reshape, transpose and copy exactly, and the bias's gradient its definition, for one
    /// image, one channel, one pixel and the CNNs' shapes.
    #[test]
    fn values_and_gradients_equal_candles_ops() {
        let device = Device::Cpu;
        for (cout, n, oh, ow) in [
            (3, 2, 2, 3),
            (1, 4, 3, 3),
            (5, 1, 1, 1),
            (16, 64, 8, 8),
            (2, 3, 5, 1),
        ] {
            let columns = Var::randn(0f32, 1.0, (cout, n * oh * ow), &device).unwrap();
            let bias = Var::randn(0f32, 1.0, cout, &device).unwrap();
            let upstream = Tensor::randn(0f32, 1.0, (n, cout, oh, ow), &device).unwrap();
            let ours = images_from_columns(&columns, &bias, (n, oh, ow)).unwrap();
            let candles = columns
                .broadcast_add(&bias.reshape((cout, 1)).unwrap())
                .unwrap()
                .reshape((cout, n, oh, ow))
                .unwrap()
                .transpose(0, 1)
                .unwrap()
                .contiguous()
                .unwrap();
            assert_eq!(ours.dims(), candles.dims());
            assert_eq!(values(&ours), values(&candles));
            let loss = |y: &Tensor| y.mul(&upstream).unwrap().sum_all().unwrap();
            let (a, b) = (
                loss(&ours).backward().unwrap(),
                loss(&candles).backward().unwrap(),
            );
            assert_eq!(
                values(a.get(&columns).unwrap()),
                values(b.get(&columns).unwrap())
            );
            // The bias's gradient against its definition summed in f64 (Candle sums in f32, which
            // drifts by ~1e-5 over the 4,096 values of the digits CNN's shape).
            let up = values(&upstream);
            let pixels = oh * ow;
            for (channel, got) in values(a.get(&bias).unwrap()).into_iter().enumerate() {
                let exact: f64 = (0..n)
                    .flat_map(|i| {
                        let start = (i * cout + channel) * pixels;
                        up[start..start + pixels].iter().map(|&g| f64::from(g))
                    })
                    .sum();
                let magnitude: f64 = up.iter().map(|g| f64::from(g.abs())).sum();
                assert!(
                    (f64::from(got) - exact).abs() <= 1e-6 * magnitude.max(1.0),
                    "bias {channel}: {got} vs {exact}"
                );
            }
        }
    }

    /// Columns that do not match the bias and the sizes are an error, not a panic.
    #[test]
    fn columns_that_do_not_fit_are_errors() {
        let device = Device::Cpu;
        let columns = Tensor::zeros((3, 10), candle_core::DType::F32, &device).unwrap();
        let bias = Tensor::zeros(3, candle_core::DType::F32, &device).unwrap();
        assert!(images_from_columns(&columns, &bias, (2, 2, 3)).is_err());
        assert!(images_from_columns(&columns, &bias, (2, 5, 1)).is_ok());
    }
}
