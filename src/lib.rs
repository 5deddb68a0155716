//! hps: hyperparameter and architecture search driven by the `.hps` language.
//!
//! [`syntax`] parses text into an AST, [`semantic`] checks it into a [`semantic::Program`], [`plan`]
//! lowers one study into the [`plan::Plan`] that [`runtime`] executes: [`sampler`]s propose trials,
//! a [`trial::Trainer`] trains them ([`train`] is hps's own, on Candle) and [`storage`] records every
//! epoch. [`Study`] is the entry point for using hps as a library.

pub mod cli;
pub mod diagnostic;
mod embed;
pub mod format;
pub mod layers;
pub mod lsp;
pub mod plan;
pub mod predictor;
pub mod runtime;
pub mod sampler;
pub mod scheduler;
pub mod semantic;
pub mod source;
pub mod space;
pub mod stats;
pub mod stdlib;
pub mod stopping;
pub mod storage;
pub mod syntax;
pub mod train;
pub mod trial;

pub use embed::{Study, StudyError, TrialContext};
