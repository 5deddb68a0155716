//! [`DevicePlan`]: where training runs, lowered once from the checked `device = …` step (or
//! `--device`) and serialised as it. Turned into a Candle device by `crate::train::device::select`.

use serde::{Deserialize, Serialize};

use crate::catalogue::Family;
use crate::plan::step::{Step, StepArgs, count_value};

/// Where training runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Step", into = "Step")]
pub enum DevicePlan {
    /// CUDA when hps is built with it and a GPU answers, else the CPU.
    Auto,
    /// The CPU.
    Cpu,
    /// The NVIDIA GPU with this ordinal.
    Cuda {
        /// The GPU's ordinal.
        index: usize,
    },
}

impl DevicePlan {
    /// `auto`, `cpu` or `cuda(N)`, as `--device` takes it; `None` for anything else.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if let Some(index) = text.strip_prefix("cuda(").and_then(|r| r.strip_suffix(')')) {
            return Some(DevicePlan::Cuda {
                index: index.trim().parse().ok()?,
            });
        }
        match text {
            "auto" => Some(DevicePlan::Auto),
            "cpu" => Some(DevicePlan::Cpu),
            "cuda" => Some(DevicePlan::Cuda { index: 0 }),
            _ => None,
        }
    }
}

impl TryFrom<Step> for DevicePlan {
    type Error = String;

    fn try_from(step: Step) -> Result<Self, String> {
        let args = StepArgs::new(&step, Family::Device)?;
        Ok(match args.name() {
            "auto" => DevicePlan::Auto,
            "cpu" => DevicePlan::Cpu,
            "cuda" => DevicePlan::Cuda {
                index: usize::try_from(args.integer_from("index", 0)?).unwrap_or(usize::MAX),
            },
            other => return Err(format!("the plan cannot hold the device `{other}`")),
        })
    }
}

impl From<DevicePlan> for Step {
    fn from(plan: DevicePlan) -> Step {
        match plan {
            DevicePlan::Auto => Step::bare("auto"),
            DevicePlan::Cpu => Step::bare("cpu"),
            DevicePlan::Cuda { index } => Step::with("cuda", [("index", count_value(index))]),
        }
    }
}
