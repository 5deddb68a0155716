//! The declarations a study names: [`find`] looks a name up among the items in scope by kind
//! (dataset, space, arch) and reports unknown names and items of another kind; [`dataset`] resolves
//! `data = NAME`. Used by [`super::check`] and the `model` and `group` checks.

use std::collections::HashSet;

use super::Context;
use crate::diagnostic::{Code, Diagnostic};
use crate::suggest::did_you_mean;
use crate::syntax::Span;
use crate::syntax::ast::{Expr, ExprKind, Ident, Item};

/// Looks up an item of `kind` by name, reporting unknown names and items of another kind.
pub(super) fn find<'a>(
    name: &Ident,
    kind: &str,
    cx: &Context<'a>,
    diags: &mut Vec<Diagnostic>,
) -> Option<&'a Item> {
    match cx.scope.get(&name.name) {
        Some(item) if item.kind() == kind => Some(item),
        Some(other) => {
            diags.push(
                Diagnostic::error(
                    Code::TypeMismatch,
                    name.span,
                    format!("`{}` is a {}, not a {kind}", name.name, other.kind()),
                )
                .with_label(format!("a {}", other.kind()))
                .with_related(other.name().map_or(name.span, |n| n.span), "declared here")
                .with_help(format!("name a {kind} here")),
            );
            None
        }
        None if cx.scope.is_unparsed(&name.name) => None,
        None => {
            let names = cx.scope.names_of(kind);
            diags.push(
                Diagnostic::error(
                    Code::UnknownName,
                    name.span,
                    format!("unknown {kind} `{}`", name.name),
                )
                .with_label(format!("no {kind} of this name"))
                .with_help(
                    did_you_mean(&name.name, names.iter().copied()).unwrap_or_else(|| {
                        if names.is_empty() {
                            format!(
                                "declare it with `{kind} {} …`, or import a file that does",
                                name.name
                            )
                        } else {
                            format!("{kind}s in scope: {}", names.join(", "))
                        }
                    }),
                ),
            );
            None
        }
    }
}

/// `data = NAME`: the named dataset's name; its declaration is added to `used`.
pub(super) fn dataset(
    expr: &Expr,
    cx: &Context<'_>,
    used: &mut HashSet<Span>,
    diags: &mut Vec<Diagnostic>,
) -> Option<String> {
    let Some(name) = single_name(expr) else {
        diags.push(
            Diagnostic::error(Code::TypeMismatch, expr.span, "`data` must name a dataset")
                .with_label("not a dataset name")
                .with_help("declare `dataset NAME = …` and write `data = NAME`"),
        );
        return None;
    };
    let Item::Dataset(decl) = find(name, "dataset", cx, diags)? else {
        return None;
    };
    used.insert(decl.span);
    cx.datasets.get(&decl.span).map(|d| d.name.clone())
}

/// The name `expr` is when it is a single identifier.
fn single_name(expr: &Expr) -> Option<&Ident> {
    match &expr.kind {
        ExprKind::Path(path) if path.len() == 1 => path.first(),
        _ => None,
    }
}
