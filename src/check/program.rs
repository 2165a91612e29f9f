//! A compiled rule set: schema, parameters, chains and rules, ready to run.

use std::fmt;

use super::ir::{Arg, Ir};
use super::types::Ty;
use super::value::Value;
use crate::date::Date;
use crate::model::Severity;
use crate::schema::{KindId, Schema, StructId};
use crate::source::Span;

/// Everything the rule files declare, resolved and type-checked.
#[derive(Debug, Default)]
pub struct Program {
    /// Record formats.
    pub schema: Schema,
    /// Parameters with their final values.
    pub params: Vec<Param>,
    /// Chain templates.
    pub chains: Vec<ChainDef>,
    /// `def`s, for the editor (calls are compiled inline).
    pub defs: Vec<DefInfo>,
    /// Rules, in declaration order.
    pub rules: Vec<Rule>,
    /// The order to evaluate rules in: every rule after those whose findings it asks for.
    pub order: Vec<usize>,
    /// The expression of each per-run cached value, by slot: whole-run
    /// values the rules use (groups of all records …), computed once.
    pub cached: Vec<super::ir::Ir>,
    /// The run date that `today` reads (the current date unless a run sets it).
    pub today: crate::date::Date,
    /// Per kind, the `decided by` function giving a record's decision
    /// date, with the local slots it needs.
    pub decided_by: Vec<Option<(super::ir::Arg, usize)>>,
    /// The period this program holds for: everything unless rules or
    /// parameter values are dated.
    pub period: Period,
    /// The programs of the earlier periods, when rules or parameter values
    /// are dated (this program is the latest period's).
    pub versions: Vec<Program>,
    /// Names of rule families (`family CODE "名称"`).
    pub families: Vec<crate::report::Family>,
    /// Statistics tables for reports.
    pub statistics: Vec<Statistics>,
}

/// A compiled `statistics` declaration.
#[derive(Debug, Clone)]
pub struct Statistics {
    /// The title.
    pub title: String,
    /// The kind whose records it counts.
    pub kind: KindId,
    /// The unit of a record.
    pub by: super::ir::Arg,
    /// The slot holding one unit's records.
    pub slot: usize,
    /// `let`s and columns, in order: a column is `(index, value)`.
    pub steps: Vec<StatStep>,
    /// The columns.
    pub columns: Vec<crate::report::Column>,
    /// Number of local slots.
    pub locals: usize,
}

/// A clause of a compiled `statistics`.
#[derive(Debug, Clone)]
pub enum StatStep {
    /// Bind a value to a slot.
    Let(usize, Ir),
    /// The value of the column with this index.
    Column(usize, Ir),
}

impl Program {
    /// The rule with an id.
    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// Set the run date `today` reads, in the program of every period.
    pub fn set_today(&mut self, today: crate::date::Date) {
        self.today = today;
        for v in &mut self.versions {
            v.set_today(today);
        }
    }

    /// Rewrite every compiled expression into its cheaper equal form
    /// ([`Ir::simplify`]): the last step of compiling.
    pub(in crate::check) fn simplify(&mut self) {
        fn arg(a: &mut Arg) {
            match a {
                Arg::Value(ir) | Arg::Lambda(_, ir) => ir.simplify(),
            }
        }
        for ir in &mut self.cached {
            ir.simplify();
        }
        for (f, _) in self.decided_by.iter_mut().flatten() {
            arg(f);
        }
        for rule in &mut self.rules {
            for b in &mut rule.bindings {
                match &mut b.source {
                    ScopeSource::Expr(ir) => ir.simplify(),
                    ScopeSource::Groups { list, keys } => {
                        list.simplify();
                        keys.iter_mut().for_each(arg);
                    }
                    ScopeSource::Kind(_) | ScopeSource::All => {}
                }
            }
            for step in &mut rule.steps {
                match step {
                    Step::Where(ir) | Step::Let(_, ir) | Step::Require(ir) => ir.simplify(),
                }
            }
            for ir in [&mut rule.at, &mut rule.message, &mut rule.help]
                .into_iter()
                .flatten()
            {
                ir.simplify();
            }
            for (ir, note) in &mut rule.related {
                ir.simplify();
                note.simplify();
            }
        }
        for st in &mut self.statistics {
            arg(&mut st.by);
            for step in &mut st.steps {
                match step {
                    StatStep::Let(_, ir) | StatStep::Column(_, ir) => ir.simplify(),
                }
            }
        }
    }

    /// The program of every period, earliest first; just this one when
    /// nothing is dated.
    pub fn periods(&self) -> Vec<&Program> {
        self.versions.iter().chain(std::iter::once(self)).collect()
    }

    /// Every version of a rule across the periods, earliest first, each once.
    pub fn rule_versions(&self, id: &str) -> Vec<&Rule> {
        let mut out: Vec<&Rule> = Vec::new();
        for p in self.periods() {
            for r in p.rules.iter().filter(|r| r.id == id) {
                if !out.iter().any(|o| o.span == r.span) {
                    out.push(r);
                }
            }
        }
        out
    }
}

/// A parameter.
#[derive(Debug, Clone)]
pub struct Param {
    /// Its name.
    pub name: String,
    /// Its value after every override.
    pub value: Value<'static>,
    /// Its type.
    pub ty: Ty,
    /// Where it is declared (the name).
    pub span: Span,
    /// Doc comment.
    pub doc: Option<String>,
    /// Where it was overridden (`set`), last one last.
    pub overridden_at: Vec<Span>,
    /// Report marks (`@surnames`), without the `@`.
    pub marks: Vec<String>,
    /// Overridden by a parameter file: its name.
    pub overridden_by_file: Option<String>,
}

