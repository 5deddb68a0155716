//! Where training runs: `auto` (CUDA when hps is built with `--features cuda` and a GPU answers,
//! otherwise the CPU), `cpu`, or `cuda(N)`. Read by the runtime before it builds the trainer.

use candle_core::Device;

use crate::plan::DevicePlan;

/// The device a study's `device` field (or `--device`) selects.
///
/// # Errors
/// `cuda(N)` in a build without CUDA, or a GPU that does not answer.
pub fn select(device: DevicePlan) -> Result<Device, String> {
    match device {
        DevicePlan::Cpu => Ok(Device::Cpu),
        DevicePlan::Cuda { index } => cuda(index),
        DevicePlan::Auto => Ok(cuda(0).unwrap_or(Device::Cpu)),
    }
}

#[cfg(feature = "cuda")]
fn cuda(index: usize) -> Result<Device, String> {
    Device::new_cuda(index).map_err(|e| format!("cuda({index}) is not available: {e}"))
}

#[cfg(not(feature = "cuda"))]
fn cuda(index: usize) -> Result<Device, String> {
    Err(format!(
        "cuda({index}) needs hps built with `--features cuda`; this build runs on the CPU (use `device = cpu` or `auto`)"
    ))
}

/// `cpu`, `cuda(0)`: how a device is printed.
#[must_use]
pub fn describe(device: &Device) -> String {
    match device {
        Device::Cpu => String::from("cpu"),
        Device::Cuda(_) => String::from("cuda"),
        Device::Metal(_) => String::from("metal"),
    }
}
