//! Diagnostics: every mistake a user can make in a `.hps` file, as data with a stable [`Code`], a
//! primary span, secondary labels and help. Produced by the parser and the semantic passes; rendered by
//! miette through [`Report`] (the CLI and the tests' snapshots); the language server sends them as
//! LSP diagnostics. The runtime's wiring reports what cannot run under the same codes.

use std::fmt;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceCode, SourceSpan,
};

use crate::source::SourceMap;
use crate::source::{FileId, Span, Visible, visible};

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Worth knowing; does not fail `hps check`.
    Warning,
    /// The file cannot be run.
    Error,
}

macro_rules! codes {
    ($($(#[$doc:meta])* $variant:ident => $text:literal,)*) => {
        /// A diagnostic's stable code, printed as `hps::<name>`. Codes are never renamed or reused.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $($(#[$doc])* $variant,)*
        }

        impl Code {
            /// Every code, in declaration order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The code as printed: `hps::unknown_name`.
            #[must_use]
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => concat!("hps::", $text),)*
                }
            }
        }
    };
}

codes! {
    /// The text does not follow the grammar.
    Syntax => "syntax",
    /// An imported file does not exist or cannot be read.
    ImportNotFound => "import_not_found",
    /// Files import each other in a cycle.
    ImportCycle => "import_cycle",
    /// The same file is imported twice (warning).
    DuplicateImport => "duplicate_import",
    /// Two things in one scope have the same name.
    DuplicateName => "duplicate_name",
    /// A name that refers to nothing in scope.
    UnknownName => "unknown_name",
    /// A call to something that is not a known function, layer or architecture.
    UnknownFunction => "unknown_function",
    /// A named argument the callee does not take.
    UnknownArgument => "unknown_argument",
    /// A required argument is missing.
    MissingArgument => "missing_argument",
    /// More positional arguments than the callee takes.
    TooManyArguments => "too_many_arguments",
    /// The same argument is given twice.
    DuplicateArgument => "duplicate_argument",
    /// A value of the wrong type.
    TypeMismatch => "type_mismatch",
    /// A range whose bounds are impossible (`int(5, 2)`, `uniform(1, 0)`).
    InvalidRange => "invalid_range",
    /// A value outside what the argument accepts (`eta = 1`, a probability of 2).
    InvalidValue => "invalid_value",
    /// `choice()` / `ordinal()` with nothing to choose.
    EmptyChoice => "empty_choice",
    /// `bases(...)` with fewer than two bases.
    TooFewBases => "too_few_bases",
    /// A condition names a parameter that is not defined.
    UndefinedInCondition => "undefined_in_condition",
    /// A condition names a parameter defined after it.
    ConditionOrder => "condition_order",
    /// `forbid` removes every combination of the space.
    EmptySpace => "empty_space",
    /// A field that a study (or budget, or recipe) does not have.
    UnknownField => "unknown_field",
    /// A study lacks a field its trainer needs.
    MissingField => "missing_field",
    /// A name that matches several parameters.
    AmbiguousName => "ambiguous_name",
    /// `sampler = grid` over a space with continuous parameters.
    GridContinuous => "grid_continuous",
    /// Something declared and never used (warning).
    Unused => "unused",
    /// A condition that is not true/false valued.
    NotACondition => "not_a_condition",
    /// A comparison that can never hold, such as a value that is not among the choices.
    ImpossibleCondition => "impossible_condition",
    /// A dataset file that does not exist.
    DataNotFound => "data_not_found",
    /// A statement in a place where it has no meaning.
    Misplaced => "misplaced",
    /// Two settings that cannot be used together.
    Conflict => "conflict",
    /// Something valid in the language that this build of hps cannot run yet (found by `hps run`).
    Unsupported => "unsupported",
    /// A dataset's file cannot be read or has a malformed row or record (found by `hps run`).
    Data => "data",
    /// The study exists in the store with a different search space (found by `hps run`).
    StudyChanged => "study_changed",
}

impl Code {
    /// Codes only `hps run` reports (they need data, the store, or the runtime).
    pub const RUNTIME: &'static [Code] = &[Code::Unsupported, Code::Data, Code::StudyChanged];
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A secondary label: another place that matters to the diagnostic.
#[derive(Debug, Clone, PartialEq)]
pub struct Related {
    /// Where.
    pub span: Span,
    /// What is there.
    pub message: String,
}

/// One diagnostic. Build with [`Diagnostic::error`] / [`Diagnostic::warning`] and the `with_*` methods.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    /// Stable code.
    pub code: Code,
    /// Error or warning.
    pub severity: Severity,
    /// One sentence saying what is wrong.
    pub message: String,
    /// The place it is wrong.
    pub span: Span,
    /// The label under the primary span.
    pub label: String,
    /// How to fix it.
    pub help: Option<String>,
    /// Other places that matter.
    pub related: Vec<Related>,
}

