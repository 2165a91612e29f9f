//! The editor's symbols: declarations, their extents and the uses of
//! type names.

use std::collections::HashMap;

use super::Compiler;
use crate::check::symbols::{Probe, Symbol, SymbolKind, Symbols};
use crate::check::types::Ty;
use crate::source::Span;
use crate::syntax::ast::{self, DeclKind};

/// The editor's index of the names in the rule files, as the compiler
/// fills it while it resolves names: each declared symbol, each use of
/// one, and what is in scope at the completion probe, with the maps that
/// find the symbol a use names. Evaluation never reads it.
#[derive(Default)]
pub(super) struct SymbolIndex {
    pub(super) symbols: Vec<Symbol>,
    pub(super) uses: Vec<(Span, usize)>,
    pub(super) probe: Option<Probe>,
    /// Symbols by what they name, for recording uses.
    pub(super) param_syms: HashMap<String, usize>,
    pub(super) def_syms: HashMap<String, usize>,
    pub(super) chain_syms: HashMap<String, usize>,
    pub(super) type_syms: HashMap<String, usize>,
    /// By (struct, field slot).
    pub(super) field_syms: HashMap<(usize, usize), usize>,
    /// A `def`'s parameters, by the span of their declaration.
    pub(super) def_param_syms: HashMap<Span, usize>,
}

impl SymbolIndex {
    /// The index as returned beside the program.
    pub(super) fn finish(self) -> Symbols {
        let mut out = Symbols {
            declared: self.symbols,
            uses: self.uses,
            probe: self.probe,
        };
        out.sort_uses();
        out
    }
}

impl<'a> Compiler<'a> {
    /// Declare a symbol and return its index.
    pub(in crate::check) fn symbol(
        &mut self,
        name: &ast::Ident,
        kind: SymbolKind,
        detail: String,
        doc: Option<String>,
    ) -> usize {
        self.index.symbols.push(Symbol {
            name: name.name.clone(),
            kind,
            span: name.span,
            extent: name.span,
            detail,
            doc,
        });
        self.index.symbols.len() - 1
    }

    /// The whole declaration a symbol names (for the editor's outline).
    pub(in crate::check) fn set_extent(&mut self, sym: usize, span: Span) {
        if let Some(s) = self.index.symbols.get_mut(sym) {
            s.extent = span;
        }
    }

    /// Bring a variable into scope.
    pub(in crate::check) fn push_local(&mut self, name: &ast::Ident, slot: usize, ty: Ty) {
        let detail = format!("{}: {}", name.name, self.describe(&ty));
        let sym = self.symbol(name, SymbolKind::Local, detail, None);
        self.locals.push((name.name.clone(), slot, ty, sym));
    }

    /// Symbols for the schema, and uses of type names in field declarations.
    pub(in crate::check) fn schema_symbols(&mut self, decls: &[&ast::Decl]) {
        for decl in decls {
            match &decl.kind {
                DeclKind::Enum(e) => {
                    let detail = format!(
                        "enum {} {{ {} }}",
                        e.name.name,
                        e.members
                            .iter()
                            .map(|m| m.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    );
                    let sym = self.symbol(&e.name, SymbolKind::Enum, detail, decl.doc.clone());
                    self.set_extent(sym, decl.span);
                    self.index
                        .type_syms
                        .entry(e.name.name.clone())
                        .or_insert(sym);
                }
                DeclKind::Struct(st) => {
                    let kind = if st.is_kind {
                        SymbolKind::Kind
                    } else {
                        SymbolKind::Struct
                    };
                    let word = if st.is_kind { "kind" } else { "struct" };
                    let sym = self.symbol(
                        &st.name,
                        kind,
                        format!("{word} {}", st.name.name),
                        decl.doc.clone(),
                    );
                    self.set_extent(sym, decl.span);
                    self.index
                        .type_syms
                        .entry(st.name.name.clone())
                        .or_insert(sym);
                }
                _ => {}
            }
        }
        for decl in decls {
            let (st, extends) = match &decl.kind {
                DeclKind::Struct(st) => (st, false),
                DeclKind::Extend(st) => (st, true),
                _ => continue,
            };
            let Some(sid) = self
                .schema
                .structs
                .iter()
                .position(|s| s.name == st.name.name && (extends || s.span == st.name.span))
            else {
                continue;
            };
            if extends && let Some(&sym) = self.index.type_syms.get(&st.name.name) {
                self.index.uses.push((st.name.span, sym));
            }
            let fields: Vec<&ast::FieldDecl> = match &st.body {
                ast::StructBody::Fields(f) => f.iter().collect(),
                ast::StructBody::Tagged { variants, tag } => {
                    for v in variants {
                        self.symbol(
                            &v.name,
                            SymbolKind::Variant,
                            format!(
                                "{} = {} (variant of {})",
                                tag.name, v.name.name, st.name.name
                            ),
                            None,
                        );
                    }
                    variants.iter().flat_map(|v| v.fields.iter()).collect()
                }
            };
            for f in fields {
                self.type_uses(&f.ty);
                let Some(def) = self.schema.structs.get(sid) else {
                    continue;
                };
                let Some(slot) = def.slot(&f.name.name) else {
                    continue;
                };
                if self.index.field_syms.contains_key(&(sid, slot)) {
                    continue;
                }
                let ty = def
                    .fields
                    .get(slot)
                    .map(|fd| (self.schema.describe(&fd.ty), fd.optional))
                    .unwrap_or_default();
                let detail = format!(
                    "{}.{}: {}{}",
                    st.name.name,
                    f.name.name,
                    ty.0,
                    if ty.1 { " (optional)" } else { "" }
                );
                let sym = self.symbol(&f.name, SymbolKind::Field, detail, f.doc.clone());
                self.index.field_syms.insert((sid, slot), sym);
            }
        }
    }

    pub(in crate::check) fn type_uses(&mut self, t: &ast::TypeExpr) {
        match &t.kind {
            ast::TypeKind::Named(n) | ast::TypeKind::Ref(n) => self.type_use(n),
            ast::TypeKind::OneOrList(a, b) => {
                self.type_use(a);
                self.type_use(b);
            }
            ast::TypeKind::List(inner) => self.type_uses(inner),
            ast::TypeKind::Key { .. } => {}
        }
    }

    pub(in crate::check) fn type_use(&mut self, n: &ast::Ident) {
        if let Some(&sym) = self.index.type_syms.get(&n.name) {
            self.index.uses.push((n.span, sym));
        }
    }
}
