//! `idx(images, labels)`: MNIST's IDX format (an images file of unsigned bytes, `n × rows × cols`,
//! and a labels file of `n` bytes), raw or gzip-compressed — recognised by the gzip magic bytes, not
//! by the file name. Produces [`Examples`] of shape `[1, rows, cols]`, pixels 0–255 unscaled, for the
//! transforms.

use std::io::Read;
use std::path::Path;

use flate2::read::GzDecoder;

use super::{DataError, Examples, Targets};
use crate::input_file;

const IMAGES_MAGIC: u32 = 0x0000_0803;
const LABELS_MAGIC: u32 = 0x0000_0801;
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Reads an IDX images file and its labels file.
///
/// # Errors
/// A missing, unreadable or truncated file, a wrong magic number, different counts of images and
/// labels, labels of a single class.
pub fn load(images: &Path, labels: &Path) -> Result<Examples, DataError> {
    let images_file = IdxFile::read(images, IMAGES_MAGIC, 3)?;
    let labels_file = IdxFile::read(labels, LABELS_MAGIC, 1)?;
    let [count, rows, cols] = images_file.dims[..] else {
        return Err(DataError::new(format!(
            "{}: expected 3 dimensions",
            images.display()
        )));
    };
    if rows == 0 || cols == 0 {
        return Err(DataError::new(format!(
            "{}: images of {rows}×{cols} pixels have nothing to learn from",
            images.display()
        ))
        .with_help(
            "the images file's header gives each image's rows and columns; both must be at least 1",
        ));
    }
    let label_count = labels_file.dims[0];
    if count != label_count {
        return Err(DataError::new(format!(
            "{} has {count} images but {} has {label_count} labels",
            images.display(),
            labels.display()
        ))
        .with_help("the images and labels files must come from the same set (train or test)"));
    }
    if count == 0 {
        return Err(DataError::new(format!(
            "{} has no images",
            images.display()
        )));
    }
    let labels_data: Vec<u32> = labels_file.data.iter().map(|&l| u32::from(l)).collect();
    let classes = labels_data.iter().max().map_or(0, |&m| m as usize + 1);
    if classes < 2 {
        return Err(DataError::new(format!(
            "{}: every label is 0, so there is only one class",
            labels.display()
        )));
    }
    Ok(Examples {
        inputs: images_file.data.iter().map(|&p| f32::from(p)).collect(),
        input_shape: vec![1, rows, cols],
        targets: Targets::Classes {
            labels: labels_data,
            classes,
        },
    })
}

/// An IDX file of unsigned bytes: its dimensions and its data.
struct IdxFile {
    dims: Vec<usize>,
    data: Vec<u8>,
}

impl IdxFile {
    /// Reads and checks a file whose magic number must be `magic` (with `rank` dimensions).
    fn read(path: &Path, magic: u32, rank: usize) -> Result<Self, DataError> {
        let file = path.display();
        let bytes = read_maybe_gzip(path)?;
        let truncated = |needed: usize| {
            DataError::new(format!(
                "{file} is truncated: {} bytes, {needed} needed",
                bytes.len()
            ))
        };
        let header_len = 4 + 4 * rank;
        if bytes.len() < 4 {
            return Err(truncated(header_len));
        }
        let word = |at: usize| {
            u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
        };
        let found = word(0);
        if found != magic {
            let what = if magic == IMAGES_MAGIC {
                "IDX images"
            } else {
                "IDX labels"
            };
            let mut error = DataError::new(format!(
                "{file}: magic number {found:#010x}, expected {magic:#010x} ({what})"
            ));
            if found == IMAGES_MAGIC || found == LABELS_MAGIC {
                error = error.with_help("are the `images` and `labels` files swapped?");
            }
            return Err(error);
        }
        if bytes.len() < header_len {
            return Err(truncated(header_len));
        }
        let dims: Vec<usize> = (0..rank).map(|d| word(4 + 4 * d) as usize).collect();
        let needed = dims
            .iter()
            .try_fold(1usize, |values, &d| values.checked_mul(d))
            .and_then(|values| values.checked_add(header_len))
            .ok_or_else(|| DataError::new(format!("{file}: dimensions {dims:?} are too large")))?;
        if bytes.len() < needed {
            return Err(truncated(needed));
        }
        if bytes.len() > needed {
            return Err(DataError::new(format!(
                "{file}: {} bytes, but its header describes {needed}",
                bytes.len()
            )));
        }
        let mut data = bytes;
        data.drain(..header_len);
        Ok(Self { dims, data })
    }
}