impl Diagnostic {
    /// An error at `span`.
    #[must_use]
    pub fn error(code: Code, span: Span, message: impl Into<String>) -> Self {
        Self {
            code,
            severity: Severity::Error,
            message: message.into(),
            span,
            label: String::from("here"),
            help: None,
            related: Vec::new(),
        }
    }

    /// A warning at `span`.
    #[must_use]
    pub fn warning(code: Code, span: Span, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(code, span, message)
        }
    }

    /// Sets the label under the primary span.
    #[must_use]
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    /// Sets the help text.
    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Sets the help text when there is one.
    #[must_use]
    pub fn with_help_opt(mut self, help: Option<String>) -> Self {
        if help.is_some() {
            self.help = help;
        }
        self
    }

    /// Adds a secondary label.
    #[must_use]
    pub fn with_related(mut self, span: Span, message: impl Into<String>) -> Self {
        self.related.push(Related {
            span,
            message: message.into(),
        });
        self
    }

    /// Whether this is an error (not a warning).
    #[must_use]
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Sorts diagnostics by file and position, dropping exact duplicates.
pub fn sort(diagnostics: &mut Vec<Diagnostic>) {
    diagnostics.sort_by(|a, b| {
        (a.span.file, a.span.start, a.span.end, a.code).cmp(&(
            b.span.file,
            b.span.start,
            b.span.end,
            b.code,
        ))
    });
    diagnostics.dedup();
}

/// A diagnostic joined to its source text: what miette renders.
pub struct Report<'a> {
    diagnostic: &'a Diagnostic,
    file: FileId,
    /// The file's text with control characters made visible; spans are moved with it.
    shown: Visible,
    source: NamedSource<String>,
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
            .map(|file| Report::of_file(diagnostic, sources, file, Vec::new()))
            .collect();
        Report::of_file(diagnostic, sources, diagnostic.span.file, related)
    }

    fn of_file(
        diagnostic: &'a Diagnostic,
        sources: &SourceMap,
        file: FileId,
        related: Vec<Report<'a>>,
    ) -> Self {
        let source = sources.get(file);
        let shown = Visible::new(&source.text);
        Report {
            diagnostic,
            file,
            source: NamedSource::new(visible(&source.name), shown.text.clone()),
            shown,
            related,
        }
    }

    /// A span of the file where the shown text has it.
    fn shown_span(&self, span: Span) -> SourceSpan {
        let start = self.shown.offset(span.start);
        SourceSpan::new(start.into(), self.shown.offset(span.end) - start)
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
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let d = self.diagnostic;
        let mut labels = Vec::new();
        if self.is_primary() {
            labels.push(LabeledSpan::new_primary_with_span(
                Some(visible(&d.label).into_owned()),
                self.shown_span(d.span),
            ));
        }
        labels.extend(
            d.related
                .iter()
                .filter(|r| r.span.file == self.file)
                .map(|r| {
                    LabeledSpan::new_with_span(
                        Some(visible(&r.message).into_owned()),
                        self.shown_span(r.span),
                    )
                }),
        );
        Some(Box::new(labels.into_iter()))
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

    #[test]
    fn control_characters_are_rendered_visibly_and_labels_stay_on_them() {
        let mut sources = SourceMap::new();
        let text = "study s\u{0} {\n  x = \"\u{1b}[2J\"\n}\n";
        let file = sources.add("nul.hps", text);
        let at = text.find('{').unwrap_or_default();
        let diagnostic = Diagnostic::error(
            Code::Syntax,
            Span::new(file, 7, 8),
            "expected `{`, found `\u{0}`",
        )
        .with_label("unexpected `\u{0}`")
        .with_related(Span::new(file, at, at + 1), "then `{`")
        .with_help("remove the \u{1b}[31mbyte");
        let rendered = Report::new(&diagnostic, &sources).render_plain(80);
        assert!(
            !rendered.chars().any(|c| c.is_control() && c != '\n'),
            "{rendered:?}"
        );
        assert!(rendered.contains("found `␀`"), "{rendered}");
        assert!(rendered.contains("1 │ study s␀ {"), "{rendered}");
        assert!(rendered.contains("x = \"␛[2J\""), "{rendered}");
        assert!(
            rendered.contains("help: remove the ␛[31mbyte"),
            "{rendered}"
        );
        // The labels point at the NUL and at the brace after it.
        let line = rendered
            .lines()
            .find(|l| l.contains('┬'))
            .unwrap_or_default();
        let snippet = rendered
            .lines()
            .find(|l| l.contains("study s"))
            .unwrap_or_default();
        let column = |line: &str, c: char| line.chars().position(|x| x == c);
        assert_eq!(column(line, '┬'), column(snippet, '␀'), "{rendered}");
    }
}
