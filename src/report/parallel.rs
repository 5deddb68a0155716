//! Parallel coordinates: one vertical axis per searched parameter and one for the objective;
//! every trial with a value is a line across them, coloured by its value (viridis, the best
//! trials brightest). Categorical parameters are axes of categories, log-scaled ones log axes;
//! a conditional parameter a trial does not have leaves a gap in its line.

use std::fmt::Write as _;

use super::svg::{Scale, esc, number, viridis};
use super::{Section, StudyData, empty_note, parameter_position, parameter_scale};
use crate::space::Value;

const HEIGHT: f64 = 420.0;
const TOP: f64 = 70.0;
const BOTTOM: f64 = 56.0;
const SIDE: f64 = 70.0;

/// The pixel row of `v` on an axis with `scale`.
fn row(scale: &Scale, v: f64) -> f64 {
    let h = HEIGHT - TOP - BOTTOM;
    match scale {
        Scale::Categories(_) => TOP + scale.position(v) * h,
        _ => HEIGHT - BOTTOM - scale.position(v) * h,
    }
}

/// The parallel-coordinates section.
#[must_use]
pub fn section(data: &StudyData) -> Section {
    let title = "Parallel coordinates";
    let trials: Vec<_> = data.valued().collect();
    if trials.is_empty() || data.plan.parameters.is_empty() {
        return Section {
            id: "parallel",
            title: String::from(title),
            body: empty_note("No trial has a value yet."),
        };
    }
    // The axes: each parameter, then the objective.
    let mut axes: Vec<(String, Scale)> = data
        .plan
        .parameters
        .iter()
        .map(|p| {
            let values: Vec<&Value> = trials
                .iter()
                .filter_map(|(t, _)| t.params.get(&p.name))
                .collect();
            (p.name.clone(), parameter_scale(p, &values))
        })
        .collect();
    let values = Scale::linear_over(trials.iter().map(|(_, v)| *v));
    axes.push((data.plan.objective.metric.clone(), values.clone()));
    #[allow(clippy::cast_precision_loss)]
    let gaps = (axes.len() - 1).max(1) as f64;
    let width = (SIDE * 2.0 + gaps * 130.0).max(760.0);
    let column = |k: usize| {
        #[allow(clippy::cast_precision_loss)]
        let k = k as f64;
        SIDE + k * (width - 2.0 * SIDE) / gaps
    };
    let mut svg = format!(
        r#"<svg class="plot" viewBox="0 0 {width} {HEIGHT}" width="{width}" height="{HEIGHT}" role="img" aria-label="{title}"><text class="title" x="{}" y="20" text-anchor="middle">{title}</text>"#,
        width / 2.0
    );
    // Lines first, worst first, so the best are drawn on top.
    let mut order: Vec<usize> = (0..trials.len()).collect();
    order.sort_by(|&a, &b| {
        let (va, vb) = (trials[a].1, trials[b].1);
        if data.better(va, vb) {
            std::cmp::Ordering::Greater
        } else if data.better(vb, va) {
            std::cmp::Ordering::Less
        } else {
            std::cmp::Ordering::Equal
        }
    });
    for &i in &order {
        let (t, v) = trials[i];
        let goodness = match data.plan.objective.direction {
            crate::plan::Direction::Maximize => values.position(v),
            crate::plan::Direction::Minimize => 1.0 - values.position(v),
        };
        let mut points: Vec<Option<(f64, f64)>> = data
            .plan
            .parameters
            .iter()
            .zip(&axes)
            .enumerate()
            .map(|(k, (p, (_, scale)))| {
                let y = parameter_position(scale, t.params.get(&p.name)?)?;
                Some((column(k), row(scale, y)))
            })
            .collect();
        points.push(Some((column(axes.len() - 1), row(&values, v))));
        let tip = format!(
            "trial {}: {} = {}",
            t.number,
            data.plan.objective.metric,
            number(v)
        );
        for run in points.split(Option::is_none) {
            let coords: Vec<String> = run
                .iter()
                .flatten()
                .map(|(x, y)| format!("{x:.1},{y:.1}"))
                .collect();
            if coords.len() >= 2 {
                let _ = write!(
                    svg,
                    r#"<polyline class="series thin" points="{}" stroke="{}"><title>{}</title></polyline>"#,
                    coords.join(" "),
                    viridis(goodness),
                    esc(&tip)
                );
            }
        }
    }
    // Then the axes with their ticks and names.
    for (k, (name, scale)) in axes.iter().enumerate() {
        let x = column(k);
        let _ = write!(
            svg,
            r#"<line class="axis" x1="{x:.1}" y1="{TOP}" x2="{x:.1}" y2="{}"/>"#,
            HEIGHT - BOTTOM
        );
        for (v, label) in scale.ticks() {
            let y = row(scale, v);
            let _ = write!(
                svg,
                r#"<line class="axis" x1="{:.1}" y1="{y:.1}" x2="{x:.1}" y2="{y:.1}"/><text class="tick halo" x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
                x - 4.0,
                x - 6.0,
                y + 4.0,
                esc(&label)
            );
        }
        let kind = match scale {
            _ if k == axes.len() - 1 => match data.plan.objective.direction {
                crate::plan::Direction::Maximize => "maximized",
                crate::plan::Direction::Minimize => "minimized",
            },
            Scale::Categories(_) => "categories",
            Scale::Log { .. } => "log scale",
            Scale::Linear { .. } => "linear",
        };
        let _ = write!(
            svg,
            r#"<text class="label" x="{x:.1}" y="{}" text-anchor="middle">{}</text><text class="tick" x="{x:.1}" y="{}" text-anchor="middle">{kind}</text>"#,
            HEIGHT - BOTTOM + 22.0,
            esc(name),
            HEIGHT - BOTTOM + 38.0,
        );
    }
    // The colour legend: a bar from the worst value to the best.
    let _ = write!(
        svg,
        r#"<defs><linearGradient id="viridis-legend">{}</linearGradient></defs><rect x="{SIDE}" y="34" width="160" height="10" fill="url(#viridis-legend)"/><text class="legend" x="{}" y="43">worst {} → best {}</text>"#,
        (0..=8)
            .map(|k| format!(
                r#"<stop offset="{}" stop-color="{}"/>"#,
                f64::from(k) / 8.0,
                viridis(f64::from(k) / 8.0)
            ))
            .collect::<String>(),
        SIDE + 168.0,
        esc(&data.plan.objective.metric),
        esc(&data.plan.objective.metric)
    );
    svg.push_str("</svg>");
    Section {
        id: "parallel",
        title: String::from(title),
        body: format!(
            "<p>Every trial with a value, one line across the parameters' axes to its value; the \
             colour is the value (brighter is better).</p><div class=\"wide\">{svg}</div>"
        ),
    }
}
