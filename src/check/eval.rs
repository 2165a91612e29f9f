//! Evaluation: run compiled rules over the records of one run.
//!
//! Every loop in the language runs over a finite list and there is no
//! recursion, so evaluation always ends.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, LazyLock, OnceLock};

use rayon::prelude::*;

use super::compile::pattern_matches;
use super::ir::{Arg, Builtin, Ir, Op, TemplatePiece};
use super::program::{ChainDef, Program, Rule, ScopeSource, Step};
use super::refs::{RefSite, Resolution, Target};
use super::types::ObjKind;
use super::value::{Key, Value, compare, equal};
use crate::diag::Diagnostic;
use crate::num::Num;
use crate::records::Record;
use crate::schema::{Data, Datum, KindId, Schema};
use crate::source::Span;
use crate::syntax::ast::{BinOp, UnOp};

/// The longest text or list an expression may build: rules that double a
/// value in a chain of `let`s or `def`s stop here instead of exhausting
/// memory.
pub const MAX_VALUE_LEN: usize = 1 << 20;

/// What an id names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdEntry {
    /// A checked record (index into [`Store::records`]).
    Checked(u32),
    /// A record that exists but was rejected for input errors.
    Rejected,
}

/// The records of one run, indexed by kind and id.
#[derive(Debug, Default)]
pub struct Store<'a> {
    /// Checked records in path order.
    pub records: Vec<&'a Record>,
    /// Record indexes per kind, ordered by id.
    pub by_kind: Vec<Vec<u32>>,
    /// Ids of checked and rejected records. The first record with an id wins.
    pub ids: HashMap<(KindId, &'a str), IdEntry>,
    /// Every record index, in order.
    all: Vec<u32>,
}

impl<'a> Store<'a> {
    /// Index checked records, and the ids of rejected ones.
    pub fn new(
        records: Vec<&'a Record>,
        rejected: impl IntoIterator<Item = (KindId, &'a str)>,
        kinds: usize,
    ) -> Store<'a> {
        let mut by_kind = vec![Vec::new(); kinds];
        let mut ids = HashMap::with_capacity(records.len());
        for (i, r) in records.iter().enumerate() {
            let i = u32::try_from(i).unwrap_or(u32::MAX);
            if let Some(list) = by_kind.get_mut(r.kind) {
                list.push(i);
            }
            ids.entry((r.kind, r.id.as_str()))
                .or_insert(IdEntry::Checked(i));
        }
        // Rules see the records of a kind ordered by id, so that what they
        // list does not depend on how the files were named; the sort is
        // stable, so records sharing an id stay in path order.
        for list in &mut by_kind {
            list.sort_by(|&a, &b| {
                let id = |r: u32| records.get(r as usize).map(|r| r.id.as_str());
                id(a).cmp(&id(b))
            });
        }
        for (kind, id) in rejected {
            ids.entry((kind, id)).or_insert(IdEntry::Rejected);
        }
        let all = (0..records.len())
            .map(|r| u32::try_from(r).unwrap_or(u32::MAX))
            .collect();
        Store {
            records,
            by_kind,
            ids,
            all,
        }
    }

    /// The records a rule's first binding ranges over.
    fn scope_of(&self, rule: &Rule) -> &[u32] {
        match rule.bindings.first().map(|b| &b.source) {
            Some(ScopeSource::Kind(k)) => self.by_kind.get(*k).map_or(&[], Vec::as_slice),
            Some(ScopeSource::All) => &self.all,
            // The compiler makes every rule's first binding range over
            // records; a group scope runs whole (`Ev::group_rule`).
            Some(ScopeSource::Expr(_) | ScopeSource::Groups { .. }) | None => &[],
        }
    }

    fn root(&self, rec: u32) -> Option<Value<'a>> {
        self.records
            .get(rec as usize)
            .map(|r| Value::Node(&r.root, rec))
    }
}

/// One rule firing.
#[derive(Debug, Clone)]
pub struct Fired<'a> {
    /// Index of the rule in [`Program::rules`].
    pub rule: usize,
    /// Index of the record in [`Store::records`].
    pub record: u32,
    /// The scope element it fired on (for `findings` queries).
    pub subject: Span,
    /// The anchor datum and the index of its record, where the anchor is
    /// record data.
    pub anchor: Option<(&'a Datum, u32)>,
    /// The anchor's span.
    pub span: Span,
    /// The message.
    pub message: String,
    /// The help line.
    pub help: String,
    /// Related locations.
    pub related: Vec<(Span, String)>,
}

/// A run-time error in a rule, or (with `reject`) a problem of the input
/// that the rule met: a date outside the working-day calendar.
#[derive(Debug)]
struct Fault {
    span: Span,
    message: String,
    /// The record to reject, with the help line, when the input is at fault.
    reject: Option<(u32, String)>,
}

type R<'a> = Result<Value<'a>, Fault>;

/// Stands for "the record of the anchor" while a group scope runs, and
/// marks a group rule as run in `done`.
const GROUP_RECORD: u32 = u32::MAX;

fn fault<T>(span: Span, message: impl Into<String>) -> Result<T, Fault> {
    Err(Fault {
        span,
        message: message.into(),
        reject: None,
    })
}

/// A record that evaluation found to be bad input: it is rejected, and the
/// run is repeated without it.
#[derive(Debug, Clone)]
pub struct Rejection {
    /// Index of the record in [`Store::records`].
    pub record: u32,
    /// The input error, at the value at fault.
    pub error: Diagnostic,
}

/// Run every rule in dependency order.
///
/// With a `focus`, rules run only on the records in it; a rule whose
/// findings another rule asks for still runs, on demand, on the records
/// asked about. The editor focuses on the records of open files; that
/// evaluation stays on one thread.
///
/// Without a focus, rules run in waves: a rule's wave comes after the waves
/// of the rules whose findings it asks for. Within a wave every rule's
/// records are cut into chunks evaluated in parallel (on the current rayon
/// pool); the findings are merged back in rule order, chunk by chunk, so
/// the result is the same for every number of threads.
pub fn run<'a>(
    program: &'a Program,
    store: &'a Store<'a>,
    focus: Option<&'a HashSet<u32>>,
) -> (Vec<Fired<'a>>, Vec<Diagnostic>, Vec<Rejection>) {
    let cache: Vec<OnceLock<Value<'a>>> =
        (0..program.cache_slots).map(|_| OnceLock::new()).collect();
    if focus.is_some() {
        let none = HashMap::new();
        let mut ev = Ev::new(
            Some(program),
            &program.schema,
            store,
            &cache,
            (&[], &none),
            focus,
        );
        for &ri in &program.order {
            if let Some(rule) = program.rules.get(ri) {
                ev.rule(ri, rule);
            }
        }
        return (ev.fired, ev.errors, ev.rejections);
    }
    let mut fired: Vec<Fired<'a>> = Vec::new();
    let mut by_record: HashMap<u32, Vec<usize>> = HashMap::new();
    let mut errors = Vec::new();
    let mut rejections: Vec<Rejection> = Vec::new();
    for wave in waves(program) {
        // (rule, its records, whether the rule runs whole: a group scope
        // is one task, since its groups span records).
        let tasks: Vec<(usize, &'a Rule, &'a [u32], bool)> = wave
            .iter()
            .filter_map(|&ri| Some((ri, program.rules.get(ri)?)))
            .flat_map(|(ri, rule)| {
                let grouped = matches!(
                    rule.bindings.first().map(|b| &b.source),
                    Some(ScopeSource::Groups { .. })
                );
                let records = store.scope_of(rule);
                let chunk = records.len().div_ceil(CHUNKS_PER_RULE).max(MIN_CHUNK);
                let mut tasks: Vec<(usize, &'a Rule, &'a [u32], bool)> = records
                    .chunks(chunk)
                    .map(|c| (ri, rule, c, false))
                    .collect();
                if grouped {
                    tasks.push((ri, rule, &[], true));
                }
                tasks
            })
            .collect();
        let prior = (fired.as_slice(), &by_record);
        type Done<'a> = (usize, Vec<Fired<'a>>, Vec<Diagnostic>, Vec<Rejection>);
        let results: Vec<Done<'a>> = tasks
            .into_par_iter()
            .map(|(ri, rule, records, whole)| {
                let mut ev = Ev::new(Some(program), &program.schema, store, &cache, prior, None);
                if whole {
                    ev.rule(ri, rule);
                } else {
                    for &rec in records {
                        ev.rule_on(ri, rule, rec);
                    }
                }
                (ri, ev.fired, ev.errors, ev.rejections)
            })
            .collect();
        // A rule that fails is reported once, at its first failing record.
        let mut faulted = HashSet::new();
        for (ri, f, e, r) in results {
            for one in f {
                by_record.entry(one.record).or_default().push(fired.len());
                fired.push(one);
            }
            if !e.is_empty() && faulted.insert(ri) {
                errors.extend(e.into_iter().take(1));
            }
            for one in r {
                if !rejections.iter().any(|o| o.record == one.record) {
                    rejections.push(one);
                }
            }
        }
    }
    (fired, errors, rejections)
}

