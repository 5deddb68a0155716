//! The one wiring point: [`compose`] turns a plan and its context (the opened study, where relative
//! paths resolve, the embedding program's trainer) into a run — the trainer (its data loaded and its
//! device selected), the sampler (built with its [`SamplerContext`]), the scheduler, the stopping
//! rule, and the strategy that drives them. Every variant of the plan's enums is matched here, so a
//! new sampler, scheduler, stopping rule, trainer or strategy fails to compile until it is wired.
//! The CLI (`hps run`) and `hps::Study` both call it; what cannot run is a [`WiringError`] naming
//! the plan's field, which the CLI shows at that field.

use std::path::PathBuf;

use candle_core::Device;

use std::sync::Arc;

use super::autohas::AutohasStrategy;
use super::search::SearchStrategy;
use super::session::Session;
use super::strategy::Strategy;
use crate::diagnostic::Code;
use crate::plan::{AutohasOptions, Plan, StrategyPlan, TrainerPlan};
use crate::sampler::{Sampler, SamplerContext, SamplerStore};
use crate::train::data::Data;
use crate::trial::Trainer;
use crate::trial::command::CommandTrainer;
use crate::trial::lookup::LookupTrainer;

/// Builds a sampler from its context.
pub type SamplerFactory<'a> = &'a dyn Fn(&SamplerContext<'_>) -> Result<Box<dyn Sampler>, String>;

/// What a plan is run with besides itself and its store.
pub struct Environment<'a> {
    /// Where relative paths resolve and commands run: the `.hps` file's folder.
    pub workdir: PathBuf,
    /// The trainer of `trial = custom` (the embedding program's code).
    pub custom: Option<&'a dyn Trainer>,
    /// A sampler of the embedding program's own, built with the same context as the plan's would
    /// be, in its place.
    pub sampler: Option<SamplerFactory<'a>>,
}

impl Environment<'_> {
    /// Commands run and relative paths resolve in `workdir`; nothing else is supplied.
    #[must_use]
    pub fn new(workdir: impl Into<PathBuf>) -> Self {
        Self {
            workdir: workdir.into(),
            custom: None,
            sampler: None,
        }
    }
}

/// A run, composed: the trainer and the strategy that drives it.
pub struct Composed<'a> {
    /// Trains one trial.
    pub trainer: Box<dyn Trainer + 'a>,
    /// Searches the study.
    pub strategy: Box<dyn Strategy + 'a>,
}

/// What of a plan this build cannot run, or could not set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WiringError {
    /// The study's field at fault: `trial`, `data`, `sampler`, `strategy`, `device`.
    pub field: &'static str,
    /// The diagnostic code it is reported under.
    pub code: Code,
    /// What is wrong.
    pub message: String,
    /// A short label for the field's value.
    pub label: String,
    /// How to fix it.
    pub help: Option<String>,
}

impl WiringError {
    fn new(field: &'static str, code: Code, message: impl Into<String>, label: &str) -> Self {
        Self {
            field,
            code,
            message: message.into(),
            label: label.to_owned(),
            help: None,
        }
    }

    fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

impl std::fmt::Display for WiringError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "`{}`: {}", self.field, self.message)?;
        if let Some(help) = &self.help {
            write!(f, " ({help})")?;
        }
        Ok(())
    }
}

/// Composes the run of `session`'s plan.
///
/// # Errors
/// What the plan asks for that this build cannot run (a strategy or sampler not built yet, a
/// custom trainer with no code), and what cannot be set up (unreadable data, an absent device, a
/// bad command).
pub fn compose<'a>(
    session: &Session<'_>,
    environment: Environment<'a>,
) -> Result<Composed<'a>, WiringError> {
    let plan = session.plan();
    if let Some(StrategyPlan::Autohas(options)) = &plan.strategy {
        return autohas(plan, *options);
    }
    let needs_data = matches!(plan.trainer, TrainerPlan::Builtin) || plan.sampler.reads_data();
    let data = if needs_data {
        Some(load_data(plan)?)
    } else {
        None
    };
    let device = if needs_data {
        crate::train::device::select(plan.device).map_err(|e| {
            WiringError::new("device", Code::Unsupported, e, "this device")
                .help("use `device = cpu` or `auto`")
        })?
    } else {
        Device::Cpu
    };
    let own_sampler = environment.sampler;
    let dir = environment.workdir.clone();
    let trainer = trainer(plan, data.as_ref(), &device, environment)?;
    let store = session.connect().map_err(|e| {
        WiringError::new("sampler", Code::Unsupported, e.to_string(), "this sampler")
    })?;
    let context = SamplerContext {
        plan,
        space: plan.search_space(),
        store: SamplerStore::new(store, session.study().id, plan.sampler.name()),
        data: data.as_ref(),
        device,
        dir,
    };
    let sampler = match own_sampler {
        Some(build) => build(&context)
            .map_err(|e| WiringError::new("sampler", Code::InvalidValue, e, "this sampler"))?,
        None => crate::sampler::build(&context).map_err(|e| {
            let error = WiringError::new("sampler", e.code, e.message, "this sampler");
            match e.help {
                Some(help) => error.help(help),
                None => error.help(
                    "`hps check` and `hps plan` accept the file; pick a sampler this build runs to train it",
                ),
            }
        })?,
    };
    let strategy = SearchStrategy::new(
        plan,
        sampler,
        crate::scheduler::build(plan),
        crate::stopping::build(plan),
    );
    Ok(Composed {
        trainer,
        strategy: Box::new(strategy),
    })
}

