//! Hover: what the word under the cursor is — a keyword, a built-in, a study field, or an item
//! declared in the document or its imports (its kind, name and doc comment).

use lsp_types::{Hover, HoverContents, MarkupContent, MarkupKind};

use crate::source::Span;

use super::analysis::{Analysis, item_doc};
use super::{docs, document};

/// The hover at byte `offset` of the document.
#[must_use]
pub fn at(analysis: &Analysis, offset: usize) -> Option<Hover> {
    let text = analysis.root_text();
    let (word, start, end) = document::word_at(text, offset)?;
    let mut value = docs::describe(word);
    if let Some(item) = analysis.declaration(word) {
        let mut declared = format!("{} `{word}`", item.kind());
        if let Some(doc) = item_doc(item) {
            declared.push_str("\n\n");
            declared.push_str(doc.trim());
        }
        value = Some(match value {
            Some(v) => format!("{declared}\n\n---\n\n{v}"),
            None => declared,
        });
    }
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: value?,
        }),
        range: Some(analysis.range(Span::new(analysis.root, start, end))),
    })
}