/// Chunks a rule's records are cut into, so that two or more threads share
/// the work of one large rule.
const CHUNKS_PER_RULE: usize = 16;

/// The fewest records worth a task of their own.
const MIN_CHUNK: usize = 256;

/// The rules of `program.order` in waves: every rule in a later wave than
/// the rules whose findings it asks for; in each wave in `order`.
fn waves(program: &Program) -> Vec<Vec<usize>> {
    let mut wave_of: HashMap<usize, usize> = HashMap::new();
    let mut waves: Vec<Vec<usize>> = Vec::new();
    for &ri in &program.order {
        let w = program.rules.get(ri).map_or(0, |r| {
            r.deps
                .iter()
                .filter_map(|d| wave_of.get(d))
                .map(|w| w + 1)
                .max()
                .unwrap_or(0)
        });
        wave_of.insert(ri, w);
        if waves.len() <= w {
            waves.resize_with(w + 1, Vec::new);
        }
        if let Some(list) = waves.get_mut(w) {
            list.push(ri);
        }
    }
    waves
}

/// The decision date of every record (by index in the store), by its
/// kind's `decided by`; `None` where the kind declares none or the record
/// has no such date.
pub fn decision_dates(program: &Program, store: &Store<'_>) -> Vec<Option<crate::date::Date>> {
    let cache: Vec<OnceLock<Value<'_>>> =
        (0..program.cache_slots).map(|_| OnceLock::new()).collect();
    let none = HashMap::new();
    let mut ev = Ev::new(
        Some(program),
        &program.schema,
        store,
        &cache,
        (&[], &none),
        None,
    );
    let mut out = Vec::with_capacity(store.records.len());
    for (i, r) in store.records.iter().enumerate() {
        let rec = u32::try_from(i).unwrap_or(u32::MAX);
        let date = match (program.decided_by.get(r.kind), store.root(rec)) {
            (Some(Some((f, locals))), Some(root)) => {
                let mut frame = vec![Value::None; *locals];
                match ev.apply(f, root, &mut frame).map(|v| v.force()) {
                    Ok(Value::Date(d)) => Some(d),
                    _ => None,
                }
            }
            _ => None,
        };
        out.push(date);
    }
    out
}

static EMPTY_STORE: LazyLock<Store<'static>> = LazyLock::new(Store::default);
static EMPTY_SCHEMA: LazyLock<Schema> = LazyLock::new(Schema::default);
static NO_FINDINGS: LazyLock<HashMap<u32, Vec<usize>>> = LazyLock::new(HashMap::new);

/// Evaluate a constant expression (a parameter's value).
pub fn eval_const(ir: &Ir) -> Result<Value<'static>, Diagnostic> {
    let mut ev = Ev::new(
        None,
        &EMPTY_SCHEMA,
        &EMPTY_STORE,
        &[],
        (&[], &NO_FINDINGS),
        None,
    );
    let mut frame = Vec::new();
    ev.eval(ir, &mut frame)
        .map_err(|f| Diagnostic::error(f.span, f.message))
}

struct Ev<'a, 'p> {
    program: Option<&'a Program>,
    schema: &'a Schema,
    store: &'a Store<'a>,
    /// Values of expressions that depend on no record, shared by all threads.
    cache: &'p [OnceLock<Value<'a>>],
    /// Findings of the earlier waves.
    prior: &'p [Fired<'a>],
    /// Indexes into `prior` by record.
    prior_by_record: &'p HashMap<u32, Vec<usize>>,
    fired: Vec<Fired<'a>>,
    by_record: HashMap<u32, Vec<usize>>,
    errors: Vec<Diagnostic>,
    /// The records rules run on (all when `None`).
    focus: Option<&'a HashSet<u32>>,
    /// (rule, record) pairs already evaluated.
    done: HashSet<(usize, u32)>,
    /// Rules that met a run-time error (reported once).
    faulted: HashSet<usize>,
    /// The record the running rule's scope starts from.
    current: Option<u32>,
    /// The run date (none for parameter values).
    today: Option<crate::date::Date>,
    /// Records found to be bad input, each once.
    rejections: Vec<Rejection>,
    /// Results of aggregates over shared lists.
    memo: Memo<'a>,
}

/// Results of `windows`, `sum` and `sort` over a list that many evaluations share
/// (a group from `get`, a window), so that a rule over every member of a
/// group of n costs about n, not n² or n³. A result is kept only when the
/// call's other arguments are pure (see [`Ir::is_pure_in`]): then it
/// depends on the list alone. Lists are known by their allocation, which
/// the memo keeps alive so that it cannot be reused.
#[derive(Default)]
struct Memo<'a> {
    /// Call site → whether its arguments after the list are pure.
    pure: HashMap<usize, bool>,
    /// (call site, list) → the list and the result (of `sum`, `sort`).
    sums: HashMap<(usize, usize), (Value<'a>, Value<'a>)>,
    /// (call site, list) → its windows.
    windows: HashMap<(usize, usize), Arc<Windows<'a>>>,
    /// List → the list and the keys of its elements.
    keys: HashMap<usize, (Value<'a>, HashSet<Key>)>,
    /// Elements of the lists held above.
    held: usize,
}

impl Memo<'_> {
    /// Make room for remembering a result over a list of `len` elements:
    /// lists built afresh for each record (a running total's prefix) would
    /// otherwise be held until the end, so past a bound everything is
    /// forgotten and recomputed when asked again.
    fn room(&mut self, len: usize) {
        self.held += len;
        if self.held > MEMO_MAX_HELD {
            self.sums.clear();
            self.windows.clear();
            self.keys.clear();
            self.held = len;
        }
    }
}

/// The most list elements the memo holds at once.
const MEMO_MAX_HELD: usize = 1 << 22;

/// The windows of one list.
struct Windows<'a> {
    /// The list they were made of.
    _list: Value<'a>,
    /// Each window's first date (day number), ascending.
    starts: Vec<i64>,
    /// Each window, a list.
    windows: Vec<Value<'a>>,
    /// The date of every dated element of the list, by key.
    dates: HashMap<Key, i64>,
}

/// Shorter lists are summed again rather than remembered.
const MEMO_MIN_LEN: usize = 16;

/// Related locations listed per finding; the rest are counted.
pub const MAX_RELATED: usize = 20;

