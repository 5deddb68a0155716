//! `hps export STUDY --format csv|json|yaml [--curves]`: the study's trials (parameters, state, final
//! objective) or, with `--curves`, every epoch's metrics (in CSV beside the trial's configuration: a
//! file `trial = lookup(…)` replays). The JSON and YAML forms read back into [`Export`]: the
//! store's records as they are (times in Unix seconds). The CSV is for people and spreadsheets:
//! times in RFC 3339 UTC, and the store's one note per trial split into `error` (why a trial
//! failed) and `reason` (why it stopped early or waits at its rung).

use std::collections::{BTreeMap, BTreeSet};
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use serde::{Deserialize, Serialize};

use crate::cli::output::errln;
use crate::cli::tables::store_url;
use crate::cli::tables::{open_store, study_with_plan};
use crate::runtime::HeldOut;
use crate::storage::{MetricRow, TrialRecord, TrialState};

/// Export formats.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ExportFormat {
    /// One row per trial (or per epoch with `--curves`); times in RFC 3339 UTC, `error` for
    /// failed trials and `reason` for stopped or waiting ones.
    Csv,
    /// One document: the study, its objective, and its trials (or curves with `--curves`) as the
    /// store holds them (times in Unix seconds).
    Json,
    /// The same document as `json`, in YAML.
    Yaml,
}

/// Arguments of `hps export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The study's name.
    pub study: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ExportFormat::Csv)]
    pub format: ExportFormat,
    /// Export the per-epoch learning curves instead of one row per trial.
    #[arg(long)]
    pub curves: bool,
    /// The study store: a file (`PATH`, `sqlite://PATH`) or a server (`postgres://USER:PASS@HOST/DB`).
    #[arg(long, default_value = "hps.db", env = "HPS_STORAGE", value_parser = store_url)]
    pub storage: String,
}

/// What `--format json|yaml` writes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Export {
    /// The study's name.
    pub study: String,
    /// The metric it optimises.
    pub objective: String,
    /// Whether the objective is maximised or minimised (`maximize` / `minimize`; empty in exports
    /// written before it was added).
    #[serde(default)]
    pub direction: String,
    /// Every trial (without `--curves`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trials: Vec<TrialRecord>,
    /// Every epoch's metrics (with `--curves`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub curves: Vec<MetricRow>,
    /// The held-out test metric (`test.accuracy`), when trials have a value of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_metric: Option<String>,
    /// Each trial's value of the test metric, by trial number (without `--curves`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub test: BTreeMap<u64, f64>,
}

/// Runs `hps export`.
pub fn run(args: &ExportArgs) -> ExitCode {
    let Some(store) = open_store(&args.storage) else {
        return ExitCode::from(1);
    };
    let Some((study, plan)) = study_with_plan(store.as_ref(), &args.study) else {
        return ExitCode::from(1);
    };
    let (trials, curves) = match (
        store.trials(study.id),
        if args.curves {
            store.curves(study.id)
        } else {
            Ok(Vec::new())
        },
    ) {
        (Ok(t), Ok(c)) => (t, c),
        (Err(e), _) | (_, Err(e)) => {
            errln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let Some(test) = crate::cli::tables::held_out_of(store.as_ref(), &study, &plan) else {
        return ExitCode::from(1);
    };
    let test_metric = (!test.values.is_empty()).then(|| test.metric.clone());
    let export = Export {
        study: study.name.clone(),
        objective: plan.objective.metric.clone(),
        direction: crate::cli::tables::direction_word(plan.objective.direction).to_owned(),
        trials: if args.curves {
            Vec::new()
        } else {
            trials.clone()
        },
        curves,
        test_metric,
        test: if args.curves {
            BTreeMap::new()
        } else {
            test.values.clone()
        },
    };
    let text = match args.format {
        ExportFormat::Json => serde_json::to_string_pretty(&export)
            .map(|s| s + "\n")
            .map_err(|e| e.to_string()),
        ExportFormat::Yaml => serde_saphyr::to_string(&export).map_err(|e| e.to_string()),
        ExportFormat::Csv if args.curves => Ok(curves_csv(&export.curves, &trials)),
        ExportFormat::Csv => Ok(trials_csv(&trials, &test)),
    };
    match text {
        Ok(text) => crate::cli::output::print_stdout(&text),
        Err(e) => {
            errln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

fn csv_cell(text: &str) -> String {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// Every configuration key of the trials, sorted: their parameter columns.
fn parameter_columns(trials: &[TrialRecord]) -> BTreeSet<&str> {
    trials
        .iter()
        .flat_map(|t| t.params.keys().map(String::as_str))
        .collect()
}

/// The trial's value of each parameter column, as CSV cells (each after a comma).
fn parameter_cells(trial: Option<&TrialRecord>, params: &BTreeSet<&str>, out: &mut String) {
    for p in params {
        out.push(',');
        if let Some(v) = trial.and_then(|t| t.params.get(*p)) {
            out.push_str(&csv_cell(&v.to_string()));
        }
    }
}

fn trials_csv(trials: &[TrialRecord], test: &HeldOut) -> String {
    let params = parameter_columns(trials);
    let mut out = String::from("trial,state,value,epochs,seed,started_at,finished_at,error,reason");
    let test_column = !test.values.is_empty();
    if test_column {
        out.push(',');
        out.push_str(&test.metric);
    }
    for p in &params {
        out.push(',');
        out.push_str(p);
    }
    out.push('\n');
    let opt = |v: Option<f64>| v.map_or_else(String::new, |v| v.to_string());
    let time = |v: Option<f64>| v.map_or_else(String::new, crate::timestamp::rfc3339);
    for t in trials {
        // The store keeps one text: why a trial failed, or why it stopped or waits.
        let note = csv_cell(t.error.as_deref().unwrap_or(""));
        let (error, reason) = if t.state == TrialState::Failed {
            (note.as_str(), "")
        } else {
            ("", note.as_str())
        };
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{error},{reason}",
            t.number,
            t.state,
            opt(t.value),
            t.epochs,
            t.seed,
            time(t.started_at),
            time(t.finished_at),
        ));
        if test_column {
            out.push(',');
            out.push_str(&opt(test.values.get(&t.number).copied()));
        }
        parameter_cells(Some(t), &params, &mut out);
        out.push('\n');
    }
    out
}

/// One row per (trial, epoch): the trial's configuration, then its metrics — the format
/// `trial = lookup(…)` replays.
fn curves_csv(rows: &[MetricRow], trials: &[TrialRecord]) -> String {
    let names: BTreeSet<&str> = rows.iter().map(|r| r.name.as_str()).collect();
    let params = parameter_columns(trials);
    let by_number: std::collections::BTreeMap<u64, &TrialRecord> =
        trials.iter().map(|t| (t.number, t)).collect();
    let mut out = String::from("trial,epoch");
    for p in &params {
        out.push(',');
        out.push_str(p);
    }
    for n in &names {
        out.push(',');
        out.push_str(n);
    }
    out.push('\n');
    let mut i = 0;
    while i < rows.len() {
        let (trial, epoch) = (rows[i].trial, rows[i].epoch);
        let mut cells = std::collections::BTreeMap::new();
        while i < rows.len() && rows[i].trial == trial && rows[i].epoch == epoch {
            cells.insert(rows[i].name.as_str(), rows[i].value);
            i += 1;
        }
        out.push_str(&format!("{trial},{epoch}"));
        parameter_cells(by_number.get(&trial).copied(), &params, &mut out);
        for n in &names {
            out.push(',');
            out.push_str(&cells.get(n).map_or_else(String::new, ToString::to_string));
        }
        out.push('\n');
    }
    out
}
