//! `hps status`: every study in the store with its trial counts and best value, then the workers
//! of each study that has some running (see [`super::workers`]).

use std::process::ExitCode;

use clap::Args;

use crate::cli::output::{errln, outln};
use crate::cli::tables::store_url;
use crate::cli::tables::{STATE_COLUMNS, best_line, open_store, plan_of};
use crate::cli::workers::workers_table;

/// Arguments of `hps status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The study store: a file (`PATH`, `sqlite://PATH`) or a server (`postgres://USER:PASS@HOST/DB`).
    #[arg(long, default_value = "hps.db", env = "HPS_STORAGE", value_parser = store_url)]
    pub storage: String,
}

/// Runs `hps status`.
pub fn run(args: &StatusArgs) -> ExitCode {
    let Some(store) = open_store(&args.storage) else {
        return ExitCode::from(1);
    };
    let studies = match store.studies() {
        Ok(s) => s,
        Err(e) => {
            errln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    if studies.is_empty() {
        outln!("no studies in {}", args.storage);
        return ExitCode::SUCCESS;
    }
    let [complete, awaiting, stopped, failed, queued, running] = STATE_COLUMNS;
    outln!(
        "{:<24} {complete:>8} {awaiting:>8} {stopped:>8} {failed:>7} {queued:>6} {running:>7}  best",
        "study"
    );
    let mut tables = Vec::new();
    for s in &studies {
        let n = |state: &str| s.counts.get(state).copied().unwrap_or(0);
        // The listing holds each study's record and plan: no second read per study.
        let best = plan_of(&s.study).and_then(|plan| best_line(store.as_ref(), &s.study, &plan));
        outln!(
            "{:<24} {:>8} {:>8} {:>8} {:>7} {:>6} {:>7}  {}",
            s.study.name,
            n(complete),
            n(awaiting),
            n(stopped),
            n(failed),
            n(queued),
            n(running),
            best.unwrap_or_else(|| String::from("-"))
        );
        match store.workers(s.study.id) {
            Ok(workers) => tables.extend(workers_table(
                &s.study.name,
                &workers,
                crate::storage::unix_now(),
            )),
            Err(e) => {
                errln!("error: {e}");
                return ExitCode::from(1);
            }
        }
    }
    for table in tables {
        outln!("\n{}", table.trim_end());
    }
    ExitCode::SUCCESS
}
