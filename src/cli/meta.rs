//! `hps meta`: HyperSTAR's predictor. `hps meta train` learns it from the studies of a store (one
//! study per task and seed over one search space, e.g. the tables `scripts/meta/build-corpus.sh`
//! runs) and writes the model file `sampler = hyperstar(model = …)` reads; `hps meta rank` prints how
//! a model ranks a study's configurations for its data, without training anything.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};

use crate::cli::output::{errln, outln};
use crate::cli::study_arg::load_study;
use crate::cli::tables::{open_store, searched, store_url};
use crate::meta::corpus::gather;
use crate::meta::evaluation::leave_one_task_out;
use crate::meta::training::{TrainOptions, train};
use crate::meta::{MetaError, ModelFile, Settings, TaskRows};
use crate::plan::SamplerPlan;

/// Arguments of `hps meta`.
#[derive(Debug, Args)]
pub struct MetaArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: MetaCommand,
}

/// `hps meta` subcommands.
#[derive(Debug, Subcommand)]
pub enum MetaCommand {
    /// Train the task-aware predictor on the studies of a store; write its model file.
    Train(TrainArgs),
    /// Print how a model ranks a study's configurations for the study's data.
    Rank(RankArgs),
}

/// Arguments of `hps meta train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// The store holding the meta-training studies: a file or a `postgres://` server.
    #[arg(long, default_value = "hps.db", env = "HPS_STORAGE", value_parser = store_url)]
    pub storage: String,
    /// The studies to learn from: a name pattern (`*` any run of characters, `?` one).
    #[arg(long, default_value = "*")]
    pub studies: String,
    /// The model file to write.
    #[arg(long, short)]
    pub output: PathBuf,
    /// Optimiser steps.
    #[arg(long)]
    pub steps: Option<usize>,
    /// The seed of the weights and every draw.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Also measure the model the leave-one-task-out way — each task ranked by a predictor trained
    /// on the others, scored by AP@10 — and record the scores in the model file (one training per
    /// task: that many times longer).
    #[arg(long)]
    pub leave_one_task_out: bool,
    /// Tasks held out together in `--leave-one-task-out` (the same data under two names would
    /// inflate the estimate): comma-separated study-name patterns, `*` any run of characters, e.g.
    /// `--together 'table_crx_*,table_australian_*'`; repeatable.
    #[arg(long, value_delimiter = ';')]
    pub together: Vec<String>,
}

/// Arguments of `hps meta rank`.
#[derive(Debug, Args)]
pub struct RankArgs {
    /// The .hps file.
    pub file: PathBuf,
    /// The study (needed when the file has several).
    #[arg(long)]
    pub study: Option<String>,
    /// The model file (default: the study's `hyperstar(model = …)`).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// How many configurations to print.
    #[arg(long, default_value_t = 10)]
    pub top: usize,
}

/// Runs `hps meta`.
pub fn run(args: &MetaArgs) -> ExitCode {
    let result = match &args.command {
        MetaCommand::Train(args) => train_model(args),
        MetaCommand::Rank(args) => rank(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            errln!("error: {}", e.message);
            if let Some(help) = e.help {
                errln!("help: {help}");
            }
            ExitCode::from(1)
        }
    }
}

