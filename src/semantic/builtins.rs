//! The catalogue of built-ins: every distribution, layer, dataset source and transform, sampler,
//! scheduler, stopping rule, strategy, trial kind, device, study field, budget field and training key,
//! with argument types, bounds, defaults and docs. One source of truth for the checker, the plan and
//! (later) editor hover and completion.

/// What a built-in is for; decides where it may be called.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    /// `uniform`, `choice`, …: anywhere a value may vary.
    Distribution,
    /// `linear`, `conv`, …: inside an `arch` body.
    Layer,
    /// `builtin`, `csv`, …: the start of a dataset pipeline.
    Source,
    /// `split`, `standardize`, …: after `|` in a dataset pipeline.
    Transform,
    /// `sampler = …`.
    Sampler,
    /// `scheduler = …`.
    Scheduler,
    /// `stopping = …`.
    Stopping,
    /// `strategy = …`.
    Strategy,
    /// `trial = …`.
    Trial,
    /// `metrics = …` of `command(...)`.
    Metrics,
    /// `device = …`.
    Device,
}

impl Family {
    /// How users call members of the family.
    #[must_use]
    pub fn noun(self) -> &'static str {
        match self {
            Family::Distribution => "distribution",
            Family::Layer => "layer",
            Family::Source => "dataset source",
            Family::Transform => "dataset transform",
            Family::Sampler => "sampler",
            Family::Scheduler => "scheduler",
            Family::Stopping => "stopping rule",
            Family::Strategy => "strategy",
            Family::Trial => "trial kind",
            Family::Metrics => "metrics format",
            Family::Device => "device",
        }
    }
}

/// The type an argument accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgType {
    /// An integer.
    Int,
    /// Any number.
    Number,
    /// `true` / `false`.
    Bool,
    /// A string.
    Str,
    /// A duration (`10m`) or a number of seconds.
    Duration,
    /// One of these symbols.
    Symbol(&'static [&'static str]),
    /// `same`, `valid` or an integer.
    Padding,
    /// A list of integers.
    IntList,
    /// Any constant.
    Any,
}

impl ArgType {
    /// The type as users read it.
    #[must_use]
    pub fn describe(self) -> String {
        match self {
            ArgType::Int => String::from("an integer"),
            ArgType::Number => String::from("a number"),
            ArgType::Bool => String::from("`true` or `false`"),
            ArgType::Str => String::from("a string"),
            ArgType::Duration => String::from("a duration such as `10m`"),
            ArgType::Symbol(options) => {
                let names: Vec<String> = options.iter().map(|o| format!("`{o}`")).collect();
                format!("one of {}", names.join(", "))
            }
            ArgType::Padding => String::from("`same`, `valid` or an integer"),
            ArgType::IntList => String::from("a list of integers"),
            ArgType::Any => String::from("a value"),
        }
    }
}

/// The values a numeric argument accepts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bound {
    /// No constraint.
    None,
    /// `x ≥ v`.
    AtLeast(f64),
    /// `x > v`.
    Above(f64),
    /// `lo ≤ x ≤ hi`.
    Within(f64, f64),
    /// `lo ≤ x < hi`.
    WithinOpenTop(f64, f64),
    /// `lo < x ≤ hi`.
    WithinOpenBottom(f64, f64),
    /// `lo < x < hi`.
    Between(f64, f64),
}

impl Bound {
    /// Whether `x` satisfies the bound.
    #[must_use]
    pub fn admits(self, x: f64) -> bool {
        match self {
            Bound::None => x.is_finite(),
            Bound::AtLeast(v) => x >= v,
            Bound::Above(v) => x > v,
            Bound::Within(lo, hi) => (lo..=hi).contains(&x),
            Bound::WithinOpenTop(lo, hi) => x >= lo && x < hi,
            Bound::WithinOpenBottom(lo, hi) => x > lo && x <= hi,
            Bound::Between(lo, hi) => x > lo && x < hi,
        }
    }

