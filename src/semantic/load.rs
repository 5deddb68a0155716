//! Loading: reads the entry files and everything they import (relative paths, and `std/…` from the
//! embedded standard library), parses each once, and reports missing files, cycles and repeated
//! imports. Produces the [`Loaded`] set that the semantic passes check.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::diagnostic::{Code, Diagnostic};
use crate::input_file;
use crate::source::SourceMap;
use crate::stdlib;
use crate::syntax::ast::{File, Item};
use crate::syntax::{FileId, ParseCache, Span, parse};

/// One loaded file.
#[derive(Debug, Clone)]
pub struct LoadedFile {
    /// Its id in the source map.
    pub id: FileId,
    /// The folder relative paths in it resolve against (`None` for the standard library).
    pub dir: Option<PathBuf>,
    /// The parsed items.
    pub ast: File,
    /// Files it imports directly, with the import's span.
    pub imports: Vec<(Span, FileId)>,
}

/// Every file of one check.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    /// Names and texts.
    pub sources: SourceMap,
    /// Parsed files, indexed by `FileId`.
    pub files: Vec<LoadedFile>,
    /// The files the user named, in order.
    pub entries: Vec<FileId>,
    /// Read, syntax and import problems.
    pub diagnostics: Vec<Diagnostic>,
}

impl Loaded {
    /// The file with this id.
    #[must_use]
    pub fn file(&self, id: FileId) -> &LoadedFile {
        &self.files[id.0 as usize]
    }
}

/// Builds a [`Loaded`] set, following imports depth-first.
#[derive(Debug, Default)]
pub struct Loader {
    loaded: Loaded,
    by_key: HashMap<String, FileId>,
    /// Files being loaded, with the span of the import that led into each (for cycle reports).
    stack: Vec<(FileId, Option<Span>)>,
    /// Chunks parsed by an earlier load, when the caller keeps them (the language server).
    cache: Option<ParseCache>,
}

/// A read failure, for the caller to report.
#[derive(Debug)]
pub struct ReadError {
    /// The path that could not be read.
    pub path: PathBuf,
    /// Why.
    pub error: std::io::Error,
}

impl Loader {
    /// An empty loader.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Loads an entry file from disk.
    ///
    /// # Errors
    /// When the file cannot be read (imports that cannot be read become diagnostics instead).
    pub fn load_path(&mut self, path: &Path) -> Result<FileId, ReadError> {
        let text = input_file::read_to_string(path, input_file::SOURCE_LIMIT).map_err(|error| {
            ReadError {
                path: path.to_path_buf(),
                error: error.into(),
            }
        })?;
        let key = canonical_key(path);
        if let Some(&id) = self.by_key.get(&key) {
            self.loaded.entries.push(id);
            return Ok(id);
        }
        let dir = path
            .parent()
            .map(Path::to_path_buf)
            .or_else(|| Some(PathBuf::from(".")));
        let id = self.add(key, path.display().to_string(), &text, dir, None);
        self.loaded.entries.push(id);
        Ok(id)
    }

    /// Loads an entry from text (tests, embedding). Relative imports resolve against `dir`.
    pub fn load_text(&mut self, name: &str, text: &str, dir: Option<&Path>) -> FileId {
        let key = format!("<text>{}:{name}", self.loaded.files.len());
        let id = self.add(key, name.to_owned(), text, dir.map(Path::to_path_buf), None);
        self.loaded.entries.push(id);
        id
    }

    /// A loader that reuses the chunks `cache` holds and adds those it parses.
    #[must_use]
    pub fn with_cache(cache: ParseCache) -> Self {
        Self {
            cache: Some(cache),
            ..Self::default()
        }
    }

    /// The loaded set.
    #[must_use]
    pub fn finish(self) -> Loaded {
        self.loaded
    }

    /// The loaded set and the cache, which now holds the chunks of this load only.
    #[must_use]
    pub fn finish_with_cache(self) -> (Loaded, ParseCache) {
        let mut cache = self.cache.unwrap_or_default();
        cache.sweep();
        (self.loaded, cache)
    }

