//! What the plan knows of a dataset before loading it: input shape, outputs (classes or targets),
//! rows. Known exactly for built-in datasets; read from a CSV's rows or a folder's sub-folders; other
//! sources say so instead of guessing. Probed by `crate::lower` when a study is lowered.

use std::collections::BTreeSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::input_file;
use crate::plan::step::Step;

/// A dataset's shape as the network sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataShape {
    /// One example's shape: `[channels, height, width]` for images, `[features]` for rows.
    pub input: Vec<usize>,
    /// Classes (classification) or targets (regression).
    pub outputs: usize,
    /// `classification` or `regression`.
    pub task: String,
    /// Rows after `take` / `subsample`.
    pub rows: usize,
}

/// The shape of `dataset`, or why it is not known yet.
///
/// # Errors
/// When the data cannot be read now, or its format is only read when training starts.
pub fn infer(source: &Step, transforms: &[Step], dir: Option<&Path>) -> Result<DataShape, String> {
    let resolve = |p: &str| dir.map_or_else(|| p.into(), |d| d.join(p));
    let mut shape = match source.name.as_str() {
        "builtin" => match source.string("name") {
            Some("digits") => DataShape {
                input: vec![1, 8, 8],
                outputs: 10,
                task: String::from("classification"),
                rows: 1797,
            },
            Some("fashion_mnist") => DataShape {
                input: vec![1, 28, 28],
                outputs: 10,
                task: String::from("classification"),
                rows: 60_000,
            },
            other => return Err(format!("no built-in dataset {other:?}")),
        },
        "csv" => {
            let path = resolve(source.string("path").unwrap_or_default());
            let input = input_file::open(&path, input_file::DATA_LIMIT)
                .map_err(|e| format!("{} is not readable yet ({e})", path.display()))?;
            csv_shape(input, source)?
        }
        "folder" => {
            let path = resolve(source.string("path").unwrap_or_default());
            let classes = std::fs::read_dir(&path)
                .map_err(|e| format!("{} is not readable yet ({e})", path.display()))?
                .filter_map(Result::ok)
                .filter(|e| e.path().is_dir())
                .count();
            let size: Vec<usize> = match source.args.get("size") {
                Some(crate::space::Value::List(items)) => items
                    .iter()
                    .filter_map(crate::space::Value::as_i64)
                    .map(|v| usize::try_from(v).unwrap_or(0))
                    .collect(),
                _ => vec![32, 32],
            };
            DataShape {
                input: vec![
                    3,
                    size.first().copied().unwrap_or(32),
                    size.get(1).copied().unwrap_or(32),
                ],
                outputs: classes,
                task: String::from("classification"),
                rows: 0,
            }
        }
        other => {
            return Err(format!(
                "the shape of `{other}(…)` data is read when training starts"
            ));
        }
    };
    for t in transforms {
        match t.name.as_str() {
            "take" => {
                shape.rows = shape.rows.min(
                    t.int("n")
                        .and_then(|n| usize::try_from(n).ok())
                        .unwrap_or(shape.rows),
                );
            }
            "subsample" => {
                #[allow(
                    clippy::cast_possible_truncation,
                    clippy::cast_sign_loss,
                    clippy::cast_precision_loss
                )]
                let rows =
                    (shape.rows as f64 * t.number("fraction").unwrap_or(1.0)).round() as usize;
                shape.rows = rows;
            }
            _ => {}
        }
    }
    Ok(shape)
}

/// The column names of a CSV file with a header: its first record, read as the loader reads it.
/// Reads nothing past the first record, so the checker can afford it on every check.
///
/// # Errors
/// When the file cannot be read, is empty, or its first record is malformed.
pub fn csv_columns(path: &Path) -> Result<Vec<String>, String> {
    let input = input_file::open(path, input_file::DATA_LIMIT).map_err(|e| e.to_string())?;
    let first = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(input)
        .into_records()
        .next()
        .ok_or("the CSV file is empty")?
        .map_err(|e| e.to_string())?;
    Ok(first.iter().map(str::to_owned).collect())
}

/// Columns, distinct targets and rows of a CSV file, read as the loader reads it (quoted fields,
/// trimmed cells, blank lines skipped).
fn csv_shape(input: impl std::io::Read, source: &Step) -> Result<DataShape, String> {
    let header = source
        .args
        .get("header")
        .is_none_or(|v| *v == crate::space::Value::Bool(true));
    let mut records = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(input)
        .into_records();
    let target = source.string("target").unwrap_or_default();
    let first = records
        .next()
        .ok_or("the CSV file is empty")?
        .map_err(|e| e.to_string())?;
    let columns = first.len();
    let target_index = if header {
        let names: Vec<&str> = first.iter().collect();
        let index = names.iter().position(|n| *n == target).ok_or_else(|| {
            format!(
                "the CSV has no column {target:?}; columns: {}",
                names.join(", ")
            )
        })?;
        if names.iter().rposition(|n| *n == target) != Some(index) {
            return Err(format!("the CSV names {target:?} in more than one column"));
        }
        index
    } else {
        target
            .parse()
            .map_err(|_| "without a header, `target` is a column number".to_owned())?
    };
    let mut rows = 0;
    let mut classes = BTreeSet::new();
    let data = if header { None } else { Some(Ok(first)) };
    for record in data.into_iter().chain(records) {
        let record = record.map_err(|e| e.to_string())?;
        rows += 1;
        if let Some(value) = record.get(target_index) {
            classes.insert(value.to_owned());
        }
    }
    let regression = source.string("task") == Some("regression");
    Ok(DataShape {
        input: vec![columns.saturating_sub(1)],
        outputs: if regression { 1 } else { classes.len() },
        task: String::from(if regression {
            "regression"
        } else {
            "classification"
        }),
        rows,
    })
}
