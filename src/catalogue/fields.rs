//! Fields: of a study, of its budget, and the keys of a training recipe the built-in trainer reads.

use super::OPTIMIZERS;
use super::SCHEDULES;
use super::spec::{
    ArgSpec, ArgType, Bound, FieldSpec, NON_NEGATIVE, NONE, POSITIVE_INT, field, opt,
};

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
    field(
        "artifacts",
        "beside the store, or in a database store",
        "a folder every worker's machine sees for trial folders and checkpoints (as `--artifacts`)",
    ),
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

/// Training keys whose default goes into every trial's configuration when a recipe does not set
/// them, so that the plan, the store and a command's `HPS_*` variables show the value used; their
/// defaults are those of [`TRAIN_KEYS`].
pub const FILLED_TRAIN_KEYS: &[&str] = &["optimizer", "lr", "batch_size", "epochs"];

/// The training key `name`.
#[must_use]
pub fn train_key(name: &str) -> Option<&'static ArgSpec> {
    TRAIN_KEYS.iter().find(|k| k.name == name)
}
