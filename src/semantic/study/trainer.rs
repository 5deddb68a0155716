//! `trial = …`: the trainer a study runs (the built-in one when the field is absent, `command(…)`,
//! `lookup(…)` or `custom`), and the check that every `{name}` of a command template names a
//! parameter. Called by [`super::check`]; produces the study's [`Trainer`].

use super::{Context, family};
use crate::catalogue::Family;
use crate::diagnostic::{Code, Diagnostic};
use crate::input_file;
use crate::plan::command_template::{CommandTemplate, TEMPLATE_BUILTINS};
use crate::plan::{MetricsFormat, TrainerPlan};
use crate::semantic::dataset::step;
use crate::semantic::space_builder::SpaceBuilder;
use crate::suggest::did_you_mean;
use crate::syntax::Span;
use crate::syntax::ast::{Call, Expr, ExprKind, Ident};

/// The trainer `trial = expr` names.
pub(super) fn check(
    expr: &Expr,
    cx: &Context<'_>,
    diags: &mut Vec<Diagnostic>,
) -> Option<TrainerPlan> {
    let bare;
    let call = match &expr.kind {
        ExprKind::Call(call) => call,
        ExprKind::Path(path) if path.len() == 1 => {
            bare = Call {
                name: path[0].clone(),
                args: Vec::new(),
                span: expr.span,
            };
            &bare
        }
        _ => {
            diags.push(
                Diagnostic::error(
                    Code::TypeMismatch,
                    expr.span,
                    "`trial` must be `command(…)`, `lookup(…)` or `custom`",
                )
                .with_label("not a trial kind")
                .with_help("write `trial = command(\"python train.py --lr {lr}\")`"),
            );
            return None;
        }
    };
    // `metrics` may be a call (`regex("…")`): read it apart from the constant arguments.
    let metrics_arg = call
        .args
        .iter()
        .find(|a| a.name.as_ref().is_some_and(|n| n.name == "metrics"));
    let rest = Call {
        args: call
            .args
            .iter()
            .filter(|a| !std::ptr::eq(*a, metrics_arg.map_or(std::ptr::null(), |m| m)))
            .cloned()
            .collect(),
        ..call.clone()
    };
    let step = step(&rest, Family::Trial, diags)?;
    match step.name.as_str() {
        "custom" => Some(TrainerPlan::Custom),
        "command" => {
            let metrics: MetricsFormat = match metrics_arg.map(|a| &a.value) {
                None => Some(MetricsFormat::Jsonl),
                Some(e) => family::typed(Some(e), Family::Metrics, "jsonl", diags),
            }?;
            let template = step.string("template")?.to_owned();
            if template.trim().is_empty() {
                diags.push(
                    Diagnostic::error(Code::InvalidValue, call.span, "the command is empty")
                        .with_label("nothing to run")
                        .with_help("write the program and its arguments: `command(\"python train.py --lr {lr}\")`"),
                );
                return None;
            }
            let template = match CommandTemplate::parse(&template) {
                Ok(template) => template,
                Err(message) => {
                    let at = call.args.first().map_or(call.span, |a| a.value.span);
                    diags.push(
                        Diagnostic::error(Code::InvalidValue, at, message)
                            .with_label("in this command")
                            .with_help("arguments are separated by spaces, `\"…\"` groups words, `{name}` reads a parameter"),
                    );
                    return None;
                }
            };
            Some(TrainerPlan::Command {
                template,
                metrics,
                timeout_seconds: step.number("timeout"),
            })
        }
        "lookup" => {
            let relative = step.string("path")?;
            let path = cx
                .file
                .dir
                .as_ref()
                .map_or_else(|| relative.into(), |d| d.join(relative));
            if cx.file.dir.is_some() && !path.exists() {
                diags.push(
                    Diagnostic::error(
                        Code::DataNotFound,
                        call.args.first().map_or(call.span, |a| a.value.span),
                        format!("\"{relative}\" does not exist"),
                    )
                    .with_label(format!("looked for {}", path.display()))
                    .with_help("paths are relative to the .hps file"),
                );
                return None;
            }
            if let Some(kind) = input_file::irregular_kind(&path) {
                diags.push(
                    Diagnostic::error(
                        Code::DataNotFound,
                        call.args.first().map_or(call.span, |a| a.value.span),
                        format!("\"{relative}\" is {kind}, not a regular file"),
                    )
                    .with_label("lookup(…) reads a CSV file here")
                    .with_help("name a CSV file of recorded curves"),
                );
                return None;
            }
            Some(TrainerPlan::Lookup {
                path,
                epoch: step.string("epoch").unwrap_or("epoch").to_owned(),
            })
        }
        _ => None,
    }
}

/// Every `{name}` in a command template must name a parameter (by shortest unambiguous suffix) or
/// one of [`TEMPLATE_BUILTINS`].
pub(super) fn check_template(
    template: &CommandTemplate,
    expr: &Expr,
    builder: &SpaceBuilder,
    diags: &mut Vec<Diagnostic>,
) {
    let ExprKind::Call(call) = &expr.kind else {
        return;
    };
    let Some(arg) = call.args.first() else { return };
    let base = arg.value.span;
    let names: Vec<&str> = template.placeholders().collect();
    let text = template.text();
    // Offsets inside the literal are exact only when it has no escapes.
    let exact = base.len() == text.len() + 2;
    let mut searched_from = 0;
    for &name in &names {
        let needle = format!("{{{name}}}");
        let found = text[searched_from..]
            .find(&needle)
            .map(|i| i + searched_from);
        let span = match found {
            Some(at) if exact => {
                searched_from = at + needle.len();
                Span::new(
                    base.file,
                    base.start() + 1 + at,
                    base.start() + 1 + at + needle.len(),
                )
            }
            _ => base,
        };
        let path: Vec<Ident> = name
            .split('.')
            .map(|s| Ident {
                name: s.to_owned(),
                span,
            })
            .collect();
        match crate::semantic::expr::Names::resolve(builder, &path) {
            Err(d) => diags.push(d),
            Ok(Some(_)) => {}
            Ok(None) if TEMPLATE_BUILTINS.contains(&name) => {}
            Ok(None) => {
                let known: Vec<String> = builder.entries.iter().map(|e| e.full.clone()).collect();
                let locals: Vec<&str> = builder.entries.iter().map(|e| e.local.as_str()).collect();
                diags.push(
                    Diagnostic::error(
                        Code::UnknownName,
                        span,
                        format!("the command reads `{name}`, which is not a parameter"),
                    )
                    .with_label("unknown parameter")
                    .with_help(
                        did_you_mean(name, locals.iter().copied())
                            .or_else(|| did_you_mean(name, known.iter().map(String::as_str)))
                            .unwrap_or_else(|| {
                                if known.is_empty() {
                                    String::from("this study defines no parameters: add them with `params = { … }`")
                                } else {
                                    format!("parameters: {}", known.join(", "))
                                }
                            }),
                    ),
                );
            }
        }
    }
}