impl<'a, 'p> Ev<'a, 'p> {
    fn new(
        program: Option<&'a Program>,
        schema: &'a Schema,
        store: &'a Store<'a>,
        cache: &'p [OnceLock<Value<'a>>],
        prior: (&'p [Fired<'a>], &'p HashMap<u32, Vec<usize>>),
        focus: Option<&'a HashSet<u32>>,
    ) -> Ev<'a, 'p> {
        Ev {
            program,
            schema,
            store,
            cache,
            prior: prior.0,
            prior_by_record: prior.1,
            fired: Vec::new(),
            by_record: HashMap::new(),
            errors: Vec::new(),
            focus,
            done: HashSet::new(),
            faulted: HashSet::new(),
            current: None,
            today: program.map(|p| p.today),
            rejections: Vec::new(),
            memo: Memo::default(),
        }
    }

    fn rule(&mut self, ri: usize, rule: &'a Rule) {
        if let Some(ScopeSource::Groups { list, keys }) = rule.bindings.first().map(|b| &b.source) {
            self.group_rule(ri, rule, list, keys);
            return;
        }
        for &rec in self.store.scope_of(rule) {
            if self.focus.is_none_or(|f| f.contains(&rec)) {
                self.rule_on(ri, rule, rec);
            }
        }
    }

    /// Run a rule with its first binding on one record (once).
    fn rule_on(&mut self, ri: usize, rule: &'a Rule, rec: u32) {
        // Only a focused evaluation runs rules on demand and so may come
        // back to a record; elsewhere each rule meets each record once.
        if self.focus.is_some() && !self.done.insert((ri, rec)) {
            return;
        }
        let Some(first) = rule.bindings.first() else {
            return;
        };
        if let ScopeSource::Groups { list, keys } = &first.source {
            self.group_rule(ri, rule, list, keys);
            return;
        }
        let Some(record) = self.store.records.get(rec as usize) else {
            return;
        };
        if let ScopeSource::Kind(k) = first.source
            && record.kind != k
        {
            return;
        }
        let mut frame = vec![Value::None; rule.locals];
        if let Some(slot) = frame.get_mut(first.slot) {
            *slot = Value::Node(&record.root, rec);
        }
        let outer = self.current.replace(rec);
        let result = self.scope(ri, rule, 1, &mut frame, Some(rec), Some(record.root.span));
        self.current = outer;
        if self.rejected(&result) {
            return;
        }
        if let Err(f) = result
            && self.faulted.insert(ri)
        {
            // Name the record too: its data is usually what made the
            // expression fail (a team with no members, a far-off date).
            let id_span = match &record.root.data {
                crate::schema::Data::Struct(_, fields) => fields.first().map(|d| d.span),
                _ => None,
            }
            .unwrap_or(record.root.span);
            let kind = self
                .schema
                .kinds
                .get(record.kind)
                .map_or("record", |k| k.name.as_str());
            self.errors.push(
                Diagnostic::error(
                    f.span,
                    format!(
                        "rule `{}` could not be evaluated on {kind} `{}`: {}",
                        rule.id, record.id, f.message
                    ),
                )
                .with_related(id_span, format!("the {kind} `{}` it was evaluated on", record.id))
                .with_help(
                    "guard the expression against such records (e.g. `where count(…) > 0` before dividing), or correct the record",
                ),
            );
        }
    }

    /// Whether a rule's run ended on a record found to be bad input; that
    /// record is then rejected (once), instead of reporting a rule error.
    fn rejected(&mut self, result: &Result<(), Fault>) -> bool {
        let Err(Fault {
            span,
            message,
            reject: Some((bad, help)),
        }) = result
        else {
            return false;
        };
        if !self.rejections.iter().any(|r| r.record == *bad) {
            self.rejections.push(Rejection {
                record: *bad,
                error: Diagnostic::error(*span, message.clone()).with_help(help.clone()),
            });
        }
        true
    }

    /// Run a rule whose first binding is a group scope: once per run, on
    /// every group, ordered by key. Its findings belong to the record of
    /// their anchor.
    fn group_rule(&mut self, ri: usize, rule: &'a Rule, list: &'a Ir, keys: &'a [Arg]) {
        if !self.done.insert((ri, GROUP_RECORD)) {
            return;
        }
        let Some(first) = rule.bindings.first() else {
            return;
        };
        let mut frame = vec![Value::None; rule.locals];
        let result = (|| -> Result<(), Fault> {
            let items = self.eval(list, &mut frame)?.items();
            let mut groups: BTreeMap<Vec<Key>, (Vec<Value<'a>>, Vec<Value<'a>>)> = BTreeMap::new();
            for x in items {
                let mut key = Vec::new();
                let mut values = Vec::new();
                for f in keys {
                    let k = self.apply(f, x.clone(), &mut frame)?;
                    key.push(k.key());
                    values.push(k);
                }
                // As in `group`, an element with a none key is in no group.
                if values.iter().any(Value::is_none) {
                    continue;
                }
                groups
                    .entry(key)
                    .or_insert_with(|| (values, Vec::new()))
                    .1
                    .push(x);
            }
            for (_, (mut values, members)) in groups {
                let key = if values.len() == 1 {
                    values.pop().unwrap_or(Value::None)
                } else {
                    Value::List(Arc::new(values))
                };
                let subject = members.iter().find_map(|m| m.datum()).map(|(d, _)| d.span);
                let group = Value::Obj(
                    ObjKind::Group,
                    Arc::new(vec![key, Value::List(Arc::new(members))]),
                );
                if let Some(slot) = frame.get_mut(first.slot) {
                    *slot = group;
                }
                if let Some(subject) = subject {
                    self.scope(ri, rule, 1, &mut frame, Some(GROUP_RECORD), Some(subject))?;
                }
            }
            Ok(())
        })();
        // The run is repeated without a rejected record, so the groups
        // skipped here are seen then.
        if self.rejected(&result) {
            return;
        }
        if let Err(f) = result
            && self.faulted.insert(ri)
        {
            self.errors.push(
                Diagnostic::error(
                    f.span,
                    format!(
                        "rule `{}` could not be evaluated on a group: {}",
                        rule.id, f.message
                    ),
                )
                .with_help("guard the expression against such groups, or correct the records"),
            );
        }
    }

    fn scope(
        &mut self,
        ri: usize,
        rule: &'a Rule,
        depth: usize,
        frame: &mut Vec<Value<'a>>,
        rec: Option<u32>,
        subject: Option<Span>,
    ) -> Result<(), Fault> {
        let Some(binding) = rule.bindings.get(depth) else {
            if let (Some(rec), Some(subject)) = (rec, subject) {
                self.body(ri, rule, frame, rec, subject)?;
            }
            return Ok(());
        };
        let items: Vec<Value<'a>> = match &binding.source {
            ScopeSource::Kind(k) => self
                .store
                .by_kind
                .get(*k)
                .map(|l| l.iter().filter_map(|&r| self.store.root(r)).collect())
                .unwrap_or_default(),
            ScopeSource::All => (0..self.store.records.len())
                .filter_map(|r| self.store.root(u32::try_from(r).unwrap_or(u32::MAX)))
                .collect(),
            ScopeSource::Expr(ir) => self.eval(ir, frame)?.items(),
            // Only a first binding, run by `group_rule`.
            ScopeSource::Groups { .. } => Vec::new(),
        };
        for item in items {
            let (rec, subject) = match item.datum() {
                Some((d, r)) => (rec.or(Some(r)), Some(d.span)),
                None => (rec, subject),
            };
            if let Some(slot) = frame.get_mut(binding.slot) {
                *slot = item;
            }
            self.scope(ri, rule, depth + 1, frame, rec, subject)?;
        }
        Ok(())
    }

    fn body(
        &mut self,
        ri: usize,
        rule: &'a Rule,
        frame: &mut Vec<Value<'a>>,
        rec: u32,
        subject: Span,
    ) -> Result<(), Fault> {
        let mut failed = false;
        for step in &rule.steps {
            match step {
                Step::Where(ir) => {
                    if !self.eval(ir, frame)?.truthy() {
                        return Ok(());
                    }
                }
                Step::Let(slot, ir) => {
                    let v = self.eval(ir, frame)?;
                    if let Some(s) = frame.get_mut(*slot) {
                        *s = v;
                    }
                }
                Step::Require(ir) => {
                    if !self.eval(ir, frame)?.truthy() {
                        failed = true;
                    }
                }
            }
        }
        if rule.has_require && !failed {
            return Ok(());
        }
        let mut rec = rec;
        let (anchor, span) = match &rule.at {
            Some(ir) => match self.eval(ir, frame)?.datum() {
                Some((d, r)) => {
                    if rec == GROUP_RECORD {
                        rec = r;
                    }
                    let d = self.id_of_root(d, r);
                    (Some((d, r)), d.span)
                }
                None => (None, subject),
            },
            None => (None, subject),
        };
        let group_members = match rule.bindings.first().map(|b| (&b.source, b.slot)) {
            Some((ScopeSource::Groups { .. }, slot)) => match frame.get(slot) {
                Some(Value::Obj(ObjKind::Group, fields)) => fields.get(1).map(Value::items),
                _ => None,
            },
            _ => None,
        };
        if rec == GROUP_RECORD {
            // No anchor in a record: the group's first member's record.
            match group_members.iter().flatten().find_map(Value::datum) {
                Some((_, r)) => rec = r,
                None => return Ok(()),
            }
        }
        let message = match &rule.message {
            Some(ir) => self.text_of(ir, frame)?,
            None => rule.title.clone(),
        };
        let help = match &rule.help {
            Some(ir) => self.text_of(ir, frame)?,
            None => String::new(),
        };
        // A finding about a group of thousands lists the first few and
        // counts the rest, on the last one listed.
        let mut related = Vec::new();
        let mut more = 0usize;
        // Elements past the bound, counted in `more` but not listed.
        let mut counted: HashSet<Span> = HashSet::new();
        for (ir, note) in &rule.related {
            if let Some(n) = self.related_difference(ir, note, frame, &mut related)? {
                more += n;
                continue;
            }
            let v = self.eval(ir, frame)?;
            let note = self.text_of(note, frame)?;
            let list = matches!(&v, Value::List(_))
                || matches!(&v, Value::Node(d, _) if matches!(d.data, Data::List(_)));
            let items: Box<dyn Iterator<Item = Value<'a>>> = if list {
                Box::new(v.iter())
            } else {
                Box::new(std::iter::once(v.clone()))
            };
            for item in items {
                if let Some((d, r)) = item.datum() {
                    let s = self.id_of_root(d, r).span;
                    if related.len() < MAX_RELATED {
                        related.push((s, note.clone()));
                    } else {
                        more += 1;
                        counted.insert(s);
                    }
                }
            }
        }
        // A group's findings list its members (but the anchor itself), each
        // once: not again when a `related` clause listed or counted it.
        for m in group_members.into_iter().flatten() {
            if let Some((d, r)) = m.datum() {
                let s = self.id_of_root(d, r).span;
                if s != span && !counted.contains(&s) && !related.iter().any(|(x, _)| *x == s) {
                    if related.len() < MAX_RELATED {
                        related.push((s, "组内记录".to_string()));
                    } else {
                        more += 1;
                    }
                }
            }
        }
        if more > 0
            && let Some((_, note)) = related.last_mut()
        {
            note.push_str(&format!(" (and {more} more not listed)"));
        }
        let idx = self.fired.len();
        self.fired.push(Fired {
            rule: ri,
            record: rec,
            subject,
            anchor,
            span,
            message,
            help,
            related,
        });
        self.by_record.entry(rec).or_default().push(idx);
        Ok(())
    }

    /// The input error for a date whose working days fall in a year the
    /// calendar does not cover: on the record the date was read from (at the
    /// date), else on the record the rule is looking at (at its id).
    fn outside_calendar(&self, date: &Value<'a>, year: i32, cal: &Calendar, span: Span) -> Fault {
        let covered = cal.years_text();
        let help = format!(
            "the working-day calendar covers {covered}: declare the holidays and working weekend days of {year} and add {year} to its years"
        );
        let shown = match date.force() {
            Value::Date(d) => d.to_string(),
            _ => String::new(),
        };
        let message = format!(
            "`{shown}`: the working days of {year} are needed, but the calendar does not cover {year}"
        );
        match (date.datum(), self.current) {
            (Some((d, rec)), _) => Fault {
                span: d.span,
                message,
                reject: Some((rec, help)),
            },
            (None, Some(rec)) => Fault {
                span: self
                    .store
                    .records
                    .get(rec as usize)
                    .map_or(span, |r| self.id_of_root(&r.root, rec).span),
                message,
                reject: Some((rec, help)),
            },
            (None, None) => Fault {
                span,
                message,
                reject: None,
            },
        }
    }

    /// `related GROUP - OTHERS` over a large shared group (the other
    /// members of a split, say): list the first elements and count the
    /// rest without building the difference, which would cost the group's
    /// size for each of its members. `None` when `ir` is not such a
    /// difference; else how many were not listed.
    fn related_difference(
        &mut self,
        ir: &Ir,
        note: &Ir,
        frame: &mut Vec<Value<'a>>,
        related: &mut Vec<(Span, String)>,
    ) -> Result<Option<usize>, Fault> {
        let Op::Binary(BinOp::Sub, left, right) = &ir.op else {
            return Ok(None);
        };
        let group = self.eval(left, frame)?;
        let Value::List(items) = &group else {
            return Ok(None);
        };
        if items.len() < MEMO_MIN_LEN {
            return Ok(None);
        }
        let site = Arc::as_ptr(items) as usize;
        if !self.memo.keys.contains_key(&site) {
            self.memo.room(items.len());
        }
        self.memo.keys.entry(site).or_insert_with(|| {
            let keys: HashSet<Key> = items.iter().map(Value::key).collect();
            (group.clone(), keys)
        });
        let others = self.eval(right, frame)?;
        let removed: HashSet<Key> = others.iter().map(|x| x.key()).collect();
        let Some((_, keys)) = self.memo.keys.get(&site) else {
            return Ok(None);
        };
        let remaining = keys.len() - removed.iter().filter(|k| keys.contains(k)).count();
        let note = self.text_of(note, frame)?;
        let mut listed: HashSet<Key> = HashSet::new();
        for x in items.iter() {
            if related.len() >= MAX_RELATED {
                break;
            }
            let k = x.key();
            if removed.contains(&k) || listed.contains(&k) {
                continue;
            }
            if let Some((d, r)) = x.datum() {
                related.push((self.id_of_root(d, r).span, note.clone()));
            }
            listed.insert(k);
        }
        Ok(Some(remaining - listed.len()))
    }

    /// A whole record is pointed at by its `id`.
    fn id_of_root(&self, d: &'a Datum, rec: u32) -> &'a Datum {
        match (self.store.records.get(rec as usize), &d.data) {
            (Some(r), Data::Struct(_, fields)) if std::ptr::eq(&r.root, d) => {
                fields.first().unwrap_or(d)
            }
            _ => d,
        }
    }

    fn text_of(&mut self, ir: &Ir, frame: &mut Vec<Value<'a>>) -> Result<String, Fault> {
        let v = self.eval(ir, frame)?;
        let mut s = String::new();
        v.display(&mut s);
        Ok(s)
    }

    fn eval(&mut self, ir: &Ir, frame: &mut Vec<Value<'a>>) -> R<'a> {
        let span = ir.span;
        Ok(match &ir.op {
            Op::Const(v) => v.clone(),
            Op::Local(slot) => frame.get(*slot).cloned().unwrap_or(Value::None),
            Op::Field(base, slot) => match self.eval(base, frame)? {
                Value::Node(d, rec) => match &d.data {
                    Data::Struct(_, fields) => fields
                        .get(*slot)
                        .map_or(Value::None, |f| Value::Node(f, rec)),
                    _ => Value::None,
                },
                _ => Value::None,
            },
            Op::KindName(base) => match self.eval(base, frame)? {
                Value::Node(_, rec) => self
                    .store
                    .records
                    .get(rec as usize)
                    .and_then(|r| self.schema.kinds.get(r.kind))
                    .map_or(Value::None, |k| Value::Str(&k.name)),
                _ => Value::None,
            },
            Op::ObjField(base, slot) => match self.eval(base, frame)? {
                Value::Obj(_, fields) => fields.get(*slot).cloned().unwrap_or(Value::None),
                _ => Value::None,
            },
            Op::Index(base, index) => {
                let list = self.eval(base, frame)?;
                let i = self
                    .eval(index, frame)?
                    .as_num()
                    .and_then(Num::to_i64)
                    .unwrap_or(0);
                match usize::try_from(i) {
                    Ok(i) if i >= 1 => list.iter().nth(i - 1).unwrap_or(Value::None),
                    _ => Value::None,
                }
            }
            Op::List(items) => {
                let mut out = Vec::with_capacity(items.len());
                for i in items {
                    out.push(self.eval(i, frame)?);
                }
                Value::List(Arc::new(out))
            }
            Op::Unary(op, operand) => {
                let v = self.eval(operand, frame)?.force();
                match (op, v) {
                    (UnOp::Not, v) => Value::Bool(!v.truthy()),
                    (UnOp::Neg, Value::Num(n)) => Value::Num(
                        n.checked_neg()
                            .ok_or(())
                            .or_else(|()| fault(span, "number too large"))?,
                    ),
                    (UnOp::Neg, Value::Days(d)) => Value::Days(-d),
                    (UnOp::Neg, _) => Value::None,
                }
            }
            Op::Binary(op, l, r) => self.binary(*op, l, r, span, frame)?,
            Op::If(c, a, b) => {
                if self.eval(c, frame)?.truthy() {
                    self.eval(a, frame)?
                } else {
                    self.eval(b, frame)?
                }
            }
            Op::Let(slot, value, body) => {
                let v = self.eval(value, frame)?;
                if let Some(s) = frame.get_mut(*slot) {
                    *s = v;
                }
                self.eval(body, frame)?
            }
            Op::Call(b, args) => self.call(*b, args, span, frame)?,
            Op::Records(k) => Value::List(Arc::new(
                self.store
                    .by_kind
                    .get(*k)
                    .map(|l| l.iter().filter_map(|&r| self.store.root(r)).collect())
                    .unwrap_or_default(),
            )),
            Op::AllRecords => Value::List(Arc::new(
                self.store
                    .by_kind
                    .iter()
                    .flatten()
                    .filter_map(|&r| self.store.root(r))
                    .collect(),
            )),
            Op::LookupRef(kind, id) => {
                let id = self.eval(id, frame)?;
                match id.as_str().and_then(|s| self.store.ids.get(&(*kind, s))) {
                    Some(IdEntry::Checked(rec)) => self.store.root(*rec).unwrap_or(Value::None),
                    _ => Value::None,
                }
            }
            Op::Rejected(kind, id) => {
                let id = self.eval(id, frame)?;
                Value::Bool(
                    id.as_str().and_then(|s| self.store.ids.get(&(*kind, s)))
                        == Some(&IdEntry::Rejected),
                )
            }
            Op::LookupKey(holder, slot, sid) => {
                let schema = self.schema;
                let key = schema
                    .structs
                    .get(*sid)
                    .and_then(|s| s.fields.get(*slot))
                    .and_then(|f| match &f.ty {
                        crate::schema::FieldTy::Key(k) => Some(k),
                        _ => None,
                    });
                let holder = self.eval(holder, frame)?;
                let site = match (holder, key) {
                    (Value::Node(d, _), Some(key)) => match &d.data {
                        Data::Struct(_, fields) => fields.get(*slot).map(|datum| RefSite {
                            datum,
                            field: "",
                            target: Target::Key { key, holder: d },
                        }),
                        _ => None,
                    },
                    _ => None,
                };
                match site.map(|s| self.store.resolve(&s)) {
                    Some(Resolution::Found(d, rec)) => Value::Node(d, rec),
                    _ => Value::None,
                }
            }
            Op::Cached(slot, inner) => {
                if let Some(v) = self.cache.get(*slot).and_then(OnceLock::get) {
                    return Ok(v.clone());
                }
                // Two threads may both compute it; they compute the same value.
                let v = self.eval(inner, frame)?;
                if let Some(c) = self.cache.get(*slot) {
                    let _ = c.set(v.clone());
                }
                v
            }
            Op::Today => self.today.map_or(Value::None, Value::Date),
            Op::Template(pieces) => {
                let mut s = String::new();
                for p in pieces {
                    match p {
                        TemplatePiece::Text(t) => s.push_str(t),
                        TemplatePiece::Value(ir) => self.eval(ir, frame)?.display(&mut s),
                    }
                    if s.len() > MAX_VALUE_LEN {
                        return fault(span, format!("text longer than {MAX_VALUE_LEN} bytes"));
                    }
                }
                Value::Text(Arc::from(s.as_str()))
            }
        })
    }

    fn binary(
        &mut self,
        op: BinOp,
        l: &Ir,
        r: &Ir,
        span: Span,
        frame: &mut Vec<Value<'a>>,
    ) -> R<'a> {
        match op {
            BinOp::And => {
                return Ok(Value::Bool(
                    self.eval(l, frame)?.truthy() && self.eval(r, frame)?.truthy(),
                ));
            }
            BinOp::Or => {
                return Ok(Value::Bool(
                    self.eval(l, frame)?.truthy() || self.eval(r, frame)?.truthy(),
                ));
            }
            BinOp::Default => {
                let a = self.eval(l, frame)?;
                return if a.is_none() {
                    self.eval(r, frame)
                } else {
                    Ok(a)
                };
            }
            _ => {}
        }
        let a = self.eval(l, frame)?;
        let b = self.eval(r, frame)?;
        let overflow = || Fault {
            span,
            message: "arithmetic overflow: the result is too large".into(),
            reject: None,
        };
        Ok(match op {
            BinOp::Eq => Value::Bool(equal(&a, &b)),
            BinOp::Ne => Value::Bool(!equal(&a, &b)),
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                let Some(ord) = compare(&a, &b) else {
                    return Ok(Value::Bool(false));
                };
                Value::Bool(match op {
                    BinOp::Lt => ord.is_lt(),
                    BinOp::Le => ord.is_le(),
                    BinOp::Gt => ord.is_gt(),
                    _ => ord.is_ge(),
                })
            }
            BinOp::In | BinOp::NotIn => {
                let found = !a.is_none() && b.any_item(|x| equal(&a, x));
                Value::Bool(found == (op == BinOp::In))
            }
            BinOp::Union | BinOp::Intersect => set_op(op, &a, &b),
            _ => match (a.force(), b.force()) {
                (Value::None, _) | (_, Value::None) => Value::None,
                (Value::Num(_), Value::Num(y)) if op == BinOp::Div && y == Num::int(0) => {
                    return fault(span, "division by zero: the divisor is 0");
                }
                (Value::Num(x), Value::Num(y)) => Value::Num(
                    match op {
                        BinOp::Add => x.checked_add(y),
                        BinOp::Sub => x.checked_sub(y),
                        BinOp::Mul => x.checked_mul(y),
                        _ => x.checked_div(y),
                    }
                    .ok_or_else(overflow)?,
                ),
                (Value::Date(x), Value::Date(y)) => Value::Days(i64::from(x.0) - i64::from(y.0)),
                (Value::Date(x), Value::Days(d)) => {
                    let d = if op == BinOp::Sub {
                        d.checked_neg()
                    } else {
                        Some(d)
                    };
                    match d.and_then(|d| x.add_days(d)) {
                        Some(date) => Value::Date(date),
                        None => {
                            return fault(
                                span,
                                "date out of range: the result is not a date between years 1 and 9999",
                            );
                        }
                    }
                }
                (Value::Days(x), Value::Days(y)) => Value::Days(
                    if op == BinOp::Sub {
                        x.checked_sub(y)
                    } else {
                        x.checked_add(y)
                    }
                    .ok_or_else(overflow)?,
                ),
                (Value::Days(x), Value::Num(n)) | (Value::Num(n), Value::Days(x)) => {
                    let product = Num::int(x).checked_mul(n).ok_or_else(overflow)?;
                    Value::Days(product.to_i64().ok_or_else(overflow)?)
                }
                (x, y) => match (x.as_str(), y.as_str()) {
                    (Some(s), Some(t)) if op == BinOp::Add => {
                        if s.len() + t.len() > MAX_VALUE_LEN {
                            return fault(span, format!("text longer than {MAX_VALUE_LEN} bytes"));
                        }
                        Value::text(&format!("{s}{t}"))
                    }
                    _ if op == BinOp::Add => {
                        if x.len() + y.len() > MAX_VALUE_LEN {
                            return fault(
                                span,
                                format!("list longer than {MAX_VALUE_LEN} elements"),
                            );
                        }
                        let mut items = x.items();
                        items.extend(y.items());
                        Value::List(Arc::new(items))
                    }
                    _ if op == BinOp::Sub => set_op(op, &x, &y),
                    _ => Value::None,
                },
            },
        })
    }

    fn apply(&mut self, f: &Arg, v: Value<'a>, frame: &mut Vec<Value<'a>>) -> R<'a> {
        match f {
            Arg::Lambda(slot, body) => {
                if let Some(s) = frame.get_mut(*slot) {
                    *s = v;
                } else {
                    frame.resize(*slot + 1, Value::None);
                    if let Some(s) = frame.get_mut(*slot) {
                        *s = v;
                    }
                }
                self.eval(body, frame)
            }
            Arg::Value(ir) => self.eval(ir, frame),
        }
    }

    fn arg(&mut self, args: &[Arg], i: usize, frame: &mut Vec<Value<'a>>) -> R<'a> {
        match args.get(i) {
            Some(Arg::Value(ir)) => self.eval(ir, frame),
            _ => Ok(Value::None),
        }
    }

    /// Whether the arguments after the first are pure, so that a result
    /// depends on the first alone.
    fn pure_site(&mut self, args: &[Arg]) -> bool {
        let site = args.as_ptr() as usize;
        if let Some(&pure) = self.memo.pure.get(&site) {
            return pure;
        }
        let pure = args.iter().skip(1).all(|a| match a {
            Arg::Value(ir) => ir.is_pure_in(None),
            Arg::Lambda(slot, body) => body.is_pure_in(Some(*slot)),
        });
        self.memo.pure.insert(site, pure);
        pure
    }

    /// `sum(list)` or `sum(list, x => amount)`.
    fn sum(
        &mut self,
        items: &Value<'a>,
        args: &[Arg],
        span: Span,
        frame: &mut Vec<Value<'a>>,
    ) -> R<'a> {
        let mut total = Num::ZERO;
        for x in items.iter() {
            let v = match args.get(1) {
                Some(f) => self.apply(f, x, frame)?,
                None => x,
            };
            if let Some(n) = v.as_num() {
                total = total
                    .checked_add(n)
                    .ok_or(())
                    .or_else(|()| fault(span, "the sum is too large"))?;
            }
        }
        Ok(Value::Num(total))
    }

    /// Every window of a list: for each distinct date, the elements dated
    /// from it to `span_days` later.
    fn windows(
        &mut self,
        list: Value<'a>,
        args: &[Arg],
        span_days: i64,
        frame: &mut Vec<Value<'a>>,
    ) -> Result<Windows<'a>, Fault> {
        let mut out = Windows {
            _list: list.clone(),
            starts: Vec::new(),
            windows: Vec::new(),
            dates: HashMap::new(),
        };
        let Some(f) = args.get(1) else {
            return Ok(out);
        };
        let mut dated = Vec::new();
        for x in list.iter() {
            if let Value::Date(d) = self.apply(f, x.clone(), frame)?.force() {
                out.dates.insert(x.key(), i64::from(d.0));
                dated.push((i64::from(d.0), x));
            }
        }
        dated.sort_by_key(|(d, _)| *d);
        let mut start = 0;
        while let Some(&(first, _)) = dated.get(start) {
            let members: Vec<Value<'a>> = dated[start..]
                .iter()
                .take_while(|(d, _)| *d - first <= span_days)
                .map(|(_, x)| x.clone())
                .collect();
            out.starts.push(first);
            out.windows.push(Value::List(Arc::new(members)));
            // The next window starts at the next distinct date.
            while dated.get(start).is_some_and(|(d, _)| *d == first) {
                start += 1;
            }
        }
        Ok(out)
    }

    fn call(&mut self, b: Builtin, args: &[Arg], span: Span, frame: &mut Vec<Value<'a>>) -> R<'a> {
        use Builtin as B;
        Ok(match b {
            B::Count => {
                let items = self.arg(args, 0, frame)?;
                match args.get(1) {
                    None => Value::Num(Num::int(i64::try_from(items.len()).unwrap_or(i64::MAX))),
                    Some(f) => {
                        let mut n = 0i64;
                        for x in items.iter() {
                            if self.apply(f, x, frame)?.truthy() {
                                n += 1;
                            }
                        }
                        Value::Num(Num::int(n))
                    }
                }
            }
            B::Sum => {
                let items = self.arg(args, 0, frame)?;
                let memo_key = match &items {
                    Value::List(l) if l.len() >= MEMO_MIN_LEN && self.pure_site(args) => {
                        Some((args.as_ptr() as usize, Arc::as_ptr(l) as usize))
                    }
                    _ => None,
                };
                if let Some((_, total)) = memo_key.and_then(|k| self.memo.sums.get(&k)) {
                    return Ok(total.clone());
                }
                let total = self.sum(&items, args, span, frame)?;
                if let Some(k) = memo_key {
                    self.memo.room(items.len());
                    self.memo.sums.insert(k, (items, total.clone()));
                }
                total
            }
            B::Any | B::All | B::NoneOf => {
                let items = self.arg(args, 0, frame)?;
                let f = args.get(1);
                let mut hit = false;
                for x in items.iter() {
                    let t = match f {
                        Some(f) => self.apply(f, x, frame)?.truthy(),
                        None => x.truthy(),
                    };
                    if t != (b == B::All) {
                        hit = true;
                        break;
                    }
                }
                Value::Bool(match b {
                    B::Any => hit,
                    _ => !hit,
                })
            }
            B::First | B::Last | B::Position => {
                let list = self.arg(args, 0, frame)?;
                let items: Box<dyn Iterator<Item = Value<'a>>> = if b == B::Last {
                    Box::new(list.items().into_iter().rev())
                } else {
                    Box::new(list.iter())
                };
                let mut found = Value::None;
                for (i, x) in items.enumerate() {
                    let ok = match args.get(1) {
                        Some(f) => self.apply(f, x.clone(), frame)?.truthy(),
                        None => true,
                    };
                    if ok {
                        found = if b == B::Position {
                            Value::Num(Num::int(i64::try_from(i + 1).unwrap_or(0)))
                        } else {
                            x
                        };
                        break;
                    }
                }
                found
            }
            B::Distinct => {
                let items = self.arg(args, 0, frame)?.items();
                let mut seen = std::collections::HashSet::new();
                let mut out = Vec::new();
                for x in items {
                    let k = match args.get(1) {
                        Some(f) => self.apply(f, x.clone(), frame)?.key(),
                        None => x.key(),
                    };
                    if seen.insert(k) {
                        out.push(x);
                    }
                }
                Value::List(Arc::new(out))
            }
            B::Filter | B::Map => {
                let items = self.arg(args, 0, frame)?;
                let Some(f) = args.get(1) else {
                    return Ok(Value::None);
                };
                let mut out = Vec::with_capacity(items.len());
                for x in items.iter() {
                    let y = self.apply(f, x.clone(), frame)?;
                    if b == B::Map {
                        out.push(y);
                    } else if y.truthy() {
                        out.push(x);
                    }
                }
                Value::List(Arc::new(out))
            }
            B::Flatten => Value::List(Arc::new(
                self.arg(args, 0, frame)?
                    .items()
                    .iter()
                    .flat_map(Value::items)
                    .collect(),
            )),
            B::Sort => {
                let list = self.arg(args, 0, frame)?;
                let memo_key = match &list {
                    Value::List(l) if l.len() >= MEMO_MIN_LEN && self.pure_site(args) => {
                        Some((args.as_ptr() as usize, Arc::as_ptr(l) as usize))
                    }
                    _ => None,
                };
                if let Some((_, sorted)) = memo_key.and_then(|k| self.memo.sums.get(&k)) {
                    return Ok(sorted.clone());
                }
                let items = list.items();
                let mut keyed: Vec<(Vec<Value<'a>>, Value<'a>)> = Vec::with_capacity(items.len());
                for x in items {
                    let mut keys = Vec::new();
                    for f in args.iter().skip(1) {
                        keys.push(self.apply(f, x.clone(), frame)?.force());
                    }
                    keyed.push((keys, x));
                }
                keyed.sort_by(|(a, _), (b, _)| {
                    for (x, y) in a.iter().zip(b) {
                        let ord = match (x.is_none(), y.is_none()) {
                            (true, true) => std::cmp::Ordering::Equal,
                            (true, false) => std::cmp::Ordering::Less,
                            (false, true) => std::cmp::Ordering::Greater,
                            _ => compare(x, y).unwrap_or(std::cmp::Ordering::Equal),
                        };
                        if ord.is_ne() {
                            return ord;
                        }
                    }
                    std::cmp::Ordering::Equal
                });
                let sorted = Value::List(Arc::new(keyed.into_iter().map(|(_, x)| x).collect()));
                if let Some(k) = memo_key {
                    self.memo.room(list.len());
                    self.memo.sums.insert(k, (list, sorted.clone()));
                }
                sorted
            }
            B::Take | B::Skip => {
                // Without copying the whole list: `take(group, 10)` of a
                // large group costs 10.
                let items = self.arg(args, 0, frame)?;
                let n = self
                    .arg(args, 1, frame)?
                    .as_num()
                    .and_then(Num::to_i64)
                    .unwrap_or(0)
                    .max(0);
                let n = usize::try_from(n).unwrap_or(usize::MAX).min(items.len());
                let out: Vec<Value<'a>> = if b == B::Take {
                    items.iter().take(n).collect()
                } else {
                    items.iter().skip(n).collect()
                };
                Value::List(Arc::new(out))
            }
            B::Min | B::Max => {
                let items = self.arg(args, 0, frame)?.items();
                let mut best: Option<Value<'a>> = None;
                for x in items {
                    let v = match args.get(1) {
                        Some(f) => self.apply(f, x, frame)?,
                        None => x,
                    }
                    .force();
                    if v.is_none() {
                        continue;
                    }
                    let better = match &best {
                        None => true,
                        Some(cur) => compare(&v, cur)
                            .is_some_and(|o| if b == B::Min { o.is_lt() } else { o.is_gt() }),
                    };
                    if better {
                        best = Some(v);
                    }
                }
                best.unwrap_or(Value::None)
            }
            B::Group => {
                let items = self.arg(args, 0, frame)?.items();
                let mut groups: HashMap<Vec<Key>, Vec<Value<'a>>> = HashMap::new();
                for x in items {
                    let mut key = Vec::new();
                    let mut skip = false;
                    for f in args.iter().skip(1) {
                        let k = self.apply(f, x.clone(), frame)?;
                        skip |= k.is_none();
                        key.push(k.key());
                    }
                    if !skip {
                        groups.entry(key).or_default().push(x);
                    }
                }
                Value::Groups(Arc::new(
                    groups.into_iter().map(|(k, v)| (k, Arc::new(v))).collect(),
                ))
            }
            B::Get => {
                let groups = self.arg(args, 0, frame)?;
                let mut key = Vec::new();
                for i in 1..args.len() {
                    key.push(self.arg(args, i, frame)?.key());
                }
                match groups {
                    // The group itself, shared: `windows` and `sum` over it
                    // are then computed once per group.
                    Value::Groups(g) => Value::List(g.get(&key).cloned().unwrap_or_default()),
                    _ => Value::List(Arc::new(Vec::new())),
                }
            }
            B::Exists => Value::Bool(!self.arg(args, 0, frame)?.is_none()),
            B::StartsWith | B::EndsWith | B::Contains => {
                let a = self.arg(args, 0, frame)?;
                let p = self.arg(args, 1, frame)?;
                match (a.as_str(), p.as_str()) {
                    (Some(a), Some(p)) => Value::Bool(match b {
                        B::StartsWith => a.starts_with(p),
                        B::EndsWith => a.ends_with(p),
                        _ => a.contains(p),
                    }),
                    _ => Value::Bool(false),
                }
            }
            B::Text => {
                let mut s = String::new();
                self.arg(args, 0, frame)?.display(&mut s);
                Value::text(&s)
            }
            B::Join => {
                let items = self.arg(args, 0, frame)?.items();
                let sep = self.arg(args, 1, frame)?;
                let sep = sep.as_str().unwrap_or("");
                let mut s = String::new();
                for (i, x) in items.iter().enumerate() {
                    if i > 0 {
                        s.push_str(sep);
                    }
                    x.display(&mut s);
                }
                Value::text(&s)
            }
            B::Year | B::Month | B::Quarter => match self.arg(args, 0, frame)?.force() {
                Value::Date(d) => {
                    let (y, m, _) = d.ymd();
                    Value::Num(Num::int(match b {
                        B::Year => i64::from(y),
                        B::Month => i64::from(m),
                        _ => i64::from(m.div_ceil(3)),
                    }))
                }
                _ => Value::None,
            },
            B::Round | B::Percent => {
                let x = self.arg(args, 0, frame)?.as_num();
                let places = match args.get(1) {
                    Some(_) => self.arg(args, 1, frame)?.as_num().and_then(Num::to_i64),
                    None => Some(if b == B::Round { 0 } else { 1 }),
                };
                let Some(places) = places
                    .and_then(|p| u32::try_from(p).ok())
                    .filter(|p| *p <= 12)
                else {
                    return fault(
                        span,
                        "the number of decimal places is a whole number from 0 to 12",
                    );
                };
                let Some(x) = x else {
                    return Ok(Value::None);
                };
                let shown = if b == B::Percent {
                    x.checked_mul(Num::int(100))
                } else {
                    Some(x)
                };
                let Some(rounded) = shown.and_then(|v| v.round(places)) else {
                    return fault(span, "number too large");
                };
                if b == B::Round {
                    Value::Num(rounded)
                } else {
                    Value::text(&format!("{}%", rounded.fixed(places)))
                }
            }
            B::Calendar => {
                let mut parts = Vec::with_capacity(3);
                for i in 0..3 {
                    let v = self.arg(args, i, frame)?;
                    parts.push(Value::List(Arc::new(
                        v.items().iter().map(Value::force).collect(),
                    )));
                }
                Value::Obj(ObjKind::Calendar, Arc::new(parts))
            }
            B::Workdays | B::AddWorkdays => {
                let a = self.arg(args, 0, frame)?;
                let n = self.arg(args, 1, frame)?;
                let cal = match self.arg(args, 2, frame)? {
                    Value::Obj(ObjKind::Calendar, parts) => Calendar::new(&parts),
                    _ => return Ok(Value::None),
                };
                let Value::Date(start) = a.force() else {
                    return Ok(Value::None);
                };
                if b == B::Workdays {
                    let Value::Date(end) = n.force() else {
                        return Ok(Value::None);
                    };
                    match cal.count(start, end) {
                        Ok(c) => Value::Num(Num::int(c)),
                        Err(year) => {
                            let at = if cal.covers(start.year()) { &n } else { &a };
                            return Err(self.outside_calendar(at, year, &cal, span));
                        }
                    }
                } else {
                    let Some(steps) = n.as_num().and_then(Num::to_i64) else {
                        return Ok(Value::None);
                    };
                    match cal.add(start, steps) {
                        Ok(Some(d)) => Value::Date(d),
                        Ok(None) => Value::None,
                        Err(year) => return Err(self.outside_calendar(&a, year, &cal, span)),
                    }
                }
            }
            B::Days => match self.arg(args, 0, frame)?.force() {
                Value::Days(d) => Value::Num(Num::int(d)),
                _ => Value::None,
            },
            B::Ceil => match self.arg(args, 0, frame)?.as_num() {
                Some(n) => Value::Num(n.ceil()),
                None => Value::None,
            },
            B::Findings | B::FindingsOn => {
                let pattern = self.arg(args, 0, frame)?;
                let pattern = pattern.as_str().unwrap_or("").to_string();
                let target = self.arg(args, 1, frame)?;
                let Some((d, rec)) = target.datum() else {
                    return Ok(Value::List(Arc::new(Vec::new())));
                };
                let mut out = Vec::new();
                let Some(program) = self.program else {
                    return Ok(Value::List(Arc::new(out)));
                };
                // The rules asked about may not have run on this record yet
                // (when evaluation is focused): run them now. Otherwise they
                // ran in an earlier wave.
                if self.focus.is_some() {
                    for (j, other) in program.rules.iter().enumerate() {
                        if pattern_matches(&pattern, &other.id) {
                            self.rule_on(j, other, rec);
                        }
                    }
                }
                let local = self.by_record.get(&rec).map(Vec::as_slice).unwrap_or(&[]);
                let earlier = self
                    .prior_by_record
                    .get(&rec)
                    .map(Vec::as_slice)
                    .unwrap_or(&[])
                    .iter()
                    .filter_map(|&fi| self.prior.get(fi));
                for f in earlier.chain(local.iter().filter_map(|&fi| self.fired.get(fi))) {
                    let Some(rule) = program.rules.get(f.rule) else {
                        continue;
                    };
                    if !pattern_matches(&pattern, &rule.id) {
                        continue;
                    }
                    let hit = if b == B::FindingsOn {
                        f.subject == d.span
                    } else {
                        f.subject.file == d.span.file
                            && d.span.start <= f.subject.start
                            && f.subject.end <= d.span.end
                    };
                    if hit {
                        out.push(Value::Obj(
                            ObjKind::Finding,
                            Arc::new(vec![
                                Value::Str(&rule.id),
                                Value::Str(rule.severity.as_str()),
                                Value::text(&f.message),
                                Value::Str(&rule.title),
                            ]),
                        ));
                    }
                }
                Value::List(Arc::new(out))
            }
            B::Missing | B::Early | B::SharedActors => {
                let chain = match self.arg(args, 0, frame)? {
                    Value::Chain(c) => self.program.and_then(|p| p.chains.get(c)),
                    _ => None,
                };
                let steps = self.arg(args, 1, frame)?.items();
                let Some(chain) = chain else {
                    return Ok(Value::None);
                };
                Value::List(Arc::new(match b {
                    B::Missing => chain_missing(chain, &steps),
                    B::Early => chain_early(chain, &steps),
                    _ => chain_shared(chain, &steps),
                }))
            }
            B::Windows => {
                let list = self.arg(args, 0, frame)?;
                let span_days = match self.arg(args, 2, frame)?.force() {
                    Value::Days(d) => d,
                    _ => 0,
                };
                let memo_key = match &list {
                    Value::List(l) if self.pure_site(args.get(..3).unwrap_or(args)) => {
                        Some((args.as_ptr() as usize, Arc::as_ptr(l) as usize))
                    }
                    _ => None,
                };
                let windows = match memo_key.and_then(|k| self.memo.windows.get(&k)) {
                    Some(w) => w.clone(),
                    None => {
                        let len = list.len();
                        let w = Arc::new(self.windows(list, args, span_days, frame)?);
                        if let Some(k) = memo_key {
                            self.memo.room(len);
                            self.memo.windows.insert(k, w.clone());
                        }
                        w
                    }
                };
                if args.len() < 4 {
                    return Ok(Value::List(Arc::new(windows.windows.clone())));
                }
                // Only the windows holding the element: those starting
                // within the span before its date.
                let around = self.arg(args, 3, frame)?;
                let Some(&day) = windows.dates.get(&around.key()) else {
                    return Ok(Value::List(Arc::new(Vec::new())));
                };
                let from = windows.starts.partition_point(|&s| s < day - span_days);
                let to = windows.starts.partition_point(|&s| s <= day);
                Value::List(Arc::new(
                    windows.windows.get(from..to).unwrap_or_default().to_vec(),
                ))
            }
            B::Refs => {
                let target = self.arg(args, 0, frame)?;
                let mut out = Vec::new();
                if let Some((d, rec)) = target.datum()
                    && let Some(record) = self.store.records.get(rec as usize)
                {
                    let root = self.schema.kinds.get(record.kind).map_or(0, |k| k.root);
                    for site in super::refs::sites(self.schema, d, root) {
                        let resolution = self.store.resolve(&site);
                        let (target, resolved) = match (&site.target, resolution) {
                            // A key into a record that is missing or rejected is
                            // not judged: the reference it goes through is.
                            (_, Resolution::Unknown) => continue,
                            (Target::Record(kind), r) => (
                                self.schema.kinds.get(*kind).map_or("", |k| k.name.as_str()),
                                !matches!(r, Resolution::Missing),
                            ),
                            (Target::Key { key, .. }, r) => {
                                (key.describe.as_str(), !matches!(r, Resolution::Missing))
                            }
                        };
                        let node = Value::Node(site.datum, rec);
                        out.push(ref_use(site.field, target, node.force(), resolved, node));
                    }
                }
                Value::List(Arc::new(out))
            }
            B::Record => match self.arg(args, 0, frame)? {
                Value::Node(_, rec) => self.store.root(rec).unwrap_or(Value::None),
                _ => Value::None,
            },
        })
    }
}

