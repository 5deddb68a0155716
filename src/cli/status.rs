//! `hps status`: every study in the store with its trial counts and best value, then the workers
//! of each study that has some running (see [`super::workers`]).

use std::process::ExitCode;

use clap::Args;

use crate::cli::output::{errln, outln};
use crate::cli::tables::store_url;
use crate::cli::tables::{direction_word, open_store, plan_of};
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
    outln!(
        "{:<24} {:>8} {:>8} {:>8} {:>7} {:>6} {:>7}  best",
        "study",
        "complete",
        "awaiting",
        "stopped",
        "failed",
        "queued",
        "running"
    );
    let mut tables = Vec::new();
    for s in &studies {
        let n = |state: &str| s.counts.get(state).copied().unwrap_or(0);
        // The listing holds each study's record and plan: no second read per study.
        let best = plan_of(&s.study).and_then(|plan| {
            let trials = store.trials(s.study.id).ok()?;
            crate::runtime::best_trial(&trials, plan.objective.direction).map(|b| {
                format!(
                    "{} {} = {:.4} (trial {})",
                    direction_word(plan.objective.direction),
                    plan.objective.metric,
                    b.value.unwrap_or(f64::NAN),
                    b.number
                )
            })
        });
        outln!(
            "{:<24} {:>8} {:>8} {:>8} {:>7} {:>6} {:>7}  {}",
            s.study.name,
            n("complete"),
            n("awaiting"),
            n("stopped"),
            n("failed"),
            n("queued"),
            n("running"),
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
