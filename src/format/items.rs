//! Files, items and statement blocks. Items are separated by a blank line (consecutive imports keep the
//! source's choice); an item's body has one statement per line, a nested block (`budget { … }`, a record,
//! `when`) stays on one line when the source wrote it so. In a block, the names of the assignments of
//! each run of statements not separated by a blank line are padded so their `=` line up.

use pest::iterators::Pair;

use crate::format::layout::{INDENT, Layout, brackets};
use crate::syntax::Rule;

impl Layout<'_> {
    /// A whole file.
    pub(super) fn file(&mut self, pair: Pair<'_, Rule>) {
        let mut previous = None;
        for item in pair.into_inner() {
            let rule = item.as_rule();
            if rule == Rule::EOI {
                continue;
            }
            match previous {
                None => self.out.line(true),
                Some(Rule::import) if rule == Rule::import => self.out.line(true),
                Some(_) => self.out.blank(),
            }
            self.documentable(item.as_span().start());
            self.item(item);
            previous = Some(rule);
        }
    }

    fn item(&mut self, pair: Pair<'_, Rule>) {
        let rule = pair.as_rule();
        let mut inner = pair.into_inner();
        if let Some(keyword) = inner.next() {
            self.pair(&keyword);
        }
        match rule {
            Rule::import => {
                for path in inner {
                    self.out.space();
                    self.pair(&path);
                }
            }
            Rule::dataset => self.dataset(inner.collect()),
            Rule::space | Rule::study => {
                for part in inner {
                    self.out.space();
                    match part.as_rule() {
                        Rule::block => self.block(part, true),
                        _ => self.pair(&part),
                    }
                }
            }
            Rule::arch => {
                for part in inner {
                    match part.as_rule() {
                        Rule::arch_params => self.arch_params(part),
                        Rule::layer_block => {
                            self.out.space();
                            self.layer_block(part, true);
                        }
                        _ => {
                            self.out.space();
                            self.pair(&part);
                        }
                    }
                }
            }
            _ => {
                for part in inner {
                    self.out.space();
                    self.pair(&part);
                }
            }
        }
    }

    /// `NAME = SOURCE | TRANSFORM …`: on one line, or one `| TRANSFORM` per line.
    fn dataset(&mut self, parts: Vec<Pair<'_, Rule>>) {
        let mut parts = parts.into_iter();
        if let Some(name) = parts.next() {
            self.out.space();
            self.pair(&name);
        }
        self.out.punct(" =");
        let calls: Vec<_> = parts.collect();
        let broken = calls
            .windows(2)
            .any(|w| self.newline_in(w[0].as_span().end(), w[1].as_span().start()));
        let outer = self.out.indent();
        let mut previous_end = None;
        for call in calls {
            let (start, end) = (call.as_span().start(), call.as_span().end());
            if let Some(previous_end) = previous_end {
                let bar = self.find(previous_end, start, b'|').unwrap_or(previous_end);
                if broken {
                    self.out.set_indent(outer + INDENT);
                    self.out.line(false);
                    self.out.flush(bar);
                    self.out.token("|", bar, bar + 1);
                    self.out.set_indent(outer + 2 * INDENT);
                } else {
                    self.out.space();
                    self.out.token("|", bar, bar + 1);
                }
            }
            self.out.space();
            self.call(call);
            previous_end = Some(end);
        }
        self.out.set_indent(outer);
    }

    /// `{ STATEMENT … }`; `always_broken` for an item's body.
    pub(super) fn block(&mut self, pair: Pair<'_, Rule>, always_broken: bool) {
        let (open, close) = brackets(&pair);
        let statements: Vec<_> = pair.into_inner().collect();
        let empty = statements.is_empty() && !self.out.has_comment_in(open, close);
        self.out.open("{", open);
        if empty {
            self.out.token("}", close, close + 1);
        } else if always_broken || self.breaks(open, close, statements.is_empty()) {
            let block = self.out.aligned_block();
            let outer = self.out.indent();
            self.out.set_indent(outer + INDENT);
            for statement in statements {
                self.out.line(true);
                self.documentable(statement.as_span().start());
                self.statement(statement, Some(block));
            }
            self.close("}", close, outer, true);
        } else {
            for (i, statement) in statements.into_iter().enumerate() {
                if i > 0 {
                    self.out.punct(",");
                }
                self.out.space();
                self.statement(statement, None);
            }
            self.out.space();
            self.out.token("}", close, close + 1);
        }
    }

    /// One statement; the name of an assignment is aligned with those of `block`, if given.
    fn statement(&mut self, pair: Pair<'_, Rule>, block: Option<usize>) {
        let rule = pair.as_rule();
        let mut inner = pair.into_inner();
        match rule {
            Rule::assign | Rule::field_block => {
                let Some(name) = inner.next() else { return };
                self.pair(&name);
                let aligned = block.map(|block| self.out.aligned_name(block, name.as_str().len()));
                for value in inner {
                    if value.as_rule() == Rule::block {
                        self.out.space();
                        self.block(value, false);
                    } else {
                        self.out.punct(" =");
                        self.out.space();
                        self.expr(value);
                    }
                }
                if let Some(aligned) = aligned {
                    self.out.end_aligned(aligned);
                }
            }
            _ => {
                for (i, part) in inner.enumerate() {
                    if i > 0 {
                        self.out.space();
                    }
                    match part.as_rule() {
                        Rule::block => self.block(part, false),
                        Rule::expr | Rule::cond => self.expr(part),
                        _ => self.pair(&part),
                    }
                }
            }
        }
    }
}