fn ref_use<'a>(
    field: &str,
    target: &str,
    value: Value<'a>,
    resolved: bool,
    node: Value<'a>,
) -> Value<'a> {
    Value::Obj(
        ObjKind::RefUse,
        Arc::new(vec![
            Value::text(field),
            Value::text(target),
            value,
            Value::Bool(resolved),
            node,
        ]),
    )
}

/// `|`, `&` and list `-`: results keep the left operand's order, without repeats.
fn set_op<'a>(op: BinOp, a: &Value<'a>, b: &Value<'a>) -> Value<'a> {
    let right: std::collections::HashSet<Key> = b.items().iter().map(Value::key).collect();
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for x in a.iter() {
        let k = x.key();
        let keep = match op {
            BinOp::Intersect => right.contains(&k),
            BinOp::Sub => !right.contains(&k),
            _ => true,
        };
        if keep && seen.insert(k) {
            out.push(x);
        }
    }
    if op == BinOp::Union {
        for x in b.items() {
            if seen.insert(x.key()) {
                out.push(x);
            }
        }
    }
    Value::List(Arc::new(out))
}

// ---------------------------------------------------------------- chains

struct StepView<'a> {
    value: Value<'a>,
    name: Option<&'a str>,
    date: Option<crate::date::Date>,
    actors: Vec<&'a str>,
}

