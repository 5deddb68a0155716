//! Files the user names — `.hps` sources and their imports, dataset files, recorded curves — opened
//! only when they are regular files and read up to a cap, so that `/dev/zero`, a FIFO or a terminal
//! is refused with a reason instead of read until memory runs out. Read by `semantic::load`
//! (sources), `plan::data_shape` (the plan's shape probe), `train::data` (datasets) and
//! `trial::lookup` (curves); each caller puts the file's name and the [`InputError`] into its own
//! diagnostic.

use std::fs::File;
use std::io::Read;
use std::path::Path;

/// The most a `.hps` source or import may hold: far beyond any hand-written study.
pub const SOURCE_LIMIT: u64 = 16 << 20;

/// The most one dataset or curves file may hold.
pub const DATA_LIMIT: u64 = 16 << 30;

/// Why a named file is not read.
#[derive(Debug)]
pub enum InputError {
    /// The file system's own error (missing, no permission, …).
    Io(std::io::Error),
    /// Something other than a regular file: `a folder`, `a character device`, …
    NotRegular(&'static str),
    /// More bytes than the limit.
    TooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// Text that is not UTF-8.
    NotUtf8,
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InputError::Io(error) => write!(f, "{error}"),
            InputError::NotRegular(kind) => write!(f, "it is {kind}, not a regular file"),
            InputError::TooLarge { limit } => {
                write!(f, "it is larger than {}, the most hps reads", size(*limit))
            }
            InputError::NotUtf8 => f.write_str("it is not UTF-8 text"),
        }
    }
}

impl std::error::Error for InputError {}

impl From<InputError> for std::io::Error {
    fn from(error: InputError) -> Self {
        match error {
            InputError::Io(error) => error,
            other => std::io::Error::new(std::io::ErrorKind::InvalidData, other),
        }
    }
}

/// Opens `path` for reading when it is a regular file of at most `limit` bytes; the reader fails
/// (with [`InputError::TooLarge`] inside the I/O error) if the file grows past `limit` while read.
///
/// # Errors
/// The file system's error, a path that is not a regular file, a file already over the limit.
pub fn open(path: &Path, limit: u64) -> Result<Capped<File>, InputError> {
    // Checked before opening: opening a FIFO blocks until something writes to it.
    regular(&std::fs::metadata(path).map_err(InputError::Io)?, limit)?;
    let file = File::open(path).map_err(InputError::Io)?;
    // And again on what was opened, in case the path changed in between.
    regular(&file.metadata().map_err(InputError::Io)?, limit)?;
    Ok(Capped::new(file, limit))
}

/// The bytes of `path`, a regular file of at most `limit` bytes.
///
/// # Errors
/// As [`open`], and any read error.
pub fn read(path: &Path, limit: u64) -> Result<Vec<u8>, InputError> {
    let mut reader = open(path, limit)?;
    let mut bytes = Vec::new();
    reader.read_to_end(&mut bytes).map_err(from_io)?;
    Ok(bytes)
}

/// The text of `path`, a regular file of at most `limit` bytes of UTF-8.
///
/// # Errors
/// As [`read`], and text that is not UTF-8.
pub fn read_to_string(path: &Path, limit: u64) -> Result<String, InputError> {
    String::from_utf8(read(path, limit)?).map_err(|_| InputError::NotUtf8)
}

/// What a path is when it is not a regular file (`None` for a regular file or a missing path).
#[must_use]
pub fn irregular_kind(path: &Path) -> Option<&'static str> {
    let metadata = std::fs::metadata(path).ok()?;
    (!metadata.is_file()).then(|| kind(&metadata))
}

/// An I/O error from reading a [`Capped`] reader, as the [`InputError`] it carries when it is one.
#[must_use]
pub fn from_io(error: std::io::Error) -> InputError {
    let limit = error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<InputError>())
        .and_then(|inner| match inner {
            InputError::TooLarge { limit } => Some(*limit),
            _ => None,
        });
    match limit {
        Some(limit) => InputError::TooLarge { limit },
        None => InputError::Io(error),
    }
}

