//! The layout: walks pest's parse tree of a file (not the AST, which drops parentheses and the places
//! of tokens) and tells the [`Printer`] what to write. This file holds what every construct shares:
//! the [`Layout`] itself, bracketed sequences, and the rule "a bracket the source wrote on one line
//! stays on one line, one written over several lines gets one element per line". The constructs are in
//! [`super::items`], [`super::layers`] and [`super::exprs`].

use pest::iterators::Pair;

use crate::format::comments::Comment;
use crate::format::printer::Printer;
use crate::syntax::Rule;
use crate::syntax::parser::doc_comment_before;

/// One level of indentation.
pub(super) const INDENT: usize = 2;

/// Formats one parse tree of `source`.
#[derive(Debug)]
pub(super) struct Layout<'s> {
    pub(super) source: &'s str,
    pub(super) out: Printer<'s>,
}

impl<'s> Layout<'s> {
    /// A layout for `source`, whose comments are `comments`.
    pub fn new(source: &'s str, comments: Vec<Comment>) -> Self {
        Self {
            source,
            out: Printer::new(source, comments),
        }
    }

    /// The formatted text.
    pub fn finish(self) -> String {
        self.out.finish()
    }

    /// Writes a token as the source spells it.
    pub(super) fn pair(&mut self, pair: &Pair<'_, Rule>) {
        let span = pair.as_span();
        self.out.token(pair.as_str(), span.start(), span.end());
    }

    /// Before an item or a statement that starts at `start` (with its line break requested): writes
    /// the comments in front of it, and keeps a `///` comment that does not document it in the source
    /// (`/// …` then `, x = 1`) from documenting it here, with a blank line between them.
    pub(super) fn documentable(&mut self, start: usize) {
        self.out.flush(start);
        if self.out.after_doc_comment() && doc_comment_before(self.source, start).is_none() {
            self.out.blank();
        }
    }

    /// Whether the source breaks a line between `start` and `end`.
    pub(super) fn newline_in(&self, start: usize, end: usize) -> bool {
        self.source
            .get(start..end)
            .is_some_and(|text| text.contains(['\n', '\r']))
    }

    /// The offset of the first `byte` in `from..until` outside comments: the place of a comma, a
    /// bracket or a `|`, which the parse tree does not show.
    pub(super) fn find(&self, from: usize, until: usize, byte: u8) -> Option<usize> {
        let bytes = self.source.as_bytes();
        let mut i = from;
        while i < until {
            if let Some(end) = self.out.comment_end_at(i) {
                i = end;
            } else if *bytes.get(i)? == byte {
                return Some(i);
            } else {
                i += 1;
            }
        }
        None
    }

    /// Whether a bracket pair at `open` and `close` is laid out one element per line: the source
    /// breaks a line inside it, and it holds something (elements or comments).
    pub(super) fn breaks(&self, open: usize, close: usize, empty: bool) -> bool {
        self.newline_in(open, close) && (!empty || self.out.has_comment_in(open, close))
    }

    /// `[a, b]` / `(a, b)`: on one line, or one element per line, each followed by a comma, with the
    /// closing bracket on a line of its own. `each` writes one element; its flag says the sequence is
    /// broken over lines.
    pub(super) fn sequence<'i>(
        &mut self,
        [open_text, close_text]: [&str; 2],
        open: usize,
        close: usize,
        elements: Vec<Pair<'i, Rule>>,
        each: impl Fn(&mut Self, Pair<'i, Rule>, bool),
    ) {
        let broken = self.breaks(open, close, elements.is_empty());
        self.out.open(open_text, open);
        if broken {
            let outer = self.out.indent();
            self.out.set_indent(outer + INDENT);
            for element in elements {
                let end = element.as_span().end();
                self.out.line(false);
                each(self, element, true);
                self.comma(end, close);
            }
            self.close(close_text, close, outer, false);
        } else {
            let last = elements.len().saturating_sub(1);
            for (i, element) in elements.into_iter().enumerate() {
                let end = element.as_span().end();
                each(self, element, false);
                if i < last {
                    self.comma(end, close);
                    self.out.space();
                }
            }
            self.out.token(close_text, close, close + 1);
        }
    }

    /// Writes the comma after an element that ends at `end`, after the comments written before it
    /// that fit on the line (`64 /* fixed */,`).
    fn comma(&mut self, end: usize, close: usize) {
        if let Some(comma) = self.find(end, close, b',') {
            self.out.flush_inline(comma);
        }
        self.out.punct(",");
    }

    /// Ends a broken sequence or block: the comments in front of the closing bracket at the inner
    /// indentation, then the bracket on a line of its own at `outer`.
    pub(super) fn close(&mut self, text: &str, close: usize, outer: usize, keep_blank: bool) {
        self.out.line(keep_blank);
        self.out.flush(close);
        self.out.set_indent(outer);
        self.out.line(false);
        self.out.token(text, close, close + 1);
    }
}

/// The offsets of a bracketed rule's opening and closing brackets (its first and last bytes).
pub(super) fn brackets(pair: &Pair<'_, Rule>) -> (usize, usize) {
    let span = pair.as_span();
    (span.start(), span.end().saturating_sub(1).max(span.start()))
}

/// The width names are padded to so that what follows them lines up: the longest of `names`.
pub(super) fn name_width<'a>(names: impl Iterator<Item = Option<&'a str>>) -> usize {
    names.flatten().map(str::len).max().unwrap_or(0)
}
