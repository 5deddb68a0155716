//! `budget { trials, epochs, time, parallel }`: how much a study may spend, and the budget of a
//! study that sets none. Called by [`super::check`]; produces the study's [`Budget`].

use std::collections::HashMap;

use super::unknown_field;
use crate::catalogue::BUDGET_FIELDS;
use crate::diagnostic::{Code, Diagnostic};
use crate::plan::Budget;
use crate::semantic::args::check_value;
use crate::semantic::expr::constant;
use crate::syntax::Span;
use crate::syntax::ast::{Expr, ExprKind, Statement};

/// The budget of a study without `budget`: 20 trials, one at a time.
pub(super) fn default_budget() -> Budget {
    Budget {
        trials: Some(20),
        epochs: None,
        time_seconds: None,
        parallel: 1,
    }
}

/// The budget `expr` sets (`parallel` is 1 unless given); `None` after any error in it.
pub(super) fn check(expr: &Expr, diags: &mut Vec<Diagnostic>) -> Option<Budget> {
    let ExprKind::Record { base: None, block } = &expr.kind else {
        diags.push(
            Diagnostic::error(
                Code::TypeMismatch,
                expr.span,
                "`budget` must be `{ trials, epochs, time, parallel }`",
            )
            .with_label("not a budget")
            .with_help("write `budget { trials = 40, time = 30m }`"),
        );
        return None;
    };
    let mut budget = Budget {
        trials: None,
        epochs: None,
        time_seconds: None,
        parallel: 1,
    };
    let mut seen: HashMap<&str, Span> = HashMap::new();
    let before = diags.len();
    for statement in &block.statements {
        let Statement::Assign(a) = statement else {
            diags.push(
                Diagnostic::error(
                    Code::Misplaced,
                    block.span,
                    "a budget holds only `name = value` fields",
                )
                .with_label("not a field")
                .with_help("write `budget { trials = 40, time = 30m }`"),
            );
            continue;
        };
        let Some(spec) = BUDGET_FIELDS.iter().find(|f| f.name == a.name.name) else {
            diags.push(unknown_field(
                "a budget",
                &a.name,
                BUDGET_FIELDS.iter().map(|f| f.name),
            ));
            continue;
        };
        if let Some(first) = seen.insert(spec.name, a.name.span) {
            diags.push(
                Diagnostic::error(
                    Code::DuplicateName,
                    a.name.span,
                    format!("`{}` is set twice", spec.name),
                )
                .with_label("set again here")
                .with_related(first, "first set here")
                .with_help("keep one"),
            );
            continue;
        }
        let what = format!("`budget.{}`", spec.name);
        let Some(value) = constant(&a.value, &what, diags) else {
            continue;
        };
        if !check_value(spec, &what, &value, a.value.span, diags) {
            continue;
        }
        let as_count = value.as_i64().and_then(|v| u64::try_from(v).ok());
        match spec.name {
            "trials" => budget.trials = as_count,
            "epochs" => budget.epochs = as_count,
            "time" => budget.time_seconds = value.as_f64(),
            _ => budget.parallel = as_count.unwrap_or(1),
        }
    }
    (diags.len() == before).then_some(budget)
}
