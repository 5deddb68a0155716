//! The network a study trains: the architecture's body as checked ([`LayerNode`]) and the model's
//! bindings of architecture parameters to the study's parameters ([`Model`]). The plan carries them so
//! a stored plan can be re-run; `crate::plan::network` instantiates them for one configuration.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::space::Term;

/// The name inside an architecture body of the task's output count (classes, or regression targets).
pub const OUTPUTS: &str = "outputs";

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

/// `model = ARCH(…)` in a study.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    /// The architecture's name.
    pub arch: String,
    /// Each architecture parameter (and body choice) bound to a term over the study's parameters.
    pub bindings: BTreeMap<String, Term>,
}
