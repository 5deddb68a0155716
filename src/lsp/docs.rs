//! What a name means, as Markdown for hovers and completions. Everything comes from the tables the
//! checker itself uses ([`crate::catalogue`]: every built-in's signature, arguments and
//! doc, the study, budget and train fields), so the editor, `hps check`'s help and
//! `docs/language.md` say the same thing.

use crate::catalogue::{self, ArgSpec, BUDGET_FIELDS, Builtin, STUDY_FIELDS, TRAIN_KEYS};

/// The reserved words, with what each does.
pub const KEYWORDS: &[(&str, &str)] = &[
    (
        "import",
        "`import \"path.hps\"` brings another file's items into scope; `std/…` is the embedded standard library.",
    ),
    (
        "dataset",
        "`dataset NAME = source(…) | transform(…) …` declares a dataset and its preprocessing.",
    ),
    (
        "space",
        "`space NAME { … }` declares a reusable block of hyperparameters.",
    ),
    (
        "arch",
        "`arch NAME(param: type = default, …) { layers }` declares an architecture template.",
    ),
    (
        "study",
        "`study NAME { … }` declares what to search, how, and with which budget.",
    ),
    (
        "when",
        "`when CONDITION { … }` declares parameters that exist only while the condition holds.",
    ),
    (
        "else",
        "The branch of a `when` taken when its condition does not hold.",
    ),
    (
        "forbid",
        "`forbid CONDITION` removes every configuration where the condition holds.",
    ),
    (
        "repeat",
        "`repeat N { layers }` repeats layers N times in an architecture.",
    ),
    (
        "residual",
        "`residual { layers }` adds the block's input to its output.",
    ),
    ("and", "Logical and."),
    ("or", "Logical or."),
    ("not", "Logical negation."),
    ("in", "`x in [a, b]`: membership in a list."),
    ("true", "The boolean true."),
    ("false", "The boolean false."),
];

/// Markdown describing every meaning of `word` (`None` when it is not a keyword, built-in or field).
#[must_use]
pub fn describe(word: &str) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    if let Some((_, doc)) = KEYWORDS.iter().find(|(k, _)| *k == word) {
        parts.push(format!("keyword `{word}`\n\n{doc}"));
    }
    for b in catalogue::all().filter(|b| b.name == word) {
        parts.push(builtin(b));
    }
    if let Some(f) = STUDY_FIELDS.iter().find(|f| f.name == word) {
        parts.push(format!(
            "study field `{}` (default `{}`)\n\n{}",
            f.name, f.default, f.doc
        ));
    }
    for (table, what) in [
        (BUDGET_FIELDS, "budget field"),
        (TRAIN_KEYS, "train setting"),
    ] {
        if let Some(a) = table.iter().find(|a| a.name == word) {
            parts.push(field(a, what));
        }
    }
    (!parts.is_empty()).then(|| parts.join("\n\n---\n\n"))
}

/// A built-in's signature, family, doc and arguments.
#[must_use]
pub fn builtin(b: &Builtin) -> String {
    let mut text = format!(
        "```hps\n{}\n```\n{} — {}",
        b.signature(),
        b.family.noun(),
        b.doc
    );
    if !b.args.is_empty() {
        text.push_str("\n\n| argument | accepts | default | meaning |\n| --- | --- | --- | --- |");
        for a in b.args {
            text.push_str(&format!(
                "\n| `{}` | {} | {} | {} |",
                a.name,
                a.ty.describe(),
                a.default
                    .map_or_else(|| "required".to_owned(), |d| format!("`{d}`")),
                a.doc
            ));
        }
    }
    text
}

fn field(a: &ArgSpec, what: &str) -> String {
    match a.default {
        Some(d) => format!("{what} `{}` (default `{d}`)\n\n{}", a.name, a.doc),
        None => format!("{what} `{}`\n\n{}", a.name, a.doc),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_keyword_the_parser_reserves_is_documented() {
        for k in crate::syntax::KEYWORDS {
            assert!(KEYWORDS.iter().any(|(w, _)| w == k), "no docs for `{k}`");
        }
        assert_eq!(KEYWORDS.len(), crate::syntax::KEYWORDS.len());
    }

    #[test]
    fn every_builtin_and_field_has_a_description() {
        for b in catalogue::all() {
            let text = describe(b.name).unwrap();
            assert!(text.contains(b.doc), "{}", b.name);
        }
        for f in STUDY_FIELDS {
            assert!(describe(f.name).unwrap().contains(f.doc), "{}", f.name);
        }
        assert!(describe("no_such_word").is_none());
        let bo = describe("bo").unwrap();
        assert!(
            bo.contains("bo(init = 8, acquisition = ei, kernel = matern52)"),
            "{bo}"
        );
        assert!(bo.contains("| `kernel` |"), "{bo}");
    }
}

#[cfg(test)]
mod reference {
    use super::*;

    /// The reference in docs/language.md says what hover and completion say.
    #[test]
    fn the_language_reference_lists_every_builtin_as_the_checker_knows_it() {
        let reference = include_str!("../../docs/language.md");
        let mut missing = Vec::new();
        for b in catalogue::all() {
            let signature = format!("`{}`", b.signature());
            if !reference.contains(&signature) || !reference.contains(b.doc) {
                missing.push(b.signature());
            }
            for a in b.args {
                if !reference.contains(a.doc) {
                    missing.push(format!("{}: {}", b.name, a.name));
                }
            }
        }
        for f in STUDY_FIELDS {
            if !reference.contains(&format!("`{}`", f.name)) {
                missing.push(format!("study field {}", f.name));
            }
        }
        assert!(missing.is_empty(), "not in docs/language.md: {missing:#?}");
    }
}
