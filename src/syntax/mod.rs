//! Syntax: from `.hps` text to an [`ast::File`] with byte spans, or located syntax errors.
//! The grammar lives in `grammar/hps.pest`; the semantic stage ([`crate::semantic`]) consumes the AST.

pub mod ast;
mod cache;
mod lexical;
pub mod outline;
pub mod parser;
mod relocate;
mod syntax_error;

pub use crate::keywords::{KEYWORDS, is_keyword};
pub use crate::source::{FileId, Span};
pub use cache::ParseCache;
pub use parser::{HpsParser, Rule, parse};
