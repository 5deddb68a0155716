//! What a study optimises: the metric and its direction. Read by every stage that ranks trials
//! (schedulers, stopping rules, samplers, reports).

use serde::{Deserialize, Serialize};

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
