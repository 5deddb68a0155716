//! The pest parser and the AST builders: one `build_x(pair)` per grammar rule. Produces an
//! [`crate::syntax::ast::File`] or syntax [`Diagnostic`]s; consumed by [`crate::semantic`].
//!
//! A file is cut into chunks at lines that open an item ([`super::outline`]) and each chunk is parsed
//! alone, so one run reports the syntax errors of every item and still checks the items that parse.

use std::sync::LazyLock;

use pest::Parser as _;
use pest::iterators::Pair;
use pest::pratt_parser::{Assoc, Op, PrattParser};

use crate::diagnostic::Diagnostic;
use crate::syntax::ast::{
    ArchDecl, ArchParam, Arg, Assign, BinaryOp, Block, Call, DatasetDecl, Expr, ExprKind, File,
    Forbid, Ident, Import, Item, Layer, SpaceDecl, Statement, StudyDecl, UnaryOp, When,
};
use crate::syntax::outline::{self, Chunk};
use crate::syntax::syntax_error::syntax_diagnostic;
use crate::syntax::{FileId, Span};

mod generated {
    #![allow(missing_docs)]
    /// The generated pest parser for `grammar/hps.pest`.
    #[derive(pest_derive::Parser)]
    #[grammar = "../grammar/hps.pest"]
    pub struct HpsParser;
}

pub use generated::{HpsParser, Rule};

static PRATT: LazyLock<PrattParser<Rule>> = LazyLock::new(|| {
    PrattParser::new()
        .op(Op::infix(Rule::or, Assoc::Left))
        .op(Op::infix(Rule::and, Assoc::Left))
        .op(Op::prefix(Rule::not))
        .op(Op::infix(Rule::eq, Assoc::Left)
            | Op::infix(Rule::ne, Assoc::Left)
            | Op::infix(Rule::lt, Assoc::Left)
            | Op::infix(Rule::le, Assoc::Left)
            | Op::infix(Rule::gt, Assoc::Left)
            | Op::infix(Rule::ge, Assoc::Left)
            | Op::infix(Rule::in_op, Assoc::Left))
        .op(Op::infix(Rule::add, Assoc::Left) | Op::infix(Rule::sub, Assoc::Left))
        .op(Op::infix(Rule::mul, Assoc::Left) | Op::infix(Rule::div, Assoc::Left))
        .op(Op::prefix(Rule::neg))
        .op(Op::infix(Rule::pow, Assoc::Right))
});

/// `lhs OP rhs`, joined to the chain `lhs` (or, for `**`, `rhs`) when that is a chain of operators
/// of the same strength not written in parentheses: `a - b - c` is one chain, not a tree as deep as
/// it is long, and `(a - b) - c` stays as grouped. A parenthesised expression's span covers its
/// parentheses, so a chain is bare when its span starts at its first operand and ends at its last.
fn chain(lhs: Expr, op: BinaryOp, rhs: Expr) -> Expr {
    let span = lhs.span.to(rhs.span);
    let joins = |chain: Span, first: &Expr, rest: &[(BinaryOp, Expr)]| {
        let last = &rest[rest.len() - 1].1;
        rest[0].0.precedence() == op.precedence()
            && chain.start() == first.span.start()
            && chain.end() == last.span.end()
    };
    let kind = if op.is_right_associative() {
        match rhs.kind {
            ExprKind::Chain { first, mut rest } if joins(rhs.span, &first, &rest) => {
                rest.insert(0, (op, *first));
                ExprKind::Chain {
                    first: Box::new(lhs),
                    rest,
                }
            }
            kind => ExprKind::Chain {
                first: Box::new(lhs),
                rest: vec![(op, Expr { kind, ..rhs })],
            },
        }
    } else {
        match lhs.kind {
            ExprKind::Chain { first, mut rest } if joins(lhs.span, &first, &rest) => {
                rest.push((op, rhs));
                ExprKind::Chain { first, rest }
            }
            kind => ExprKind::Chain {
                first: Box::new(Expr { kind, ..lhs }),
                rest: vec![(op, rhs)],
            },
        }
    };
    Expr { kind, span }
}