/// A `def`.
#[derive(Debug, Clone)]
pub struct DefInfo {
    /// Its name.
    pub name: String,
    /// Parameter names.
    pub params: Vec<String>,
    /// Where its name is declared.
    pub span: Span,
    /// Doc comment.
    pub doc: Option<String>,
}

/// A chain template.
#[derive(Debug, Clone)]
pub struct ChainDef {
    /// Its name.
    pub name: String,
    /// The kind whose list it checks.
    pub kind: KindId,
    /// The struct of the steps.
    pub step_struct: StructId,
    /// Slot of the field naming a step.
    pub name_slot: usize,
    /// Slot of the step's date.
    pub date_slot: usize,
    /// Slot of who performed it (text or list of text).
    pub actor_slot: Option<usize>,
    /// Step names in order.
    pub order: Vec<String>,
    /// Whether each step of `order` is required.
    pub required: Vec<bool>,
    /// Steps that must have different actors.
    pub distinct: Vec<String>,
    /// Where declared.
    pub span: Span,
    /// Doc comment.
    pub doc: Option<String>,
}

/// What a `for` binding ranges over.
#[derive(Debug, Clone)]
pub enum ScopeSource {
    /// Every checked record of a kind.
    Kind(KindId),
    /// Every checked record.
    All,
    /// A list computed from earlier bindings.
    Expr(Ir),
    /// `for g in group(list, x => key, …)` as the first binding: each group
    /// of the list's elements by key, as a value with `key` and `members`.
    /// A finding's record is the record of its anchor.
    Groups {
        /// The elements to group (reads records, no local variables).
        list: Ir,
        /// The key functions.
        keys: Vec<super::ir::Arg>,
    },
}

/// One `for` binding.
#[derive(Debug, Clone)]
pub struct ScopeBinding {
    /// The variable's slot.
    pub slot: usize,
    /// What it ranges over.
    pub source: ScopeSource,
}

/// A clause evaluated for each scope element, in order.
#[derive(Debug, Clone)]
pub enum Step {
    /// Skip elements where false.
    Where(Ir),
    /// Bind a value.
    Let(usize, Ir),
    /// Fire where false.
    Require(Ir),
}

/// A compiled rule.
#[derive(Debug, Clone)]
pub struct Rule {
    /// `SZYD-002`.
    pub id: String,
    /// Title.
    pub title: String,
    /// Error or warning.
    pub severity: Severity,
    /// `card red|yellow`.
    pub card: Option<crate::report::Card>,
    /// The clause it enforces.
    pub cite: String,
    /// Doc comment.
    pub doc: Option<String>,
    /// The whole declaration.
    pub span: Span,
    /// The id as written.
    pub id_span: Span,
    /// Its scope.
    pub bindings: Vec<ScopeBinding>,
    /// `where`, `let` and `require` in order.
    pub steps: Vec<Step>,
    /// Whether the rule has a `require` (without one it fires on every
    /// element that passes its `where`s).
    pub has_require: bool,
    /// The anchor.
    pub at: Option<Ir>,
    /// The message template.
    pub message: Option<Ir>,
    /// The help template.
    pub help: Option<Ir>,
    /// The help line as a description of the rule shows it: whole-run
    /// values filled in, values of the record as `‹expr›`.
    pub help_text: String,
    /// Related locations with their notes.
    pub related: Vec<(Ir, Ir)>,
    /// Number of local slots.
    pub locals: usize,
    /// Rules whose findings this one asks for.
    pub deps: Vec<usize>,
    /// When this version of the rule is in force (`None`: always).
    pub version: Option<Period>,
}

/// Whether a rule id matches a pattern: an exact id, or a prefix ending in `*`.
pub fn pattern_matches(pattern: &str, id: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => id.starts_with(prefix),
        None => pattern == id,
    }
}

/// A span of days, both ends included; an open end is unbounded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Period {
    /// The first day, if bounded.
    pub from: Option<Date>,
    /// The last day, if bounded.
    pub until: Option<Date>,
}

impl Period {
    /// Whether the day lies in the period.
    pub fn contains(&self, d: Date) -> bool {
        self.from.is_none_or(|f| f <= d) && self.until.is_none_or(|u| d <= u)
    }

    /// Whether two periods share a day.
    pub fn overlaps(&self, other: &Period) -> bool {
        let start = match (self.from, other.from) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        let end = match (self.until, other.until) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        match (start, end) {
            (Some(s), Some(e)) => s <= e,
            _ => true,
        }
    }

    /// The days both periods share, if any.
    pub(super) fn intersect(&self, other: &Period) -> Option<Period> {
        let p = Period {
            from: match (self.from, other.from) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            },
            until: match (self.until, other.until) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            },
        };
        match (p.from, p.until) {
            (Some(f), Some(u)) if u < f => None,
            _ => Some(p),
        }
    }

    /// Whether the period is unbounded at both ends.
    pub fn is_always(&self) -> bool {
        self.from.is_none() && self.until.is_none()
    }
}

/// `2015-01-01..`, `..2014-12-31`, `2015-01-01..2016-12-31`, `..`.
impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(d) = self.from {
            write!(f, "{d}")?;
        }
        f.write_str("..")?;
        if let Some(d) = self.until {
            write!(f, "{d}")?;
        }
        Ok(())
    }
}
