//! `hps trials STUDY`: a table of every trial: state, objective, epochs, parameters and, for a
//! failed trial, why.

use std::process::ExitCode;

use clap::Args;

use crate::cli::output::errln;
use crate::cli::tables::store_url;
use crate::cli::tables::{held_out_of, open_store, study_with_plan, trials_table};

/// Arguments of `hps trials`.
#[derive(Debug, Args)]
pub struct TrialsArgs {
    /// The study's name.
    pub study: String,
    /// The study store: a file (`PATH`, `sqlite://PATH`) or a server (`postgres://USER:PASS@HOST/DB`).
    #[arg(long, default_value = "hps.db", env = "HPS_STORAGE", value_parser = store_url)]
    pub storage: String,
}

/// Runs `hps trials`.
pub fn run(args: &TrialsArgs) -> ExitCode {
    let Some(store) = open_store(&args.storage) else {
        return ExitCode::from(1);
    };
    let Some((study, plan)) = study_with_plan(store.as_ref(), &args.study) else {
        return ExitCode::from(1);
    };
    let Some(test) = held_out_of(store.as_ref(), &study, &plan) else {
        return ExitCode::from(1);
    };
    match store.trials(study.id) {
        Ok(trials) => crate::cli::output::print_stdout(&trials_table(&plan, &trials, &test)),
        Err(e) => {
            errln!("error: {e}");
            ExitCode::from(1)
        }
    }
}
