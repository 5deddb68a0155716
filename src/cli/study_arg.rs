//! Loading the study a command acts on: check the file (printing its diagnostics), then pick the study
//! named by `--study`, or the file's only study.

use std::path::Path;
use std::process::ExitCode;

use crate::cli::output::{errln, print_diagnostics, print_read_error};
use crate::semantic::{Checked, Study, check_paths};

/// The study to act on; prints why there is none.
#[must_use]
pub fn pick_study<'a>(studies: &'a [Study], name: Option<&str>, file: &Path) -> Option<&'a Study> {
    let names: Vec<&str> = studies.iter().map(|s| s.name.as_str()).collect();
    let found = match (name, studies) {
        (Some(name), _) => studies.iter().find(|s| s.name == name),
        (None, [only]) => Some(only),
        (None, _) => None,
    };
    if found.is_none() {
        match name {
            Some(name) => errln!(
                "error: no study `{name}` in {}; studies: {}",
                file.display(),
                names.join(", ")
            ),
            None if names.is_empty() => errln!("error: {} declares no study", file.display()),
            None => errln!(
                "error: {} declares several studies; pick one with --study ({})",
                file.display(),
                names.join(", ")
            ),
        }
    }
    found
}

/// Checks `file` and picks its study; on failure prints why and returns the exit code (1: the file
/// has errors; 2: unreadable file or no such study).
pub fn load_study(file: &Path, name: Option<&str>) -> Result<(Checked, usize), ExitCode> {
    let checked = check_paths(&[file.to_path_buf()]).map_err(|error| {
        print_read_error(&error);
        ExitCode::from(2)
    })?;
    let (errors, _) = print_diagnostics(&checked);
    if errors > 0 {
        return Err(ExitCode::from(1));
    }
    let study = pick_study(&checked.program.studies, name, file).ok_or(ExitCode::from(2))?;
    let index = checked
        .program
        .studies
        .iter()
        .position(|s| std::ptr::eq(s, study))
        .unwrap_or(0);
    Ok((checked, index))
}
