//! One document analysed: loaded with its imports and checked by the same passes as `hps check`,
//! with what the editor features need — the items every loaded file declares, and the URI and
//! LSP range of any span.

use std::path::{Path, PathBuf};

use lsp_types::{Location, Position, Range, Url};

use crate::semantic::{Checked, Loaded, Loader, check_loaded};
use crate::syntax::ast::Item;
use crate::syntax::{FileId, ParseCache, Span};

use super::document;

/// A checked document.
pub struct Analysis {
    /// The document's own file.
    pub root: FileId,
    /// Every file read (the document first, then its imports).
    pub loaded: Loaded,
    /// The checker's result.
    pub checked: Checked,
}

impl Analysis {
    /// Loads and checks `text`, the contents of the document at `uri` (relative imports and data
    /// paths resolve against its folder when it is a file), reusing the chunks `cache` parsed for
    /// the previous version; returns the cache for the next one.
    #[must_use]
    pub fn of(uri: &Url, text: &str, cache: ParseCache) -> (Self, ParseCache) {
        let path = uri.to_file_path().ok();
        let name = path
            .as_ref()
            .map_or_else(|| uri.to_string(), |p| p.display().to_string());
        let dir = path
            .as_deref()
            .and_then(Path::parent)
            .map(Path::to_path_buf);
        let mut loader = Loader::with_cache(cache);
        let root = loader.load_text(&name, text, dir.as_deref());
        let (loaded, cache) = loader.finish_with_cache();
        let checked = check_loaded(&loaded);
        let analysis = Self {
            root,
            loaded,
            checked,
        };
        (analysis, cache)
    }

    /// The text of a loaded file.
    #[must_use]
    pub fn text(&self, file: FileId) -> &str {
        &self.loaded.sources.get(file).text
    }

    /// The document's own text.
    #[must_use]
    pub fn root_text(&self) -> &str {
        self.text(self.root)
    }

    /// The LSP range of a span (in its own file).
    #[must_use]
    pub fn range(&self, span: Span) -> Range {
        let file = self.loaded.sources.get(span.file);
        document::range(&file.text, &file.lines, span.start(), span.end())
    }

    /// The byte offset of an LSP position in the document.
    #[must_use]
    pub fn offset(&self, position: Position) -> usize {
        let file = self.loaded.sources.get(self.root);
        document::offset(&file.text, &file.lines, position)
    }

    /// The URI of a loaded file: its path on disk (`None` for the embedded standard library).
    #[must_use]
    pub fn uri(&self, file: FileId) -> Option<Url> {
        let name = &self.loaded.sources.get(file).name;
        if let Ok(uri) = Url::parse(name) {
            return Some(uri).filter(|u| u.scheme() != "std");
        }
        let path = PathBuf::from(name);
        let absolute = if path.is_absolute() {
            path
        } else {
            std::env::current_dir().ok()?.join(path)
        };
        absolute
            .exists()
            .then(|| Url::from_file_path(&absolute).ok())
            .flatten()
    }

    /// Where a span is, for the editor.
    #[must_use]
    pub fn location(&self, span: Span) -> Option<Location> {
        Some(Location::new(self.uri(span.file)?, self.range(span)))
    }

    /// Every declared item of every loaded file, with its file.
    pub fn items(&self) -> impl Iterator<Item = (FileId, &Item)> {
        self.loaded
            .files
            .iter()
            .flat_map(|f| f.ast.items.iter().map(move |i| (f.id, i)))
    }

    /// The item declaring `name` (the document's own first, then its imports').
    #[must_use]
    pub fn declaration(&self, name: &str) -> Option<&Item> {
        let named = |(_, item): &(FileId, &Item)| item.name().is_some_and(|n| n.name == name);
        let mut all: Vec<(FileId, &Item)> = self.items().filter(named).collect();
        all.sort_by_key(|(file, _)| *file != self.root);
        all.first().map(|(_, item)| *item)
    }
}

/// The doc comment in front of an item.
#[must_use]
pub fn item_doc(item: &Item) -> Option<&str> {
    match item {
        Item::Import(_) => None,
        Item::Dataset(d) => d.doc.as_deref(),
        Item::Space(s) => s.doc.as_deref(),
        Item::Arch(a) => a.doc.as_deref(),
        Item::Study(s) => s.doc.as_deref(),
    }
}

/// The whole item's span.
#[must_use]
pub fn item_span(item: &Item) -> Span {
    match item {
        Item::Import(i) => i.span,
        Item::Dataset(d) => d.span,
        Item::Space(s) => s.span,
        Item::Arch(a) => a.span,
        Item::Study(s) => s.span,
    }
}
