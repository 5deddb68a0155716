//! `hps run FILE`: checks the file, compiles the study's plan, loads the data and trains every trial
//! the budget allows, recording each epoch in the study store; running it again continues the study.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use clap::Args;

use crate::cli::output::{errln, print_diagnostics};
use crate::cli::study_arg::load_study;
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
    /// The study store: a path or `sqlite://PATH`.
    #[arg(long, default_value = "hps.db", env = "HPS_STORAGE")]
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
    /// Print only the summary.
    #[arg(long, short)]
    pub quiet: bool,
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
        trials_dir: None,
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
            return Err(Box::new(
                Diagnostic::error(Code::StudyChanged, study.span, format!("study `{name}` is already in {} with a different search space", plan.store))
                    .with_label("changed since its trials ran")
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
    crate::cli::report::print_summary(plan, &summary, started.elapsed());
    if summary.reason == StopReason::Interrupted || stop.load(Ordering::SeqCst) {
        return Ok(ExitCode::from(130));
    }
    Ok(ExitCode::SUCCESS)
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
