//! `hps report`: a study as one self-contained HTML page of plots — a summary, the optimisation
//! history, every learning curve (stopped trials marked with the stopping rule's prediction), the
//! brackets and rungs, parallel coordinates, slice plots, parameter importance by fANOVA, the
//! timeline of trials per worker, failed trials with their errors, and for AutoHAS how the
//! controller's distributions evolved. [`StudyData`] is what the
//! page is drawn from, read from the store once ([`StudyData::load`]); each section is a module
//! that turns it into HTML ([`Section`]), the plots hand-written SVG ([`svg`]); [`html`] lays
//! the page out. Consumed by `cli::report` (`hps report`) and `cli::dashboard` (`hps dashboard`, the
//! same page served live).

pub mod controller;
pub mod curves;
pub mod failures;
pub mod history;
pub mod html;
pub mod importance;
pub mod parallel;
pub mod rungs;
pub mod slices;
pub mod summary;
pub mod svg;
pub mod timeline;

use std::collections::BTreeMap;

use crate::plan::{Direction, ParamPlan, Plan};
use crate::space::{Distribution, Value};
use crate::storage::{Storage, StoreError, StudyRecord, TrialRecord, TrialState, WorkerRecord};
use svg::Scale;

/// Everything the report shows of one study, read from the store.
#[derive(Debug, Clone)]
pub struct StudyData {
    /// The stored study.
    pub study: StudyRecord,
    /// Its plan.
    pub plan: Plan,
    /// Its trials by number.
    pub trials: Vec<TrialRecord>,
    /// The objective's curve of every trial that recorded one (`curve[e - 1]` after epoch `e`).
    pub curves: BTreeMap<u64, Vec<f64>>,
    /// The worker processes that ran it.
    pub workers: Vec<WorkerRecord>,
    /// AutoHAS' search, when the study ran one.
    pub autohas: Option<crate::autohas::state::SearchState>,
}

impl StudyData {
    /// Reads the trials, curves and workers of `study` (whose plan is `plan`).
    ///
    /// # Errors
    /// When the store cannot be read.
    pub fn load(store: &dyn Storage, study: StudyRecord, plan: Plan) -> Result<Self, StoreError> {
        let trials = store.trials(study.id)?;
        let curves = store.objective_curves(study.id, &plan.objective.metric)?;
        let workers = store.workers(study.id)?;
        let autohas = match &plan.strategy {
            Some(_) => store
                .sampler_state(study.id, crate::autohas::state::KEY)?
                .and_then(|bytes| crate::autohas::state::decode_state(&bytes).ok()),
            None => None,
        };
        Ok(StudyData {
            study,
            plan,
            trials,
            curves,
            workers,
            autohas,
        })
    }

    /// The objective's name with its direction: `val.accuracy (maximized)`.
    #[must_use]
    pub fn objective_label(&self) -> String {
        let direction = match self.plan.objective.direction {
            Direction::Maximize => "maximized",
            Direction::Minimize => "minimized",
        };
        format!("{} ({direction})", self.plan.objective.metric)
    }

    /// The trials that ended a stage with a finite value (what is ranked), by number.
    pub fn valued(&self) -> impl Iterator<Item = (&TrialRecord, f64)> + Clone {
        self.trials
            .iter()
            .filter(|t| t.state.has_ended_stage())
            .filter_map(|t| t.value.filter(|v| v.is_finite()).map(|v| (t, v)))
    }

    /// When the first trial started (Unix seconds; +∞ when none has).
    #[must_use]
    pub fn first_start(&self) -> f64 {
        self.trials
            .iter()
            .filter_map(|t| t.started_at)
            .fold(f64::INFINITY, f64::min)
    }

    /// Whether `a` is better than `b` for the study's direction.
    #[must_use]
    pub fn better(&self, a: f64, b: f64) -> bool {
        match self.plan.objective.direction {
            Direction::Maximize => a > b,
            Direction::Minimize => a < b,
        }
    }
}

/// One section of the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// Its anchor (`history`, `curves`, …).
    pub id: &'static str,
    /// Its heading.
    pub title: String,
    /// Its HTML: a short explanation, plots, tables.
    pub body: String,
}

/// The whole page of `data`, `generated_at` (Unix seconds) written in its footer: what `hps report`
/// writes.
#[must_use]
pub fn render(data: &StudyData, generated_at: f64) -> String {
    render_page(data, generated_at, None)
}

