//! Fields whose value is a built-in of a family, named bare (`random`) or called (`bo(init = 8)`):
//! sampler, scheduler, stopping rule, strategy, device and a command's metrics format; and the
//! scheduler's check of its epoch range against `train.epochs`. Used by [`super::check`] and the
//! `trainer` check.

use crate::catalogue::Family;
use crate::diagnostic::{Code, Diagnostic};
use crate::plan::Step;
use crate::plan::scheduler::{Rungs, SchedulerKind};
use crate::semantic::dataset::{bare_step, step};
use crate::semantic::space_builder::{Entry, EntryKind, SpaceBuilder};
use crate::syntax::Span;
use crate::syntax::ast::{Expr, ExprKind};

/// A bare name (`random`) or a call (`bo(init = 8)`) of a family's built-in.
pub(super) fn value(expr: &Expr, family: Family, diags: &mut Vec<Diagnostic>) -> Option<Step> {
    match &expr.kind {
        ExprKind::Call(call) => step(call, family, diags),
        ExprKind::Path(path) if path.len() == 1 => bare_step(&path[0], family, diags),
        _ => {
            let members: Vec<&str> = crate::catalogue::names(family).collect();
            diags.push(
                Diagnostic::error(
                    Code::TypeMismatch,
                    expr.span,
                    format!("expected a {}", family.noun()),
                )
                .with_label(format!("not a {}", family.noun()))
                .with_help(format!("{}s: {}", family.noun(), members.join(", "))),
            );
            None
        }
    }
}

/// The typed value (`SamplerPlan`, `SchedulerKind`, …) of a field whose value is a member of
/// `family`, lowered once here from the checked step; `default` when the field is absent.
pub(super) fn typed<T>(
    expr: Option<&Expr>,
    family: Family,
    default: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<T>
where
    T: TryFrom<Step, Error = String>,
{
    let step = match expr {
        Some(e) => value(e, family, diags)?,
        None => Step::bare(default),
    };
    T::try_from(step)
        .map_err(|message| {
            diags.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    expr.map_or_else(Span::default, |e| e.span),
                    message,
                )
                .with_label(format!("this {}", family.noun()))
                .with_help("see the catalogue of built-ins in docs/language.md"),
            );
        })
        .ok()
}

/// A scheduler's `min` must not exceed its `max`; a `train.epochs` that disagrees with `max` is
/// warned about.
pub(super) fn check_scheduler(
    scheduler: SchedulerKind,
    expr: &Expr,
    builder: &SpaceBuilder,
    diags: &mut Vec<Diagnostic>,
) {
    let Some(Rungs { min, max, .. }) = scheduler.rungs() else {
        return;
    };
    if min > max {
        diags.push(
            Diagnostic::error(
                Code::InvalidRange,
                expr.span,
                format!(
                    "`{}` needs min ≤ max, found min = {min} and max = {max}",
                    scheduler.name()
                ),
            )
            .with_label("min above max")
            .with_help("min is the fewest epochs a trial trains, max the most"),
        );
        return;
    }
    if let Some(Entry {
        kind: EntryKind::Fixed(v),
        span,
        ..
    }) = builder.entry("train.epochs")
    {
        if let Some(epochs) = v.as_i64() {
            if u64::try_from(epochs).ok() != Some(max) && *span != Span::default() {
                diags.push(
                    Diagnostic::warning(
                        Code::Conflict,
                        expr.span,
                        format!(
                            "the scheduler trains up to {max} epochs, `train.epochs` says {epochs}"
                        ),
                    )
                    .with_label(format!("max = {max}"))
                    .with_related(*span, format!("epochs = {epochs}"))
                    .with_help("the scheduler's `max` decides; make them agree to avoid surprises"),
                );
            }
        }
    }
}
