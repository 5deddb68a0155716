//! Completion: the keywords, every built-in (with its signature and docs), the study, budget and
//! train fields, and the items in scope (declared in the document or its imports). The editor
//! filters by what is typed.

use std::collections::BTreeSet;

use lsp_types::{CompletionItem, CompletionItemKind, Documentation, MarkupContent, MarkupKind};

use crate::catalogue::{self, BUDGET_FIELDS, Family, STUDY_FIELDS, TRAIN_KEYS};
use crate::syntax::ast::Item;

use super::analysis::{Analysis, item_doc};
use super::docs;

/// Every completion for the document.
#[must_use]
pub fn items(analysis: &Analysis) -> Vec<CompletionItem> {
    let markdown = |value: String| {
        Some(Documentation::MarkupContent(MarkupContent {
            kind: MarkupKind::Markdown,
            value,
        }))
    };
    let mut out = Vec::new();
    for (k, doc) in docs::KEYWORDS {
        out.push(CompletionItem {
            label: (*k).to_owned(),
            kind: Some(CompletionItemKind::KEYWORD),
            documentation: markdown((*doc).to_owned()),
            ..CompletionItem::default()
        });
    }
    let mut seen = BTreeSet::new();
    for b in catalogue::all() {
        if !seen.insert(b.name) {
            continue;
        }
        out.push(CompletionItem {
            label: b.name.to_owned(),
            kind: Some(match b.family {
                Family::Layer => CompletionItemKind::CLASS,
                _ => CompletionItemKind::FUNCTION,
            }),
            detail: Some(b.signature()),
            documentation: markdown(docs::describe(b.name).unwrap_or_default()),
            ..CompletionItem::default()
        });
    }
    let fields = STUDY_FIELDS
        .iter()
        .map(|f| f.name)
        .chain(BUDGET_FIELDS.iter().map(|a| a.name))
        .chain(TRAIN_KEYS.iter().map(|a| a.name));
    for name in fields {
        if seen.insert(name) {
            out.push(CompletionItem {
                label: name.to_owned(),
                kind: Some(CompletionItemKind::FIELD),
                documentation: markdown(docs::describe(name).unwrap_or_default()),
                ..CompletionItem::default()
            });
        }
    }
    let mut declared = BTreeSet::new();
    for (_, item) in analysis.items() {
        let Some(name) = item.name() else { continue };
        if seen.contains(name.name.as_str()) || !declared.insert(name.name.clone()) {
            continue;
        }
        out.push(CompletionItem {
            label: name.name.clone(),
            kind: Some(match item {
                Item::Dataset(_) => CompletionItemKind::VARIABLE,
                Item::Space(_) => CompletionItemKind::STRUCT,
                Item::Arch(_) => CompletionItemKind::CLASS,
                Item::Study(_) | Item::Import(_) => CompletionItemKind::MODULE,
            }),
            detail: Some(format!("{} {}", item.kind(), name.name)),
            documentation: item_doc(item).map(|d| {
                Documentation::MarkupContent(MarkupContent {
                    kind: MarkupKind::Markdown,
                    value: d.trim().to_owned(),
                })
            }),
            ..CompletionItem::default()
        });
    }
    out
}
