//! `hps lsp`: runs the language server on stdin/stdout (editors start it; see docs/editors.md).

use crate::cli::output::errln;
use std::process::ExitCode;

/// Runs `hps lsp`.
#[must_use]
pub fn run() -> ExitCode {
    match crate::lsp::serve_stdio() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            errln!("hps lsp: {message}");
            ExitCode::FAILURE
        }
    }
}