/// A reader that fails once more than `limit` bytes come out of it.
#[derive(Debug)]
pub struct Capped<R> {
    inner: R,
    left: u64,
    limit: u64,
}

impl<R: Read> Capped<R> {
    /// `inner`, failing past `limit` bytes (a decompressor's output, say).
    pub fn new(inner: R, limit: u64) -> Self {
        Self {
            inner,
            left: limit,
            limit,
        }
    }
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        // One byte more than is left, to tell "ends at the limit" from "goes past it".
        let want = usize::try_from(self.left.saturating_add(1))
            .unwrap_or(usize::MAX)
            .min(buf.len());
        let got = self.inner.read(&mut buf[..want])?;
        let got_u64 = got as u64;
        if got_u64 > self.left {
            return Err(InputError::TooLarge { limit: self.limit }.into());
        }
        self.left -= got_u64;
        Ok(got)
    }
}

fn regular(metadata: &std::fs::Metadata, limit: u64) -> Result<(), InputError> {
    if !metadata.is_file() {
        return Err(InputError::NotRegular(kind(metadata)));
    }
    if metadata.len() > limit {
        return Err(InputError::TooLarge { limit });
    }
    Ok(())
}

fn kind(metadata: &std::fs::Metadata) -> &'static str {
    if metadata.is_dir() {
        return "a folder";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let file_type = metadata.file_type();
        if file_type.is_char_device() {
            return "a character device";
        }
        if file_type.is_block_device() {
            return "a block device";
        }
        if file_type.is_fifo() {
            return "a named pipe";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    "not a regular file"
}

/// `16 MiB`, `16 GiB`: a limit as people say it.
fn size(bytes: u64) -> String {
    const UNITS: [(&str, u32); 3] = [("GiB", 30), ("MiB", 20), ("KiB", 10)];
    for (unit, shift) in UNITS {
        if bytes >= 1 << shift && bytes % (1 << shift) == 0 {
            return format!("{} {unit}", bytes >> shift);
        }
    }
    format!("{bytes} bytes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_regular_file_is_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        std::fs::write(&path, "hello").unwrap();
        assert_eq!(read_to_string(&path, 5).unwrap(), "hello");
    }

    #[test]
    fn a_file_over_the_limit_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        std::fs::write(&path, "hello").unwrap();
        let error = read(&path, 4).unwrap_err();
        assert!(
            matches!(error, InputError::TooLarge { limit: 4 }),
            "{error}"
        );
        assert_eq!(
            InputError::TooLarge { limit: 16 << 20 }.to_string(),
            "it is larger than 16 MiB, the most hps reads"
        );
    }

    #[test]
    fn a_reader_stops_at_the_limit_even_when_the_file_grows() {
        let mut capped = Capped::new(std::io::repeat(0), 1000);
        let mut sink = Vec::new();
        let error = from_io(capped.read_to_end(&mut sink).unwrap_err());
        assert!(
            matches!(error, InputError::TooLarge { limit: 1000 }),
            "{error}"
        );
        assert!(sink.len() <= 1000, "{} bytes came out", sink.len());
    }

    #[test]
    fn a_folder_and_a_device_are_refused_without_reading() {
        let dir = tempfile::tempdir().unwrap();
        let error = read(dir.path(), SOURCE_LIMIT).unwrap_err();
        assert_eq!(error.to_string(), "it is a folder, not a regular file");
        assert_eq!(irregular_kind(dir.path()), Some("a folder"));
        #[cfg(unix)]
        {
            let error = read(Path::new("/dev/zero"), SOURCE_LIMIT).unwrap_err();
            assert_eq!(
                error.to_string(),
                "it is a character device, not a regular file"
            );
        }
        let missing = dir.path().join("missing");
        assert!(matches!(read(&missing, 1), Err(InputError::Io(_))));
        assert_eq!(irregular_kind(&missing), None);
    }

    #[test]
    fn text_must_be_utf8() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.bin");
        std::fs::write(&path, [0xff, 0xfe]).unwrap();
        assert!(matches!(
            read_to_string(&path, 10),
            Err(InputError::NotUtf8)
        ));
    }
}
