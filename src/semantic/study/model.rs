//! `model = ARCH(…)`: checks each argument's value on its own, binds the arguments to the
//! architecture's parameters and checks their types (and that parameters used as layers name
//! activations), also when the architecture's declaration has errors; for an architecture without
//! errors, adds every parameter and architecture choice to the study's space under `model.`.
//! Called by [`super::check`]; produces the study's [`Model`].

use std::collections::{BTreeMap, HashSet};

use super::Context;
use super::declaration;
use crate::catalogue::{ACTIVATIONS, Family};
use crate::diagnostic::{Code, Diagnostic};
use crate::plan::model::{LayerName, LayerNode, Model};
use crate::semantic::arch::{
    CheckedArch, arg_value, dist_type, not_an_activation, param_type, type_fits, type_mismatch,
    value_type,
};
use crate::semantic::program::{Arch, ArgValue};
use crate::semantic::space_builder::{Entry, EntryKind, SpaceBuilder};
use crate::space::Term;
use crate::suggest::did_you_mean;
use crate::syntax::Span;
use crate::syntax::ast::{Arg, Call, Expr, ExprKind, Item};

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
    // Each argument's value is checked on its own first: an unknown architecture, or one with
    // errors, must not hide a reversed range in what is passed to it.
    let mut values: Vec<Option<ArgValue>> = call
        .args
        .iter()
        .enumerate()
        .map(|(index, arg)| arg_value(&arg.value, &argument_name(arg, index), diags))
        .collect();
    let Item::Arch(decl) = declaration::find(&call.name, "arch", cx, diags)? else {
        return None;
    };
    used.insert(decl.span);
    let checked = cx.archs.get(&decl.span)?;
    let arch = checked.arch();
    if arch.params.len() != decl.params.len() {
        // A parameter is declared twice or reserved (reported there): binding would be guesswork.
        return None;
    }
    let given = bind(call, arch, diags);
    let layer_params = layer_params(&arch.body);
    let mut entries = Vec::new();
    for (p, declared) in arch.params.iter().zip(&decl.params) {
        let (value, span) = match given.get(p.name.as_str()) {
            Some(&index) => {
                let arg = &call.args[index];
                let Some(v) = values[index].take() else {
                    continue;
                };
                if let Some(ty) = param_type(p) {
                    let found = match &v {
                        ArgValue::Const(c) => value_type(c),
                        ArgValue::Dist(d) => dist_type(d),
                    };
                    if !type_fits(ty, found) {
                        diags.push(type_mismatch(&p.name, ty, found, &arg.value));
                        continue;
                    }
                }
                if layer_params.contains(&p.name.as_str()) {
                    let layers = match &v {
                        ArgValue::Const(c) => vec![c.clone()],
                        ArgValue::Dist(d) => d.finite_values().unwrap_or_default(),
                    };
                    for value in layers {
                        if !value.as_str().is_some_and(|s| ACTIVATIONS.contains(&s)) {
                            diags.push(not_an_activation(&value.to_string(), arg.value.span));
                        }
                    }
                }
                (v, arg.span)
            }
            None => match &p.default {
                Some(v) => (v.clone(), call.name.span),
                // The default has an error, reported at the declaration.
                None if declared.default.is_some() => continue,
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
        entries.push((p.name.as_str(), value, span));
    }
    let CheckedArch::Clean(arch) = checked else {
        return None;
    };
    let mut bindings = BTreeMap::new();
    for (name, value, span) in entries {
        let kind = match value {
            ArgValue::Const(c) => EntryKind::Fixed(c),
            ArgValue::Dist(d) => EntryKind::Param(d),
        };
        push(builder, name, kind, None, span);
        bindings.insert(name.to_owned(), Term::param(format!("model.{name}")));
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

/// How diagnostics name an argument: by its name, else by its position.
fn argument_name(arg: &Arg, index: usize) -> String {
    arg.name.as_ref().map_or_else(
        || format!("argument {}", index + 1),
        |n| format!("`{}`", n.name),
    )
}

/// Binds the call's arguments to the architecture's parameters: the index of each parameter's
/// argument, by parameter name. Unknown names, extra and repeated arguments are reported.
fn bind<'a>(call: &Call, arch: &'a Arch, diags: &mut Vec<Diagnostic>) -> BTreeMap<&'a str, usize> {
    let mut given = BTreeMap::new();
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
                if given.insert(p.name.as_str(), index).is_some() {
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
    given
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
