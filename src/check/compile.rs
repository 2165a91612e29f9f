//! Name resolution and type checking: rule files (AST) → [`Program`].
//!
//! Every problem is reported with a span and, where one helps, a
//! suggestion; compilation goes on after an error so that one run shows
//! them all.

use std::collections::HashMap;
use std::sync::Arc;

use petgraph::algo::tarjan_scc;
use petgraph::graphmap::DiGraphMap;

use super::eval;
use super::ir::{Arg, Builtin, Ir, Op, TemplatePiece};
use super::program::*;
use super::types::{ObjKind, Ty, comparable, orderable, unify};
use super::value::Value;
use crate::diag::Diagnostic;
use crate::report::Severity;
use crate::schema::{self, FieldTy, Schema};
use crate::source::Span;
use crate::suggest::closest;
use crate::syntax::ast::{self, BinOp, DeclKind, Expr, ExprKind, NumUnit, RuleItem, UnOp};

/// A parameter value given outside the rule files (a parameter file).
#[derive(Debug, Clone)]
pub struct ParamOverride {
    /// The parameter's name.
    pub name: String,
    /// The value, as an expression.
    pub value: Expr,
    /// Where the name is written (in the parameter file).
    pub span: Span,
    /// The parameter file's name.
    pub file: String,
}

/// Compile rule files into a program, with every error found.
pub fn compile(
    files: &[&ast::File],
    overrides: &[ParamOverride],
    disabled: &[String],
) -> (Program, Vec<Diagnostic>) {
    let decls: Vec<&ast::Decl> = files.iter().flat_map(|f| f.decls.iter()).collect();
    let (schema, mut errors) = schema::build(&decls);
    let mut c = Compiler {
        schema,
        params: Vec::new(),
        chains: Vec::new(),
        defs: HashMap::new(),
        errors: Vec::new(),
        def_stack: Vec::new(),
        expansions: 0,
        locals: Vec::new(),
        symbols: Vec::new(),
        uses: Vec::new(),
        probe: None,
        param_syms: HashMap::new(),
        def_syms: HashMap::new(),
        chain_syms: HashMap::new(),
        type_syms: HashMap::new(),
        field_syms: HashMap::new(),
        def_param_syms: HashMap::new(),
        next_slot: 0,
        cache_slots: 0,
        finding_queries: Vec::new(),
    };
    c.schema_symbols(&decls);
    c.params(&decls, overrides);
    c.chains(&decls);
    let mut def_infos = Vec::new();
    for decl in &decls {
        if let DeclKind::Def(d) = &decl.kind {
            if let Some((first, _)) = c.defs.get(&d.name.name) {
                c.errors.push(
                    Diagnostic::error(d.name.span, format!("`{}` is defined twice", d.name.name))
                        .with_related(first.name.span, "first defined here"),
                );
                continue;
            }
            c.defs.insert(d.name.name.clone(), (d, decl.doc.clone()));
            let params: Vec<&str> = d.params.iter().map(|p| p.name.as_str()).collect();
            let sym = c.symbol(
                &d.name,
                SymbolKind::Def,
                format!("def {}({})", d.name.name, params.join(", ")),
                decl.doc.clone(),
            );
            c.set_extent(sym, decl.span);
            c.def_syms.insert(d.name.name.clone(), sym);
            def_infos.push(DefInfo {
                name: d.name.name.clone(),
                params: d.params.iter().map(|p| p.name.clone()).collect(),
                span: d.name.span,
                doc: decl.doc.clone(),
            });
        }
    }
    let mut rules: Vec<Rule> = Vec::new();
    let mut queries: Vec<Vec<(String, Span)>> = Vec::new();
    let mut seen: HashMap<String, Span> = HashMap::new();
    for decl in &decls {
        let DeclKind::Rule(r) = &decl.kind else {
            continue;
        };
        if let Some(first) = seen.get(&r.id.name) {
            c.errors.push(
                Diagnostic::error(r.id.span, format!("rule id `{}` is used twice", r.id.name))
                    .with_related(*first, "first used here")
                    .with_help("every rule needs its own id"),
            );
            continue;
        }
        seen.insert(r.id.name.clone(), r.id.span);
        if disabled.iter().any(|d| d == &r.id.name) {
            continue;
        }
        if let Some(rule) = c.rule(r, decl) {
            rules.push(rule);
            queries.push(std::mem::take(&mut c.finding_queries));
        }
    }
    for id in disabled {
        if !seen.contains_key(id) {
            let known: Vec<&str> = seen.keys().map(String::as_str).collect();
            let help = match closest(id, known.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => "see `sunlight explain` for the rule ids".to_string(),
            };
            c.errors.push(
                Diagnostic {
                    file: Some("--disable".into()),
                    span: None,
                    ..Diagnostic::warning(Span::default(), format!("no rule `{id}` to switch off"))
                }
                .with_help(help),
            );
        }
    }
    let mut rule_syms: HashMap<String, usize> = HashMap::new();
    for decl in &decls {
        let DeclKind::Rule(r) = &decl.kind else {
            continue;
        };
        if rule_syms.contains_key(&r.id.name) {
            continue;
        }
        let severity = r
            .items
            .iter()
            .find_map(|i| match i {
                RuleItem::Severity(s) => Some(s.name.clone()),
                _ => None,
            })
            .unwrap_or_default();
        let title = r.title.as_plain().unwrap_or_default();
        let cite = r
            .items
            .iter()
            .find_map(|i| match i {
                RuleItem::Cite(t) => t.as_plain(),
                _ => None,
            })
            .map_or(String::new(), |c| format!("\n\ncite: {c}"));
        let sym = c.symbol(
            &r.id,
            SymbolKind::Rule,
            format!("rule {} “{title}” ({severity}){cite}", r.id.name),
            decl.doc.clone(),
        );
        c.set_extent(sym, decl.span);
        rule_syms.insert(r.id.name.clone(), sym);
    }
    for qs in &queries {
        for (pattern, span) in qs {
            if let Some(&sym) = rule_syms.get(pattern) {
                c.uses.push((*span, sym));
            }
        }
    }
    let order = c.order(&mut rules, &queries);
    errors.append(&mut c.errors);
    let program = Program {
        schema: c.schema,
        params: c.params,
        chains: c.chains,
        defs: def_infos,
        rules,
        order,
        cache_slots: c.cache_slots,
        symbols: c.symbols,
        uses: {
            let mut uses = c.uses;
            // Def bodies are compiled at every call: keep each use once.
            uses.sort_by_key(|(span, sym)| (span.file, span.start, span.end, *sym));
            uses.dedup();
            uses
        },
        probe: c.probe,
    };
    (program, errors)
}

struct Compiler<'a> {
    schema: Schema,
    params: Vec<Param>,
    chains: Vec<ChainDef>,
    defs: HashMap<String, (&'a ast::DefDecl, Option<String>)>,
    errors: Vec<Diagnostic>,
    /// Defs being expanded, to refuse recursion.
    def_stack: Vec<String>,
    /// `def` expansions in the current rule or parameter: nested calls
    /// can multiply them, so they are bounded.
    expansions: usize,
    /// Visible local variables, innermost last: name, slot, type, symbol.
    locals: Vec<(String, usize, Ty, usize)>,
    symbols: Vec<Symbol>,
    uses: Vec<(Span, usize)>,
    probe: Option<Probe>,
    /// Symbols by what they name, for recording uses.
    param_syms: HashMap<String, usize>,
    def_syms: HashMap<String, usize>,
    chain_syms: HashMap<String, usize>,
    type_syms: HashMap<String, usize>,
    field_syms: HashMap<(usize, usize), usize>,
    def_param_syms: HashMap<Span, usize>,
    next_slot: usize,
    cache_slots: usize,
    /// `findings("PATTERN", …)` calls of the rule being compiled.
    finding_queries: Vec<(String, Span)>,
}

/// Most `def` expansions in one rule or parameter.
const MAX_EXPANSIONS: usize = 10_000;

