//! Where the small CNN's time goes: Candle CPU timings of each operation of one training step of
//! `small_cnn(channels = 16)` on a batch of 64 8×8 images (forward, and forward + backward), and the
//! batch-norm statistics computed in two layouts; then each convolution of the digits CNN and of a
//! Fashion-MNIST CNN (batch 128, 28×28) with Candle's `conv2d` and with hps's
//! (`layers::conv_kernel`), and Candle's and hps's pooling (`layers::pool_kernel`) and batch norm
//! (`layers::batchnorm_kernel`). Run: `cargo bench --bench cnn_ops`; results and what they mean are in
//! docs/benchmarks.md.
use std::time::Instant;

use candle_core::{Device, Tensor, Var};
use hps::layers::conv::Window;
use hps::layers::pool_kernel::{self, PoolWindow};
use hps::layers::{batchnorm_kernel, conv_kernel};

/// A 2×2 pool with stride 2, as `maxpool(2)` and `avgpool(2)` run.
const WINDOW: PoolWindow = PoolWindow {
    kernel: 2,
    stride: 2,
};

/// A pooling of a batch of images.
type PoolFn = fn(&Tensor) -> candle_core::Result<Tensor>;

fn time<F: FnMut() -> candle_core::Result<()>>(name: &str, mut f: F) {
    for _ in 0..3 {
        f().expect("warm-up");
    }
    let n = 50;
    let t = Instant::now();
    for _ in 0..n {
        f().expect("timed run");
    }
    println!(
        "{name:<44} {:>8.1} µs",
        t.elapsed().as_secs_f64() * 1e6 / f64::from(n)
    );
}

fn main() -> candle_core::Result<()> {
    let d = Device::Cpu;
    let x = Var::from_tensor(&Tensor::randn(0f32, 1.0, (64, 16, 8, 8), &d)?)?;
    let w = Var::from_tensor(&Tensor::randn(0f32, 1.0, (16, 16, 3, 3), &d)?)?;
    time("conv2d fwd", || {
        x.as_tensor().conv2d(w.as_tensor(), 1, 1, 1, 1)?;
        Ok(())
    });
    time("conv2d fwd+bwd", || {
        let y = x.as_tensor().conv2d(w.as_tensor(), 1, 1, 1, 1)?;
        y.sum_all()?.backward()?;
        Ok(())
    });
    time("maxpool fwd+bwd", || {
        let y = x.as_tensor().max_pool2d(2)?;
        y.sum_all()?.backward()?;
        Ok(())
    });
    for (n, c, side) in [(64, 16, 8), (128, 32, 28)] {
        pools(n, c, side)?;
    }
    time("mean(2,3) fwd+bwd", || {
        let y = x.as_tensor().mean((2, 3))?;
        y.sum_all()?.backward()?;
        Ok(())
    });
    time("batchnorm stats over (0,2,3)", || {
        let m = x.as_tensor().mean_keepdim(vec![0usize, 2, 3].as_slice())?;
        let c = x.as_tensor().broadcast_sub(&m)?;
        let v = c.sqr()?.mean_keepdim(vec![0usize, 2, 3].as_slice())?;
        let y = c.broadcast_div(&v.affine(1.0, 1e-5)?.sqrt()?)?;
        y.sum_all()?.backward()?;
        Ok(())
    });
    time("relu fwd+bwd", || {
        let y = x.as_tensor().relu()?;
        y.sum_all()?.backward()?;
        Ok(())
    });
    let idx = Tensor::arange(0u32, 64, &d)?;
    let big = Tensor::randn(0f32, 1.0, (1437, 1, 8, 8), &d)?;
    time("index_select batch", || {
        big.index_select(&idx, 0)?;
        Ok(())
    });
    time("batchnorm stats over [C, N*H*W]", || {
        let t = x.as_tensor().transpose(0, 1)?.reshape((16, 64 * 64))?;
        let m = t.mean_keepdim(1)?;
        let cdev = t.broadcast_sub(&m)?;
        let v = cdev.sqr()?.mean_keepdim(1)?;
        let y = cdev
            .broadcast_div(&v.affine(1.0, 1e-5)?.sqrt()?)?
            .reshape((16, 64, 8, 8))?
            .transpose(0, 1)?;
        y.sum_all()?.backward()?;
        Ok(())
    });
    for (n, c, side) in [(64, 16, 8), (128, 32, 28)] {
        batch_norms(n, c, side)?;
    }
    for (n, cin, side, cout, kernel) in [
        (64, 16, 8, 16, 3),
        (64, 1, 8, 16, 3),
        (128, 1, 28, 32, 3),
        (128, 32, 14, 64, 3),
    ] {
        convolutions(n, cin, side, cout, kernel)?;
    }
    Ok(())
}