fn step_views<'a>(chain: &ChainDef, steps: &[Value<'a>]) -> Vec<StepView<'a>> {
    steps
        .iter()
        .filter_map(|s| {
            let (d, _) = s.datum()?;
            let Data::Struct(_, fields) = &d.data else {
                return None;
            };
            let text = |slot: usize| match fields.get(slot).map(|f| &f.data) {
                Some(Data::Text(t)) => Some(t.as_ref()),
                _ => None,
            };
            let date = match fields.get(chain.date_slot).map(|f| &f.data) {
                Some(Data::Date(d)) => Some(*d),
                _ => None,
            };
            let actors = match chain
                .actor_slot
                .and_then(|a| fields.get(a))
                .map(|f| &f.data)
            {
                Some(Data::Text(t)) => vec![t.as_ref()],
                Some(Data::List(items)) => items
                    .iter()
                    .filter_map(|i| match &i.data {
                        Data::Text(t) => Some(t.as_ref()),
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            };
            Some(StepView {
                value: s.clone(),
                name: text(chain.name_slot),
                date,
                actors,
            })
        })
        .collect()
}

fn chain_missing<'a>(chain: &ChainDef, steps: &[Value<'a>]) -> Vec<Value<'a>> {
    let views = step_views(chain, steps);
    chain
        .order
        .iter()
        .zip(&chain.required)
        .filter(|(name, required)| {
            **required && !views.iter().any(|v| v.name == Some(name.as_str()))
        })
        .map(|(name, _)| Value::text(name))
        .collect()
}

