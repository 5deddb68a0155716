//! `hps best STUDY [--importance]`: the best trial and its parameters, and with `--importance` each
//! parameter's importance by fANOVA ([`crate::importance`]).

use std::process::ExitCode;

use clap::Args;

use crate::cli::output::{errln, outln};
use crate::cli::tables::store_url;
use crate::cli::tables::{held_out_of, open_store, print_best, study_with_plan};
use crate::importance;
use crate::plan::Plan;
use crate::storage::{Storage, TrialRecord};

/// Arguments of `hps best`.
#[derive(Debug, Args)]
pub struct BestArgs {
    /// The study's name.
    pub study: String,
    /// The study store: a file (`PATH`, `sqlite://PATH`) or a server (`postgres://USER:PASS@HOST/DB`).
    #[arg(long, default_value = "hps.db", env = "HPS_STORAGE", value_parser = store_url)]
    pub storage: String,
    /// Also print each parameter's importance (fANOVA: its share of the objective's variance).
    #[arg(long)]
    pub importance: bool,
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
            let Some(test) = held_out_of(store.as_ref(), &study, &plan) else {
                return ExitCode::from(1);
            };
            print_best(&plan, best, &test);
            match store.checkpoint(best.id) {
                Ok(Some((epoch, path))) if !path.is_empty() => {
                    outln!("  network: {path} (after epoch {epoch})");
                }
                Ok(Some((epoch, _))) => {
                    outln!("  network: kept in the store (after epoch {epoch})");
                }
                Ok(None) => {}
                Err(e) => {
                    errln!("error: {e}");
                    return ExitCode::from(1);
                }
            }
            if args.importance {
                print_importance(store.as_ref(), study.id, &plan, &trials)
            } else {
                ExitCode::SUCCESS
            }
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

/// Prints the parameters' importances, most important first, or why there are none (exit 1).
fn print_importance(
    store: &dyn Storage,
    study_id: i64,
    plan: &Plan,
    trials: &[TrialRecord],
) -> ExitCode {
    let curves = match store.objective_curves(study_id, &plan.objective.metric) {
        Ok(curves) => curves,
        Err(e) => {
            errln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    match importance::of_study(plan, trials, &curves) {
        Ok(found) => {
            outln!("importance ({}):", found.provenance());
            let width = found.params.iter().map(|i| i.name.len()).max().unwrap_or(0);
            for i in &found.params {
                outln!("  {:<width$}  {:.3}", i.name, i.importance);
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            errln!("error: no importances: {e}");
            ExitCode::from(1)
        }
    }
}
