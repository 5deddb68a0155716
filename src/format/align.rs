//! Alignment, done once every line is written: the names of neighbouring assignments of a block are
//! padded so their `=` (or `{`) line up, and trailing `//` comments of neighbouring lines start in one
//! column. Both work on the output, so formatted text aligns the same way again (idempotence).

use crate::format::printer::Line;

/// A name written by the printer that is padded to the longest name of its run.
#[derive(Debug, Clone)]
pub(super) struct AlignedName {
    /// The block it belongs to (an id from the printer).
    pub block: usize,
    /// The line the name is on.
    pub first_line: usize,
    /// The last line of its statement.
    pub last_line: usize,
    /// Where the name ends in the line's text.
    pub end: usize,
    /// Its length.
    pub len: usize,
}

/// Pads names so that the names of one block line up, in runs of statements that no empty line
/// separates.
pub(super) fn align_names(lines: &mut [Line], names: &[AlignedName]) {
    let mut blocks: Vec<Vec<&AlignedName>> = Vec::new();
    for name in names {
        match blocks
            .iter_mut()
            .find(|b| b.first().is_some_and(|n| n.block == name.block))
        {
            Some(block) => block.push(name),
            None => blocks.push(vec![name]),
        }
    }
    let mut paddings = Vec::new();
    for block in blocks {
        let separated = |a: &&AlignedName, b: &&AlignedName| {
            lines
                .get(a.last_line + 1..b.first_line)
                .is_some_and(|between| between.iter().any(|l| l.text.is_empty()))
        };
        for run in block.chunk_by(|a, b| !separated(a, b)) {
            let width = run.iter().map(|n| n.len).max().unwrap_or(0);
            paddings.extend(run.iter().map(|n| (n.first_line, n.end, width - n.len)));
        }
    }
    for (line, end, padding) in paddings {
        let Some(line) = lines.get_mut(line) else {
            continue;
        };
        if padding == 0 || !line.text.is_char_boundary(end) {
            continue;
        }
        line.text.insert_str(end, &" ".repeat(padding));
        if let Some(at) = line.comment_at.as_mut().filter(|at| **at >= end) {
            *at += padding;
        }
    }
}

/// Pads the code of consecutive lines that end with a `//` comment so their comments line up, one space
/// after the longest code.
pub(super) fn align_trailing_comments(lines: &mut [Line]) {
    for run in lines.chunk_by_mut(|a, b| a.comment_at.is_some() == b.comment_at.is_some()) {
        let width = |line: &Line| line.indent + code(line).chars().count();
        let widths = run.iter().filter(|l| l.comment_at.is_some()).map(width);
        let Some(column) = widths.max() else {
            continue;
        };
        for line in run {
            let Some(at) = line.comment_at else { continue };
            let padding = column - width(line) + 1;
            let code = code(line).to_owned();
            let comment = line.text.get(at..).unwrap_or_default().to_owned();
            line.text = format!("{code}{}{}", " ".repeat(padding), comment.trim_start());
            line.comment_at = Some(code.len() + padding);
        }
    }
}

/// The text of a line before its trailing comment.
fn code(line: &Line) -> &str {
    let at = line.comment_at.unwrap_or_default();
    line.text.get(..at).unwrap_or_default().trim_end()
}
