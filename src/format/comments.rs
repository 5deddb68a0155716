//! Comments: the grammar skips them (`COMMENT` is silent), so the parse tree never shows them. This
//! module finds them in the source text for the [`super::printer::Printer`], which puts each one back
//! next to the token it preceded, and for [`super::verify`], which checks none was lost.

/// Whether a comment runs to the end of its line or is closed by `*/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CommentKind {
    /// `// …` (doc comments `/// …` included).
    Line,
    /// `/* … */`, which may span lines and nest.
    Block,
}

/// One comment of the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Comment {
    /// First byte (`/`).
    pub start: usize,
    /// One past the last byte (the line break after a line comment is not part of it).
    pub end: usize,
    /// Line or block.
    pub kind: CommentKind,
    /// Something other than whitespace precedes it on its line: it trails code.
    pub trailing: bool,
    /// A line break (or the end of the text) follows it before anything else.
    pub newline_after: bool,
}

impl Comment {
    /// The comment as the formatter writes it (see [`normalize`]).
    pub fn text(&self, source: &str) -> String {
        normalize(source.get(self.start..self.end).unwrap_or_default())
    }
}

/// A comment's text without trailing whitespace on any of its lines, and with `\n` line breaks: the
/// only changes the formatter makes inside a comment.
pub(super) fn normalize(comment: &str) -> String {
    comment
        .lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every comment of `text`, in order. Strings are skipped, so `"a // b"` holds no comment. Meant for
/// text that parses: there every `//` and `/*` outside a string opens a comment, as in the grammar.
pub(super) fn scan(text: &str) -> Vec<Comment> {
    let bytes = text.as_bytes();
    let mut comments = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match (bytes[i], bytes.get(i + 1)) {
            (b'"', _) => i = string_end(bytes, i),
            (b'/', Some(b'/')) => {
                let end = line_end(bytes, i);
                comments.push(comment(text, i, end, CommentKind::Line));
                i = end;
            }
            (b'/', Some(b'*')) => {
                let end = block_end(bytes, i);
                comments.push(comment(text, i, end, CommentKind::Block));
                i = end;
            }
            _ => i += 1,
        }
    }
    comments
}

fn comment(text: &str, start: usize, end: usize, kind: CommentKind) -> Comment {
    let before = text.get(..start).unwrap_or_default();
    let line_start = before.rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let after = text
        .get(end..)
        .unwrap_or_default()
        .trim_start_matches([' ', '\t', '\u{FEFF}']);
    Comment {
        start,
        end,
        kind,
        trailing: !before[line_start..].trim().is_empty(),
        newline_after: kind == CommentKind::Line
            || after.is_empty()
            || after.starts_with(['\n', '\r']),
    }
}

/// One past the closing quote of the string opening at `start` (or the end of its line if unclosed).
fn string_end(bytes: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            b'\n' | b'\r' => return i,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// The line break ending the line comment at `start`.
fn line_end(bytes: &[u8], start: usize) -> usize {
    bytes[start..]
        .iter()
        .position(|&b| b == b'\n' || b == b'\r')
        .map_or(bytes.len(), |n| start + n)
}

/// One past the `*/` closing the (nesting) block comment at `start`.
fn block_end(bytes: &[u8], start: usize) -> usize {
    let mut depth = 0usize;
    let mut i = start;
    while i < bytes.len() {
        match (bytes[i], bytes.get(i + 1)) {
            (b'/', Some(b'*')) => {
                depth += 1;
                i += 2;
            }
            (b'*', Some(b'/')) => {
                depth = depth.saturating_sub(1);
                i += 2;
                if depth == 0 {
                    return i;
                }
            }
            _ => i += 1,
        }
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_line_block_and_nested_comments_but_not_strings() {
        let text = "a = \"x // y\" // one\n/* two /* nested */ still */ b = 1";
        let found: Vec<String> = scan(text).iter().map(|c| c.text(text)).collect();
        assert_eq!(found, ["// one", "/* two /* nested */ still */"]);
    }

    #[test]
    fn knows_trailing_and_own_line_comments() {
        let text = "a = 1 // trails\n  // alone\n/* before */ b = 2";
        let comments = scan(text);
        let flags: Vec<(bool, bool)> = comments
            .iter()
            .map(|c| (c.trailing, c.newline_after))
            .collect();
        assert_eq!(flags, [(true, true), (false, true), (false, false)]);
    }

    #[test]
    fn normalizes_trailing_spaces_and_crlf() {
        assert_eq!(normalize("/* a  \r\n b */"), "/* a\n b */");
    }
}
