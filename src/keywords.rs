//! The language's reserved words: the grammar refuses them as names (`crate::syntax`), and a
//! string value equal to one prints quoted (`crate::space::Value`). A leaf: it reads nothing of hps.

/// Whether `word` is reserved by the grammar's `keyword` rule.
#[must_use]
pub fn is_keyword(word: &str) -> bool {
    KEYWORDS.contains(&word)
}

/// The reserved words.
pub const KEYWORDS: &[&str] = &[
    "import", "dataset", "space", "arch", "study", "when", "else", "forbid", "repeat", "residual",
    "and", "or", "not", "in", "true", "false",
];
