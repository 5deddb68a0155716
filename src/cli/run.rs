//! `hps run FILE`: checks the file, compiles the study's plan, loads the data and trains every trial
//! the budget allows, recording each epoch in the study store; running it again continues the study.
//! A run whose trials all failed, or that gave up after `--max-failures` failures of one kind, exits
//! 1 with the reason.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use clap::Args;

use crate::cli::output::{errln, print_diagnostics};
use crate::cli::study_arg::load_study;
use crate::cli::tables::store_url;
use crate::diagnostic::{Code, Diagnostic};
use crate::plan::DevicePlan;
use crate::plan::Plan;
use crate::runtime::{Environment, RunError, RunOptions, StopReason};
use crate::semantic::{Checked, Study};
use crate::storage::StoreError;

/// Arguments of `hps run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The .hps file.
    pub file: PathBuf,
    /// The study to run (needed when the file has several).
    #[arg(long)]
    pub study: Option<String>,
    /// The study store: a file (`PATH`, `sqlite://PATH`) or a server (`postgres://USER:PASS@HOST/DB`).
    #[arg(long, default_value = "hps.db", env = "HPS_STORAGE", value_parser = store_url)]
    pub storage: String,
    /// Delete the study's earlier trials and start over.
    #[arg(long)]
    pub fresh: bool,
    /// Trials at once (default: the budget's `parallel`).
    #[arg(long)]
    pub parallel: Option<usize>,
    /// Where to train: `auto`, `cpu` or `cuda(N)` (default: the study's `device`).
    #[arg(long)]
    pub device: Option<String>,
    /// How long a trial this worker claimed stays its own without a heartbeat (`30s`, `2m`): when
    /// a worker dies, its trials go back to the queue this long after its last sign of life.
    #[arg(long, value_parser = lease)]
    pub lease: Option<f64>,
    /// A folder every worker's machine sees (a shared file system) to keep trial folders and
    /// checkpoints in; by default they go beside a store file, or into a database store itself.
    #[arg(long, value_name = "DIR")]
    pub artifacts: Option<PathBuf>,
    /// Keep the checkpoints of trials that end without completing (stopped, not promoted, failed).
    #[arg(long)]
    pub keep_checkpoints: bool,
    /// When the run ends, keep the trained networks (checkpoints) of only the best K complete
    /// trials; trials that may still be promoted keep theirs.
    #[arg(long, value_name = "K")]
    pub keep_best: Option<u32>,
    /// Give up (start no new trial, exit 1) once this many trials of the run failed the same way
    /// before any succeeded; 0 never gives up.
    #[arg(long, value_name = "N", default_value_t = crate::runtime::DEFAULT_MAX_FAILURES)]
    pub max_failures: u32,
    /// Print only the summary.
    #[arg(long, short)]
    pub quiet: bool,
}

/// A lease's length: a duration such as `30s` or `2m`, at least a second.
fn lease(text: &str) -> Result<f64, String> {
    let text = text.trim();
    let unit = text.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.');
    if !matches!(unit, "" | "ms" | "s" | "m" | "h") || unit.len() == text.len() {
        return Err(format!(
            "`{text}` is not a duration: write a number with s, m or h, such as 30s"
        ));
    }
    let seconds = crate::syntax::parser::parse_duration(text);
    if seconds.is_finite() && seconds >= 1.0 {
        Ok(seconds)
    } else {
        Err(format!(
            "a lease of `{text}` is too short: give it at least 1s"
        ))
    }
}

/// Runs `hps run`.
pub fn run(args: &RunArgs) -> ExitCode {
    let (checked, index) = match load_study(&args.file, args.study.as_deref()) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let study = &checked.program.studies[index];
    let mut plan = crate::lower::plan(study, &checked.program);
    plan.store = args.storage.clone();
    if let Some(device) = &args.device {
        match DevicePlan::parse(device) {
            Some(parsed) => plan.device = parsed,
            None => {
                errln!("error: --device takes auto, cpu or cuda(N), not `{device}`");
                return ExitCode::from(2);
            }
        }
    }
    match execute(&checked, study, &plan, args) {
        Ok(code) => code,
        Err(diagnostic) => {
            let report = Checked {
                diagnostics: vec![*diagnostic],
                ..checked.clone()
            };
            print_diagnostics(&report);
            ExitCode::from(1)
        }
    }
}

