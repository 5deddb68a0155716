//! Expressions, calls, arguments and lists. Binary operators get one space on each side, `-` touches
//! its operand and `not` is followed by a space; a line break the source put after an operator is kept,
//! the continuation indented one level. Calls and lists follow [`Layout::sequence`]; in a call broken
//! over lines, the names of its named arguments are padded so their `=` line up.

use pest::iterators::Pair;

use crate::format::layout::{INDENT, Layout, brackets, name_width};
use crate::syntax::Rule;

impl Layout<'_> {
    /// An `expr` or a `cond`: operands, prefix and infix operators.
    pub(super) fn expr(&mut self, pair: Pair<'_, Rule>) {
        let outer = self.out.indent();
        let parts: Vec<_> = pair.into_inner().collect();
        for (i, part) in parts.iter().enumerate() {
            match part.as_rule() {
                Rule::neg => self.pair(part),
                Rule::not => {
                    self.pair(part);
                    self.out.space();
                }
                rule if is_infix(rule) => {
                    self.out.space();
                    self.pair(part);
                    let end = part.as_span().end();
                    let next = parts.get(i + 1).map_or(end, |p| p.as_span().start());
                    if self.newline_in(end, next) {
                        self.out.set_indent(outer + INDENT);
                        self.out.line(false);
                    } else {
                        self.out.space();
                    }
                }
                _ => self.primary(part.clone()),
            }
        }
        self.out.set_indent(outer);
    }

    /// An operand.
    fn primary(&mut self, pair: Pair<'_, Rule>) {
        match pair.as_rule() {
            Rule::call => self.call(pair),
            Rule::list => {
                let (open, close) = brackets(&pair);
                let elements = pair.into_inner().collect();
                self.sequence(["[", "]"], open, close, elements, |layout, element, _| {
                    layout.expr(element);
                });
            }
            Rule::paren => {
                let (open, close) = brackets(&pair);
                self.out.open("(", open);
                for inner in pair.into_inner() {
                    self.expr(inner);
                }
                self.out.token(")", close, close + 1);
            }
            Rule::record | Rule::objective_value => {
                for (i, part) in pair.into_inner().enumerate() {
                    if i > 0 {
                        self.out.space();
                    }
                    match part.as_rule() {
                        Rule::block => self.block(part, false),
                        _ => self.pair(&part),
                    }
                }
            }
            _ => self.pair(&pair),
        }
    }

    /// `NAME(ARG, …)`.
    pub(super) fn call(&mut self, pair: Pair<'_, Rule>) {
        let (_, close) = brackets(&pair);
        let mut inner = pair.into_inner();
        let Some(name) = inner.next() else { return };
        self.pair(&name);
        let open = self
            .find(name.as_span().end(), close, b'(')
            .unwrap_or(close);
        let args: Vec<_> = inner.collect();
        let width = name_width(args.iter().map(arg_name));
        self.sequence(["(", ")"], open, close, args, |layout, arg, broken| {
            layout.arg(arg, if broken { width } else { 0 });
        });
    }

    /// `VALUE` or `NAME = VALUE`, the name padded to `width`.
    fn arg(&mut self, pair: Pair<'_, Rule>, width: usize) {
        for part in pair.into_inner() {
            if part.as_rule() == Rule::ident {
                self.pair(&part);
                self.out
                    .punct(&" ".repeat(width.saturating_sub(part.as_str().len())));
                self.out.punct(" =");
                self.out.space();
            } else {
                self.expr(part);
            }
        }
    }
}

/// The name of a named argument.
fn arg_name<'i>(arg: &Pair<'i, Rule>) -> Option<&'i str> {
    arg.clone()
        .into_inner()
        .next()
        .filter(|part| part.as_rule() == Rule::ident)
        .map(|name| name.as_str())
}

/// Whether `rule` is a binary operator.
fn is_infix(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::or
            | Rule::and
            | Rule::eq
            | Rule::ne
            | Rule::le
            | Rule::ge
            | Rule::lt
            | Rule::gt
            | Rule::in_op
            | Rule::add
            | Rule::sub
            | Rule::pow
            | Rule::mul
            | Rule::div
    )
}
