//! The report's summary: the best trial and its configuration, trials by state, epochs trained
//! and saved by early stopping, wall time, and the plan's sampler, scheduler, stopping rule and
//! budget. Tables only; the plots follow in the other sections.

use std::fmt::Write as _;

use super::svg::{esc, number};
use super::{Section, StudyData};
use crate::plan::render::step;
use crate::space::Value;
use crate::storage::ALL_STATES;

/// The epochs a stopping rule saved: for every trial it ended early, the epochs between where it
/// stopped and the end of its stage (its rung's epochs, or the recipe's under `fifo`).
#[must_use]
pub fn epochs_saved(data: &StudyData) -> u64 {
    data.trials
        .iter()
        .filter(|t| t.predicted.is_some())
        .filter_map(|t| {
            let end = t
                .target_epochs
                .map(u64::from)
                .or(data.plan.scheduler.epochs_per_trial)?;
            Some(end.saturating_sub(u64::from(t.epochs)))
        })
        .sum()
}

/// The study's wall time: from the first trial's start to the last one's end, in seconds.
#[must_use]
pub fn wall_time(data: &StudyData) -> Option<f64> {
    let start = data.first_start();
    let end = data
        .trials
        .iter()
        .filter_map(|t| t.finished_at.or(t.started_at))
        .fold(f64::NEG_INFINITY, f64::max);
    (end >= start).then_some(end - start)
}

/// `1 h 02 min`, `3 min 05 s`, `12.3 s`.
#[must_use]
pub fn duration(seconds: f64) -> String {
    if seconds >= 3600.0 {
        let minutes = (seconds / 60.0).round();
        format!("{} h {:02} min", (minutes / 60.0).floor(), minutes % 60.0)
    } else if seconds >= 60.0 {
        let s = seconds.round();
        format!("{} min {:02} s", (s / 60.0).floor(), s % 60.0)
    } else {
        format!("{seconds:.1} s")
    }
}

/// The summary section.
#[must_use]
pub fn section(data: &StudyData) -> Section {
    let plan = &data.plan;
    let mut body = String::from(r#"<div class="cards">"#);
    // The best trial.
    body.push_str(r#"<div class="card"><h3>Best trial</h3>"#);
    match crate::runtime::best_trial(&data.trials, plan.objective.direction) {
        Some(best) => {
            let _ = write!(
                body,
                "<p>trial {} with {} = <strong>{}</strong> after {} epochs ({})</p>",
                best.number,
                esc(&plan.objective.metric),
                number(best.value.unwrap_or(f64::NAN)),
                best.epochs,
                best.state
            );
            body.push_str("<table><tr><th>parameter</th><th>value</th></tr>");
            for p in &plan.parameters {
                let value = best
                    .params
                    .get(&p.name)
                    .map_or_else(|| String::from("— (inactive)"), Value::short);
                let _ = write!(
                    body,
                    "<tr><td>{}</td><td>{}</td></tr>",
                    esc(&p.name),
                    esc(&value)
                );
            }
            body.push_str("</table>");
        }
        None => body.push_str("<p>No trial has finished with a value yet.</p>"),
    }
    body.push_str("</div>");
    // Trials and epochs.
    body.push_str(r#"<div class="card"><h3>Trials</h3><table>"#);
    for state in ALL_STATES {
        let n = data.trials.iter().filter(|t| t.state == state).count();
        let _ = write!(
            body,
            r#"<tr><td><span class="swatch" style="background:{}"></span>{state}</td><td class="num">{n}</td></tr>"#,
            super::state_colour(state)
        );
    }
    let _ = write!(
        body,
        r#"<tr class="total"><td>all</td><td class="num">{}</td></tr></table>"#,
        data.trials.len()
    );
    let trained: u64 = data.trials.iter().map(|t| u64::from(t.epochs)).sum();
    let stopped_early = data.trials.iter().filter(|t| t.predicted.is_some()).count();
    let _ = write!(
        body,
        "<p>{trained} epochs trained; {stopped_early} trials ended early by the stopping rule ({}), {} epochs before the end of their stage.</p>",
        esc(data.plan.stopping.name()),
        epochs_saved(data)
    );
    match wall_time(data) {
        Some(seconds) => {
            let _ = write!(
                body,
                "<p>Wall time {} from the first trial's start to the last one's end.</p>",
                duration(seconds)
            );
        }
        None => body.push_str("<p>No trial has started yet.</p>"),
    }
    body.push_str("</div>");
    // The plan.
    body.push_str(r#"<div class="card"><h3>Plan</h3><table>"#);
    let mut row = |name: &str, value: String| {
        let _ = write!(
            body,
            "<tr><td>{name}</td><td><code>{}</code></td></tr>",
            esc(&value)
        );
    };
    row("objective", data.objective_label());
    row("sampler", step(plan.sampler.clone()));
    row("scheduler", step(plan.scheduler.kind));
    row("stopping", step(plan.stopping));
    let budget = &plan.budget;
    let mut limits = Vec::new();
    if let Some(n) = budget.trials {
        limits.push(format!("trials = {n}"));
    }
    if let Some(n) = budget.epochs {
        limits.push(format!("epochs = {n}"));
    }
    if let Some(s) = budget.time_seconds {
        limits.push(format!("time = {}", duration(s)));
    }
    limits.push(format!("parallel = {}", budget.parallel));
    row("budget", limits.join(", "));
    row("seed", plan.seed.to_string());
    row("parameters", plan.parameters.len().to_string());
    body.push_str("</table></div></div>");
    Section {
        id: "summary",
        title: String::from("Summary"),
        body,
    }
}
