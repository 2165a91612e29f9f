//! Approval chains and the `decided by` functions of kinds.

use super::Compiler;
use crate::check::ir::Arg;
use crate::check::program::*;
use crate::check::symbols::SymbolKind;
use crate::check::types::Ty;
use crate::diag::Diagnostic;
use crate::schema::FieldTy;
use crate::syntax::ast::{self, DeclKind};

impl<'a> Compiler<'a> {
    /// The `decided by` functions of the kinds: each kind's function, with
    /// the number of local slots it needs.
    pub(in crate::check) fn decided_by(
        &mut self,
        decls: &[&'a ast::Decl],
    ) -> Vec<Option<(Arg, usize)>> {
        let mut out = vec![None; self.schema.kinds.len()];
        // A later `extend kind … decided by` replaces the kind's own.
        for decl in decls {
            let (DeclKind::Struct(st) | DeclKind::Extend(st)) = &decl.kind else {
                continue;
            };
            let Some(e) = &st.decided_by else { continue };
            if !st.is_kind {
                self.err(
                    Diagnostic::error(e.span, "only a kind is decided by a date").with_help(
                        format!("`{}` is a struct: leave out `decided by`", st.name.name),
                    ),
                );
                continue;
            }
            let Some(k) = self.schema.kind(&st.name.name) else {
                continue;
            };
            let root = self.schema.kinds.get(k).map_or(0, |k| k.root);
            self.locals.clear();
            self.next_slot = 0;
            self.expansions = 0;
            let (f, ty) = self.lambda(e, Ty::Struct(root, Some(k)));
            let body_ty = match &ty {
                Ty::Opt(inner) => inner.as_ref(),
                t => t,
            };
            if !matches!(body_ty, Ty::Date | Ty::Nothing | Ty::Any) {
                let shown = self.describe(&ty);
                self.err(
                    Diagnostic::error(e.span, format!("`decided by` gives {shown}, not a date"))
                        .with_help("write a function of the record that gives one of its dates, e.g. `m => m.date`"),
                );
                continue;
            }
            if let Some(slot) = out.get_mut(k) {
                *slot = Some((f, self.next_slot));
            }
        }
        self.locals.clear();
        out
    }

    pub(in crate::check) fn chains(&mut self, decls: &[&ast::Decl]) {
        for decl in decls {
            let DeclKind::Chain(ch) = &decl.kind else {
                continue;
            };
            if let Some(def) = self.chain(ch, decl) {
                if self.chains.iter().any(|c| c.name == def.name) {
                    self.err(Diagnostic::error(
                        ch.name.span,
                        format!("chain `{}` is declared twice", def.name),
                    ));
                    continue;
                }
                let sym = self.symbol(
                    &ch.name,
                    SymbolKind::Chain,
                    format!("chain {}: {}", def.name, def.order.join(" -> ")),
                    decl.doc.clone(),
                );
                self.set_extent(sym, decl.span);
                self.index.chain_syms.insert(def.name.clone(), sym);
                self.chains.push(def);
            }
        }
    }

    pub(in crate::check) fn chain(
        &mut self,
        ch: &ast::ChainDecl,
        decl: &ast::Decl,
    ) -> Option<ChainDef> {
        use ast::ChainItem as I;
        let mut steps = None;
        let (mut name, mut date, mut actor) = (None, None, None);
        let mut order: Vec<ast::Ident> = Vec::new();
        let mut optional: Vec<ast::Ident> = Vec::new();
        let mut distinct: Vec<ast::Ident> = Vec::new();
        for item in &ch.items {
            match item {
                I::Steps(k, f) => steps = Some((k, f)),
                I::Name(f) => name = Some(f),
                I::Date(f) => date = Some(f),
                I::Actor(f) => actor = Some(f),
                I::Order(v) => order.extend(v.iter().cloned()),
                I::Optional(v) => optional.extend(v.iter().cloned()),
                I::Distinct(v) => distinct.extend(v.iter().cloned()),
            }
        }
        let missing = |what: &str| {
            Diagnostic::error(
                ch.name.span,
                format!("chain `{}` has no `{what}` clause", ch.name.name),
            )
            .with_help(
                "a chain needs `steps KIND.FIELD`, `name FIELD`, `date FIELD` and `order A -> B`",
            )
        };
        let Some((kind_id, list_field)) = steps else {
            self.err(missing("steps"));
            return None;
        };
        let Some(kind) = self.schema.kind(&kind_id.name) else {
            self.err(Diagnostic::error(
                kind_id.span,
                format!("unknown record kind `{}`", kind_id.name),
            ));
            return None;
        };
        let root = self.schema.kinds.get(kind)?.root;
        let root_def = self.schema.structs.get(root)?;
        let Some(FieldTy::List(elem)) = root_def
            .slot(&list_field.name)
            .and_then(|s| root_def.fields.get(s))
            .map(|f| &f.ty)
        else {
            self.err(Diagnostic::error(
                list_field.span,
                format!("`{}` has no list field `{}`", kind_id.name, list_field.name),
            ));
            return None;
        };
        let FieldTy::Struct(step_struct) = elem.as_ref() else {
            self.err(Diagnostic::error(
                list_field.span,
                format!("`{}` is not a list of structs", list_field.name),
            ));
            return None;
        };
        let step_struct = *step_struct;
        let sdef = self.schema.structs.get(step_struct)?.clone();
        let slot_of = |c: &mut Self, f: Option<&ast::Ident>, what: &str| -> Option<usize> {
            let Some(f) = f else {
                c.err(missing(what));
                return None;
            };
            match sdef.slot(&f.name) {
                Some(s) => Some(s),
                None => {
                    c.err(Diagnostic::error(
                        f.span,
                        format!("`{}` has no field `{}`", sdef.name, f.name),
                    ));
                    None
                }
            }
        };
        let name_slot = slot_of(self, name, "name")?;
        let date_slot = slot_of(self, date, "date")?;
        let actor_slot = match actor {
            Some(a) => Some(slot_of(self, Some(a), "actor")?),
            None => None,
        };
        // Step names must be values the name field can take.
        let allowed: Option<Vec<String>> = match sdef.fields.get(name_slot).map(|f| &f.ty) {
            Some(FieldTy::Tag(_)) => sdef
                .tag
                .as_ref()
                .map(|t| t.variants.iter().map(|v| v.name.clone()).collect()),
            Some(FieldTy::Enum(e)) => self.schema.enums.get(*e).map(|e| e.members.clone()),
            _ => None,
        };
        if order.is_empty() {
            self.err(missing("order"));
            return None;
        }
        for step in order.iter().chain(&optional).chain(&distinct) {
            if let Some(allowed) = &allowed
                && !allowed.contains(&step.name)
            {
                self.err(
                    Diagnostic::error(step.span, format!("`{}` is not a step name", step.name))
                        .with_help(format!("steps are {}", allowed.join(", "))),
                );
            }
        }
        for step in optional.iter().chain(&distinct) {
            if !order.iter().any(|o| o.name == step.name) {
                self.err(Diagnostic::error(
                    step.span,
                    format!("`{}` is not in the chain's `order`", step.name),
                ));
            }
        }
        Some(ChainDef {
            name: ch.name.name.clone(),
            kind,
            step_struct,
            name_slot,
            date_slot,
            actor_slot,
            required: order
                .iter()
                .map(|o| !optional.iter().any(|x| x.name == o.name))
                .collect(),
            order: order.into_iter().map(|o| o.name).collect(),
            distinct: distinct.into_iter().map(|o| o.name).collect(),
            span: ch.name.span,
            doc: decl.doc.clone(),
        })
    }
}
