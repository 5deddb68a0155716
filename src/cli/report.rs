//! `hps report STUDY [-o FILE]`: writes the study's report ([`crate::report`]), one HTML page of
//! plots that needs no network, read from the store without writing to it. Exit codes: 1 when the
//! store or the study cannot be read, 2 when the page cannot be written.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use crate::cli::output::{errln, print_stdout};
use crate::cli::tables::{open_store, store_url, study_with_plan};
use crate::report::{self, StudyData};
use crate::storage::unix_now;

/// Arguments of `hps report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The study's name.
    pub study: String,
    /// The study store: a file (`PATH`, `sqlite://PATH`) or a server (`postgres://USER:PASS@HOST/DB`).
    #[arg(long, default_value = "hps.db", env = "HPS_STORAGE", value_parser = store_url)]
    pub storage: String,
    /// Where to write the page (default: `STUDY.html` in the current folder; `-`: standard output).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Runs `hps report`.
pub fn run(args: &ReportArgs) -> ExitCode {
    let Some(store) = open_store(&args.storage) else {
        return ExitCode::from(1);
    };
    let Some((study, plan)) = study_with_plan(store.as_ref(), &args.study) else {
        return ExitCode::from(1);
    };
    let data = match StudyData::load(store.as_ref(), study, plan) {
        Ok(data) => data,
        Err(e) => {
            errln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let page = report::render(&data, unix_now());
    let path = args
        .output
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("{}.html", args.study)));
    if path.as_os_str() == "-" {
        return print_stdout(&page);
    }
    if let Err(e) = std::fs::write(&path, page) {
        errln!("error: cannot write {}: {e}", path.display());
        return ExitCode::from(2);
    }
    errln!(
        "wrote {} ({} trials of study `{}`)",
        path.display(),
        data.trials.len(),
        data.study.name
    );
    ExitCode::SUCCESS
}
