//! Diagnostics: every mistake a user can make in a `.hps` file, as data with a stable [`Code`], a
//! primary span, secondary labels and help. Produced by the parser and the semantic passes; rendered by
//! miette through [`Report`] (the CLI and the tests' snapshots); the language server sends them as
//! LSP diagnostics. The runtime's wiring reports what cannot run under the same codes.

mod excerpt;
mod report;

use std::fmt;

pub use report::Report;

use crate::source::Span;

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
    /// Brackets, blocks and operators nested deeper than the language allows.
    TooDeep => "too_deep",
    /// A HyperSTAR model that scores another search space, or cannot be read (found by `hps run`).
    MetaMismatch => "meta_mismatch",
}

impl Code {
    /// Codes only `hps run` reports (they need data, the store, or the runtime).
    pub const RUNTIME: &'static [Code] = &[
        Code::Unsupported,
        Code::Data,
        Code::StudyChanged,
        Code::MetaMismatch,
    ];
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

/// Sorts diagnostics by file and position, dropping repeats: one problem found twice (a space's
/// condition checked where it is declared and again in each study that uses it) is reported once,
/// with the help of the first check, even when the two checks' help differs.
pub fn sort(diagnostics: &mut Vec<Diagnostic>) {
    diagnostics.sort_by(|a, b| {
        (a.span.file, a.span.start(), a.span.end(), a.code).cmp(&(
            b.span.file,
            b.span.start(),
            b.span.end(),
            b.code,
        ))
    });
    diagnostics.dedup_by(|later, kept| {
        later.span == kept.span && later.code == kept.code && later.message == kept.message
    });
}
