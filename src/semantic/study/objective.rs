//! `objective = maximize METRIC` / `minimize METRIC`, and the metrics the built-in trainer reports,
//! which an objective must name when that trainer runs. Called by [`super::check`]; produces the
//! study's [`Objective`].

use crate::diagnostic::{Code, Diagnostic};
use crate::plan::{Direction, Objective};
use crate::suggest::did_you_mean;
use crate::syntax::ast::{Expr, ExprKind, path_text};

/// Metrics the built-in trainer reports.
pub const BUILTIN_METRICS: &[&str] = &[
    "val.accuracy",
    "val.loss",
    "val.rmse",
    "train.loss",
    "train.accuracy",
    "train.rmse",
];

/// The objective `expr` states; with the built-in trainer its metric must be one it reports.
pub(super) fn check(
    expr: &Expr,
    builtin_trainer: bool,
    diags: &mut Vec<Diagnostic>,
) -> Option<Objective> {
    let ExprKind::Objective { maximize, metric } = &expr.kind else {
        diags.push(
            Diagnostic::error(
                Code::TypeMismatch,
                expr.span,
                "`objective` must be `maximize METRIC` or `minimize METRIC`",
            )
            .with_label("no direction")
            .with_help("write `objective = maximize val.accuracy`"),
        );
        return None;
    };
    let name = path_text(metric);
    if builtin_trainer && !BUILTIN_METRICS.contains(&name.as_str()) {
        let span = metric[0].span.to(metric[metric.len() - 1].span);
        diags.push(
            Diagnostic::error(
                Code::UnknownName,
                span,
                format!("the built-in trainer reports no metric `{name}`"),
            )
            .with_label("unknown metric")
            .with_help(match name.strip_prefix("test.") {
                Some(rest) => format!(
                    "the held-out test rows are evaluated once, after a trial has trained, and never steer the search: optimise `val.{rest}`"
                ),
                None => did_you_mean(&name, BUILTIN_METRICS.iter().copied())
                    .unwrap_or_else(|| format!("metrics: {}", BUILTIN_METRICS.join(", "))),
            }),
        );
        return None;
    }
    Some(Objective {
        direction: if *maximize {
            Direction::Maximize
        } else {
            Direction::Minimize
        },
        metric: name,
    })
}
