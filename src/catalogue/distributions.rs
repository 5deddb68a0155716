//! Distributions: what may vary wherever a value may (`uniform`, `loguniform`, `int`, `choice`,
//! `ordinal`), the architecture choice `choose` and AutoHAS' categorical `bases`.

use super::spec::{ArgType, Bound, Builtin, Family, NONE, POSITIVE_INT, builtin, opt, req};

/// Distributions.
pub const DISTRIBUTIONS: &[Builtin] = &[
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
];
