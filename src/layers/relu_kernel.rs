//! [`relu`]: the `relu` activation as one Candle custom op on the CPU in `f32`. Candle's own takes one
//! pass forward but four backward (a zero tensor, a comparison, a conversion to `f32`, a product),
//! each a fresh tensor; here the backward is one pass. Values and gradients are Candle's exactly:
//! `x` where `x > 0`, else 0 (a NaN and −0 give 0), and the gradient passes where `x ≥ 0`. Elsewhere,
//! Candle's `relu`.

use candle_core::{CpuStorage, CustomOp1, CustomOp2, DType, Layout, Shape, Tensor};
use rayon::prelude::{IndexedParallelIterator, IntoParallelRefIterator, ParallelIterator};

use super::VALUES_PER_TASK;
use super::unfold::contiguous_f32;

/// Each value of `x` where it is positive, else 0.
///
/// # Errors
/// On a Candle failure.
pub fn relu(x: &Tensor) -> candle_core::Result<Tensor> {
    if !(x.device().is_cpu() && x.dtype() == DType::F32) {
        return x.relu();
    }
    x.contiguous()?.apply_op1(Relu)
}

/// The forward.
struct Relu;

/// The backward: operands the input and the output's gradient.
struct ReluBackward;

impl CustomOp1 for Relu {
    fn name(&self) -> &'static str {
        "relu"
    }

    fn cpu_fwd(
        &self,
        storage: &CpuStorage,
        layout: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let x = contiguous_f32(storage, layout, self.name())?;
        let y: Vec<f32> = x
            .par_iter()
            .with_min_len(VALUES_PER_TASK)
            .map(|&v| if v > 0.0 { v } else { 0.0 })
            .collect();
        Ok((CpuStorage::F32(y), layout.shape().clone()))
    }

    fn bwd(
        &self,
        arg: &Tensor,
        _res: &Tensor,
        grad_res: &Tensor,
    ) -> candle_core::Result<Option<Tensor>> {
        arg.contiguous()?
            .apply_op2_no_bwd(&grad_res.contiguous()?, &ReluBackward)
            .map(Some)
    }
}

impl CustomOp2 for ReluBackward {
    fn name(&self) -> &'static str {
        "relu-backward"
    }

    fn cpu_fwd(
        &self,
        x_storage: &CpuStorage,
        x_layout: &Layout,
        grad_storage: &CpuStorage,
        grad_layout: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let x = contiguous_f32(x_storage, x_layout, self.name())?;
        let grad = contiguous_f32(grad_storage, grad_layout, self.name())?;
        if x.len() != grad.len() {
            candle_core::bail!(
                "relu backward: a gradient {:?} for an input {:?}",
                grad_layout.dims(),
                x_layout.dims()
            )
        }
        let dx: Vec<f32> = x
            .par_iter()
            .zip(grad.par_iter())
            .with_min_len(VALUES_PER_TASK)
            .map(|(&v, &g)| if v >= 0.0 { g } else { 0.0 })
            .collect();
        Ok((CpuStorage::F32(dx), x_layout.shape().clone()))
    }
}

#[cfg(test)]
mod tests {
    use candle_core::{Device, Var};

    use super::*;

    fn bits(t: &Tensor) -> Vec<u32> {
        t.flatten_all()
            .unwrap()
            .to_vec1::<f32>()
            .unwrap()
            .iter()
            .map(|v| v.to_bits())
            .collect()
    }

    /// Values and gradients equal Candle's `relu` bit for bit, zeros, negative zeros, NaNs and
    /// infinities included, on a small tensor and on one large enough to split over threads.
    #[test]
    fn values_and_gradients_equal_candles_relu() {
        let device = Device::Cpu;
        let special = [
            0.0f32,
            -0.0,
            f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            -1.5,
            2.5,
        ];
        for len in [special.len(), 3 * VALUES_PER_TASK + 7] {
            let random = Tensor::randn(0f32, 1.0, len, &device)
                .unwrap()
                .to_vec1::<f32>()
                .unwrap();
            let values: Vec<f32> = special.iter().copied().chain(random).take(len).collect();
            let x = Var::from_vec(values, (len,), &device).unwrap();
            let upstream = Tensor::randn(0f32, 1.0, len, &device).unwrap();
            let ours = relu(&x).unwrap();
            let candles = x.relu().unwrap();
            assert_eq!(bits(&ours), bits(&candles));
            let loss = |y: &Tensor| y.mul(&upstream).unwrap().sum_all().unwrap();
            let (a, b) = (
                loss(&ours).backward().unwrap(),
                loss(&candles).backward().unwrap(),
            );
            assert_eq!(bits(a.get(&x).unwrap()), bits(b.get(&x).unwrap()));
        }
    }
}
