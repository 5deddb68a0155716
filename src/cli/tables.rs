//! Tables and summaries the CLI prints about stored studies and trials (`hps run`'s summary,
//! `hps status`, `hps best`, `hps trials`), and opening the store they read.

use std::fmt::Write as _;
use std::time::Duration;

use crate::cli::output::{errln, outln};
use crate::plan::Direction;
use crate::plan::Plan;
use crate::runtime::{HeldOut, RunSummary, StopReason};
use crate::space::{Config, Value};
use crate::storage::{self, OpenMode, Storage, StoreError, StudyRecord, TrialRecord, TrialState};

/// `--storage`'s value parser: an empty or unsupported URL is a usage error.
///
/// # Errors
/// Why the URL names no store.
pub fn store_url(url: &str) -> Result<String, String> {
    storage::check_url(url)
        .map(|()| url.to_owned())
        .map_err(|e| e.to_string())
}

/// Opens the store to read, or prints why not. Reading commands never create a store, and read
/// one the user may not write.
pub fn open_store(url: &str) -> Option<Box<dyn Storage>> {
    match storage::open_with(url, OpenMode::ReadOnly) {
        Ok(store) => Some(store),
        Err(e @ StoreError::Absent(_)) => {
            errln!("error: {e}; `hps run` creates a store, and `--storage` names another");
            None
        }
        Err(e) => {
            errln!("error: {e}");
            None
        }
    }
}

/// The plan a stored study was run with, or prints why it cannot be read.
pub fn plan_of(study: &StudyRecord) -> Option<Plan> {
    match stored_plan(study) {
        Ok(plan) => Some(plan),
        Err(e) => {
            errln!("error: {e}");
            None
        }
    }
}

/// The plan a stored study was run with, or why it cannot be read (for [`plan_of`] and the
/// dashboard, which shows the reason on a page instead of printing it).
///
/// # Errors
/// The stored plan is not a plan this version of hps reads.
pub fn stored_plan(study: &StudyRecord) -> Result<Plan, String> {
    serde_json::from_str::<Plan>(&study.plan_json)
        .map_err(|e| format!("the stored plan of `{}` cannot be read: {e}", study.name))
}

/// The trial states `hps status` and the dashboard's index count, in their column order.
pub const STATE_COLUMNS: [&str; 6] = [
    "complete", "awaiting", "stopped", "failed", "queued", "running",
];

/// `maximize val.accuracy = 0.9712 (trial 7)`: a study's best trial as `hps status` and the
/// dashboard's index show it; none before a trial ended a stage with a value, or when its trials
/// cannot be read.
pub fn best_line(store: &dyn Storage, study: &StudyRecord, plan: &Plan) -> Option<String> {
    let trials = store.trials(study.id).ok()?;
    crate::runtime::best_trial(&trials, plan.objective.direction).map(|b| {
        format!(
            "{} {} = {:.4} (trial {})",
            direction_word(plan.objective.direction),
            plan.objective.metric,
            b.value.unwrap_or(f64::NAN),
            b.number
        )
    })
}

/// The stored study `name`, with its plan, or prints why not.
pub fn study_with_plan(store: &dyn Storage, name: &str) -> Option<(StudyRecord, Plan)> {
    match store.study(name) {
        Ok(Some(study)) => plan_of(&study).map(|plan| (study, plan)),
        Ok(None) => {
            let names: Vec<String> = store
                .studies()
                .map(|s| s.into_iter().map(|s| s.study.name).collect())
                .unwrap_or_default();
            errln!(
                "error: no study `{name}` in the store; studies: {}",
                if names.is_empty() {
                    String::from("none")
                } else {
                    names.join(", ")
                }
            );
            None
        }
        Err(e) => {
            errln!("error: {e}");
            None
        }
    }
}

/// `lr = 0.0123, width = 64` with the plan's searched parameters only.
#[must_use]
pub fn searched(plan: &Plan, config: &Config) -> Vec<(String, String)> {
    plan.parameters
        .iter()
        .filter_map(|p| config.get(&p.name).map(|v| (p.name.clone(), v.short())))
        .collect()
}

