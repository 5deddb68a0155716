//! [`normalise_batch`]: training-mode batch normalisation as one Candle custom op of hps's own, on the
//! CPU in `f32`. Written as Candle ops, a batch norm is about a dozen element-wise passes forward
//! (layout copies, mean, centring, square, mean, square root, divide, scale, shift) and twice as many
//! backward, each a fresh tensor that Candle's gradient store zero-fills and adds into; here the
//! forward is two reading passes (mean, then variance, per channel) and one writing pass
//! (`(x − mean)·scale + β`), and the backward two sums per channel and one writing pass. Channels reduce
//! in parallel on the caller's rayon pool, sums in `f64`. On any other device or dtype, and in
//! evaluation (running statistics), `super::batchnorm` keeps Candle's ops.

use std::sync::{Arc, OnceLock};

use candle_core::{CpuStorage, CustomOp3, DType, Layout, Shape, Tensor};
use rayon::prelude::{
    IndexedParallelIterator, IntoParallelIterator, ParallelIterator, ParallelSlice,
    ParallelSliceMut,
};

use super::blocks_per_task;
use super::unfold::contiguous_f32;

/// A batch normalised in training: the output and the batch's statistics per channel.
pub struct Normalised {
    /// `(x − mean) / √(var + ε) · γ + β`, shaped as `x`.
    pub y: Tensor,
    /// The batch mean per channel, `[c]`, detached.
    pub mean: Tensor,
    /// The batch variance per channel with Bessel's correction (what running statistics track),
    /// `[c]`, detached.
    pub unbiased_var: Tensor,
}

/// Batch normalisation of `x` `[n, c, …]` over every axis but the channels', scaled by `gamma` and
/// shifted by `beta` (`[c]` each), with the batch's own statistics; `None` when hps's kernel does not
/// cover the inputs (not `f32` on the CPU, or an empty batch).
///
/// # Errors
/// When the shapes do not fit, or on a Candle failure.
pub fn normalise_batch(
    x: &Tensor,
    gamma: &Tensor,
    beta: &Tensor,
    eps: f64,
) -> candle_core::Result<Option<Normalised>> {
    let covered = x.device().is_cpu()
        && [x, gamma, beta].iter().all(|t| t.dtype() == DType::F32)
        && x.elem_count() > 0
        && x.rank() >= 2;
    if !covered {
        return Ok(None);
    }
    let op = BatchNorm {
        eps,
        statistics: Arc::new(OnceLock::new()),
    };
    let statistics = Arc::clone(&op.statistics);
    let y = x
        .contiguous()?
        .apply_op3(&gamma.contiguous()?, &beta.contiguous()?, op)?;
    let Some(s) = statistics.get() else {
        candle_core::bail!("batch norm: the forward recorded no statistics")
    };
    let c = s.mean.len();
    #[allow(clippy::cast_precision_loss)]
    let bessel = if s.count > 1 {
        s.count as f64 / (s.count - 1) as f64
    } else {
        1.0
    };
    #[allow(clippy::cast_possible_truncation)]
    let unbiased: Vec<f32> = s.var.iter().map(|&v| (v * bessel) as f32).collect();
    #[allow(clippy::cast_possible_truncation)]
    let mean: Vec<f32> = s.mean.iter().map(|&m| m as f32).collect();
    Ok(Some(Normalised {
        y,
        mean: Tensor::from_vec(mean, c, x.device())?,
        unbiased_var: Tensor::from_vec(unbiased, c, x.device())?,
    }))
}

/// One batch's statistics per channel, kept by the forward for the backward.
#[derive(Debug)]
struct Statistics {
    /// Mean per channel.
    mean: Vec<f64>,
    /// Biased variance per channel.
    var: Vec<f64>,
    /// `1 / √(var + ε)` per channel.
    inv_std: Vec<f64>,
    /// Values per channel (`n · h · w`).
    count: usize,
}

/// The training forward; its operands are `x`, `γ`, `β`.
struct BatchNorm {
    eps: f64,
    statistics: Arc<OnceLock<Statistics>>,
}

/// The backward: its operands are `x`, the output's gradient and `γ`; its output packs
/// `[dx (as many values as x), dγ (c), dβ (c)]`, split by [`BatchNorm::bwd`].
struct BatchNormBackward {
    statistics: Arc<OnceLock<Statistics>>,
}

/// `x`'s batch, channels and values per channel and image, from its dims `[n, c, …]`.
fn blocks(dims: &[usize]) -> (usize, usize, usize) {
    (dims[0], dims[1], dims[2..].iter().product())
}

/// The `inner` values of channel `ch` in each image of `values` (`[n, c, inner]`, contiguous).
fn channel(values: &[f32], c: usize, inner: usize, ch: usize) -> impl Iterator<Item = &[f32]> {
    values.chunks_exact(inner).skip(ch).step_by(c)
}

