//! The one place that turns the core's spans, diagnostics and findings into
//! protocol values (UTF-16 positions, as LSP counts them).

use tower_lsp::lsp_types::{
    self as lsp, CompletionItem, CompletionItemKind, DiagnosticRelatedInformation,
    DiagnosticSeverity, DocumentSymbol, Documentation, Location, NumberOrString, Position, Range,
    SymbolKind, Url,
};

use crate::check::symbols::SymbolKind as SymKind;
use crate::editor;

use crate::diag::{Diagnostic, Level};
use crate::report::{Finding, Severity};
use crate::source::{FileId, SourceMap, Span};

/// A span as an LSP range.
pub fn range(sources: &SourceMap, span: Span) -> Option<Range> {
    let f = sources.get(span.file)?;
    let (l1, c1) = f.lines().utf16_position(&f.text, span.start as usize);
    let (l2, c2) = f.lines().utf16_position(&f.text, span.end as usize);
    Some(Range::new(Position::new(l1, c1), Position::new(l2, c2)))
}

/// The byte offset of an LSP position in the file `id` (0 when there is
/// no such file); positions past a line's or the text's end clamp to it.
pub fn offset(sources: &SourceMap, id: FileId, pos: Position) -> usize {
    sources.get(id).map_or(0, |f| {
        f.lines().offset_of_utf16(&f.text, pos.line, pos.character)
    })
}

/// The range of the whole text of the file `id`.
pub fn whole_text(sources: &SourceMap, id: FileId) -> Option<Range> {
    let f = sources.get(id)?;
    let (line, character) = f.lines().utf16_position(&f.text, f.text.len());
    Some(Range::new(
        Position::new(0, 0),
        Position::new(line, character),
    ))
}

/// A span as an LSP location, where its file has a URI.
pub fn location(
    sources: &SourceMap,
    uri_of: &impl Fn(FileId) -> Option<Url>,
    span: Span,
) -> Option<Location> {
    Some(Location::new(uri_of(span.file)?, range(sources, span)?))
}

fn related(
    sources: &SourceMap,
    uri_of: &impl Fn(FileId) -> Option<Url>,
    items: impl Iterator<Item = (Span, String)>,
) -> Option<Vec<DiagnosticRelatedInformation>> {
    let v: Vec<DiagnosticRelatedInformation> = items
        .filter_map(|(span, message)| {
            Some(DiagnosticRelatedInformation {
                location: location(sources, uri_of, span)?,
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
    uri_of: &impl Fn(FileId) -> Option<Url>,
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
            uri_of,
            d.related.iter().map(|l| (l.span, l.message.clone())),
        ),
    )
}

/// A finding as an LSP diagnostic, with the rule id as its code.
pub fn finding(
    sources: &SourceMap,
    uri_of: &impl Fn(FileId) -> Option<Url>,
    f: &Finding,
) -> lsp::Diagnostic {
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
            uri_of,
            f.related.iter().map(|r| (r.span, r.note.clone())),
        ),
    )
}

/// An outline entry as an LSP document symbol (the whole declaration as
/// its range, the name as its selection range).
#[allow(deprecated)] // `DocumentSymbol::deprecated` must still be set.
pub fn document_symbol(sources: &SourceMap, s: editor::symbols::Symbol) -> Option<DocumentSymbol> {
    let selection_range = range(sources, s.selection_span)?;
    let children: Vec<DocumentSymbol> = s
        .children
        .into_iter()
        .filter_map(|c| document_symbol(sources, c))
        .collect();
    Some(DocumentSymbol {
        name: s.name,
        detail: Some(s.detail),
        kind: match s.kind {
            SymKind::Rule | SymKind::Def => SymbolKind::FUNCTION,
            SymKind::Param => SymbolKind::CONSTANT,
            SymKind::Kind | SymKind::Struct => SymbolKind::STRUCT,
            SymKind::Enum => SymbolKind::ENUM,
            SymKind::Chain => SymbolKind::OBJECT,
            SymKind::Field | SymKind::Variant | SymKind::Local => SymbolKind::VARIABLE,
        },
        tags: None,
        deprecated: None,
        range: range(sources, s.span).unwrap_or(selection_range),
        selection_range,
        children: (!children.is_empty()).then_some(children),
    })
}

/// A completion as an LSP completion item.
pub fn completion(c: editor::completion::Completion) -> CompletionItem {
    use editor::completion::CompletionKind as K;
    CompletionItem {
        kind: Some(match c.kind {
            K::Field => CompletionItemKind::FIELD,
            K::Reference => CompletionItemKind::REFERENCE,
            K::Variable => CompletionItemKind::VARIABLE,
            K::Constant => CompletionItemKind::CONSTANT,
            K::Function => CompletionItemKind::FUNCTION,
            K::Module => CompletionItemKind::MODULE,
            K::Struct => CompletionItemKind::STRUCT,
            K::Keyword => CompletionItemKind::KEYWORD,
        }),
        detail: (!c.detail.is_empty()).then_some(c.detail),
        documentation: c.doc.map(Documentation::String),
        label: c.label,
        ..CompletionItem::default()
    }
}
