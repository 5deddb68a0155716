//! The execution plan: one study lowered to plain, serialisable data — the parameter table, grid size,
//! networks at the extremes, scheduler brackets, budget limits, sampler, stopping rule, strategy,
//! device, seed and store. `hps plan` prints it; `hps run` executes it. The JSON/YAML schema is
//! documented in `docs/language.md` (schema version [`SCHEMA`]).

pub mod brackets;
pub mod data_shape;
pub mod network;
mod render;

use serde::{Deserialize, Serialize};

pub use brackets::{Bracket, Rung};
pub use data_shape::DataShape;
pub use network::{LayerRow, Network};

use crate::semantic::program::{Budget, LayerNode, Model, Objective, Step, Trainer};
use crate::semantic::{Program, Study};
use crate::space::{Derived, Distribution, Fixed, GridSize, Term};

/// The plan schema's version; bumped on any incompatible change.
pub const SCHEMA: u32 = 1;

/// The store a study lives in unless `--storage` says otherwise.
pub const DEFAULT_STORE: &str = "sqlite://hps.db";

/// Everything `hps run` needs to execute one study.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Schema version ([`SCHEMA`]).
    pub schema: u32,
    /// The hps version that wrote it.
    pub hps_version: String,
    /// The study's name.
    pub study: String,
    /// Its doc comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc: Option<String>,
    /// The file it is declared in.
    pub file: String,
    /// The seed of every random draw.
    pub seed: u64,
    /// What is optimised.
    pub objective: Objective,
    /// The dataset, when the built-in trainer uses one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<DataPlan>,
    /// Searched parameters in definition order.
    pub parameters: Vec<ParamPlan>,
    /// Constant settings.
    pub fixed: Vec<Fixed>,
    /// Computed settings.
    pub derived: Vec<Derived>,
    /// `forbid` rules.
    pub forbidden: Vec<Term>,
    /// The number of configurations, when the space is finite.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grid: Option<GridSize>,
    /// The network.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<ModelPlan>,
    /// How trials train.
    pub trainer: Trainer,
    /// The budget as written (with defaults).
    pub budget: Budget,
    /// What the budget allows.
    pub limits: Limits,
    /// Proposes configurations.
    pub sampler: Step,
    /// Decides how long trials train.
    pub scheduler: SchedulerPlan,
    /// Ends trials early.
    pub stopping: Step,
    /// One-shot search instead of sampler and scheduler.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy: Option<Step>,
    /// Where training runs.
    pub device: Step,
    /// Where trials are recorded.
    pub store: String,
}

/// A searched parameter with its derived facts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParamPlan {
    /// Full path.
    pub name: String,
    /// Domain.
    pub distribution: Distribution,
    /// `log` / `linear` for numeric domains.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale: Option<String>,
    /// Values when finite.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cardinality: Option<u64>,
    /// It exists only while this holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<Term>,
    /// Doc comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc: Option<String>,
}

/// The dataset and what is known of its shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataPlan {
    /// Its name.
    pub name: String,
    /// Where rows come from.
    pub source: Step,
    /// Transforms in order.
    pub transforms: Vec<Step>,
    /// The folder its paths resolve against.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dir: Option<String>,
    /// The shape, when known before loading.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shape: Option<DataShape>,
    /// Why the shape is not known, when it is not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The network and its extremes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelPlan {
    /// The architecture and its bindings.
    #[serde(flatten)]
    pub model: Model,
    /// The architecture's body: what the trainer instantiates for each configuration.
    pub layers: Vec<LayerNode>,
    /// The network with the fewest parameters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smallest: Option<Network>,
    /// The network with the most parameters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub largest: Option<Network>,
    /// Why the networks are not shown, when they are not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The scheduler with its brackets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SchedulerPlan {
    /// Which scheduler, with arguments.
    #[serde(flatten)]
    pub step: Step,
    /// Epochs per trial under `fifo` (the recipe's `epochs`, or its largest value).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epochs_per_trial: Option<u64>,
    /// Brackets of one Hyperband iteration (one for `sha`/`asha`; none for `fifo`).
    pub brackets: Vec<Bracket>,
}

/// What the budget allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// Most trials that can start (`None`: only time bounds the run).
    pub max_trials: Option<u64>,
    /// Most epochs that can be trained.
    pub max_epochs: Option<u64>,
}

