//! The printer: the output of [`super::layout`], line by line. The layout says what goes between
//! tokens ([`Gap`]) and the printer decides how, putting back every comment of the source right before
//! the token it preceded: a comment that trailed code stays at the end of its line, one on a line of its
//! own stays on a line of its own, and blank lines are kept (at most one) only where the layout allows.

use crate::format::align::{AlignedName, align_names, align_trailing_comments};
use crate::format::comments::{Comment, CommentKind};

/// Extra indentation of a line that continues the one above (after an operator, or forced by a line
/// comment where the layout wanted no break).
pub(super) const CONTINUATION: usize = 2;

/// What the layout wants between the last token and the next; the larger request wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Gap {
    /// Nothing: the tokens touch.
    None,
    /// One space (none at the start of a line).
    Space,
    /// A line break.
    Line,
    /// A line break and a blank line.
    Blank,
}

/// One output line: its indentation, its text, and where a trailing `//` comment starts in the text.
#[derive(Debug, Default)]
pub(super) struct Line {
    /// Spaces in front of the text (none are written on an empty line).
    pub indent: usize,
    /// The line without its indentation.
    pub text: String,
    /// Where a trailing `//` comment starts in `text`.
    pub comment_at: Option<usize>,
}

/// Builds the formatted text from tokens, gaps and the source's comments.
#[derive(Debug)]
pub(super) struct Printer<'s> {
    source: &'s str,
    comments: Vec<Comment>,
    next_comment: usize,
    done: Vec<Line>,
    line: Line,
    indent: usize,
    /// The layout's request for the gap before the next token.
    request: Gap,
    /// With a line request: whether a blank line of the source there is kept.
    keep_blank: bool,
    /// What the last comment written needs after it (a line comment needs a line break).
    forced: Gap,
    /// Nothing but an opening bracket was written since the last line break of the layout.
    after_open: bool,
    /// The end, in the source, of the last token or comment written.
    last_end: usize,
    /// The names of assignments, to line up once every line is written.
    names: Vec<AlignedName>,
    /// How many blocks have asked for aligned names.
    blocks: usize,
}

impl<'s> Printer<'s> {
    /// A printer for `source`, whose comments are `comments` (in order).
    pub fn new(source: &'s str, comments: Vec<Comment>) -> Self {
        Self {
            source,
            comments,
            next_comment: 0,
            done: Vec::new(),
            line: Line::default(),
            indent: 0,
            request: Gap::None,
            keep_blank: false,
            forced: Gap::None,
            after_open: true,
            last_end: 0,
            names: Vec::new(),
            blocks: 0,
        }
    }

    /// The indentation of lines the layout starts.
    pub fn indent(&self) -> usize {
        self.indent
    }

    /// Sets the indentation of the lines the layout starts from now on.
    pub fn set_indent(&mut self, indent: usize) {
        self.indent = indent;
    }

    /// Asks for a space before the next token.
    pub fn space(&mut self) {
        self.request = self.request.max(Gap::Space);
    }

    /// Asks for a line break before the next token; with `keep_blank`, a blank line of the source there
    /// (or before a comment on its own line) is kept.
    pub fn line(&mut self, keep_blank: bool) {
        self.request = self.request.max(Gap::Line);
        self.keep_blank = keep_blank;
    }

    /// Asks for a blank line before what comes next (the comments in front of an item included).
    pub fn blank(&mut self) {
        self.request = Gap::Blank;
        self.keep_blank = true;
    }

    /// Writes the token at `start..end` of the source, after the comments in front of it.
    pub fn token(&mut self, text: &str, start: usize, end: usize) {
        self.flush(start);
        self.apply_gap(start, self.request.max(self.forced));
        self.line.text.push_str(text);
        self.last_end = self.last_end.max(end);
        self.after_open = false;
        self.request = Gap::None;
        self.keep_blank = false;
        self.forced = Gap::None;
    }

    /// Writes an opening bracket: no blank line is kept right after it.
    pub fn open(&mut self, text: &str, start: usize) {
        self.token(text, start, start + text.len());
        self.after_open = true;
    }

    /// Writes text the layout adds (a comma, ` =`) right after the last token.
    pub fn punct(&mut self, text: &str) {
        self.line.text.push_str(text);
    }

    /// Writes every comment that starts before `until`.
    pub fn flush(&mut self, until: usize) {
        while let Some(comment) = self
            .comments
            .get(self.next_comment)
            .filter(|c| c.start < until)
            .cloned()
        {
            self.next_comment += 1;
            self.comment(&comment);
        }
    }

    /// Writes the comments before `until` that fit on the current line (block comments with code
    /// after them on their line), so that punctuation the layout adds next still follows them.
    pub fn flush_inline(&mut self, until: usize) {
        while let Some(comment) = self
            .comments
            .get(self.next_comment)
            .filter(|c| c.start < until && c.kind == CommentKind::Block && !c.newline_after)
            .cloned()
        {
            self.next_comment += 1;
            self.comment(&comment);
        }
    }