/// Names of built-in functions, for suggestions and the editor.
pub const BUILTINS: &[(&str, &str)] = &[
    (
        "count",
        "count(list) or count(list, x => cond): how many elements (that satisfy cond)",
    ),
    ("sum", "sum(list) or sum(list, x => amount): the total"),
    (
        "any",
        "any(list, x => cond): whether some element satisfies cond",
    ),
    (
        "all",
        "all(list, x => cond): whether every element satisfies cond",
    ),
    (
        "none",
        "none(list, x => cond): whether no element satisfies cond",
    ),
    (
        "first",
        "first(list) or first(list, x => cond): the first element (that satisfies cond), or none",
    ),
    (
        "last",
        "last(list) or last(list, x => cond): the last element (that satisfies cond), or none",
    ),
    (
        "position",
        "position(list, x => cond): the 1-based position of the first element that satisfies cond, or none",
    ),
    (
        "distinct",
        "distinct(list): the list without repeated values",
    ),
    (
        "filter",
        "filter(list, x => cond): the elements that satisfy cond",
    ),
    ("map", "map(list, x => value): the value for each element"),
    ("flatten", "flatten(list of lists): one list"),
    (
        "sort",
        "sort(list, x => key, …): the list ordered by the keys",
    ),
    ("take", "take(list, n): the first n elements"),
    ("skip", "skip(list, n): the elements after the first n"),
    (
        "min",
        "min(list) or min(list, x => value): the smallest value, or none",
    ),
    (
        "max",
        "max(list) or max(list, x => value): the largest value, or none",
    ),
    (
        "group",
        "group(list, x => key, …): the elements grouped by key, computed once per run",
    ),
    (
        "get",
        "get(groups, key, …): the elements with that key (empty when none)",
    ),
    (
        "records",
        "records(KIND): every checked record of a kind, ordered by id; records(): every checked record, kind by kind",
    ),
    (
        "lookup",
        "lookup(x.ref): the record or element a reference names, or none",
    ),
    (
        "rejected",
        "rejected(x.ref): whether the reference names a record that exists but has input errors",
    ),
    ("record", "record(x): the record an element belongs to"),
    ("exists", "exists(x): whether x is not none"),
    ("starts_with", "starts_with(text, prefix)"),
    ("ends_with", "ends_with(text, suffix)"),
    ("contains", "contains(text, part)"),
    ("text", "text(x): x as it reads in a message"),
    ("join", "join(list, separator): the elements as text"),
    ("days", "days(d): a number of days as a plain number"),
    (
        "ceil",
        "ceil(x): the smallest whole number not below x, e.g. ceil(2/3 * 5) is 4",
    ),
    (
        "findings",
        "findings(\"RULE-*\", x): findings of matching rules on x or anything inside it",
    ),
    (
        "findings_on",
        "findings_on(\"RULE-*\", x): findings of matching rules on x itself",
    ),
    (
        "missing",
        "missing(CHAIN, steps): names of required steps that are absent",
    ),
    (
        "early",
        "early(CHAIN, steps): steps dated before a step the chain puts ahead of them (`.step`, `.after`)",
    ),
    (
        "shared_actors",
        "shared_actors(CHAIN, steps): one person in two steps that must be distinct (`.person`, `.first`, `.second`)",
    ),
    (
        "windows",
        "windows(list, x => date, span[, element]): the sets of elements whose dates lie within span of each other (only those holding `element` when given)",
    ),
    (
        "refs",
        "refs(record): the references a record makes (`.field`, `.target`, `.value`, `.resolved`, `.node`)",
    ),
];

type Typed = (Ir, Ty);

impl<'a> Compiler<'a> {
    fn err(&mut self, d: Diagnostic) {
        self.errors.push(d);
    }

    /// Declare a symbol and return its index.
    fn symbol(
        &mut self,
        name: &ast::Ident,
        kind: SymbolKind,
        detail: String,
        doc: Option<String>,
    ) -> usize {
        self.symbols.push(Symbol {
            name: name.name.clone(),
            kind,
            span: name.span,
            extent: name.span,
            detail,
            doc,
        });
        self.symbols.len() - 1
    }

    /// The whole declaration a symbol names (for the editor's outline).
    fn set_extent(&mut self, sym: usize, span: Span) {
        if let Some(s) = self.symbols.get_mut(sym) {
            s.extent = span;
        }
    }

    /// Bring a variable into scope.
    fn push_local(&mut self, name: &ast::Ident, slot: usize, ty: Ty) {
        let detail = format!("{}: {}", name.name, self.describe(&ty));
        let sym = self.symbol(name, SymbolKind::Local, detail, None);
        self.locals.push((name.name.clone(), slot, ty, sym));
    }

