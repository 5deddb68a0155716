//! Loaded source files: their names, texts and line indexes, addressed by [`FileId`], and byte
//! [`Span`]s into them. Filled by the loader (`crate::semantic::load`); spans are carried by the AST
//! and read by diagnostics when they are rendered, with the text made [`visible`]. A leaf: it reads
//! nothing of hps.

mod line_index;
mod span;
mod visible;

use std::sync::Arc;

pub use line_index::LineIndex;
pub use span::{FileId, Span};
pub use visible::{picture, visible};

/// One source file.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The name shown in diagnostics (a path, or `std/…` for the standard library).
    pub name: String,
    /// The text.
    pub text: Arc<str>,
    /// Where its lines start.
    pub lines: LineIndex,
}

/// Every file read during one check, in load order.
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    /// An empty map.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a file and returns its id.
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<Arc<str>>) -> FileId {
        let id = FileId(u32::try_from(self.files.len()).unwrap_or(u32::MAX));
        let text: Arc<str> = text.into();
        self.files.push(SourceFile {
            name: name.into(),
            lines: LineIndex::new(&text),
            text,
        });
        id
    }

    /// The file with this id.
    ///
    /// # Panics
    /// When the id was not returned by [`SourceMap::add`] on this map.
    #[must_use]
    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    /// All files with their ids.
    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i as u32), f))
    }

    /// 1-based line and column of a byte offset, for plain-text output.
    #[must_use]
    pub fn line_col(&self, id: FileId, offset: usize) -> (usize, usize) {
        let file = self.get(id);
        let text = &file.text;
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let line = file.lines.line(offset);
        let col = text[file.lines.start(line)..offset].chars().count() + 1;
        (line + 1, col)
    }
}

/// The largest char boundary at or below `offset`.
fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}