/// Parses a whole file, each chunk of its [`outline`](super::outline) alone, so pest's memory is
/// that of one item at a time. Returns the items that parsed and one diagnostic per chunk that did
/// not (a syntax error, nesting deeper than [`MAX_DEPTH`](super::outline::MAX_DEPTH), a block comment
/// that is never closed).
#[must_use]
pub fn parse(file: FileId, text: &str) -> (File, Vec<Diagnostic>) {
    parse_with(file, text, |chunk| parse_chunk(file, text, chunk))
}

/// Parses `text` chunk by chunk, the sound chunks with `each` (which may reuse an earlier parse).
pub(super) fn parse_with(
    file: FileId,
    text: &str,
    mut each: impl FnMut(&Chunk) -> Result<Vec<Item>, Diagnostic>,
) -> (File, Vec<Diagnostic>) {
    let mut items = Vec::new();
    let mut unparsed = Vec::new();
    let mut errors = Vec::new();
    for chunk in outline::chunks(text) {
        let parsed = match chunk.problem {
            Some(problem) => Err(problem.diagnostic(file)),
            None => each(&chunk),
        };
        match parsed {
            Ok(parsed) => items.extend(parsed),
            Err(error) => {
                errors.push(error);
                let declared = outline::declared_name(&text[chunk.start..chunk.end]);
                unparsed.extend(declared.map(str::to_string));
            }
        }
    }
    (File { items, unparsed }, errors)
}

/// The items of one sound chunk of `text`, or its syntax error.
pub(super) fn parse_chunk(
    file: FileId,
    text: &str,
    chunk: &Chunk,
) -> Result<Vec<Item>, Diagnostic> {
    match HpsParser::parse(Rule::file, &text[chunk.start..chunk.end]) {
        Ok(mut pairs) => {
            let builder = Builder {
                file,
                text: &text[chunk.start..chunk.end],
                base: chunk.start,
            };
            Ok(pairs.next().map(|p| builder.file(p)).unwrap_or_default())
        }
        Err(error) => Err(syntax_diagnostic(file, text, chunk.start, &error)),
    }
}

/// Builds AST nodes from pest pairs of one chunk, `text`, which starts at byte `base` of its file:
/// the nodes depend on the chunk's text alone (doc comments are read in it too), so a chunk parsed
/// once can be reused elsewhere ([`super::cache`]).
struct Builder<'t> {
    file: FileId,
    text: &'t str,
    base: usize,
}