fn chain_early<'a>(chain: &ChainDef, steps: &[Value<'a>]) -> Vec<Value<'a>> {
    let views = step_views(chain, steps);
    let pos = |v: &StepView<'_>| v.name.and_then(|n| chain.order.iter().position(|o| o == n));
    let mut out = Vec::new();
    for s in &views {
        let (Some(sp), Some(sd)) = (pos(s), s.date) else {
            continue;
        };
        let ahead = views
            .iter()
            .find(|p| pos(p).is_some_and(|pp| pp < sp) && p.date.is_some_and(|pd| pd > sd));
        if let Some(p) = ahead {
            out.push(Value::Obj(
                ObjKind::OrderFault,
                Arc::new(vec![s.value.clone(), p.value.clone()]),
            ));
        }
    }
    out
}

fn chain_shared<'a>(chain: &ChainDef, steps: &[Value<'a>]) -> Vec<Value<'a>> {
    let views: Vec<StepView<'a>> = step_views(chain, steps)
        .into_iter()
        .filter(|v| {
            v.name
                .is_some_and(|n| chain.distinct.iter().any(|d| d == n))
        })
        .collect();
    let mut out = Vec::new();
    let mut reported: Vec<(&str, usize)> = Vec::new();
    for (j, second) in views.iter().enumerate() {
        for first in views.iter().take(j) {
            if first.name == second.name {
                continue;
            }
            for person in &second.actors {
                if first.actors.contains(person) && !reported.contains(&(person, j)) {
                    reported.push((person, j));
                    out.push(Value::Obj(
                        ObjKind::ActorFault,
                        Arc::new(vec![
                            Value::Str(person),
                            first.value.clone(),
                            second.value.clone(),
                        ]),
                    ));
                }
            }
        }
    }
    out
}

