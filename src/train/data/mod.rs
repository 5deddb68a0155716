//! Datasets in memory: the sources (`builtin`, `csv`, `idx`, `npz`, `folder`) and transforms
//! (`split`, `standardize`, `scale`, `take`, `subsample`) of a plan's [`DataPlan`], loaded into
//! [`Data`] (train / validation / test [`Examples`]). Consumed by the trainer, which turns each split into
//! device tensors once and batches by index.
//!
//! Order of transforms: `take`, `subsample` and `scale` apply to all rows in the order written; then
//! the rows are split (`split(...)`, or `split(val = 0.2, seed = 0)` when the pipeline has none);
//! `standardize` always uses statistics of the train split only, wherever it is written.

mod builtin;
mod csv;
mod folder;
mod idx;
mod npz;
mod transform;

pub use builtin::{FASHION_MNIST_DEBIAN, FASHION_MNIST_ENV};

use crate::plan::DataPlan;

/// What the targets are.
#[derive(Debug, Clone, PartialEq)]
pub enum Targets {
    /// One class index per example.
    Classes {
        /// Class index of each example, `0..classes`.
        labels: Vec<u32>,
        /// Number of classes.
        classes: usize,
    },
    /// Real-valued targets, `outputs` per example, row-major.
    Values {
        /// The values.
        values: Vec<f32>,
        /// Targets per example.
        outputs: usize,
    },
}

impl Targets {
    /// Number of examples.
    #[must_use]
    pub fn len(&self) -> usize {
        match self {
            Targets::Classes { labels, .. } => labels.len(),
            Targets::Values { values, outputs } => values.len() / (*outputs).max(1),
        }
    }

    /// Whether there are no examples.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Classes (classification) or targets (regression): the network's `outputs`.
    #[must_use]
    pub fn outputs(&self) -> usize {
        match self {
            Targets::Classes { classes, .. } => *classes,
            Targets::Values { outputs, .. } => *outputs,
        }
    }
}

/// Examples with their targets; inputs row-major, `input_shape.iter().product()` values each.
#[derive(Debug, Clone, PartialEq)]
pub struct Examples {
    /// Every example's values, one after the other.
    pub inputs: Vec<f32>,
    /// One example's shape: `[channels, height, width]` or `[features]`.
    pub input_shape: Vec<usize>,
    /// The targets.
    pub targets: Targets,
}

impl Examples {
    /// Number of examples.
    #[must_use]
    pub fn len(&self) -> usize {
        self.targets.len()
    }

    /// Whether there are none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.targets.is_empty()
    }

    /// Values per example.
    #[must_use]
    pub fn width(&self) -> usize {
        self.input_shape.iter().product()
    }
}

/// A dataset split for training.
#[derive(Debug, Clone, PartialEq)]
pub struct Data {
    /// Rows the model learns from.
    pub train: Examples,
    /// Rows the objective is measured on.
    pub val: Examples,
    /// Held-out rows, when `split(test = …)` asks for them.
    pub test: Option<Examples>,
}

/// A data problem, said in the user's terms (file, row or record). The caller attaches the dataset's
/// span to make it a located diagnostic.
pub type DataError = crate::problem::Problem;

/// Loads a plan's dataset: reads the source, applies the transforms, splits.
///
/// # Errors
/// A missing or unreadable file, a malformed row or record, a label column with one class, a split
/// that leaves a part empty.
pub fn load(plan: &DataPlan) -> Result<Data, DataError> {
    let all = read_source(plan)?;
    transform::apply(all, &plan.transforms)
}

/// Reads every row of the source, before transforms.
fn read_source(plan: &DataPlan) -> Result<Examples, DataError> {
    let dir = plan.dir.as_deref().map(std::path::Path::new);
    let resolve = |name: &str| -> std::path::PathBuf {
        dir.map_or_else(|| std::path::PathBuf::from(name), |d| d.join(name))
    };
    let source = &plan.source;
    let text = |name: &str| source.string(name).unwrap_or_default().to_owned();
    match source.name.as_str() {
        "builtin" => builtin::load(&text("name")),
        "csv" => csv::load(
            &resolve(&text("path")),
            &text("target"),
            source
                .args
                .get("header")
                .is_none_or(|h| *h == crate::space::Value::Bool(true)),
            source.string("task") == Some("regression"),
        ),
        "idx" => idx::load(&resolve(&text("images")), &resolve(&text("labels"))),
        "npz" => npz::load(&resolve(&text("path")), &text("x"), &text("y")),
        "folder" => {
            let size: Vec<usize> = match source.args.get("size") {
                Some(crate::space::Value::List(items)) => items
                    .iter()
                    .filter_map(crate::space::Value::as_i64)
                    .filter_map(|v| usize::try_from(v).ok())
                    .filter(|&v| v > 0)
                    .collect(),
                _ => Vec::new(),
            };
            let (height, width) = match size.as_slice() {
                [] => (32, 32),
                [side] => (*side, *side),
                [h, w, ..] => (*h, *w),
            };
            folder::load(&resolve(&text("path")), (height, width))
        }
        other => Err(DataError::new(format!("unknown dataset source `{other}`"))),
    }
}