fn train_model(args: &TrainArgs) -> Result<ExitCode, MetaError> {
    let Some(store) = open_store(&args.storage) else {
        return Ok(ExitCode::from(1));
    };
    let corpus = gather(store.as_ref(), &args.studies)?;
    let options = TrainOptions {
        steps: args.steps.unwrap_or(TrainOptions::default().steps),
        seed: args.seed,
        ..TrainOptions::default()
    };
    errln!(
        "training on {} tasks ({} configurations each at most), {} steps",
        corpus.tasks.len(),
        corpus
            .tasks
            .iter()
            .map(|t| t.configs.len())
            .max()
            .unwrap_or(0),
        options.steps
    );
    let dims = crate::space::encoding::Encoder::new(&corpus.space).dims();
    let every = (options.steps / 20).max(1);
    let mut recent = 0.0;
    let predictor = train(
        &corpus.tasks,
        dims,
        Settings::default(),
        &options,
        &candle_core::Device::Cpu,
        &mut |step, loss| {
            recent = if step == 1 {
                loss
            } else {
                0.95 * recent + 0.05 * loss
            };
            if step % every == 0 || step == options.steps {
                let mut err = std::io::stderr();
                let _ = write!(
                    err,
                    "\r  step {step:>6}/{}  loss {recent:.4}",
                    options.steps
                );
                let _ = err.flush();
            }
        },
    )?;
    errln!("");
    let mut header = ModelFile::header(&corpus.space, &predictor, options, corpus.records);
    if args.leave_one_task_out {
        let together: Vec<Vec<String>> = args
            .together
            .iter()
            .map(|group| group.split(',').map(|p| p.trim().to_owned()).collect())
            .collect();
        let count = corpus.tasks.len();
        let scores = leave_one_task_out(
            &corpus.tasks,
            dims,
            Settings::default(),
            &options,
            &together,
            &candle_core::Device::Cpu,
            &mut |done, name, ap| errln!("  held out {done:>3}/{count}  {name}  AP@10 {ap:.3}"),
        )?;
        #[allow(clippy::cast_precision_loss)]
        let mean = scores.iter().map(|(_, ap)| ap).sum::<f64>() / scores.len().max(1) as f64;
        outln!("leave-one-task-out AP@10: mean {mean:.3} over {count} tasks");
        header.leave_one_task_out = scores;
    }
    ModelFile { header, predictor }.save(&args.output)?;
    outln!("wrote {}", args.output.display());
    Ok(ExitCode::SUCCESS)
}

fn rank(args: &RankArgs) -> Result<ExitCode, MetaError> {
    let (checked, index) = match load_study(&args.file, args.study.as_deref()) {
        Ok(loaded) => loaded,
        Err(code) => return Ok(code),
    };
    let study = &checked.program.studies[index];
    let plan = crate::lower::plan(study, &checked.program);
    let folder = args.file.parent().map(PathBuf::from).unwrap_or_default();
    let model_path = match (&args.model, &plan.sampler) {
        (Some(path), _) => path.clone(),
        (None, SamplerPlan::Hyperstar(options)) => folder.join(&options.model),
        (None, _) => {
            return Err(
                MetaError::new(format!("study `{}` does not use `hyperstar`", plan.study))
                    .with_help("name a model with `--model FILE`"),
            );
        }
    };
    let device = candle_core::Device::Cpu;
    let model = ModelFile::load(&model_path, &device)?;
    let space = plan.search_space();
    model.check_space(&space)?;
    let data_plan = plan.data.as_ref().ok_or_else(|| {
        MetaError::new(format!("study `{}` has no dataset to rank for", plan.study))
    })?;
    let data = crate::train::data::load(data_plan)
        .map_err(|e| MetaError::new(format!("the study's data: {e}")))?;
    let rows = TaskRows::from_examples(&data.train)?;
    let ranked = crate::sampler::hyperstar::rank(&model, &space, &rows, plan.seed, &device)
        .map_err(|e| MetaError {
            message: e.message,
            help: e.help,
        })?;
    outln!(
        "{} configurations of `{}` ranked for its data by {}:",
        ranked.len(),
        plan.study,
        model_path.display()
    );
    for (position, (config, score)) in ranked.iter().take(args.top).enumerate() {
        let values: Vec<String> = searched(&plan, config)
            .into_iter()
            .map(|(name, value)| format!("{name} = {value}"))
            .collect();
        outln!("{:>4}  {score:>7.3}  {}", position + 1, values.join(", "));
    }
    Ok(ExitCode::SUCCESS)
}
