//! `hps fmt`: the canonical layout of `.hps` text. [`format_source`] is a pure function from text to
//! text, used by the CLI (`src/cli/fmt.rs`) and the language server's formatting request.
//!
//! It formats from pest's parse tree of the text, not from the AST, because the tree keeps every token
//! where it was written (the AST drops parentheses and the places of brackets), and it puts back the
//! comments the grammar skips by finding them in the text (`comments.rs`). `layout.rs` and the files
//! of the constructs (`items.rs`, `layers.rs`, `exprs.rs`) decide the layout; `printer.rs` writes it,
//! comments included, and `align.rs` lines up names and trailing comments; `verify.rs` parses the
//! result again and refuses it unless it has the same syntax tree and the same comments.
//!
//! The style (2-space indentation, aligned `=`, brackets that stay on one line or get one element per
//! line as the source chose) is documented in `docs/language.md`, section "Formatting".

mod align;
mod comments;
mod exprs;
mod items;
mod layers;
mod layout;
mod printer;
mod verify;

use pest::Parser as _;

use crate::diagnostic::Diagnostic;
use crate::syntax::{FileId, HpsParser, Rule, parse};

pub use verify::same_syntax;

/// Why a text was not formatted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FormatError {
    /// The text does not parse: the same diagnostics `hps check` reports, with spans in the text and
    /// the file id [`FileId::default`].
    #[error("the text has syntax errors")]
    Syntax(Vec<Diagnostic>),
    /// The formatter produced text that would mean something else; nothing is written. A bug in hps.
    #[error("internal error of the formatter: {0}")]
    Internal(String),
}

/// Formats `.hps` text in the canonical layout, keeping every comment. Formatting formatted text
/// changes nothing.
///
/// # Errors
/// [`FormatError::Syntax`] when the text does not parse; [`FormatError::Internal`] when the result
/// would not parse to the same syntax tree and comments (never expected).
pub fn format_source(text: &str) -> Result<String, FormatError> {
    let (file, diagnostics) = parse(FileId::default(), text);
    if !diagnostics.is_empty() {
        return Err(FormatError::Syntax(diagnostics));
    }
    let tree = HpsParser::parse(Rule::file, text)
        .map_err(|error| FormatError::Internal(error.to_string()))?;
    let comments = comments::scan(text);
    let mut layout = layout::Layout::new(text, comments.clone());
    for pair in tree {
        layout.file(pair);
    }
    let formatted = layout.finish();
    verify::same_meaning(text, &file, &comments, &formatted).map_err(FormatError::Internal)?;
    Ok(formatted)
}

#[cfg(test)]
mod tests;
