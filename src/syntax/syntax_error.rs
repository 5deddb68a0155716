//! Syntax errors in the user's words: pest's error (expected rules and tokens at the furthest position
//! reached) becomes an `hps::syntax` [`Diagnostic`] with a one-character (or one-token) span.

use std::collections::BTreeSet;

use pest::error::{Error, ErrorVariant, InputLocation};

use crate::diagnostic::{Code, Diagnostic};
use crate::keywords::is_keyword;
use crate::syntax::lexical::{Token, Tokens};
use crate::syntax::parser::Rule;
use crate::syntax::{FileId, Span};

/// Turns a pest error on `text[base..]` into a diagnostic located in the whole file.
#[must_use]
pub fn syntax_diagnostic(file: FileId, text: &str, base: usize, error: &Error<Rule>) -> Diagnostic {
    let pos = base
        + match error.location {
            InputLocation::Pos(p) | InputLocation::Span((p, _)) => p,
        };
    let found = found_token(text, pos);
    let expected = expected(error);
    let message = if expected.is_empty() {
        format!("unexpected {}", found.describe())
    } else {
        format!(
            "expected {}, found {}",
            join_alternatives(&expected),
            found.describe()
        )
    };
    if found.text.is_empty() {
        // At the end of the file: point at the last thing written, and at an unclosed `{` if any.
        let last = text[..pos.min(text.len())].trim_end();
        let end = last.len();
        let start = last.char_indices().next_back().map_or(0, |(i, _)| i);
        let mut d = Diagnostic::error(Code::Syntax, Span::new(file, start, end), message)
            .with_label("the file ends after this")
            .with_help_opt(hint(text, base, pos, &expected));
        if let Some(open) = unclosed_brace(&text[base..]).map(|at| base + at) {
            d = d.with_related(Span::new(file, open, open + 1), "this `{` is never closed");
        }
        return d;
    }
    let span = Span::new(file, pos, pos + found.len);
    Diagnostic::error(Code::Syntax, span, message)
        .with_label(format!("unexpected {}", found.short()))
        .with_help_opt(hint(text, base, pos, &expected))
}

/// The offset of the innermost `{` that is never closed (strings and comments skipped).
fn unclosed_brace(text: &str) -> Option<usize> {
    let mut open = Vec::new();
    for (at, token) in Tokens::new(text) {
        match token {
            Token::Symbol("{") => open.push(at),
            Token::Symbol("}") => {
                open.pop();
            }
            _ => {}
        }
    }
    open.pop()
}

/// What stands at the error position.
struct Found<'t> {
    text: &'t str,
    len: usize,
}

impl Found<'_> {
    fn describe(&self) -> String {
        match self.text {
            "" => String::from("the end of the file"),
            "\n" | "\r\n" => String::from("the end of the line"),
            t => format!("`{t}`"),
        }
    }

    fn short(&self) -> String {
        match self.text {
            "" => String::from("end of file"),
            "\n" | "\r\n" => String::from("end of line"),
            t => format!("`{t}`"),
        }
    }
}

fn found_token(text: &str, pos: usize) -> Found<'_> {
    let rest = text.get(pos..).unwrap_or("");
    let Some(first) = rest.chars().next() else {
        return Found { text: "", len: 0 };
    };
    let len = if first == '\r' && rest.starts_with("\r\n") {
        2
    } else if first.is_ascii_alphanumeric() || first == '_' {
        rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
            .unwrap_or(rest.len())
    } else {
        first.len_utf8()
    };
    Found {
        text: &rest[..len],
        len: if first == '\n' { 1 } else { len },
    }
}

/// The expected things in the user's words, de-duplicated and ordered.
fn expected(error: &Error<Rule>) -> Vec<String> {
    let mut out = BTreeSet::new();
    if let ErrorVariant::ParsingError { positives, .. } = &error.variant {
        for rule in positives {
            if let Some(name) = rule_name(*rule) {
                out.insert(name.to_owned());
            }
        }
    }
    if let Some(attempts) = error.parse_attempts() {
        for token in attempts.expected_tokens() {
            let token = token.to_string();
            if is_user_token(&token) {
                out.insert(format!("`{token}`"));
            }
        }
    }
    let mut out: Vec<String> = out.into_iter().collect();
    // Keep the list readable: an operator list is noise when a value or a statement end is possible.
    if out.len() > 8 {
        out.retain(|e| !is_operator(e));
        if out.iter().any(|e| e == "an operator") || out.is_empty() {
            out.push(String::from("an operator"));
        }
    }
    out
}

fn is_user_token(token: &str) -> bool {
    !token.is_empty()
        && !token.chars().all(char::is_whitespace)
        && !matches!(token, "//" | "/*" | "*/" | "\\" | "\u{feff}")
}

