//! The integration tests: one binary (`autotests = false`), one module per concern.
#![allow(clippy::unwrap_used)]

mod architecture;
mod autohas;
mod cli;
mod contract;
mod dashboard;
mod epoch_protocol;
mod examples;
mod fixtures;
mod fuzz_corpus;
mod golden;
mod grammar_rules;
mod hostile;
mod lsp;
mod meta;
mod mutation;
mod plan;
mod postgres_server;
mod report;
mod run;
mod run_feedback;
mod sampler_context;
mod storage;
mod support;
mod train;
mod workers;
