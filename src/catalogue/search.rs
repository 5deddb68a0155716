//! How a study searches: samplers, schedulers, stopping rules and one-shot strategies. The plan
//! lowers each entry into a typed value once (`crate::plan::SamplerPlan`, …); the defaults here are
//! the only ones.

use super::spec::{
    ArgSpec, ArgType, Bound, Builtin, Family, NON_NEGATIVE, NONE, POSITIVE_INT, UNIT, builtin, opt,
    req,
};

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

/// Samplers.
pub const SAMPLERS: &[Builtin] = &[
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
            opt(
                "then",
                ArgType::Symbol(&["bo", "tpe", "random"]),
                NONE,
                "bo",
                "the sampler after the ranked configurations, warm-started by them",
            ),
        ],
        "HyperSTAR: ranks configurations for this dataset with a task-aware predictor, then searches on from them.",
    ),
];

/// Schedulers.
pub const SCHEDULERS: &[Builtin] = &[
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
];

/// Stopping rules.
pub const STOPPING_RULES: &[Builtin] = &[
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
];

/// One-shot strategies.
pub const STRATEGIES: &[Builtin] = &[builtin(
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
            "steps",
            ArgType::Int,
            Bound::AtLeast(1.0),
            "1",
            "training steps a sampled configuration takes before its reward",
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
)];
