//! Declarations that serve the reports rather than the check: rule family
//! names, `card`s, marks on parameters and `statistics` tables.

use std::collections::HashMap;

use super::{Compiler, pattern_matches};
use crate::check::program::{StatStep, Statistics};
use crate::check::types::Ty;
use crate::check::value::Value;
use crate::diag::Diagnostic;
use crate::report::{Card, Column, Family};
use crate::source::Span;
use crate::syntax::ast::{self, DeclKind, StatItem};

/// Marks a parameter may carry, with what they say.
const PARAM_MARKS: &[(&str, &str)] = &[(
    "surnames",
    "compound surnames that `--public` keeps whole (a list of text)",
)];

impl Compiler<'_> {
    /// `card red` or `card yellow`.
    pub(super) fn card(&mut self, c: &ast::Ident) -> Option<Card> {
        match c.name.as_str() {
            "red" => Some(Card::Red),
            "yellow" => Some(Card::Yellow),
            other => {
                self.err(
                    Diagnostic::error(c.span, format!("unknown card `{other}`"))
                        .with_help("write `card red` (超期督办) or `card yellow` (限期办件警示)"),
                );
                None
            }
        }
    }

    /// The marks of every declared parameter (`param 复姓 @surnames = …`).
    pub(super) fn param_marks(&mut self, decls: &[&ast::Decl]) {
        for decl in decls {
            let DeclKind::Param(p) = &decl.kind else {
                continue;
            };
            for mark in &p.marks {
                if p.is_override {
                    self.err(
                        Diagnostic::error(
                            mark.span,
                            format!("`set` takes no mark, found `@{}`", mark.name),
                        )
                        .with_help(format!(
                            "a mark belongs to the declaration `param {}`",
                            p.name.name
                        )),
                    );
                    continue;
                }
                if !PARAM_MARKS.iter().any(|(m, _)| *m == mark.name) {
                    let known: Vec<String> = PARAM_MARKS
                        .iter()
                        .map(|(m, d)| format!("`@{m}`: {d}"))
                        .collect();
                    self.err(
                        Diagnostic::error(
                            mark.span,
                            format!("unknown parameter mark `@{}`", mark.name),
                        )
                        .with_help(format!("a parameter's marks are {}", known.join("; "))),
                    );
                    continue;
                }
                let Some(param) = self.params.iter_mut().find(|x| x.name == p.name.name) else {
                    continue;
                };
                let texts = matches!(&param.ty, Ty::List(t) if matches!(t.strip(), Ty::Text | Ty::Nothing | Ty::Any))
                    || matches!(&param.value, Value::List(l) if l.is_empty());
                if !texts {
                    let found = param.ty.clone();
                    let found = self.describe(&found);
                    self.err(
                        Diagnostic::error(
                            p.value.span,
                            format!("`@{}` marks a list of text, found {found}", mark.name),
                        )
                        .with_help("write e.g. `[\"欧阳\", \"司马\"]`"),
                    );
                    continue;
                }
                if !param.marks.contains(&mark.name) {
                    param.marks.push(mark.name.clone());
                }
            }
        }
    }

    /// `family CODE "名称"` declarations, each code once.
    pub(super) fn families(&mut self, decls: &[&ast::Decl]) -> Vec<Family> {
        let mut out: Vec<Family> = Vec::new();
        let mut first: HashMap<String, Span> = HashMap::new();
        for decl in decls {
            let DeclKind::Family(f) = &decl.kind else {
                continue;
            };
            let name = self.plain(&f.name, "family name");
            if let Some(&at) = first.get(&f.code.name) {
                self.err(
                    Diagnostic::error(
                        f.code.span,
                        format!("family `{}` is named twice", f.code.name),
                    )
                    .with_related(at, "first named here")
                    .with_help("keep one `family` declaration per id prefix"),
                );
                continue;
            }
            if f.code.name.contains('-') || name.trim().is_empty() {
                self.err(
                    Diagnostic::error(f.code.span, format!("`family {}` needs a prefix without `-` and a name", f.code.name))
                        .with_help("write e.g. `family SZYD \"三重一大\"` for the rules `SZYD-001`, `SZYD-002` …"),
                );
                continue;
            }
            first.insert(f.code.name.clone(), f.code.span);
            out.push(Family {
                code: f.code.name.clone(),
                name,
            });
        }
        out
    }

    /// Compile every `statistics` declaration. `rule_ids` are the rules
    /// declared (switched off or not), for checking `findings` patterns.
    pub(super) fn statistics(
        &mut self,
        decls: &[&ast::Decl],
        rule_ids: &HashMap<String, Span>,
    ) -> Vec<Statistics> {
        let mut out = Vec::new();
        for decl in decls {
            let DeclKind::Statistics(s) = &decl.kind else {
                continue;
            };
            self.finding_queries.clear();
            let table = self.statistic(s);
            for (pattern, span) in std::mem::take(&mut self.finding_queries) {
                if !rule_ids.keys().any(|id| pattern_matches(&pattern, id)) {
                    self.err(
                        Diagnostic::error(span, format!("no rule matches `{pattern}`")).with_help(
                            "a pattern is a rule id, or a prefix followed by `*` such as `XZSP-*`",
                        ),
                    );
                }
            }
            out.extend(table);
        }
        out
    }

    fn statistic(&mut self, s: &ast::StatisticsDecl) -> Option<Statistics> {
        self.expansions = 0;
        self.locals.clear();
        self.next_slot = 0;
        self.rule_lets.clear();
        let before = self.errors.len();
        let title = self.plain(&s.title, "statistics title");
        if let Some(&sym) = self.index.type_syms.get(&s.kind.name) {
            self.index.uses.push((s.kind.span, sym));
        }
        let Some(kind) = self.schema.kind(&s.kind.name) else {
            let kinds: Vec<String> = self
                .schema
                .kinds
                .iter()
                .map(|k| format!("`{}`", k.name))
                .collect();
            self.err(
                Diagnostic::error(
                    s.kind.span,
                    format!("unknown record kind `{}`", s.kind.name),
                )
                .with_help(format!("the kinds are {}", kinds.join(", "))),
            );
            return None;
        };
        let root = self.schema.kinds.get(kind).map_or(0, |k| k.root);
        let record = Ty::Struct(root, Some(kind));
        let (by, key) = self.lambda(&s.by, record.clone());
        if !matches!(
            key.strip(),
            Ty::Text | Ty::Ref(_) | Ty::Enum(_) | Ty::Nothing | Ty::Any
        ) {
            let found = self.describe(&key);
            self.err(
                Diagnostic::error(
                    s.by.span,
                    format!("the unit of a record is text or a reference, found {found}"),
                )
                .with_help("give a function of one record naming its unit, e.g. `a => a.org`"),
            );
        }
        let slot = self.new_slot();
        self.push_local(&s.var, slot, Ty::List(Box::new(record)));
        let mut steps = Vec::new();
        let mut columns: Vec<Column> = Vec::new();
        for item in &s.items {
            match item {
                StatItem::Let(name, e) => {
                    let (ir, ty) = self.expr(e);
                    let slot = self.new_slot();
                    self.push_local(name, slot, ty);
                    steps.push(StatStep::Let(slot, ir));
                }
                StatItem::Column(c) => {
                    let name = self.plain(&c.name, "column name");
                    if columns.iter().any(|o| o.name == name) {
                        self.err(
                            Diagnostic::error(
                                c.name.span,
                                format!("column `{name}` is declared twice"),
                            )
                            .with_help("give every column of a table its own name"),
                        );
                    }
                    let (ir, ty) = self.expr(&c.value);
                    if !matches!(ty.strip(), Ty::Num | Ty::Nothing | Ty::Any) {
                        let found = self.describe(&ty);
                        self.err(
                            Diagnostic::error(
                                c.value.span,
                                format!("a column's value is a number, found {found}"),
                            )
                            .with_help(
                                "count or compute a number for the unit, e.g. `count(办件)`",
                            ),
                        );
                    }
                    let target = match &c.target {
                        None => None,
                        Some(t) => match self.const_value(t) {
                            Some((v, _)) => match v.as_num() {
                                Some(n) => Some(n),
                                None => {
                                    self.err(
                                        Diagnostic::error(t.span, "a column's target is a number")
                                            .with_help("write a number or a parameter holding one, e.g. `target 95%`"),
                                    );
                                    None
                                }
                            },
                            None => None,
                        },
                    };
                    steps.push(StatStep::Column(columns.len(), ir));
                    columns.push(Column {
                        name,
                        percent: c.percent,
                        target,
                    });
                }
            }
        }
        if columns.is_empty() {
            self.err(
                Diagnostic::error(s.title.span, format!("statistics `{title}` has no column"))
                    .with_help("add e.g. `column \"件数\" = count(...)`"),
            );
        }
        if self.errors.len() > before {
            return None;
        }
        Some(Statistics {
            title,
            kind,
            by,
            slot,
            steps,
            columns,
            locals: self.next_slot,
        })
    }
}
