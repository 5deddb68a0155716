//! Syntax: from `.hps` text to an [`ast::File`] with byte spans, or located syntax errors.
//! The grammar lives in `grammar/hps.pest`; the semantic stage ([`crate::semantic`]) consumes the AST.

pub mod ast;
pub mod parser;
mod span;
mod syntax_error;

pub use parser::{HpsParser, Rule, parse};
pub use span::{FileId, Span};
pub use syntax_error::{KEYWORDS, is_keyword};
