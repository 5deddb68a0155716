//! Architectures: the parameter list, layer blocks and `choose`. An arch body has one layer per line; a
//! nested block (`repeat`, `residual`, an alternative) stays on one line when the source wrote it so,
//! with two spaces between its layers (`{ linear(width)  relu() }`). A broken `choose` puts its first
//! alternative on the line after `choose {` and each other one on a line starting with `| `.

use pest::iterators::Pair;

use crate::format::layout::{INDENT, Layout, brackets};
use crate::syntax::Rule;

impl Layout<'_> {
    /// `(width: int = 64, …)`.
    pub(super) fn arch_params(&mut self, pair: Pair<'_, Rule>) {
        let (open, close) = brackets(&pair);
        let params = pair.into_inner().collect();
        self.sequence(["(", ")"], open, close, params, |layout, param, _| {
            layout.arch_param(param);
        });
    }

    /// `NAME`, `NAME: TYPE`, `NAME = DEFAULT` or `NAME: TYPE = DEFAULT`.
    fn arch_param(&mut self, pair: Pair<'_, Rule>) {
        for (i, part) in pair.into_inner().enumerate() {
            match part.as_rule() {
                Rule::ident if i == 0 => self.pair(&part),
                Rule::ident => {
                    self.out.punct(":");
                    self.out.space();
                    self.pair(&part);
                }
                _ => {
                    self.out.punct(" =");
                    self.out.space();
                    self.expr(part);
                }
            }
        }
    }

    /// `{ LAYER … }`; `always_broken` for an arch body.
    pub(super) fn layer_block(&mut self, pair: Pair<'_, Rule>, always_broken: bool) {
        let (open, close) = brackets(&pair);
        let layers: Vec<_> = pair.into_inner().collect();
        let empty = layers.is_empty() && !self.out.has_comment_in(open, close);
        self.out.open("{", open);
        if empty {
            self.out.token("}", close, close + 1);
        } else if always_broken || self.breaks(open, close, layers.is_empty()) {
            let outer = self.out.indent();
            self.out.set_indent(outer + INDENT);
            for layer in layers {
                self.out.line(true);
                self.layer(layer);
            }
            self.close("}", close, outer, true);
        } else {
            for (i, layer) in layers.into_iter().enumerate() {
                if i > 0 {
                    self.out.punct(" ");
                }
                self.out.space();
                self.layer(layer);
            }
            self.out.space();
            self.out.token("}", close, close + 1);
        }
    }

    /// A call, `repeat N { … }`, `residual { … }` or `choose { … }`.
    fn layer(&mut self, pair: Pair<'_, Rule>) {
        match pair.as_rule() {
            Rule::call => self.call(pair),
            Rule::choose_layer => self.choose(pair),
            Rule::repeat_layer | Rule::residual_layer => {
                for (i, part) in pair.into_inner().enumerate() {
                    if i > 0 {
                        self.out.space();
                    }
                    match part.as_rule() {
                        Rule::layer_block => self.layer_block(part, false),
                        Rule::cond => self.expr(part),
                        _ => self.pair(&part),
                    }
                }
            }
            _ => self.pair(&pair),
        }
    }

    /// `choose { A | B | … }`.
    fn choose(&mut self, pair: Pair<'_, Rule>) {
        let (_, close) = brackets(&pair);
        let mut inner = pair.into_inner();
        let Some(keyword) = inner.next() else { return };
        self.pair(&keyword);
        let open = self
            .find(keyword.as_span().end(), close, b'{')
            .unwrap_or(close);
        let alternatives: Vec<_> = inner.collect();
        let broken = self.newline_in(open, close);
        self.out.space();
        self.out.open("{", open);
        let outer = self.out.indent();
        let mut previous_end = None;
        for alternative in alternatives {
            let (start, end) = (alternative.as_span().start(), alternative.as_span().end());
            match (previous_end, broken) {
                (None, true) => {
                    self.out.set_indent(outer + INDENT);
                    self.out.line(false);
                }
                (None, false) => self.out.space(),
                (Some(previous_end), true) => {
                    let bar = self.find(previous_end, start, b'|').unwrap_or(previous_end);
                    self.out.line(false);
                    self.out.flush(bar);
                    self.out.set_indent(outer);
                    self.out.line(false);
                    self.out.token("|", bar, bar + 1);
                    self.out.set_indent(outer + INDENT);
                    self.out.space();
                }
                (Some(previous_end), false) => {
                    let bar = self.find(previous_end, start, b'|').unwrap_or(previous_end);
                    self.out.space();
                    self.out.token("|", bar, bar + 1);
                    self.out.space();
                }
            }
            self.alternative(alternative);
            previous_end = Some(end);
        }
        if broken {
            self.close("}", close, outer, false);
        } else {
            self.out.space();
            self.out.token("}", close, close + 1);
        }
    }

    /// One alternative of `choose`: a layer, or a block of layers.
    fn alternative(&mut self, pair: Pair<'_, Rule>) {
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::layer_block => self.layer_block(part, false),
                _ => self.layer(part),
            }
        }
    }
}
