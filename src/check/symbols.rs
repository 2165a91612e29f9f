//! The editor's index of the names in the rule files: each declaration,
//! each use of one, and what is in scope at the completion probe.
//!
//! Compilation returns it beside the [`super::Program`] rather than inside
//! it: evaluation never reads it, and only the editor asks for it.

use crate::source::Span;

/// Every name declared in the rule files and every place one is used.
#[derive(Debug, Clone, Default)]
pub struct Symbols {
    /// Every declared name; [`Symbols::uses`] point into it.
    pub declared: Vec<Symbol>,
    /// Every place a symbol is used: the span and the symbol's index in
    /// [`Symbols::declared`], sorted by place.
    pub uses: Vec<(Span, usize)>,
    /// What is in scope where [`PROBE`] stands, if it was met.
    pub probe: Option<Probe>,
}

impl Symbols {
    /// The id of every rule declared, switched off or not, in declaration
    /// order (a dated rule once per version).
    pub fn rule_ids(&self) -> impl Iterator<Item = &str> {
        self.declared
            .iter()
            .filter(|s| s.kind == SymbolKind::Rule)
            .map(|s| s.name.as_str())
    }

    /// Add the declarations and uses of `other` that this index lacks: the
    /// programs of several periods declare mostly the same names, and the
    /// editor wants each once.
    pub(super) fn merge(&mut self, other: &Symbols) {
        let mut map = Vec::with_capacity(other.declared.len());
        for sym in &other.declared {
            let found = self
                .declared
                .iter()
                .position(|s| s.span == sym.span && s.kind == sym.kind);
            map.push(found.unwrap_or_else(|| {
                self.declared.push(sym.clone());
                self.declared.len() - 1
            }));
        }
        for (span, i) in &other.uses {
            if let Some(&j) = map.get(*i) {
                self.uses.push((*span, j));
            }
        }
        self.sort_uses();
        // The probe may stand in a rule of one period only.
        if self.probe.is_none() {
            self.probe.clone_from(&other.probe);
        }
    }

    /// Sort the uses by place and keep each once (a `def`'s body is
    /// compiled at every call).
    pub(super) fn sort_uses(&mut self) {
        self.uses
            .sort_by_key(|(span, sym)| (span.file, span.start, span.end, *sym));
        self.uses.dedup();
    }
}

/// A name the editor can complete at: compiling text with this identifier
/// at the cursor records what is in scope there (see [`Probe`]).
pub const PROBE: &str = "__sunlight_probe__";

/// What is in scope where [`PROBE`] stands.
#[derive(Debug, Clone, Default)]
pub struct Probe {
    /// After `x.`: the fields of `x`'s type: name, type, doc.
    pub fields: Vec<(String, String, Option<String>)>,
    /// As a plain name: the variables in scope with their types.
    pub locals: Vec<(String, String)>,
}

/// What kind of thing a symbol names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SymbolKind {
    /// `param`.
    Param,
    /// `rule`.
    Rule,
    /// `def`.
    Def,
    /// `chain`.
    Chain,
    /// `kind` (a record kind).
    Kind,
    /// `struct`.
    Struct,
    /// `enum`.
    Enum,
    /// A field of a struct or kind.
    Field,
    /// A variant of a tagged struct.
    Variant,
    /// A `for`, `let`, lambda or `def` variable.
    Local,
}

/// A declared name.
#[derive(Debug, Clone)]
pub struct Symbol {
    /// The name.
    pub name: String,
    /// What it is.
    pub kind: SymbolKind,
    /// Where it is declared (the name).
    pub span: Span,
    /// The whole declaration (the name alone for fields and variables).
    pub extent: Span,
    /// One line saying what it is, e.g. `param 大额资金标准 = 200000 (money)`.
    pub detail: String,
    /// Doc comment.
    pub doc: Option<String>,
}