    /// The bound as users read it.
    #[must_use]
    pub fn describe(self) -> String {
        use crate::space::format_float as f;
        let n = |x: f64| {
            if x.fract() == 0.0 {
                format!("{x:.0}")
            } else {
                f(x)
            }
        };
        match self {
            Bound::None => String::from("any finite number"),
            Bound::AtLeast(v) => format!("at least {}", n(v)),
            Bound::Above(v) => format!("greater than {}", n(v)),
            Bound::Within(lo, hi) => format!("between {} and {}", n(lo), n(hi)),
            Bound::WithinOpenTop(lo, hi) => format!("at least {} and below {}", n(lo), n(hi)),
            Bound::WithinOpenBottom(lo, hi) => format!("above {} and at most {}", n(lo), n(hi)),
            Bound::Between(lo, hi) => format!("strictly between {} and {}", n(lo), n(hi)),
        }
    }
}

/// One argument of a built-in.
#[derive(Debug, Clone, Copy)]
pub struct ArgSpec {
    /// Its name (also the keyword for named use).
    pub name: &'static str,
    /// Accepted type.
    pub ty: ArgType,
    /// Accepted values.
    pub bound: Bound,
    /// The default, as written; `None` when required.
    pub default: Option<&'static str>,
    /// One line of docs.
    pub doc: &'static str,
}

/// A built-in callable.
#[derive(Debug, Clone, Copy)]
pub struct Builtin {
    /// Its name.
    pub name: &'static str,
    /// Where it may be used.
    pub family: Family,
    /// Arguments, in positional order.
    pub args: &'static [ArgSpec],
    /// Takes any number of extra positional values of this type (`choice(a, b, …)`).
    pub variadic: Option<ArgType>,
    /// One paragraph of docs.
    pub doc: &'static str,
}

impl Builtin {
    /// The argument with this name.
    #[must_use]
    pub fn arg(&self, name: &str) -> Option<&ArgSpec> {
        self.args.iter().find(|a| a.name == name)
    }

    /// `name(arg, arg = default, …)` as users would write it.
    #[must_use]
    pub fn signature(&self) -> String {
        let mut parts: Vec<String> = self
            .args
            .iter()
            .map(|a| match a.default {
                Some(d) => format!("{} = {d}", a.name),
                None => a.name.to_owned(),
            })
            .collect();
        if self.variadic.is_some() {
            parts.push(String::from("…"));
        }
        format!("{}({})", self.name, parts.join(", "))
    }
}

const fn req(name: &'static str, ty: ArgType, bound: Bound, doc: &'static str) -> ArgSpec {
    ArgSpec {
        name,
        ty,
        bound,
        default: None,
        doc,
    }
}

const fn opt(
    name: &'static str,
    ty: ArgType,
    bound: Bound,
    default: &'static str,
    doc: &'static str,
) -> ArgSpec {
    ArgSpec {
        name,
        ty,
        bound,
        default: Some(default),
        doc,
    }
}

const fn builtin(
    name: &'static str,
    family: Family,
    args: &'static [ArgSpec],
    doc: &'static str,
) -> Builtin {
    Builtin {
        name,
        family,
        args,
        variadic: None,
        doc,
    }
}

/// Optimisers the built-in trainer knows.
pub const OPTIMIZERS: &[&str] = &["sgd", "adam", "adamw"];
/// Learning-rate schedules the built-in trainer knows.
pub const SCHEDULES: &[&str] = &["constant", "cosine", "step"];
/// Activation layers (what an activation-valued parameter may hold).
pub const ACTIVATIONS: &[&str] = &["relu", "gelu", "tanh", "sigmoid", "silu", "elu", "identity"];
/// Datasets shipped inside hps.
pub const BUILTIN_DATASETS: &[&str] = &["digits"];
/// Arch parameter types.
pub const ARCH_TYPES: &[&str] = &["int", "float", "bool", "str", "layer"];

const NONE: Bound = Bound::None;
const POSITIVE_INT: Bound = Bound::AtLeast(1.0);
const NON_NEGATIVE: Bound = Bound::AtLeast(0.0);
const UNIT: Bound = Bound::Within(0.0, 1.0);

