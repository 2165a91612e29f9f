//! Rules: scopes, bindings, conditions and message templates.

use super::{Compiler, denotes_place, is_group_call, show};
use crate::check::eval;
use crate::check::ir::{Arg, Ir, Op, TemplatePiece};
use crate::check::program::*;
use crate::check::types::Ty;
use crate::diag::Diagnostic;
use crate::model::Severity;
use crate::source::Span;
use crate::suggest::closest;
use crate::syntax::ast::{self, Expr, ExprKind, RuleItem};

impl<'a> Compiler<'a> {
    pub(in crate::check) fn rule(&mut self, r: &ast::RuleDecl, decl: &ast::Decl) -> Option<Rule> {
        self.expansions = 0;
        self.locals.clear();
        self.next_slot = 0;
        let before = self.errors.len();
        let mut severity = None;
        let mut card = None;
        let mut cite = String::new();
        let mut bindings = Vec::new();
        let mut steps = Vec::new();
        let mut has_require = false;
        let mut at = None;
        let mut message = None;
        let mut help = None;
        let mut help_text = String::new();
        let mut related = Vec::new();
        let title = match r.title.as_plain() {
            Some(t) => t,
            None => {
                self.err(
                    Diagnostic::error(r.title.span, "a rule's title is plain text")
                        .with_help("move values into `message`"),
                );
                String::new()
            }
        };
        let mut seen_for = false;
        self.rule_lets = r
            .items
            .iter()
            .filter_map(|i| match i {
                RuleItem::Let(name, _) => Some((name.name.clone(), name.span)),
                _ => None,
            })
            .collect();
        for item in &r.items {
            match item {
                RuleItem::Severity(s) => {
                    severity = match s.name.as_str() {
                        "error" => Some(Severity::Error),
                        "warning" => Some(Severity::Warning),
                        other => {
                            self.err(
                                Diagnostic::error(s.span, format!("unknown severity `{other}`"))
                                    .with_help("write `severity error` or `severity warning`"),
                            );
                            None
                        }
                    }
                }
                RuleItem::Card(c) => card = self.card(c),
                RuleItem::Cite(t) => cite = self.plain(t, "cite"),
                RuleItem::For(list) => {
                    if seen_for {
                        self.err(
                            Diagnostic::error(r.id.span, "a rule has one `for` clause").with_help(
                                "list several bindings in one `for`, separated by commas",
                            ),
                        );
                    }
                    seen_for = true;
                    for (i, b) in list.iter().enumerate() {
                        if let Some(binding) = self.binding(b, i == 0) {
                            bindings.push(binding);
                        }
                    }
                }
                RuleItem::Where(e) => {
                    let ir = self.condition(e);
                    steps.push(Step::Where(ir));
                }
                RuleItem::Let(name, e) => {
                    let (ir, ty) = self.expr(e);
                    let slot = self.new_slot();
                    self.push_local(name, slot, ty);
                    steps.push(Step::Let(slot, ir));
                }
                RuleItem::Require(e) => {
                    has_require = true;
                    let ir = self.condition(e);
                    steps.push(Step::Require(ir));
                }
                RuleItem::At(e) => {
                    let ir = self.expr(e).0;
                    if !denotes_place(&ir) {
                        self.err(
                            Diagnostic::error(
                                e.span,
                                "`at` must name a field, a list element or a record",
                            )
                            .with_help(
                                "a computed value has no place in the record; name the field it comes from, e.g. `at d.amount`",
                            ),
                        );
                    }
                    at = Some(ir);
                }
                RuleItem::Message(t) => message = Some(self.template(t)),
                RuleItem::Help(t) => {
                    let ir = self.template(t);
                    help_text = described(t, &ir);
                    help = Some(ir);
                }
                RuleItem::Related(e, t) => {
                    let ir = self.expr(e).0;
                    related.push((ir, self.template(t)));
                }
            }
        }
        if !seen_for {
            self.err(
                Diagnostic::error(
                    r.id.span,
                    format!("rule `{}` has no `for` clause", r.id.name),
                )
                .with_help("say what the rule checks, e.g. `for m in meeting`"),
            );
        }
        let severity = match severity {
            Some(s) => s,
            None => {
                if !r.items.iter().any(|i| matches!(i, RuleItem::Severity(_))) {
                    self.err(
                        Diagnostic::error(
                            r.id.span,
                            format!("rule `{}` has no `severity`", r.id.name),
                        )
                        .with_help("add `severity error` or `severity warning`"),
                    );
                }
                Severity::Error
            }
        };
        if self.errors.len() > before {
            return None;
        }
        Some(Rule {
            id: r.id.name.clone(),
            title,
            severity,
            card,
            cite,
            doc: decl.doc.clone(),
            span: decl.span,
            id_span: r.id.span,
            bindings,
            steps,
            has_require,
            at,
            message,
            help,
            help_text,
            related,
            locals: self.next_slot,
            deps: Vec::new(),
            version: None,
        })
    }

    pub(in crate::check) fn plain(&mut self, t: &ast::Template, what: &str) -> String {
        match t.as_plain() {
            Some(s) => s,
            None => {
                self.err(Diagnostic::error(
                    t.span,
                    format!("`{what}` is plain text, without `{{…}}`"),
                ));
                String::new()
            }
        }
    }