    /// Symbols for the schema, and uses of type names in field declarations.
    fn schema_symbols(&mut self, decls: &[&ast::Decl]) {
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
                    self.type_syms.entry(e.name.name.clone()).or_insert(sym);
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
                    self.type_syms.entry(st.name.name.clone()).or_insert(sym);
                }
                _ => {}
            }
        }
        for decl in decls {
            let DeclKind::Struct(st) = &decl.kind else {
                continue;
            };
            let Some(sid) = self
                .schema
                .structs
                .iter()
                .position(|s| s.name == st.name.name && s.span == st.name.span)
            else {
                continue;
            };
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
                if self.field_syms.contains_key(&(sid, slot)) {
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
                self.field_syms.insert((sid, slot), sym);
            }
        }
    }

    fn type_uses(&mut self, t: &ast::TypeExpr) {
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

    fn type_use(&mut self, n: &ast::Ident) {
        if let Some(&sym) = self.type_syms.get(&n.name) {
            self.uses.push((n.span, sym));
        }
    }

    fn new_slot(&mut self) -> usize {
        self.next_slot += 1;
        self.next_slot - 1
    }

    fn describe(&self, t: &Ty) -> String {
        t.describe(&self.schema)
    }

    // ------------------------------------------------------------ parameters

    fn params(&mut self, decls: &[&'a ast::Decl], overrides: &[ParamOverride]) {
        for decl in decls {
            let DeclKind::Param(p) = &decl.kind else {
                continue;
            };
            if p.is_override {
                continue;
            }
            if let Some(first) = self.params.iter().find(|x| x.name == p.name.name) {
                let first = first.span;
                self.err(
                    Diagnostic::error(
                        p.name.span,
                        format!("parameter `{}` is declared twice", p.name.name),
                    )
                    .with_related(first, "first declared here")
                    .with_help(format!(
                        "to change its value, write `set {} = …`",
                        p.name.name
                    )),
                );
                continue;
            }
            let Some((value, ty)) = self.const_value(&p.value) else {
                continue;
            };
            let mut shown = String::new();
            value.display(&mut shown);
            let sym = self.symbol(
                &p.name,
                SymbolKind::Param,
                format!("param {} = {shown} ({})", p.name.name, self.describe(&ty)),
                decl.doc.clone(),
            );
            self.set_extent(sym, decl.span);
            self.param_syms.insert(p.name.name.clone(), sym);
            self.params.push(Param {
                name: p.name.name.clone(),
                value,
                ty,
                span: p.name.span,
                doc: decl.doc.clone(),
                overridden_at: Vec::new(),
                overridden_by_file: None,
            });
        }
        for decl in decls {
            let DeclKind::Param(p) = &decl.kind else {
                continue;
            };
            if p.is_override {
                self.set_param(&p.name.name, p.name.span, &p.value, None);
            }
        }
        for o in overrides {
            self.set_param(&o.name, o.span, &o.value, Some(&o.file));
        }
    }

    fn set_param(&mut self, name: &str, span: Span, value: &Expr, file: Option<&str>) {
        // A parameter file is not among the rule files: its positions are
        // not uses the editor could show.
        if file.is_none()
            && let Some(&sym) = self.param_syms.get(name)
        {
            self.uses.push((span, sym));
        }
        let Some(idx) = self.params.iter().position(|p| p.name == name) else {
            let names: Vec<&str> = self.params.iter().map(|p| p.name.as_str()).collect();
            let help = match closest(name, names.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("parameters are {}", names.join(", ")),
            };
            self.err(
                Diagnostic::error(span, format!("unknown parameter `{name}`")).with_help(help),
            );
            return;
        };
        let Some((v, ty)) = self.const_value(value) else {
            return;
        };
        let Some(param) = self.params.get(idx) else {
            return;
        };
        let declared = param.ty.clone();
        if unify(&declared, &ty)
            .is_none_or(|u| u != declared && !(declared == Ty::Money && ty == Ty::Num))
        {
            let (want, got) = (self.describe(&declared), self.describe(&ty));
            self.err(
                Diagnostic::error(
                    value.span,
                    format!("parameter `{name}` is {want}, but this value is {got}"),
                )
                .with_help(format!("give `{name}` a value of type {want}")),
            );
            return;
        }
        if let Some(p) = self.params.get_mut(idx) {
            p.value = v;
            match file {
                Some(f) => p.overridden_by_file = Some(f.to_string()),
                None => p.overridden_at.push(span),
            }
        }
    }

    /// Compile and evaluate a parameter's value (literals, lists, arithmetic
    /// on them and earlier parameters).
    fn const_value(&mut self, e: &Expr) -> Option<(Value<'static>, Ty)> {
        self.expansions = 0;
        let before = self.errors.len();
        let saved = std::mem::take(&mut self.locals);
        let (ir, ty) = self.expr(e);
        self.locals = saved;
        if self.errors.len() > before {
            return None;
        }
        if !ir.is_closed() || ir.reads_records() {
            self.err(
                Diagnostic::error(e.span, "a parameter's value must be a constant")
                    .with_help("use literals such as `20万`, `30天`, `\"财务\"` or lists of them"),
            );
            return None;
        }
        match eval::eval_const(&ir) {
            Ok(v) => Some((v, ty)),
            Err(d) => {
                self.err(d);
                None
            }
        }
    }

    // ------------------------------------------------------------ chains

    fn chains(&mut self, decls: &[&ast::Decl]) {
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
                self.chain_syms.insert(def.name.clone(), sym);
                self.chains.push(def);
            }
        }
    }

    fn chain(&mut self, ch: &ast::ChainDecl, decl: &ast::Decl) -> Option<ChainDef> {
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

    // ------------------------------------------------------------ rules

    fn rule(&mut self, r: &ast::RuleDecl, decl: &ast::Decl) -> Option<Rule> {
        self.expansions = 0;
        self.locals.clear();
        self.next_slot = 0;
        let before = self.errors.len();
        let mut severity = None;
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
                RuleItem::At(e) => at = Some(self.expr(e).0),
                RuleItem::Message(t) => message = Some(self.template(t)),
                RuleItem::Help(t) => {
                    help_text = t
                        .parts
                        .iter()
                        .map(|p| match p {
                            ast::TemplatePart::Text(s) => s.clone(),
                            ast::TemplatePart::Expr(ast::Expr {
                                kind: ExprKind::Name(n),
                                ..
                            }) => format!("{{{}}}", n.name),
                            ast::TemplatePart::Expr(_) => "{…}".to_string(),
                        })
                        .collect();
                    help = Some(self.template(t));
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
        })
    }

    fn plain(&mut self, t: &ast::Template, what: &str) -> String {
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

    fn binding(&mut self, b: &ast::Binding, first: bool) -> Option<ScopeBinding> {
        let (source, ty) = match &b.source {
            ast::BindingSource::AllKinds(_) => (ScopeSource::All, Ty::AnyRecord),
            ast::BindingSource::Expr(e) => {
                let kind = match &e.kind {
                    ExprKind::Name(n) if !self.locals.iter().any(|l| l.0 == n.name) => {
                        if let Some(&sym) = self.type_syms.get(&n.name) {
                            self.uses.push((n.span, sym));
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
                    None => {
                        if first {
                            let kinds: Vec<String> = self
                                .schema
                                .kinds
                                .iter()
                                .map(|k| format!("`{}`", k.name))
                                .collect();
                            self.err(
                                Diagnostic::error(e.span, "the first binding of `for` must range over a record kind")
                                    .with_help(format!("write `{} in KIND` with KIND one of {}, or `{} in *` for every record", b.var.name, kinds.join(", "), b.var.name)),
                            );
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

    fn condition(&mut self, e: &Expr) -> Ir {
        let (ir, ty) = self.expr(e);
        self.expect_bool(&ty, e.span);
        ir
    }

    fn expect_bool(&mut self, ty: &Ty, span: Span) {
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

    fn template(&mut self, t: &ast::Template) -> Ir {
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

    /// Order rules so that each runs after the rules whose findings it asks
    /// for; a cycle is an error naming the rules in it.
    fn order(&mut self, rules: &mut [Rule], queries: &[Vec<(String, Span)>]) -> Vec<usize> {
        let mut graph: DiGraphMap<usize, ()> = DiGraphMap::new();
        for i in 0..rules.len() {
            graph.add_node(i);
        }
        for (i, qs) in queries.iter().enumerate() {
            let mut deps = Vec::new();
            for (pattern, _) in qs {
                for (j, other) in rules.iter().enumerate() {
                    if pattern_matches(pattern, &other.id) {
                        graph.add_edge(j, i, ());
                        deps.push(j);
                    }
                }
            }
            deps.sort_unstable();
            deps.dedup();
            if let Some(r) = rules.get_mut(i) {
                r.deps = deps;
            }
        }
        // tarjan_scc yields components in reverse topological order.
        let mut order = Vec::new();
        for comp in tarjan_scc(&graph).into_iter().rev() {
            let cyclic = comp.len() > 1 || comp.first().is_some_and(|&n| graph.contains_edge(n, n));
            if cyclic {
                let mut comp = comp.clone();
                comp.sort_unstable();
                let names: Vec<String> = comp
                    .iter()
                    .filter_map(|&i| rules.get(i))
                    .map(|r| format!("`{}`", r.id))
                    .collect();
                let Some(first) = comp.first().and_then(|&i| rules.get(i)) else {
                    continue;
                };
                let mut d = Diagnostic::error(
                    first.id_span,
                    format!(
                        "rules {} ask for each other's findings, so none can run first",
                        names.join(" and ")
                    ),
                )
                .with_help(
                    "break the cycle: one of these rules must not query the other's findings",
                );
                for &i in &comp {
                    if let (Some(rule), Some(qs)) = (rules.get(i), queries.get(i)) {
                        d = d.with_related(
                            rule.id_span,
                            format!("rule `{}` is declared here", rule.id),
                        );
                        for (pattern, span) in qs {
                            let hits: Vec<&str> = comp
                                .iter()
                                .filter_map(|&j| rules.get(j))
                                .filter(|o| pattern_matches(pattern, &o.id))
                                .map(|o| o.id.as_str())
                                .collect();
                            if !hits.is_empty() {
                                d = d.with_related(
                                    *span,
                                    format!(
                                        "`{}` asks for the findings of {}",
                                        rule.id,
                                        hits.join(", ")
                                    ),
                                );
                            }
                        }
                    }
                }
                self.err(d);
                continue;
            }
            order.extend(comp);
        }
        order
    }

    // ------------------------------------------------------------ expressions

    fn expr(&mut self, e: &Expr) -> Typed {
        let span = e.span;
        let ir = |op: Op| Ir { op, span };
        match &e.kind {
            ExprKind::Num(n, unit) => match unit {
                NumUnit::None => (ir(Op::Const(Value::Num(*n))), Ty::Num),
                NumUnit::Money => (ir(Op::Const(Value::Num(*n))), Ty::Money),
                NumUnit::Days => match n.to_i64() {
                    Some(d) => (ir(Op::Const(Value::Days(d))), Ty::Days),
                    None => {
                        self.err(Diagnostic::error(span, "a number of days must be whole"));
                        (ir(Op::Const(Value::None)), Ty::Any)
                    }
                },
            },
            ExprKind::Str(t) => match t.as_plain() {
                Some(s) => (ir(Op::Const(Value::Text(Arc::from(s.as_str())))), Ty::Text),
                None => (self.template(t), Ty::Text),
            },
            ExprKind::Bool(b) => (ir(Op::Const(Value::Bool(*b))), Ty::Bool),
            ExprKind::None => (ir(Op::Const(Value::None)), Ty::Nothing),
            ExprKind::List(items) => {
                let mut irs = Vec::new();
                let mut elem = None;
                for item in items {
                    let (i, t) = self.expr(item);
                    elem = match elem {
                        None => Some(t),
                        Some(prev) => match unify(&prev, &t) {
                            Some(u) => Some(u),
                            None => {
                                let (a, b) = (self.describe(&prev), self.describe(&t));
                                self.err(Diagnostic::error(item.span, format!("a list holds values of one type; this is {b}, earlier ones are {a}")));
                                Some(Ty::Any)
                            }
                        },
                    };
                    irs.push(i);
                }
                (
                    ir(Op::List(irs)),
                    Ty::List(Box::new(elem.unwrap_or(Ty::Any))),
                )
            }
            ExprKind::Name(id) => self.name(id, span),
            ExprKind::Field(base, field) => self.field(base, field, span),
            ExprKind::Index(base, index) => {
                let (b, bt) = self.expr(base);
                let (i, it) = self.expr(index);
                if !it.is_numeric() {
                    let found = self.describe(&it);
                    self.err(Diagnostic::error(
                        index.span,
                        format!("an index is a number, found {found}"),
                    ));
                }
                let Some(elem) = bt.elem() else {
                    let found = self.describe(&bt);
                    self.err(Diagnostic::error(
                        base.span,
                        format!("only lists can be indexed, found {found}"),
                    ));
                    return (ir(Op::Const(Value::None)), Ty::Any);
                };
                (ir(Op::Index(Box::new(b), Box::new(i))), elem.opt())
            }
            ExprKind::Call(name, args) => self.call(name, args, span),
            ExprKind::Lambda(v, _) => {
                self.err(Diagnostic::error(v.span, "a function `x => …` can only be an argument of a list function such as `any` or `filter`"));
                (ir(Op::Const(Value::None)), Ty::Any)
            }
            ExprKind::Unary(op, operand) => {
                let (o, t) = self.expr(operand);
                match op {
                    UnOp::Not => {
                        self.expect_bool(&t, operand.span);
                        (ir(Op::Unary(*op, Box::new(o))), Ty::Bool)
                    }
                    UnOp::Neg => {
                        if !(t.is_numeric() || matches!(t.strip(), Ty::Days)) {
                            let found = self.describe(&t);
                            self.err(Diagnostic::error(
                                operand.span,
                                format!("cannot negate {found}"),
                            ));
                        }
                        (ir(Op::Unary(*op, Box::new(o))), t)
                    }
                }
            }
            ExprKind::Binary(op, l, r) => self.binary(*op, l, r, span),
            ExprKind::If(c, a, b) => {
                let c_ir = self.condition(c);
                let (a_ir, at) = self.expr(a);
                let (b_ir, bt) = self.expr(b);
                // Branches of different types (e.g. two anchors) are allowed;
                // the result is then checked when it is used.
                let ty = unify(&at, &bt).unwrap_or(Ty::Any);
                (
                    ir(Op::If(Box::new(c_ir), Box::new(a_ir), Box::new(b_ir))),
                    ty,
                )
            }
        }
    }

    fn name(&mut self, id: &ast::Ident, span: Span) -> Typed {
        let ir = |op: Op| Ir { op, span };
        if id.name == PROBE {
            let locals = self
                .locals
                .iter()
                .filter(|l| !l.0.starts_with(' '))
                .map(|l| (l.0.clone(), self.describe(&l.2)))
                .collect();
            self.probe.get_or_insert_with(Probe::default).locals = locals;
            return (ir(Op::Const(Value::None)), Ty::Any);
        }
        if let Some((_, slot, ty, sym)) = self.locals.iter().rev().find(|l| l.0 == id.name) {
            let (slot, ty, sym) = (*slot, ty.clone(), *sym);
            if sym != usize::MAX {
                self.uses.push((id.span, sym));
            }
            return (ir(Op::Local(slot)), ty);
        }
        if let Some(&sym) = self.param_syms.get(&id.name) {
            self.uses.push((id.span, sym));
        }
        if let Some(&sym) = self.chain_syms.get(&id.name) {
            self.uses.push((id.span, sym));
        }
        if let Some(p) = self.params.iter().find(|p| p.name == id.name) {
            return (ir(Op::Const(p.value.clone())), p.ty.clone());
        }
        if let Some(i) = self.chains.iter().position(|c| c.name == id.name) {
            return (ir(Op::Const(Value::Chain(i))), Ty::Chain(i));
        }
        if let Some((d, _)) = self.defs.get(&id.name)
            && d.params.is_empty()
        {
            return self.call(id, &[], span);
        }
        if self.schema.kind(&id.name).is_some() {
            self.err(
                Diagnostic::error(span, format!("`{}` is a record kind, not a value", id.name))
                    .with_help(format!("use `records({})` for all its records", id.name)),
            );
            return (ir(Op::Const(Value::None)), Ty::Any);
        }
        let mut names: Vec<String> = self
            .locals
            .iter()
            .filter(|l| !l.0.starts_with(' '))
            .map(|l| l.0.clone())
            .collect();
        names.extend(self.params.iter().map(|p| p.name.clone()));
        names.extend(self.chains.iter().map(|c| c.name.clone()));
        names.extend(self.defs.keys().cloned());
        let d = Diagnostic::error(span, format!("unknown name `{}`", id.name));
        let d = match closest(&id.name, names.iter().map(String::as_str)) {
            Some(s) => d.with_help(format!("did you mean `{s}`?")),
            None => d.with_help("names are the `for` and `let` variables of the rule, parameters, chains and `def`s; text needs quotes"),
        };
        self.err(d);
        (ir(Op::Const(Value::None)), Ty::Any)
    }

    fn field(&mut self, base: &Expr, field: &ast::Ident, span: Span) -> Typed {
        let (b, bt) = self.expr(base);
        if field.name == PROBE {
            let fields = self.fields_of(&bt);
            self.probe.get_or_insert_with(Probe::default).fields = fields;
            return (
                Ir {
                    op: Op::Const(Value::None),
                    span,
                },
                Ty::Any,
            );
        }
        let opt = bt.is_opt();
        let wrap = |t: Ty| if opt { t.opt() } else { t };
        let ir = |op: Op| Ir { op, span };
        match bt.strip().clone() {
            Ty::Any => (ir(Op::Const(Value::None)), Ty::Any),
            Ty::Struct(sid, owner) => {
                let Some(def) = self.schema.structs.get(sid) else {
                    return (ir(Op::Const(Value::None)), Ty::Any);
                };
                if field.name == "kind" && def.kind.is_some() {
                    return (ir(Op::KindName(Box::new(b))), wrap(Ty::Text));
                }
                match def.slot(&field.name) {
                    Some(slot) => {
                        if let Some(&sym) = self.field_syms.get(&(sid, slot)) {
                            self.uses.push((field.span, sym));
                        }
                        let Some(def) = self.schema.structs.get(sid) else {
                            return (ir(Op::Const(Value::None)), Ty::Any);
                        };
                        let f = def.fields.get(slot);
                        let ty = f.map_or(Ty::Any, |f| {
                            let t = Ty::of_field(&f.ty, owner);
                            if f.optional && f.default.is_none() || !f.in_all_variants {
                                t.opt()
                            } else {
                                t
                            }
                        });
                        (ir(Op::Field(Box::new(b), slot)), wrap(ty))
                    }
                    None => {
                        let names: Vec<&str> = def.fields.iter().map(|f| f.name.as_str()).collect();
                        let d = Diagnostic::error(
                            field.span,
                            format!("`{}` has no field `{}`", def.name, field.name),
                        );
                        let d = match closest(&field.name, names.iter().copied()) {
                            Some(s) => d.with_help(format!("did you mean `{s}`?")),
                            None => d.with_help(format!(
                                "fields of `{}` are {}",
                                def.name,
                                names.join(", ")
                            )),
                        };
                        self.err(d);
                        (ir(Op::Const(Value::None)), Ty::Any)
                    }
                }
            }
            Ty::AnyRecord => match field.name.as_str() {
                "id" => (ir(Op::Field(Box::new(b), 0)), Ty::Text),
                "kind" => (ir(Op::KindName(Box::new(b))), Ty::Text),
                other => {
                    self.err(
                        Diagnostic::error(
                            field.span,
                            format!("a record of any kind has only `kind` and `id`, not `{other}`"),
                        )
                        .with_help("range over one kind (`for m in meeting`) to use its fields"),
                    );
                    (ir(Op::Const(Value::None)), Ty::Any)
                }
            },
            Ty::Obj(kind, param) => match kind.fields().iter().position(|f| *f == field.name) {
                Some(slot) => {
                    let ty = match (kind, slot) {
                        (ObjKind::Finding, _) => Ty::Text,
                        (ObjKind::OrderFault, _) => (*param).clone(),
                        (ObjKind::ActorFault, 0) => Ty::Text,
                        (ObjKind::ActorFault, _) => (*param).clone(),
                        (ObjKind::RefUse, 3) => Ty::Bool,
                        (ObjKind::RefUse, 4) => Ty::Any,
                        (ObjKind::RefUse, _) => Ty::Text,
                    };
                    (ir(Op::ObjField(Box::new(b), slot)), wrap(ty))
                }
                None => {
                    self.err(
                        Diagnostic::error(
                            field.span,
                            format!("a {} has no field `{}`", kind.name(), field.name),
                        )
                        .with_help(format!("its fields are {}", kind.fields().join(", "))),
                    );
                    (ir(Op::Const(Value::None)), Ty::Any)
                }
            },
            Ty::List(_) => {
                self.err(
                    Diagnostic::error(field.span, format!("`.{}` on a list", field.name))
                        .with_help(format!(
                            "take it from each element: `map(list, x => x.{})`",
                            field.name
                        )),
                );
                (ir(Op::Const(Value::None)), Ty::Any)
            }
            other => {
                let found = self.describe(&other);
                let d = Diagnostic::error(field.span, format!("{found} has no fields"));
                let d = if matches!(other, Ty::Ref(_) | Ty::Key(..)) {
                    d.with_help("follow the reference first: `lookup(x.org).name`")
                } else {
                    d
                };
                self.err(d);
                (ir(Op::Const(Value::None)), Ty::Any)
            }
        }
    }

    /// Fields of a type, for completion after `x.`: name, type, doc.
    fn fields_of(&self, ty: &Ty) -> Vec<(String, String, Option<String>)> {
        match ty.strip() {
            Ty::Struct(sid, owner) => {
                let Some(def) = self.schema.structs.get(*sid) else {
                    return Vec::new();
                };
                let mut out: Vec<(String, String, Option<String>)> = def
                    .fields
                    .iter()
                    .map(|f| {
                        (
                            f.name.clone(),
                            self.describe(&Ty::of_field(&f.ty, *owner)),
                            f.doc.clone(),
                        )
                    })
                    .collect();
                if def.kind.is_some() {
                    out.push((
                        "kind".into(),
                        "text".into(),
                        Some("The record's kind.".into()),
                    ));
                }
                out
            }
            Ty::AnyRecord => vec![
                ("id".into(), "text".into(), None),
                ("kind".into(), "text".into(), None),
            ],
            Ty::Obj(kind, _) => kind
                .fields()
                .iter()
                .map(|f| ((*f).to_string(), String::new(), None))
                .collect(),
            _ => Vec::new(),
        }
    }

    fn binary(&mut self, op: BinOp, l: &Expr, r: &Expr, span: Span) -> Typed {
        let (li, lt) = self.expr(l);
        let (ri, rt) = self.expr(r);
        let ir = Ir {
            op: Op::Binary(op, Box::new(li), Box::new(ri)),
            span,
        };
        let opt = lt.is_opt() || rt.is_opt();
        let wrap = |t: Ty| if opt { t.opt() } else { t };
        let (a, b) = (lt.strip().clone(), rt.strip().clone());
        let mismatch = |c: &mut Self| {
            let (x, y) = (c.describe(&lt), c.describe(&rt));
            c.err(
                Diagnostic::error(
                    span,
                    format!("cannot apply `{}` to {x} and {y}", op.symbol()),
                )
                .with_label(format!("{x} {} {y}", op.symbol())),
            );
            Ty::Any
        };
        let ty = match op {
            BinOp::And | BinOp::Or => {
                self.expect_bool(&lt, l.span);
                self.expect_bool(&rt, r.span);
                Ty::Bool
            }
            BinOp::Eq | BinOp::Ne => {
                if !comparable(&lt, &rt) {
                    mismatch(self);
                }
                self.check_enum_literal(&lt, r);
                self.check_enum_literal(&rt, l);
                Ty::Bool
            }
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                if !orderable(&lt, &rt) {
                    mismatch(self);
                }
                Ty::Bool
            }
            BinOp::In | BinOp::NotIn => {
                match rt.elem() {
                    Some(elem) if comparable(&lt, &elem) => {
                        if let ExprKind::List(items) = &r.kind {
                            for item in items {
                                self.check_enum_literal(&lt, item);
                            }
                        }
                    }
                    _ => {
                        mismatch(self);
                    }
                }
                Ty::Bool
            }
            // Like `if`, the two sides may differ (an anchor falling back to
            // its structure, a date falling back to a note).
            BinOp::Default => match unify(&a, &b) {
                Some(t) => {
                    if rt.is_opt() {
                        t.opt()
                    } else {
                        t
                    }
                }
                None => Ty::Any,
            },
            BinOp::Add | BinOp::Sub => match (&a, &b) {
                (Ty::Any, _) | (_, Ty::Any) => Ty::Any,
                _ if a.is_numeric() && b.is_numeric() => {
                    wrap(if a == Ty::Money || b == Ty::Money {
                        Ty::Money
                    } else {
                        Ty::Num
                    })
                }
                (Ty::Date, Ty::Days) => wrap(Ty::Date),
                (Ty::Date, Ty::Date) if op == BinOp::Sub => wrap(Ty::Days),
                (Ty::Days, Ty::Days) => wrap(Ty::Days),
                _ if op == BinOp::Add && a.is_textual() && b.is_textual() => wrap(Ty::Text),
                (Ty::List(x), Ty::List(y)) => match unify(x, y) {
                    Some(t) => Ty::List(Box::new(t)),
                    None => mismatch(self),
                },
                _ => mismatch(self),
            },
            BinOp::Union | BinOp::Intersect => match (&a, &b) {
                (Ty::List(x), Ty::List(y)) if comparable(x, y) => {
                    Ty::List(Box::new(unify(x, y).unwrap_or((**x).clone())))
                }
                (Ty::Any, _) | (_, Ty::Any) => Ty::Any,
                _ => mismatch(self),
            },
            BinOp::Mul => match (&a, &b) {
                (Ty::Any, _) | (_, Ty::Any) => Ty::Any,
                _ if a.is_numeric() && b.is_numeric() => {
                    wrap(if a == Ty::Money || b == Ty::Money {
                        Ty::Money
                    } else {
                        Ty::Num
                    })
                }
                (Ty::Days, Ty::Num) | (Ty::Num, Ty::Days) => wrap(Ty::Days),
                _ => mismatch(self),
            },
            BinOp::Div => match (&a, &b) {
                (Ty::Any, _) | (_, Ty::Any) => Ty::Any,
                (Ty::Money, Ty::Money) => wrap(Ty::Num),
                _ if a.is_numeric() && b.is_numeric() => {
                    wrap(if a == Ty::Money { Ty::Money } else { Ty::Num })
                }
                _ => mismatch(self),
            },
        };
        (ir, ty)
    }

    /// `category == "一般事項"`: a text literal compared with an enum must
    /// be one of its values.
    fn check_enum_literal(&mut self, ty: &Ty, other: &Expr) {
        let members: Vec<String> = match ty.strip() {
            Ty::Enum(e) => self
                .schema
                .enums
                .get(*e)
                .map(|e| e.members.clone())
                .unwrap_or_default(),
            Ty::Tag(s) => self
                .schema
                .structs
                .get(*s)
                .and_then(|s| s.tag.as_ref())
                .map(|t| t.variants.iter().map(|v| v.name.clone()).collect())
                .unwrap_or_default(),
            _ => return,
        };
        let ExprKind::Str(t) = &other.kind else {
            return;
        };
        let Some(text) = t.as_plain() else { return };
        if !members.contains(&text) {
            let d = Diagnostic::error(
                other.span,
                format!(
                    "`{text}` is never a value of `{}`",
                    ty.describe(&self.schema)
                ),
            );
            let d = match closest(&text, members.iter().map(String::as_str)) {
                Some(s) => d.with_help(format!("did you mean `{s}`?")),
                None => d.with_help(format!("its values are {}", members.join(", "))),
            };
            self.err(d);
        }
    }

    // ------------------------------------------------------------ calls

    fn call(&mut self, name: &ast::Ident, args: &[Expr], span: Span) -> Typed {
        let none = (
            Ir {
                op: Op::Const(Value::None),
                span,
            },
            Ty::Any,
        );
        if let Some(def) = self.defs.get(&name.name).map(|(d, _)| *d) {
            return self.call_def(def, name, args, span);
        }
        match name.name.as_str() {
            "records" => return self.records_call(args, span),
            "lookup" | "rejected" => return self.lookup_call(name, args, span),
            _ => {}
        }
        let Some(builtin) = builtin(&name.name) else {
            let mut names: Vec<&str> = BUILTINS.iter().map(|b| b.0).collect();
            let defs: Vec<String> = self.defs.keys().cloned().collect();
            names.extend(defs.iter().map(String::as_str));
            let d = Diagnostic::error(name.span, format!("unknown function `{}`", name.name));
            let d = match closest(&name.name, names.iter().copied()) {
                Some(s) => d.with_help(format!("did you mean `{s}`?")),
                None => d.with_help(
                    "functions are the built-ins (see the README) and the `def`s of the rule files",
                ),
            };
            self.err(d);
            return none;
        };
        let (result, ty) = self.builtin_call(builtin, name, args, span);
        // Whole-run computations (grouping all records …) are done once.
        let ir =
            if result.reads_records() && result.is_closed() && !matches!(result.op, Op::Cached(..))
            {
                self.cache_slots += 1;
                Ir {
                    op: Op::Cached(self.cache_slots - 1, Box::new(result)),
                    span,
                }
            } else {
                result
            };
        (ir, ty)
    }

    fn arity(&mut self, name: &ast::Ident, args: &[Expr], min: usize, max: usize) -> bool {
        if args.len() < min || args.len() > max {
            let want = if min == max {
                format!("{min}")
            } else if max == usize::MAX {
                format!("at least {min}")
            } else {
                format!("{min} or {max}")
            };
            let usage = BUILTINS
                .iter()
                .find(|b| b.0 == name.name)
                .map_or("", |b| b.1);
            self.err(
                Diagnostic::error(
                    name.span,
                    format!(
                        "`{}` takes {want} arguments, found {}",
                        name.name,
                        args.len()
                    ),
                )
                .with_help(format!("usage: {usage}")),
            );
            return false;
        }
        true
    }

    /// Compile `x => body` (or the name of a one-parameter `def`) with `x` of type `param`.
    fn lambda(&mut self, e: &Expr, param: Ty) -> (Arg, Ty) {
        match &e.kind {
            ExprKind::Lambda(v, body) => {
                let slot = self.new_slot();
                self.push_local(v, slot, param);
                let (b, t) = self.expr(body);
                self.locals.pop();
                (Arg::Lambda(slot, b), t)
            }
            ExprKind::Name(n)
                if self
                    .defs
                    .get(&n.name)
                    .is_some_and(|(d, _)| d.params.len() == 1) =>
            {
                let slot = self.new_slot();
                self.locals
                    .push((format!(" arg{slot}"), slot, param, usize::MAX));
                if let Some(&sym) = self.def_syms.get(&n.name) {
                    self.uses.push((n.span, sym));
                }
                let arg = Expr {
                    kind: ExprKind::Name(ast::Ident {
                        name: format!(" arg{slot}"),
                        span: e.span,
                    }),
                    span: e.span,
                };
                let (b, t) = self.call(n, std::slice::from_ref(&arg), e.span);
                self.locals.pop();
                (Arg::Lambda(slot, b), t)
            }
            _ => {
                self.err(
                    Diagnostic::error(e.span, "expected a function such as `x => x.amount`")
                        .with_help("write `x => …` or the name of a `def` with one parameter"),
                );
                (
                    Arg::Value(Ir {
                        op: Op::Const(Value::None),
                        span: e.span,
                    }),
                    Ty::Any,
                )
            }
        }
    }

    fn predicate(&mut self, e: &Expr, param: Ty) -> Arg {
        let (arg, ty) = self.lambda(e, param);
        self.expect_bool(&ty, e.span);
        arg
    }

    fn list_arg(&mut self, e: &Expr) -> (Arg, Ty) {
        let (ir, ty) = self.expr(e);
        let elem = match ty.elem() {
            Some(t) => t,
            None => {
                let found = self.describe(&ty);
                self.err(Diagnostic::error(
                    e.span,
                    format!("expected a list, found {found}"),
                ));
                Ty::Any
            }
        };
        (Arg::Value(ir), elem)
    }

    fn builtin_call(&mut self, b: Builtin, name: &ast::Ident, args: &[Expr], span: Span) -> Typed {
        use Builtin as B;
        let fail = (
            Ir {
                op: Op::Const(Value::None),
                span,
            },
            Ty::Any,
        );
        let mut out: Vec<Arg> = Vec::new();
        let ty = match b {
            B::Count | B::First | B::Last | B::Min | B::Max | B::Sum | B::Distinct => {
                if !self.arity(name, args, 1, 2) {
                    return fail;
                }
                let (list, elem) = self.list_arg(&args[0]);
                out.push(list);
                let value_ty = if let Some(f) = args.get(1) {
                    match b {
                        B::Count | B::First | B::Last => {
                            out.push(self.predicate(f, elem.clone()));
                            elem.clone()
                        }
                        _ => {
                            let (arg, t) = self.lambda(f, elem.clone());
                            out.push(arg);
                            t
                        }
                    }
                } else {
                    elem.clone()
                };
                match b {
                    B::Count => Ty::Num,
                    B::First | B::Last => elem.opt(),
                    B::Sum => {
                        if !value_ty.is_numeric() {
                            let found = self.describe(&value_ty);
                            self.err(Diagnostic::error(span, format!("`sum` adds numbers, found {found}")).with_help("give a function that picks an amount: `sum(list, x => x.amount)`"));
                        }
                        if matches!(value_ty.strip(), Ty::Money) {
                            Ty::Money
                        } else {
                            Ty::Num
                        }
                    }
                    B::Distinct => Ty::List(Box::new(elem)),
                    _ => {
                        if !orderable(&value_ty, &value_ty) {
                            let found = self.describe(&value_ty);
                            self.err(Diagnostic::error(
                                span,
                                format!(
                                    "`{}` needs values that can be ordered, found {found}",
                                    name.name
                                ),
                            ));
                        }
                        value_ty.strip().clone().opt()
                    }
                }
            }
            B::Any | B::All | B::NoneOf | B::Filter | B::Position => {
                if !self.arity(name, args, 2, 2) {
                    return fail;
                }
                let (list, elem) = self.list_arg(&args[0]);
                out.push(list);
                out.push(self.predicate(&args[1], elem.clone()));
                match b {
                    B::Filter => Ty::List(Box::new(elem)),
                    B::Position => Ty::Num.opt(),
                    _ => Ty::Bool,
                }
            }
            B::Map => {
                if !self.arity(name, args, 2, 2) {
                    return fail;
                }
                let (list, elem) = self.list_arg(&args[0]);
                out.push(list);
                let (f, t) = self.lambda(&args[1], elem);
                out.push(f);
                Ty::List(Box::new(t))
            }
            B::Flatten => {
                if !self.arity(name, args, 1, 1) {
                    return fail;
                }
                let (list, elem) = self.list_arg(&args[0]);
                out.push(list);
                match elem.elem() {
                    Some(inner) => Ty::List(Box::new(inner)),
                    None => {
                        self.err(Diagnostic::error(
                            args[0].span,
                            "`flatten` takes a list of lists",
                        ));
                        Ty::Any
                    }
                }
            }
            B::Sort | B::Group => {
                if !self.arity(name, args, 2, usize::MAX) {
                    return fail;
                }
                let (list, elem) = self.list_arg(&args[0]);
                out.push(list);
                for key in &args[1..] {
                    let (f, t) = self.lambda(key, elem.clone());
                    if b == B::Sort && !orderable(&t, &t) {
                        let found = self.describe(&t);
                        self.err(Diagnostic::error(
                            key.span,
                            format!("a sort key must be a number, text or date, found {found}"),
                        ));
                    }
                    out.push(f);
                }
                if b == B::Sort {
                    Ty::List(Box::new(elem))
                } else {
                    Ty::Groups(Box::new(elem))
                }
            }
            B::Get => {
                if !self.arity(name, args, 2, usize::MAX) {
                    return fail;
                }
                let (g, gt) = self.expr(&args[0]);
                out.push(Arg::Value(g));
                for key in &args[1..] {
                    out.push(Arg::Value(self.expr(key).0));
                }
                match gt {
                    Ty::Groups(elem) => Ty::List(elem),
                    Ty::Any => Ty::Any,
                    other => {
                        let found = self.describe(&other);
                        self.err(Diagnostic::error(
                            args[0].span,
                            format!("`get` reads the result of `group`, found {found}"),
                        ));
                        Ty::Any
                    }
                }
            }
            B::Take | B::Skip => {
                if !self.arity(name, args, 2, 2) {
                    return fail;
                }
                let (list, elem) = self.list_arg(&args[0]);
                out.push(list);
                let (n, nt) = self.expr(&args[1]);
                if !nt.is_numeric() {
                    let found = self.describe(&nt);
                    self.err(Diagnostic::error(
                        args[1].span,
                        format!("expected a number, found {found}"),
                    ));
                }
                out.push(Arg::Value(n));
                Ty::List(Box::new(elem))
            }
            B::Exists => {
                if !self.arity(name, args, 1, 1) {
                    return fail;
                }
                out.push(Arg::Value(self.expr(&args[0]).0));
                Ty::Bool
            }
            B::StartsWith | B::EndsWith | B::Contains => {
                if !self.arity(name, args, 2, 2) {
                    return fail;
                }
                for a in args {
                    let (i, t) = self.expr(a);
                    if !t.is_textual() {
                        let found = self.describe(&t);
                        self.err(Diagnostic::error(
                            a.span,
                            format!("`{}` works on text, found {found}", name.name),
                        ));
                    }
                    out.push(Arg::Value(i));
                }
                Ty::Bool
            }
            B::Text => {
                if !self.arity(name, args, 1, 1) {
                    return fail;
                }
                out.push(Arg::Value(self.expr(&args[0]).0));
                Ty::Text
            }
            B::Join => {
                if !self.arity(name, args, 2, 2) {
                    return fail;
                }
                let (list, _) = self.list_arg(&args[0]);
                out.push(list);
                out.push(Arg::Value(self.expr(&args[1]).0));
                Ty::Text
            }
            B::Days => {
                if !self.arity(name, args, 1, 1) {
                    return fail;
                }
                let (i, t) = self.expr(&args[0]);
                if !matches!(t.strip(), Ty::Days | Ty::Any) {
                    let found = self.describe(&t);
                    self.err(Diagnostic::error(
                        args[0].span,
                        format!("`days` takes a number of days, found {found}"),
                    ));
                }
                out.push(Arg::Value(i));
                if t.is_opt() { Ty::Num.opt() } else { Ty::Num }
            }
            B::Ceil => {
                if !self.arity(name, args, 1, 1) {
                    return fail;
                }
                let (i, t) = self.expr(&args[0]);
                if !t.is_numeric() {
                    let found = self.describe(&t);
                    self.err(Diagnostic::error(
                        args[0].span,
                        format!("`ceil` takes a number, found {found}"),
                    ));
                }
                out.push(Arg::Value(i));
                t
            }
            B::Findings | B::FindingsOn => {
                if !self.arity(name, args, 2, 2) {
                    return fail;
                }
                let pattern = match &args[0].kind {
                    ExprKind::Str(t) => t.as_plain(),
                    _ => None,
                };
                let Some(pattern) = pattern else {
                    self.err(Diagnostic::error(args[0].span, "the rules to ask for are a quoted id or pattern, such as \"SZYD-*\"").with_help("the pattern must be written out so that rules can be ordered before they run"));
                    return fail;
                };
                self.finding_queries.push((pattern.clone(), args[0].span));
                out.push(Arg::Value(Ir {
                    op: Op::Const(Value::Text(Arc::from(pattern.as_str()))),
                    span: args[0].span,
                }));
                let (i, t) = self.expr(&args[1]);
                if !matches!(t.strip(), Ty::Struct(..) | Ty::AnyRecord | Ty::Any) {
                    let found = self.describe(&t);
                    self.err(Diagnostic::error(
                        args[1].span,
                        format!(
                            "findings are asked of a record or an element of one, found {found}"
                        ),
                    ));
                }
                out.push(Arg::Value(i));
                Ty::List(Box::new(Ty::Obj(ObjKind::Finding, Box::new(Ty::Any))))
            }
            B::Missing | B::Early | B::SharedActors => {
                if !self.arity(name, args, 2, 2) {
                    return fail;
                }
                let (c, ct) = self.expr(&args[0]);
                if ct == Ty::Any {
                    return fail;
                }
                let Ty::Chain(ci) = ct else {
                    let found = self.describe(&ct);
                    self.err(
                        Diagnostic::error(args[0].span, format!("expected a chain, found {found}"))
                            .with_help("declare one with `chain NAME { … }`"),
                    );
                    return fail;
                };
                out.push(Arg::Value(c));
                let (list, elem) = self.list_arg(&args[1]);
                let expected = self.chains.get(ci).map(|c| c.step_struct);
                if !matches!(elem, Ty::Struct(s, _) if Some(s) == expected) && elem != Ty::Any {
                    let found = self.describe(&elem);
                    self.err(Diagnostic::error(
                        args[1].span,
                        format!("the chain checks a list of its steps, found a list of {found}"),
                    ));
                }
                out.push(list);
                match b {
                    B::Missing => Ty::List(Box::new(Ty::Text)),
                    B::Early => Ty::List(Box::new(Ty::Obj(ObjKind::OrderFault, Box::new(elem)))),
                    _ => Ty::List(Box::new(Ty::Obj(ObjKind::ActorFault, Box::new(elem)))),
                }
            }
            B::Windows => {
                if !self.arity(name, args, 3, 4) {
                    return fail;
                }
                let (list, elem) = self.list_arg(&args[0]);
                out.push(list);
                let (f, t) = self.lambda(&args[1], elem.clone());
                if !matches!(t.strip(), Ty::Date | Ty::Any) {
                    let found = self.describe(&t);
                    self.err(Diagnostic::error(
                        args[1].span,
                        format!("`windows` orders by a date, found {found}"),
                    ));
                }
                out.push(f);
                let (s, st) = self.expr(&args[2]);
                if !matches!(st.strip(), Ty::Days | Ty::Any) {
                    let found = self.describe(&st);
                    self.err(Diagnostic::error(
                        args[2].span,
                        format!(
                            "a window's span is a number of days such as `30天`, found {found}"
                        ),
                    ));
                }
                out.push(Arg::Value(s));
                if let Some(around) = args.get(3) {
                    // Only the windows holding this element.
                    let (a, _) = self.expr(around);
                    out.push(Arg::Value(a));
                }
                Ty::List(Box::new(Ty::List(Box::new(elem))))
            }
            B::Refs => {
                if !self.arity(name, args, 1, 1) {
                    return fail;
                }
                let (i, t) = self.expr(&args[0]);
                if !matches!(t.strip(), Ty::AnyRecord | Ty::Struct(_, Some(_)) | Ty::Any) {
                    let found = self.describe(&t);
                    self.err(Diagnostic::error(
                        args[0].span,
                        format!("`refs` takes a record, found {found}"),
                    ));
                }
                out.push(Arg::Value(i));
                Ty::List(Box::new(Ty::Obj(ObjKind::RefUse, Box::new(Ty::Any))))
            }
            B::Record => {
                if !self.arity(name, args, 1, 1) {
                    return fail;
                }
                let (i, t) = self.expr(&args[0]);
                let ty = match t.strip() {
                    Ty::Struct(_, Some(k)) => {
                        let root = self.schema.kinds.get(*k).map(|k| k.root).unwrap_or(0);
                        Ty::Struct(root, Some(*k))
                    }
                    Ty::Any => Ty::Any,
                    other => {
                        let found = self.describe(other);
                        self.err(Diagnostic::error(
                            args[0].span,
                            format!("`record` takes an element of a record, found {found}"),
                        ));
                        Ty::Any
                    }
                };
                out.push(Arg::Value(i));
                if t.is_opt() { ty.opt() } else { ty }
            }
        };
        (
            Ir {
                op: Op::Call(b, out),
                span,
            },
            ty,
        )
    }

    fn records_call(&mut self, args: &[Expr], span: Span) -> Typed {
        let ir = |op: Op| Ir { op, span };
        match args {
            [] => (ir(Op::AllRecords), Ty::List(Box::new(Ty::AnyRecord))),
            [
                Expr {
                    kind: ExprKind::Name(n),
                    ..
                },
            ] if self.schema.kind(&n.name).is_some() => {
                let k = self.schema.kind(&n.name).unwrap_or(0);
                let root = self.schema.kinds.get(k).map(|k| k.root).unwrap_or(0);
                (
                    ir(Op::Records(k)),
                    Ty::List(Box::new(Ty::Struct(root, Some(k)))),
                )
            }
            _ => {
                let kinds: Vec<String> = self.schema.kinds.iter().map(|k| k.name.clone()).collect();
                self.err(
                    Diagnostic::error(span, "`records` takes the name of a record kind")
                        .with_help(format!("kinds are {}", kinds.join(", "))),
                );
                (ir(Op::Const(Value::None)), Ty::Any)
            }
        }
    }

    fn lookup_call(&mut self, name: &ast::Ident, args: &[Expr], span: Span) -> Typed {
        let fail = (
            Ir {
                op: Op::Const(Value::None),
                span,
            },
            Ty::Any,
        );
        if !self.arity(name, args, 1, 1) {
            return fail;
        }
        let arg = &args[0];
        let rejected = name.name == "rejected";
        // A key needs the structure holding it, to read the sibling
        // reference. The holder is compiled to look; when the field is not a
        // key, what that added is undone and the argument compiled whole.
        if let ExprKind::Field(base, field) = &arg.kind {
            let mark = (
                self.errors.len(),
                self.symbols.len(),
                self.uses.len(),
                self.next_slot,
            );
            let (b, bt) = self.expr(base);
            if let Ty::Struct(sid, _) = bt.strip().clone() {
                let f = self.schema.structs.get(sid).and_then(|s| {
                    s.slot(&field.name)
                        .map(|slot| (slot, s.fields.get(slot).map(|f| f.ty.clone())))
                });
                if let Some((slot, Some(FieldTy::Key(key)))) = f {
                    if rejected {
                        self.err(
                            Diagnostic::error(span, "`rejected` takes a `ref` field").with_help(
                                format!(
                                    "ask about the record: `rejected(x.{})`",
                                    self.schema
                                        .structs
                                        .get(sid)
                                        .and_then(|s| s.fields.get(key.via_slot))
                                        .map_or("ref".into(), |f| f.name.clone())
                                ),
                            ),
                        );
                        return fail;
                    }
                    let ty = Ty::Struct(key.elem, Some(key.kind)).opt();
                    return (
                        Ir {
                            op: Op::LookupKey(Box::new(b), slot, sid),
                            span,
                        },
                        ty,
                    );
                }
            }
            self.errors.truncate(mark.0);
            self.symbols.truncate(mark.1);
            self.def_param_syms.retain(|_, sym| *sym < mark.1);
            self.uses.truncate(mark.2);
            self.next_slot = mark.3;
        }
        let (i, t) = self.expr(arg);
        match t.strip() {
            Ty::Ref(k) => {
                let k = *k;
                if rejected {
                    return (
                        Ir {
                            op: Op::Rejected(k, Box::new(i)),
                            span,
                        },
                        Ty::Bool,
                    );
                }
                let root = self.schema.kinds.get(k).map(|k| k.root).unwrap_or(0);
                (
                    Ir {
                        op: Op::LookupRef(k, Box::new(i)),
                        span,
                    },
                    Ty::Struct(root, Some(k)).opt(),
                )
            }
            Ty::Any => fail,
            other => {
                let found = self.describe(other);
                self.err(Diagnostic::error(
                    arg.span,
                    format!(
                        "`{}` follows a reference (a `ref` or `key` field), found {found}",
                        name.name
                    ),
                ));
                fail
            }
        }
    }

    fn call_def(
        &mut self,
        def: &'a ast::DefDecl,
        name: &ast::Ident,
        args: &[Expr],
        span: Span,
    ) -> Typed {
        let fail = (
            Ir {
                op: Op::Const(Value::None),
                span,
            },
            Ty::Any,
        );
        if args.len() != def.params.len() {
            self.err(
                Diagnostic::error(
                    name.span,
                    format!(
                        "`{}` takes {} arguments, found {}",
                        name.name,
                        def.params.len(),
                        args.len()
                    ),
                )
                .with_related(def.name.span, "defined here"),
            );
            return fail;
        }
        self.expansions += 1;
        if self.expansions > MAX_EXPANSIONS {
            if self.expansions == MAX_EXPANSIONS + 1 {
                self.err(
                    Diagnostic::error(
                        name.span,
                        format!("`def`s expand to more than {MAX_EXPANSIONS} calls here"),
                    )
                    .with_help(
                        "nested calls of `def`s multiply; bind intermediate values with `let`",
                    ),
                );
            }
            return fail;
        }
        if self.def_stack.contains(&def.name.name) {
            self.err(
                Diagnostic::error(name.span, format!("`{}` calls itself", def.name.name))
                    .with_related(def.name.span, "defined here")
                    .with_help("the rule language has no recursion, so that every check ends"),
            );
            return fail;
        }
        if let Some(&sym) = self.def_syms.get(&def.name.name)
            && name.span != def.name.span
            && !name.name.starts_with(' ')
        {
            self.uses.push((name.span, sym));
        }
        let mut bound = Vec::new();
        for (p, a) in def.params.iter().zip(args) {
            let (ir, ty) = self.expr(a);
            let slot = self.new_slot();
            bound.push((p.name.clone(), slot, ty, ir));
        }
        // The body sees only its parameters (and global names).
        let saved = std::mem::take(&mut self.locals);
        let mut locals = Vec::new();
        for ((n, s, t, _), p) in bound.iter().zip(&def.params) {
            let sym = match self.def_param_syms.get(&p.span) {
                Some(&sym) => sym,
                None => {
                    let detail = format!(
                        "{}: {} (parameter of `{}`)",
                        p.name,
                        self.describe(t),
                        def.name.name
                    );
                    let sym = self.symbol(p, SymbolKind::Local, detail, None);
                    self.def_param_syms.insert(p.span, sym);
                    sym
                }
            };
            locals.push((n.clone(), *s, t.clone(), sym));
        }
        self.locals = locals;
        self.def_stack.push(def.name.name.clone());
        let before = self.errors.len();
        let (mut body, ty) = self.expr(&def.body);
        self.def_stack.pop();
        self.locals = saved;
        if self.errors.len() > before {
            // Point at the call too: the body may be fine for other arguments.
            let call_note = format!("in this call of `{}`", def.name.name);
            for e in self.errors.iter_mut().skip(before) {
                if !e.related.iter().any(|r| r.span == span) {
                    e.related.push(crate::diag::Label {
                        span,
                        message: call_note.clone(),
                    });
                }
            }
        }
        for (_, slot, _, ir) in bound.into_iter().rev() {
            body = Ir {
                op: Op::Let(slot, Box::new(ir), Box::new(body)),
                span,
            };
        }
        (body, ty)
    }
}

fn builtin(name: &str) -> Option<Builtin> {
    use Builtin as B;
    Some(match name {
        "count" => B::Count,
        "sum" => B::Sum,
        "any" => B::Any,
        "all" => B::All,
        "none" => B::NoneOf,
        "first" => B::First,
        "last" => B::Last,
        "position" => B::Position,
        "distinct" => B::Distinct,
        "filter" => B::Filter,
        "map" => B::Map,
        "flatten" => B::Flatten,
        "sort" => B::Sort,
        "take" => B::Take,
        "skip" => B::Skip,
        "min" => B::Min,
        "max" => B::Max,
        "group" => B::Group,
        "get" => B::Get,
        "exists" => B::Exists,
        "starts_with" => B::StartsWith,
        "ends_with" => B::EndsWith,
        "contains" => B::Contains,
        "text" => B::Text,
        "join" => B::Join,
        "days" => B::Days,
        "ceil" => B::Ceil,
        "findings" => B::Findings,
        "findings_on" => B::FindingsOn,
        "missing" => B::Missing,
        "early" => B::Early,
        "shared_actors" => B::SharedActors,
        "windows" => B::Windows,
        "refs" => B::Refs,
        "record" => B::Record,
        _ => return None,
    })
}

/// Whether a rule id matches a pattern: an exact id, or a prefix ending in `*`.
pub fn pattern_matches(pattern: &str, id: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => id.starts_with(prefix),
        None => pattern == id,
    }
}
