//! Name resolution and type checking: rule files (AST) → [`Program`],
//! with the editor's index of the names beside it.
//!
//! Every problem is reported with a span and, where one helps, a
//! suggestion; compilation goes on after an error so that one run shows
//! them all.

mod calls;
mod chains;
mod expr;
mod order;
mod params;
mod reports;
mod rules;
mod symbols;

use std::collections::HashMap;

use super::Compiled;
use super::ir::{Ir, Op};
use super::program::*;
use super::symbols::SymbolKind;
use super::types::Ty;
use super::value::Value;
use crate::diag::Diagnostic;
use crate::schema::{self, Schema};
use crate::source::Span;
use crate::suggest::closest;
use crate::syntax::ast::{self, BinOp, DeclKind, Expr, ExprKind, RuleItem};

use symbols::SymbolIndex;

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

/// Compile the declarations in force in one period (the periods are cut by
/// [`super::validity`]).
pub(in crate::check) fn compile_decls(
    decls: &[&ast::Decl],
    overrides: &[ParamOverride],
    disabled: &[String],
) -> Compiled {
    let decls: Vec<&ast::Decl> = decls.to_vec();
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
        index: SymbolIndex::default(),
        next_slot: 0,
        cached: Vec::new(),
        memos: HashMap::new(),
        finding_queries: Vec::new(),
        params_read: Vec::new(),
        rule_lets: Vec::new(),
        warnings: Vec::new(),
    };
    c.schema_symbols(&decls);
    c.params(&decls, overrides);
    c.chains(&decls);
    let decided_by = c.decided_by(&decls);
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
            c.index.def_syms.insert(d.name.name.clone(), sym);
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
    // `rule ID replaces …` takes the place of the earlier rule with its id:
    // the declarations replaced, by position in `decls`.
    let mut replaced: Vec<usize> = Vec::new();
    {
        let mut latest: HashMap<&str, usize> = HashMap::new();
        for (i, decl) in decls.iter().enumerate() {
            let DeclKind::Rule(r) = &decl.kind else {
                continue;
            };
            match (r.replaces, latest.get(r.id.name.as_str())) {
                (true, Some(&earlier)) => {
                    replaced.push(earlier);
                    latest.insert(&r.id.name, i);
                }
                (true, None) => {
                    let ids: Vec<&str> = decls
                        .iter()
                        .filter_map(|d| match &d.kind {
                            DeclKind::Rule(o) if !o.replaces => Some(o.id.name.as_str()),
                            _ => None,
                        })
                        .collect();
                    let help = match closest(&r.id.name, ids.iter().copied()) {
                        Some(s) => format!("did you mean `{s}`? a rule replaces one declared in an earlier file"),
                        None => "a rule replaces one declared in an earlier file; leave out `replaces` for a new rule".to_string(),
                    };
                    c.errors.push(
                        Diagnostic::error(r.id.span, format!("no rule `{}` to replace", r.id.name))
                            .with_help(help),
                    );
                    latest.insert(&r.id.name, i);
                }
                (false, _) => {
                    latest.entry(&r.id.name).or_insert(i);
                }
            }
        }
    }
    for (i, decl) in decls.iter().enumerate() {
        let DeclKind::Rule(r) = &decl.kind else {
            continue;
        };
        if replaced.contains(&i) {
            continue;
        }
        if let Some(first) = seen.get(&r.id.name) {
            // Across files the second is most likely meant as a local
            // version of the first (a standard rule): `replaces` says so.
            let help = if first.file == r.id.span.file {
                "every rule needs its own id".to_string()
            } else {
                let title = r.title.as_plain().unwrap_or_else(|| "…".to_string());
                format!(
                    "to put this rule in place of the earlier one, write `rule {} replaces \"{title}\" {{ … }}`; otherwise give it an id of its own",
                    r.id.name
                )
            };
            c.errors.push(
                Diagnostic::error(r.id.span, format!("rule id `{}` is used twice", r.id.name))
                    .with_related(*first, "first used here")
                    .with_help(help),
            );
            // Its other errors are reported too; the rule itself is left
            // out of the program.
            if !disabled.iter().any(|d| d == &r.id.name) {
                c.rule(r, decl);
                c.finding_queries.clear();
            }
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
    let mut rule_syms: HashMap<String, usize> = HashMap::new();
    for (i, decl) in decls.iter().enumerate() {
        let DeclKind::Rule(r) = &decl.kind else {
            continue;
        };
        if replaced.contains(&i) {
            continue;
        }
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
                c.index.uses.push((*span, sym));
            }
            // A pattern that names no rule at all (a typo) would make the
            // asking rule silently never fire. Matching only switched-off
            // rules is fine: their findings are just absent.
            if !seen.keys().any(|id| pattern_matches(pattern, id)) {
                let mut known: Vec<&str> = seen.keys().map(String::as_str).collect();
                known.sort_unstable();
                // Rule ids are upper case; `t-030` is most likely `T-030`.
                let upper = pattern.to_uppercase();
                let suggestion = known
                    .iter()
                    .copied()
                    .find(|id| pattern_matches(&upper, id))
                    .map(|_| upper.as_str())
                    .or_else(|| closest(&upper, known.iter().copied()));
                let help = match suggestion {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => "a pattern is a rule id, or a prefix followed by `*` such as `SZYD-*`"
                        .to_string(),
                };
                c.errors.push(
                    Diagnostic::error(*span, format!("no rule matches `{pattern}`"))
                        .with_help(help),
                );
            }
        }
    }
    let order = c.order(&mut rules, &queries);
    c.param_marks(&decls);
    let families = c.families(&decls);
    let statistics = c.statistics(&decls, &seen);
    errors.append(&mut c.errors);
    // A def's body is compiled at each call: its warnings once.
    for w in c.warnings {
        if !errors
            .iter()
            .any(|e| e.span == w.span && e.message == w.message)
        {
            errors.push(w);
        }
    }
    let mut program = Program {
        schema: c.schema,
        params: c.params,
        chains: c.chains,
        defs: def_infos,
        rules,
        order,
        cached: c.cached,
        today: crate::suppress::today(),
        decided_by,
        families,
        statistics,
        ..Program::default()
    };
    program.simplify();
    Compiled {
        program,
        symbols: c.index.finish(),
        errors,
    }
}

