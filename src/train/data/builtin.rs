//! Datasets shipped inside the binary, read by `builtin("name")`: `digits`, scikit-learn's 1,797
//! 8×8 handwritten digits (see `data/digits/README.md`). Produces [`Examples`] for the transforms.

use std::io::Read;

use flate2::read::GzDecoder;

use super::{DataError, Examples, Targets};
use crate::catalogue::BUILTIN_DATASETS;

const DIGITS_GZ: &[u8] = include_bytes!("../../../data/digits/digits.csv.gz");
const DIGITS_SIDE: usize = 8;
const DIGITS_CLASSES: usize = 10;

/// Loads a built-in dataset by name.
///
/// # Errors
/// An unknown name (the error lists the built-in names).
pub fn load(name: &str) -> Result<Examples, DataError> {
    match name {
        "digits" => digits(),
        other => Err(
            DataError::new(format!("no built-in dataset named `{other}`")).with_help(format!(
                "built-in datasets: {}",
                BUILTIN_DATASETS
                    .iter()
                    .map(|n| format!("\"{n}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        ),
    }
}

/// The digits: pixels 0–16 unscaled, shape `[1, 8, 8]`, ten classes.
fn digits() -> Result<Examples, DataError> {
    let corrupt = |what: String| DataError::new(format!("built-in dataset `digits`: {what}"));
    let mut text = String::new();
    GzDecoder::new(DIGITS_GZ)
        .read_to_string(&mut text)
        .map_err(|e| corrupt(e.to_string()))?;

    let pixels = DIGITS_SIDE * DIGITS_SIDE;
    let mut inputs = Vec::with_capacity(1_797 * pixels);
    let mut labels = Vec::with_capacity(1_797);
    for (index, line) in text.lines().filter(|l| !l.trim().is_empty()).enumerate() {
        let row = index + 1;
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        if fields.len() != pixels + 1 {
            return Err(corrupt(format!(
                "row {row} has {} columns, expected {}",
                fields.len(),
                pixels + 1
            )));
        }
        for field in &fields[..pixels] {
            let value: f32 = field
                .parse()
                .map_err(|_| corrupt(format!("row {row}: `{field}` is not a number")))?;
            inputs.push(value);
        }
        let label: u32 = fields[pixels]
            .parse()
            .ok()
            .filter(|&l| (l as usize) < DIGITS_CLASSES)
            .ok_or_else(|| corrupt(format!("row {row}: bad label `{}`", fields[pixels])))?;
        labels.push(label);
    }
    Ok(Examples {
        inputs,
        input_shape: vec![1, DIGITS_SIDE, DIGITS_SIDE],
        targets: Targets::Classes {
            labels,
            classes: DIGITS_CLASSES,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_has_1797_rows_of_64_pixels_and_ten_classes() {
        let digits = load("digits").unwrap();
        assert_eq!(digits.len(), 1_797);
        assert_eq!(digits.input_shape, vec![1, 8, 8]);
        assert_eq!(digits.inputs.len(), 1_797 * 64);
        let Targets::Classes { labels, classes } = &digits.targets else {
            panic!("digits is a classification dataset");
        };
        assert_eq!(*classes, 10);
        assert_eq!(labels[0], 0);
        assert_eq!(labels[1], 1);
        assert_eq!(&digits.inputs[..4], &[0.0, 0.0, 5.0, 13.0]);
        assert!(digits.inputs.iter().all(|&v| (0.0..=16.0).contains(&v)));
        assert!((0..10).all(|c| labels.contains(&c)));
    }

    #[test]
    fn unknown_name_lists_the_builtins() {
        let error = load("mnist").unwrap_err();
        assert!(error.message.contains("mnist"));
        assert!(error.help.unwrap().contains("\"digits\""));
    }
}
