//! Dataset pipelines: sources (`builtin`, `csv`, `idx`, `npz`, `folder`) and the transforms after
//! `|` (`split`, `standardize`, `scale`, `take`, `subsample`).

use super::spec::{
    ArgType, Bound, Builtin, Family, NON_NEGATIVE, NONE, POSITIVE_INT, builtin, opt, req,
};

/// Dataset sources.
pub const SOURCES: &[Builtin] = &[
    builtin(
        "builtin",
        Family::Source,
        &[req(
            "name",
            ArgType::Str,
            NONE,
            "a dataset shipped inside hps: \"digits\"",
        )],
        "A dataset known by name: `digits` (scikit-learn's 1,797 8×8 handwritten digits, inside hps) or `fashion_mnist` (the 60,000 28×28 Fashion-MNIST training images, from `HPS_FASHION_MNIST` or Debian's `dataset-fashion-mnist` package).",
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
];

/// Dataset transforms.
pub const TRANSFORMS: &[Builtin] = &[
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
];
