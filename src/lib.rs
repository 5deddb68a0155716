//! hps: hyperparameter and architecture search driven by the `.hps` language.
//!
//! The front half of the interpreter: [`syntax`] parses text into an AST, [`semantic`] checks it into a
//! [`semantic::Program`], and [`plan`] lowers one study into the [`plan::Plan`] that the runtime executes.

pub mod cli;
pub mod diagnostic;
pub mod plan;
pub mod semantic;
pub mod source;
pub mod space;
pub mod stdlib;
pub mod syntax;
