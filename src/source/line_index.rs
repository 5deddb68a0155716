//! Where each line of a text starts, computed once per file: turns a byte offset into its line in
//! logarithmic time instead of a scan from the start of the text. Built by [`super::SourceMap::add`];
//! read by diagnostic rendering (`crate::diagnostic`, which excerpts the lines around a label) and the
//! language server (offsets to LSP positions).

/// The byte offsets at which the lines of one text start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineIndex {
    /// `starts[i]` is the first byte of line `i`; `starts[0]` is 0.
    starts: Vec<usize>,
    /// The text's length.
    len: usize,
}

impl LineIndex {
    /// Indexes `text`. A line ends after `\n`, `\r\n` or a lone `\r`, as the grammar's `NEWLINE`
    /// (and miette's rendering) has it.
    #[must_use]
    pub fn new(text: &str) -> Self {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        starts.extend(
            bytes
                .iter()
                .enumerate()
                .filter(|&(i, &b)| b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')))
                .map(|(i, _)| i + 1),
        );
        Self {
            starts,
            len: text.len(),
        }
    }

    /// The number of lines (a text ending in `\n` has an empty last line).
    #[must_use]
    pub fn lines(&self) -> usize {
        self.starts.len()
    }

    /// The 0-based line holding byte `offset` (offsets past the end are on the last line).
    #[must_use]
    pub fn line(&self, offset: usize) -> usize {
        self.starts.partition_point(|&start| start <= offset) - 1
    }

    /// The first byte of `line` (the text's length past the last line).
    #[must_use]
    pub fn start(&self, line: usize) -> usize {
        self.starts.get(line).copied().unwrap_or(self.len)
    }

    /// One past the last byte of `line`, its line break included.
    #[must_use]
    pub fn end(&self, line: usize) -> usize {
        self.start(line + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_of_offsets() {
        let text = "ab\ncd\r\n\ne\rlast";
        let index = LineIndex::new(text);
        assert_eq!(index.lines(), 5);
        let lines: Vec<usize> = (0..=text.len()).map(|o| index.line(o)).collect();
        assert_eq!(lines, [0, 0, 0, 1, 1, 1, 1, 2, 3, 3, 4, 4, 4, 4, 4]);
        assert_eq!((index.start(1), index.end(1)), (3, 7));
        assert_eq!((index.start(4), index.end(4)), (10, text.len()));
        assert_eq!(index.line(100), 4);
    }

    #[test]
    fn an_empty_text_has_one_line() {
        let index = LineIndex::new("");
        assert_eq!((index.lines(), index.line(0), index.end(0)), (1, 0, 0));
    }
}
