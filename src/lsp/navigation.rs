//! Navigation: go to the declaration of a space, arch, dataset or study named under the cursor
//! (in the document or an imported file), go to an imported file from its `import`, and the
//! document's outline (its items).

use lsp_types::{DocumentSymbol, Location, Range, SymbolKind, Url};

use crate::syntax::ast::Item;

use super::analysis::{Analysis, item_span};
use super::document;

/// Where the name or import at byte `offset` is declared.
#[must_use]
pub fn definition(analysis: &Analysis, uri: &Url, offset: usize) -> Option<Location> {
    let root = analysis.loaded.file(analysis.root);
    for (span, file) in &root.imports {
        if span.start() <= offset && offset <= span.end() {
            let target = analysis.uri(*file)?;
            return Some(Location::new(target, Range::default()));
        }
    }
    let (word, _, _) = document::word_at(analysis.root_text(), offset)?;
    let item = analysis.declaration(word)?;
    let name = item.name()?;
    if name.span.file == analysis.root {
        return Some(Location::new(uri.clone(), analysis.range(name.span)));
    }
    analysis.location(name.span)
}

/// The document's items, for the outline.
#[must_use]
pub fn symbols(analysis: &Analysis) -> Vec<DocumentSymbol> {
    let root = analysis.loaded.file(analysis.root);
    root.ast
        .items
        .iter()
        .map(|item| {
            let (name, kind) = match item {
                Item::Import(i) => (format!("import \"{}\"", i.path), SymbolKind::FILE),
                Item::Dataset(d) => (d.name.name.clone(), SymbolKind::VARIABLE),
                Item::Space(s) => (s.name.name.clone(), SymbolKind::STRUCT),
                Item::Arch(a) => (a.name.name.clone(), SymbolKind::CLASS),
                Item::Study(s) => (s.name.name.clone(), SymbolKind::MODULE),
            };
            let selection = item.name().map_or_else(|| item_span(item), |n| n.span);
            #[allow(deprecated)]
            DocumentSymbol {
                name,
                detail: Some(item.kind().to_owned()),
                kind,
                tags: None,
                deprecated: None,
                range: analysis.range(item_span(item)),
                selection_range: analysis.range(selection),
                children: None,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::ParseCache;

    #[test]
    fn definitions_and_symbols_of_a_document() {
        let text = "space recipe {\n  lr = loguniform(1e-4, 1)\n}\n\narch net(width: int) {\n  linear(width)\n}\n";
        let uri = Url::parse("untitled:a.hps").unwrap();
        let analysis = Analysis::of(&uri, text, ParseCache::default()).0;
        let names: Vec<String> = symbols(&analysis).into_iter().map(|s| s.name).collect();
        assert_eq!(names, ["recipe", "net"]);
        // Inside `recipe`'s own name, the definition is itself.
        let at = text.find("recipe").unwrap() + 2;
        let found = definition(&analysis, &uri, at).unwrap();
        assert_eq!(found.range.start, lsp_types::Position::new(0, 6));
        assert!(definition(&analysis, &uri, text.find("loguniform").unwrap()).is_none());
    }
}
