//! `hps run FILE`: checks the file, compiles the study's plan, loads the data and trains every trial
//! the budget allows, recording each epoch in the study store; running it again continues the study.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use clap::Args;

use crate::cli::output::print_diagnostics;
use crate::cli::study_arg::load_study;
use crate::diagnostic::{Code, Diagnostic};
use crate::plan::Plan;
use crate::plan::{DevicePlan, TrainerPlan as TrainerKind};
use crate::runtime::{RunError, RunOptions, StopReason};
use crate::semantic::{Checked, Study};
use crate::storage::StoreError;
use crate::trial::Trainer;

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
                eprintln!("error: --device takes auto, cpu or cuda(N), not `{device}`");
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

/// What this build cannot run yet, as a diagnostic at the field that asks for it.
fn unsupported(study: &Study, plan: &Plan) -> Option<Diagnostic> {
    let refuse = |field: &str, what: &str, help: &str| {
        Some(
            Diagnostic::error(Code::Unsupported, field_span(study, field), what.to_owned())
                .with_label("not available")
                .with_help(help.to_owned()),
        )
    };
    if plan.strategy.is_some() {
        return refuse(
            "strategy",
            "this build of hps cannot run `strategy = autohas(…)` yet",
            "remove `strategy` to search with a sampler; `hps check` and `hps plan` accept the file",
        );
    }
    if let Err(e) = crate::scheduler::for_plan(plan) {
        return refuse("scheduler", &e, "use `fifo`, `sha`, `hyperband` or `asha`");
    }
    if let Err(e) = crate::stopping::for_plan(plan) {
        return refuse("stopping", &e, "use `stopping = svr(…)` or leave it out");
    }
    None
}

fn execute(
    checked: &Checked,
    study: &Study,
    plan: &Plan,
    args: &RunArgs,
) -> Result<ExitCode, Box<Diagnostic>> {
    if let Some(d) = unsupported(study, plan) {
        return Err(Box::new(d));
    }
    let workdir = match args.file.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let trainer: Box<dyn Trainer> = match &plan.trainer {
        TrainerKind::Builtin => builtin_trainer(checked, study, plan)?,
        TrainerKind::Custom => {
            return Err(Box::new(
                Diagnostic::error(Code::Unsupported, field_span(study, "trial"), "`trial = custom` is trained by your own code, not by `hps run`")
                    .with_label("custom trainer")
                    .with_help("run it from Rust with `hps::Study::from_file(…)?.optimize(store, |trial| …)`, or use `trial = command(\"…\")`"),
            ));
        }
        TrainerKind::Command {
            template,
            metrics,
            timeout_seconds,
        } => Box::new(
            crate::trial::command::CommandTrainer::new(
                template,
                metrics,
                *timeout_seconds,
                workdir,
            )
            .map_err(|e| {
                Box::new(
                    Diagnostic::error(Code::InvalidValue, field_span(study, "trial"), e)
                        .with_label("in this command")
                        .with_help("fix the command template"),
                )
            })?,
        ),
        TrainerKind::Lookup { path, epoch } => Box::new(
            crate::trial::lookup::LookupTrainer::open(path, epoch).map_err(|e| {
                Box::new(
                    Diagnostic::error(Code::Data, field_span(study, "trial"), e)
                        .with_label("while reading these curves")
                        .with_help("see the CSV format in docs/language.md"),
                )
            })?,
        ),
    };
    let sampler = crate::sampler::for_plan(plan).map_err(|e| {
        Box::new(
            Diagnostic::error(Code::Unsupported, field_span(study, "sampler"), e)
                .with_label("this sampler")
                .with_help("use `random`, `grid`, `tpe` or `bo`"),
        )
    })?;
    let trials_dir = crate::runtime::trials_dir(&plan.store);
    if args.fresh {
        let _ = std::fs::remove_dir_all(trials_dir.join(&plan.study));
    }
    let options = RunOptions {
        store: plan.store.clone(),
        fresh: args.fresh,
        parallel: args
            .parallel
            .unwrap_or_else(|| usize::try_from(plan.budget.parallel).unwrap_or(1))
            .max(1),
        trials_dir,
        quiet: args.quiet,
    };
    let stop = Arc::new(AtomicBool::new(false));
    install_interrupt(&stop);
    let started = std::time::Instant::now();
    if !args.quiet {
        eprintln!(
            "running study {} from {} (store {})",
            plan.study, plan.file, plan.store
        );
    }
    let summary = match crate::runtime::run(
        plan,
        sampler,
        trainer.as_ref(),
        &options,
        Arc::clone(&stop),
    ) {
        Ok(summary) => summary,
        Err(RunError::Store(StoreError::PlanChanged { study: name })) => {
            return Err(Box::new(
                Diagnostic::error(Code::StudyChanged, study.span, format!("study `{name}` is already in {} with a different search space", plan.store))
                    .with_label("changed since its trials ran")
                    .with_help("run with `--fresh` to discard its trials, or give the study a new name to keep both"),
            ));
        }
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(1));
        }
    };
    crate::cli::report::print_summary(plan, &summary, started.elapsed());
    if summary.reason == StopReason::Interrupted || stop.load(Ordering::SeqCst) {
        return Ok(ExitCode::from(130));
    }
    Ok(ExitCode::SUCCESS)
}

fn builtin_trainer(
    checked: &Checked,
    study: &Study,
    plan: &Plan,
) -> Result<Box<dyn Trainer>, Box<Diagnostic>> {
    let data_plan = plan.data.as_ref().ok_or_else(|| {
        Box::new(
            Diagnostic::error(Code::MissingField, study.span, "the study has no dataset")
                .with_help("set `data = …`"),
        )
    })?;
    let dataset_span = checked
        .program
        .datasets
        .get(&data_plan.name)
        .map_or(study.span, |d| d.span);
    let data = crate::train::data::load(data_plan).map_err(|e| {
        Box::new(
            Diagnostic::error(Code::Data, dataset_span, e.message)
                .with_label("while loading this dataset")
                .with_help_opt(e.help),
        )
    })?;
    let device = crate::train::device::select(plan.device).map_err(|e| {
        Box::new(
            Diagnostic::error(Code::Unsupported, field_span(study, "device"), e)
                .with_label("this device")
                .with_help("use `device = cpu` or `auto`"),
        )
    })?;
    let trainer = crate::train::trainer::CandleTrainer::new(plan, &data, device).map_err(|e| {
        Box::new(Diagnostic::error(Code::Data, dataset_span, e).with_label("this dataset"))
    })?;
    Ok(Box::new(trainer))
}

/// The first Ctrl-C asks the run to stop after the running epochs; the second exits at once.
fn install_interrupt(stop: &Arc<AtomicBool>) {
    let flag = Arc::clone(stop);
    let _ = ctrlc::set_handler(move || {
        if flag.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
        eprintln!("\nstopping after the running epochs (Ctrl-C again to quit at once)…");
    });
}