/// Σ f(aᵢ, bᵢ) over two slices of one length, in eight `f32` lanes (so the compiler can vectorise:
/// one `f64` sum in order is a chain of dependent additions, several times slower), the lanes added
/// in `f64`. A block is one channel of one image, so each lane sums at most a few hundred values.
#[inline]
fn lane_sum(a: &[f32], b: &[f32], f: impl Fn(f32, f32) -> f32) -> f64 {
    let mut lanes = [0f32; 8];
    let (a_chunks, b_chunks) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f64 = a_chunks
        .remainder()
        .iter()
        .zip(b_chunks.remainder())
        .map(|(&a, &b)| f64::from(f(a, b)))
        .sum();
    for (a, b) in a_chunks.zip(b_chunks) {
        for ((lane, &a), &b) in lanes.iter_mut().zip(a).zip(b) {
            *lane += f(a, b);
        }
    }
    lanes.iter().map(|&l| f64::from(l)).sum::<f64>() + tail
}

/// Refuses `γ` or `β` with other than `c` values.
fn check_channels(c: usize, gamma: &[f32], beta: Option<&[f32]>) -> candle_core::Result<()> {
    if gamma.len() != c || beta.is_some_and(|b| b.len() != c) {
        candle_core::bail!(
            "batch norm of {c} channels with a scale of {} and a shift of {:?} values",
            gamma.len(),
            beta.map(<[f32]>::len)
        )
    }
    Ok(())
}

impl CustomOp3 for BatchNorm {
    fn name(&self) -> &'static str {
        "batch-norm"
    }

    fn cpu_fwd(
        &self,
        x_storage: &CpuStorage,
        x_layout: &Layout,
        gamma_storage: &CpuStorage,
        gamma_layout: &Layout,
        beta_storage: &CpuStorage,
        beta_layout: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let x = contiguous_f32(x_storage, x_layout, self.name())?;
        let gamma = contiguous_f32(gamma_storage, gamma_layout, self.name())?;
        let beta = contiguous_f32(beta_storage, beta_layout, self.name())?;
        let (n, c, inner) = blocks(x_layout.dims());
        check_channels(c, gamma, Some(beta))?;
        let count = n * inner;
        #[allow(clippy::cast_precision_loss)]
        let per_channel = count as f64;
        let moments: Vec<(f64, f64)> = (0..c)
            .into_par_iter()
            .with_min_len(blocks_per_task(n * inner))
            .map(|ch| {
                let sum: f64 = channel(x, c, inner, ch)
                    .map(|block| lane_sum(block, block, |v, _| v))
                    .sum();
                let mean = sum / per_channel;
                #[allow(clippy::cast_possible_truncation)]
                let centre = mean as f32;
                let squares: f64 = channel(x, c, inner, ch)
                    .map(|block| lane_sum(block, block, |v, _| (v - centre) * (v - centre)))
                    .sum();
                (mean, squares / per_channel)
            })
            .collect();
        let (mean, var): (Vec<f64>, Vec<f64>) = moments.into_iter().unzip();
        let inv_std: Vec<f64> = var.iter().map(|v| 1.0 / (v + self.eps).sqrt()).collect();
        // y = (x − mean) · scale + β, with scale = γ / √(var + ε): centred first, so that a channel
        // of equal values gives exactly β.
        #[allow(clippy::cast_possible_truncation)]
        let per_channel_f32: Vec<(f32, f32, f32)> = (0..c)
            .map(|ch| {
                let scale = f64::from(gamma[ch]) * inv_std[ch];
                (mean[ch] as f32, scale as f32, beta[ch])
            })
            .collect();
        let mut y = vec![0f32; x.len()];
        y.par_chunks_mut(inner)
            .zip(x.par_chunks(inner))
            .enumerate()
            .with_min_len(blocks_per_task(inner))
            .for_each(|(block, (out, values))| {
                let (mean, scale, shift) = per_channel_f32[block % c];
                // Plain `*` and `+`: `mul_add` is a call to libm's `fmaf` on a build without FMA.
                for (o, &v) in out.iter_mut().zip(values) {
                    *o = (v - mean) * scale + shift;
                }
            });
        let _ = self.statistics.set(Statistics {
            mean,
            var,
            inv_std,
            count,
        });
        Ok((CpuStorage::F32(y), x_layout.shape().clone()))
    }

    fn bwd(
        &self,
        x: &Tensor,
        gamma: &Tensor,
        _beta: &Tensor,
        _res: &Tensor,
        grad: &Tensor,
    ) -> candle_core::Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let packed = x.contiguous()?.apply_op3_no_bwd(
            &grad.contiguous()?,
            &gamma.contiguous()?,
            &BatchNormBackward {
                statistics: Arc::clone(&self.statistics),
            },
        )?;
        let (values, c) = (x.elem_count(), gamma.elem_count());
        let dx = packed.narrow(0, 0, values)?.reshape(x.shape())?;
        let dgamma = packed.narrow(0, values, c)?;
        let dbeta = packed.narrow(0, values + c, c)?;
        Ok((Some(dx), Some(dgamma), Some(dbeta)))
    }
}