    fn add(
        &mut self,
        key: String,
        name: String,
        text: &str,
        dir: Option<PathBuf>,
        via: Option<Span>,
    ) -> FileId {
        let id = self.loaded.sources.add(name, text);
        self.by_key.insert(key, id);
        let (ast, errors) = match &mut self.cache {
            Some(cache) => cache.parse(id, text),
            None => parse(id, text),
        };
        self.loaded.diagnostics.extend(errors);
        let imports: Vec<(String, Span, Span)> = ast
            .items
            .iter()
            .filter_map(|item| match item {
                Item::Import(i) => Some((i.path.clone(), i.path_span, i.span)),
                _ => None,
            })
            .collect();
        self.loaded.files.push(LoadedFile {
            id,
            dir: dir.clone(),
            ast,
            imports: Vec::new(),
        });
        self.stack.push((id, via));
        let mut resolved: Vec<(Span, FileId)> = Vec::new();
        for (path, path_span, import_span) in imports {
            if let Some(target) = self.import(&path, path_span, dir.as_deref()) {
                if let Some((earlier, _)) = resolved.iter().find(|(_, t)| *t == target) {
                    self.loaded.diagnostics.push(
                        Diagnostic::warning(
                            Code::DuplicateImport,
                            import_span,
                            format!("\"{path}\" is imported twice"),
                        )
                        .with_label("imported again here")
                        .with_related(*earlier, "first imported here")
                        .with_help("remove this import"),
                    );
                    continue;
                }
                resolved.push((import_span, target));
            }
        }
        self.stack.pop();
        self.loaded.files[id.0 as usize].imports = resolved;
        id
    }

    fn import(&mut self, path: &str, span: Span, dir: Option<&Path>) -> Option<FileId> {
        let (key, name, text, target_dir) = if path.starts_with("std/") {
            let Some(text) = stdlib::get(path) else {
                let names = stdlib::FILES.iter().map(|(p, _)| *p);
                self.loaded.diagnostics.push(
                    Diagnostic::error(
                        Code::ImportNotFound,
                        span,
                        format!("the standard library has no \"{path}\""),
                    )
                    .with_label("not in the standard library")
                    .with_help(
                        crate::suggest::did_you_mean(path, names).unwrap_or_else(|| {
                            let all: Vec<&str> = stdlib::FILES.iter().map(|(p, _)| *p).collect();
                            format!("the standard library has: {}", all.join(", "))
                        }),
                    ),
                );
                return None;
            };
            (path.to_owned(), path.to_owned(), text.to_owned(), None)
        } else {
            let full = lexically_normal(&dir.map_or_else(|| PathBuf::from(path), |d| d.join(path)));
            let key = canonical_key(&full);
            if let Some(&id) = self.by_key.get(&key) {
                return self.check_cycle(id, span);
            }
            match input_file::read_to_string(&full, input_file::SOURCE_LIMIT) {
                Ok(text) => {
                    let target_dir = full.parent().map(Path::to_path_buf);
                    (key, full.display().to_string(), text, target_dir)
                }
                Err(error) => {
                    let help = match error {
                        input_file::InputError::Io(_) => {
                            "paths are relative to the importing file; the standard library is \"std/…\""
                        }
                        _ => "import a .hps source file",
                    };
                    self.loaded.diagnostics.push(
                        Diagnostic::error(
                            Code::ImportNotFound,
                            span,
                            format!("cannot read \"{path}\": {error}"),
                        )
                        .with_label(format!("looked for {}", full.display()))
                        .with_help(help),
                    );
                    return None;
                }
            }
        };
        if let Some(&id) = self.by_key.get(&key) {
            return self.check_cycle(id, span);
        }
        Some(self.add(key, name, &text, target_dir, Some(span)))
    }

    /// A file already seen: an error when it is still being loaded (a cycle).
    fn check_cycle(&mut self, id: FileId, span: Span) -> Option<FileId> {
        let Some(position) = self.stack.iter().position(|(f, _)| *f == id) else {
            return Some(id);
        };
        let name = self.loaded.sources.get(id).name.clone();
        let mut diagnostic = Diagnostic::error(
            Code::ImportCycle,
            span,
            format!("import cycle: this imports {name}, which is still importing this file"),
        )
        .with_label("closes the cycle");
        if let Some((_, Some(via))) = self.stack.get(position + 1) {
            diagnostic = diagnostic.with_related(*via, "the cycle starts here");
        }
        self.loaded
            .diagnostics
            .push(diagnostic.with_help("move the shared items into a third file that both import"));
        Some(id)
    }
}

/// A key that is the same for two spellings of one file.
fn canonical_key(path: &Path) -> String {
    std::fs::canonicalize(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string()
}

/// `a/./b/../c` → `a/c`, without touching the file system (names shown in diagnostics stay relative).
#[must_use]
pub fn lexically_normal(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                let last = out.components().next_back();
                if matches!(last, Some(Component::Normal(_))) {
                    out.pop();
                } else if !matches!(last, Some(Component::RootDir | Component::Prefix(_))) {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    if out.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexical_normalisation() {
        assert_eq!(
            lexically_normal(Path::new("a/./b/../c.hps")),
            PathBuf::from("a/c.hps")
        );
        assert_eq!(
            lexically_normal(Path::new("../x/../y")),
            PathBuf::from("../y")
        );
        assert_eq!(
            lexically_normal(Path::new("/a/../../b")),
            PathBuf::from("/b")
        );
    }
}