fn field_span(study: &Study, field: &str) -> crate::syntax::Span {
    study.field_spans.get(field).copied().unwrap_or(study.span)
}

/// Where a field the wiring refused is written: the dataset's declaration for `data`, else the
/// study's field.
fn wiring_span(checked: &Checked, study: &Study, plan: &Plan, field: &str) -> crate::syntax::Span {
    if field == "data" {
        if let Some(dataset) = plan
            .data
            .as_ref()
            .and_then(|d| checked.program.datasets.get(&d.name))
        {
            return dataset.span;
        }
    }
    field_span(study, field)
}

fn execute(
    checked: &Checked,
    study: &Study,
    plan: &Plan,
    args: &RunArgs,
) -> Result<ExitCode, Box<Diagnostic>> {
    let workdir = match args.file.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let options = RunOptions {
        store: plan.store.clone(),
        fresh: args.fresh,
        parallel: args
            .parallel
            .unwrap_or_else(|| usize::try_from(plan.budget.parallel).unwrap_or(1))
            .max(1),
        trials_dir: args.artifacts.clone(),
        lease: args
            .lease
            .map_or(RunOptions::DEFAULT_LEASE, Duration::from_secs_f64),
        keep_checkpoints: args.keep_checkpoints,
        keep_best: args.keep_best,
        max_failures: args.max_failures,
        quiet: args.quiet,
    };
    let stop = Arc::new(AtomicBool::new(false));
    install_interrupt(&stop);
    let started = std::time::Instant::now();
    if !args.quiet {
        errln!(
            "running study {} from {} (store {})",
            plan.study,
            plan.file,
            plan.store
        );
    }
    let environment = Environment::new(workdir);
    let summary = match crate::runtime::run(plan, environment, &options, Arc::clone(&stop)) {
        Ok(summary) => summary,
        Err(RunError::Store(StoreError::PlanChanged { study: name })) => {
            let changed = stored_changes(plan, &name);
            let label = if changed.is_empty() {
                String::from("changed since its trials ran")
            } else {
                format!("changed since its trials ran: {}", changed.join(", "))
            };
            return Err(Box::new(
                Diagnostic::error(Code::StudyChanged, study.span, format!("study `{name}` is already in {} with a different search space", plan.store))
                    .with_label(label)
                    .with_help("run with `--fresh` to discard its trials, or give the study a new name to keep both"),
            ));
        }
        Err(RunError::Wiring(e)) => {
            let span = wiring_span(checked, study, plan, e.field);
            return Err(Box::new(
                Diagnostic::error(e.code, span, e.message)
                    .with_label(e.label)
                    .with_help_opt(e.help),
            ));
        }
        Err(e) => {
            errln!("error: {e}");
            return Ok(ExitCode::from(1));
        }
    };
    crate::cli::tables::print_summary(plan, &summary, started.elapsed());
    if summary.reason == StopReason::Interrupted || stop.load(Ordering::SeqCst) {
        return Ok(ExitCode::from(130));
    }
    if let Some(failure) = &summary.failure {
        errln!("error: {failure}");
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// What changed in `plan` since the stored study `name` ran (nothing when the store cannot say).
fn stored_changes(plan: &Plan, name: &str) -> Vec<String> {
    let Ok(store) = crate::storage::open_with(&plan.store, crate::storage::OpenMode::ReadOnly)
    else {
        return Vec::new();
    };
    store
        .study(name)
        .ok()
        .flatten()
        .and_then(|study| serde_json::from_str::<Plan>(&study.plan_json).ok())
        .map(|stored| crate::runtime::identity_changes(&stored, plan))
        .unwrap_or_default()
}

/// The first Ctrl-C asks the run to stop after the running epochs; the second exits at once.
fn install_interrupt(stop: &Arc<AtomicBool>) {
    let flag = Arc::clone(stop);
    let _ = ctrlc::set_handler(move || {
        if flag.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
        errln!("\nstopping after the running epochs (Ctrl-C again to quit at once)…");
    });
}
