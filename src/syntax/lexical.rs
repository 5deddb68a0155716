//! A linear lexical pass over `.hps` text, cheaper than pest and never recursive: [`Tokens`] yields
//! the words, symbols, strings and line breaks outside comments, and each block comment with how
//! deep comments nest in it (they nest, as in the grammar); it notes a block comment that is never
//! closed. Read by [`super::outline`] (items, nesting
//! depth) before pest runs, and by syntax errors (`super::syntax_error`) to find an unclosed `{`.

/// One token of the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Token<'t> {
    /// A name, keyword or number (`lr`, `and`, `1e-3`, `500ms`).
    Word(&'t str),
    /// Punctuation or an operator; two bytes for `==`, `!=`, `<=`, `>=` and `**`.
    Symbol(&'t str),
    /// A string literal, closed or not (an unclosed one ends at its line's end).
    Str,
    /// A line break outside comments and strings.
    Newline,
    /// A closed block comment, with the deepest nesting of comments in it (1 when none is nested).
    Comment(usize),
}

/// The tokens of a text with their byte offsets, in order.
#[derive(Debug, Clone)]
pub struct Tokens<'t> {
    text: &'t str,
    at: usize,
    /// Where the outermost block comment that is never closed opens, once the scan has reached it.
    unclosed_comment: Option<usize>,
}

impl<'t> Tokens<'t> {
    /// The tokens of `text`.
    #[must_use]
    pub fn new(text: &'t str) -> Self {
        Self {
            text,
            at: 0,
            unclosed_comment: None,
        }
    }

    /// The offset of the outermost `/*` that is never closed, once the tokens up to it are read
    /// (it hides the rest of the text).
    #[must_use]
    pub fn unclosed_comment(&self) -> Option<usize> {
        self.unclosed_comment
    }

    /// Skips the block comment opening at `start`; returns the deepest nesting of comments in it,
    /// or `None` when it is never closed.
    fn skip_block_comment(&mut self, start: usize) -> Option<usize> {
        let bytes = self.text.as_bytes();
        let (mut depth, mut deepest) = (0usize, 0usize);
        let mut i = start;
        while i < bytes.len() {
            if bytes[i..].starts_with(b"/*") {
                depth += 1;
                deepest = deepest.max(depth);
                i += 2;
            } else if bytes[i..].starts_with(b"*/") {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    self.at = i;
                    return Some(deepest);
                }
            } else {
                i += 1;
            }
        }
        self.at = bytes.len();
        None
    }
}

impl<'t> Iterator for Tokens<'t> {
    type Item = (usize, Token<'t>);

    fn next(&mut self) -> Option<Self::Item> {
        let bytes = self.text.as_bytes();
        loop {
            let start = self.at;
            let rest = bytes.get(start..).filter(|r| !r.is_empty())?;
            match rest[0] {
                b' ' | b'\t' => self.at += 1,
                b'\r' | b'\n' => {
                    self.at += if rest.starts_with(b"\r\n") { 2 } else { 1 };
                    return Some((start, Token::Newline));
                }
                b'/' if rest.starts_with(b"//") => {
                    self.at += rest
                        .iter()
                        .position(|&b| b == b'\n' || b == b'\r')
                        .unwrap_or(rest.len());
                }
                b'/' if rest.starts_with(b"/*") => {
                    let Some(deepest) = self.skip_block_comment(start) else {
                        self.unclosed_comment = Some(start);
                        return None;
                    };
                    return Some((start, Token::Comment(deepest)));
                }
                b'"' => {
                    let mut i = 1;
                    while let Some(&b) = rest.get(i) {
                        match b {
                            b'\\' => i += 2,
                            b'"' => {
                                i += 1;
                                break;
                            }
                            b'\n' | b'\r' => break,
                            _ => i += 1,
                        }
                    }
                    self.at += i.min(rest.len());
                    return Some((start, Token::Str));
                }
                b if b.is_ascii_alphanumeric() || b == b'_' => {
                    let len = word_len(rest);
                    self.at += len;
                    return Some((start, Token::Word(&self.text[start..start + len])));
                }
                _ => {
                    let len = if [&b"=="[..], b"!=", b"<=", b">=", b"**"]
                        .iter()
                        .any(|op| rest.starts_with(op))
                    {
                        2
                    } else {
                        self.text[start..].chars().next().map_or(1, char::len_utf8)
                    };
                    self.at += len;
                    let symbol = &self.text[start..start + len];
                    if symbol != "\u{FEFF}" {
                        return Some((start, Token::Symbol(symbol)));
                    }
                }
            }
        }
    }
}

/// The length of the word at the start of `rest`: letters, digits and `_`; a number also takes
/// its `.` and the sign of its exponent (`2.5e-3`).
fn word_len(rest: &[u8]) -> usize {
    let number = rest[0].is_ascii_digit();
    let mut i = 0;
    while let Some(&b) = rest.get(i) {
        let exponent_sign = number
            && (b == b'+' || b == b'-')
            && matches!(rest[i - 1], b'e' | b'E')
            && rest.get(i + 1).is_some_and(u8::is_ascii_digit);
        if b.is_ascii_alphanumeric() || b == b'_' || (number && b == b'.') || exponent_sign {
            i += 1;
        } else {
            break;
        }
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> Vec<Token<'_>> {
        Tokens::new(text).map(|(_, t)| t).collect()
    }

    #[test]
    fn words_symbols_strings_and_line_breaks() {
        use Token::{Newline, Str, Symbol, Word};
        assert_eq!(
            tokens("lr = 2.5e-3 ** x\r\nforbid a != \"b // c\", n <= -1"),
            [
                Word("lr"),
                Symbol("="),
                Word("2.5e-3"),
                Symbol("**"),
                Word("x"),
                Newline,
                Word("forbid"),
                Word("a"),
                Symbol("!="),
                Str,
                Symbol(","),
                Word("n"),
                Symbol("<="),
                Symbol("-"),
                Word("1"),
            ]
        );
    }

    #[test]
    fn comments_are_skipped_and_nest() {
        let text = "a /* x /* y */ \n z */ b // c\n\"open\nd";
        assert_eq!(
            tokens(text),
            [
                Token::Word("a"),
                Token::Comment(2),
                Token::Word("b"),
                Token::Newline,
                Token::Str,
                Token::Newline,
                Token::Word("d")
            ]
        );
    }

    #[test]
    fn an_unclosed_comment_ends_the_tokens() {
        let text = "a\n/* x /* y */ b";
        let mut tokens = Tokens::new(text);
        assert_eq!(tokens.by_ref().count(), 2);
        assert_eq!(tokens.next(), None);
        assert_eq!(tokens.unclosed_comment(), Some(2));
    }
}
