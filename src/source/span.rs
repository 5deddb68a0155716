//! Byte spans into a source file. Every AST node carries one (`crate::syntax`); diagnostics
//! (`crate::diagnostic`) turn them into labels; the language server turns them into positions.

use serde::{Deserialize, Serialize};

/// Identifies one loaded source file (an index into [`crate::source::SourceMap`]).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
pub struct FileId(pub u32);

/// A half-open byte range `start..end` in one file.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
pub struct Span {
    /// The file the range points into.
    pub file: FileId,
    /// First byte. Offsets are `u32` (read through [`Span::start`]) because every syntax node carries
    /// a span and files over 16 MiB are refused: a span is 12 bytes, not 24.
    start: u32,
    /// One past the last byte.
    end: u32,
}

/// An offset as stored in a span; one past `u32::MAX` (never reached: files are at most 16 MiB)
/// saturates instead of wrapping.
fn narrow(offset: usize) -> u32 {
    u32::try_from(offset).unwrap_or(u32::MAX)
}

impl Span {
    /// A span from byte offsets in `file`.
    #[must_use]
    pub fn new(file: FileId, start: usize, end: usize) -> Self {
        Self {
            file,
            start: narrow(start),
            end: narrow(end),
        }
    }

    /// First byte.
    #[must_use]
    pub fn start(self) -> usize {
        self.start as usize
    }

    /// One past the last byte.
    #[must_use]
    pub fn end(self) -> usize {
        self.end as usize
    }

    /// `start..end`, to slice the file's text with.
    #[must_use]
    pub fn range(self) -> std::ops::Range<usize> {
        self.start()..self.end()
    }

    /// The smallest span covering both (they must be in the same file).
    #[must_use]
    pub fn to(self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// Length in bytes.
    #[must_use]
    pub fn len(self) -> usize {
        self.end() - self.start()
    }

    /// Whether the span covers no byte.
    #[must_use]
    pub fn is_empty(self) -> bool {
        self.start == self.end
    }
}

impl From<Span> for miette::SourceSpan {
    fn from(span: Span) -> Self {
        (span.start(), span.len()).into()
    }
}