pub(in crate::check) struct Compiler<'a> {
    pub(in crate::check) schema: Schema,
    params: Vec<Param>,
    pub(in crate::check) chains: Vec<ChainDef>,
    defs: HashMap<String, (&'a ast::DefDecl, Option<String>)>,
    errors: Vec<Diagnostic>,
    /// Defs being expanded, to refuse recursion.
    def_stack: Vec<String>,
    /// `def` expansions in the current rule or parameter: nested calls
    /// can multiply them, so they are bounded.
    expansions: usize,
    /// Visible local variables, innermost last: name, slot, type, symbol.
    locals: Vec<(String, usize, Ty, usize)>,
    /// What the editor needs of the names; nothing compiled reads it.
    index: SymbolIndex,
    next_slot: usize,
    /// The expression of each cache slot.
    cached: Vec<Ir>,
    /// Each `def` call remembered per argument ([`Op::Memo`]), by the
    /// def's name and its constant arguments: its memory's number.
    memos: HashMap<String, usize>,
    /// `findings("PATTERN", …)` calls of the rule being compiled.
    pub(in crate::check) finding_queries: Vec<(String, Span)>,
    /// Parameters read by the expression being compiled, so that a
    /// parameter derived from others can follow their overrides.
    params_read: Vec<String>,
    /// The `let`s of the rule being compiled, to explain a name used
    /// before its `let`.
    rule_lets: Vec<(String, Span)>,
    /// Warnings: kept apart, since new errors are what fails a declaration.
    warnings: Vec<Diagnostic>,
}

