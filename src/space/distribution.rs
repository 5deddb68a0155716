//! Distributions: the domain a searched parameter draws from. Built by the semantic stage from calls
//! such as `loguniform(1e-4, 1)`; read by the plan, the samplers and the grid enumerator.

use serde::{Deserialize, Serialize};

use crate::space::Value;

/// Where a parameter's values come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Distribution {
    /// Reals in `[low, high]`, optionally quantised to multiples of `step` from `low`.
    Uniform {
        /// Lower bound.
        low: f64,
        /// Upper bound.
        high: f64,
        /// Quantisation step.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        step: Option<f64>,
    },
    /// Reals in `[low, high]`, uniform in `log`.
    #[serde(rename = "loguniform")]
    LogUniform {
        /// Lower bound (> 0).
        low: f64,
        /// Upper bound.
        high: f64,
    },
    /// Integers in `[low, high]`, inclusive.
    Int {
        /// Lower bound.
        low: i64,
        /// Upper bound.
        high: i64,
        /// Uniform in `log`.
        #[serde(default)]
        log: bool,
        /// Only `low + k·step`.
        step: i64,
    },
    /// One of unordered values.
    Choice {
        /// The values.
        values: Vec<Value>,
    },
    /// One of ordered values.
    Ordinal {
        /// The values, in order.
        values: Vec<Value>,
    },
    /// Categorical bases (AutoHAS): a learned mixture under `autohas`, a choice otherwise.
    Bases {
        /// The basis values.
        values: Vec<f64>,
        /// Whether the bases were placed on a log scale.
        #[serde(default)]
        log: bool,
    },
}

impl Distribution {
    /// The kind's name as written in `.hps` files.
    #[must_use]
    pub fn kind_name(&self) -> &'static str {
        match self {
            Distribution::Uniform { .. } => "uniform",
            Distribution::LogUniform { .. } => "loguniform",
            Distribution::Int { .. } => "int",
            Distribution::Choice { .. } => "choice",
            Distribution::Ordinal { .. } => "ordinal",
            Distribution::Bases { .. } => "bases",
        }
    }

    /// The finite set of values, when there is one (`None` for continuous ranges).
    #[must_use]
    pub fn finite_values(&self) -> Option<Vec<Value>> {
        match self {
            Distribution::Uniform {
                low,
                high,
                step: Some(step),
            } if *step > 0.0 => {
                let count = ((high - low) / step + 1e-9).floor();
                if count > 1e6 {
                    return None;
                }
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                let count = count as usize;
                #[allow(clippy::cast_precision_loss)]
                Some(
                    (0..=count)
                        .map(|k| Value::Float(low + k as f64 * step))
                        .collect(),
                )
            }
            Distribution::Uniform { .. } | Distribution::LogUniform { .. } => None,
            Distribution::Int {
                low, high, step, ..
            } => {
                let step = (*step).max(1);
                let count = (high - low) / step + 1;
                if count > 1_000_000 {
                    return None;
                }
                Some((0..count).map(|k| Value::Int(low + k * step)).collect())
            }
            Distribution::Choice { values } | Distribution::Ordinal { values } => {
                Some(values.clone())
            }
            Distribution::Bases { values, .. } => {
                Some(values.iter().map(|v| Value::Float(*v)).collect())
            }
        }
    }

    /// The number of values, when finite.
    #[must_use]
    pub fn cardinality(&self) -> Option<u64> {
        match self {
            Distribution::Int {
                low, high, step, ..
            } => u64::try_from((high - low) / (*step).max(1) + 1).ok(),
            _ => self.finite_values().map(|v| v.len() as u64),
        }
    }

    /// Whether values are numbers on a continuous range.
    #[must_use]
    pub fn is_continuous(&self) -> bool {
        self.finite_values().is_none() && !matches!(self, Distribution::Int { .. })
    }

    /// `"log"` or `"linear"` for numeric ranges, `None` for categorical ones.
    #[must_use]
    pub fn scale(&self) -> Option<&'static str> {
        match self {
            Distribution::LogUniform { .. } => Some("log"),
            Distribution::Int { log: true, .. } | Distribution::Bases { log: true, .. } => {
                Some("log")
            }
            Distribution::Uniform { .. }
            | Distribution::Int { .. }
            | Distribution::Bases { .. } => Some("linear"),
            Distribution::Choice { .. } | Distribution::Ordinal { .. } => None,
        }
    }

    /// Numeric bounds `(low, high)`, for numeric domains.
    #[must_use]
    pub fn bounds(&self) -> Option<(f64, f64)> {
        #[allow(clippy::cast_precision_loss)]
        match self {
            Distribution::Uniform { low, high, .. } | Distribution::LogUniform { low, high } => {
                Some((*low, *high))
            }
            Distribution::Int { low, high, .. } => Some((*low as f64, *high as f64)),
            Distribution::Bases { values, .. } => {
                let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
                let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                Some((lo, hi))
            }
            Distribution::Choice { values } | Distribution::Ordinal { values } => {
                let nums: Option<Vec<f64>> = values.iter().map(Value::as_f64).collect();
                let nums = nums?;
                let lo = nums.iter().copied().fold(f64::INFINITY, f64::min);
                let hi = nums.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                Some((lo, hi))
            }
        }
    }

    /// The type of the values: `"int"`, `"float"`, `"string"`, `"bool"` or `"mixed"`.
    #[must_use]
    pub fn value_type(&self) -> &'static str {
        match self {
            Distribution::Uniform { .. }
            | Distribution::LogUniform { .. }
            | Distribution::Bases { .. } => "float",
            Distribution::Int { .. } => "int",
            Distribution::Choice { values } | Distribution::Ordinal { values } => {
                let mut kinds = values.iter().map(Value::type_name);
                let first = kinds.next().unwrap_or("mixed");
                if kinds.all(|k| k == first) {
                    first
                } else if values.iter().all(|v| v.as_f64().is_some()) {
                    "float"
                } else {
                    "mixed"
                }
            }
        }
    }
}
