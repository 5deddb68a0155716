//! Slice plots: the value of every trial against each searched parameter, one small plot per
//! parameter on the parameter's own axis (categories, log or linear). Points in a category are
//! spread sideways by a fixed offset per trial so that equal values stay visible.

use super::svg::{Chart, Labels, Mark, Scale, number};
use super::{Section, StudyData, empty_note, parameter_position, parameter_scale, state_colour};
use crate::space::Value;
use crate::storage::ALL_STATES;

/// A trial's sideways offset inside a category, in categories: the golden-ratio sequence of its
/// number, the same on every page.
fn spread(number: u64) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let t = (number as f64 * 0.618_033_988_75).fract();
    (t - 0.5) * 0.5
}

/// The slices section.
#[must_use]
pub fn section(data: &StudyData) -> Section {
    let title = String::from("Slice plots");
    let trials: Vec<_> = data.valued().collect();
    if trials.is_empty() || data.plan.parameters.is_empty() {
        return Section {
            id: "slices",
            title,
            body: empty_note("No trial has a value yet."),
        };
    }
    let objective = data.objective_label();
    let mut plots = String::from(r#"<div class="grid">"#);
    for p in &data.plan.parameters {
        let values: Vec<&Value> = trials
            .iter()
            .filter_map(|(t, _)| t.params.get(&p.name))
            .collect();
        let xs = parameter_scale(p, &values);
        let ys = Scale::linear_over(trials.iter().map(|(_, v)| *v));
        let categorical = matches!(xs, Scale::Categories(_));
        let axis = match (&xs, p.distribution.scale()) {
            (Scale::Categories(_), _) => p.name.clone(),
            (_, Some("log")) => format!("{} (log scale)", p.name),
            _ => p.name.clone(),
        };
        let plot_title = format!("{} by {}", data.plan.objective.metric, p.name);
        let mut chart = Chart::new(
            372.0,
            280.0,
            xs,
            ys,
            Labels {
                title: &plot_title,
                x: &axis,
                y: &objective,
            },
        );
        let mut shown = 0;
        for &(t, v) in &trials {
            let Some(value) = t.params.get(&p.name) else {
                continue;
            };
            let Some(x) = parameter_position(&chart.x, value) else {
                continue;
            };
            let x = if categorical { x + spread(t.number) } else { x };
            let tip = format!(
                "trial {}: {} = {value}, {} = {}",
                t.number,
                p.name,
                data.plan.objective.metric,
                number(v)
            );
            chart.dot(x, v, 3.5, state_colour(t.state), &tip);
            shown += 1;
        }
        for state in ALL_STATES {
            if trials.iter().any(|(t, _)| t.state == state) {
                chart.legend(state.as_str(), state_colour(state), Mark::Dot);
            }
        }
        if shown < trials.len() {
            let note = format!("active in {shown} of {} trials", trials.len());
            let at = (chart.width - 20.0, 66.0);
            chart.text(at, "end", &note);
        }
        plots.push_str(&chart.finish(&plot_title));
    }
    plots.push_str("</div>");
    Section {
        id: "slices",
        title,
        body: format!(
            "<p>Each trial's value against each parameter, where the parameter is active.</p>{plots}"
        ),
    }
}
