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

mod reports;

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

/// Compile rule files into a program, with every error found. Dated rules
/// and parameter values make one program per period (see [`super::validity`]).
pub fn compile(
    files: &[&ast::File],
    overrides: &[ParamOverride],
    disabled: &[String],
) -> (Program, Vec<Diagnostic>) {
    let decls: Vec<&ast::Decl> = files.iter().flat_map(|f| f.decls.iter()).collect();
    super::validity::compile(&decls, overrides, disabled)
}

/// Compile the declarations in force in one period.
pub(super) fn compile_decls(
    decls: &[&ast::Decl],
    overrides: &[ParamOverride],
    disabled: &[String],
) -> (Program, Vec<Diagnostic>) {
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
                c.uses.push((*span, sym));
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
        today: crate::suppress::today(),
        decided_by,
        families,
        statistics,
        ..Program::default()
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

/// One built-in function as the documentation shows it.
#[derive(Debug, Clone, Copy)]
pub struct BuiltinDoc {
    /// The name a rule calls.
    pub name: &'static str,
    /// How it is called, e.g. `count(list) or count(list, x => cond)`.
    pub signature: &'static str,
    /// What it gives.
    pub doc: &'static str,
    /// What it costs to evaluate.
    pub cost: &'static str,
    /// One call as a rule would write it.
    pub example: &'static str,
}

impl BuiltinDoc {
    /// The one-line usage shown by hover, completion and error help.
    pub fn usage(&self) -> String {
        format!("{}: {}", self.signature, self.doc)
    }
}

/// The built-ins section of `docs/language.md`, rendered from [`BUILTINS`].
pub fn builtins_markdown() -> String {
    let mut md = String::from(
        "<!-- Generated from `BUILTINS` in src/check/compile.rs: edit the table, then run\n     `SUNLIGHT_UPDATE_DOCS=1 cargo test --test docs`. -->\n",
    );
    for b in BUILTINS {
        md.push_str(&format!(
            "\n### `{}`\n\n`{}`\n\n{}.\n\n- cost: {}\n- example: `{}`\n",
            b.name,
            b.signature,
            capitalized(b.doc),
            b.cost,
            b.example
        ));
    }
    md
}

/// The text with its first letter upper-case, as a sentence begins.
fn capitalized(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The built-in functions (and the name `today`): the editor's hover and
/// completion, usage lines of errors and the language reference
/// (`docs/language.md`) are all made from this table.
pub const BUILTINS: &[BuiltinDoc] = &[
    BuiltinDoc {
        name: "count",
        signature: "count(list) or count(list, x => cond)",
        doc: "how many elements (that satisfy cond)",
        cost: "one pass over the list",
        example: "count(m.items, x => x.category == \"重要干部任免\")",
    },
    BuiltinDoc {
        name: "sum",
        signature: "sum(list) or sum(list, x => amount)",
        doc: "the total",
        cost: "one pass over the list",
        example: "sum(m.items, x => x.amount ?? 0)",
    },
    BuiltinDoc {
        name: "any",
        signature: "any(list, x => cond)",
        doc: "whether some element satisfies cond",
        cost: "one pass over the list, stopping at the first match",
        example: "any(m.items, x => x.category == \"大额资金使用\")",
    },
    BuiltinDoc {
        name: "all",
        signature: "all(list, x => cond)",
        doc: "whether every element satisfies cond",
        cost: "one pass over the list, stopping at the first failure",
        example: "all(i.opinions, x => x.stance == \"同意\")",
    },
    BuiltinDoc {
        name: "none",
        signature: "none(list, x => cond)",
        doc: "whether no element satisfies cond",
        cost: "one pass over the list, stopping at the first match",
        example: "none(m.observers, x => x.unit == \"区纪委\")",
    },
    BuiltinDoc {
        name: "first",
        signature: "first(list) or first(list, x => cond)",
        doc: "the first element (that satisfies cond), or none",
        cost: "one pass over the list, stopping at the first match",
        example: "first(d.steps, x => x.step == \"划拨\")",
    },
    BuiltinDoc {
        name: "last",
        signature: "last(list) or last(list, x => cond)",
        doc: "the last element (that satisfies cond), or none",
        cost: "one pass over the list",
        example: "last(a.steps, x => x.step == \"承办\")",
    },
    BuiltinDoc {
        name: "position",
        signature: "position(list, x => cond)",
        doc: "the 1-based position of the first element that satisfies cond, or none",
        cost: "one pass over the list, stopping at the first match",
        example: "position(d.steps, x => x.step == \"签字\")",
    },
    BuiltinDoc {
        name: "distinct",
        signature: "distinct(list) or distinct(list, x => key)",
        doc: "the list without repeated values, or without elements whose key repeats an earlier one's (the first is kept)",
        cost: "one pass over the list",
        example: "distinct(map(m.items, x => x.category))",
    },
    BuiltinDoc {
        name: "filter",
        signature: "filter(list, x => cond)",
        doc: "the elements that satisfy cond",
        cost: "one pass over the list",
        example: "filter(m.items, x => x.outcome == \"通过\")",
    },
    BuiltinDoc {
        name: "map",
        signature: "map(list, x => value)",
        doc: "the value for each element",
        cost: "one pass over the list",
        example: "map(m.absent, x => x.name)",
    },
    BuiltinDoc {
        name: "flatten",
        signature: "flatten(list of lists)",
        doc: "one list",
        cost: "one pass over every inner list",
        example: "flatten(map(records(meeting), x => x.items))",
    },
    BuiltinDoc {
        name: "sort",
        signature: "sort(list, x => key, …)",
        doc: "the list ordered by the keys",
        cost: "n log n comparisons; equal keys keep their order",
        example: "sort(records(disbursement), x => x.amount, x => x.id)",
    },
    BuiltinDoc {
        name: "take",
        signature: "take(list, n)",
        doc: "the first n elements",
        cost: "at most n elements copied",
        example: "take(sort(m.items, x => x.no), 3)",
    },
    BuiltinDoc {
        name: "skip",
        signature: "skip(list, n)",
        doc: "the elements after the first n",
        cost: "one pass over the list",
        example: "skip(d.steps, 1)",
    },
    BuiltinDoc {
        name: "min",
        signature: "min(list) or min(list, x => value)",
        doc: "the smallest value, or none",
        cost: "one pass over the list",
        example: "min(d.steps, x => x.date)",
    },
    BuiltinDoc {
        name: "max",
        signature: "max(list) or max(list, x => value)",
        doc: "the largest value, or none",
        cost: "one pass over the list",
        example: "max(m.items, x => x.amount)",
    },
    BuiltinDoc {
        name: "group",
        signature: "group(list, x => key, …)",
        doc: "the elements grouped by key, computed once per run",
        cost: "one pass over the list; when the list does not depend on the rule's bindings (e.g. `records(KIND)`), computed once per run and shared by every record",
        example: "group(records(disbursement), x => x.org, x => x.payee)",
    },
    BuiltinDoc {
        name: "get",
        signature: "get(groups, key, …)",
        doc: "the elements with that key (empty when none)",
        cost: "one lookup",
        example: "get(group(records(disbursement), x => x.org), o.id)",
    },
    BuiltinDoc {
        name: "records",
        signature: "records(KIND) or records()",
        doc: "every checked record of a kind, ordered by id; with no argument, every checked record, kind by kind",
        cost: "a list of the checked records, ready at no cost",
        example: "records(meeting)",
    },
    BuiltinDoc {
        name: "lookup",
        signature: "lookup(x.ref)",
        doc: "the record or element a reference names, or none",
        cost: "one lookup",
        example: "lookup(s.meeting)",
    },
    BuiltinDoc {
        name: "rejected",
        signature: "rejected(x.ref)",
        doc: "whether the reference names a record that exists but has input errors",
        cost: "one lookup",
        example: "rejected(s.meeting)",
    },
    BuiltinDoc {
        name: "record",
        signature: "record(x)",
        doc: "the record an element belongs to",
        cost: "constant",
        example: "record(i).id",
    },
    BuiltinDoc {
        name: "exists",
        signature: "exists(x)",
        doc: "whether x is not none",
        cost: "constant",
        example: "exists(i.materials_sent)",
    },
    BuiltinDoc {
        name: "starts_with",
        signature: "starts_with(text, prefix)",
        doc: "whether the text begins with prefix (false when either is none)",
        cost: "the length of the texts",
        example: "starts_with(d.payee, \"县\")",
    },
    BuiltinDoc {
        name: "ends_with",
        signature: "ends_with(text, suffix)",
        doc: "whether the text ends with suffix (false when either is none)",
        cost: "the length of the texts",
        example: "ends_with(o.name, \"局\")",
    },
    BuiltinDoc {
        name: "contains",
        signature: "contains(text, part)",
        doc: "whether part occurs in the text (false when either is none)",
        cost: "the length of the texts",
        example: "contains(m.body, \"党组\")",
    },
    BuiltinDoc {
        name: "text",
        signature: "text(x)",
        doc: "x as it reads in a message",
        cost: "the length of the text",
        example: "text(d.amount) + \" 元\"",
    },
    BuiltinDoc {
        name: "join",
        signature: "join(list, separator)",
        doc: "the elements as text",
        cost: "the length of the text",
        example: "join(m.attendees, \"、\")",
    },
    BuiltinDoc {
        name: "days",
        signature: "days(d)",
        doc: "a number of days as a plain number",
        cost: "constant",
        example: "days(today - m.date) > 30",
    },
    BuiltinDoc {
        name: "ceil",
        signature: "ceil(x)",
        doc: "the smallest whole number not below x, e.g. ceil(2/3 * 5) is 4",
        cost: "constant",
        example: "ceil(count(m.members) * 2 / 3)",
    },
    BuiltinDoc {
        name: "findings",
        signature: "findings(\"RULE-*\", x)",
        doc: "findings of matching rules on x or anything inside it",
        cost: "one pass over the findings of the matching rules, which run before this rule",
        example: "count(findings(\"SZYD-*\", m)) > 0",
    },
    BuiltinDoc {
        name: "findings_on",
        signature: "findings_on(\"RULE-*\", x)",
        doc: "findings of matching rules on x itself",
        cost: "one pass over the findings of the matching rules, which run before this rule",
        example: "findings_on(\"SZYD-002\", m)",
    },
    BuiltinDoc {
        name: "missing",
        signature: "missing(CHAIN, steps)",
        doc: "names of required steps that are absent",
        cost: "one pass over the steps",
        example: "missing(大额资金拨付链, d.steps)",
    },
    BuiltinDoc {
        name: "early",
        signature: "early(CHAIN, steps)",
        doc: "steps dated before a step the chain puts ahead of them (`.step`, `.after`)",
        cost: "one pass over the steps per ordered pair of steps",
        example: "early(大额资金拨付链, d.steps)",
    },
    BuiltinDoc {
        name: "shared_actors",
        signature: "shared_actors(CHAIN, steps)",
        doc: "one person in two steps that must be distinct (`.person`, `.first`, `.second`)",
        cost: "one pass over the steps per pair of distinct steps",
        example: "shared_actors(行政审批流程, a.steps)",
    },
    BuiltinDoc {
        name: "windows",
        signature: "windows(list, x => date, span) or windows(list, x => date, span, element)",
        doc: "the sets of elements whose dates lie within span of each other (with `element`, only the sets holding it; computed once per list)",
        cost: "n log n to sort by date, then the total size of the windows",
        example: "windows(records(disbursement), x => first(x.steps, y => y.step == \"划拨\").date, 30天)",
    },
    BuiltinDoc {
        name: "refs",
        signature: "refs(record)",
        doc: "the references a record makes (`.field`, `.target`, `.value`, `.resolved`, `.node`)",
        cost: "one pass over the record's fields",
        example: "refs(m)",
    },
    BuiltinDoc {
        name: "today",
        signature: "today",
        doc: "the run date (a date), set by `--today YYYY-MM-DD` or `today = …` in sunlight.toml; the current date otherwise",
        cost: "constant",
        example: "today - m.date > 30天",
    },
    BuiltinDoc {
        name: "year",
        signature: "year(date)",
        doc: "the year, e.g. year(2014-09-30) is 2014",
        cost: "constant",
        example: "year(m.date) == 2014",
    },
    BuiltinDoc {
        name: "month",
        signature: "month(date)",
        doc: "the month, 1 to 12",
        cost: "constant",
        example: "month(m.date) == 12",
    },
    BuiltinDoc {
        name: "quarter",
        signature: "quarter(date)",
        doc: "the quarter, 1 to 4",
        cost: "constant",
        example: "quarter(m.date) == 4",
    },
    BuiltinDoc {
        name: "round",
        signature: "round(x) or round(x, n)",
        doc: "x rounded to n decimal places (default 0), halves away from zero",
        cost: "constant",
        example: "round(d.amount / 1万, 2)",
    },
    BuiltinDoc {
        name: "percent",
        signature: "percent(x) or percent(x, n)",
        doc: "the share x as text with n decimals (default 1), e.g. percent(1/2) is \"50.0%\"",
        cost: "constant",
        example: "percent(count(m.attendees) / count(m.members))",
    },
    BuiltinDoc {
        name: "calendar",
        signature: "calendar(years, holidays, working_days)",
        doc: "a working-day calendar covering the listed years; days off are Saturdays, Sundays and `holidays`, except the weekend days in `working_days`",
        cost: "once per run when its arguments are parameters (the usual case): one day-by-day table of the listed years",
        example: "calendar(日历年份, 法定节假日, 调休上班日)",
    },
    BuiltinDoc {
        name: "workdays",
        signature: "workdays(from, to, calendar)",
        doc: "how many working days lie between two dates, both included (0 when `to` is before `from`); a year the calendar does not cover is an input error on the record the date comes from",
        cost: "one table lookup per date",
        example: "workdays(m.date, today, 工作日历())",
    },
    BuiltinDoc {
        name: "add_workdays",
        signature: "add_workdays(date, n, calendar)",
        doc: "the n-th working day after date (before it when n is negative; date itself when n is 0); a year the calendar does not cover is an input error on the record the date comes from",
        cost: "one table lookup per date",
        example: "add_workdays(m.date, 20, 工作日历())",
    },
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
            if extends && let Some(&sym) = self.type_syms.get(&st.name.name) {
                self.uses.push((st.name.span, sym));
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
        // Parameters whose value reads other parameters, in declaration
        // order: name, expression, the parameters it reads.
        let mut derived: Vec<(String, &'a Expr, Vec<String>)> = Vec::new();
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
            self.params_read.clear();
            let Some((value, ty)) = self.const_value(&p.value) else {
                continue;
            };
            let reads = std::mem::take(&mut self.params_read);
            if !reads.is_empty() {
                derived.push((p.name.name.clone(), &p.value, reads));
            }
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
                marks: Vec::new(),
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
        self.follow_overrides(derived);
    }

    /// Re-evaluate, in declaration order, each parameter derived from one
    /// that was overridden (directly or through another derived one), so
    /// that `param 倍数 = 基数 * 2` follows `set 基数 = 20万`. A parameter
    /// overridden itself keeps the value it was given.
    fn follow_overrides(&mut self, derived: Vec<(String, &'a Expr, Vec<String>)>) {
        let mut changed: Vec<String> = self
            .params
            .iter()
            .filter(|p| !p.overridden_at.is_empty() || p.overridden_by_file.is_some())
            .map(|p| p.name.clone())
            .collect();
        for (name, expr, reads) in derived {
            let Some(idx) = self.params.iter().position(|p| p.name == name) else {
                continue;
            };
            let overridden = self
                .params
                .get(idx)
                .is_some_and(|p| !p.overridden_at.is_empty() || p.overridden_by_file.is_some());
            if overridden || !reads.iter().any(|r| changed.contains(r)) {
                continue;
            }
            // The declaration's uses were recorded on the first evaluation.
            let uses = self.uses.len();
            let value = self.const_value(expr);
            self.uses.truncate(uses);
            let Some((value, _)) = value else {
                continue;
            };
            let mut shown = String::new();
            value.display(&mut shown);
            let ty = self
                .params
                .get(idx)
                .map_or(String::new(), |p| self.describe(&p.ty));
            if let Some(&sym) = self.param_syms.get(&name)
                && let Some(symbol) = self.symbols.get_mut(sym)
            {
                symbol.detail = format!("param {name} = {shown} ({ty})");
            }
            if let Some(p) = self.params.get_mut(idx) {
                p.value = value;
            }
            changed.push(name);
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

    /// The `decided by` functions of the kinds: each kind's function, with
    /// the number of local slots it needs.
    fn decided_by(&mut self, decls: &[&'a ast::Decl]) -> Vec<Option<(Arg, usize)>> {
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
            ExprKind::Date(d) => (ir(Op::Const(Value::Date(*d))), Ty::Date),
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
            self.params_read.push(p.name.clone());
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
        if id.name == "today" {
            return (ir(Op::Today), Ty::Date);
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
        names.push("today".into());
        if let Some((_, later)) = self
            .rule_lets
            .iter()
            .find(|(n, s)| *n == id.name && s.start > span.start && s.file == span.file)
        {
            let later = *later;
            self.err(
                Diagnostic::error(span, format!("`{}` is used before its `let`", id.name))
                    .with_related(
                        later,
                        format!("`{}` is defined here, later in the rule", id.name),
                    )
                    .with_help(format!(
                        "clauses run from top to bottom: move `let {} = …` above this use",
                        id.name
                    )),
            );
            return (ir(Op::Const(Value::None)), Ty::Any);
        }
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
            Ty::Group(key, members) => match field.name.as_str() {
                "key" => (ir(Op::ObjField(Box::new(b), 0)), (*key).clone()),
                "members" => (ir(Op::ObjField(Box::new(b), 1)), Ty::List(members.clone())),
                _ => {
                    self.err(
                        Diagnostic::error(
                            field.span,
                            format!("a group has no field `{}`", field.name),
                        )
                        .with_help("its fields are key, members"),
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
                        (ObjKind::Group, _) => Ty::Any,
                        (ObjKind::Calendar, 0) => Ty::List(Box::new(Ty::Num)),
                        (ObjKind::Calendar, _) => Ty::List(Box::new(Ty::Date)),
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
                .with_label(format!("{x} {} {y}", op.symbol()))
                .with_help(mismatch_help(op, &lt, &rt, l, r)),
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
            let mut names: Vec<&str> = BUILTINS.iter().map(|b| b.name).collect();
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

    /// Compile an argument that must satisfy `ok`, reporting it otherwise.
    fn typed_arg(
        &mut self,
        name: &ast::Ident,
        e: &Expr,
        what: &str,
        ok: impl Fn(&Ty) -> bool,
    ) -> Typed {
        let (i, t) = self.expr(e);
        if !ok(&t) {
            let found = self.describe(&t);
            let usage = BUILTINS
                .iter()
                .find(|b| b.name == name.name)
                .map_or(String::new(), BuiltinDoc::usage);
            self.err(
                Diagnostic::error(
                    e.span,
                    format!("`{}` takes {what} here, found {found}", name.name),
                )
                .with_help(format!("usage: {usage}")),
            );
        }
        (i, t)
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
                .find(|b| b.name == name.name)
                .map_or(String::new(), BuiltinDoc::usage);
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
    /// Warn about `filter(records(K), x => x.f == y.g)` where `y` is bound
    /// outside: it reads every record of K for each value of `y`, which is
    /// quadratic when `y` ranges over records too. `group` builds the index
    /// once per run and `get` looks a key up.
    fn naive_join(&mut self, span: Span, list: &Expr, pred: &Expr) {
        let ExprKind::Call(f, kind_args) = &list.kind else {
            return;
        };
        let ExprKind::Lambda(param, body) = &pred.kind else {
            return;
        };
        if f.name != "records" || self.locals.is_empty() {
            return;
        }
        let mut conjuncts = vec![body.as_ref()];
        let mut joins: Vec<(&Expr, &Expr)> = Vec::new();
        let mut others = 0;
        while let Some(e) = conjuncts.pop() {
            match &e.kind {
                ExprKind::Binary(BinOp::And, a, b) => {
                    conjuncts.push(b);
                    conjuncts.push(a);
                }
                ExprKind::Binary(BinOp::Eq, a, b) => {
                    let (inner_a, inner_b) = (mentions(a, &param.name), mentions(b, &param.name));
                    let outer = |e: &Expr| {
                        self.locals
                            .iter()
                            .any(|(n, ..)| *n != param.name && mentions(e, n))
                    };
                    match (inner_a, inner_b) {
                        (true, false) if outer(b) => joins.push((a, b)),
                        (false, true) if outer(a) => joins.push((b, a)),
                        _ => others += 1,
                    }
                }
                _ => others += 1,
            }
        }
        if joins.is_empty() {
            return;
        }
        let kind = kind_args.first().and_then(show).unwrap_or_default();
        let keys: Option<Vec<String>> = joins
            .iter()
            .map(|(inner, _)| show(inner).map(|k| format!("{} => {k}", param.name)))
            .collect();
        let values: Option<Vec<String>> = joins.iter().map(|(_, outer)| show(outer)).collect();
        let rewrite = match (keys, values) {
            (Some(k), Some(v)) => format!(
                "`get(group(records({kind}), {}), {})`",
                k.join(", "),
                v.join(", ")
            ),
            _ => format!("`get(group(records({kind}), x => KEY), VALUE)`"),
        };
        let rest = if others > 0 {
            ", then filter that for the other conditions"
        } else {
            ""
        };
        self.warnings.push(
            Diagnostic::warning(
                span,
                format!(
                    "this `filter` reads every `{kind}` record each time it runs: over many records the check slows down with the square of their number"
                ),
            )
            .with_label("a join written as a filter")
            .with_help(format!(
                "index the records once with `group` and look the key up with `get`: {rewrite}{rest}"
            )),
        );
    }

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
                if b == B::Filter {
                    self.naive_join(span, &args[0], &args[1]);
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
            B::Year | B::Month | B::Quarter => {
                if !self.arity(name, args, 1, 1) {
                    return fail;
                }
                let (i, t) = self.typed_arg(name, &args[0], "a date", |t| {
                    matches!(t.strip(), Ty::Date | Ty::Any)
                });
                out.push(Arg::Value(i));
                if t.is_opt() { Ty::Num.opt() } else { Ty::Num }
            }
            B::Round | B::Percent => {
                if !self.arity(name, args, 1, 2) {
                    return fail;
                }
                let mut opt = false;
                for a in args {
                    let (i, t) = self.typed_arg(name, a, "a number", Ty::is_numeric);
                    opt |= t.is_opt();
                    out.push(Arg::Value(i));
                }
                match b {
                    B::Round if opt => Ty::Num.opt(),
                    B::Round => Ty::Num,
                    _ => Ty::Text,
                }
            }
            B::Calendar => {
                if !self.arity(name, args, 3, 3) {
                    return fail;
                }
                let date_list = |t: &Ty| {
                    t.elem()
                        .is_some_and(|e| matches!(e.strip(), Ty::Date | Ty::Any))
                };
                let (i, _) = self.typed_arg(name, &args[0], "a list of years", |t| {
                    t.elem().is_some_and(|e| e.is_numeric())
                });
                out.push(Arg::Value(i));
                for a in &args[1..] {
                    let (i, _) = self.typed_arg(name, a, "a list of dates", date_list);
                    out.push(Arg::Value(i));
                }
                Ty::Obj(ObjKind::Calendar, Box::new(Ty::Any))
            }
            B::Workdays | B::AddWorkdays => {
                if !self.arity(name, args, 3, 3) {
                    return fail;
                }
                let is_date = |t: &Ty| matches!(t.strip(), Ty::Date | Ty::Any);
                let second: (&str, fn(&Ty) -> bool) = if b == B::Workdays {
                    ("a date", |t| matches!(t.strip(), Ty::Date | Ty::Any))
                } else {
                    ("a number", Ty::is_numeric)
                };
                let (a0, t0) = self.typed_arg(name, &args[0], "a date", is_date);
                let (a1, t1) = self.typed_arg(name, &args[1], second.0, second.1);
                let (a2, _) = self.typed_arg(name, &args[2], "a calendar", |t| {
                    matches!(t.strip(), Ty::Obj(ObjKind::Calendar, _) | Ty::Any)
                });
                out.extend([Arg::Value(a0), Arg::Value(a1), Arg::Value(a2)]);
                let ty = if b == B::Workdays { Ty::Num } else { Ty::Date };
                if t0.is_opt() || t1.is_opt() {
                    ty.opt()
                } else {
                    ty
                }
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
        "year" => B::Year,
        "month" => B::Month,
        "quarter" => B::Quarter,
        "round" => B::Round,
        "percent" => B::Percent,
        "calendar" => B::Calendar,
        "workdays" => B::Workdays,
        "add_workdays" => B::AddWorkdays,
        _ => return None,
    })
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
        | Op::ObjField(..)
        | Op::Index(..)
        | Op::Call(..)
        | Op::LookupRef(..)
        | Op::LookupKey(..) => true,
        Op::If(_, a, b) | Op::Binary(BinOp::Default, a, b) => denotes_place(a) && denotes_place(b),
        Op::Let(_, _, body) | Op::Cached(_, body) => denotes_place(body),
        // `none` stands for "no place": the record is used.
        Op::Const(Value::None) => true,
        Op::Const(_)
        | Op::Today
        | Op::KindName(_)
        | Op::List(_)
        | Op::Unary(..)
        | Op::Binary(..)
        | Op::Records(_)
        | Op::AllRecords
        | Op::Rejected(..)
        | Op::Template(_) => false,
    }
}

/// Whether a rule id matches a pattern: an exact id, or a prefix ending in `*`.
pub fn pattern_matches(pattern: &str, id: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => id.starts_with(prefix),
        None => pattern == id,
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

/// An expression written back as source, for names, fields, calls and
/// literals; `None` for other shapes.
fn show(e: &Expr) -> Option<String> {
    Some(match &e.kind {
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
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_function_has_editor_documentation() {
        // Names compiled without the function table, and `today`, a name.
        let special = ["records", "lookup", "rejected", "today"];
        for b in BUILTINS {
            let name = b.name;
            for part in [b.signature, b.doc, b.cost, b.example] {
                assert!(!part.is_empty(), "{name}");
            }
            assert!(
                special.contains(&name) || builtin(name).is_some(),
                "`{name}` is documented but not a function"
            );
        }
        for name in [
            "today",
            "year",
            "month",
            "quarter",
            "round",
            "percent",
            "calendar",
            "workdays",
            "add_workdays",
        ] {
            assert!(
                BUILTINS.iter().any(|b| b.name == name),
                "`{name}` has no hover text"
            );
        }
    }
}
