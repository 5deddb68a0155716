//! [`TrainerPlan`]: how each trial is trained — hps's own Candle trainer, an external command (its
//! parsed argv template and metrics format), the embedding program's closure, or recorded curves.
//! Produced by the checker (`trial = …`), part of a study's identity, and turned into a trainer by
//! the runtime's wiring.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::catalogue::Family;
use crate::plan::command_template::CommandTemplate;
use crate::plan::step::{Step, StepArgs};
use crate::space::Value;

/// How a trial is trained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TrainerPlan {
    /// hps's own Candle trainer.
    Builtin,
    /// An external program.
    Command {
        /// The argv template.
        template: CommandTemplate,
        /// How metrics are read.
        metrics: MetricsFormat,
        /// Per-trial time limit, seconds.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        timeout_seconds: Option<f64>,
    },
    /// The embedding program's own code (`hps::Study::optimize`).
    Custom,
    /// Recorded learning curves.
    Lookup {
        /// The CSV file.
        path: PathBuf,
        /// The epoch column.
        epoch: String,
    },
}

/// How an external program reports metrics on stdout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Step", into = "Step")]
pub enum MetricsFormat {
    /// One JSON object per line.
    Jsonl,
    /// Lines matching a regular expression whose named groups are metrics.
    Regex {
        /// The pattern as written.
        pattern: String,
    },
}

impl TryFrom<Step> for MetricsFormat {
    type Error = String;

    fn try_from(step: Step) -> Result<Self, String> {
        let args = StepArgs::new(&step, Family::Metrics)?;
        Ok(match args.name() {
            "jsonl" => MetricsFormat::Jsonl,
            "regex" => MetricsFormat::Regex {
                pattern: args.text("pattern")?,
            },
            other => return Err(format!("the plan cannot hold the metrics format `{other}`")),
        })
    }
}

impl From<MetricsFormat> for Step {
    fn from(format: MetricsFormat) -> Step {
        match format {
            MetricsFormat::Jsonl => Step::bare("jsonl"),
            MetricsFormat::Regex { pattern } => {
                Step::with("regex", [("pattern", Value::Str(pattern))])
            }
        }
    }
}
