//! The checker's diagnostics as LSP diagnostics: the document's own errors and warnings, with the
//! same message, code and span as `hps check` prints, the label and help appended, and the related
//! places (also in imported files) as related information.

use lsp_types::{
    Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString, Url,
};

use crate::diagnostic::Severity;

use super::analysis::Analysis;

/// The diagnostics to publish for the document at `uri`.
#[must_use]
pub fn of(analysis: &Analysis, uri: &Url) -> Vec<Diagnostic> {
    analysis
        .checked
        .diagnostics
        .iter()
        .filter(|d| d.span.file == analysis.root)
        .map(|d| {
            let mut message = d.message.clone();
            if !d.label.is_empty() && d.label != "here" {
                message.push_str(&format!(" ({})", d.label));
            }
            if let Some(help) = &d.help {
                message.push_str(&format!("\nhelp: {help}"));
            }
            let related: Vec<DiagnosticRelatedInformation> = d
                .related
                .iter()
                .filter_map(|r| {
                    let location = if r.span.file == analysis.root {
                        Location::new(uri.clone(), analysis.range(r.span))
                    } else {
                        analysis.location(r.span)?
                    };
                    Some(DiagnosticRelatedInformation {
                        location,
                        message: r.message.clone(),
                    })
                })
                .collect();
            Diagnostic {
                range: analysis.range(d.span),
                severity: Some(match d.severity {
                    Severity::Error => DiagnosticSeverity::ERROR,
                    Severity::Warning => DiagnosticSeverity::WARNING,
                }),
                code: Some(NumberOrString::String(d.code.as_str().to_owned())),
                source: Some("hps".to_owned()),
                message,
                related_information: (!related.is_empty()).then_some(related),
                ..Diagnostic::default()
            }
        })
        .collect()
}
