//! Layers: what an `arch` body is made of. Each name here has its implementation — shape, parameter
//! count, Candle module — in its own file under `crate::layers`.

use super::spec::{ArgType, Bound, Builtin, Family, NON_NEGATIVE, POSITIVE_INT, builtin, opt, req};

/// Layers.
pub const LAYERS: &[Builtin] = &[
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
];
