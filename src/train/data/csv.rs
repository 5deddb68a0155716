//! `csv(path, target, header, task)`: the rows of a CSV file as [`Examples`] of shape `[features]`,
//! every column but `target` a feature, in file order. Consumed by the transforms.
//!
//! Feature columns must be numeric. A categorical feature (`"red"`, `"blue"`) is rejected with the
//! file, row and column rather than encoded silently: the encoding (one-hot, ordinal, hashing) changes
//! what the model learns, so it is left to the user for now.
//!
//! Classification targets may be any text; the distinct values become class indices in sorted order
//! (numerically when every value is a number, so `2` comes before `10`). Regression targets are numbers.
//!
//! Rows are counted from 1 and the header, when there is one, is row 1. Without a header `target`
//! is a 0-based column number.

use std::collections::BTreeMap;
use std::path::Path;

use super::{DataError, Examples, Targets};
use crate::input_file;

/// Reads every row of a CSV file.
///
/// # Errors
/// A missing or unreadable file, no rows, an unknown target column, a row with the wrong number of
/// columns, a feature or regression target that is not a number, a label column with one class.
pub fn load(
    path: &Path,
    target: &str,
    header: bool,
    regression: bool,
) -> Result<Examples, DataError> {
    let file = path.display().to_string();
    let input = input_file::open(path, input_file::DATA_LIMIT)
        .map_err(|e| DataError::new(format!("{file}: {e}")))?;
    let reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(input);

    let mut records = reader.into_records();
    let first = match records.next() {
        None => return Err(DataError::new(format!("{file} is empty"))),
        Some(record) => record.map_err(|e| read_error(&file, 1, &e))?,
    };
    let columns = first.len();
    let (names, target_column, first_data) = if header {
        let names: Vec<String> = first.iter().map(str::to_owned).collect();
        refuse_repeated_names(&names, &file)?;
        let target_column = names.iter().position(|n| n == target).ok_or_else(|| {
            DataError::new(format!("{file} has no column `{target}`")).with_help(format!(
                "the header names: {}",
                names
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?;
        (Some(names), target_column, None)
    } else {
        let target_column = target
            .parse::<usize>()
            .ok()
            .filter(|&c| c < columns)
            .ok_or_else(|| {
                DataError::new(format!(
                    "{file} has no header, so `target` must be a column number from 0 to {}, not `{target}`",
                    columns - 1
                ))
                .with_help("set `header = true` to name columns by the first row")
            })?;
        (None, target_column, Some(first))
    };
    if columns < 2 {
        return Err(DataError::new(format!(
            "{file} has only the target column; there are no features"
        )));
    }
    let column_name = |column: usize| match &names {
        Some(names) => format!("column `{}`", names[column]),
        None => format!("column {column}"),
    };

    let features = columns - 1;
    let mut inputs = Vec::new();
    let mut raw_targets = Vec::new();
    let first_row = if header { 2 } else { 1 };
    let rows = first_data.into_iter().map(Ok).chain(records);
    for (row, record) in (first_row..).zip(rows) {
        let record = record.map_err(|e| read_error(&file, row, &e))?;
        if record.len() != columns {
            let expected = if header {
                format!("the header has {columns}")
            } else {
                format!("row 1 has {columns}")
            };
            return Err(DataError::new(format!(
                "{file}, row {row}: {} columns, {expected}",
                record.len()
            )));
        }
        for (column, field) in record.iter().enumerate() {
            if column == target_column {
                if field.is_empty() {
                    return Err(CellProblem::Missing.at(field, &file, row, &column_name(column)));
                }
                raw_targets.push(field.to_owned());
            } else {
                let value = parse_number(field)
                    .map_err(|problem| problem.at(field, &file, row, &column_name(column)))?;
                inputs.push(value);
            }
        }
    }
    if raw_targets.is_empty() {
        return Err(DataError::new(format!("{file} has a header but no rows")));
    }

    let targets = if regression {
        regression_targets(&raw_targets, &file, first_row, &column_name(target_column))?
    } else {
        class_targets(&raw_targets, &file, &column_name(target_column))?
    };
    Ok(Examples {
        inputs,
        input_shape: vec![features],
        targets,
    })
}

/// Why a cell's value is not usable.
enum CellProblem {
    Missing,
    NotFinite,
    NotNumber,
}

impl CellProblem {
    fn at(self, field: &str, file: &str, row: usize, column: &str) -> DataError {
        let place = format!("{file}, row {row}, {column}");
        match self {
            CellProblem::Missing => DataError::new(format!("{place}: missing value"))
                .with_help("fill in or drop rows with missing values before training"),
            CellProblem::NotFinite => {
                DataError::new(format!("{place}: `{field}` is not a finite number"))
            }
            CellProblem::NotNumber => DataError::new(format!("{place}: `{field}` is not a number"))
                .with_help(
                    "categorical feature columns are not supported yet; one-hot encode them \
                     first (one 0/1 column per category)",
                ),
        }
    }
}

/// A feature value as a number; text and missing values are problems.
fn parse_number(field: &str) -> Result<f32, CellProblem> {
    if field.is_empty() {
        return Err(CellProblem::Missing);
    }
    match field.parse::<f32>() {
        Ok(value) if value.is_finite() => Ok(value),
        Ok(_) => Err(CellProblem::NotFinite),
        Err(_) => Err(CellProblem::NotNumber),
    }
}

/// Regression targets: one number per row.
fn regression_targets(
    raw: &[String],
    file: &str,
    first_row: usize,
    column: &str,
) -> Result<Targets, DataError> {
    let values = raw
        .iter()
        .enumerate()
        .map(|(index, field)| {
            field
                .parse::<f32>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| {
                    DataError::new(format!(
                        "{file}, row {}, {column}: `{field}` is not a number",
                        index + first_row
                    ))
                    .with_help("a regression target must be numeric; for labels use `task = classification`")
                })
        })
        .collect::<Result<Vec<f32>, DataError>>()?;
    Ok(Targets::Values { values, outputs: 1 })
}

/// Class indices: distinct labels in sorted order (numeric order when all are numbers).
fn class_targets(raw: &[String], file: &str, column: &str) -> Result<Targets, DataError> {
    let mut distinct: Vec<&str> = raw
        .iter()
        .map(String::as_str)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    if distinct.len() < 2 {
        return Err(DataError::new(format!(
            "{file}: the label {column} has only one class (`{}`)",
            distinct.first().copied().unwrap_or_default()
        ))
        .with_help("classification needs at least two classes; for a numeric target use `task = regression`"));
    }
    let numbers: Option<Vec<f64>> = distinct.iter().map(|d| d.parse::<f64>().ok()).collect();
    if let Some(numbers) = numbers {
        let mut paired: Vec<(f64, &str)> = numbers.into_iter().zip(distinct).collect();
        paired.sort_by(|a, b| a.0.total_cmp(&b.0));
        refuse_fractional_labels(&paired, raw.len(), file, column)?;
        distinct = paired.into_iter().map(|(_, label)| label).collect();
    }
    let index: BTreeMap<&str, u32> = distinct
        .iter()
        .zip(0u32..)
        .map(|(label, class)| (*label, class))
        .collect();
    let labels = raw.iter().map(|r| index[r.as_str()]).collect();
    Ok(Targets::Classes {
        labels,
        classes: distinct.len(),
    })
}

/// Class labels that are numbers with a fraction (`1.37`, `2.71`) are a regression target read as
/// classification: every distinct value would become its own class.
fn refuse_fractional_labels(
    labels: &[(f64, &str)],
    rows: usize,
    file: &str,
    column: &str,
) -> Result<(), DataError> {
    let fractional: Vec<&str> = labels
        .iter()
        .filter(|(number, _)| number.fract() != 0.0)
        .map(|(_, label)| *label)
        .collect();
    if fractional.is_empty() {
        return Ok(());
    }
    let examples: Vec<String> = fractional
        .iter()
        .take(3)
        .map(|l| format!("`{l}`"))
        .collect();
    Err(DataError::new(format!(
        "{file}: the label {column} holds numbers with fractions ({}{}), which would make {} \
         classes out of {rows} rows",
        examples.join(", "),
        if fractional.len() > 3 { ", …" } else { "" },
        labels.len()
    ))
    .with_help(
        "this looks like a regression target: set `task = regression` in csv(…); for classes, \
         use whole numbers or names as labels",
    ))
}

/// A header that names a column twice would leave the second one unreachable.
fn refuse_repeated_names(names: &[String], file: &str) -> Result<(), DataError> {
    let mut repeated: Vec<String> = Vec::new();
    for (index, name) in names.iter().enumerate() {
        if names[..index].contains(name) {
            continue;
        }
        let columns: Vec<String> = (index + 1..=names.len())
            .filter(|&column| names[column - 1] == *name)
            .map(|column| column.to_string())
            .collect();
        if columns.len() > 1 {
            repeated.push(format!("`{name}` (columns {})", columns.join(", ")));
        }
    }
    if repeated.is_empty() {
        return Ok(());
    }
    Err(DataError::new(format!(
        "{file}: the header names {} more than once",
        repeated.join(" and ")
    ))
    .with_help("give every column its own name in the header row"))
}

/// A read error at a row.
fn read_error(file: &str, row: usize, error: &csv::Error) -> DataError {
    DataError::new(format!("{file}, row {row}: {}", describe(error)))
}

/// A csv error in the user's terms: the OS error for I/O, the reader's message otherwise.
fn describe(error: &csv::Error) -> String {
    match error.kind() {
        csv::ErrorKind::Io(io) => io.to_string(),
        csv::ErrorKind::Utf8 { err, .. } => format!("not valid UTF-8 ({err})"),
        _ => error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> std::path::PathBuf {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn header_names_the_target_and_labels_map_in_sorted_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            &dir,
            "iris.csv",
            "a,species,b\n1,virginica,2\n3,setosa,4\n5,virginica,6\n",
        );
        let examples = load(&path, "species", true, false).unwrap();
        assert_eq!(examples.input_shape, vec![2]);
        assert_eq!(examples.inputs, vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        assert_eq!(
            examples.targets,
            Targets::Classes {
                labels: vec![1, 0, 1],
                classes: 2
            }
        );
    }

    #[test]
    fn without_header_the_target_is_a_column_number() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(&dir, "d.csv", "10,0.5,1\n2,0.25,0\n1,1.5,1\n");
        let examples = load(&path, "0", false, false).unwrap();
        assert_eq!(examples.len(), 3);
        assert_eq!(examples.inputs, vec![0.5, 1.0, 0.25, 0.0, 1.5, 1.0]);
        // Numeric labels sort as numbers: 1 < 2 < 10.
        assert_eq!(
            examples.targets,
            Targets::Classes {
                labels: vec![2, 1, 0],
                classes: 3
            }
        );
        let error = load(&path, "7", false, false).unwrap_err();
        assert!(error.message.contains("from 0 to 2"), "{}", error.message);
    }

    #[test]
    fn regression_targets_are_values() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(&dir, "r.csv", "x,y\n1,0.5\n2,1.5\n");
        let examples = load(&path, "y", true, true).unwrap();
        assert_eq!(
            examples.targets,
            Targets::Values {
                values: vec![0.5, 1.5],
                outputs: 1
            }
        );
        let path = write(&dir, "bad.csv", "x,y\n1,0.5\n2,high\n");
        let error = load(&path, "y", true, true).unwrap_err();
        assert!(error.message.contains("row 3"), "{}", error.message);
    }

    #[test]
    fn ragged_row_names_file_and_row() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(&dir, "ragged.csv", "a,b,c\n1,2,0\n3,4,1\n5,1\n");
        let error = load(&path, "c", true, false).unwrap_err();
        assert!(error.message.contains("ragged.csv"), "{}", error.message);
        assert!(error.message.contains("row 4"), "{}", error.message);
        assert!(error.message.contains("2 columns, the header has 3"));
    }

    #[test]
    fn non_numeric_feature_is_rejected_with_help() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(&dir, "cat.csv", "colour,size,label\n1,2,a\nred,3,b\n");
        let error = load(&path, "label", true, false).unwrap_err();
        assert!(error.message.contains("cat.csv"));
        assert!(error.message.contains("row 3"));
        assert!(error.message.contains("`colour`"));
        assert!(error.message.contains("`red`"));
        assert!(error.help.unwrap().contains("one-hot"));
    }

    #[test]
    fn fractional_labels_are_refused_as_a_regression_target() {
        let dir = tempfile::tempdir().unwrap();
        let rows: String = (0..40)
            .map(|i| format!("{i},{}.{}\n", i % 12, 37 + i))
            .collect();
        let path = write(&dir, "float.csv", &format!("x,y\n{rows}"));
        let error = load(&path, "y", true, false).unwrap_err();
        assert!(error.message.contains("float.csv"), "{}", error.message);
        assert!(
            error.message.contains("`0.37`, `0.49`, `0.61`, …"),
            "{}",
            error.message
        );
        assert!(
            error.message.contains("40 classes out of 40 rows"),
            "{}",
            error.message
        );
        assert!(error.help.unwrap().contains("task = regression"));
        // The same column as a regression target, and whole-number labels, are fine.
        assert!(load(&path, "y", true, true).is_ok());
        let whole = write(&dir, "whole.csv", "x,y\n1,1.0\n2,2\n3,1\n");
        assert!(load(&whole, "y", true, false).is_ok());
    }

    #[test]
    fn an_empty_label_is_a_missing_value_with_its_row() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(&dir, "gap.csv", "x,y\n1,a\n2,\n3,b\n");
        for regression in [false, true] {
            let error = load(&path, "y", true, regression).unwrap_err();
            assert_eq!(
                error.message,
                format!("{}, row 3, column `y`: missing value", path.display())
            );
        }
        let path = write(&dir, "gap.csv", "1,a\n2, \n");
        let error = load(&path, "1", false, false).unwrap_err();
        assert!(
            error.message.ends_with("row 2, column 1: missing value"),
            "{}",
            error.message
        );
    }

    #[test]
    fn a_repeated_column_name_is_refused_with_the_columns() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(&dir, "dup.csv", "a,a,c,label,label\n1,2,3,0,1\n4,5,6,1,0\n");
        let error = load(&path, "label", true, false).unwrap_err();
        assert_eq!(
            error.message,
            format!(
                "{}: the header names `a` (columns 1, 2) and `label` (columns 4, 5) more than once",
                path.display()
            )
        );
        // Without a header there are no names to repeat.
        assert!(load(&path, "4", false, false).is_err_and(|e| !e.message.contains("header names")));
    }

    #[test]
    fn a_device_is_refused_without_reading_it() {
        let error = load(Path::new("/dev/zero"), "y", true, false).unwrap_err();
        assert_eq!(
            error.message,
            "/dev/zero: it is a character device, not a regular file"
        );
    }

    #[test]
    fn one_class_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(&dir, "one.csv", "x,y\n1,a\n2,a\n");
        let error = load(&path, "y", true, false).unwrap_err();
        assert!(
            error.message.contains("only one class"),
            "{}",
            error.message
        );
    }

    #[test]
    fn empty_files_missing_files_and_unknown_columns_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let empty = write(&dir, "empty.csv", "");
        assert!(
            load(&empty, "y", true, false)
                .unwrap_err()
                .message
                .contains("empty")
        );
        let header_only = write(&dir, "header.csv", "x,y\n");
        assert!(
            load(&header_only, "y", true, false)
                .unwrap_err()
                .message
                .contains("no rows")
        );
        let missing = dir.path().join("missing.csv");
        let error = load(&missing, "y", true, false).unwrap_err();
        assert!(error.message.contains("missing.csv"), "{}", error.message);
        assert!(error.message.contains("os error"), "{}", error.message);
        let path = write(&dir, "d.csv", "x,y\n1,a\n2,b\n");
        let error = load(&path, "label", true, false).unwrap_err();
        assert!(error.help.unwrap().contains("`x`, `y`"));
    }
}
