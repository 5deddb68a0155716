//! Binds a call's arguments to a built-in's parameters: positional then named, reporting unknown,
//! duplicate, missing and surplus arguments. Checks each constant argument's type and bound.

use std::collections::BTreeMap;

use crate::catalogue::{ArgSpec, ArgType, Bound, Builtin};
use crate::diagnostic::{Code, Diagnostic};
use crate::space::Value;
use crate::suggest::did_you_mean;
use crate::syntax::Span;
use crate::syntax::ast::{Call, Expr};

/// A call's arguments matched to a built-in's parameters.
#[derive(Debug, Default)]
pub struct BoundArgs<'a> {
    /// Named parameter → the expression given for it.
    pub named: BTreeMap<&'static str, &'a Expr>,
    /// Extra positional values of a variadic built-in.
    pub rest: Vec<&'a Expr>,
}

/// Matches `call`'s arguments to `builtin`'s. Problems go to `diags`; what could be matched is returned.
pub fn bind<'a>(builtin: &Builtin, call: &'a Call, diags: &mut Vec<Diagnostic>) -> BoundArgs<'a> {
    let mut bound = BoundArgs::default();
    let mut position = 0;
    let mut seen_named = false;
    let mut misplaced = false;
    for arg in &call.args {
        match &arg.name {
            None if seen_named => {
                misplaced = true;
                diags.push(
                    Diagnostic::error(
                        Code::Misplaced,
                        arg.span,
                        "a positional argument follows a named one",
                    )
                    .with_label("positional after named")
                    .with_help("put positional arguments first, or name this one"),
                );
            }
            None => {
                if let Some(spec) = builtin.args.get(position) {
                    bound.named.insert(spec.name, &arg.value);
                } else if builtin.variadic.is_some() {
                    bound.rest.push(&arg.value);
                } else {
                    diags.push(too_many(builtin, arg.span));
                }
                position += 1;
            }
            Some(name) => {
                seen_named = true;
                match builtin.arg(&name.name) {
                    None => diags.push(unknown_argument(builtin, &name.name, name.span)),
                    Some(spec) => {
                        if bound.named.insert(spec.name, &arg.value).is_some() {
                            diags.push(
                                Diagnostic::error(
                                    Code::DuplicateArgument,
                                    name.span,
                                    format!("`{}` is given twice", name.name),
                                )
                                .with_label("given again here")
                                .with_help("remove one of them"),
                            );
                        }
                    }
                }
            }
        }
    }
    for spec in builtin
        .args
        .iter()
        .filter(|s| s.default.is_none() && !misplaced)
    {
        if !bound.named.contains_key(spec.name) {
            diags.push(missing(builtin, spec, call.span));
        }
    }
    bound
}

/// `unknown argument` with the accepted names and a suggestion.
#[must_use]
pub fn unknown_argument(builtin: &Builtin, name: &str, span: Span) -> Diagnostic {
    let accepted: Vec<&str> = builtin.args.iter().map(|a| a.name).collect();
    let help = did_you_mean(name, accepted.iter().copied()).unwrap_or_else(|| {
        if accepted.is_empty() {
            format!("`{}` takes no named arguments", builtin.name)
        } else {
            format!("`{}` takes: {}", builtin.name, accepted.join(", "))
        }
    });
    Diagnostic::error(
        Code::UnknownArgument,
        span,
        format!("`{}` has no argument `{name}`", builtin.name),
    )
    .with_label("unknown argument")
    .with_help(help)
}

fn too_many(builtin: &Builtin, span: Span) -> Diagnostic {
    let count = builtin.args.len();
    Diagnostic::error(
        Code::TooManyArguments,
        span,
        format!(
            "`{}` takes {count} argument{}, this is one more",
            builtin.name,
            if count == 1 { "" } else { "s" }
        ),
    )
    .with_label("extra argument")
    .with_help(format!("the signature is `{}`", builtin.signature()))
}

fn missing(builtin: &Builtin, spec: &ArgSpec, span: Span) -> Diagnostic {
    Diagnostic::error(
        Code::MissingArgument,
        span,
        format!("`{}` needs `{}` ({})", builtin.name, spec.name, spec.doc),
    )
    .with_label(format!("`{}` missing", spec.name))
    .with_help(format!("the signature is `{}`", builtin.signature()))
}

/// Checks a constant against an argument's type and bound; `what` names it in messages.
pub fn check_value(
    spec: &ArgSpec,
    what: &str,
    value: &Value,
    span: Span,
    diags: &mut Vec<Diagnostic>,
) -> bool {
    if let Some(expected) = type_problem(spec.ty, value) {
        diags.push(
            Diagnostic::error(
                Code::TypeMismatch,
                span,
                format!(
                    "{what} must be {expected}, found {} `{value}`",
                    article(value.type_name())
                ),
            )
            .with_label(format!("expected {expected}"))
            .with_help(match value {
                Value::List(items) if !items.is_empty() => choice_of(items),
                _ => spec.doc.to_string(),
            }),
        );
        return false;
    }
    if let Some(x) = value.as_f64() {
        if spec.bound != Bound::None && !spec.bound.admits(x) {
            diags.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    span,
                    format!("{what} must be {}, found {value}", spec.bound.describe()),
                )
                .with_label("out of range")
                .with_help(spec.doc),
            );
            return false;
        }
    }
    if let (ArgType::Symbol(options), Value::Str(s)) = (spec.ty, value) {
        if !options.contains(&s.as_str()) {
            let names: Vec<String> = options.iter().map(|o| format!("`{o}`")).collect();
            diags.push(
                Diagnostic::error(Code::InvalidValue, span, format!("{what} cannot be `{s}`"))
                    .with_label("unknown value")
                    .with_help(
                        did_you_mean(s, options.iter().copied())
                            .unwrap_or_else(|| format!("use one of {}", names.join(", "))),
                    ),
            );
            return false;
        }
    }
    true
}

/// `an int`, `a float`: a type name with its article.
#[must_use]
pub fn article(type_name: &str) -> String {
    let vowel = type_name.starts_with(['a', 'e', 'i', 'o', 'u']);
    format!("{} {type_name}", if vowel { "an" } else { "a" })
}

/// Help for a list written where one value goes — the habit of sweep configurations (W&B's
/// `values: [16, 32]`): the `choice(…)` that searches the list's values.
#[must_use]
pub fn choice_of(values: &[impl std::fmt::Display]) -> String {
    let written: Vec<String> = values.iter().map(ToString::to_string).collect();
    format!(
        "a list is one value; to search over these, write `choice({})`",
        written.join(", ")
    )
}

/// `Some(expected)` when `value` does not have type `ty`.
fn type_problem(ty: ArgType, value: &Value) -> Option<String> {
    let ok = match ty {
        ArgType::Int => value.as_i64().is_some() && !matches!(value, Value::Float(_)),
        ArgType::Number | ArgType::Duration => value.as_f64().is_some(),
        ArgType::Bool => matches!(value, Value::Bool(_)),
        ArgType::Str | ArgType::Symbol(_) => matches!(value, Value::Str(_)),
        ArgType::Padding => {
            matches!(value, Value::Int(_))
                || matches!(value, Value::Str(s) if s == "same" || s == "valid")
        }
        ArgType::IntList => {
            matches!(value, Value::List(items) if items.iter().all(|i| matches!(i, Value::Int(_))))
        }
        ArgType::Any => true,
    };
    (!ok).then(|| ty.describe())
}
