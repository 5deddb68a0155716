//! The checked program: plain data, names resolved, values checked, defaults filled. Produced by
//! `crate::semantic::check_paths` from the AST; lowered into a [`crate::plan::Plan`] per study.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::plan::{
    Budget, DevicePlan, LayerNode, Model, Objective, SamplerPlan, SchedulerKind, Step,
    StoppingPlan, StrategyPlan, TrainerPlan,
};
use crate::space::{Distribution, SearchSpace, Term, Value};
use crate::syntax::Span;

/// Everything the checked files declare.
#[derive(Debug, Clone, Default)]
pub struct Program {
    /// Datasets by name.
    pub datasets: BTreeMap<String, Dataset>,
    /// Architectures by name.
    pub archs: BTreeMap<String, Arch>,
    /// Studies of the entry files, in source order.
    pub studies: Vec<Study>,
}

/// `dataset NAME = SOURCE | TRANSFORM …`.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// Its name.
    pub name: String,
    /// Doc comment.
    pub doc: Option<String>,
    /// Where rows come from.
    pub source: Step,
    /// Transforms in order.
    pub transforms: Vec<Step>,
    /// The folder file paths resolve against.
    pub dir: Option<PathBuf>,
    /// The declaration.
    pub span: Span,
}

/// An architecture parameter.
#[derive(Debug, Clone)]
pub struct ArchParam {
    /// Its name.
    pub name: String,
    /// Declared type (`int`, `float`, `bool`, `str`, `layer`), if any.
    pub ty: Option<String>,
    /// The default: a constant or a distribution.
    pub default: Option<ArgValue>,
}

/// A value given for an architecture parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum ArgValue {
    /// A constant.
    Const(Value),
    /// A searched distribution.
    Dist(Distribution),
}

/// A choice made inside an architecture body.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalChoice {
    /// Local name: `conv_1.kernel`, `choose_1`.
    pub local: String,
    /// Its domain.
    pub distribution: Distribution,
    /// When it exists (inside a `choose` alternative), over local names.
    pub condition: Option<Term>,
    /// Where it is written.
    pub span: Span,
}

/// `arch NAME(…) { … }`, checked.
#[derive(Debug, Clone)]
pub struct Arch {
    /// Its name.
    pub name: String,
    /// Doc comment.
    pub doc: Option<String>,
    /// Parameters in order.
    pub params: Vec<ArchParam>,
    /// The body.
    pub body: Vec<LayerNode>,
    /// Choices inside the body.
    pub choices: Vec<LocalChoice>,
}

/// A checked study.
#[derive(Debug, Clone)]
pub struct Study {
    /// Its name.
    pub name: String,
    /// Doc comment.
    pub doc: Option<String>,
    /// The file it is declared in.
    pub file: String,
    /// The declaration.
    pub span: Span,
    /// Every parameter, fixed and derived value (`model.*`, `train.*`, `params.*`).
    pub space: SearchSpace,
    /// Where each parameter is written.
    pub param_spans: BTreeMap<String, Span>,
    /// Where each field's value is written (`sampler` → the span of `bo(init = 8)`).
    pub field_spans: BTreeMap<String, Span>,
    /// The dataset's name.
    pub data: Option<String>,
    /// The network.
    pub model: Option<Model>,
    /// How trials train.
    pub trainer: TrainerPlan,
    /// What is optimised.
    pub objective: Objective,
    /// Limits.
    pub budget: Budget,
    /// Proposes configurations.
    pub sampler: SamplerPlan,
    /// Decides how long each trial trains.
    pub scheduler: SchedulerKind,
    /// Ends trials early.
    pub stopping: StoppingPlan,
    /// A one-shot search replacing sampler and scheduler.
    pub strategy: Option<StrategyPlan>,
    /// Where training runs.
    pub device: DevicePlan,
    /// Where trial folders and checkpoints go, relative to the file's folder (`artifacts = "…"`).
    pub artifacts: Option<String>,
    /// The seed of every random draw.
    pub seed: u64,
}