    pub(in crate::check) fn binding(
        &mut self,
        b: &ast::Binding,
        first: bool,
    ) -> Option<ScopeBinding> {
        let (source, ty) = match &b.source {
            ast::BindingSource::AllKinds(_) => (ScopeSource::All, Ty::AnyRecord),
            ast::BindingSource::Expr(e) => {
                let kind = match &e.kind {
                    ExprKind::Name(n) if !self.locals.iter().any(|l| l.0 == n.name) => {
                        if let Some(&sym) = self.index.type_syms.get(&n.name) {
                            self.index.uses.push((n.span, sym));
                        }
                        self.schema.kind(&n.name)
                    }
                    _ => None,
                };
                match kind {
                    Some(k) => {
                        let root = self.schema.kinds.get(k).map(|k| k.root).unwrap_or(0);
                        (ScopeSource::Kind(k), Ty::Struct(root, Some(k)))
                    }
                    None if first && is_group_call(e) => {
                        let ExprKind::Call(name, args) = &e.kind else {
                            return None;
                        };
                        if !self.arity(name, args, 2, usize::MAX) {
                            return None;
                        }
                        let (list, elem) = self.list_arg(&args[0]);
                        let Arg::Value(list) = list else {
                            return None;
                        };
                        let mut keys = Vec::new();
                        let mut key_tys = Vec::new();
                        for key in &args[1..] {
                            let (f, t) = self.lambda(key, elem.clone());
                            keys.push(f);
                            key_tys.push(t);
                        }
                        let key_ty = match key_tys.as_slice() {
                            [one] => one.clone(),
                            _ => Ty::List(Box::new(Ty::Any)),
                        };
                        (
                            ScopeSource::Groups { list, keys },
                            Ty::Group(Box::new(key_ty), Box::new(elem)),
                        )
                    }
                    None => {
                        if first {
                            let kinds: Vec<String> = self
                                .schema
                                .kinds
                                .iter()
                                .map(|k| format!("`{}`", k.name))
                                .collect();
                            let written = match &e.kind {
                                ExprKind::Name(n) => Some(n.name.as_str()),
                                _ => None,
                            };
                            let suggestion = written.and_then(|w| {
                                closest(w, self.schema.kinds.iter().map(|k| k.name.as_str()))
                            });
                            let d = match (written, suggestion) {
                                (Some(w), Some(s)) => Diagnostic::error(e.span, format!("unknown record kind `{w}`"))
                                    .with_help(format!("did you mean `{s}`? the kinds are {}", kinds.join(", "))),
                                _ => Diagnostic::error(e.span, "the first binding of `for` must range over a record kind")
                                    .with_help(format!("write `{} in KIND` with KIND one of {}, or `{} in *` for every record", b.var.name, kinds.join(", "), b.var.name)),
                            };
                            self.err(d);
                            // Bind the variable anyway, untyped, so that its
                            // uses do not each report an unknown name.
                            let slot = self.new_slot();
                            self.push_local(&b.var, slot, Ty::Any);
                            return None;
                        }
                        let (ir, ty) = self.expr(e);
                        let Some(elem) = ty.elem() else {
                            let found = self.describe(&ty);
                            self.err(Diagnostic::error(
                                e.span,
                                format!("`for` ranges over a list, found {found}"),
                            ));
                            return None;
                        };
                        (ScopeSource::Expr(ir), elem)
                    }
                }
            }
        };
        let slot = self.new_slot();
        self.push_local(&b.var, slot, ty);
        Some(ScopeBinding { slot, source })
    }

    pub(in crate::check) fn condition(&mut self, e: &Expr) -> Ir {
        let (ir, ty) = self.expr(e);
        self.expect_bool(&ty, e.span);
        ir
    }

    pub(in crate::check) fn expect_bool(&mut self, ty: &Ty, span: Span) {
        if !matches!(ty.strip(), Ty::Bool | Ty::Any | Ty::Nothing) {
            let found = self.describe(ty);
            self.err(
                Diagnostic::error(
                    span,
                    format!("expected a condition (true or false), found {found}"),
                )
                .with_help("compare it, e.g. `x > 0`, `x != none`, `count(x) > 0`"),
            );
        }
    }

    pub(in crate::check) fn template(&mut self, t: &ast::Template) -> Ir {
        let mut pieces = Vec::new();
        for part in &t.parts {
            match part {
                ast::TemplatePart::Text(s) => pieces.push(TemplatePiece::Text(s.clone())),
                ast::TemplatePart::Expr(e) => pieces.push(TemplatePiece::Value(self.expr(e).0)),
            }
        }
        Ir {
            op: Op::Template(pieces),
            span: t.span,
        }
    }
}

/// A template as a rule's description shows it, before any finding: a
/// value that is the same for every finding (a parameter, in force with
/// its overrides) filled in, one that depends on the finding's record
/// written as the expression in `‹…›`.
fn described(t: &ast::Template, ir: &Ir) -> String {
    let Op::Template(pieces) = &ir.op else {
        return String::new();
    };
    let mut out = String::new();
    for (part, piece) in t.parts.iter().zip(pieces) {
        match (part, piece) {
            (ast::TemplatePart::Expr(e), TemplatePiece::Value(v)) => {
                let constant = (v.is_pure_in(None) && !v.reads_records())
                    .then(|| eval::eval_const(v).ok())
                    .flatten();
                match constant {
                    Some(value) => value.display(&mut out),
                    None => {
                        out.push('‹');
                        out.push_str(show(e).as_deref().unwrap_or("…"));
                        out.push('›');
                    }
                }
            }
            (ast::TemplatePart::Text(s), _) | (_, TemplatePiece::Text(s)) => out.push_str(s),
        }
    }
    out
}
