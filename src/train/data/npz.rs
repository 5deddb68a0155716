//! `npz(path, x, y)`: two arrays of a `.npz` file (numpy's array archive) as [`Examples`], for the
//! transforms.
//!
//! `x` (any numeric dtype, read as f32) is `[n, …]`; one example's shape is the rest: `[n, features]`
//! gives `[features]`, `[n, h, w]` gives `[1, h, w]`, `[n, c, h, w]` keeps `[c, h, w]`. `y` of an
//! integer dtype holds class indices (`classes` = largest + 1); of a float dtype, regression targets
//! (`[n]` is one output, `[n, k]` is k).

use std::path::Path;

use candle_core::{DType, Tensor};

use super::{DataError, Examples, Targets};
use crate::input_file;

/// Reads arrays `x` and `y` of a `.npz` file.
///
/// # Errors
/// A missing or unreadable file, a missing array (the error lists those present), arrays of different
/// lengths or unusable shapes, negative class indices, a single class.
pub fn load(path: &Path, x: &str, y: &str) -> Result<Examples, DataError> {
    let file = path.display().to_string();
    // Only the checks: the archive is read by Candle, which opens the path itself.
    input_file::open(path, input_file::DATA_LIMIT)
        .map_err(|e| DataError::new(format!("{file}: {e}")))?;
    let arrays = Tensor::read_npz(path).map_err(|e| DataError::new(format!("{file}: {e}")))?;
    let array = |name: &str| -> Result<&Tensor, DataError> {
        arrays
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, t)| t)
            .ok_or_else(|| {
                let present: Vec<String> = arrays.iter().map(|(n, _)| format!("`{n}`")).collect();
                DataError::new(format!("{file} has no array `{name}`")).with_help(
                    if present.is_empty() {
                        String::from("the file holds no arrays")
                    } else {
                        format!("arrays in the file: {}", present.join(", "))
                    },
                )
            })
    };
    let candle = |e: candle_core::Error| DataError::new(format!("{file}: {e}"));

    let inputs_array = array(x)?;
    let targets_array = array(y)?;
    let (count, input_shape) = match inputs_array.dims() {
        [] => {
            return Err(DataError::new(format!(
                "{file}: `{x}` is a scalar, not one row per example"
            )));
        }
        [n] => (*n, vec![1]),
        [n, features] => (*n, vec![*features]),
        [n, height, width] => (*n, vec![1, *height, *width]),
        [n, rest @ ..] => (*n, rest.to_vec()),
    };
    let target_dims = targets_array.dims();
    if target_dims.first() != Some(&count) {
        return Err(DataError::new(format!(
            "{file}: `{x}` has {count} rows but `{y}` has shape {target_dims:?}"
        ))
        .with_help("x and y need one row per example each"));
    }
    if count == 0 {
        return Err(DataError::new(format!("{file}: `{x}` has no rows")));
    }
    if input_shape.contains(&0) {
        return Err(DataError::new(format!(
            "{file}: `{x}` has shape {:?}, so each example holds no values",
            inputs_array.dims()
        ))
        .with_help("every dimension of `x` after the first (the examples) must be at least 1"));
    }
    let inputs = inputs_array
        .to_dtype(DType::F32)
        .and_then(|t| t.flatten_all())
        .and_then(|t| t.to_vec1::<f32>())
        .map_err(candle)?;

    let targets = if targets_array.dtype().is_int() {
        if !matches!(target_dims, [_] | [_, 1]) {
            return Err(DataError::new(format!(
                "{file}: `{y}` holds integers (class indices) but has shape {target_dims:?}"
            ))
            .with_help("class indices need shape [n]; for regression targets store floats"));
        }
        let raw = targets_array
            .to_dtype(DType::I64)
            .and_then(|t| t.flatten_all())
            .and_then(|t| t.to_vec1::<i64>())
            .map_err(candle)?;
        class_targets(&raw, &file, y)?
    } else {
        let outputs = match target_dims {
            [_] => 1,
            [_, outputs] => *outputs,
            _ => {
                return Err(DataError::new(format!(
                    "{file}: `{y}` has shape {target_dims:?}; regression targets need [n] or [n, k]"
                )));
            }
        };
        let values = targets_array
            .to_dtype(DType::F32)
            .and_then(|t| t.flatten_all())
            .and_then(|t| t.to_vec1::<f32>())
            .map_err(candle)?;
        Targets::Values { values, outputs }
    };
    Ok(Examples {
        inputs,
        input_shape,
        targets,
    })
}

