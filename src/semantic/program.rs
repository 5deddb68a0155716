//! The checked program: plain data, names resolved, values checked, defaults filled. Produced by
//! `crate::semantic::check_paths` from the AST; lowered into a [`crate::plan::Plan`] per study.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

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

/// A built-in applied with its arguments (defaults filled): a dataset step, a sampler, a scheduler….
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// The built-in's name.
    pub name: String,
    /// Every argument, named.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub args: BTreeMap<String, Value>,
}

impl Step {
    /// A step with no arguments.
    #[must_use]
    pub fn bare(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            args: BTreeMap::new(),
        }
    }

    /// A numeric argument.
    #[must_use]
    pub fn number(&self, name: &str) -> Option<f64> {
        self.args.get(name).and_then(Value::as_f64)
    }

    /// An integer argument.
    #[must_use]
    pub fn int(&self, name: &str) -> Option<i64> {
        self.args.get(name).and_then(Value::as_i64)
    }

    /// A string argument.
    #[must_use]
    pub fn string(&self, name: &str) -> Option<&str> {
        self.args.get(name).and_then(Value::as_str)
    }
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

/// A layer's name: fixed, or read from an architecture parameter (`act()`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LayerName {
    /// A built-in layer.
    Fixed(String),
    /// The layer named by this term's value (an activation).
    From(Term),
}

/// One node of an architecture body. Terms read architecture parameters by their local name,
/// `outputs`, and the body's own choices (`conv_1.kernel`, `choose_1`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "node", rename_all = "snake_case")]
pub enum LayerNode {
    /// A layer with its arguments.
    Op {
        /// Which layer.
        layer: LayerName,
        /// Arguments by name (defaults filled).
        args: BTreeMap<String, Term>,
    },
    /// The body, `count` times.
    Repeat {
        /// How many times.
        count: Term,
        /// The layers.
        body: Vec<LayerNode>,
    },
    /// Input added to the body's output.
    Residual {
        /// The layers.
        body: Vec<LayerNode>,
    },
    /// One alternative, picked by the choice `choice`.
    Choose {
        /// The local name of the choice (its value is the alternative's index).
        choice: String,
        /// The alternatives.
        alternatives: Vec<Vec<LayerNode>>,
    },
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

/// `model = ARCH(…)` in a study.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    /// The architecture's name.
    pub arch: String,
    /// Each architecture parameter (and body choice) bound to a term over the study's parameters.
    pub bindings: BTreeMap<String, Term>,
}

/// How a trial is trained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Trainer {
    /// hps's own Candle trainer.
    Builtin,
    /// An external program.
    Command {
        /// The argv template.
        template: String,
        /// How metrics are read: `jsonl` or `regex`.
        metrics: Step,
        /// Per-trial time limit, seconds.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        timeout_seconds: Option<f64>,
    },
    /// The embedding program's own code (`hps::Study::optimize`).
    Custom,
    /// Recorded learning curves.
    Lookup {
        /// The CSV file.
        path: PathBuf,
        /// The epoch column.
        epoch: String,
    },
}

/// What the study optimises.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Objective {
    /// `maximize` or `minimize`.
    pub direction: Direction,
    /// The metric: `val.accuracy`.
    pub metric: String,
}

/// Optimisation direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Larger is better.
    Maximize,
    /// Smaller is better.
    Minimize,
}

/// The run's limits; it stops at the first reached.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Budget {
    /// Trials to start.
    pub trials: Option<u64>,
    /// Epochs to train, over all trials.
    pub epochs: Option<u64>,
    /// Wall-clock seconds.
    pub time_seconds: Option<f64>,
    /// Trials at once.
    pub parallel: u64,
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
    pub trainer: Trainer,
    /// What is optimised.
    pub objective: Objective,
    /// Limits.
    pub budget: Budget,
    /// Proposes configurations.
    pub sampler: Step,
    /// Decides how long each trial trains.
    pub scheduler: Step,
    /// Ends trials early.
    pub stopping: Step,
    /// A one-shot search replacing sampler and scheduler.
    pub strategy: Option<Step>,
    /// Where training runs.
    pub device: Step,
    /// The seed of every random draw.
    pub seed: u64,
}
