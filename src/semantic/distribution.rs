//! Distribution calls (`uniform`, `loguniform`, `int`, `choice`, `ordinal`, `choose`, `bases`) become
//! checked [`Distribution`]s: bounds ordered, log ranges positive, choices non-empty, bases placed.

use std::collections::HashSet;

use crate::catalogue::{self, Family};
use crate::diagnostic::{Code, Diagnostic};
use crate::semantic::args::{bind, check_value};
use crate::semantic::expr::constant;
use crate::space::{Distribution, Value, format_float};
use crate::syntax::ast::{Call, Expr, ExprKind};

/// Whether `call` names a distribution.
#[must_use]
pub fn is_distribution(call: &Call) -> bool {
    catalogue::lookup(Family::Distribution, &call.name.name).is_some()
}

/// Builds the distribution `call` describes; problems go to `diags`.
pub fn distribution(call: &Call, diags: &mut Vec<Diagnostic>) -> Option<Distribution> {
    let builtin = catalogue::lookup(Family::Distribution, &call.name.name)?;
    let before = diags.len();
    if builtin.name == "bases" {
        return bases(call, diags);
    }
    let bound = bind(builtin, call, diags);
    let mut number = |name: &str| -> Option<(Value, &Expr)> {
        let expr = *bound.named.get(name)?;
        let value = constant(expr, &format!("`{name}` of `{}`", builtin.name), diags)?;
        let spec = builtin.arg(name)?;
        check_value(
            spec,
            &format!("`{name}` of `{}`", builtin.name),
            &value,
            expr.span,
            diags,
        )
        .then_some((value, expr))
    };
    let result = match builtin.name {
        "uniform" => {
            let low = number("low");
            let high = number("high");
            let step = number("step");
            let ((low, _), (high, high_expr)) = (low?, high?);
            let (low, high) = (low.as_f64()?, high.as_f64()?);
            if low >= high {
                diags.push(range_error(call, high_expr, low, high));
                return None;
            }
            let step = match step {
                Some((s, s_expr)) => {
                    let s = s.as_f64()?;
                    if s > high - low {
                        diags.push(
                            Diagnostic::error(
                                Code::InvalidValue,
                                s_expr.span,
                                format!(
                                    "`step` {} is wider than the range {}",
                                    format_float(s),
                                    format_float(high - low)
                                ),
                            )
                            .with_label("too wide")
                            .with_help("use a step no larger than high - low"),
                        );
                        return None;
                    }
                    Some(s)
                }
                None => None,
            };
            Distribution::Uniform { low, high, step }
        }
        "loguniform" => {
            let (low, high) = (number("low"), number("high"));
            let ((low, low_expr), (high, high_expr)) = (low?, high?);
            let (low, high) = (low.as_f64()?, high.as_f64()?);
            if low <= 0.0 {
                diags.push(
                    Diagnostic::error(
                        Code::InvalidRange,
                        low_expr.span,
                        format!("`loguniform` needs 0 < low, found low = {}", format_float(low).trim_end_matches(".0")),
                    )
                    .with_label("not positive")
                    .with_help("a log scale cannot reach 0: start at a small positive value such as 1e-6, or use `uniform`"),
                );
                return None;
            }
            if low >= high {
                diags.push(range_error(call, high_expr, low, high));
                return None;
            }
            Distribution::LogUniform { low, high }
        }
        "int" => {
            let low = number("low");
            let high = number("high");
            let log = number("log").and_then(|(v, _)| match v {
                Value::Bool(b) => Some(b),
                _ => None,
            });
            let step = number("step").and_then(|(v, _)| v.as_i64()).unwrap_or(1);
            let ((low, low_expr), (high, high_expr)) = (low?, high?);
            let (low, high) = (low.as_i64()?, high.as_i64()?);
            if low > high {
                #[allow(clippy::cast_precision_loss)]
                diags.push(range_error(call, high_expr, low as f64, high as f64));
                return None;
            }
            let log = log.unwrap_or(false);
            if log && low < 1 {
                diags.push(
                    Diagnostic::error(
                        Code::InvalidRange,
                        low_expr.span,
                        format!("`int(…, log = true)` needs low ≥ 1, found {low}"),
                    )
                    .with_label("not positive")
                    .with_help("a log scale cannot include 0 or negative numbers"),
                );
                return None;
            }
            Distribution::Int {
                low,
                high,
                log,
                step,
            }
        }
        "choice" | "ordinal" | "choose" => {
            let values = choice_values(call, &bound.rest, diags)?;
            if builtin.name == "ordinal" {
                Distribution::Ordinal { values }
            } else {
                Distribution::Choice { values }
            }
        }
        other => unreachable!("distribution: {other} has no builder"),
    };
    (diags.len() == before).then_some(result)
}

fn range_error(call: &Call, high: &Expr, low: f64, high_value: f64) -> Diagnostic {
    Diagnostic::error(
        Code::InvalidRange,
        call.span,
        format!(
            "`{}` needs low < high, found low = {} and high = {}",
            call.name.name,
            format_float(low).trim_end_matches(".0"),
            format_float(high_value).trim_end_matches(".0")
        ),
    )
    .with_label("empty range")
    .with_related(high.span, "upper bound")
    .with_help("swap the bounds, or use a constant if there is only one value")
}

