//! `hps check FILE...`: reports every error and warning of the files and their imports.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use crate::cli::output::{count, errln, print_diagnostics, print_read_error};
use crate::semantic::check_paths;

/// Arguments of `hps check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The .hps files to check.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

/// Runs `hps check`.
pub fn run(args: &CheckArgs) -> ExitCode {
    let checked = match check_paths(&args.files) {
        Ok(checked) => checked,
        Err(error) => {
            print_read_error(&error);
            return ExitCode::from(2);
        }
    };
    let (errors, warnings) = print_diagnostics(&checked);
    let files = count(args.files.len(), "file");
    if errors > 0 {
        errln!(
            "{files} checked: {}, {}",
            count(errors, "error"),
            count(warnings, "warning")
        );
        ExitCode::from(1)
    } else {
        let studies = count(checked.program.studies.len(), "study").replace("studys", "studies");
        errln!(
            "{files} checked: no errors, {}; {studies}",
            count(warnings, "warning")
        );
        ExitCode::SUCCESS
    }
}