/// The arguments of every successive-halving scheduler.
const RUNG_ARGS: &[ArgSpec] = &[
    opt(
        "min",
        ArgType::Int,
        POSITIVE_INT,
        "1",
        "epochs at the first rung (the fewest a trial trains)",
    ),
    req(
        "max",
        ArgType::Int,
        POSITIVE_INT,
        "epochs at the last rung (the most a trial trains)",
    ),
    opt(
        "eta",
        ArgType::Number,
        Bound::AtLeast(2.0),
        "3",
        "keep the best 1/eta of each rung",
    ),
];

/// Every callable built-in.
pub const BUILTINS: &[Builtin] = &[
    // Distributions.
    builtin(
        "uniform",
        Family::Distribution,
        &[
            req("low", ArgType::Number, NONE, "lower bound"),
            req("high", ArgType::Number, NONE, "upper bound"),
            opt(
                "step",
                ArgType::Number,
                Bound::Above(0.0),
                "none",
                "quantise to multiples of step from low",
            ),
        ],
        "Real values drawn uniformly from [low, high], optionally quantised.",
    ),
    builtin(
        "loguniform",
        Family::Distribution,
        &[
            req("low", ArgType::Number, NONE, "lower bound, > 0"),
            req("high", ArgType::Number, NONE, "upper bound"),
        ],
        "Real values drawn uniformly in log space from [low, high]; 0 < low < high.",
    ),
    builtin(
        "int",
        Family::Distribution,
        &[
            req("low", ArgType::Int, NONE, "lower bound, inclusive"),
            req("high", ArgType::Int, NONE, "upper bound, inclusive"),
            opt(
                "log",
                ArgType::Bool,
                NONE,
                "false",
                "draw uniformly in log space",
            ),
            opt("step", ArgType::Int, POSITIVE_INT, "1", "only low + k·step"),
        ],
        "Integers in [low, high], inclusive.",
    ),
    Builtin {
        name: "choice",
        family: Family::Distribution,
        args: &[],
        variadic: Some(ArgType::Any),
        doc: "One of the given values, unordered.",
    },
    Builtin {
        name: "ordinal",
        family: Family::Distribution,
        args: &[],
        variadic: Some(ArgType::Any),
        doc: "One of the given values; samplers may exploit their order.",
    },
    Builtin {
        name: "choose",
        family: Family::Distribution,
        args: &[],
        variadic: Some(ArgType::Any),
        doc: "An architecture choice: one of the given values (a weight-shared choice node under autohas).",
    },
    Builtin {
        name: "bases",
        family: Family::Distribution,
        args: &[],
        variadic: Some(ArgType::Any),
        doc: "Categorical bases (AutoHAS): `bases(b1, b2, …)` or `bases(loguniform(lo, hi), k = 5)`. \
              Under autohas the value is a learned mixture Σ pᵢ·bᵢ; otherwise a choice over the bases.",
    },
    // Layers.
    builtin(
        "linear",
        Family::Layer,
        &[req("units", ArgType::Int, POSITIVE_INT, "output features")],
        "A fully connected layer.",
    ),
    builtin(
        "conv",
        Family::Layer,
        &[
            req("channels", ArgType::Int, POSITIVE_INT, "output channels"),
            opt(
                "kernel",
                ArgType::Int,
                POSITIVE_INT,
                "3",
                "square kernel size",
            ),
            opt("stride", ArgType::Int, POSITIVE_INT, "1", "stride"),
            opt(
                "padding",
                ArgType::Padding,
                NON_NEGATIVE,
                "same",
                "`same`, `valid` or pixels",
            ),
        ],
        "A 2-D convolution.",
    ),
    builtin(
        "maxpool",
        Family::Layer,
        &[opt(
            "k",
            ArgType::Int,
            POSITIVE_INT,
            "2",
            "window and stride",
        )],
        "2-D max pooling with a k×k window and stride k.",
    ),
    builtin(
        "avgpool",
        Family::Layer,
        &[opt(
            "k",
            ArgType::Int,
            POSITIVE_INT,
            "2",
            "window and stride",
        )],
        "2-D average pooling with a k×k window and stride k.",
    ),
    builtin(
        "globalpool",
        Family::Layer,
        &[],
        "Averages each channel over all positions.",
    ),
    builtin(
        "flatten",
        Family::Layer,
        &[],
        "Flattens all but the batch dimension.",
    ),
    builtin(
        "dropout",
        Family::Layer,
        &[req(
            "p",
            ArgType::Number,
            Bound::WithinOpenTop(0.0, 1.0),
            "drop probability, in [0, 1)",
        )],
        "Zeroes each value with probability p while training.",
    ),
    builtin(
        "batchnorm",
        Family::Layer,
        &[],
        "Batch normalisation over channels (or features).",
    ),
    builtin(
        "layernorm",
        Family::Layer,
        &[],
        "Layer normalisation over the last dimension.",
    ),
    builtin("relu", Family::Layer, &[], "max(0, x)."),
    builtin("gelu", Family::Layer, &[], "Gaussian error linear unit."),
    builtin("tanh", Family::Layer, &[], "Hyperbolic tangent."),
    builtin("sigmoid", Family::Layer, &[], "Logistic sigmoid."),
    builtin("silu", Family::Layer, &[], "x·sigmoid(x)."),
    builtin("elu", Family::Layer, &[], "Exponential linear unit."),
    builtin("identity", Family::Layer, &[], "Passes its input through."),
    // Dataset sources.
    builtin(
        "builtin",
        Family::Source,
        &[req(
            "name",
            ArgType::Str,
            NONE,
            "a dataset shipped inside hps: \"digits\"",
        )],
        "A dataset shipped inside hps: `digits` (scikit-learn's 1,797 8×8 handwritten digits).",
    ),
    builtin(
        "csv",
        Family::Source,
        &[
            req(
                "path",
                ArgType::Str,
                NONE,
                "file, relative to the .hps file",
            ),
            req("target", ArgType::Str, NONE, "the label column"),
            opt(
                "header",
                ArgType::Bool,
                NONE,
                "true",
                "the first row names the columns",
            ),
            opt(
                "task",
                ArgType::Symbol(&["classification", "regression"]),
                NONE,
                "classification",
                "what the target is",
            ),
        ],
        "Rows of a CSV file; numeric feature columns.",
    ),
    builtin(
        "idx",
        Family::Source,
        &[
            req(
                "images",
                ArgType::Str,
                NONE,
                "the images file (…-idx3-ubyte[.gz])",
            ),
            req(
                "labels",
                ArgType::Str,
                NONE,
                "the labels file (…-idx1-ubyte[.gz])",
            ),
        ],
        "Images and labels in MNIST's IDX format, raw or gzip.",
    ),
    builtin(
        "npz",
        Family::Source,
        &[
            req("path", ArgType::Str, NONE, "the .npz file"),
            opt("x", ArgType::Str, NONE, "\"x\"", "the inputs array"),
            opt("y", ArgType::Str, NONE, "\"y\"", "the targets array"),
        ],
        "Arrays from a NumPy .npz file.",
    ),
    builtin(
        "folder",
        Family::Source,
        &[
            req(
                "path",
                ArgType::Str,
                NONE,
                "a folder with one sub-folder per class",
            ),
            opt(
                "size",
                ArgType::IntList,
                POSITIVE_INT,
                "[32, 32]",
                "resize images to [height, width]",
            ),
        ],
        "Images in one sub-folder per class.",
    ),
    // Transforms.
    builtin(
        "split",
        Family::Transform,
        &[
            opt(
                "val",
                ArgType::Number,
                Bound::Between(0.0, 1.0),
                "0.2",
                "validation fraction",
            ),
            opt(
                "test",
                ArgType::Number,
                Bound::WithinOpenTop(0.0, 1.0),
                "0.0",
                "test fraction",
            ),
            opt("seed", ArgType::Int, NON_NEGATIVE, "0", "shuffling seed"),
            opt(
                "stratify",
                ArgType::Bool,
                NONE,
                "true",
                "keep class proportions",
            ),
        ],
        "Splits the rows into train, validation and test sets.",
    ),
    builtin(
        "standardize",
        Family::Transform,
        &[],
        "Scales each feature to mean 0 and variance 1, with statistics from the train split.",
    ),
    builtin(
        "scale",
        Family::Transform,
        &[req(
            "factor",
            ArgType::Number,
            NONE,
            "multiplier, e.g. 1/255",
        )],
        "Multiplies every input value by a factor.",
    ),
    builtin(
        "take",
        Family::Transform,
        &[req("n", ArgType::Int, POSITIVE_INT, "rows to keep")],
        "Keeps the first n rows.",
    ),
    builtin(
        "subsample",
        Family::Transform,
        &[
            req(
                "fraction",
                ArgType::Number,
                Bound::WithinOpenBottom(0.0, 1.0),
                "fraction of rows to keep",
            ),
            opt("seed", ArgType::Int, NON_NEGATIVE, "0", "sampling seed"),
        ],
        "Keeps a random fraction of the rows.",
    ),
    // Samplers.
    builtin(
        "random",
        Family::Sampler,
        &[],
        "Independent uniform draws (in each parameter's scale).",
    ),
    builtin(
        "grid",
        Family::Sampler,
        &[],
        "Every combination of a finite space, in order.",
    ),
    builtin(
        "bo",
        Family::Sampler,
        &[
            opt(
                "init",
                ArgType::Int,
                POSITIVE_INT,
                "8",
                "random trials before the model is used",
            ),
            opt(
                "acquisition",
                ArgType::Symbol(&["ei", "ucb", "pi"]),
                NONE,
                "ei",
                "acquisition function",
            ),
            opt(
                "kernel",
                ArgType::Symbol(&["matern52", "rbf"]),
                NONE,
                "matern52",
                "GP kernel",
            ),
        ],
        "Bayesian optimisation: a Gaussian process over the encoded space.",
    ),
    builtin(
        "tpe",
        Family::Sampler,
        &[
            opt(
                "init",
                ArgType::Int,
                POSITIVE_INT,
                "10",
                "random trials before the model is used",
            ),
            opt(
                "candidates",
                ArgType::Int,
                POSITIVE_INT,
                "24",
                "candidates scored per suggestion",
            ),
            opt(
                "multivariate",
                ArgType::Bool,
                NONE,
                "true",
                "model parameters active in the same trials jointly (false: each alone)",
            ),
        ],
        "Tree-structured Parzen estimator.",
    ),
    builtin(
        "hyperstar",
        Family::Sampler,
        &[
            req(
                "model",
                ArgType::Str,
                NONE,
                "the trained task-aware predictor",
            ),
            opt(
                "top",
                ArgType::Int,
                POSITIVE_INT,
                "10",
                "configurations taken from the ranking",
            ),
        ],
        "HyperSTAR: ranks configurations for this dataset with a task-aware predictor.",
    ),
    // Schedulers.
    builtin(
        "fifo",
        Family::Scheduler,
        &[],
        "Every trial trains for the full number of epochs.",
    ),
    builtin(
        "sha",
        Family::Scheduler,
        RUNG_ARGS,
        "Successive halving: one bracket; the best 1/eta of each rung continue.",
    ),
    builtin(
        "hyperband",
        Family::Scheduler,
        RUNG_ARGS,
        "Hyperband (Li et al.): successive halving over brackets of different aggressiveness.",
    ),
    builtin(
        "asha",
        Family::Scheduler,
        RUNG_ARGS,
        "Asynchronous successive halving, for parallel workers.",
    ),
    // Stopping rules.
    builtin("none", Family::Stopping, &[], "No early stopping."),
    builtin(
        "svr",
        Family::Stopping,
        &[
            opt(
                "threshold",
                ArgType::Number,
                UNIT,
                "0.95",
                "Δ: stop when P(worse than the kept best) ≥ Δ",
            ),
            opt(
                "offset",
                ArgType::Number,
                NONE,
                "0.0",
                "δ: margin below the best",
            ),
            opt(
                "keep",
                ArgType::Number,
                Bound::WithinOpenBottom(0.0, 1.0),
                "0.25",
                "κ: fraction trained fully",
            ),
            opt(
                "min_curves",
                ArgType::Int,
                Bound::AtLeast(2.0),
                "20",
                "d: full curves before predicting",
            ),
        ],
        "ν-SVR learning-curve prediction (Baker et al.): stop trials predicted to end worse than the best.",
    ),
    // Strategies.
    builtin(
        "autohas",
        Family::Strategy,
        &[
            opt(
                "controller_lr",
                ArgType::Number,
                Bound::Above(0.0),
                "0.01",
                "controller learning rate",
            ),
            opt(
                "entropy",
                ArgType::Number,
                NON_NEGATIVE,
                "0.0",
                "entropy bonus weight",
            ),
            opt(
                "warmup",
                ArgType::Int,
                NON_NEGATIVE,
                "1",
                "epochs of shared-weight training first",
            ),
            opt(
                "retrain",
                ArgType::Bool,
                NONE,
                "true",
                "retrain the result from scratch",
            ),
        ],
        "AutoHAS: one-shot joint search of architecture choices and categorical bases.",
    ),
    // Trial kinds.
    builtin(
        "command",
        Family::Trial,
        &[
            req(
                "template",
                ArgType::Str,
                NONE,
                "argv template; {name} is replaced by a parameter",
            ),
            opt(
                "metrics",
                ArgType::Any,
                NONE,
                "jsonl",
                "`jsonl` or `regex(\"…\")`",
            ),
            opt(
                "timeout",
                ArgType::Duration,
                Bound::Above(0.0),
                "none",
                "per-trial time limit",
            ),
        ],
        "An external trainer: runs the program (no shell) and reads its metrics from stdout.",
    ),
    builtin(
        "lookup",
        Family::Trial,
        &[
            req(
                "path",
                ArgType::Str,
                NONE,
                "a CSV of recorded learning curves",
            ),
            opt("epoch", ArgType::Str, NONE, "\"epoch\"", "the epoch column"),
        ],
        "Replays recorded learning curves (for benchmarking methods offline).",
    ),
    builtin(
        "custom",
        Family::Trial,
        &[],
        "Trained by your own code through hps's library API (`hps::Study::optimize`); `hps run` cannot train it.",
    ),
    // Metric formats.
    builtin(
        "jsonl",
        Family::Metrics,
        &[],
        "One JSON object per line: {\"epoch\": 3, \"val_accuracy\": 0.91}.",
    ),
    builtin(
        "regex",
        Family::Metrics,
        &[req(
            "pattern",
            ArgType::Str,
            NONE,
            "named groups are metrics",
        )],
        "A regular expression whose named groups are metrics.",
    ),
    // Devices.
    builtin(
        "auto",
        Family::Device,
        &[],
        "CUDA when built with it and a GPU is present, else CPU.",
    ),
    builtin("cpu", Family::Device, &[], "The CPU."),
    builtin(
        "cuda",
        Family::Device,
        &[opt("index", ArgType::Int, NON_NEGATIVE, "0", "GPU ordinal")],
        "An NVIDIA GPU (needs a build with `--features cuda`).",
    ),
];

