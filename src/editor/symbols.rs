//! The outline of a rules file.

use crate::check::program::{Program, SymbolKind};
use crate::source::{FileId, Span};

/// One entry of the outline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Symbol {
    /// The declared name.
    pub name: String,
    /// The first line of the declaration's description.
    pub detail: String,
    /// What it is.
    pub kind: SymbolKind,
    /// The whole declaration.
    pub span: Span,
    /// The name in the declaration.
    pub selection_span: Span,
    /// Entries nested in it (none yet: fields and variants are left out).
    pub children: Vec<Symbol>,
}

/// The top-level declarations of the rules file `id`: rules, parameters,
/// kinds, structs, enums, definitions and chains, in the order declared.
pub fn outline(program: &Program, id: FileId) -> Vec<Symbol> {
    program
        .symbols
        .iter()
        .filter(|s| {
            s.span.file == id
                && !matches!(
                    s.kind,
                    SymbolKind::Local | SymbolKind::Field | SymbolKind::Variant
                )
        })
        .map(|s| Symbol {
            name: s.name.clone(),
            detail: s.detail.lines().next().unwrap_or("").to_string(),
            kind: s.kind,
            span: s.extent,
            selection_span: s.span,
            children: Vec::new(),
        })
        .collect()
}
