//! Datasets known by name, read by `builtin("name")`: `digits`, scikit-learn's 1,797 8×8
//! handwritten digits, shipped inside the binary (see `data/digits/README.md`); and
//! `fashion_mnist`, Zalando's 60,000 28×28 training images of clothing in ten classes, read from
//! the folder `HPS_FASHION_MNIST` names or else where Debian's `dataset-fashion-mnist` package puts
//! them (never downloaded at run time). Produces [`Examples`] for the transforms.

use std::io::Read;

use flate2::read::GzDecoder;

use super::{DataError, Examples, Targets};
use crate::catalogue::BUILTIN_DATASETS;

const DIGITS_GZ: &[u8] = include_bytes!("../../../data/digits/digits.csv.gz");
const DIGITS_SIDE: usize = 8;
const DIGITS_CLASSES: usize = 10;
/// The environment variable naming a folder with Fashion-MNIST's IDX files.
pub const FASHION_MNIST_ENV: &str = "HPS_FASHION_MNIST";
/// Where Debian's `dataset-fashion-mnist` package installs them.
pub const FASHION_MNIST_DEBIAN: &str = "/usr/share/datasets/fashion-mnist";

/// Loads a built-in dataset by name.
///
/// # Errors
/// An unknown name (the error lists the built-in names).
pub fn load(name: &str) -> Result<Examples, DataError> {
    match name {
        "digits" => digits(),
        "fashion_mnist" => fashion_mnist(),
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

/// Fashion-MNIST's training set: pixels 0–255 unscaled, shape `[1, 28, 28]`, ten classes.
fn fashion_mnist() -> Result<Examples, DataError> {
    let folder = std::env::var_os(FASHION_MNIST_ENV).map_or_else(
        || std::path::PathBuf::from(FASHION_MNIST_DEBIAN),
        Into::into,
    );
    fashion_mnist_from(&folder)
}

/// Fashion-MNIST's training set from `folder`.
fn fashion_mnist_from(folder: &std::path::Path) -> Result<Examples, DataError> {
    let file = |stem: &str| {
        let gz = folder.join(format!("{stem}.gz"));
        if gz.exists() { gz } else { folder.join(stem) }
    };
    let images = file("train-images-idx3-ubyte");
    if !images.exists() {
        return Err(DataError::new(format!(
            "built-in dataset `fashion_mnist`: {} has no train-images-idx3-ubyte[.gz]",
            folder.display()
        ))
        .with_help(format!(
            "install Debian's package (`apt-get install dataset-fashion-mnist`, into {FASHION_MNIST_DEBIAN}), or set {FASHION_MNIST_ENV} to a folder holding train-images-idx3-ubyte.gz and train-labels-idx1-ubyte.gz"
        )));
    }
    super::idx::load(&images, &file("train-labels-idx1-ubyte"))
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
    fn fashion_mnist_reads_the_named_folder_and_says_how_to_get_it_when_absent() {
        let dir = tempfile::tempdir().unwrap();
        let error = fashion_mnist_from(dir.path()).unwrap_err();
        assert!(
            error.message.contains("train-images-idx3-ubyte"),
            "{}",
            error.message
        );
        assert!(
            error
                .help
                .unwrap()
                .contains("apt-get install dataset-fashion-mnist")
        );
        // Two 28×28 images in IDX format, raw (not gzipped): read through `idx`.
        let mut images = vec![0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 28, 0, 0, 0, 28];
        images.extend((0..2 * 28 * 28).map(|i| u8::try_from(i % 256).unwrap()));
        std::fs::write(dir.path().join("train-images-idx3-ubyte"), images).unwrap();
        std::fs::write(
            dir.path().join("train-labels-idx1-ubyte"),
            [0, 0, 8, 1, 0, 0, 0, 2, 3, 7],
        )
        .unwrap();
        let data = fashion_mnist_from(dir.path()).unwrap();
        assert_eq!(data.len(), 2);
        assert_eq!(data.input_shape, vec![1, 28, 28]);
        assert_eq!(data.inputs[1], 1.0);
    }

    #[test]
    fn unknown_name_lists_the_builtins() {
        let error = load("mnist").unwrap_err();
        assert!(error.message.contains("mnist"));
        assert!(error.help.unwrap().contains("\"digits\""));
    }
}
