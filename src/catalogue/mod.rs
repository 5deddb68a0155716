//! The catalogue of built-ins: every distribution, layer, dataset source and transform, sampler,
//! scheduler, stopping rule, strategy, trial kind, metrics format, device, study field, budget field
//! and training key, with argument types, bounds, defaults and docs. The one source of truth for the
//! checker (`crate::semantic`), the plan's typed values and their defaults (`crate::plan`), the
//! trainer's recipe defaults, the language server's hover and completion (`crate::lsp`) and the
//! reference tables of `docs/language.md` (a test ties them).
//!
//! It depends on nothing but [`crate::space::Value`]: every stage above may read it.

mod data;
mod default_value;
mod distributions;
mod fields;
mod layers;
mod search;
mod spec;
mod trials;

pub use default_value::default_value;
pub use fields::{BUDGET_FIELDS, FILLED_TRAIN_KEYS, STUDY_FIELDS, TRAIN_KEYS, train_key};
pub use spec::{ArgSpec, ArgType, Bound, Builtin, Family, FieldSpec};

/// Optimisers the built-in trainer knows.
pub const OPTIMIZERS: &[&str] = &["sgd", "adam", "adamw"];
/// Learning-rate schedules the built-in trainer knows.
pub const SCHEDULES: &[&str] = &["constant", "cosine", "step"];
/// Activation layers (what an activation-valued parameter may hold).
pub const ACTIVATIONS: &[&str] = &["relu", "gelu", "tanh", "sigmoid", "silu", "elu", "identity"];
/// Datasets shipped inside hps.
pub const BUILTIN_DATASETS: &[&str] = &["digits", "fashion_mnist"];
/// Arch parameter types.
pub const ARCH_TYPES: &[&str] = &["int", "float", "bool", "str", "layer"];

/// The tables, family by family, in the order [`all`] lists them.
const TABLES: &[&[Builtin]] = &[
    distributions::DISTRIBUTIONS,
    layers::LAYERS,
    data::SOURCES,
    data::TRANSFORMS,
    search::SAMPLERS,
    search::SCHEDULERS,
    search::STOPPING_RULES,
    search::STRATEGIES,
    trials::TRIAL_KINDS,
    trials::METRICS_FORMATS,
    trials::DEVICES,
];

/// Every callable built-in.
pub fn all() -> impl Iterator<Item = &'static Builtin> {
    TABLES.iter().flat_map(|table| table.iter())
}

/// The built-in of this family and name.
#[must_use]
pub fn lookup(family: Family, name: &str) -> Option<&'static Builtin> {
    all().find(|b| b.family == family && b.name == name)
}

/// The built-in of any family with this name.
#[must_use]
pub fn any_named(name: &str) -> Option<&'static Builtin> {
    all().find(|b| b.name == name)
}

/// Names of a family's members.
pub fn names(family: Family) -> impl Iterator<Item = &'static str> {
    all().filter(move |b| b.family == family).map(|b| b.name)
}
