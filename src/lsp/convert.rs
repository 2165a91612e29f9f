//! The one place that turns the core's spans, diagnostics and findings into
//! protocol values (UTF-16 positions, as LSP counts them).

use std::collections::HashMap;

use tower_lsp::lsp_types::{
    self as lsp, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString,
    Position, Range, Url,
};

use crate::diag::{Diagnostic, Level};
use crate::report::{Finding, Severity};
use crate::source::{FileId, SourceMap, Span};

/// A span as an LSP range.
pub fn range(sources: &SourceMap, span: Span) -> Option<Range> {
    let f = sources.get(span.file)?;
    let (l1, c1) = f.lines.utf16_position(&f.text, span.start as usize);
    let (l2, c2) = f.lines.utf16_position(&f.text, span.end as usize);
    Some(Range::new(Position::new(l1, c1), Position::new(l2, c2)))
}

/// A span as an LSP location, where its file has a URI.
pub fn location(sources: &SourceMap, uris: &HashMap<FileId, Url>, span: Span) -> Option<Location> {
    Some(Location::new(
        uris.get(&span.file)?.clone(),
        range(sources, span)?,
    ))
}

/// `file:line:col`, for text.
pub fn place(sources: &SourceMap, span: Span) -> String {
    match sources.span_lines(span) {
        Some((a, _)) => format!("{}:{}:{}", sources.name(span.file), a.line, a.column),
        None => sources.name(span.file).to_string(),
    }
}

fn related(
    sources: &SourceMap,
    uris: &HashMap<FileId, Url>,
    items: impl Iterator<Item = (Span, String)>,
) -> Option<Vec<DiagnosticRelatedInformation>> {
    let v: Vec<DiagnosticRelatedInformation> = items
        .filter_map(|(span, message)| {
            Some(DiagnosticRelatedInformation {
                location: location(sources, uris, span)?,
                message,
            })
        })
        .collect();
    (!v.is_empty()).then_some(v)
}

fn build(
    range: Range,
    severity: DiagnosticSeverity,
    code: Option<String>,
    message: String,
    related_information: Option<Vec<DiagnosticRelatedInformation>>,
) -> lsp::Diagnostic {
    lsp::Diagnostic {
        range,
        severity: Some(severity),
        code: code.map(NumberOrString::String),
        source: Some("sunlight".into()),
        message,
        related_information,
        ..lsp::Diagnostic::default()
    }
}

/// An input or rule-file problem as an LSP diagnostic.
pub fn diagnostic(
    sources: &SourceMap,
    uris: &HashMap<FileId, Url>,
    d: &Diagnostic,
) -> lsp::Diagnostic {
    let r = d.span.and_then(|s| range(sources, s)).unwrap_or_default();
    let mut message = d.message.clone();
    if let Some(h) = &d.help {
        message.push_str(&format!("\nhelp: {h}"));
    }
    let severity = match d.level {
        Level::Error => DiagnosticSeverity::ERROR,
        Level::Warning => DiagnosticSeverity::WARNING,
    };
    build(
        r,
        severity,
        None,
        message,
        related(
            sources,
            uris,
            d.related.iter().map(|l| (l.span, l.message.clone())),
        ),
    )
}

/// A finding as an LSP diagnostic, with the rule id as its code.
pub fn finding(sources: &SourceMap, uris: &HashMap<FileId, Url>, f: &Finding) -> lsp::Diagnostic {
    let r = range(sources, f.span).unwrap_or_default();
    let severity = match (f.severity, f.suppressed.is_some()) {
        (_, true) => DiagnosticSeverity::HINT,
        (Severity::Error, _) => DiagnosticSeverity::ERROR,
        (Severity::Warning, _) => DiagnosticSeverity::WARNING,
    };
    let mut message = format!("{}: {}", f.title, f.message);
    if let Some(s) = &f.suppressed {
        message.push_str(&format!("\n({})", s.describe()));
    }
    build(
        r,
        severity,
        Some(f.rule.clone()),
        message,
        related(
            sources,
            uris,
            f.related.iter().map(|r| (r.span, r.note.clone())),
        ),
    )
}