impl CustomOp3 for BatchNormBackward {
    fn name(&self) -> &'static str {
        "batch-norm-backward"
    }

    /// Per channel, with x̂ = (x − mean) / √(var + ε) and N values: dβ = Σ dy, dγ = Σ dy · x̂, and
    /// dx = γ / √(var + ε) · (dy − dβ / N − x̂ · dγ / N).
    fn cpu_fwd(
        &self,
        x_storage: &CpuStorage,
        x_layout: &Layout,
        grad_storage: &CpuStorage,
        grad_layout: &Layout,
        gamma_storage: &CpuStorage,
        gamma_layout: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let x = contiguous_f32(x_storage, x_layout, self.name())?;
        let dy = contiguous_f32(grad_storage, grad_layout, self.name())?;
        let gamma = contiguous_f32(gamma_storage, gamma_layout, self.name())?;
        let Some(s) = self.statistics.get() else {
            candle_core::bail!("batch norm backward before its forward")
        };
        let (_, c, inner) = blocks(x_layout.dims());
        check_channels(c, gamma, None)?;
        if dy.len() != x.len() || s.mean.len() != c {
            candle_core::bail!(
                "batch norm backward: a gradient of {} values for an input of {}",
                dy.len(),
                x.len()
            )
        }
        let sums: Vec<(f64, f64)> = (0..c)
            .into_par_iter()
            .with_min_len(blocks_per_task(2 * x.len() / c))
            .map(|ch| {
                #[allow(clippy::cast_possible_truncation)]
                let mean = s.mean[ch] as f32;
                let (dbeta, centred) = channel(x, c, inner, ch)
                    .zip(channel(dy, c, inner, ch))
                    .map(|(xs, gs)| {
                        (
                            lane_sum(gs, gs, |g, _| g),
                            lane_sum(xs, gs, |x, g| g * (x - mean)),
                        )
                    })
                    .fold((0.0, 0.0), |(a, b), (da, db)| (a + da, b + db));
                (dbeta, centred * s.inv_std[ch])
            })
            .collect();
        #[allow(clippy::cast_precision_loss)]
        let per_channel = s.count as f64;
        // dx = a · ((dy − mean dy) − (x − mean) · k) per channel, with a = γ / √(var + ε) and
        // k = dγ / (N · √(var + ε)): both differences first, so that a channel of one value gets 0.
        #[allow(clippy::cast_possible_truncation)]
        let coefficients: Vec<[f32; 4]> = (0..c)
            .map(|ch| {
                let (dbeta, dgamma) = sums[ch];
                let inv_std = s.inv_std[ch];
                [
                    s.mean[ch] as f32,
                    (dbeta / per_channel) as f32,
                    (f64::from(gamma[ch]) * inv_std) as f32,
                    (dgamma * inv_std / per_channel) as f32,
                ]
            })
            .collect();
        let mut packed = vec![0f32; x.len() + 2 * c];
        let (dx, parameters) = packed.split_at_mut(x.len());
        dx.par_chunks_mut(inner)
            .zip(x.par_chunks(inner).zip(dy.par_chunks(inner)))
            .enumerate()
            .with_min_len(blocks_per_task(inner))
            .for_each(|(block, (out, (xs, gs)))| {
                let [mean, mean_dy, a, k] = coefficients[block % c];
                for (o, (&x, &g)) in out.iter_mut().zip(xs.iter().zip(gs)) {
                    *o = a * ((g - mean_dy) - (x - mean) * k);
                }
            });
        #[allow(clippy::cast_possible_truncation)]
        for (ch, (dbeta, dgamma)) in sums.into_iter().enumerate() {
            parameters[ch] = dgamma as f32;
            parameters[c + ch] = dbeta as f32;
        }
        Ok((CpuStorage::F32(packed), Shape::from(x.len() + 2 * c)))
    }
}

#[cfg(test)]
mod tests {
    use candle_core::{Device, Var};

    use super::*;