fn is_operator(expected: &str) -> bool {
    matches!(
        expected,
        "`or`"
            | "`and`"
            | "`==`"
            | "`!=`"
            | "`<=`"
            | "`>=`"
            | "`<`"
            | "`>`"
            | "`in`"
            | "`+`"
            | "`-`"
            | "`**`"
            | "`*`"
            | "`/`"
    )
}

/// A rule as users would name it, or `None` for rules whose tokens speak for themselves.
fn rule_name(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::EOI => "the end of the file",
        Rule::ident => "a name",
        Rule::path => "a name",
        Rule::number => "a number",
        Rule::duration => "a duration",
        Rule::string => "a string",
        Rule::boolean => "`true` or `false`",
        Rule::expr | Rule::cond => "a value",
        Rule::call => "a call",
        Rule::list => "a list",
        Rule::record => "`{`",
        Rule::block | Rule::layer_block => "`{`",
        Rule::arch_params => "`(`",
        Rule::arch_param => "a parameter",
        Rule::arg => "an argument",
        Rule::kw_import => "`import`",
        Rule::kw_dataset => "`dataset`",
        Rule::kw_space => "`space`",
        Rule::kw_arch => "`arch`",
        Rule::kw_study => "`study`",
        Rule::kw_when => "`when`",
        Rule::kw_else => "`else`",
        Rule::kw_forbid => "`forbid`",
        Rule::kw_repeat => "`repeat`",
        Rule::kw_residual => "`residual`",
        Rule::kw_choose => "`choose`",
        Rule::assign | Rule::field_block => "a statement",
        Rule::when_stmt => "`when`",
        Rule::forbid_stmt => "`forbid`",
        Rule::repeat_layer => "`repeat`",
        Rule::residual_layer => "`residual`",
        Rule::choose_layer => "`choose`",
        Rule::alternative => "a layer",
        Rule::import => "`import`",
        Rule::dataset => "`dataset`",
        Rule::space => "`space`",
        Rule::arch => "`arch`",
        Rule::study => "`study`",
        Rule::objective_value | Rule::direction => "`maximize` or `minimize`",
        Rule::or => "`or`",
        Rule::and => "`and`",
        Rule::eq => "`==`",
        Rule::ne => "`!=`",
        Rule::le => "`<=`",
        Rule::ge => "`>=`",
        Rule::lt => "`<`",
        Rule::gt => "`>`",
        Rule::in_op => "`in`",
        Rule::add => "`+`",
        Rule::sub => "`-`",
        Rule::pow => "`**`",
        Rule::mul => "`*`",
        Rule::div => "`/`",
        Rule::neg => "`-`",
        Rule::not => "`not`",
        Rule::paren => "`(`",
        _ => return None,
    })
}

fn join_alternatives(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// A targeted hint for common slips; the chunk parsed starts at `base` (braces are counted in it
/// alone, so each error costs its chunk, not the file).
fn hint(text: &str, base: usize, pos: usize, expected: &[String]) -> Option<String> {
    let rest = text.get(pos..).unwrap_or("");
    let line_start = text[..pos.min(text.len())].rfind('\n').map_or(0, |i| i + 1);
    let line = &text[line_start..pos.min(text.len())];
    if rest.starts_with(':') {
        return Some(String::from(
            "fields and parameters are set with `=`: `lr = 0.1`",
        ));
    }
    if rest.starts_with('=') && !rest.starts_with("==") && line.trim_start().starts_with("when") {
        return Some(String::from("compare with `==`; `=` sets a value"));
    }
    if rest.starts_with("&&") || rest.starts_with("||") {
        return Some(String::from("write `and` / `or`"));
    }
    if rest.starts_with('!') && !rest.starts_with("!=") {
        return Some(String::from("write `not`"));
    }
    if rest.starts_with('"') && !rest[1..].split('\n').next().unwrap_or("").contains('"') {
        return Some(String::from(
            "this string is not closed before the end of the line",
        ));
    }
    if rest.starts_with('\'') {
        return Some(String::from("strings use double quotes: \"…\""));
    }
    if rest.starts_with('.') {
        return Some(String::from("write numbers with a leading digit: `0.5`"));
    }
    if let Some(word) = rest
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .next()
    {
        let item_start =
            line.is_empty() && ["import", "dataset", "space", "arch", "study"].contains(&word);
        if item_start && unclosed_brace(&text[base..pos]).is_some() {
            return Some(String::from("a `}` is missing before this item"));
        }
        if is_keyword(word) && expected.iter().any(|e| e == "a name") {
            return Some(format!(
                "`{word}` is a keyword and cannot be used as a name"
            ));
        }
    }
    if rest.is_empty() && unclosed_brace(&text[base..]).is_some() {
        return Some(String::from("a `{` is not closed"));
    }
    None
}