/// AutoHAS: the built-in trainer (on the study's data and device) searches the super-network and
/// retrains the result.
fn autohas<'a>(plan: &Plan, options: AutohasOptions) -> Result<Composed<'a>, WiringError> {
    if !matches!(plan.trainer, TrainerPlan::Builtin) {
        return Err(WiringError::new(
            "trial",
            Code::Unsupported,
            "`strategy = autohas(…)` trains one super-network with the built-in trainer",
            "not the built-in trainer",
        )
        .help("remove `trial`, or search with a sampler instead of `strategy`"));
    }
    let data = load_data(plan)?;
    let device = crate::train::device::select(plan.device).map_err(|e| {
        WiringError::new("device", Code::Unsupported, e, "this device")
            .help("use `device = cpu` or `auto`")
    })?;
    let trainer = crate::train::trainer::CandleTrainer::new(plan, &data, device)
        .map_err(|e| WiringError::new("data", Code::Data, e, "this dataset"))?;
    crate::autohas::search::check_objective(&plan.objective, trainer.classification()).map_err(
        |e| {
            WiringError::new("strategy", Code::Unsupported, e, "AutoHAS")
                .help("set `objective = maximize val.accuracy` (or minimize val.loss)")
        },
    )?;
    let trainer = Arc::new(trainer);
    let strategy = AutohasStrategy::new(Arc::clone(&trainer), plan.search_space(), options)
        .map_err(|name| {
            WiringError::new(
                "strategy",
                Code::Unsupported,
                format!("AutoHAS learns a distribution over a finite set of values; `{name}` is continuous"),
                "AutoHAS",
            )
            .help(format!("give `{name}` categorical bases: `bases(loguniform(…), k = 5)`"))
        })?;
    Ok(Composed {
        trainer: Box::new(trainer),
        strategy: Box::new(strategy),
    })
}

fn load_data(plan: &Plan) -> Result<Data, WiringError> {
    let data_plan = plan.data.as_ref().ok_or_else(|| {
        WiringError::new(
            "data",
            Code::MissingField,
            "the study has no dataset",
            "needs data",
        )
        .help("set `data = …`")
    })?;
    crate::train::data::load(data_plan).map_err(|e| {
        let error = WiringError::new("data", Code::Data, e.message, "while loading this dataset");
        match e.help {
            Some(help) => error.help(help),
            None => error,
        }
    })
}

fn trainer<'a>(
    plan: &Plan,
    data: Option<&Data>,
    device: &Device,
    environment: Environment<'a>,
) -> Result<Box<dyn Trainer + 'a>, WiringError> {
    Ok(match &plan.trainer {
        TrainerPlan::Builtin => {
            let data = data.ok_or_else(|| {
                WiringError::new("data", Code::MissingField, "the study has no dataset", "")
            })?;
            let trainer = crate::train::trainer::CandleTrainer::new(plan, data, device.clone())
                .map_err(|e| WiringError::new("data", Code::Data, e, "this dataset"))?;
            Box::new(trainer)
        }
        TrainerPlan::Custom => match environment.custom {
            Some(custom) => Box::new(custom),
            None => {
                return Err(WiringError::new(
                    "trial",
                    Code::Unsupported,
                    "`trial = custom` is trained by your own code, not by `hps run`",
                    "custom trainer",
                )
                .help("run it from Rust with `hps::Study::from_file(…)?.optimize(store, |trial| …)`, or use `trial = command(\"…\")`"));
            }
        },
        TrainerPlan::Command {
            template,
            metrics,
            timeout_seconds,
        } => Box::new(
            CommandTrainer::new(template, metrics, *timeout_seconds, environment.workdir).map_err(
                |e| {
                    WiringError::new("trial", Code::InvalidValue, e, "in this command")
                        .help("fix the command template")
                },
            )?,
        ),
        TrainerPlan::Lookup { path, epoch } => {
            Box::new(LookupTrainer::open(path, epoch).map_err(|e| {
                WiringError::new("trial", Code::Data, e, "while reading these curves")
                    .help("see the CSV format in docs/language.md")
            })?)
        }
    })
}