impl Builder<'_> {
    fn span(&self, pair: &Pair<'_, Rule>) -> Span {
        let s = pair.as_span();
        Span::new(self.file, self.base + s.start(), self.base + s.end())
    }

    fn file(&self, pair: Pair<'_, Rule>) -> Vec<Item> {
        pair.into_inner()
            .filter(|p| p.as_rule() != Rule::EOI)
            .map(|p| self.item(p))
            .collect()
    }

    fn item(&self, pair: Pair<'_, Rule>) -> Item {
        match pair.as_rule() {
            Rule::import => Item::Import(self.import(pair)),
            Rule::dataset => Item::Dataset(self.dataset(pair)),
            Rule::space => Item::Space(self.space(pair)),
            Rule::arch => Item::Arch(self.arch(pair)),
            Rule::study => Item::Study(self.study(pair)),
            rule => unreachable!("item: unexpected rule {rule:?}"),
        }
    }

    /// Children of `pair` without keyword tokens.
    fn children<'i>(pair: Pair<'i, Rule>) -> impl Iterator<Item = Pair<'i, Rule>> {
        pair.into_inner().filter(|p| {
            !matches!(
                p.as_rule(),
                Rule::kw_import
                    | Rule::kw_dataset
                    | Rule::kw_space
                    | Rule::kw_arch
                    | Rule::kw_study
                    | Rule::kw_when
                    | Rule::kw_else
                    | Rule::kw_forbid
                    | Rule::kw_repeat
                    | Rule::kw_residual
                    | Rule::kw_choose
            )
        })
    }

    fn doc(&self, span: Span) -> Option<String> {
        doc_comment_before(self.text, span.start() - self.base)
    }

    fn import(&self, pair: Pair<'_, Rule>) -> Import {
        let span = self.span(&pair);
        let string = Self::children(pair).next().expect("import: string");
        Import {
            path: unescape(inner_text(&string)),
            path_span: self.span(&string),
            span,
        }
    }

    fn dataset(&self, pair: Pair<'_, Rule>) -> DatasetDecl {
        let span = self.span(&pair);
        let mut inner = Self::children(pair);
        let name = self.ident(inner.next().expect("dataset: name"));
        let source = self.call(inner.next().expect("dataset: source"));
        let transforms = inner.map(|p| self.call(p)).collect();
        DatasetDecl {
            doc: self.doc(span),
            name,
            source,
            transforms,
            span,
        }
    }

    fn space(&self, pair: Pair<'_, Rule>) -> SpaceDecl {
        let span = self.span(&pair);
        let mut inner = Self::children(pair);
        let name = self.ident(inner.next().expect("space: name"));
        let body = self.block(inner.next().expect("space: block"));
        SpaceDecl {
            doc: self.doc(span),
            name,
            body,
            span,
        }
    }

    fn study(&self, pair: Pair<'_, Rule>) -> StudyDecl {
        let span = self.span(&pair);
        let mut inner = Self::children(pair);
        let name = self.ident(inner.next().expect("study: name"));
        let body = self.block(inner.next().expect("study: block"));
        StudyDecl {
            doc: self.doc(span),
            name,
            body,
            span,
        }
    }

    fn arch(&self, pair: Pair<'_, Rule>) -> ArchDecl {
        let span = self.span(&pair);
        let mut inner = Self::children(pair);
        let name = self.ident(inner.next().expect("arch: name"));
        let params = inner
            .next()
            .expect("arch: params")
            .into_inner()
            .map(|p| self.arch_param(p))
            .collect();
        let body = self.layer_block(inner.next().expect("arch: body"));
        ArchDecl {
            doc: self.doc(span),
            name,
            params,
            body,
            span,
        }
    }

    fn arch_param(&self, pair: Pair<'_, Rule>) -> ArchParam {
        let span = self.span(&pair);
        let mut name = None;
        let mut ty = None;
        let mut default = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::ident if name.is_none() => name = Some(self.ident(p)),
                Rule::ident => ty = Some(self.ident(p)),
                Rule::expr => default = Some(self.expr(p)),
                rule => unreachable!("arch_param: unexpected rule {rule:?}"),
            }
        }
        ArchParam {
            name: name.expect("arch_param: name"),
            ty,
            default,
            span,
        }
    }

    fn layer_block(&self, pair: Pair<'_, Rule>) -> Vec<Layer> {
        pair.into_inner().map(|p| self.layer(p)).collect()
    }

    fn layer(&self, pair: Pair<'_, Rule>) -> Layer {
        let span = self.span(&pair);
        match pair.as_rule() {
            Rule::call => Layer::Call(self.call(pair)),
            Rule::repeat_layer => {
                let mut inner = Self::children(pair);
                let count = self.expr(inner.next().expect("repeat: count"));
                let body = self.layer_block(inner.next().expect("repeat: body"));
                Layer::Repeat { count, body, span }
            }
            Rule::residual_layer => {
                let body = self.layer_block(Self::children(pair).next().expect("residual: body"));
                Layer::Residual { body, span }
            }
            Rule::choose_layer => {
                let alternatives = Self::children(pair)
                    .map(|alt| self.alternative(alt))
                    .collect();
                Layer::Choose { alternatives, span }
            }
            rule => unreachable!("layer: unexpected rule {rule:?}"),
        }
    }

    fn alternative(&self, pair: Pair<'_, Rule>) -> Vec<Layer> {
        let inner = pair.into_inner().next().expect("alternative: body");
        match inner.as_rule() {
            Rule::layer_block => self.layer_block(inner),
            _ => vec![self.layer(inner)],
        }
    }

    fn block(&self, pair: Pair<'_, Rule>) -> Block {
        let span = self.span(&pair);
        let statements = pair.into_inner().map(|p| self.statement(p)).collect();
        Block { statements, span }
    }

    fn statement(&self, pair: Pair<'_, Rule>) -> Statement {
        let span = self.span(&pair);
        match pair.as_rule() {
            Rule::assign => {
                let mut inner = pair.into_inner();
                let name = self.ident(inner.next().expect("assign: name"));
                let value = self.expr(inner.next().expect("assign: value"));
                Statement::Assign(Assign {
                    doc: self.doc(span),
                    name,
                    value,
                    span,
                })
            }
            Rule::field_block => {
                let mut inner = pair.into_inner();
                let name = self.ident(inner.next().expect("field_block: name"));
                let block = self.block(inner.next().expect("field_block: block"));
                let value = Expr {
                    span: block.span,
                    kind: ExprKind::Record { base: None, block },
                };
                Statement::Assign(Assign {
                    doc: self.doc(span),
                    name,
                    value,
                    span,
                })
            }
            Rule::when_stmt => {
                let mut inner = Self::children(pair);
                let condition = self.expr(inner.next().expect("when: condition"));
                let then = self.block(inner.next().expect("when: block"));
                let otherwise = inner.next().map(|p| self.block(p));
                Statement::When(When {
                    condition,
                    then,
                    otherwise,
                    span,
                })
            }
            Rule::forbid_stmt => {
                let condition = self.expr(Self::children(pair).next().expect("forbid: condition"));
                Statement::Forbid(Forbid { condition, span })
            }
            rule => unreachable!("statement: unexpected rule {rule:?}"),
        }
    }

    fn call(&self, pair: Pair<'_, Rule>) -> Call {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let name = self.ident(inner.next().expect("call: name"));
        let args = inner.map(|p| self.arg(p)).collect();
        Call { name, args, span }
    }

    fn arg(&self, pair: Pair<'_, Rule>) -> Arg {
        let span = self.span(&pair);
        let mut name = None;
        let mut value = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::ident => name = Some(self.ident(p)),
                Rule::expr => value = Some(self.expr(p)),
                rule => unreachable!("arg: unexpected rule {rule:?}"),
            }
        }
        Arg {
            name,
            value: value.expect("arg: value"),
            span,
        }
    }

    fn ident(&self, pair: Pair<'_, Rule>) -> Ident {
        Ident {
            name: pair.as_str().to_owned(),
            span: self.span(&pair),
        }
    }

    fn path(&self, pair: Pair<'_, Rule>) -> Vec<Ident> {
        pair.into_inner().map(|p| self.ident(p)).collect()
    }

    /// `expr` and `cond` (a sequence of operands and operators) through the Pratt parser.
    fn expr(&self, pair: Pair<'_, Rule>) -> Expr {
        PRATT
            .map_primary(|p| self.primary(p))
            .map_prefix(|op, operand| {
                let op_kind = match op.as_rule() {
                    Rule::neg => UnaryOp::Neg,
                    Rule::not => UnaryOp::Not,
                    rule => unreachable!("prefix: unexpected rule {rule:?}"),
                };
                let span = self.span(&op).to(operand.span);
                Expr {
                    kind: ExprKind::Unary {
                        op: op_kind,
                        operand: Box::new(operand),
                    },
                    span,
                }
            })
            .map_infix(|lhs, op, rhs| {
                let op = BinaryOp::written(op.as_str())
                    .unwrap_or_else(|| unreachable!("infix: unexpected rule {:?}", op.as_rule()));
                chain(lhs, op, rhs)
            })
            .parse(pair.into_inner())
    }

    fn primary(&self, pair: Pair<'_, Rule>) -> Expr {
        let span = self.span(&pair);
        let kind = match pair.as_rule() {
            Rule::number => {
                let text = pair.as_str();
                let integer = !text.contains(['.', 'e', 'E']);
                ExprKind::Number {
                    value: text.parse().unwrap_or(f64::NAN),
                    integer,
                }
            }
            Rule::duration => ExprKind::Duration(parse_duration(pair.as_str())),
            Rule::string => ExprKind::Str(unescape(inner_text(&pair))),
            Rule::boolean => ExprKind::Bool(pair.as_str() == "true"),
            Rule::path => ExprKind::Path(self.path(pair)),
            Rule::list => ExprKind::List(pair.into_inner().map(|p| self.expr(p)).collect()),
            Rule::call => ExprKind::Call(self.call(pair)),
            Rule::paren => {
                let inner = self.expr(pair.into_inner().next().expect("paren: expr"));
                return Expr {
                    kind: inner.kind,
                    span,
                };
            }
            Rule::record => {
                let mut base = None;
                let mut block = None;
                for p in pair.into_inner() {
                    match p.as_rule() {
                        Rule::path => base = Some(self.path(p)),
                        Rule::block => block = Some(self.block(p)),
                        rule => unreachable!("record: unexpected rule {rule:?}"),
                    }
                }
                ExprKind::Record {
                    base,
                    block: block.expect("record: block"),
                }
            }
            Rule::objective_value => {
                let mut inner = pair.into_inner();
                let maximize = inner.next().expect("objective: direction").as_str() == "maximize";
                let metric = self.path(inner.next().expect("objective: metric"));
                ExprKind::Objective { maximize, metric }
            }
            rule => unreachable!("primary: unexpected rule {rule:?}"),
        };
        Expr { kind, span }
    }
}