/// Integer targets as class indices `0..=max`.
fn class_targets(raw: &[i64], file: &str, y: &str) -> Result<Targets, DataError> {
    let labels = raw
        .iter()
        .map(|&label| {
            u32::try_from(label).map_err(|_| {
                DataError::new(format!(
                    "{file}: `{y}` holds {label}, not a class index (0, 1, 2, …)"
                ))
            })
        })
        .collect::<Result<Vec<u32>, DataError>>()?;
    let classes = labels.iter().max().map_or(0, |&m| m as usize + 1);
    if classes < 2 {
        return Err(
            DataError::new(format!("{file}: `{y}` has only one class")).with_help(
                "classification needs at least two classes; for regression store `y` as floats",
            ),
        );
    }
    Ok(Targets::Classes { labels, classes })
}

#[cfg(test)]
mod tests {
    use candle_core::Device;

    use super::*;

    fn write(path: &Path, arrays: &[(&str, Tensor)]) {
        Tensor::write_npz(arrays, path).unwrap();
    }

    #[test]
    fn float_x_and_integer_y_give_classes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.npz");
        let x = Tensor::new(&[[1f64, 2.0], [3.0, 4.0], [5.0, 6.0]], &Device::Cpu).unwrap();
        let y = Tensor::new(&[0i64, 2, 1], &Device::Cpu).unwrap();
        write(&path, &[("x", x), ("y", y)]);
        let examples = load(&path, "x", "y").unwrap();
        assert_eq!(examples.input_shape, vec![2]);
        assert_eq!(examples.inputs, vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        assert_eq!(
            examples.targets,
            Targets::Classes {
                labels: vec![0, 2, 1],
                classes: 3
            }
        );
    }

    #[test]
    fn image_shapes_and_regression_targets() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("images.npz");
        let pixels = Tensor::from_vec((0u8..24).collect(), (2, 3, 4), &Device::Cpu).unwrap();
        let values = Tensor::new(&[[0.5f32, 1.0], [1.5, 2.0]], &Device::Cpu).unwrap();
        let channels = Tensor::zeros((2, 3, 4, 5), DType::F32, &Device::Cpu).unwrap();
        write(
            &path,
            &[("pixels", pixels), ("values", values), ("rgb", channels)],
        );
        let examples = load(&path, "pixels", "values").unwrap();
        assert_eq!(examples.input_shape, vec![1, 3, 4]);
        assert_eq!(examples.inputs[23], 23.0);
        assert_eq!(
            examples.targets,
            Targets::Values {
                values: vec![0.5, 1.0, 1.5, 2.0],
                outputs: 2
            }
        );
        let examples = load(&path, "rgb", "values").unwrap();
        assert_eq!(examples.input_shape, vec![3, 4, 5]);
    }

    #[test]
    fn missing_array_lists_those_present() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.npz");
        let x = Tensor::new(&[[1f32], [2.0]], &Device::Cpu).unwrap();
        let labels = Tensor::new(&[0u8, 1], &Device::Cpu).unwrap();
        write(&path, &[("features", x), ("labels", labels)]);
        let error = load(&path, "x", "labels").unwrap_err();
        assert!(error.message.contains("`x`"), "{}", error.message);
        let help = error.help.unwrap();
        assert!(
            help.contains("`features`") && help.contains("`labels`"),
            "{help}"
        );
        assert!(load(&path, "features", "labels").is_ok());

        let error = load(&dir.path().join("missing.npz"), "x", "y").unwrap_err();
        assert!(error.message.contains("missing.npz"), "{}", error.message);
    }

    #[test]
    fn examples_without_values_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("empty.npz");
        let x = Tensor::zeros((3, 0, 0), DType::F32, &Device::Cpu).unwrap();
        let y = Tensor::new(&[0i64, 1, 0], &Device::Cpu).unwrap();
        write(&path, &[("x", x), ("y", y)]);
        let error = load(&path, "x", "y").unwrap_err();
        assert!(
            error
                .message
                .ends_with("`x` has shape [3, 0, 0], so each example holds no values"),
            "{}",
            error.message
        );
    }

    #[test]
    fn row_count_mismatch_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.npz");
        let x = Tensor::new(&[[1f32], [2.0], [3.0]], &Device::Cpu).unwrap();
        let y = Tensor::new(&[0u32, 1], &Device::Cpu).unwrap();
        write(&path, &[("x", x), ("y", y)]);
        let error = load(&path, "x", "y").unwrap_err();
        assert!(error.message.contains("3 rows"), "{}", error.message);
    }
}
