//! Picking the study of a file: the one named by `--study`, or the file's only study.

use std::path::Path;

use crate::semantic::Study;

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
            Some(name) => eprintln!(
                "error: no study `{name}` in {}; studies: {}",
                file.display(),
                names.join(", ")
            ),
            None if names.is_empty() => eprintln!("error: {} declares no study", file.display()),
            None => eprintln!(
                "error: {} declares several studies; pick one with --study ({})",
                file.display(),
                names.join(", ")
            ),
        }
    }
    found
}
