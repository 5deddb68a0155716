//! The formatter's guarantee, checked on every run: the formatted text parses to the same syntax tree as
//! the original (spans aside) and holds the same comments in the same order. [`super::format_source`]
//! returns an error instead of text that fails this; the tests use [`same_syntax`] as well.

use crate::format::comments::{self, Comment};
use crate::syntax::ast::{Block, Call, Expr, ExprKind, File, Ident, Item, Layer, Statement};
use crate::syntax::{FileId, Span, parse};

/// Whether two files are the same tree apart from where things are written (spans).
#[must_use]
pub fn same_syntax(a: &File, b: &File) -> bool {
    let mut a = a.clone();
    let mut b = b.clone();
    erase_file(&mut a);
    erase_file(&mut b);
    a == b
}

/// Checks that `formatted` means what `source` (parsed as `file`, with `comments`) does.
pub(super) fn same_meaning(
    source: &str,
    file: &File,
    comments: &[Comment],
    formatted: &str,
) -> Result<(), String> {
    let (after, diagnostics) = parse(FileId::default(), formatted);
    if let Some(first) = diagnostics.first() {
        return Err(format!(
            "the formatted text does not parse: {}",
            first.message
        ));
    }
    if !same_syntax(file, &after) {
        return Err(String::from(
            "the formatted text parses to another syntax tree",
        ));
    }
    let before = comments.iter().map(|c| c.text(source));
    let after = comments::scan(formatted);
    if !before.eq(after.iter().map(|c| c.text(formatted))) {
        return Err(String::from("the formatted text lost or moved a comment"));
    }
    Ok(())
}

fn erase_file(file: &mut File) {
    for item in &mut file.items {
        match item {
            Item::Import(import) => {
                import.path_span = Span::default();
                import.span = Span::default();
            }
            Item::Dataset(dataset) => {
                erase_ident(&mut dataset.name);
                erase_call(&mut dataset.source);
                dataset.transforms.iter_mut().for_each(erase_call);
                dataset.span = Span::default();
            }
            Item::Space(space) => {
                erase_ident(&mut space.name);
                erase_block(&mut space.body);
                space.span = Span::default();
            }
            Item::Study(study) => {
                erase_ident(&mut study.name);
                erase_block(&mut study.body);
                study.span = Span::default();
            }
            Item::Arch(arch) => {
                erase_ident(&mut arch.name);
                for param in &mut arch.params {
                    erase_ident(&mut param.name);
                    param.ty.iter_mut().for_each(erase_ident);
                    param.default.iter_mut().for_each(erase_expr);
                    param.span = Span::default();
                }
                erase_layers(&mut arch.body);
                arch.span = Span::default();
            }
        }
    }
}

fn erase_layers(layers: &mut [Layer]) {
    for layer in layers {
        match layer {
            Layer::Call(call) => erase_call(call),
            Layer::Repeat { count, body, span } => {
                erase_expr(count);
                erase_layers(body);
                *span = Span::default();
            }
            Layer::Residual { body, span } => {
                erase_layers(body);
                *span = Span::default();
            }
            Layer::Choose { alternatives, span } => {
                for alternative in alternatives {
                    erase_layers(alternative);
                }
                *span = Span::default();
            }
        }
    }
}

fn erase_block(block: &mut Block) {
    for statement in &mut block.statements {
        match statement {
            Statement::Assign(assign) => {
                erase_ident(&mut assign.name);
                erase_expr(&mut assign.value);
                assign.span = Span::default();
            }
            Statement::When(when) => {
                erase_expr(&mut when.condition);
                erase_block(&mut when.then);
                when.otherwise.iter_mut().for_each(erase_block);
                when.span = Span::default();
            }
            Statement::Forbid(forbid) => {
                erase_expr(&mut forbid.condition);
                forbid.span = Span::default();
            }
        }
    }
    block.span = Span::default();
}

fn erase_call(call: &mut Call) {
    erase_ident(&mut call.name);
    for arg in &mut call.args {
        arg.name.iter_mut().for_each(erase_ident);
        erase_expr(&mut arg.value);
        arg.span = Span::default();
    }
    call.span = Span::default();
}

fn erase_expr(expr: &mut Expr) {
    match &mut expr.kind {
        ExprKind::Path(path) | ExprKind::Objective { metric: path, .. } => {
            path.iter_mut().for_each(erase_ident);
        }
        ExprKind::List(elements) => elements.iter_mut().for_each(erase_expr),
        ExprKind::Call(call) => erase_call(call),
        ExprKind::Record { base, block } => {
            base.iter_mut().flatten().for_each(erase_ident);
            erase_block(block);
        }
        ExprKind::Unary { operand, .. } => erase_expr(operand),
        ExprKind::Chain { first, rest } => {
            erase_expr(first);
            rest.iter_mut().for_each(|(_, operand)| erase_expr(operand));
        }
        ExprKind::Number { .. } | ExprKind::Duration(_) | ExprKind::Str(_) | ExprKind::Bool(_) => {}
    }
    expr.span = Span::default();
}

fn erase_ident(ident: &mut Ident) {
    ident.span = Span::default();
}
