//! The part of a source file a diagnostic shows: the lines around its labels, copied out of the file
//! so that rendering one diagnostic costs the size of those lines, not of the file. miette's
//! [`Report`](super::Report) reads it as its [`SourceCode`].
//!
//! Labels close together are shown in one snippet, as miette does; labels more than [`GAP`] lines
//! apart get a snippet each instead of every line between them. A line longer than [`MAX_LINE`]
//! bytes is cut to the text around the labels' ends on it, the rest replaced by `…`, and a label over
//! more than [`MAX_LABEL_LINES`] lines is shown by its first line. Line numbers and columns in the
//! headers stay those of the file.

use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

use crate::source::{SourceFile, Span, picture, visible};

/// Lines of context miette shows above and below a label (its default).
const CONTEXT: usize = 1;
/// Lines copied above and below the labels: the context and one more, so miette's reading of the
/// context finds the same line starts as in the whole file.
const MARGIN: usize = CONTEXT + 1;
/// Labels more than this many lines apart are shown in separate snippets.
const GAP: usize = 20;
/// A label over more lines than this is shown by its first line.
const MAX_LABEL_LINES: usize = 12;
/// Lines longer than this many bytes are cut around the labels' ends.
const MAX_LINE: usize = 400;
/// Bytes kept on each side of a label's end in a cut line.
const KEEP: usize = 40;
/// What stands for the text cut out of a long line.
const ELLIPSIS: &str = "…";

/// The lines of one file that a diagnostic's labels need, in snippets.
#[derive(Debug)]
pub struct Excerpt {
    name: String,
    regions: Vec<Region>,
}

/// Consecutive lines of the file, copied (long lines cut); its text starts at `offset` among the
/// excerpt's offsets.
#[derive(Debug)]
struct Region {
    offset: usize,
    text: String,
    first_line: usize,
    last_line: usize,
    pieces: Vec<Piece>,
}

/// A run of the file's bytes copied into a region: `len` bytes from `real` are at `at`.
#[derive(Debug, Clone, Copy)]
struct Piece {
    real: usize,
    at: usize,
    len: usize,
    /// For a piece of a cut line, where that line starts in the file (its columns are not those of
    /// the region's text).
    cut_line_start: Option<usize>,
}

impl Excerpt {
    /// The excerpt of `file` for labels at `spans`, and the spans' places in it.
    #[must_use]
    pub fn new(file: &SourceFile, spans: &[Span]) -> (Self, Vec<SourceSpan>) {
        let text: &str = &file.text;
        let lines = &file.lines;
        let spans: Vec<(usize, usize)> = spans.iter().map(|s| shown(file, *s)).collect();
        // Clusters of labels, as (first line, last line) of the region copied for each.
        let mut by_line: Vec<(usize, usize)> = spans
            .iter()
            .map(|&(start, end)| {
                (
                    lines.line(start),
                    lines.line(end.saturating_sub(1).max(start)),
                )
            })
            .collect();
        by_line.sort_unstable();
        let mut clusters: Vec<(usize, usize)> = Vec::new();
        for (first, last) in by_line {
            match clusters.last_mut() {
                Some(cluster) if first <= cluster.1 + GAP => cluster.1 = cluster.1.max(last),
                _ => clusters.push((first, last)),
            }
        }
        let mut regions = Vec::with_capacity(clusters.len());
        let mut offset = 0;
        for (first, last) in clusters {
            let first_line = first.saturating_sub(MARGIN);
            let last_line = (last + MARGIN).min(lines.lines() - 1);
            let region = Region::copy(text, file, first_line, last_line, offset, &spans);
            offset += region.text.len();
            regions.push(region);
        }
        let excerpt = Self {
            name: visible(&file.name).into_owned(),
            regions,
        };
        let placed = spans
            .iter()
            .map(|&(start, end)| {
                let (start, end) = (excerpt.place(start), excerpt.place(end));
                SourceSpan::new(start.into(), end.saturating_sub(start))
            })
            .collect();
        (excerpt, placed)
    }

    /// Where byte `real` of the file is in the excerpt.
    fn place(&self, real: usize) -> usize {
        let region = self
            .regions
            .iter()
            .rev()
            .find(|r| r.pieces.first().is_some_and(|p| p.real <= real))
            .or(self.regions.first());
        region.map_or(0, |r| r.place(real))
    }
}

/// The part of `span` a label shows: clamped to the text and its char boundaries, and cut to its
/// first line when it covers more than [`MAX_LABEL_LINES`].
fn shown(file: &SourceFile, span: Span) -> (usize, usize) {
    let text: &str = &file.text;
    let start = floor_boundary(text, span.start().min(text.len()));
    let end = floor_boundary(text, span.end().clamp(start, text.len()));
    let (first, last) = (
        file.lines.line(start),
        file.lines.line(end.saturating_sub(1).max(start)),
    );
    if last - first > MAX_LABEL_LINES {
        let line_end = content_end(text, file.lines.end(first));
        return (start, line_end.max(start));
    }
    (start, end)
}

