//! The semantic stage: loads files and imports, resolves names, checks every item, and returns the
//! checked [`Program`] with every diagnostic of every file, sorted. Consumed by [`crate::lower`] (one
//! study into its plan), the CLI's `check` and the language server.

pub mod arch;
pub mod args;
pub mod condition;
pub mod dataset;
pub mod distribution;
pub mod expr;
pub mod load;
pub mod program;
pub mod scope;
pub mod space_builder;
pub mod study;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

pub use load::{Loaded, Loader, ReadError};
pub use program::{Arch, Dataset, Program, Study};

use crate::diagnostic::{self, Code, Diagnostic, Report};
use crate::source::SourceMap;
use crate::syntax::Span;
use crate::syntax::ast::Item;

/// The result of a check: sources (for rendering), the program, and diagnostics in source order.
#[derive(Debug, Clone)]
pub struct Checked {
    /// Every file read.
    pub sources: SourceMap,
    /// What the files declare (studies only when they have no errors).
    pub program: Program,
    /// Errors and warnings, sorted by file and position.
    pub diagnostics: Vec<Diagnostic>,
}

impl Checked {
    /// Whether any diagnostic is an error.
    #[must_use]
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// Every diagnostic rendered without colour at `width` columns, separated by blank lines.
    #[must_use]
    pub fn render_plain(&self, width: usize) -> String {
        self.diagnostics
            .iter()
            .map(|d| Report::new(d, &self.sources).render_plain(width))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Checks files on disk (and everything they import).
///
/// # Errors
/// When an entry file cannot be read.
pub fn check_paths(paths: &[PathBuf]) -> Result<Checked, ReadError> {
    let mut loader = Loader::new();
    for path in paths {
        loader.load_path(path)?;
    }
    Ok(check_loaded(&loader.finish()))
}

/// Checks source text; relative imports and data paths resolve against `dir` when given.
#[must_use]
pub fn check_text(name: &str, text: &str, dir: Option<&Path>) -> Checked {
    let mut loader = Loader::new();
    loader.load_text(name, text, dir);
    check_loaded(&loader.finish())
}

/// Runs every pass over loaded files.
#[must_use]
pub fn check_loaded(loaded: &Loaded) -> Checked {
    let mut diags = loaded.diagnostics.clone();
    let scopes = scope::build(loaded, &mut diags);
    let mut archs = HashMap::new();
    let mut datasets = HashMap::new();
    let mut program = Program::default();
    for file in &loaded.files {
        for item in &file.ast.items {
            match item {
                Item::Dataset(d) => {
                    if let Some(checked) = dataset::check(d, file.dir.as_deref(), &mut diags) {
                        program
                            .datasets
                            .entry(checked.name.clone())
                            .or_insert_with(|| checked.clone());
                        datasets.insert(d.span, checked);
                    }
                }
                Item::Arch(a) => {
                    let checked = arch::check(a, &mut diags);
                    if let Some(clean) = checked.clean() {
                        program
                            .archs
                            .entry(clean.name.clone())
                            .or_insert_with(|| clean.clone());
                    }
                    archs.insert(a.span, checked);
                }
                Item::Space(s) => {
                    let mut builder = space_builder::SpaceBuilder::new("");
                    builder.block(&s.body, space_builder::Mode::Define, &mut diags);
                    let resolved = builder.forbids(&mut diags);
                    let spans: Vec<Span> = resolved.iter().map(|(_, s)| *s).collect();
                    let space = builder.to_space(resolved.into_iter().map(|(t, _)| t).collect());
                    space_builder::SpaceBuilder::check_not_empty(&space, &spans, &mut diags);
                }
                Item::Import(_) | Item::Study(_) => {}
            }
        }
    }
    let mut used = HashSet::new();
    for file in &loaded.files {
        let cx = study::Context {
            file,
            scope: &scopes[file.id.0 as usize],
            archs: &archs,
            datasets: &datasets,
            file_name: &loaded.sources.get(file.id).name,
        };
        for item in &file.ast.items {
            if let Item::Study(s) = item {
                let checked = study::check(s, &cx, &mut used, &mut diags);
                if let Some(checked) = checked.filter(|_| loaded.entries.contains(&file.id)) {
                    program.studies.push(checked);
                }
            }
        }
    }
    warn_unused(loaded, &used, &mut diags);
    diagnostic::sort(&mut diags);
    Checked {
        sources: loaded.sources.clone(),
        program,
        diagnostics: diags,
    }
}

/// Datasets, spaces and architectures declared beside studies that no study uses.
fn warn_unused(loaded: &Loaded, used: &HashSet<Span>, diags: &mut Vec<Diagnostic>) {
    for id in &loaded.entries {
        let file = loaded.file(*id);
        if !file.ast.items.iter().any(|i| matches!(i, Item::Study(_))) {
            continue;
        }
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for name in file.ast.items.iter().filter_map(Item::name) {
            *counts.entry(name.name.as_str()).or_default() += 1;
        }
        for item in &file.ast.items {
            if item
                .name()
                .is_some_and(|n| counts.get(n.name.as_str()) > Some(&1))
            {
                continue;
            }
            let span = match item {
                Item::Dataset(d) => d.span,
                Item::Space(s) => s.span,
                Item::Arch(a) => a.span,
                Item::Import(_) | Item::Study(_) => continue,
            };
            if !used.contains(&span) {
                if let Some(name) = item.name() {
                    diags.push(
                        Diagnostic::warning(
                            Code::Unused,
                            name.span,
                            format!("{} `{}` is never used", item.kind(), name.name),
                        )
                        .with_label("unused")
                        .with_help("use it in a study, or remove it"),
                    );
                }
            }
        }
    }
}
