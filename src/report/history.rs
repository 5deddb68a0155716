//! The optimisation history: every trial's value (where it ended its stage) and the best so far,
//! by trial number and by the time it finished. Under Hyperband a trial's value is read at the
//! epochs it reached, so early rungs' values sit apart from full-length ones; the colours say
//! which state each trial ended in.

use super::svg::{Chart, Labels, Mark, Scale};
use super::{Section, StudyData, empty_note, state_colour};
use crate::storage::{ALL_STATES, TrialRecord};

/// The colour of the best-so-far line.
const BEST: &str = "#000000";

/// The best-so-far steps of `points` (x, value), in x order.
fn best_so_far(data: &StudyData, points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut best: Option<f64> = None;
    let mut steps = Vec::new();
    for &(x, v) in points {
        match best {
            Some(b) if !data.better(v, b) => {}
            Some(b) => {
                steps.push((x, b));
                best = Some(v);
            }
            None => best = Some(v),
        }
        steps.push((x, best.unwrap_or(v)));
    }
    steps
}

/// One history plot with `x` the horizontal position of each trial.
fn plot(
    data: &StudyData,
    title: &str,
    x_label: &str,
    x: impl Fn(&TrialRecord) -> Option<f64>,
) -> Option<String> {
    let mut points: Vec<(f64, f64, &TrialRecord)> = data
        .valued()
        .filter_map(|(t, v)| x(t).map(|x| (x, v, t)))
        .collect();
    if points.is_empty() {
        return None;
    }
    points.sort_by(|a, b| a.0.total_cmp(&b.0));
    let xs = Scale::linear_over(points.iter().map(|p| p.0));
    let ys = Scale::linear_over(points.iter().map(|p| p.1));
    let objective = data.objective_label();
    let mut chart = Chart::new(
        760.0,
        340.0,
        xs,
        ys,
        Labels {
            title,
            x: x_label,
            y: &objective,
        },
    );
    let steps = best_so_far(data, &points.iter().map(|p| (p.0, p.1)).collect::<Vec<_>>());
    chart.line(&steps, BEST, false, "best so far");
    for &(x, v, t) in &points {
        let tip = format!(
            "trial {}: {} = {} after {} epochs ({})",
            t.number,
            data.plan.objective.metric,
            super::svg::number(v),
            t.epochs,
            t.state
        );
        chart.dot(x, v, 4.0, state_colour(t.state), &tip);
    }
    for state in ALL_STATES {
        if points.iter().any(|p| p.2.state == state) {
            chart.legend(state.as_str(), state_colour(state), Mark::Dot);
        }
    }
    chart.legend("best so far", BEST, Mark::Line);
    Some(chart.finish(title))
}

/// The history section.
#[must_use]
pub fn section(data: &StudyData) -> Section {
    let by_trial = plot(data, "Value by trial", "trial number", |t| {
        #[allow(clippy::cast_precision_loss)]
        let n = t.number as f64;
        Some(n)
    });
    let start = data.first_start();
    let by_time = plot(
        data,
        "Value by time",
        "time since the first trial started (seconds)",
        |t| t.finished_at.map(|f| f - start),
    );
    let body = match (by_trial, by_time) {
        (Some(a), Some(b)) => format!(
            "<p>Each trial's value where it ended its stage, and the best so far.</p>{a}{b}"
        ),
        (Some(a), None) => a,
        _ => empty_note("No trial has a value yet."),
    };
    Section {
        id: "history",
        title: String::from("Optimisation history"),
        body,
    }
}