impl Region {
    /// Copies lines `first_line..=last_line` of `text`, cutting long ones around the ends of
    /// `spans`; the copy starts at `offset` among the excerpt's offsets.
    fn copy(
        text: &str,
        file: &SourceFile,
        first_line: usize,
        last_line: usize,
        offset: usize,
        spans: &[(usize, usize)],
    ) -> Self {
        let mut region = Self {
            offset,
            text: String::new(),
            first_line,
            last_line,
            pieces: Vec::new(),
        };
        for line in first_line..=last_line {
            let (start, end) = (file.lines.start(line), file.lines.end(line));
            let content = content_end(text, end).max(start);
            if content - start <= MAX_LINE {
                region.push(text, start, end, None);
                continue;
            }
            let mut ends: Vec<usize> = spans
                .iter()
                .flat_map(|&(s, e)| [s, e])
                .filter(|&p| (start..=content).contains(&p))
                .collect();
            if ends.is_empty() {
                ends.push(start);
            }
            ends.sort_unstable();
            let mut windows: Vec<(usize, usize)> = Vec::new();
            for p in ends {
                let from = floor_boundary(text, p.saturating_sub(KEEP).max(start));
                let to = ceil_boundary(text, (p + KEEP).min(content));
                match windows.last_mut() {
                    Some(last) if from <= last.1 + ELLIPSIS.len() => last.1 = last.1.max(to),
                    _ => windows.push((from, to)),
                }
            }
            let mut at = start;
            for (from, to) in windows {
                if from > at {
                    region.text.push_str(ELLIPSIS);
                }
                region.push(text, from, to, Some(start));
                at = to;
            }
            if content > at {
                region.text.push_str(ELLIPSIS);
            }
            region.push(text, content, end, None);
        }
        region
    }

    /// Copies `text[from..to]`, its control characters shown as pictures (each picture a piece of
    /// its own that stands for the character's bytes).
    fn push(&mut self, text: &str, from: usize, to: usize, cut_line_start: Option<usize>) {
        let mut run = from;
        for (i, c) in text[from..to].char_indices() {
            let Some(shown) = picture(c) else {
                continue;
            };
            let real = from + i;
            if real > run {
                self.push_raw(text, run, real, cut_line_start);
            }
            let at = self.offset + self.text.len();
            self.text.push(shown);
            self.pieces.push(Piece {
                real,
                at,
                len: c.len_utf8(),
                cut_line_start,
            });
            run = real + c.len_utf8();
        }
        if run < to || self.pieces.is_empty() {
            self.push_raw(text, run, to, cut_line_start);
        }
    }

    /// Copies `text[from..to]` as it is.
    fn push_raw(&mut self, text: &str, from: usize, to: usize, cut_line_start: Option<usize>) {
        let at = self.offset + self.text.len();
        self.text.push_str(&text[from..to]);
        match self.pieces.last_mut() {
            Some(last)
                if cut_line_start.is_none()
                    && last.cut_line_start.is_none()
                    && last.real + last.len == from
                    && last.at + last.len == at =>
            {
                last.len += to - from;
            }
            _ => self.pieces.push(Piece {
                real: from,
                at,
                len: to - from,
                cut_line_start,
            }),
        }
    }

    /// Where byte `real` of the file is in the excerpt (a byte cut out: where the cut is).
    fn place(&self, real: usize) -> usize {
        let index = self.pieces.partition_point(|p| p.real <= real).max(1) - 1;
        let piece = self.pieces[index];
        piece.at + real.saturating_sub(piece.real).min(piece.len)
    }

    /// The piece holding excerpt offset `at`.
    fn piece_at(&self, at: usize) -> Option<&Piece> {
        let index = self.pieces.partition_point(|p| p.at <= at).checked_sub(1)?;
        self.pieces.get(index).filter(|p| at <= p.at + p.len)
    }

    fn contains(&self, span: &SourceSpan) -> bool {
        self.offset <= span.offset() && span.offset() + span.len() <= self.offset + self.text.len()
    }
}

impl SourceCode for Excerpt {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let region = self
            .regions
            .iter()
            .find(|r| r.contains(span))
            .ok_or(MietteError::OutOfBounds)?;
        let local = SourceSpan::new((span.offset() - region.offset).into(), span.len());
        let inner =
            region
                .text
                .as_str()
                .read_span(&local, context_lines_before, context_lines_after)?;
        let line = region.first_line + inner.line();
        let column = match region.piece_at(span.offset()) {
            Some(Piece {
                real,
                at,
                cut_line_start: Some(line_start),
                ..
            }) if context_lines_before == 0 => real + (span.offset() - at) - line_start,
            _ => inner.column(),
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            SourceSpan::new(
                (inner.span().offset() + region.offset).into(),
                inner.span().len(),
            ),
            line,
            column,
            // miette joins two labels into one snippet when the first's line plus this count
            // reaches the second's: so exactly the labels of one region are joined.
            region.last_line.saturating_sub(line),
        )))
    }
}

/// The end of a line's text, before its line break (`end` is one past the break).
fn content_end(text: &str, end: usize) -> usize {
    let line = &text.as_bytes()[..end];
    let mut content = end;
    if line.last() == Some(&b'\n') {
        content -= 1;
    }
    if content > 0 && line.get(content - 1) == Some(&b'\r') {
        content -= 1;
    }
    content
}

fn floor_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

fn ceil_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset += 1;
    }
    offset
}
