//! The outline of a rules file.

use crate::check::symbols::{SymbolKind, Symbols};
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
pub fn outline(symbols: &Symbols, id: FileId) -> Vec<Symbol> {
    symbols
        .declared
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::editor::tests::{RULES, at, compiled, slice};

    #[test]
    fn the_outline_lists_top_level_declarations_in_order() {
        let (sources, ids, _, symbols) = compiled();
        let outline = outline(&symbols, ids[0]);
        let entries: Vec<(&str, SymbolKind)> =
            outline.iter().map(|s| (s.name.as_str(), s.kind)).collect();
        assert_eq!(
            entries,
            [
                ("org", SymbolKind::Kind),
                ("pay", SymbolKind::Kind),
                ("上限", SymbolKind::Param),
                ("T-001", SymbolKind::Rule),
            ]
        );
        let param = &outline[2];
        assert_eq!(slice(&sources, param.selection_span), "上限");
        assert_eq!(slice(&sources, param.span), "param 上限 = 100");
        assert!(param.detail.starts_with("param 上限"), "{}", param.detail);
        let rule = &outline[3];
        assert_eq!(rule.span.start as usize, at(RULES, "rule T-001", 0, 0));
        assert!(slice(&sources, rule.span).ends_with('}'));
        // Fields are not in the outline; another file has none of these.
        assert!(outline.iter().all(|s| s.children.is_empty()));
        assert!(super::outline(&symbols, ids[1]).is_empty());
    }
}
