//! Open documents and the translation between byte offsets (what spans hold) and LSP positions
//! (line and UTF-16 column, what editors send).

use std::collections::HashMap;

use lsp_types::{Position, Range, Url};

use crate::source::LineIndex;

/// The texts of the documents the editor has open, by URI.
#[derive(Debug, Default)]
pub struct Documents {
    texts: HashMap<Url, String>,
}

impl Documents {
    /// Records a document's full text (on open and on every change).
    pub fn set(&mut self, uri: Url, text: String) {
        self.texts.insert(uri, text);
    }

    /// Forgets a closed document.
    pub fn close(&mut self, uri: &Url) {
        self.texts.remove(uri);
    }

    /// A document's text.
    #[must_use]
    pub fn get(&self, uri: &Url) -> Option<&str> {
        self.texts.get(uri).map(String::as_str)
    }
}

/// The LSP position of byte `offset` in `text`, whose lines are `lines` (clamped to the text, and
/// to a char boundary). Costs the length of its line, not of the text.
#[must_use]
pub fn position(text: &str, lines: &LineIndex, offset: usize) -> Position {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let line = lines.line(offset);
    let character: usize = text[lines.start(line)..offset]
        .chars()
        .map(char::len_utf16)
        .sum();
    Position::new(
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(character).unwrap_or(u32::MAX),
    )
}

/// The LSP range of bytes `start..end` in `text`, whose lines are `lines`.
#[must_use]
pub fn range(text: &str, lines: &LineIndex, start: usize, end: usize) -> Range {
    Range::new(position(text, lines, start), position(text, lines, end))
}

/// The byte offset of an LSP position (past the end of a line or of the text: its end).
#[must_use]
pub fn offset(text: &str, lines: &LineIndex, position: Position) -> usize {
    let line = position.line as usize;
    if line >= lines.lines() {
        return text.len();
    }
    let line_start = lines.start(line);
    let line_end = line_start
        + text[line_start..lines.end(line)]
            .trim_end_matches(['\n', '\r'])
            .len();
    let mut units = 0;
    for (i, c) in text[line_start..line_end].char_indices() {
        if units >= position.character as usize {
            return line_start + i;
        }
        units += c.len_utf16();
    }
    line_end
}

/// The identifier around byte `offset` (letters, digits, `_`), with its byte range.
#[must_use]
pub fn word_at(text: &str, offset: usize) -> Option<(&str, usize, usize)> {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let offset = offset.min(text.len());
    if !text.is_char_boundary(offset) {
        return None;
    }
    let start = text[..offset]
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_word(*c))
        .last()
        .map_or(offset, |(i, _)| i);
    let end = text[offset..]
        .char_indices()
        .find(|(_, c)| !is_word(*c))
        .map_or(text.len(), |(i, _)| offset + i);
    (start < end).then(|| (&text[start..end], start, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_utf16_units_and_round_trip() {
        let text = "a = 1\n// é𝄞 x\r\nlast";
        let lines = LineIndex::new(text);
        let x = text.find('x').unwrap();
        // `//`, space, é (1 unit), 𝄞 (2 units), space: x is at UTF-16 column 7.
        assert_eq!(position(text, &lines, x), Position::new(1, 7));
        assert_eq!(offset(text, &lines, Position::new(1, 7)), x);
        assert_eq!(offset(text, &lines, Position::new(1, 99)), x + 1);
        assert_eq!(offset(text, &lines, Position::new(2, 99)), text.len());
        assert_eq!(offset(text, &lines, Position::new(9, 0)), text.len());
        assert_eq!(position(text, &lines, text.len() + 5), Position::new(2, 4));
    }

    #[test]
    fn the_word_under_the_cursor() {
        let text = "sampler = bo(init = 8)";
        assert_eq!(word_at(text, 11).map(|w| w.0), Some("bo"));
        assert_eq!(word_at(text, 12).map(|w| w.0), Some("bo"));
        assert_eq!(word_at(text, 0).map(|w| w.0), Some("sampler"));
        assert_eq!(word_at(text, 8), None);
    }
}
