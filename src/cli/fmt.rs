//! `hps fmt [--check] FILE...`: rewrites files in the canonical layout ([`crate::format`]), or with
//! `--check` prints a diff for each file that is not formatted. `-` or no file formats standard input
//! to standard output.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use similar::TextDiff;

use crate::cli::output::{count, errln, print_diagnostics, print_read_error, print_stdout};
use crate::format::{FormatError, format_source};
use crate::input_file;
use crate::semantic::{Checked, Program, ReadError};
use crate::source::SourceMap;

/// Arguments of `hps fmt`.
#[derive(Debug, Args)]
pub struct FmtArgs {
    /// The .hps files to format in place; `-` (or none) reads standard input and writes standard output.
    pub files: Vec<PathBuf>,
    /// Write nothing: print a diff for every file that is not formatted, and exit 1 if there is one.
    #[arg(long)]
    pub check: bool,
}

/// What happened to one file.
enum Outcome {
    /// Already formatted.
    Unchanged,
    /// Rewritten, or (with `--check`) would be.
    Changed,
    /// Syntax errors, or a formatter error: reported, not formatted.
    Failed,
    /// Could not be read or written.
    Unreadable,
}

/// Runs `hps fmt`.
pub fn run(args: &FmtArgs) -> ExitCode {
    let stdin = Path::new("-");
    let files: Vec<&Path> = if args.files.is_empty() {
        vec![stdin]
    } else {
        args.files.iter().map(PathBuf::as_path).collect()
    };
    let outcomes: Vec<Outcome> = files
        .iter()
        .map(|&file| {
            if file == stdin {
                format_stdin(args.check)
            } else {
                format_file(file, args.check)
            }
        })
        .collect();
    let tally = |wanted: fn(&Outcome) -> bool| outcomes.iter().filter(|o| wanted(o)).count();
    let changed = tally(|o| matches!(o, Outcome::Changed));
    let failed = tally(|o| matches!(o, Outcome::Failed));
    let unreadable = tally(|o| matches!(o, Outcome::Unreadable));
    if files != [stdin] {
        let verb = if args.check {
            "would be reformatted"
        } else {
            "reformatted"
        };
        let mut summary = format!("{}: {changed} {verb}", count(files.len(), "file"));
        if failed > 0 {
            summary.push_str(&format!(", {failed} with errors"));
        }
        errln!("{summary}");
    }
    if unreadable > 0 {
        ExitCode::from(2)
    } else if failed > 0 || (args.check && changed > 0) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn format_file(path: &Path, check: bool) -> Outcome {
    // As `hps check` reads it: a device, a pipe or a folder is refused, and so is a huge file.
    let text = match input_file::read_to_string(path, input_file::SOURCE_LIMIT) {
        Ok(text) => text,
        Err(error) => {
            print_read_error(&ReadError {
                path: path.to_path_buf(),
                error: error.into(),
            });
            return Outcome::Unreadable;
        }
    };
    let name = path.display().to_string();
    let Some(formatted) = format_reporting(&name, &text) else {
        return Outcome::Failed;
    };
    if formatted == text {
        return Outcome::Unchanged;
    }
    if check {
        print_diff(&name, &text, &formatted);
    } else if let Err(error) = std::fs::write(path, &formatted) {
        errln!("error: cannot write {name}: {error}");
        return Outcome::Unreadable;
    } else {
        print_stdout(&format!("reformatted {name}\n"));
    }
    Outcome::Changed
}

fn format_stdin(check: bool) -> Outcome {
    let mut text = String::new();
    let mut stdin = input_file::Capped::new(std::io::stdin().lock(), input_file::SOURCE_LIMIT);
    if let Err(error) = stdin.read_to_string(&mut text) {
        errln!(
            "error: cannot read standard input: {}",
            input_file::from_io(error)
        );
        return Outcome::Unreadable;
    }
    let Some(formatted) = format_reporting("<stdin>", &text) else {
        return Outcome::Failed;
    };
    if check {
        if formatted == text {
            return Outcome::Unchanged;
        }
        print_diff("<stdin>", &text, &formatted);
        return Outcome::Changed;
    }
    print_stdout(&formatted);
    Outcome::Unchanged
}

/// Formats `text`, or prints why not (syntax errors as `hps check` prints them) and returns `None`.
fn format_reporting(name: &str, text: &str) -> Option<String> {
    match format_source(text) {
        Ok(formatted) => Some(formatted),
        Err(FormatError::Syntax(diagnostics)) => {
            let mut sources = SourceMap::new();
            sources.add(name, text);
            print_diagnostics(&Checked {
                sources,
                program: Program::default(),
                diagnostics,
            });
            None
        }
        Err(error @ FormatError::Internal(_)) => {
            errln!("error: cannot format {name}: {error}");
            None
        }
    }
}

/// Prints a unified diff from `old` to `new`.
fn print_diff(name: &str, old: &str, new: &str) {
    let diff = TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(name, &format!("{name} (formatted)"))
        .to_string();
    print_stdout(&diff);
}
