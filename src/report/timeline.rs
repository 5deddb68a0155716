//! The timeline: when each trial trained, one row per worker process (several rows for a worker
//! that trained trials side by side, `parallel > 1`), from the store's start and end times and
//! the worker that claimed each trial. A promoted trial shows its last stage only: the store
//! keeps the start of the stage being trained.

use std::collections::BTreeMap;

use super::svg::{Chart, Labels, Mark, Scale, number};
use super::{Section, StudyData, empty_note, state_colour};
use crate::storage::{ALL_STATES, TrialRecord};

/// One row of the timeline: a worker's name and the trials drawn on it, as (start, end, trial).
type Lane<'a> = (String, Vec<(f64, f64, &'a TrialRecord)>);

/// The rows: trials grouped by worker (in the workers' order), each worker's trials packed onto
/// as few rows as keep them from overlapping.
fn lanes(data: &StudyData, start: f64, end: f64) -> Vec<Lane<'_>> {
    let mut by_worker: BTreeMap<Option<i64>, Vec<(f64, f64, &TrialRecord)>> = BTreeMap::new();
    for t in &data.trials {
        let Some(begin) = t.started_at else { continue };
        let finish = t.finished_at.unwrap_or(end).max(begin);
        by_worker
            .entry(t.worker)
            .or_default()
            .push((begin - start, finish - start, t));
    }
    let mut rows = Vec::new();
    for (worker, mut spans) in by_worker {
        spans.sort_by(|a, b| a.0.total_cmp(&b.0));
        let name = match worker.and_then(|id| data.workers.iter().find(|w| w.id == id)) {
            Some(w) => format!("{} pid {}", w.host, w.pid),
            None => String::from("unknown worker"),
        };
        let mut packed: Vec<Vec<(f64, f64, &TrialRecord)>> = Vec::new();
        for span in spans {
            match packed
                .iter_mut()
                .find(|row| row.last().is_some_and(|last| last.1 <= span.0))
            {
                Some(row) => row.push(span),
                None => packed.push(vec![span]),
            }
        }
        let several = packed.len() > 1;
        for (k, row) in packed.into_iter().enumerate() {
            let label = if several {
                format!("{name} · {}", k + 1)
            } else {
                name.clone()
            };
            rows.push((label, row));
        }
    }
    rows
}

/// The timeline section.
#[must_use]
pub fn section(data: &StudyData) -> Section {
    let title = "Timeline";
    let start = data.first_start();
    let end = data
        .trials
        .iter()
        .filter_map(|t| t.finished_at.or(t.started_at))
        .chain(data.workers.iter().map(|w| w.heartbeat_at))
        .fold(f64::NEG_INFINITY, f64::max);
    if !start.is_finite() || end < start {
        return Section {
            id: "timeline",
            title: String::from(title),
            body: empty_note("No trial has started yet."),
        };
    }
    let rows = lanes(data, start, end);
    let names: Vec<String> = rows.iter().map(|(name, _)| name.clone()).collect();
    #[allow(clippy::cast_precision_loss)]
    let height = 120.0 + 34.0 * names.len() as f64;
    let mut chart = Chart::new(
        760.0,
        height,
        Scale::Linear {
            low: 0.0,
            high: (end - start).max(1e-3) * 1.02,
        },
        Scale::Categories(names),
        Labels {
            title,
            x: "time since the first trial started (seconds)",
            y: "worker",
        },
    );
    let band = chart.y_band();
    for (k, (_, spans)) in rows.iter().enumerate() {
        #[allow(clippy::cast_precision_loss)]
        let centre = chart.py(k as f64);
        for &(from, to, t) in spans {
            let tip = format!(
                "trial {} ({}): {}–{} s, {} epochs",
                t.number,
                t.state,
                number(from),
                number(to),
                t.epochs
            );
            chart.pixel_rect(
                (chart.px(from), chart.px(to)),
                (centre - band * 0.32, centre + band * 0.32),
                state_colour(t.state),
                &tip,
            );
        }
    }
    for state in ALL_STATES {
        if rows
            .iter()
            .any(|(_, s)| s.iter().any(|x| x.2.state == state))
        {
            chart.legend(state.as_str(), state_colour(state), Mark::Square);
        }
    }
    let workers = data.workers.len();
    Section {
        id: "timeline",
        title: String::from(title),
        body: format!(
            "<p>When each trial trained (its last stage, for a promoted trial), by the worker \
             that ran it; {workers} worker process{} ran this study.</p>{}",
            if workers == 1 { "" } else { "es" },
            chart.finish(title)
        ),
    }
}