/// The end-of-run summary.
pub fn print_summary(plan: &Plan, summary: &RunSummary, elapsed: Duration) {
    let count = |state: &str| {
        summary
            .trials
            .iter()
            .filter(|t| t.state.as_str() == state)
            .count()
    };
    let reason = match summary.reason {
        StopReason::Trials => "the trial budget is spent",
        StopReason::Epochs => "the epoch budget is spent",
        StopReason::Time => "the time budget is spent",
        StopReason::Exhausted => "the sampler has proposed every configuration",
        StopReason::Interrupted => "interrupted; run the same command again to continue",
        StopReason::Failures => "trials kept failing the same way",
    };
    let awaiting = match count("awaiting") {
        0 => String::new(),
        n => format!(", {n} awaiting their rung"),
    };
    outln!(
        "study {}: {} trials ({} complete{awaiting}, {} stopped, {} failed, {} queued); {} finished in this run, {:.1}s; {reason}",
        plan.study,
        summary.trials.len(),
        count("complete"),
        count("stopped"),
        count("failed"),
        count("queued"),
        summary.finished_now,
        elapsed.as_secs_f64()
    );
    if plan.stopping != crate::plan::StoppingPlan::None {
        outln!(
            "early stopping ({}): {} trials stopped early in this run, {} epochs saved",
            plan.stopping.name(),
            summary.stopped_early,
            summary.epochs_saved
        );
    }
    if summary.checkpoints_removed > 0 {
        outln!(
            "removed the checkpoints of {} complete trial(s) outside the best (--keep-best)",
            summary.checkpoints_removed
        );
    }
    match &summary.best {
        Some(best) => print_best(plan, best, &summary.test),
        None => outln!("no trial has finished with a value yet"),
    }
}

/// The best trial with its parameters, and its value on the held-out test rows when it has one.
pub fn print_best(plan: &Plan, best: &TrialRecord, test: &HeldOut) {
    outln!(
        "best: trial {} with {} = {} after {} epochs",
        best.number,
        plan.objective.metric,
        best.value
            .map_or_else(|| String::from("-"), |v| format!("{v:.4}")),
        best.epochs
    );
    if let Some(value) = test.values.get(&best.number) {
        outln!("  held out: {} = {value:.4}", test.metric);
    }
    for (name, value) in searched(plan, &best.params) {
        outln!("  {name} = {value}");
    }
}

/// The trial table; a failed trial's last column says why on one line (its reason and the last
/// line of its trainer's stderr).
#[must_use]
pub fn trials_table(plan: &Plan, trials: &[TrialRecord], test: &HeldOut) -> String {
    let mut out = String::new();
    let names: Vec<&str> = plan.parameters.iter().map(|p| p.name.as_str()).collect();
    let _ = write!(
        out,
        "{:>6}  {:<9} {:>10} {:>6}",
        "trial",
        "state",
        plan.objective.metric.as_str(),
        "epochs"
    );
    let test_column = !test.values.is_empty();
    if test_column {
        let _ = write!(out, "  {}", test.metric);
    }
    for n in &names {
        let _ = write!(out, "  {n}");
    }
    out.push_str("  error\n");
    for t in trials {
        let value = t
            .value
            .map_or_else(|| String::from("-"), |v| format!("{v:.4}"));
        let _ = write!(
            out,
            "{:>6}  {:<9} {:>10} {:>6}",
            t.number,
            t.state.as_str(),
            value,
            t.epochs
        );
        if test_column {
            let cell = test
                .values
                .get(&t.number)
                .map_or_else(|| String::from("-"), |v| format!("{v:.4}"));
            let _ = write!(out, "  {cell:>w$}", w = test.metric.len());
        }
        for n in &names {
            let cell = t
                .params
                .get(*n)
                .map_or_else(|| String::from("-"), Value::short);
            let _ = write!(out, "  {cell:>w$}", w = n.len());
        }
        let error = match (&t.state, &t.error) {
            (TrialState::Failed, Some(reason)) => crate::runtime::failures::one_line(reason),
            _ => String::from("-"),
        };
        let _ = writeln!(out, "  {error}");
    }
    out
}

/// `max`/`min` word for a direction.
#[must_use]
pub fn direction_word(direction: Direction) -> &'static str {
    match direction {
        Direction::Maximize => "maximize",
        Direction::Minimize => "minimize",
    }
}

/// The held-out test values of a stored study, or prints why they cannot be read.
pub fn held_out_of(store: &dyn Storage, study: &StudyRecord, plan: &Plan) -> Option<HeldOut> {
    match crate::runtime::held_out(store, study.id, &plan.objective) {
        Ok(test) => Some(test),
        Err(e) => {
            errln!("error: {e}");
            None
        }
    }
}