/// Most `def` expansions in one rule or parameter.
const MAX_EXPANSIONS: usize = 10_000;

pub(in crate::check) type Typed = (Ir, Ty);

impl<'a> Compiler<'a> {
    pub(in crate::check) fn err(&mut self, d: Diagnostic) {
        self.errors.push(d);
    }

    pub(in crate::check) fn new_slot(&mut self) -> usize {
        self.next_slot += 1;
        self.next_slot - 1
    }

    pub(in crate::check) fn describe(&self, t: &Ty) -> String {
        t.describe(&self.schema)
    }
}

/// Whether a `for` source is a call of `group`: the group scope.
fn is_group_call(e: &Expr) -> bool {
    matches!(&e.kind, ExprKind::Call(name, _) if name.name == "group")
}

/// How to fix operands whose types an operator does not accept.
fn mismatch_help(op: BinOp, lt: &Ty, rt: &Ty, l: &Expr, r: &Expr) -> String {
    let (a, b) = (lt.strip(), rt.strip());
    // A plain number beside a number of days: say it in days.
    let plain_number = |e: &Expr| match &e.kind {
        ExprKind::Num(n, ast::NumUnit::None) => Some(*n),
        _ => None,
    };
    match (a, b) {
        (Ty::Days, Ty::Num) | (Ty::Num, Ty::Days) => {
            match plain_number(r).or_else(|| plain_number(l)) {
                Some(n) => format!("write the number in days, `{n}天`, or compare `days(…)` with it"),
                None => "write the number in days (e.g. `5天`), or turn the days into a number with `days(…)`".into(),
            }
        }
        (Ty::Date, Ty::Num | Ty::Money) | (Ty::Num | Ty::Money, Ty::Date) => {
            "add or subtract days (`d + 5天`); the difference of two dates is days (`d2 - d1`)".into()
        }
        (x, y) if x.is_textual() != y.is_textual() => {
            "text and numbers do not mix: quote text (`\"财务\"`), leave numbers and amounts unquoted (`20万`)".into()
        }
        (_, Ty::List(_)) if matches!(op, BinOp::In | BinOp::NotIn) => {
            "the list on the right of `in` must hold values like the one on the left".into()
        }
        (_, y) if matches!(op, BinOp::In | BinOp::NotIn) && !matches!(y, Ty::List(_)) => {
            "the right side of `in` is a list, e.g. `x in [\"a\", \"b\"]` or a list parameter".into()
        }
        _ if matches!(op, BinOp::Eq | BinOp::Ne) => {
            "compare values of one type: text with text, numbers with numbers, dates with dates".into()
        }
        _ => format!(
            "see which types `{}` accepts in the operator table of docs/language.md",
            op.symbol()
        ),
    }
}

/// Whether an expression can denote a place in a record (a field, an
/// element, a record), so that a finding can be anchored at it. Constants,
/// arithmetic, comparisons, lists built in the rule and texts cannot.
fn denotes_place(ir: &Ir) -> bool {
    match &ir.op {
        Op::Local(_)
        | Op::Field(..)
        | Op::LocalField(..)
        | Op::OneOrList(..)
        | Op::ObjField(..)
        | Op::Index(..)
        | Op::Call(..)
        | Op::LookupRef(..)
        | Op::LookupKey(..) => true,
        Op::If(_, a, b) | Op::Binary(BinOp::Default, a, b) => denotes_place(a) && denotes_place(b),
        Op::Let(_, _, body) | Op::Memo(_, _, _, body) | Op::Cached(_, body) => denotes_place(body),
        // `none` stands for "no place": the record is used.
        Op::Const(Value::None) => true,
        Op::Const(_)
        | Op::Today
        | Op::KindName(_)
        | Op::List(_)
        | Op::Unary(..)
        | Op::Binary(..)
        | Op::LocalFieldIs(..)
        | Op::Records(_)
        | Op::AllRecords
        | Op::Rejected(..)
        | Op::Template(_) => false,
    }
}
/// Whether `name` is read anywhere in `e` (a lambda inside that binds the
/// same name hides it).
fn mentions(e: &Expr, name: &str) -> bool {
    match &e.kind {
        ExprKind::Name(n) => n.name == name,
        ExprKind::Lambda(v, _) if v.name == name => false,
        _ => e.children().into_iter().any(|c| mentions(c, name)),
    }
}

