//! Text as a terminal should show it: control characters — a NUL byte in a file, an escape
//! sequence, a C1 control — become visible pictures (`␀`, `␛`, `�`) instead of being written raw,
//! where they would vanish or drive the terminal. Read by `crate::diagnostic::Report` for the
//! messages, labels and help it renders, and by its excerpt for the source lines it copies (which
//! keeps the offsets of the characters it replaced, so spans still point at them).

use std::borrow::Cow;

/// `text` with its control characters made visible (line breaks and tabs kept); borrowed when it
/// has none.
#[must_use]
pub fn visible(text: &str) -> Cow<'_, str> {
    if text.chars().any(|c| picture(c).is_some()) {
        Cow::Owned(text.chars().map(|c| picture(c).unwrap_or(c)).collect())
    } else {
        Cow::Borrowed(text)
    }
}

/// What a control character is shown as: its Unicode control picture (U+2400…U+2421), or the
/// replacement character for C1 controls, which have none.
#[must_use]
pub fn picture(c: char) -> Option<char> {
    match c {
        '\n' | '\r' | '\t' => None,
        '\u{0}'..='\u{1f}' => char::from_u32(0x2400 + u32::from(c)),
        '\u{7f}' => Some('\u{2421}'),
        '\u{80}'..='\u{9f}' => Some('\u{fffd}'),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_become_pictures() {
        assert_eq!(visible("a\0b\u{1b}[2Jc\u{9b}d\te\n"), "a␀b␛[2Jc�d\te\n");
        assert_eq!(visible("plain\ttext\n"), Cow::Borrowed("plain\ttext\n"));
        assert_eq!(visible("found `\0`"), "found `␀`");
    }
}
