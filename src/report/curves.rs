//! Learning curves: the objective after every epoch of every trial, coloured by the state the
//! trial is in. A trial the stopping rule ended early is marked where it stopped, with a dashed
//! line to the final value the rule predicted for it (a diamond at the end of its stage), the
//! prediction's ±σ band there and the reference value it had to beat (stores before migration 11
//! keep only the value), so what early stopping decided can be checked by eye.

use super::svg::{Chart, Labels, Mark, Scale, number};
use super::{Section, StudyData, empty_note, state_colour};
use crate::storage::ALL_STATES;

/// The colour of predictions (black: they belong to no state).
const PREDICTION: &str = "#000000";

/// The fill of a prediction's ±σ band (the prediction's black, translucent).
const BAND: &str = "rgba(0, 0, 0, 0.18)";

/// The colour of the reference value a prediction was compared against (Okabe–Ito vermillion).
const REFERENCE: &str = "#D55E00";

/// Where a stopped trial's stage would have ended and what the stopping rule predicted there.
struct Stop {
    trial: u64,
    stopped_at: u32,
    end: f64,
    predicted: f64,
    /// The prediction's σ and the value it had to beat, when the store has them.
    spread: Option<(f64, f64)>,
}

/// The learning-curves section.
#[must_use]
pub fn section(data: &StudyData) -> Section {
    let trials: Vec<_> = data
        .trials
        .iter()
        .filter_map(|t| data.curves.get(&t.number).map(|c| (t, c)))
        .filter(|(_, c)| !c.is_empty())
        .collect();
    if trials.is_empty() {
        return Section {
            id: "curves",
            title: String::from("Learning curves"),
            body: empty_note("No trial has recorded an epoch yet."),
        };
    }
    // Where each stopped trial's stage would have ended, and the value predicted there.
    let predictions: Vec<Stop> = trials
        .iter()
        .filter_map(|(t, c)| {
            let predicted = t.predicted?;
            let end = t
                .target_epochs
                .map(u64::from)
                .or(data.plan.scheduler.epochs_per_trial)
                .unwrap_or(c.len() as u64);
            #[allow(clippy::cast_precision_loss)]
            let end = end as f64;
            let spread = t.predicted_sigma.zip(t.predicted_reference);
            Some(Stop {
                trial: t.number,
                stopped_at: t.epochs,
                end,
                predicted,
                spread,
            })
        })
        .collect();
    #[allow(clippy::cast_precision_loss)]
    let longest = trials.iter().map(|(_, c)| c.len()).max().unwrap_or(1) as f64;
    let xs = Scale::linear_over(
        [1.0, longest]
            .into_iter()
            .chain(predictions.iter().map(|p| p.end)),
    );
    let ys = Scale::linear_over(trials.iter().flat_map(|(_, c)| c.iter().copied()).chain(
        predictions.iter().flat_map(|p| {
            let (sigma, reference) = p.spread.unwrap_or((0.0, p.predicted));
            [p.predicted - sigma, p.predicted + sigma, reference]
        }),
    ));
    let objective = data.objective_label();
    let title = "Learning curves";
    let mut chart = Chart::new(
        760.0,
        400.0,
        xs,
        ys,
        Labels {
            title,
            x: "epoch",
            y: &objective,
        },
    );
    for (t, curve) in &trials {
        #[allow(clippy::cast_precision_loss)]
        let points: Vec<(f64, f64)> = curve
            .iter()
            .enumerate()
            .map(|(e, v)| ((e + 1) as f64, *v))
            .collect();
        let tip = format!("trial {} ({}, {} epochs)", t.number, t.state, curve.len());
        chart.line(&points, state_colour(t.state), false, &tip);
    }
    for stop in &predictions {
        let (trial, stopped_at, end, predicted) =
            (stop.trial, stop.stopped_at, stop.end, stop.predicted);
        if let Some((sigma, reference)) = stop.spread {
            let x = chart.px(end);
            chart.pixel_rect(
                (x - 4.0, x + 4.0),
                (chart.py(predicted - sigma), chart.py(predicted + sigma)),
                BAND,
                &format!(
                    "trial {trial}: predicted {} ± {} (σ) at epoch {end}",
                    number(predicted),
                    number(sigma)
                ),
            );
            let y = chart.py(reference);
            chart.pixel_line(
                (x - 9.0, y),
                (x + 9.0, y),
                REFERENCE,
                &format!(
                    "trial {trial}: the value it had to beat, {}",
                    number(reference)
                ),
            );
        }
        let Some((t, curve)) = trials.iter().find(|(t, _)| t.number == trial) else {
            continue;
        };
        let last = curve
            .get(stopped_at.saturating_sub(1) as usize)
            .copied()
            .unwrap_or(f64::NAN);
        let at = f64::from(stopped_at);
        chart.line(
            &[(at, last), (end, predicted)],
            PREDICTION,
            true,
            &format!("trial {trial}: from where it stopped to the prediction"),
        );
        chart.dot(
            at,
            last,
            4.0,
            state_colour(t.state),
            &format!(
                "trial {trial} stopped at epoch {stopped_at} with {}",
                number(last)
            ),
        );
        chart.diamond(
            end,
            predicted,
            5.0,
            PREDICTION,
            &format!(
                "trial {trial}: the stopping rule predicted {} at epoch {end}",
                number(predicted)
            ),
        );
    }
    for state in ALL_STATES {
        if trials.iter().any(|(t, _)| t.state == state) {
            chart.legend(state.as_str(), state_colour(state), Mark::Line);
        }
    }
    if !predictions.is_empty() {
        chart.legend("predicted final value", PREDICTION, Mark::Diamond);
    }
    if predictions.iter().any(|p| p.spread.is_some()) {
        chart.legend("± σ of the prediction", BAND, Mark::Square);
        chart.legend("value it had to beat", REFERENCE, Mark::Line);
    }
    let intro = if predictions.is_empty() {
        String::from("<p>The objective after every epoch of every trial.</p>")
    } else {
        format!(
            "<p>The objective after every epoch of every trial. {} trials were stopped early by the \
             stopping rule ({}): each is marked where it stopped, with a dashed line to the final \
             value the rule predicted for it, the prediction's ±σ band there, and the value it \
             had to beat (a short orange line).</p>",
            predictions.len(),
            super::svg::esc(data.plan.stopping.name())
        )
    };
    Section {
        id: "curves",
        title: String::from(title),
        body: format!("{intro}{}", chart.finish(title)),
    }
}
