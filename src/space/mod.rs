//! The search space as data: [`Value`]s, [`Distribution`]s, resolved [`Term`]s and the
//! [`SearchSpace`] of a study, and the [`operator`]s of expressions. Produced by
//! [`crate::semantic`]; carried by the plan; read by the samplers, the trainer and the stopping rule.

mod distribution;
pub mod encoding;
pub mod operator;
mod search_space;
mod term;
pub mod unit;
mod value;

pub use distribution::Distribution;
pub use search_space::{Config, Derived, Fixed, GridSize, Param, SearchSpace};
pub use term::{Link, Term, arithmetic, compare};
pub use value::{Key, Value, format_float};
