//! How trials train and where: trial kinds (`command`, `lookup`, `custom`), a command's metrics
//! formats and devices.

use super::spec::{ArgType, Bound, Builtin, Family, NON_NEGATIVE, NONE, builtin, opt, req};

/// Trial kinds.
pub const TRIAL_KINDS: &[Builtin] = &[
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
];

/// Metrics formats of `command(…)`.
pub const METRICS_FORMATS: &[Builtin] = &[
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
];

/// Devices.
pub const DEVICES: &[Builtin] = &[
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
