//! How the CLI prints diagnostics: miette's graphical report, coloured only on a terminal (and never
//! with `NO_COLOR`), at the terminal's width.

use std::io::IsTerminal;

use miette::{GraphicalReportHandler, GraphicalTheme};

use crate::diagnostic::Report;
use crate::semantic::{Checked, ReadError};

/// Prints every diagnostic of `checked` to stderr; returns (errors, warnings).
pub fn print_diagnostics(checked: &Checked) -> (usize, usize) {
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let width = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(100);
    let handler = GraphicalReportHandler::new_themed(theme).with_width(width);
    let mut errors = 0;
    let mut warnings = 0;
    for d in &checked.diagnostics {
        if d.is_error() {
            errors += 1;
        } else {
            warnings += 1;
        }
        let mut out = String::new();
        if handler
            .render_report(&mut out, &Report::new(d, &checked.sources))
            .is_err()
        {
            out = format!("{}: {}\n", d.code, d.message);
        }
        eprintln!("{out}");
    }
    (errors, warnings)
}

/// Prints a read failure of an entry file.
pub fn print_read_error(error: &ReadError) {
    eprintln!(
        "error: cannot read {}: {}",
        error.path.display(),
        error.error
    );
}

/// `1 error`, `2 warnings`.
#[must_use]
pub fn count(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

/// Writes `text` to stdout. A closed pipe (`hps export … | head`) ends the output quietly instead of
/// panicking as `print!` does; other write errors are reported.
pub fn print_stdout(text: &str) -> std::process::ExitCode {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: cannot write the output: {e}");
            std::process::ExitCode::from(1)
        }
    }
}