/// The file's bytes, decompressed when they start with the gzip magic.
fn read_maybe_gzip(path: &Path) -> Result<Vec<u8>, DataError> {
    let file = path.display();
    let bytes = input_file::read(path, input_file::DATA_LIMIT)
        .map_err(|e| DataError::new(format!("{file}: {e}")))?;
    if !bytes.starts_with(&GZIP_MAGIC) {
        return Ok(bytes);
    }
    let mut decompressed = Vec::new();
    input_file::Capped::new(GzDecoder::new(&bytes[..]), input_file::DATA_LIMIT)
        .read_to_end(&mut decompressed)
        .map_err(|e| match input_file::from_io(e) {
            input_file::InputError::Io(e) => DataError::new(format!("{file}: bad gzip data ({e})")),
            too_large => DataError::new(format!("{file}: decompressed, {too_large}")),
        })?;
    Ok(decompressed)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use flate2::Compression;
    use flate2::write::GzEncoder;

    use super::*;

    fn idx_bytes(magic: u32, dims: &[u32], data: &[u8]) -> Vec<u8> {
        let mut bytes = magic.to_be_bytes().to_vec();
        for d in dims {
            bytes.extend(d.to_be_bytes());
        }
        bytes.extend(data);
        bytes
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    /// Three 2×2 images with labels 0, 2, 1.
    fn sample() -> (Vec<u8>, Vec<u8>) {
        let pixels: Vec<u8> = (0..12).map(|p| p * 20).collect();
        (
            idx_bytes(IMAGES_MAGIC, &[3, 2, 2], &pixels),
            idx_bytes(LABELS_MAGIC, &[3], &[0, 2, 1]),
        )
    }

    fn check_sample(examples: &Examples) {
        assert_eq!(examples.input_shape, vec![1, 2, 2]);
        assert_eq!(examples.len(), 3);
        assert_eq!(examples.inputs[11], 220.0);
        assert_eq!(
            examples.targets,
            Targets::Classes {
                labels: vec![0, 2, 1],
                classes: 3
            }
        );
    }

    #[test]
    fn reads_raw_files() {
        let dir = tempfile::tempdir().unwrap();
        let (images, labels) = sample();
        std::fs::write(dir.path().join("images"), images).unwrap();
        std::fs::write(dir.path().join("labels"), labels).unwrap();
        let examples = load(&dir.path().join("images"), &dir.path().join("labels")).unwrap();
        check_sample(&examples);
    }

    #[test]
    fn reads_gzip_by_content_not_name() {
        let dir = tempfile::tempdir().unwrap();
        let (images, labels) = sample();
        // Compressed without a .gz name, and raw with one.
        std::fs::write(dir.path().join("images-idx3-ubyte"), gzip(&images)).unwrap();
        std::fs::write(dir.path().join("labels.gz"), labels).unwrap();
        let examples = load(
            &dir.path().join("images-idx3-ubyte"),
            &dir.path().join("labels.gz"),
        )
        .unwrap();
        check_sample(&examples);
    }

    #[test]
    fn wrong_magic_names_found_and_expected() {
        let dir = tempfile::tempdir().unwrap();
        let (images, labels) = sample();
        std::fs::write(dir.path().join("images"), images).unwrap();
        std::fs::write(dir.path().join("labels"), labels).unwrap();
        let error = load(&dir.path().join("labels"), &dir.path().join("images")).unwrap_err();
        assert!(error.message.contains("labels"), "{}", error.message);
        assert!(error.message.contains("0x00000801"), "{}", error.message);
        assert!(
            error.message.contains("expected 0x00000803"),
            "{}",
            error.message
        );
        assert!(error.help.unwrap().contains("swapped"));
    }

    #[test]
    fn images_without_pixels_are_refused_at_load() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("images"),
            idx_bytes(IMAGES_MAGIC, &[3, 0, 0], &[]),
        )
        .unwrap();
        std::fs::write(
            dir.path().join("labels"),
            idx_bytes(LABELS_MAGIC, &[3], &[0, 2, 1]),
        )
        .unwrap();
        let error = load(&dir.path().join("images"), &dir.path().join("labels")).unwrap_err();
        assert!(
            error
                .message
                .ends_with("images: images of 0×0 pixels have nothing to learn from"),
            "{}",
            error.message
        );
    }

    #[test]
    fn a_device_is_refused_without_reading_it() {
        let error = load(Path::new("/dev/zero"), Path::new("/dev/zero")).unwrap_err();
        assert_eq!(
            error.message,
            "/dev/zero: it is a character device, not a regular file"
        );
    }

    #[test]
    fn truncated_files_and_count_mismatches_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let (images, labels) = sample();
        std::fs::write(dir.path().join("short"), &images[..images.len() - 1]).unwrap();
        std::fs::write(dir.path().join("labels"), labels).unwrap();
        let error = load(&dir.path().join("short"), &dir.path().join("labels")).unwrap_err();
        assert!(error.message.contains("truncated"), "{}", error.message);

        std::fs::write(dir.path().join("images"), images).unwrap();
        let two = idx_bytes(LABELS_MAGIC, &[2], &[0, 1]);
        std::fs::write(dir.path().join("two"), two).unwrap();
        let error = load(&dir.path().join("images"), &dir.path().join("two")).unwrap_err();
        assert!(error.message.contains("3 images"), "{}", error.message);
        assert!(error.message.contains("2 labels"), "{}", error.message);

        let error = load(&dir.path().join("nope"), &dir.path().join("two")).unwrap_err();
        assert!(error.message.contains("nope"), "{}", error.message);
    }
}
