//! `model = ARCH(…)`: binds the call's arguments to the architecture's parameters, checks their
//! types (and that parameters used as layers name activations), and adds every parameter and
//! architecture choice to the study's space under `model.`. Called by [`super::check`]; produces
//! the study's [`Model`].

use std::collections::{BTreeMap, HashSet};

use super::Context;
use super::declaration;
use crate::catalogue::{ACTIVATIONS, Family};
use crate::diagnostic::{Code, Diagnostic};
use crate::plan::model::{LayerName, LayerNode, Model};
use crate::semantic::arch::{dist_type, not_an_activation, param_type, type_fits, value_type};
use crate::semantic::program::ArgValue;
use crate::semantic::space_builder::{Entry, EntryKind, SpaceBuilder};
use crate::semantic::suggest::did_you_mean;
use crate::space::Term;
use crate::syntax::Span;
use crate::syntax::ast::{Call, Expr, ExprKind, Item};

/// The model `expr` calls, its parameters added to `builder`; the architecture is added to `used`.
pub(super) fn check(
    expr: &Expr,
    cx: &Context<'_>,
    builder: &mut SpaceBuilder,
    used: &mut HashSet<Span>,
    diags: &mut Vec<Diagnostic>,
) -> Option<Model> {
    let call: &Call = match &expr.kind {
        ExprKind::Call(call) => call,
        ExprKind::Path(path) if path.len() == 1 => &Call {
            name: path[0].clone(),
            args: Vec::new(),
            span: expr.span,
        },
        _ => {
            diags.push(
                Diagnostic::error(
                    Code::TypeMismatch,
                    expr.span,
                    "`model` must call an architecture",
                )
                .with_label("not an architecture")
                .with_help("write `model = mlp(width = 64)`"),
            );
            return None;
        }
    };
    if crate::catalogue::lookup(Family::Layer, &call.name.name).is_some()
        && cx.scope.get(&call.name.name).is_none()
    {
        diags.push(
            Diagnostic::error(Code::Misplaced, call.name.span, format!("`{}` is a layer; `model` needs an architecture", call.name.name))
                .with_label("a layer")
                .with_help("declare `arch NAME(…) { … }` or import \"std/nets.hps\" for mlp, small_cnn and resnet"),
        );
        return None;
    }
    let Item::Arch(decl) = declaration::find(&call.name, "arch", cx, diags)? else {
        return None;
    };
    used.insert(decl.span);
    let arch = cx.archs.get(&decl.span)?;
    // Bind the call's arguments to the architecture's parameters.
    let mut given: BTreeMap<&str, &Expr> = BTreeMap::new();
    for (index, arg) in call.args.iter().enumerate() {
        let param = match &arg.name {
            Some(n) => arch
                .params
                .iter()
                .find(|p| p.name == n.name)
                .ok_or_else(|| {
                    let names = arch.params.iter().map(|p| p.name.as_str());
                    Diagnostic::error(
                        Code::UnknownArgument,
                        n.span,
                        format!("`{}` has no parameter `{}`", arch.name, n.name),
                    )
                    .with_label("unknown parameter")
                    .with_help(
                        did_you_mean(&n.name, names.clone()).unwrap_or_else(|| {
                            format!(
                                "`{}` takes: {}",
                                arch.name,
                                names.collect::<Vec<_>>().join(", ")
                            )
                        }),
                    )
                }),
            None => arch.params.get(index).ok_or_else(|| {
                Diagnostic::error(
                    Code::TooManyArguments,
                    arg.span,
                    format!("`{}` takes {} parameters", arch.name, arch.params.len()),
                )
                .with_label("extra argument")
            }),
        };
        match param {
            Ok(p) => {
                if given.insert(p.name.as_str(), &arg.value).is_some() {
                    diags.push(
                        Diagnostic::error(
                            Code::DuplicateArgument,
                            arg.span,
                            format!("`{}` is given twice", p.name),
                        )
                        .with_label("given again here")
                        .with_help("remove one of them"),
                    );
                }
            }
            Err(d) => diags.push(d),
        }
    }
    let layer_params = layer_params(&arch.body);
    let mut bindings = BTreeMap::new();
    for p in &arch.params {
        let (value, span) = match given.get(p.name.as_str()) {
            Some(expr) => {
                let Some(v) =
                    crate::semantic::arch::arg_value(expr, &format!("`{}`", p.name), diags)
                else {
                    continue;
                };
                if let Some(declared) = param_type(p) {
                    let found = match &v {
                        ArgValue::Const(c) => value_type(c),
                        ArgValue::Dist(d) => dist_type(d),
                    };
                    if !type_fits(declared, found) {
                        diags.push(crate::semantic::arch::type_mismatch(
                            &p.name, declared, found, expr,
                        ));
                        continue;
                    }
                }
                if layer_params.contains(&p.name.as_str()) {
                    let values = match &v {
                        ArgValue::Const(c) => vec![c.clone()],
                        ArgValue::Dist(d) => d.finite_values().unwrap_or_default(),
                    };
                    for value in values {
                        if !value.as_str().is_some_and(|s| ACTIVATIONS.contains(&s)) {
                            diags.push(not_an_activation(&value.to_string(), expr.span));
                        }
                    }
                }
                (v, call_arg_span(call, &p.name, expr))
            }
            None => match &p.default {
                Some(v) => (v.clone(), call.name.span),
                None => {
                    diags.push(
                        Diagnostic::error(
                            Code::MissingArgument,
                            call.span,
                            format!("`{}` needs `{}`", arch.name, p.name),
                        )
                        .with_label(format!("`{}` missing", p.name))
                        .with_help(format!("pass it: `{}({} = …)`", arch.name, p.name)),
                    );
                    continue;
                }
            },
        };
        let kind = match value {
            ArgValue::Const(c) => EntryKind::Fixed(c),
            ArgValue::Dist(d) => EntryKind::Param(d),
        };
        push(builder, &p.name, kind, None, span);
        bindings.insert(p.name.clone(), Term::param(format!("model.{}", p.name)));
    }
    for choice in &arch.choices {
        let condition = choice
            .condition
            .as_ref()
            .map(|c| c.substitute(&|n| Some(Term::param(format!("model.{n}")))));
        push(
            builder,
            &choice.local,
            EntryKind::Param(choice.distribution.clone()),
            condition,
            choice.span,
        );
        bindings.insert(
            choice.local.clone(),
            Term::param(format!("model.{}", choice.local)),
        );
    }
    Some(Model {
        arch: arch.name.clone(),
        bindings,
    })
}

