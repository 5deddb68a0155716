//! The execution plan: one study lowered to plain, serialisable, typed data — the parameter table,
//! grid size, networks at the extremes, scheduler brackets, budget limits, and the sampler,
//! scheduler, stopping rule, strategy, trainer and device as enums lowered once from the catalogue,
//! so every stage that reads them matches every variant. `crate::lower` produces it from a checked
//! study; `hps plan` prints it; the runtime (`crate::runtime`) executes it and reads nothing else.
//! The JSON/YAML schema is documented in `docs/language.md` (schema version [`SCHEMA`]).
//!
//! The plan sits below every run-time module and imports nothing from the front end.

pub mod brackets;
pub mod budget;
pub mod command_template;
pub mod data_shape;
pub mod device;
pub mod model;
pub mod network;
pub mod objective;
pub mod render;
pub mod sampler;
pub mod scheduler;
pub mod step;
pub mod stopping;
pub mod strategy;
pub mod trainer;

use serde::{Deserialize, Serialize};

pub use brackets::{Bracket, Rung};
pub use budget::{Budget, Limits};
pub use command_template::CommandTemplate;
pub use data_shape::DataShape;
pub use device::DevicePlan;
pub use model::{LayerName, LayerNode, Model};
pub use network::{LayerRow, Network};
pub use objective::{Direction, Objective};
pub use sampler::SamplerPlan;
pub use scheduler::{SchedulerKind, SchedulerPlan};
pub use step::Step;
pub use stopping::StoppingPlan;
pub use strategy::{AutohasOptions, StrategyPlan};
pub use trainer::{MetricsFormat, TrainerPlan};

use crate::space::{Derived, Distribution, Fixed, GridSize, SearchSpace, Term};

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
    pub trainer: TrainerPlan,
    /// The budget as written (with defaults).
    pub budget: Budget,
    /// What the budget allows.
    pub limits: Limits,
    /// Proposes configurations.
    pub sampler: SamplerPlan,
    /// Decides how long trials train.
    pub scheduler: SchedulerPlan,
    /// Ends trials early.
    pub stopping: StoppingPlan,
    /// One-shot search instead of sampler and scheduler.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy: Option<StrategyPlan>,
    /// Where training runs.
    pub device: DevicePlan,
    /// Where trial folders and checkpoints go (`artifacts = "…"`), relative to the study file's
    /// folder; `--artifacts` overrides it. Not part of the study's identity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifacts: Option<String>,
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
    /// Under `strategy = autohas`: the weight-sharing super-network.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supernet: Option<network::SuperNetSize>,
    /// Why the networks are not shown, when they are not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Plan {
    /// The search space: the parameters with their conditions, fixed and derived values and
    /// `forbid` rules — what samplers draw from and trials' configurations are completed with.
    #[must_use]
    pub fn search_space(&self) -> SearchSpace {
        SearchSpace {
            params: self
                .parameters
                .iter()
                .map(|p| crate::space::Param {
                    name: p.name.clone(),
                    distribution: p.distribution.clone(),
                    condition: p.condition.clone(),
                    doc: p.doc.clone(),
                })
                .collect(),
            fixed: self.fixed.clone(),
            derived: self.derived.clone(),
            forbidden: self.forbidden.clone(),
        }
    }
}
