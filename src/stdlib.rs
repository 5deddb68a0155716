//! The embedded standard library: `stdlib/std/*.hps`, imported as `"std/…"`. Compiled into the
//! binary so `import "std/nets.hps"` works wherever hps runs. Read by the loader
//! (`crate::semantic::load`) and the language server.

/// `(import path, text)` of every standard-library file.
pub const FILES: &[(&str, &str)] = &[
    ("std/nets.hps", include_str!("../stdlib/std/nets.hps")),
    ("std/recipes.hps", include_str!("../stdlib/std/recipes.hps")),
];

/// The text of a standard-library file, by import path.
#[must_use]
pub fn get(path: &str) -> Option<&'static str> {
    FILES
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, text)| *text)
}