/// The page of `data` as `hps dashboard` serves it: the same sections, reloading itself as `live`
/// says (see [`html::Live`]).
#[must_use]
pub fn render_live(data: &StudyData, generated_at: f64, live: html::Live) -> String {
    render_page(data, generated_at, Some(live))
}

fn render_page(data: &StudyData, generated_at: f64, live: Option<html::Live>) -> String {
    let sections: Vec<Section> = [
        Some(summary::section(data)),
        controller::section(data),
        Some(history::section(data)),
        Some(curves::section(data)),
        Some(rungs::section(data)),
        Some(parallel::section(data)),
        Some(slices::section(data)),
        Some(importance::section(data)),
        Some(timeline::section(data)),
        Some(failures::section(data)),
    ]
    .into_iter()
    .flatten()
    .collect();
    html::page(data, &sections, generated_at, live)
}

/// The colour and legend name of a trial's state (Okabe–Ito, the same in every plot).
#[must_use]
pub fn state_colour(state: TrialState) -> &'static str {
    match state {
        TrialState::Complete => svg::PALETTE[0],
        TrialState::Stopped => svg::PALETTE[1],
        TrialState::Awaiting => svg::PALETTE[2],
        TrialState::Failed => svg::PALETTE[5],
        TrialState::Running => svg::PALETTE[3],
        TrialState::Queued => svg::PALETTE[4],
    }
}

/// How a parameter's values are placed on an axis: categories for `choice` and `ordinal` (in
/// their declared order) and for any non-numeric value, a log axis for log-scaled parameters, a
/// linear one otherwise.
#[must_use]
pub fn parameter_scale(param: &ParamPlan, values: &[&Value]) -> Scale {
    match &param.distribution {
        Distribution::Choice { values: options } | Distribution::Ordinal { values: options } => {
            Scale::Categories(options.iter().map(ToString::to_string).collect())
        }
        d => {
            let numbers = values.iter().filter_map(|v| v.as_f64());
            // The axis spans the parameter's whole domain, and any value recorded outside it.
            let bounds = d
                .bounds()
                .map(|(low, high)| [low, high])
                .unwrap_or_default();
            if d.scale() == Some("log") {
                Scale::log_over(numbers.chain(bounds))
            } else {
                Scale::linear_over(numbers.chain(bounds))
            }
        }
    }
}

/// Where `value` goes on `scale`: its number, or its category's index.
#[must_use]
pub fn parameter_position(scale: &Scale, value: &Value) -> Option<f64> {
    match scale {
        Scale::Categories(names) => {
            let text = value.to_string();
            names.iter().position(|n| *n == text).map(|k| {
                #[allow(clippy::cast_precision_loss)]
                let k = k as f64;
                k
            })
        }
        _ => value.as_f64(),
    }
}

/// A note for a section with nothing to plot.
#[must_use]
pub fn empty_note(text: &str) -> String {
    format!(r#"<p class="empty">{}</p>"#, svg::esc(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn param(distribution: Distribution) -> ParamPlan {
        ParamPlan {
            name: String::from("p"),
            scale: distribution.scale().map(str::to_owned),
            cardinality: distribution.cardinality(),
            distribution,
            condition: None,
            doc: None,
        }
    }

    #[test]
    fn parameters_get_the_axis_of_their_distribution() {
        let lr = param(Distribution::LogUniform {
            low: 1e-4,
            high: 1.0,
        });
        let scale = parameter_scale(&lr, &[&Value::Float(0.01)]);
        assert!(matches!(scale, Scale::Log { low, high } if low < 1e-4 && high > 1.0));
        let act = param(Distribution::Choice {
            values: vec![Value::Str("relu".into()), Value::Str("gelu".into())],
        });
        let scale = parameter_scale(&act, &[]);
        assert_eq!(scale, Scale::Categories(vec!["relu".into(), "gelu".into()]));
        assert_eq!(
            parameter_position(&scale, &Value::Str("gelu".into())),
            Some(1.0)
        );
        let width = param(Distribution::Int {
            low: 8,
            high: 64,
            log: false,
            step: 8,
        });
        let scale = parameter_scale(&width, &[]);
        assert!(matches!(scale, Scale::Linear { low, high } if low < 8.0 && high > 64.0));
    }
}
