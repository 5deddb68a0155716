//! Text as a terminal should show it: control characters — a NUL byte in a file, an escape
//! sequence, a C1 control — become visible pictures (`␀`, `␛`, `�`) instead of being written raw,
//! where they would vanish or drive the terminal. [`Visible`] keeps a map from the original byte
//! offsets to the shown ones, so spans still point at the characters they pointed at. Read by
//! `crate::diagnostic::Report` for the source snippets, messages, labels and help it renders.

use std::borrow::Cow;

/// A text with its control characters made visible, and where its bytes moved.
#[derive(Debug, Clone)]
pub struct Visible {
    /// The text as shown.
    pub text: String,
    /// Each replaced character: its original byte offset and how many bytes longer the shown text
    /// is from there on (cumulative), in order.
    shifts: Vec<(usize, usize)>,
}

impl Visible {
    /// `text` shown visibly; line breaks and tabs are kept.
    #[must_use]
    pub fn new(text: &str) -> Self {
        let mut shown = String::with_capacity(text.len());
        let mut shifts = Vec::new();
        let mut extra = 0;
        for (offset, c) in text.char_indices() {
            match picture(c) {
                Some(p) => {
                    shown.push(p);
                    extra += p.len_utf8() - c.len_utf8();
                    shifts.push((offset, extra));
                }
                None => shown.push(c),
            }
        }
        Self {
            text: shown,
            shifts,
        }
    }

    /// Where byte `offset` of the original text is in the shown one.
    #[must_use]
    pub fn offset(&self, offset: usize) -> usize {
        let before = self.shifts.partition_point(|(at, _)| *at < offset);
        let extra = before.checked_sub(1).map_or(0, |last| self.shifts[last].1);
        offset + extra
    }
}

/// `text` with its control characters made visible (line breaks and tabs kept); borrowed when it
/// has none.
#[must_use]
pub fn visible(text: &str) -> Cow<'_, str> {
    if text.chars().any(|c| picture(c).is_some()) {
        Cow::Owned(Visible::new(text).text)
    } else {
        Cow::Borrowed(text)
    }
}

/// What a control character is shown as: its Unicode control picture (U+2400…U+2421), or the
/// replacement character for C1 controls, which have none.
fn picture(c: char) -> Option<char> {
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
    fn control_characters_become_pictures_and_offsets_follow() {
        let text = "a\0b\u{1b}[2Jc\u{9b}d\te\n";
        let shown = Visible::new(text);
        assert_eq!(shown.text, "a␀b␛[2Jc�d\te\n");
        // Each byte of the original maps to the start of the same character in the shown text.
        for (offset, c) in text.char_indices() {
            let at = shown.offset(offset);
            let expected = picture(c).unwrap_or(c);
            assert_eq!(shown.text[at..].chars().next(), Some(expected), "{offset}");
        }
        assert_eq!(shown.offset(text.len()), shown.text.len());
        assert_eq!(visible("plain\ttext\n"), Cow::Borrowed("plain\ttext\n"));
        assert_eq!(visible("found `\0`"), "found `␀`");
    }
}
