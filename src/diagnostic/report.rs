//! A [`Diagnostic`] joined to its source text: what miette renders, for the CLI (`hps check`, `fmt`,
//! `plan`, `run`) and the tests' snapshots. The text comes from an [`Excerpt`] of the lines around the
//! labels, so rendering one diagnostic costs the size of those lines, never of the whole file.

use std::fmt;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, SourceCode, SourceSpan};

use crate::diagnostic::excerpt::Excerpt;
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::{FileId, SourceMap, Span, visible};

/// A diagnostic with the excerpt of one file that its labels there point into.
pub struct Report<'a> {
    diagnostic: &'a Diagnostic,
    file: FileId,
    excerpt: Excerpt,
    /// The labels in this file, placed in the excerpt: the primary one first when it is here.
    labels: Vec<LabeledSpan>,
    related: Vec<Report<'a>>,
}

impl<'a> Report<'a> {
    /// Joins `diagnostic` to the files in `sources`. Labels in other files than the primary one become
    /// related reports, one per file, so each is shown with its own source.
    #[must_use]
    pub fn new(diagnostic: &'a Diagnostic, sources: &SourceMap) -> Self {
        let mut other_files: Vec<FileId> = diagnostic
            .related
            .iter()
            .map(|r| r.span.file)
            .filter(|&f| f != diagnostic.span.file)
            .collect();
        other_files.dedup();
        let related = other_files
            .into_iter()
            .map(|file| Self::in_file(diagnostic, file, sources, Vec::new()))
            .collect();
        Self::in_file(diagnostic, diagnostic.span.file, sources, related)
    }

    fn in_file(
        diagnostic: &'a Diagnostic,
        file: FileId,
        sources: &SourceMap,
        related: Vec<Report<'a>>,
    ) -> Self {
        let primary = file == diagnostic.span.file;
        let mut labels: Vec<(Span, &str, bool)> = Vec::new();
        if primary {
            labels.push((diagnostic.span, &diagnostic.label, true));
        }
        labels.extend(
            diagnostic
                .related
                .iter()
                .filter(|r| r.span.file == file)
                .map(|r| (r.span, r.message.as_str(), false)),
        );
        let source = sources.get(file);
        let spans: Vec<Span> = labels.iter().map(|(span, _, _)| *span).collect();
        let (excerpt, placed) = Excerpt::new(source, &spans);
        let labels = labels
            .iter()
            .zip(placed)
            .map(|(&(_, text, is_primary), span)| label(text, span, is_primary))
            .collect();
        Self {
            diagnostic,
            file,
            excerpt,
            labels,
            related,
        }
    }

    fn is_primary(&self) -> bool {
        self.file == self.diagnostic.span.file
    }

    /// Renders without colour at the given width (tests, plain terminals, editors).
    #[must_use]
    pub fn render_plain(&self, width: usize) -> String {
        let handler = GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
            .with_width(width)
            .with_links(false);
        let mut out = String::new();
        if handler.render_report(&mut out, self).is_err() {
            out = format!(
                "{}: {}",
                self.diagnostic.code,
                visible(&self.diagnostic.message)
            );
        }
        out
    }
}

fn label(text: &str, span: SourceSpan, primary: bool) -> LabeledSpan {
    let text = Some(visible(text).into_owned());
    if primary {
        LabeledSpan::new_primary_with_span(text, span)
    } else {
        LabeledSpan::new_with_span(text, span)
    }
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.diagnostic, f)
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_primary() {
            f.write_str(&visible(&self.diagnostic.message))
        } else {
            f.write_str("see also")
        }
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.is_primary()
            .then(|| Box::new(self.diagnostic.code) as Box<dyn fmt::Display>)
    }

    fn severity(&self) -> Option<miette::Severity> {
        if !self.is_primary() {
            return Some(miette::Severity::Advice);
        }
        Some(match self.diagnostic.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        if !self.is_primary() {
            return None;
        }
        self.diagnostic
            .help
            .as_ref()
            .map(|h| Box::new(visible(h)) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.excerpt)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }

    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn miette::Diagnostic> + 'b>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(
            self.related.iter().map(|r| r as &dyn miette::Diagnostic),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Code;

    #[test]
    fn control_characters_are_shown_as_pictures_and_labels_stay_on_their_character() {
        let mut sources = SourceMap::new();
        let text = "space s {\n  x = \0\u{1b}[2J@ y\n}\n";
        let file = sources.add("odd\u{7}.hps", text);
        let at = text.find('@').unwrap();
        let diagnostic = Diagnostic::error(
            Code::Syntax,
            Span::new(file, at, at + 1),
            "unexpected `@` after `\0`",
        )
        .with_label("here \u{1b}")
        .with_help("remove the \0");
        let rendered = Report::new(&diagnostic, &sources).render_plain(100);
        assert!(
            !rendered.contains(['\0', '\u{1b}', '\u{7}']),
            "{rendered:?}"
        );
        for shown in [
            "␀␛[2J@ y",
            "unexpected `@` after `␀`",
            "here ␛",
            "remove the ␀",
            "odd␇.hps",
        ] {
            assert!(rendered.contains(shown), "{shown} in {rendered}");
        }
        // The label's mark is under the `@`, counted in characters as a terminal shows them.
        let lines: Vec<&str> = rendered.lines().collect();
        let source = lines.iter().position(|l| l.contains("␀␛[2J@")).unwrap();
        let column = |line: &str, c: char| line.chars().position(|x| x == c).unwrap();
        let mark = lines[source + 1..]
            .iter()
            .find(|l| l.contains('┬') || l.contains('─'))
            .unwrap();
        let mark_column = mark.chars().position(|x| x == '┬' || x == '─').unwrap();
        assert_eq!(mark_column, column(lines[source], '@'), "{rendered}");
    }
}
