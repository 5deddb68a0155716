//! AutoHAS' search, for a study run with `strategy = autohas(…)`: how the controller's
//! distribution over each searched parameter moved epoch by epoch (one line per alternative or
//! basis), and the mean reward, the baseline and the leading path's validation value per epoch —
//! read from the search state the strategy keeps in the store.

use super::svg::{Chart, Labels, Mark, Scale, series_colour};
use super::{Section, StudyData};
use crate::autohas::state::SearchState;

/// The section, when the study ran AutoHAS.
#[must_use]
pub fn section(data: &StudyData) -> Option<Section> {
    let search = data.autohas.as_ref()?;
    let mut body = format!(
        "<p>The controller's probability of each alternative after every super-network epoch \
         ({} of warm-up sample uniformly), then the search's rewards.{}</p>",
        search.history.iter().filter(|r| !r.searching).count(),
        search
            .ended
            .as_ref()
            .map(|why| format!(" The search ended early: {}.", super::svg::esc(why)))
            .unwrap_or_default()
    );
    for choice in &search.controller.choices {
        body.push_str(&probabilities(search, &choice.name, &choice.values));
    }
    body.push_str(&rewards(search, &data.plan.objective.metric));
    Some(Section {
        id: "autohas",
        title: String::from("AutoHAS search"),
        body,
    })
}

fn epochs(search: &SearchState) -> Scale {
    Scale::linear_over(
        std::iter::once(0.0).chain(search.history.iter().map(|r| f64::from(r.epoch))),
    )
}

/// One parameter's probabilities by epoch, starting from the uniform distribution at epoch 0.
fn probabilities(search: &SearchState, name: &str, values: &[crate::space::Value]) -> String {
    let title = format!("Controller: {name}");
    let mut chart = Chart::new(
        760.0,
        300.0,
        epochs(search),
        Scale::Linear {
            low: 0.0,
            high: 1.0,
        },
        Labels {
            title: &title,
            x: "super-network epoch",
            y: "probability",
        },
    );
    #[allow(clippy::cast_precision_loss)]
    let uniform = 1.0 / values.len().max(1) as f64;
    for (k, value) in values.iter().enumerate() {
        let points: Vec<(f64, f64)> = std::iter::once((0.0, uniform))
            .chain(search.history.iter().filter_map(|r| {
                r.probabilities
                    .get(name)
                    .and_then(|p| p.get(k))
                    .map(|p| (f64::from(r.epoch), *p))
            }))
            .collect();
        let label = format!("{name} = {value}");
        chart.line(&points, series_colour(k), false, &label);
        chart.legend(&value.to_string(), series_colour(k), Mark::Line);
    }
    chart.finish(&title)
}

/// Mean reward, baseline and the leading path's validation value by epoch.
fn rewards(search: &SearchState, metric: &str) -> String {
    let series: [(&str, Vec<(f64, f64)>); 3] = [
        (
            "mean reward",
            search
                .history
                .iter()
                .filter_map(|r| r.mean_reward.map(|v| (f64::from(r.epoch), v)))
                .collect(),
        ),
        (
            "baseline",
            search
                .history
                .iter()
                .filter_map(|r| r.baseline.map(|v| (f64::from(r.epoch), v)))
                .collect(),
        ),
        (
            metric,
            search
                .history
                .iter()
                .filter_map(|r| r.leading.get(metric).map(|v| (f64::from(r.epoch), *v)))
                .collect(),
        ),
    ];
    let ys = Scale::linear_over(series.iter().flat_map(|(_, s)| s.iter().map(|p| p.1)));
    let title = "Rewards and the leading path";
    let mut chart = Chart::new(
        760.0,
        300.0,
        epochs(search),
        ys,
        Labels {
            title,
            x: "super-network epoch",
            y: "reward / validation value",
        },
    );
    for (k, (label, points)) in series.iter().enumerate() {
        if points.is_empty() {
            continue;
        }
        chart.line(points, series_colour(k), k == 1, label);
        chart.legend(
            label,
            series_colour(k),
            if k == 1 { Mark::Dashed } else { Mark::Line },
        );
    }
    chart.finish(title)
}