/// Lowers a checked study into its plan.
#[must_use]
pub fn lower(study: &Study, program: &Program) -> Plan {
    let dataset = study
        .data
        .as_ref()
        .and_then(|name| program.datasets.get(name));
    let shape = dataset.map(data_shape::infer);
    let data = dataset.map(|d| DataPlan {
        name: d.name.clone(),
        source: d.source.clone(),
        transforms: d.transforms.clone(),
        dir: d.dir.as_ref().map(|p| p.display().to_string()),
        shape: shape.as_ref().and_then(|s| s.as_ref().ok().cloned()),
        note: shape.as_ref().and_then(|s| s.as_ref().err().cloned()),
    });
    let model = study.model.as_ref().map(|m| {
        let arch = program.archs.get(&m.arch);
        let built = match (arch, &shape) {
            (Some(arch), Some(Ok(shape))) => {
                network::extremes(study, arch, m, &shape.input, shape.outputs)
            }
            (_, Some(Err(why))) => Err(why.clone()),
            _ => Err(String::from(
                "the network needs a dataset to know its input",
            )),
        };
        let layers = arch.map(|a| a.body.clone()).unwrap_or_default();
        match built {
            Ok((smallest, largest)) => ModelPlan {
                model: m.clone(),
                layers,
                smallest: Some(smallest),
                largest: Some(largest),
                note: None,
            },
            Err(note) => ModelPlan {
                model: m.clone(),
                layers,
                smallest: None,
                largest: None,
                note: Some(note),
            },
        }
    });
    let scheduler = scheduler(study);
    let limits = limits(study, &scheduler);
    Plan {
        schema: SCHEMA,
        hps_version: env!("CARGO_PKG_VERSION").to_owned(),
        study: study.name.clone(),
        doc: study.doc.clone(),
        file: study.file.clone(),
        seed: study.seed,
        objective: study.objective.clone(),
        data,
        parameters: study
            .space
            .params
            .iter()
            .map(|p| ParamPlan {
                name: p.name.clone(),
                distribution: p.distribution.clone(),
                scale: p.distribution.scale().map(str::to_owned),
                cardinality: p.distribution.cardinality(),
                condition: p.condition.clone(),
                doc: p.doc.clone(),
            })
            .collect(),
        fixed: study.space.fixed.clone(),
        derived: study.space.derived.clone(),
        forbidden: study.space.forbidden.clone(),
        grid: study.space.grid_size(),
        model,
        trainer: study.trainer.clone(),
        budget: study.budget,
        limits,
        sampler: study.sampler.clone(),
        scheduler,
        stopping: study.stopping.clone(),
        strategy: study.strategy.clone(),
        device: study.device.clone(),
        store: String::from(DEFAULT_STORE),
    }
}

/// The most epochs one trial trains under `fifo`: the recipe's `epochs`, or the largest it can draw.
fn epochs_per_trial(study: &Study) -> Option<u64> {
    if let Some(f) = study.space.fixed.iter().find(|f| f.name == "train.epochs") {
        return f.value.as_i64().and_then(|e| u64::try_from(e).ok());
    }
    let p = study.space.param("train.epochs")?;
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    p.distribution.bounds().map(|(_, hi)| hi as u64)
}

fn scheduler(study: &Study) -> SchedulerPlan {
    let step = study.scheduler.clone();
    let min = step
        .int("min")
        .and_then(|v| u64::try_from(v).ok())
        .unwrap_or(1);
    let max = step
        .int("max")
        .and_then(|v| u64::try_from(v).ok())
        .unwrap_or(1);
    let eta = step.number("eta").unwrap_or(3.0);
    let brackets = match step.name.as_str() {
        "hyperband" => brackets::hyperband(min, max, eta),
        "sha" | "asha" => brackets::successive_halving(min, max, eta),
        _ => Vec::new(),
    };
    let epochs_per_trial = brackets
        .is_empty()
        .then(|| epochs_per_trial(study))
        .flatten();
    SchedulerPlan {
        step,
        epochs_per_trial,
        brackets,
    }
}

fn limits(study: &Study, scheduler: &SchedulerPlan) -> Limits {
    let budget = study.budget;
    if study.strategy.is_some() {
        return Limits {
            max_trials: Some(1),
            max_epochs: budget.epochs,
        };
    }
    if scheduler.brackets.is_empty() {
        let per_trial = scheduler.epochs_per_trial.unwrap_or(1).max(1);
        let max_trials = match (budget.trials, budget.epochs) {
            (Some(t), Some(e)) => Some(t.min(e.div_ceil(per_trial))),
            (Some(t), None) => Some(t),
            (None, Some(e)) => Some(e.div_ceil(per_trial)),
            (None, None) => None,
        };
        let max_epochs = match (max_trials, budget.epochs) {
            (Some(t), Some(e)) => Some(e.min(t * per_trial)),
            (Some(t), None) => Some(t * per_trial),
            (None, e) => e,
        };
        return Limits {
            max_trials,
            max_epochs,
        };
    }
    // Brackets run in order, cyclically, until trials or epochs run out.
    let eta = scheduler.step.number("eta").unwrap_or(3.0);
    let max = scheduler
        .step
        .int("max")
        .and_then(|v| u64::try_from(v).ok())
        .unwrap_or(1);
    let (mut trials, mut epochs) = (0_u64, 0_u64);
    let trial_cap = budget.trials;
    let epoch_cap = budget.epochs;
    if trial_cap.is_none() && epoch_cap.is_none() {
        return Limits {
            max_trials: None,
            max_epochs: None,
        };
    }
    'outer: for _ in 0..10_000 {
        for b in &scheduler.brackets {
            let left = trial_cap.map_or(b.trials(), |t| t.saturating_sub(trials));
            if left == 0 {
                break 'outer;
            }
            let bracket = if left < b.trials() {
                brackets::bracket(b.s, left, max, eta)
            } else {
                b.clone()
            };
            if let Some(cap) = epoch_cap {
                if epochs + bracket.epochs_trained > cap {
                    let first = bracket.rungs[0].epochs.max(1);
                    trials += (cap - epochs) / first;
                    epochs = cap;
                    break 'outer;
                }
            }
            trials += bracket.trials();
            epochs += bracket.epochs_trained;
        }
    }
    Limits {
        max_trials: Some(trials),
        max_epochs: Some(epochs),
    }
}
