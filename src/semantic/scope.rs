//! Item scopes: what names each file sees (its own items and those of the files it imports), with
//! duplicate names reported at both places. Read by every check that looks a name up.

use std::collections::{HashMap, HashSet};

use crate::diagnostic::{Code, Diagnostic};
use crate::semantic::load::Loaded;
use crate::syntax::FileId;
use crate::syntax::ast::Item;

/// The items one file can name.
#[derive(Debug, Default)]
pub struct FileScope<'a> {
    items: HashMap<&'a str, &'a Item>,
    /// Names declared by items that did not parse (their syntax errors stand for them).
    unparsed: HashSet<&'a str>,
}

impl<'a> FileScope<'a> {
    /// The item with this name.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&'a Item> {
        self.items.get(name).copied()
    }

    /// Whether `name` is declared by an item that did not parse: a reference to it is not
    /// reported again.
    #[must_use]
    pub fn is_unparsed(&self, name: &str) -> bool {
        self.unparsed.contains(name)
    }

    /// Names of items of one kind (`"space"`, `"arch"`, `"dataset"`), for suggestions.
    #[must_use]
    pub fn names_of(&self, kind: &str) -> Vec<&'a str> {
        let mut names: Vec<&str> = self
            .items
            .iter()
            .filter(|(_, i)| i.kind() == kind)
            .map(|(n, _)| *n)
            .collect();
        names.sort_unstable();
        names
    }
}

/// One scope per loaded file, indexed by `FileId`.
pub fn build<'a>(loaded: &'a Loaded, diags: &mut Vec<Diagnostic>) -> Vec<FileScope<'a>> {
    loaded
        .files
        .iter()
        .map(|file| {
            let mut scope = FileScope::default();
            let files = std::iter::once(file.id).chain(file.imports.iter().map(|(_, id)| *id));
            for id in files {
                let names = loaded.file(id).ast.unparsed.iter().map(String::as_str);
                scope.unparsed.extend(names);
            }
            let own = file.ast.items.iter();
            let imported = file
                .imports
                .iter()
                .flat_map(|(_, id)| loaded.file(*id).ast.items.iter());
            for item in own.chain(imported) {
                let Some(name) = item.name() else { continue };
                match scope.items.get(name.name.as_str()) {
                    Some(existing) if !std::ptr::eq(*existing, item) => {
                        let (first, second) = order(existing, item, file.id);
                        let first_name = first.name().map(|n| n.span).unwrap_or_default();
                        if let Some(second_name) = second.name() {
                            diags.push(
                                Diagnostic::error(
                                    Code::DuplicateName,
                                    second_name.span,
                                    format!("`{}` is declared twice", second_name.name),
                                )
                                .with_label(format!("this {}", second.kind()))
                                .with_related(first_name, format!("the other {}", first.kind()))
                                .with_help("rename one of them"),
                            );
                        }
                    }
                    Some(_) => {}
                    None => {
                        scope.items.insert(name.name.as_str(), item);
                    }
                }
            }
            scope
        })
        .collect()
}

/// The pair ordered so the second is in `file` when one of them is (the error goes there).
fn order<'a>(a: &'a Item, b: &'a Item, file: FileId) -> (&'a Item, &'a Item) {
    let in_file = |i: &Item| i.name().is_some_and(|n| n.span.file == file);
    if in_file(a) && !in_file(b) {
        (b, a)
    } else {
        (a, b)
    }
}