    /// Batch norm written with Candle's ops over dims (0, 2, …), as `super::super::batchnorm` computes
    /// it off the CPU: the output and the biased variance.
    fn candles(x: &Tensor, gamma: &Tensor, beta: &Tensor, eps: f64) -> (Tensor, Tensor, Tensor) {
        let c = gamma.dim(0).unwrap();
        let mut broadcast = vec![1; x.rank()];
        broadcast[1] = c;
        let axes: Vec<usize> = (0..x.rank()).filter(|&a| a != 1).collect();
        let mean = x.mean_keepdim(axes.as_slice()).unwrap();
        let centred = x.broadcast_sub(&mean).unwrap();
        let var = centred
            .sqr()
            .unwrap()
            .mean_keepdim(axes.as_slice())
            .unwrap();
        let y = centred
            .broadcast_div(&var.affine(1.0, eps).unwrap().sqrt().unwrap())
            .unwrap()
            .broadcast_mul(&gamma.reshape(broadcast.as_slice()).unwrap())
            .unwrap()
            .broadcast_add(&beta.reshape(broadcast.as_slice()).unwrap())
            .unwrap();
        (y, mean.flatten_all().unwrap(), var.flatten_all().unwrap())
    }

    fn values(t: &Tensor) -> Vec<f32> {
        t.flatten_all().unwrap().to_vec1::<f32>().unwrap()
    }

    fn close(ours: &[f32], reference: &[f32], what: &str) {
        assert_eq!(ours.len(), reference.len(), "{what}");
        let scale = reference.iter().fold(1f32, |m, v| m.max(v.abs()));
        for (i, (a, b)) in ours.iter().zip(reference).enumerate() {
            assert!(
                (a - b).abs() <= 1e-5 * scale,
                "{what}: element {i} is {a}, Candle's {b}"
            );
        }
    }

    /// Values, batch statistics and the gradients of x, γ and β under a random upstream gradient
    /// equal Candle's ops, for images and flat features, one image, one value per channel, odd sizes
    /// and the digits CNN's shape.
    #[test]
    fn values_statistics_and_gradients_equal_candles_ops() {
        let device = Device::Cpu;
        let shapes: [&[usize]; 7] = [
            &[4, 3, 2, 5],
            &[6, 3],
            &[1, 2, 3, 3],
            &[2, 1, 1, 1],
            &[1, 4],
            &[5, 7, 3, 1],
            &[64, 16, 8, 8],
        ];
        for dims in shapes {
            let c = dims[1];
            let x = Var::randn(0.5f32, 2.0, dims, &device).unwrap();
            let gamma = Var::randn(1f32, 0.3, c, &device).unwrap();
            let beta = Var::randn(0f32, 0.3, c, &device).unwrap();
            let upstream = Tensor::randn(0f32, 1.0, dims, &device).unwrap();
            let eps = 1e-5;
            let ours = normalise_batch(&x, &gamma, &beta, eps).unwrap().unwrap();
            let (y, mean, var) = candles(&x, &gamma, &beta, eps);
            close(&values(&ours.y), &values(&y), &format!("{dims:?} output"));
            close(
                &values(&ours.mean),
                &values(&mean),
                &format!("{dims:?} mean"),
            );
            let count: usize = dims.iter().product::<usize>() / c;
            #[allow(clippy::cast_precision_loss)]
            let bessel = if count > 1 {
                count as f64 / (count - 1) as f64
            } else {
                1.0
            };
            close(
                &values(&ours.unbiased_var),
                &values(&var.affine(bessel, 0.0).unwrap()),
                &format!("{dims:?} unbiased variance"),
            );
            let loss = |y: &Tensor| y.mul(&upstream).unwrap().sum_all().unwrap();
            let our_grads = loss(&ours.y).backward().unwrap();
            let candle_grads = loss(&y).backward().unwrap();
            for (name, var) in [("x", &x), ("γ", &gamma), ("β", &beta)] {
                close(
                    &values(our_grads.get(var).unwrap()),
                    &values(candle_grads.get(var).unwrap()),
                    &format!("{dims:?} gradient of {name}"),
                );
            }
        }
    }

    /// Off the CPU's `f32`, and for an empty batch, the caller keeps Candle's ops.
    #[test]
    fn other_dtypes_and_empty_batches_are_left_to_candle() {
        let device = Device::Cpu;
        let gamma = Tensor::ones(3, DType::F64, &device).unwrap();
        let x = Tensor::ones((2, 3), DType::F64, &device).unwrap();
        assert!(normalise_batch(&x, &gamma, &gamma, 1e-5).unwrap().is_none());
        let gamma = Tensor::ones(3, DType::F32, &device).unwrap();
        let empty = Tensor::zeros((0, 3), DType::F32, &device).unwrap();
        assert!(
            normalise_batch(&empty, &gamma, &gamma, 1e-5)
                .unwrap()
                .is_none()
        );
        let four = Tensor::ones(4, DType::F32, &device).unwrap();
        let x = Tensor::ones((2, 3), DType::F32, &device).unwrap();
        assert!(normalise_batch(&x, &four, &gamma, 1e-5).is_err());
    }
}
