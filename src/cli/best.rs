//! `hps best STUDY`: the best trial and its parameters.

use std::process::ExitCode;

use clap::Args;

use crate::cli::output::errln;
use crate::cli::report::store_url;
use crate::cli::report::{open_store, print_best, study_with_plan};

/// Arguments of `hps best`.
#[derive(Debug, Args)]
pub struct BestArgs {
    /// The study's name.
    pub study: String,
    /// The study store: a file (`PATH`, `sqlite://PATH`) or a server (`postgres://USER:PASS@HOST/DB`).
    #[arg(long, default_value = "hps.db", env = "HPS_STORAGE", value_parser = store_url)]
    pub storage: String,
}

/// Runs `hps best`.
pub fn run(args: &BestArgs) -> ExitCode {
    let Some(store) = open_store(&args.storage) else {
        return ExitCode::from(1);
    };
    let Some((study, plan)) = study_with_plan(store.as_ref(), &args.study) else {
        return ExitCode::from(1);
    };
    let trials = match store.trials(study.id) {
        Ok(t) => t,
        Err(e) => {
            errln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    match crate::runtime::best_trial(&trials, plan.objective.direction) {
        Some(best) => {
            print_best(&plan, best);
            ExitCode::SUCCESS
        }
        None => {
            errln!(
                "study `{}` has no finished trial with a value yet",
                args.study
            );
            ExitCode::from(1)
        }
    }
}