fn choice_values(call: &Call, exprs: &[&Expr], diags: &mut Vec<Diagnostic>) -> Option<Vec<Value>> {
    if exprs.is_empty() {
        diags.push(
            Diagnostic::error(
                Code::EmptyChoice,
                call.span,
                format!("`{}()` has nothing to choose from", call.name.name),
            )
            .with_label("no values")
            .with_help(format!("list the values: `{}(a, b)`", call.name.name)),
        );
        return None;
    }
    let mut values: Vec<Value> = Vec::with_capacity(exprs.len());
    let mut seen = HashSet::with_capacity(exprs.len());
    for expr in exprs {
        let value = constant(expr, "a choice", diags)?;
        if value.loose_key().is_some_and(|key| !seen.insert(key)) {
            diags.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    expr.span,
                    format!("`{value}` is listed twice"),
                )
                .with_label("repeated value")
                .with_help("each value may appear once"),
            );
            return None;
        }
        values.push(value);
    }
    Some(values)
}

/// `bases(b1, b2, …)` or `bases(RANGE, k = 5)`.
fn bases(call: &Call, diags: &mut Vec<Diagnostic>) -> Option<Distribution> {
    let range = call.args.first().and_then(|a| match &a.value.kind {
        ExprKind::Call(inner) if a.name.is_none() => Some(inner),
        _ => None,
    });
    if let Some(inner) = range {
        return bases_on_range(call, inner, diags);
    }
    if let Some(named) = call.args.iter().find_map(|a| a.name.as_ref()) {
        diags.push(
            Diagnostic::error(
                Code::UnknownArgument,
                named.span,
                format!("`bases` of listed values takes no `{}`", named.name),
            )
            .with_label("unknown argument")
            .with_help("`k` belongs to the range form: `bases(loguniform(1e-4, 1), k = 5)`"),
        );
        return None;
    }
    let mut values = Vec::new();
    for arg in &call.args {
        let value = constant(&arg.value, "a basis", diags)?;
        let Some(x) = value.as_f64() else {
            diags.push(
                Diagnostic::error(
                    Code::TypeMismatch,
                    arg.span,
                    format!("a basis must be a number, found `{value}`"),
                )
                .with_label("not a number")
                .with_help(
                    "bases are numbers mixed by learned weights; use `choice` for other values",
                ),
            );
            return None;
        };
        values.push(x);
    }
    if values.len() < 2 {
        diags.push(
            Diagnostic::error(
                Code::TooFewBases,
                call.span,
                format!("`bases` needs at least two values, found {}", values.len()),
            )
            .with_label("too few bases")
            .with_help("give two or more: `bases(1e-3, 1e-2, 1e-1)`, or a range: `bases(loguniform(1e-4, 1), k = 5)`"),
        );
        return None;
    }
    Some(Distribution::Bases { values, log: false })
}

fn bases_on_range(call: &Call, inner: &Call, diags: &mut Vec<Diagnostic>) -> Option<Distribution> {
    let mut k = 5_i64;
    for arg in call.args.iter().skip(1) {
        match &arg.name {
            Some(name) if name.name == "k" => {
                let value = constant(&arg.value, "`k` of `bases`", diags)?;
                match value.as_i64() {
                    Some(v) if v >= 2 && !matches!(value, Value::Float(_)) => k = v,
                    _ => {
                        diags.push(
                            Diagnostic::error(
                                Code::TooFewBases,
                                arg.value.span,
                                format!("`k` must be an integer of at least 2, found {value}"),
                            )
                            .with_label("too few bases")
                            .with_help("k bases are placed evenly on the range's scale"),
                        );
                        return None;
                    }
                }
            }
            Some(name) => {
                diags.push(
                    Diagnostic::error(
                        Code::UnknownArgument,
                        name.span,
                        format!("`bases` has no argument `{}`", name.name),
                    )
                    .with_label("unknown argument")
                    .with_help("the range form takes `k`: `bases(loguniform(1e-4, 1), k = 5)`"),
                );
                return None;
            }
            None => {
                diags.push(
                    Diagnostic::error(
                        Code::TooManyArguments,
                        arg.span,
                        "`bases` with a range takes only `k` besides it",
                    )
                    .with_label("extra argument")
                    .with_help("write `bases(loguniform(1e-4, 1), k = 5)`"),
                );
                return None;
            }
        }
    }
    if !matches!(inner.name.name.as_str(), "uniform" | "loguniform" | "int") {
        diags.push(
            Diagnostic::error(
                Code::TypeMismatch,
                inner.span,
                format!(
                    "`bases` places values on a numeric range, not on `{}`",
                    inner.name.name
                ),
            )
            .with_label("not a range")
            .with_help("use `uniform`, `loguniform` or `int`, or list the bases"),
        );
        return None;
    }
    let range = distribution(inner, diags)?;
    let (low, high) = range.bounds()?;
    let log = range.scale() == Some("log");
    #[allow(clippy::cast_precision_loss)]
    let values = (0..k)
        .map(|i| {
            let t = i as f64 / (k - 1) as f64;
            if log {
                (low.ln() + t * (high.ln() - low.ln())).exp()
            } else {
                low + t * (high - low)
            }
        })
        .collect();
    Some(Distribution::Bases { values, log })
}
