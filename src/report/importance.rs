//! Parameter importance: each parameter's share of the variance of the objective, by fANOVA
//! ([`crate::importance`]), as horizontal bars, most important first, with what it was computed
//! from (how many trials, at which epoch, which conditional parameters were left out).

use super::svg::{Chart, Labels, Scale, esc, number, series_colour};
use super::{Section, StudyData, empty_note};
use crate::importance;

/// The importance section.
#[must_use]
pub fn section(data: &StudyData) -> Section {
    let title = "Parameter importance";
    let found = match importance::of_study(&data.plan, &data.trials, &data.curves) {
        Ok(found) => found,
        Err(e) => {
            return Section {
                id: "importance",
                title: String::from(title),
                body: empty_note(&format!("No importances: {e}.")),
            };
        }
    };
    let names: Vec<String> = found.params.iter().map(|i| i.name.clone()).collect();
    let high = found
        .params
        .iter()
        .map(|i| i.importance)
        .fold(0.0, f64::max)
        .max(0.01)
        * 1.15;
    #[allow(clippy::cast_precision_loss)]
    let height = 110.0 + 30.0 * names.len() as f64;
    let mut chart = Chart::new(
        760.0,
        height,
        Scale::Linear { low: 0.0, high },
        Scale::Categories(names),
        Labels {
            title,
            x: "share of the objective's variance (fANOVA main effect)",
            y: "parameter",
        },
    );
    let band = chart.y_band();
    let left = chart.px(0.0);
    for (k, i) in found.params.iter().enumerate() {
        #[allow(clippy::cast_precision_loss)]
        let centre = chart.py(k as f64);
        let right = chart.px(i.importance);
        let tip = format!(
            "{}: {} (± {} over the trees)",
            i.name,
            number(i.importance),
            number(i.spread)
        );
        chart.pixel_rect(
            (left, right),
            (centre - band * 0.3, centre + band * 0.3),
            series_colour(0),
            &tip,
        );
        chart.text(
            (right + 6.0, centre + 4.0),
            "start",
            &format!("{:.3}", i.importance),
        );
    }
    let body = format!(
        "<p>How much of the variance of {} each parameter explains on its own ({}); the shares \
         sum to 1.</p>{}",
        esc(&data.plan.objective.metric),
        esc(&found.provenance()),
        chart.finish(title)
    );
    Section {
        id: "importance",
        title: String::from(title),
        body,
    }
}
