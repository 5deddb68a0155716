//! Brackets and rungs under `sha`, `hyperband` and `asha`: for every bracket the study ran, how
//! many trials the plan meant each rung to have, how many entered it, and how many were promoted
//! from it to the next, with the epochs a trial has trained at the rung's end — read from each
//! trial's bracket and rung in the store.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::svg::{Chart, Labels, Mark, Scale, esc, series_colour};
use super::{Section, StudyData, empty_note};
use crate::plan::Bracket;

/// One rung of one bracket, as planned and as run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RungCount {
    /// The rung (0 first).
    pub rung: u32,
    /// Epochs a trial has trained when the rung ends.
    pub epochs: u64,
    /// Trials the plan puts in it (ASHA: the synchronous bracket's figure).
    pub planned: u64,
    /// Trials that entered it.
    pub entered: u64,
    /// Trials promoted from it to the next rung (none from the last).
    pub promoted: Option<u64>,
}

/// The rungs of bracket `index` (its shape repeats every `brackets.len()` brackets).
#[must_use]
pub fn counts(data: &StudyData, index: u32) -> Vec<RungCount> {
    let brackets: &[Bracket] = &data.plan.scheduler.brackets;
    let Some(shape) = (!brackets.is_empty()).then(|| &brackets[index as usize % brackets.len()])
    else {
        return Vec::new();
    };
    let members: Vec<_> = data
        .trials
        .iter()
        .filter(|t| t.bracket == Some(index))
        .collect();
    let last = shape.rungs.len().saturating_sub(1);
    shape
        .rungs
        .iter()
        .enumerate()
        .map(|(r, planned)| {
            let rung = u32::try_from(r).unwrap_or(u32::MAX);
            let at_least = |k: u32| members.iter().filter(|t| t.rung >= k).count() as u64;
            RungCount {
                rung,
                epochs: planned.epochs,
                planned: planned.configs,
                entered: at_least(rung),
                promoted: (r < last).then(|| at_least(rung + 1)),
            }
        })
        .collect()
}

/// The rungs section.
#[must_use]
pub fn section(data: &StudyData) -> Section {
    let title = String::from("Brackets and rungs");
    let scheduler = data.plan.scheduler.kind;
    let brackets: BTreeSet<u32> = data.trials.iter().filter_map(|t| t.bracket).collect();
    if scheduler.rungs().is_none() || brackets.is_empty() {
        let why = if scheduler.rungs().is_none() {
            format!(
                "The scheduler is `{}`: every trial trains its full epochs, there are no rungs.",
                scheduler.name()
            )
        } else {
            String::from("No trial has been placed in a bracket yet.")
        };
        return Section {
            id: "rungs",
            title,
            body: empty_note(&why),
        };
    }
    let mut plots = String::from(r#"<div class="grid">"#);
    let mut table = String::from(
        "<table><tr><th>bracket</th><th>rung</th><th>epochs</th><th>planned</th><th>entered</th><th>promoted</th></tr>",
    );
    for &index in &brackets {
        let rungs = counts(data, index);
        let names: Vec<String> = rungs
            .iter()
            .map(|r| format!("{}: {}", r.rung, r.epochs))
            .collect();
        let most = rungs
            .iter()
            .map(|r| r.planned.max(r.entered))
            .max()
            .unwrap_or(1)
            .max(1);
        #[allow(clippy::cast_precision_loss)]
        let high = most as f64 * 1.1;
        let plot_title = format!("Bracket {index}");
        let mut chart = Chart::new(
            372.0,
            260.0,
            Scale::Categories(names),
            Scale::Linear { low: 0.0, high },
            Labels {
                title: &plot_title,
                x: "rung: epochs trained at its end",
                y: "trials",
            },
        );
        let band = chart.x_band();
        let bottom = chart.py(0.0);
        for r in &rungs {
            let centre = chart.px(f64::from(r.rung));
            let bars = [
                ("planned", Some(r.planned), 0),
                ("entered", Some(r.entered), 1),
                ("promoted", r.promoted, 2),
            ];
            for (name, count, k) in bars {
                let Some(count) = count else { continue };
                #[allow(clippy::cast_precision_loss)]
                let left = centre - band * 0.36 + band * 0.24 * k as f64;
                #[allow(clippy::cast_precision_loss)]
                let top = chart.py(count as f64);
                chart.pixel_rect(
                    (left, left + band * 0.22),
                    (bottom, top),
                    series_colour(k),
                    &format!("bracket {index}, rung {}: {count} {name}", r.rung),
                );
            }
            let _ = write!(
                table,
                "<tr><td>{index}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                r.rung,
                r.epochs,
                r.planned,
                r.entered,
                r.promoted
                    .map_or_else(|| String::from("—"), |p| p.to_string())
            );
        }
        chart.legend("planned", series_colour(0), Mark::Square);
        chart.legend("entered", series_colour(1), Mark::Square);
        chart.legend("promoted", series_colour(2), Mark::Square);
        plots.push_str(&chart.finish(&plot_title));
    }
    plots.push_str("</div>");
    table.push_str("</table>");
    let body = format!(
        "<p>The scheduler is <code>{}</code>. For each bracket: the trials the plan puts in each \
         rung, those that entered it, and those promoted from it to the next.</p>{plots}<details><summary>The same as a table</summary>{table}</details>",
        esc(scheduler.name())
    );
    Section {
        id: "rungs",
        title,
        body,
    }
}