    /// A new block whose assigned names are to line up; see [`Printer::aligned_name`].
    pub fn aligned_block(&mut self) -> usize {
        self.blocks += 1;
        self.blocks
    }

    /// Notes that the token just written is a name of `block` to pad so that what follows it lines
    /// up; returns the index to pass to [`Printer::end_aligned`] after the statement.
    pub fn aligned_name(&mut self, block: usize, len: usize) -> usize {
        let line = self.done.len();
        self.names.push(AlignedName {
            block,
            first_line: line,
            last_line: line,
            end: self.line.text.len(),
            len,
        });
        self.names.len() - 1
    }

    /// Notes that the statement of the aligned name `index` ends on the current line.
    pub fn end_aligned(&mut self, index: usize) {
        let line = self.done.len();
        if let Some(name) = self.names.get_mut(index) {
            name.last_line = line;
        }
    }

    /// Whether the line being written is a `///` comment: what follows it directly is documented.
    pub fn after_doc_comment(&self) -> bool {
        let text = &self.line.text;
        text.starts_with("///") && !text.starts_with("////")
    }

    /// Whether a comment not yet written starts in `start..end`.
    pub fn has_comment_in(&self, start: usize, end: usize) -> bool {
        self.comments
            .iter()
            .skip(self.next_comment)
            .any(|c| (start..end).contains(&c.start))
    }

    /// The end of the comment starting at `offset`, if one does.
    pub fn comment_end_at(&self, offset: usize) -> Option<usize> {
        self.comments
            .binary_search_by_key(&offset, |c| c.start)
            .ok()
            .and_then(|i| self.comments.get(i))
            .map(|c| c.end)
    }

    /// The formatted text: the remaining comments written, names and trailing comments aligned, one
    /// line break at the end.
    pub fn finish(mut self) -> String {
        self.line(true);
        self.flush(usize::MAX);
        self.done.push(std::mem::take(&mut self.line));
        while self.done.last().is_some_and(|l| l.text.is_empty()) {
            self.done.pop();
        }
        align_names(&mut self.done, &self.names);
        align_trailing_comments(&mut self.done);
        let mut out = String::new();
        for line in &self.done {
            if !line.text.is_empty() {
                out.extend(std::iter::repeat_n(' ', line.indent));
                out.push_str(&line.text);
            }
            out.push('\n');
        }
        out
    }

    fn comment(&mut self, comment: &Comment) {
        let text = comment.text(self.source);
        if comment.trailing && !self.line.text.is_empty() && self.forced < Gap::Line {
            if comment.kind == CommentKind::Line {
                self.line.comment_at = Some(self.line.text.len());
            }
            self.line.text.push(' ');
        } else {
            let gap = self.request.max(self.forced).max(Gap::Line);
            self.apply_gap(comment.start, gap);
            self.after_open = false;
            if !comment.newline_after {
                // `/* … */ x = 1`: the comment opened the line the layout asked for.
                self.request = self.request.min(Gap::Space);
            }
        }
        self.push_multiline(&text);
        self.last_end = self.last_end.max(comment.end);
        self.forced = if comment.newline_after {
            Gap::Line
        } else {
            Gap::Space
        };
    }

    /// Writes text that may hold line breaks (a block comment): later lines keep their own indentation.
    fn push_multiline(&mut self, text: &str) {
        let mut lines = text.split('\n');
        if let Some(first) = lines.next() {
            self.line.text.push_str(first);
        }
        for rest in lines {
            self.done.push(std::mem::take(&mut self.line));
            self.line.text.push_str(rest);
        }
    }

    /// Puts `gap` before something that starts at `start` in the source.
    fn apply_gap(&mut self, start: usize, gap: Gap) {
        if self.line.text.is_empty() {
            self.line.indent = self.indent;
            return;
        }
        match gap {
            Gap::None => {}
            Gap::Space => self.line.text.push(' '),
            Gap::Line | Gap::Blank => {
                let laid_out = self.request >= Gap::Line;
                let blank = self.request == Gap::Blank
                    || (laid_out
                        && self.keep_blank
                        && !self.after_open
                        && has_blank_line(
                            self.source.get(self.last_end..start).unwrap_or_default(),
                        ));
                self.done.push(std::mem::take(&mut self.line));
                if blank {
                    self.done.push(Line::default());
                }
                self.line.indent = if laid_out {
                    self.indent
                } else {
                    self.indent + CONTINUATION
                };
                if self.request == Gap::Blank {
                    self.request = Gap::Line;
                }
            }
        }
    }
}

/// Whether the text between two tokens holds an empty line.
fn has_blank_line(gap: &str) -> bool {
    let lines: Vec<&str> = gap.split('\n').collect();
    lines.len() > 2
        && lines[1..lines.len() - 1]
            .iter()
            .any(|l| l.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_lines_are_lines_holding_only_whitespace() {
        assert!(has_blank_line("\n  \n  "));
        assert!(has_blank_line(" // c\n\n"));
        assert!(!has_blank_line("\n,\n"));
        assert!(!has_blank_line("\n  "));
    }
}