/// The span of the argument named `name` in `call`, else `expr`'s.
fn call_arg_span(call: &Call, name: &str, expr: &Expr) -> Span {
    call.args
        .iter()
        .find(|a| a.name.as_ref().is_some_and(|n| n.name == name))
        .map_or(expr.span, |a| a.span)
}

/// Adds `model.{local}` to the space.
fn push(
    builder: &mut SpaceBuilder,
    local: &str,
    kind: EntryKind,
    condition: Option<Term>,
    span: Span,
) {
    builder.entries.push(Entry {
        local: local.to_owned(),
        full: format!("model.{local}"),
        kind,
        condition,
        span,
        value_span: span,
        doc: None,
    });
}

/// Architecture parameters used as layers (`act()`).
fn layer_params(body: &[LayerNode]) -> Vec<&str> {
    let mut out = Vec::new();
    for node in body {
        match node {
            LayerNode::Op {
                layer: LayerName::From(Term::Param { name }),
                ..
            } => out.push(name.as_str()),
            LayerNode::Op { .. } => {}
            LayerNode::Repeat { body, .. } | LayerNode::Residual { body } => {
                out.extend(layer_params(body));
            }
            LayerNode::Choose { alternatives, .. } => alternatives
                .iter()
                .for_each(|a| out.extend(layer_params(a))),
        }
    }
    out
}