/// A working-day calendar, read from a `calendar(years, holidays,
/// working_days)` value: Monday to Friday work, except the holidays; the
/// listed weekend days work too.
struct Calendar {
    years: Vec<i32>,
    holidays: HashSet<crate::date::Date>,
    working: HashSet<crate::date::Date>,
}

impl Calendar {
    fn new(parts: &[Value<'_>]) -> Calendar {
        let dates = |i: usize| -> HashSet<crate::date::Date> {
            parts
                .get(i)
                .map(|v| {
                    v.iter()
                        .filter_map(|d| match d.force() {
                            Value::Date(d) => Some(d),
                            _ => None,
                        })
                        .collect()
                })
                .unwrap_or_default()
        };
        let mut years: Vec<i32> = parts
            .first()
            .map(|v| {
                v.iter()
                    .filter_map(|y| y.as_num().and_then(Num::to_i64))
                    .filter_map(|y| i32::try_from(y).ok())
                    .collect()
            })
            .unwrap_or_default();
        years.sort_unstable();
        years.dedup();
        Calendar {
            years,
            holidays: dates(1),
            working: dates(2),
        }
    }

    fn covers(&self, year: i32) -> bool {
        self.years.binary_search(&year).is_ok()
    }

    /// Whether a day is a working day; `Err(year)` outside the calendar.
    fn is_workday(&self, d: crate::date::Date) -> Result<bool, i32> {
        let year = d.year();
        if !self.covers(year) {
            return Err(year);
        }
        Ok(!self.holidays.contains(&d) && (self.working.contains(&d) || d.weekday() <= 5))
    }

    /// Working days from `from` to `to`, both included.
    fn count(&self, from: crate::date::Date, to: crate::date::Date) -> Result<i64, i32> {
        let mut n = 0;
        let mut d = from;
        while d <= to {
            if self.is_workday(d)? {
                n += 1;
            }
            match d.add_days(1) {
                Some(next) => d = next,
                None => break,
            }
        }
        Ok(n)
    }

    /// The `n`-th working day after `from` (before it when negative).
    /// Every step stays inside the covered years, so the walk ends.
    fn add(&self, from: crate::date::Date, n: i64) -> Result<Option<crate::date::Date>, i32> {
        if !self.covers(from.year()) {
            return Err(from.year());
        }
        let step = if n < 0 { -1 } else { 1 };
        let mut left = n.unsigned_abs();
        let mut d = from;
        while left > 0 {
            let Some(next) = d.add_days(step) else {
                return Ok(None);
            };
            d = next;
            if self.is_workday(d)? {
                left -= 1;
            }
        }
        Ok(Some(d))
    }

    fn years_text(&self) -> String {
        if self.years.is_empty() {
            return "no year".into();
        }
        self.years
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    }
}
