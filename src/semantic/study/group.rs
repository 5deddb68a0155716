//! `train` and `params`: groups of parameters (a space, `SPACE { overrides }` or `{ … }`) added to
//! the study's space under their prefix, and the check that the `train` keys are ones the built-in
//! trainer reads, with defaults for those missing. Called by [`super::check`].

use std::collections::HashSet;

use super::{Context, declaration, unknown_field};
use crate::catalogue::default_value;
use crate::catalogue::{FILLED_TRAIN_KEYS, TRAIN_KEYS, train_key};
use crate::diagnostic::{Code, Diagnostic};
use crate::semantic::args::check_value;
use crate::semantic::space_builder::{Entry, EntryKind, Mode, SpaceBuilder};
use crate::space::{Distribution, Value};
use crate::syntax::Span;
use crate::syntax::ast::{Expr, ExprKind, Ident, Item, path_text};

/// `train` / `params`: a space, `SPACE { overrides }` or `{ … }`.
pub(super) fn add(
    expr: &Expr,
    cx: &Context<'_>,
    builder: &mut SpaceBuilder,
    used: &mut HashSet<Span>,
    diags: &mut Vec<Diagnostic>,
) {
    let (base, overrides) = match &expr.kind {
        ExprKind::Path(path) => (Some(path), None),
        ExprKind::Record { base, block } => (base.as_ref(), Some(block)),
        _ => {
            diags.push(
                Diagnostic::error(Code::TypeMismatch, expr.span, "expected a space, `SPACE { … }` or `{ … }`")
                    .with_label("not a group of parameters")
                    .with_help("write `train = recipe`, `train = recipe { epochs = 20 }` or `train = { lr = 0.01 }`"),
            );
            return;
        }
    };
    if let Some(path) = base {
        let name = if path.len() == 1 {
            &path[0]
        } else {
            diags.push(
                Diagnostic::error(
                    Code::UnknownName,
                    path[0].span.to(path[path.len() - 1].span),
                    format!("`{}` is not a space name", path_text(path)),
                )
                .with_label("dotted name")
                .with_help("name a space declared with `space NAME { … }`"),
            );
            return;
        };
        if let Some(Item::Space(space)) = declaration::find(name, "space", cx, diags) {
            used.insert(space.span);
            builder.block(&space.body, Mode::Define, diags);
        }
    }
    if let Some(block) = overrides {
        builder.block(
            block,
            if base.is_some() {
                Mode::Override
            } else {
                Mode::Define
            },
            diags,
        );
    }
}

/// Training keys must be ones the built-in trainer reads; their values must fit. Missing keys get defaults.
pub(super) fn check_train_keys(builder: &mut SpaceBuilder, diags: &mut Vec<Diagnostic>) {
    for entry in builder
        .entries
        .iter()
        .filter(|e| e.full.starts_with("train."))
    {
        let Some(spec) = TRAIN_KEYS.iter().find(|k| k.name == entry.local) else {
            let name = Ident {
                name: entry.local.clone(),
                span: entry.span,
            };
            diags.push(unknown_field(
                "a training recipe",
                &name,
                TRAIN_KEYS.iter().map(|k| k.name),
            ));
            continue;
        };
        let what = format!("`train.{}`", spec.name);
        let values = match &entry.kind {
            EntryKind::Fixed(v) => vec![v.clone()],
            EntryKind::Param(d) => d.finite_values().unwrap_or_else(|| match d.bounds() {
                #[allow(clippy::cast_possible_truncation)]
                Some((lo, hi)) if matches!(d, Distribution::Int { .. }) => {
                    vec![Value::Int(lo as i64), Value::Int(hi as i64)]
                }
                Some((lo, hi)) => vec![Value::Float(lo), Value::Float(hi)],
                None => Vec::new(),
            }),
            EntryKind::Derived(_) => Vec::new(),
        };
        for v in values {
            if !check_value(spec, &what, &v, entry.value_span, diags) {
                break;
            }
        }
    }
    for key in FILLED_TRAIN_KEYS {
        let full = format!("train.{key}");
        if builder.entry(&full).is_none() {
            if let Some(value) = train_key(key).and_then(|spec| default_value(spec.default)) {
                builder.entries.push(Entry {
                    local: (*key).to_owned(),
                    full,
                    kind: EntryKind::Fixed(value),
                    condition: None,
                    span: Span::default(),
                    value_span: Span::default(),
                    doc: None,
                });
            }
        }
    }
}
