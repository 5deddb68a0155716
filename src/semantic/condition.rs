//! Conditions of `when` and `forbid`: lowered to boolean [`Term`]s whose comparisons read parameters.
//! Reports names that are undefined or defined later, values that are not among a choice's values,
//! and expressions that are not true/false valued.

use std::collections::{BTreeSet, HashSet};

use crate::diagnostic::{Code, Diagnostic};
use crate::semantic::expr::{Names, lower, lower_chain};
use crate::space::{Distribution, Key, Term, Value};
use crate::suggest::did_you_mean;
use crate::syntax::ast::{BinaryOp, Expr, ExprKind, UnaryOp, path_text};

/// What a condition may read, and what it can say about names it cannot.
pub trait ConditionScope: Names {
    /// The distribution of a parameter by full path, for value checks.
    fn distribution(&self, name: &str) -> Option<&Distribution>;
    /// Whether `name` is defined later in the same space (then the error is about order).
    fn defined_later(&self, name: &str) -> bool;
}

/// Lowers a condition; problems go to `diags`.
pub fn lower_condition(
    expr: &Expr,
    scope: &dyn ConditionScope,
    diags: &mut Vec<Diagnostic>,
) -> Option<Term> {
    match &expr.kind {
        ExprKind::Chain { first, rest } if rest[0].0.is_logical() => {
            let (first, rest) = lower_chain(first, rest, diags, |_, operand, diags| {
                lower_condition(operand, scope, diags)
            })?;
            Some(Term::chain(first, rest))
        }
        ExprKind::Unary {
            op: UnaryOp::Not,
            operand,
        } => Some(lower_condition(operand, scope, diags)?.negate()),
        ExprKind::Chain { first, rest } if rest[0].0.is_comparison() => {
            let (lhs, links) = lower_chain(first, rest, diags, |place, side, diags| {
                if place == 0 {
                    operand(side, scope, diags)
                } else {
                    lower(side, scope, diags)
                }
            })?;
            // Only the first comparison can have a parameter on its left.
            let written = match &first.kind {
                ExprKind::Path(path) => path_text(path),
                _ => String::new(),
            };
            let (op, rhs) = &rest[0];
            check_comparison(*op, &lhs, &written, &links[0].term, rhs, scope, diags);
            Some(Term::chain(lhs, links))
        }
        ExprKind::Bool(b) => Some(Term::constant(Value::Bool(*b))),
        ExprKind::Path(_) => {
            let term = operand(expr, scope, diags)?;
            if let Term::Param { name } = &term {
                let boolean = scope
                    .distribution(name)
                    .is_some_and(|d| d.value_type() == "bool");
                if !boolean {
                    diags.push(not_a_condition(expr));
                    return None;
                }
            }
            Some(term)
        }
        _ => {
            diags.push(not_a_condition(expr));
            None
        }
    }
}

fn not_a_condition(expr: &Expr) -> Diagnostic {
    Diagnostic::error(Code::NotACondition, expr.span, "this is not a condition")
        .with_label("not true/false")
        .with_help(
            "compare a parameter with a value: `optimizer == sgd`, `lr < 1e-3`, `depth in [2, 3]`",
        )
}

/// The left side of a comparison: a name here must be a parameter.
fn operand(expr: &Expr, scope: &dyn ConditionScope, diags: &mut Vec<Diagnostic>) -> Option<Term> {
    let ExprKind::Path(path) = &expr.kind else {
        return lower(expr, scope, diags);
    };
    match scope.resolve(path) {
        Err(d) => {
            diags.push(d);
            None
        }
        Ok(Some(term)) => Some(term),
        Ok(None) => {
            let name = path_text(path);
            let diagnostic = if scope.defined_later(&name) {
                Diagnostic::error(
                    Code::ConditionOrder,
                    expr.span,
                    format!("`{name}` is defined after this condition"),
                )
                .with_label("defined later")
                .with_help(format!(
                    "move the definition of `{name}` above the condition"
                ))
            } else {
                let known = scope.known();
                Diagnostic::error(
                    Code::UndefinedInCondition,
                    expr.span,
                    format!("the condition reads `{name}`, which is not a parameter here"),
                )
                .with_label("undefined parameter")
                .with_help(
                    did_you_mean(&name, known.iter().map(String::as_str)).unwrap_or_else(|| {
                        if known.is_empty() {
                            String::from("define the parameter before the condition")
                        } else {
                            format!("parameters here: {}", known.join(", "))
                        }
                    }),
                )
            };
            diags.push(diagnostic);
            None
        }
    }
}

/// Values compared with a categorical parameter must be among its values.
fn check_comparison(
    op: BinaryOp,
    lhs: &Term,
    written: &str,
    rhs: &Term,
    rhs_expr: &Expr,
    scope: &dyn ConditionScope,
    diags: &mut Vec<Diagnostic>,
) {
    let Term::Param { name: full } = lhs else {
        return;
    };
    let Some(dist) = scope.distribution(full) else {
        return;
    };
    // Messages use the name as written, so a space checked alone and inside a study says the same.
    let name = if written.is_empty() {
        full.as_str()
    } else {
        written
    };
    let Some(value) = rhs.as_const() else { return };
    let compared: Vec<&Value> = match (op, value) {
        (BinaryOp::In, Value::List(items)) => items.iter().collect(),
        _ => vec![value],
    };
    match dist {
        Distribution::Choice { values } | Distribution::Ordinal { values } => {
            if matches!(op, BinaryOp::Eq | BinaryOp::Ne | BinaryOp::In) {
                let keys: HashSet<Key> = values.iter().filter_map(Value::loose_key).collect();
                let missing = compared
                    .into_iter()
                    .filter(|v| v.loose_key().is_none_or(|key| !keys.contains(&key)));
                let mut listed: Vec<String> = Vec::new();
                let mut candidates: BTreeSet<String> = BTreeSet::new();
                for v in missing {
                    if listed.is_empty() {
                        listed = values.iter().map(ToString::to_string).collect();
                        candidates = listed.iter().cloned().collect();
                    }
                    let help = did_you_mean(&v.to_string(), candidates.iter().map(String::as_str))
                        .unwrap_or_else(|| format!("`{name}` takes {}", listed.join(", ")));
                    diags.push(
                        Diagnostic::error(
                            Code::ImpossibleCondition,
                            rhs_expr.span,
                            format!("`{v}` is not one of the values of `{name}`"),
                        )
                        .with_label("never equal")
                        .with_help(help),
                    );
                }
            }
        }
        _ => {
            for v in compared {
                if v.as_f64().is_none() {
                    diags.push(
                        Diagnostic::error(
                            Code::TypeMismatch,
                            rhs_expr.span,
                            format!("`{name}` is a number and cannot be compared with `{v}`"),
                        )
                        .with_label("not a number")
                        .with_help(format!("compare `{name}` with a number")),
                    );
                }
            }
        }
    }
}
