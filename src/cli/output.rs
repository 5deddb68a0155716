//! How the CLI writes: [`outln!`] and [`errln!`] for every line it prints (a closed pipe, as in
//! `hps check … 2>&1 | head -1`, ends that stream's output quietly instead of panicking as `println!`
//! does), and the diagnostics: miette's graphical report, coloured only on a terminal (and never with
//! `NO_COLOR`), at the terminal's width, at most [`MAX_PRINTED`] of them with a count of the rest.

use std::fmt;
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use miette::{GraphicalReportHandler, GraphicalTheme};

use crate::diagnostic::{Diagnostic, Report};
use crate::semantic::{Checked, ReadError};

/// At most this many diagnostics are printed (errors before warnings); the others are counted.
pub const MAX_PRINTED: usize = 50;

/// Standard output or standard error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// Standard output.
    Out,
    /// Standard error.
    Err,
}

/// Whether each stream's reader has gone (a closed pipe): then nothing more is written to it.
static CLOSED: [AtomicBool; 2] = [AtomicBool::new(false), AtomicBool::new(false)];

/// Writes `args` to `stream`. A closed pipe is not an error: the stream is marked closed and the
/// rest of the output to it is dropped, as Unix tools do.
///
/// # Errors
/// Other write failures (a full disk behind a redirection).
pub fn write(stream: Stream, args: fmt::Arguments<'_>) -> std::io::Result<()> {
    let closed = &CLOSED[stream as usize];
    if closed.load(Ordering::Relaxed) {
        return Ok(());
    }
    let result = match stream {
        Stream::Out => {
            let mut out = std::io::stdout().lock();
            out.write_fmt(args).and_then(|()| out.flush())
        }
        Stream::Err => std::io::stderr().lock().write_fmt(args),
    };
    match result {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            closed.store(true, Ordering::Relaxed);
            Ok(())
        }
        other => other,
    }
}

/// `println!` that ends quietly at a closed pipe (see [`write`]).
macro_rules! outln {
    ($($arg:tt)*) => {{
        let _ = $crate::cli::output::write(
            $crate::cli::output::Stream::Out,
            format_args!("{}\n", format_args!($($arg)*)),
        );
    }};
}

/// `eprintln!` that ends quietly at a closed pipe (see [`write`]).
macro_rules! errln {
    ($($arg:tt)*) => {{
        let _ = $crate::cli::output::write(
            $crate::cli::output::Stream::Err,
            format_args!("{}\n", format_args!($($arg)*)),
        );
    }};
}

pub(crate) use {errln, outln};

/// Prints the diagnostics of `checked` to stderr, at most [`MAX_PRINTED`] (errors first, then
/// warnings, each in source order) followed by a count of the others; returns (errors, warnings).
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
    let errors = checked.diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = checked.diagnostics.len() - errors;
    let shown = shown(&checked.diagnostics, errors);
    for d in &shown {
        let mut out = String::new();
        if handler
            .render_report(&mut out, &Report::new(d, &checked.sources))
            .is_err()
        {
            out = format!("{}: {}\n", d.code, d.message);
        }
        errln!("{out}");
    }
    let hidden = checked.diagnostics.len() - shown.len();
    if hidden > 0 {
        let hidden_errors = errors - shown.iter().filter(|d| d.is_error()).count();
        errln!(
            "… and {} more not shown ({}, {}): the first {MAX_PRINTED} are printed\n",
            hidden,
            count(hidden_errors, "error"),
            count(hidden - hidden_errors, "warning")
        );
    }
    (errors, warnings)
}

/// The diagnostics to print, in source order: the first [`MAX_PRINTED`] errors, then as many
/// warnings as there is room for.
fn shown(diagnostics: &[Diagnostic], errors: usize) -> Vec<&Diagnostic> {
    let warnings_room = MAX_PRINTED.saturating_sub(errors);
    let (mut errors_left, mut warnings_left) = (MAX_PRINTED, warnings_room);
    diagnostics
        .iter()
        .filter(|d| {
            let left = if d.is_error() {
                &mut errors_left
            } else {
                &mut warnings_left
            };
            let keep = *left > 0;
            *left = left.saturating_sub(1);
            keep
        })
        .collect()
}

/// Prints a read failure of an entry file.
pub fn print_read_error(error: &ReadError) {
    errln!(
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
    match write(Stream::Out, format_args!("{text}")) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            errln!("error: cannot write the output: {e}");
            std::process::ExitCode::from(1)
        }
    }
}