/// How tightly `and` binds (see [`binding`]).
const BINDING_AND: u8 = 3;
/// How tightly a comparison binds (see [`binding`]).
const BINDING_COMPARE: u8 = 5;

/// How tightly an expression binds, as the precedence table of the
/// language reference numbers it (a higher number binds tighter).
fn binding(e: &Expr) -> u8 {
    match &e.kind {
        ExprKind::Lambda(..) | ExprKind::If(..) => 1,
        ExprKind::Binary(op, ..) => match op {
            BinOp::Or => 2,
            BinOp::And => BINDING_AND,
            BinOp::Eq
            | BinOp::Ne
            | BinOp::Lt
            | BinOp::Le
            | BinOp::Gt
            | BinOp::Ge
            | BinOp::In
            | BinOp::NotIn => BINDING_COMPARE,
            BinOp::Default => 6,
            BinOp::Add | BinOp::Sub | BinOp::Union => 7,
            BinOp::Mul | BinOp::Div | BinOp::Intersect => 8,
        },
        ExprKind::Unary(ast::UnOp::Not, _) => 4,
        ExprKind::Unary(ast::UnOp::Neg, _) => 9,
        _ => 10,
    }
}

/// `e` written back as source, bracketed unless it binds tighter than
/// `than` (so that it reads back as the same tree).
fn show_within(e: &Expr, than: u8) -> Option<String> {
    if binding(e) > than {
        show(e)
    } else {
        Some(format!("({})", show(e)?))
    }
}

/// An expression written back as source; `None` for interpolated strings
/// and indexing.
fn show(e: &Expr) -> Option<String> {
    Some(match &e.kind {
        ExprKind::Num(n, unit) => format!(
            "{n}{}",
            match unit {
                ast::NumUnit::None => "",
                ast::NumUnit::Money => "元",
                ast::NumUnit::Days => "天",
            }
        ),
        ExprKind::Date(d) => d.to_string(),
        ExprKind::List(items) => {
            let items: Option<Vec<String>> = items.iter().map(show).collect();
            format!("[{}]", items?.join(", "))
        }
        ExprKind::Binary(op, a, b) => {
            let p = binding(e);
            // Operators of one level group from the left, so a left
            // operand of the same level needs no brackets; comparisons do
            // not chain, so theirs does.
            let left = if p == BINDING_COMPARE { p } else { p - 1 };
            format!(
                "{} {} {}",
                show_within(a, left)?,
                op.symbol(),
                show_within(b, p)?
            )
        }
        ExprKind::Unary(ast::UnOp::Not, a) => format!("not {}", show_within(a, BINDING_AND)?),
        ExprKind::Unary(ast::UnOp::Neg, a) => format!("-{}", show_within(a, 9)?),
        ExprKind::If(c, a, b) => format!("if {} then {} else {}", show(c)?, show(a)?, show(b)?),
        ExprKind::Name(n) => n.name.clone(),
        ExprKind::Field(base, f) => format!("{}.{}", show(base)?, f.name),
        ExprKind::Call(f, args) => {
            let args: Option<Vec<String>> = args.iter().map(show).collect();
            format!("{}({})", f.name, args?.join(", "))
        }
        ExprKind::Lambda(v, body) => format!("{} => {}", v.name, show(body)?),
        ExprKind::Str(t) => format!("\"{}\"", t.as_plain()?),
        ExprKind::Bool(b) => b.to_string(),
        ExprKind::None => "none".to_string(),
        _ => return None,
    })
}