/// Training-mode batch normalisation of `n` images `[c, side, side]` with a scale and shift, forward
/// and backward: Candle's ops as `layers::batchnorm` runs them off the CPU (laid out `[c, n·h·w]`),
/// and hps's kernel (`layers::batchnorm_kernel`).
fn batch_norms(n: usize, c: usize, side: usize) -> candle_core::Result<()> {
    let d = Device::Cpu;
    let x = Var::from_tensor(&Tensor::randn(0f32, 1.0, (n, c, side, side), &d)?)?;
    let gamma = Var::from_tensor(&Tensor::ones(c, candle_core::DType::F32, &d)?)?;
    let beta = Var::from_tensor(&Tensor::zeros(c, candle_core::DType::F32, &d)?)?;
    let shape = format!("{n}×{c}×{side}²");
    time(&format!("Candle batch norm {shape} fwd+bwd"), || {
        let rows = x.as_tensor().transpose(0, 1)?.contiguous()?;
        let rows = rows.reshape((c, n * side * side))?;
        let m = rows.mean_keepdim(1)?;
        let v = rows.broadcast_sub(&m)?.sqr()?.mean_keepdim(1)?;
        let y = rows
            .broadcast_sub(&m)?
            .broadcast_div(&v.affine(1.0, 1e-5)?.sqrt()?)?
            .broadcast_mul(&gamma.as_tensor().reshape((c, 1))?)?
            .broadcast_add(&beta.as_tensor().reshape((c, 1))?)?
            .reshape((c, n, side, side))?
            .transpose(0, 1)?
            .contiguous()?;
        y.sum_all()?.backward()?;
        Ok(())
    });
    time(&format!("hps batch norm {shape} fwd+bwd"), || {
        let batch =
            batchnorm_kernel::normalise_batch(&x, &gamma, &beta, 1e-5)?.expect("f32 on the CPU");
        batch.y.sum_all()?.backward()?;
        Ok(())
    });
    Ok(())
}

/// Candle's and hps's max and average pooling (2×2) of `n` images `[c, side, side]`, forward and
/// forward + backward.
fn pools(n: usize, c: usize, side: usize) -> candle_core::Result<()> {
    let d = Device::Cpu;
    let x = Var::from_tensor(&Tensor::randn(0f32, 1.0, (n, c, side, side), &d)?)?;
    let shape = format!("{n}×{c}×{side}²");
    let pools: [(&str, PoolFn); 4] = [
        ("Candle max", |x| x.max_pool2d(2)),
        ("hps max", |x| pool_kernel::max_pool2d(x, WINDOW)),
        ("Candle avg", |x| x.avg_pool2d(2)),
        ("hps avg", |x| pool_kernel::avg_pool2d(x, WINDOW)),
    ];
    for (name, pool) in pools {
        time(&format!("{name} pool {shape} fwd"), || {
            pool(x.as_tensor())?;
            Ok(())
        });
        time(&format!("{name} pool {shape} fwd+bwd"), || {
            pool(x.as_tensor())?.sum_all()?.backward()?;
            Ok(())
        });
    }
    Ok(())
}

/// Candle's and hps's convolution of `n` images `[cin, side, side]` to `cout` channels, `same`
/// padding, forward and forward + backward (input and kernel gradients).
fn convolutions(
    n: usize,
    cin: usize,
    side: usize,
    cout: usize,
    kernel: usize,
) -> candle_core::Result<()> {
    let d = Device::Cpu;
    let x = Var::from_tensor(&Tensor::randn(0f32, 1.0, (n, cin, side, side), &d)?)?;
    let w = Var::from_tensor(&Tensor::randn(0f32, 1.0, (cout, cin, kernel, kernel), &d)?)?;
    let window = Window {
        kernel,
        stride: 1,
        padding: kernel / 2,
    };
    let b = Var::from_tensor(&Tensor::randn(0f32, 1.0, cout, &d)?)?;
    let shape = format!("{n}×{cin}×{side}² → {cout}, {kernel}×{kernel}");
    // Both with the bias, added as `conv` did before `conv_kernel`.
    let candle = |x: &Tensor, w: &Tensor| {
        x.conv2d(w, kernel / 2, 1, 1, 1)?
            .broadcast_add(&b.as_tensor().reshape((1, cout, 1, 1))?)
    };
    let ours = |x: &Tensor, w: &Tensor| conv_kernel::conv2d(x, w, b.as_tensor(), window);
    for (who, conv) in [
        (
            "candle",
            &candle as &dyn Fn(&Tensor, &Tensor) -> candle_core::Result<Tensor>,
        ),
        ("hps", &ours),
    ] {
        time(&format!("{who} conv {shape} fwd"), || {
            conv(x.as_tensor(), w.as_tensor())?;
            Ok(())
        });
        time(&format!("{who} conv {shape} fwd+bwd"), || {
            conv(x.as_tensor(), w.as_tensor())?.sum_all()?.backward()?;
            Ok(())
        });
    }
    Ok(())
}