/// The built-in of this family and name.
#[must_use]
pub fn lookup(family: Family, name: &str) -> Option<&'static Builtin> {
    BUILTINS
        .iter()
        .find(|b| b.family == family && b.name == name)
}

/// The built-in of any family with this name.
#[must_use]
pub fn any_named(name: &str) -> Option<&'static Builtin> {
    BUILTINS.iter().find(|b| b.name == name)
}

/// Names of a family's members.
pub fn names(family: Family) -> impl Iterator<Item = &'static str> {
    BUILTINS
        .iter()
        .filter(move |b| b.family == family)
        .map(|b| b.name)
}

/// A field of a study, a budget or a training recipe.
#[derive(Debug, Clone, Copy)]
pub struct FieldSpec {
    /// Its name.
    pub name: &'static str,
    /// The default, as written.
    pub default: &'static str,
    /// One line of docs.
    pub doc: &'static str,
}

const fn field(name: &'static str, default: &'static str, doc: &'static str) -> FieldSpec {
    FieldSpec { name, default, doc }
}

/// Study fields.
pub const STUDY_FIELDS: &[FieldSpec] = &[
    field(
        "data",
        "required with the built-in trainer",
        "a dataset name",
    ),
    field(
        "model",
        "required with the built-in trainer",
        "an arch call; arguments may vary",
    ),
    field(
        "train",
        "adam, lr 1e-3, batch 64, 10 epochs",
        "the training recipe: a space, `SPACE { … }` or `{ … }`",
    ),
    field(
        "params",
        "none",
        "parameters for an external trainer: a space, a list of spaces or `{ … }`",
    ),
    field(
        "trial",
        "the built-in trainer",
        "`command(\"…\")` or `lookup(\"curves.csv\")`",
    ),
    field(
        "objective",
        "maximize val.accuracy",
        "`maximize METRIC` or `minimize METRIC`",
    ),
    field(
        "budget",
        "{ trials = 20 }",
        "`{ trials, epochs, time, parallel }`; the run stops at the first",
    ),
    field(
        "sampler",
        "random",
        "random, grid, bo(…), tpe(…), hyperstar(…)",
    ),
    field("scheduler", "fifo", "fifo, sha(…), hyperband(…), asha(…)"),
    field("stopping", "none", "none or svr(…)"),
    field(
        "strategy",
        "none",
        "autohas(…): one-shot search instead of sampler + scheduler",
    ),
    field("device", "auto", "auto, cpu or cuda(N)"),
    field("seed", "0", "the seed of every random draw"),
];

