//! hps: hyperparameter and architecture search driven by the `.hps` language.
//!
//! The front end: [`syntax`] parses text into an AST, [`semantic`] checks it into a
//! [`semantic::Program`] against the [`catalogue`] of built-ins, and [`lower`] turns one study into
//! its [`plan::Plan`]. The back end reads nothing but the plan: [`runtime`] composes a run from it —
//! [`sampler`]s propose trials, [`scheduler`]s decide how long they train, [`stopping`] rules end
//! them early, a [`trial::Trainer`] trains them ([`train`] is hps's own, on Candle, with the
//! [`layers`] it builds) — and [`storage`] records every epoch. [`Study`] is the entry point for
//! using hps as a library. `docs/architecture.md` maps the layers; `tests/architecture.rs` keeps
//! the imports between top-level modules acyclic.

pub mod autohas;
pub mod catalogue;
pub mod cli;
pub mod diagnostic;
mod embed;
pub mod format;
pub mod importance;
pub mod input_file;
pub mod keywords;
pub mod layers;
pub mod lower;
pub mod lsp;
pub mod meta;
pub mod plan;
pub mod predictor;
pub mod problem;
pub mod report;
pub mod runtime;
pub mod sampler;
pub mod scheduler;
pub mod seed;
pub mod semantic;
pub mod source;
pub mod space;
pub mod stats;
pub mod stdlib;
pub mod stopping;
pub mod storage;
pub mod suggest;
pub mod syntax;
pub mod timestamp;
pub mod train;
pub mod trial;

pub use embed::{Study, StudyError};
pub use trial::closure::TrialContext;