/// The text between a string literal's quotes.
fn inner_text<'i>(pair: &Pair<'i, Rule>) -> &'i str {
    let text = pair.as_str();
    &text[1..text.len() - 1]
}

/// Resolves `\" \\ \n \t`.
fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(other) => out.push(other),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// `90s` → 90, `15m` → 900, `500ms` → 0.5.
/// Seconds in a duration as the grammar writes it (`500ms`, `30s`, `10m`, `2h`, `1d`, or a bare
/// number of seconds); NaN when the number does not parse.
#[must_use]
pub fn parse_duration(text: &str) -> f64 {
    let split = text
        .find(|c: char| c.is_ascii_alphabetic())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number.parse().unwrap_or(f64::NAN);
    let scale = match unit {
        "ms" => 0.001,
        "m" => 60.0,
        "h" => 3600.0,
        "d" => 86_400.0,
        _ => 1.0,
    };
    value * scale
}

/// The `///` lines right above `offset` (no blank line between), without their markers.
#[must_use]
pub fn doc_comment_before(text: &str, offset: usize) -> Option<String> {
    let before = text.get(..offset)?;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    if !before[line_start..].trim().is_empty() {
        return None;
    }
    let mut lines = Vec::new();
    for line in before[..line_start].lines().rev() {
        let trimmed = line.trim_start();
        match trimmed.strip_prefix("///") {
            Some(doc) if !doc.starts_with('/') => {
                lines.push(doc.strip_prefix(' ').unwrap_or(doc).trim_end());
            }
            _ => break,
        }
    }
    if lines.is_empty() {
        return None;
    }
    lines.reverse();
    Some(lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use std::num::NonZeroUsize;

    use super::*;

    #[test]
    fn an_unclosed_nested_comment_fails_without_backtracking() {
        // The grammar once read the `/*` of a nested comment that fails as plain text and tried again
        // from the next character: 2^k tries for k unclosed `/*`. Under a call limit that grammar
        // fails on the limit; this one fails on the text, at the first `/*`.
        let text = format!("{}*/", "/* ".repeat(40));
        pest::set_call_limit(NonZeroUsize::new(1_000_000));
        let error = HpsParser::parse(Rule::file, &text).expect_err("the comment is never closed");
        pest::set_call_limit(None);
        assert!(!error.to_string().contains("call limit"), "{error}");
    }

    #[test]
    fn items_parse_alone_with_their_places_in_the_file() {
        let text = "space a {\n  x = 1\n}\n/// doc\nspace b {\n  y = @\n}\nstudy c {\n}\n";
        let (file, errors) = parse(FileId(3), text);
        let names: Vec<&str> = file
            .items
            .iter()
            .filter_map(|i| i.name().map(|n| n.name.as_str()))
            .collect();
        assert_eq!(names, ["a", "c"]);
        assert_eq!(
            file.items[1].name().map(|n| n.span.start()),
            text.find("c {")
        );
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].span.start(), text.find('@').unwrap());
    }
}
