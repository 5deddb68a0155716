//! A trial's log of one of its program's streams (`stdout.log` or `stderr.log` in the trial's
//! folder): appended to across the runs of the trial, and rotated when it passes [`LOG_LIMIT`] —
//! the full file becomes `stdout.log.1` (replacing an older one) and a new one starts — so a
//! program that prints without end keeps at most about twice the limit on disk. [`LogTail`] reads
//! the end of what this run wrote, for failure messages. Used by `process`.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::trial::TrialFailure;

/// The most one log file holds before it is rotated.
pub(super) const LOG_LIMIT: u64 = 8 << 20;

/// How many lines of a log a failure carries.
const TAIL_LINES: usize = 20;

/// A log file being written.
pub(super) struct Log {
    path: PathBuf,
    file: File,
    size: u64,
    limit: u64,
    /// Set once this run has rotated the file.
    rotated: Arc<AtomicBool>,
}

impl Log {
    /// Opens the log at `path` for appending (a resumed trial keeps its earlier output).
    pub(super) fn open(path: &Path) -> Result<Self, TrialFailure> {
        Self::with_limit(path, LOG_LIMIT)
    }

    fn with_limit(path: &Path, limit: u64) -> Result<Self, TrialFailure> {
        let file = append(path).map_err(|error| {
            TrialFailure::new(format!("could not open {}: {error}", path.display()))
        })?;
        let size = file.metadata().map_or(0, |m| m.len());
        Ok(Self {
            path: path.to_owned(),
            file,
            size,
            limit,
            rotated: Arc::new(AtomicBool::new(false)),
        })
    }

    /// What reads the end of this run's part of the log.
    pub(super) fn tail(&self) -> LogTail {
        LogTail {
            path: self.path.clone(),
            start: self.size,
            rotated: Arc::clone(&self.rotated),
        }
    }

    /// `stdout.log` → `stdout.log.1`, and a new, empty `stdout.log`.
    fn rotate(&mut self) -> io::Result<()> {
        let mut older = self.path.as_os_str().to_owned();
        older.push(".1");
        fs::rename(&self.path, PathBuf::from(older))?;
        self.file = append(&self.path)?;
        self.size = 0;
        self.rotated.store(true, Ordering::Relaxed);
        Ok(())
    }
}

impl Write for Log {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.size > 0 && self.size.saturating_add(buf.len() as u64) > self.limit {
            self.rotate()?;
        }
        let written = self.file.write(buf)?;
        self.size += written as u64;
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// The end of what one run wrote to a log.
pub(super) struct LogTail {
    path: PathBuf,
    /// Where this run's part began, unless the log has been rotated since.
    start: u64,
    rotated: Arc<AtomicBool>,
}

impl LogTail {
    /// The last lines this run wrote; `None` when it wrote nothing.
    pub(super) fn read(&self) -> Option<String> {
        let start = if self.rotated.load(Ordering::Relaxed) {
            0
        } else {
            self.start
        };
        let mut file = File::open(&self.path).ok()?;
        let length = file.metadata().ok()?.len();
        // The last lines are in the last few KiB unless lines are very long.
        let from = start.max(length.saturating_sub(64 << 10));
        file.seek(SeekFrom::Start(from)).ok()?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).ok()?;
        let text = String::from_utf8_lossy(&bytes);
        let lines: Vec<&str> = text.trim_end().lines().collect();
        let tail = lines[lines.len().saturating_sub(TAIL_LINES)..].join("\n");
        (!tail.trim().is_empty()).then_some(tail)
    }
}

fn append(path: &Path) -> io::Result<File> {
    OpenOptions::new().create(true).append(true).open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_log_past_its_limit_is_rotated_and_its_tail_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("stdout.log");
        fs::write(&path, "from an earlier run\n").unwrap();
        let mut log = Log::with_limit(&path, 1000).unwrap();
        let tail = log.tail();
        for line in 0..300 {
            writeln!(log, "line {line}").unwrap();
        }
        let current = fs::metadata(&path).unwrap().len();
        let older = fs::metadata(dir.path().join("stdout.log.1")).unwrap().len();
        assert!(current <= 1000 && older <= 1000, "{current} {older}");
        let text = tail.read().unwrap();
        assert!(text.ends_with("line 299"), "{text}");
        assert_eq!(text.lines().count(), TAIL_LINES);
    }

    #[test]
    fn the_tail_is_this_runs_part() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("stderr.log");
        fs::write(&path, "earlier\n").unwrap();
        let mut log = Log::open(&path).unwrap();
        let tail = log.tail();
        assert_eq!(tail.read(), None);
        writeln!(log, "now").unwrap();
        assert_eq!(tail.read().as_deref(), Some("now"));
        assert_eq!(fs::read_to_string(&path).unwrap(), "earlier\nnow\n");
    }
}
