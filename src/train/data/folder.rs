//! `folder(path, size)`: images in one sub-folder per class (`cats/`, `dogs/`; classes numbered in
//! sorted name order) as [`Examples`] of shape `[3, height, width]`: converted to RGB, resized to
//! `size`, values 0–255 unscaled, channel-major. Consumed by the transforms.
//!
//! PNG and JPEG files are read; files with another extension (a `README`, `.DS_Store`) are skipped,
//! except other image formats, which are reported rather than silently dropped. Hidden entries and
//! files directly under `path` are ignored.

use std::path::{Path, PathBuf};

use image::ImageFormat;
use image::imageops::FilterType;
use rayon::prelude::*;

use super::{DataError, Examples, Targets};

const READABLE_EXTENSIONS: &[&str] = &["png", "jpg", "jpeg"];

/// Reads every image under `path`, resized to `(height, width)`.
///
/// # Errors
/// A missing or unreadable folder, fewer than two class folders, a class folder with no images, an
/// image that fails to decode, an image format that is not supported.
pub fn load(path: &Path, (height, width): (usize, usize)) -> Result<Examples, DataError> {
    let too_large = || DataError::new(format!("image size {height}×{width} is too large"));
    let target_width = u32::try_from(width).map_err(|_| too_large())?;
    let target_height = u32::try_from(height).map_err(|_| too_large())?;
    if width == 0 || height == 0 {
        return Err(DataError::new(format!(
            "image size {height}×{width} is empty"
        )));
    }

    let class_dirs = visible_entries(path)?
        .into_iter()
        .filter(|p| p.is_dir())
        .collect::<Vec<_>>();
    if class_dirs.len() < 2 {
        return Err(DataError::new(format!(
            "{} has {} class folder{}; classification needs at least two",
            path.display(),
            class_dirs.len(),
            if class_dirs.len() == 1 { "" } else { "s" }
        ))
        .with_help(
            "put each class's images in its own sub-folder: data/cat/1.png, data/dog/2.png",
        ));
    }

    let mut files: Vec<(PathBuf, u32)> = Vec::new();
    for (class_dir, class) in class_dirs.iter().zip(0u32..) {
        let before = files.len();
        for file in visible_entries(class_dir)? {
            if file.is_file() && is_image(&file)? {
                files.push((file, class));
            }
        }
        if files.len() == before {
            return Err(DataError::new(format!(
                "class folder {} has no PNG or JPEG images",
                class_dir.display()
            )));
        }
    }

    let pixels = files
        .par_iter()
        .map(|(file, _)| read_image(file, target_height, target_width))
        .collect::<Result<Vec<Vec<f32>>, DataError>>()?;
    Ok(Examples {
        inputs: pixels.concat(),
        input_shape: vec![3, height, width],
        targets: Targets::Classes {
            labels: files.iter().map(|(_, class)| *class).collect(),
            classes: class_dirs.len(),
        },
    })
}

/// The entries of a folder that do not start with a dot, sorted by name.
fn visible_entries(dir: &Path) -> Result<Vec<PathBuf>, DataError> {
    let unreadable = |e: std::io::Error| DataError::new(format!("{}: {e}", dir.display()));
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(unreadable)? {
        let entry = entry.map_err(unreadable)?;
        if !entry.file_name().to_string_lossy().starts_with('.') {
            entries.push(entry.path());
        }
    }
    entries.sort();
    Ok(entries)
}

/// Whether the file is a readable image; another image format is an error, any other file is not
/// an image.
fn is_image(file: &Path) -> Result<bool, DataError> {
    let Some(extension) = file.extension().and_then(|e| e.to_str()) else {
        return Ok(false);
    };
    if READABLE_EXTENSIONS.contains(&extension.to_ascii_lowercase().as_str()) {
        return Ok(true);
    }
    match ImageFormat::from_extension(extension) {
        Some(format) => Err(DataError::new(format!(
            "{}: {format:?} images are not supported",
            file.display()
        ))
        .with_help("convert the images to PNG or JPEG")),
        None => Ok(false),
    }
}

/// One image as RGB, resized, channel-major.
fn read_image(file: &Path, height: u32, width: u32) -> Result<Vec<f32>, DataError> {
    let failed = |e: &dyn std::fmt::Display| {
        DataError::new(format!("{}: cannot decode the image ({e})", file.display()))
    };
    let decoded = image::ImageReader::open(file)
        .map_err(|e| DataError::new(format!("{}: {e}", file.display())))?
        .with_guessed_format()
        .map_err(|e| failed(&e))?
        .decode()
        .map_err(|e| failed(&e))?;
    let resized = image::imageops::resize(&decoded.to_rgb8(), width, height, FilterType::Triangle);
    let plane = resized.as_raw().len() / 3;
    let mut channels = vec![0.0; resized.as_raw().len()];
    for (at, pixel) in resized.as_raw().chunks_exact(3).enumerate() {
        for (channel, &value) in pixel.iter().enumerate() {
            channels[channel * plane + at] = f32::from(value);
        }
    }
    Ok(channels)
}

#[cfg(test)]
mod tests {
    use image::{Rgb, RgbImage};

    use super::*;

    fn write_png(path: &Path, width: u32, height: u32, colour: [u8; 3]) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        RgbImage::from_pixel(width, height, Rgb(colour))
            .save(path)
            .unwrap();
    }

    #[test]
    fn one_sub_folder_per_class_resized_to_size() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write_png(&root.join("red/a.png"), 10, 6, [255, 0, 0]);
        write_png(&root.join("red/b.PNG"), 3, 3, [200, 0, 0]);
        write_png(&root.join("blue/c.png"), 4, 8, [0, 0, 255]);
        std::fs::write(root.join("blue/notes.txt"), "not an image").unwrap();
        std::fs::write(root.join("README"), "top-level files are ignored").unwrap();

        let examples = load(root, (2, 3)).unwrap();
        assert_eq!(examples.input_shape, vec![3, 2, 3]);
        assert_eq!(examples.len(), 3);
        assert_eq!(examples.inputs.len(), 3 * 18);
        // blue (class 0) first, then red (class 1).
        assert_eq!(
            examples.targets,
            Targets::Classes {
                labels: vec![0, 1, 1],
                classes: 2
            }
        );
        let blue = &examples.inputs[..18];
        assert!(blue[..12].iter().all(|&v| v == 0.0));
        assert!(blue[12..].iter().all(|&v| v == 255.0));
        let red = &examples.inputs[18..36];
        assert!(red[..6].iter().all(|&v| v == 255.0));
        assert!(red[6..].iter().all(|&v| v == 0.0));
    }

    #[test]
    fn undecodable_image_is_named() {
        let dir = tempfile::tempdir().unwrap();
        write_png(&dir.path().join("a/1.png"), 2, 2, [1, 2, 3]);
        std::fs::create_dir_all(dir.path().join("b")).unwrap();
        std::fs::write(dir.path().join("b/broken.png"), b"not a png").unwrap();
        let error = load(dir.path(), (4, 4)).unwrap_err();
        assert!(error.message.contains("broken.png"), "{}", error.message);
    }

    #[test]
    fn fewer_than_two_classes_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        write_png(&dir.path().join("only/1.png"), 2, 2, [1, 2, 3]);
        let error = load(dir.path(), (4, 4)).unwrap_err();
        assert!(
            error.message.contains("1 class folder"),
            "{}",
            error.message
        );
        let error = load(&dir.path().join("missing"), (4, 4)).unwrap_err();
        assert!(error.message.contains("missing"), "{}", error.message);
    }
}