/// Budget fields, with the type and bound each takes.
pub const BUDGET_FIELDS: &[ArgSpec] = &[
    opt(
        "trials",
        ArgType::Int,
        POSITIVE_INT,
        "none",
        "trials to start (20 when the study has no budget)",
    ),
    opt(
        "epochs",
        ArgType::Int,
        POSITIVE_INT,
        "none",
        "epochs to train, over all trials",
    ),
    opt(
        "time",
        ArgType::Duration,
        Bound::Above(0.0),
        "none",
        "wall-clock limit",
    ),
    opt(
        "parallel",
        ArgType::Int,
        POSITIVE_INT,
        "1",
        "trials at once",
    ),
];

/// Keys of a training recipe the built-in trainer reads.
pub const TRAIN_KEYS: &[ArgSpec] = &[
    opt(
        "optimizer",
        ArgType::Symbol(OPTIMIZERS),
        NONE,
        "adam",
        "sgd, adam or adamw",
    ),
    opt(
        "lr",
        ArgType::Number,
        Bound::Above(0.0),
        "1e-3",
        "learning rate",
    ),
    opt(
        "batch_size",
        ArgType::Int,
        POSITIVE_INT,
        "64",
        "examples per step",
    ),
    opt(
        "epochs",
        ArgType::Int,
        POSITIVE_INT,
        "10",
        "epochs per trial (the scheduler may cut them)",
    ),
    opt(
        "weight_decay",
        ArgType::Number,
        NON_NEGATIVE,
        "0.0",
        "L2 penalty (decoupled for adamw)",
    ),
    opt(
        "momentum",
        ArgType::Number,
        Bound::WithinOpenTop(0.0, 1.0),
        "0.0",
        "SGD momentum",
    ),
    opt(
        "schedule",
        ArgType::Symbol(SCHEDULES),
        NONE,
        "constant",
        "learning-rate schedule",
    ),
    opt(
        "warmup",
        ArgType::Number,
        NON_NEGATIVE,
        "0",
        "epochs of linear warm-up",
    ),
    opt(
        "step_size",
        ArgType::Int,
        POSITIVE_INT,
        "10",
        "epochs between decays of `schedule = step`",
    ),
    opt(
        "gamma",
        ArgType::Number,
        Bound::WithinOpenBottom(0.0, 1.0),
        "0.1",
        "decay factor of `schedule = step`",
    ),
];

/// Defaults the built-in trainer uses for keys a recipe does not set.
pub const TRAIN_DEFAULTS: &[(&str, &str)] = &[
    ("optimizer", "adam"),
    ("lr", "0.001"),
    ("batch_size", "64"),
    ("epochs", "10"),
];
