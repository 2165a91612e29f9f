//! Evaluation: run compiled rules over the records of one run.
//!
//! Every loop in the language runs over a finite list and there is no
//! recursion, so evaluation always ends.

mod expr;
mod layered;
mod parallel;
mod rules;

pub(in crate::check) use layered::combines;
pub use rules::statistics;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, LazyLock, OnceLock};

use rayon::prelude::*;

use super::builtins::Calendar;
use super::ir::Ir;
use super::program::{Program, Rule, ScopeSource};
use super::store::{BaseSlot, Store};
use super::value::{FastMap, FastSet, Key, Value};
use crate::diag::Diagnostic;
use crate::num::Num;
use crate::schema::{Datum, Schema};
use crate::source::Span;

/// The longest text or list an expression may build: rules that double a
/// value in a chain of `let`s or `def`s stop here instead of exhausting
/// memory.
pub const MAX_VALUE_LEN: usize = 1 << 20;

/// A datum and the index of its record in [`Store::records`]: where a
/// finding points before it is placed in the text (see `check::place`).
pub type Locus<'a> = (&'a Datum, u32);

/// Whether two loci are the same datum.
pub(in crate::check) fn same(a: Locus<'_>, b: Locus<'_>) -> bool {
    std::ptr::eq(a.0, b.0) && a.1 == b.1
}

/// One rule firing.
#[derive(Debug, Clone)]
pub struct Fired<'a> {
    /// Index of the rule in [`Program::rules`].
    pub rule: usize,
    /// Index of the record in [`Store::records`].
    pub record: u32,
    /// The scope element it fired on (for `findings` queries); where the
    /// finding points when it has no anchor.
    pub subject: Locus<'a>,
    /// The anchor datum and the index of its record, where the anchor is
    /// record data.
    pub anchor: Option<Locus<'a>>,
    /// The message.
    pub message: String,
    /// The help line.
    pub help: String,
    /// Related locations.
    pub related: Vec<(Locus<'a>, String)>,
}

/// A run-time error in a rule, or (with `reject`) a problem of the input
/// that the rule met: a date outside the working-day calendar. Boxed:
/// every step of an evaluation returns a [`R`], and an error is rare, so
/// it should not make every result as large as itself.
pub(in crate::check) type Fault = Box<FaultInfo>;

/// What a [`Fault`] says.
#[derive(Debug)]
pub(in crate::check) struct FaultInfo {
    span: Span,
    message: String,
    /// The record to reject, with the help line, when the input is at fault.
    reject: Option<(u32, String)>,
}

pub(in crate::check) type R<'a> = Result<Value<'a>, Fault>;

/// Stands for "the record of the anchor" while a group scope runs, and
/// marks a group rule as run in `done`.
const GROUP_RECORD: u32 = u32::MAX;

pub(in crate::check) fn fault<T>(span: Span, message: impl Into<String>) -> Result<T, Fault> {
    Err(FaultInfo::at(span, message, None))
}

impl FaultInfo {
    /// A fault at `span`; with `reject`, the record whose input is at
    /// fault and the help line for it.
    pub(in crate::check) fn at(
        span: Span,
        message: impl Into<String>,
        reject: Option<(u32, String)>,
    ) -> Fault {
        Box::new(FaultInfo {
            span,
            message: message.into(),
            reject,
        })
    }
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

/// Which records a program judges, when rules are dated: those whose
/// decision date falls in its period.
pub type InForce<'f> = dyn Fn(u32) -> bool + Sync + 'f;

/// Run every rule in dependency order. `in_force` says which records the
/// program judges; its run-time errors on the others are not reported
/// (they still see its rules, for `findings` queries).
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
///
/// Over a [`Store::layered`] store, `base` gives the whole-run values over
/// the base's records, which are then not computed again.
pub fn run<'a>(
    program: &'a Program,
    store: &'a Store<'a>,
    focus: Option<&'a HashSet<u32>>,
    in_force: &InForce<'_>,
    base: Option<&BaseSlot<'a>>,
) -> (Vec<Fired<'a>>, Vec<Diagnostic>, Vec<Rejection>) {
    let cache: Vec<OnceLock<Value<'a>>> =
        (0..program.cached.len()).map(|_| OnceLock::new()).collect();
    if focus.is_some() {
        let none = FastMap::default();
        let mut ev = Ev::new(
            Some(program),
            &program.schema,
            store,
            &cache,
            (&[], &none),
            focus,
        );
        ev.in_force = Some(in_force);
        ev.base = base;
        for &ri in &program.order {
            if let Some(rule) = program.rules.get(ri) {
                ev.rule(ri, rule);
            }
        }
        return (ev.fired, ev.errors, ev.rejections);
    }
    // The whole-run values that ask for no findings are computed first,
    // on all cores: left to the rules, the first chunks on every thread
    // would each compute the same value at the same time. One that fails
    // is left unset, for the rule that meets it to report.
    let ahead: Vec<usize> = (0..program.cached.len())
        .filter(|&slot| {
            program
                .cached
                .get(slot)
                .is_some_and(|ir| ir.is_pure_in(None))
        })
        .collect();
    compute_ahead(program, &ahead, |slot, ir| {
        let mut ev = Ev::over(program, store, &cache);
        ev.base = base;
        if let (Some(v), Some(cell)) = (ev.eval_closed(ir), cache.get(slot)) {
            let _ = cell.set(v);
        }
    });
    let mut fired: Vec<Fired<'a>> = Vec::new();
    let mut by_record: FastMap<u32, Vec<usize>> = FastMap::default();
    let mut errors = Vec::new();
    let mut rejections: Vec<Rejection> = Vec::new();
    for wave in waves(program) {
        let rules: Vec<(usize, &'a Rule)> = wave
            .iter()
            .filter_map(|&ri| Some((ri, program.rules.get(ri)?)))
            .collect();
        let batches = batches(&rules, store);
        // A task runs every rule of one batch on a chunk of its records,
        // record by record, so that a record's data is read into the cache
        // once for all of them rather than once per rule; or it runs one
        // group-scoped rule whole, since its groups span records.
        let tasks: Vec<(&Batch<'a>, &'a [u32])> = batches
            .iter()
            .flat_map(|batch| {
                // A chunk is worth a task when its records times the
                // batch's rules make MIN_CHUNK rule runs.
                let chunk = batch
                    .records
                    .len()
                    .div_ceil(CHUNKS_PER_BATCH)
                    .max(MIN_CHUNK.div_ceil(batch.rules.len().max(1)));
                let chunks: Vec<(&Batch<'a>, &'a [u32])> = if batch.whole {
                    vec![(batch, &[][..])]
                } else {
                    batch.records.chunks(chunk).map(|c| (batch, c)).collect()
                };
                chunks
            })
            .collect();
        let prior = (fired.as_slice(), &by_record);
        let results: Vec<Vec<Done<'a>>> = tasks
            .into_par_iter()
            // Each task on its own, so that no thread waits for a run of
            // them another thread took whole.
            .with_max_len(1)
            .map(|(batch, records)| {
                let mut ev = Ev::new(Some(program), &program.schema, store, &cache, prior, None);
                ev.in_force = Some(in_force);
                ev.base = base;
                let mut done: Vec<Done<'a>> = batch
                    .rules
                    .iter()
                    .map(|&(rule, _)| Done {
                        rule,
                        fired: Vec::new(),
                        errors: Vec::new(),
                        rejections: Vec::new(),
                    })
                    .collect();
                let mut run_one =
                    |ev: &mut Ev<'a, '_>, j: usize, ri: usize, rule: &'a Rule, rec| {
                        let (errors, rejections) = (ev.errors.len(), ev.rejections.len());
                        match rec {
                            Some(rec) => ev.rule_on(ri, rule, rec),
                            None => ev.rule(ri, rule),
                        }
                        let Some(d) = done.get_mut(j) else {
                            return;
                        };
                        d.errors.extend(ev.errors.drain(errors..));
                        // Each bad record once per rule and chunk.
                        for r in ev.rejections.drain(rejections..) {
                            if !d.rejections.iter().any(|o| o.record == r.record) {
                                d.rejections.push(r);
                            }
                        }
                    };
                if batch.whole {
                    for (j, &(ri, rule)) in batch.rules.iter().enumerate() {
                        run_one(&mut ev, j, ri, rule, None);
                    }
                }
                for &rec in records {
                    for (j, &(ri, rule)) in batch.rules.iter().enumerate() {
                        run_one(&mut ev, j, ri, rule, Some(rec));
                    }
                }
                // Findings come out record by record; each rule's, in
                // record order, go back to it.
                for f in ev.fired {
                    if let Some(d) = batch.slot.get(&f.rule).and_then(|&j| done.get_mut(j)) {
                        d.fired.push(f);
                    }
                }
                done
            })
            .collect();
        // Back in rule order: each rule's chunks in record order.
        let mut of_rule: HashMap<usize, Vec<Done<'a>>> = HashMap::new();
        for d in results.into_iter().flatten() {
            of_rule.entry(d.rule).or_default().push(d);
        }
        let results = rules
            .iter()
            .flat_map(|(ri, _)| of_rule.remove(ri).unwrap_or_default());
        // A rule that fails is reported once, at its first failing record.
        let mut faulted = HashSet::new();
        for done in results {
            for one in done.fired {
                by_record.entry(one.record).or_default().push(fired.len());
                fired.push(one);
            }
            if !done.errors.is_empty() && faulted.insert(done.rule) {
                errors.extend(done.errors.into_iter().take(1));
            }
            for one in done.rejections {
                if !rejections.iter().any(|o| o.record == one.record) {
                    rejections.push(one);
                }
            }
        }
    }
    (fired, errors, rejections)
}

/// Chunks a batch's records are cut into, so that two or more threads
/// share the work of one large batch.
const CHUNKS_PER_BATCH: usize = 16;

/// The fewest rule runs (records × rules) worth a task of their own.
const MIN_CHUNK: usize = 256;

/// One rule's findings, run-time errors and rejections over one chunk.
struct Done<'a> {
    rule: usize,
    fired: Vec<Fired<'a>>,
    errors: Vec<Diagnostic>,
    rejections: Vec<Rejection>,
}

/// Rules of one wave that run together: those over the same records, or
/// one group-scoped rule alone (`whole`).
struct Batch<'a> {
    rules: Vec<(usize, &'a Rule)>,
    /// Each rule's place in `rules`.
    slot: FastMap<usize, usize>,
    records: &'a [u32],
    whole: bool,
}

/// The wave's rules in batches, each in wave order: rules whose first
/// binding ranges over the same records share a batch.
fn batches<'a>(rules: &[(usize, &'a Rule)], store: &'a Store<'a>) -> Vec<Batch<'a>> {
    let mut out: Vec<Batch<'a>> = Vec::new();
    for &(ri, rule) in rules {
        let whole = matches!(
            rule.bindings.first().map(|b| &b.source),
            Some(ScopeSource::Groups { .. })
        );
        let records = if whole { &[][..] } else { store.scope_of(rule) };
        // Slices compare by address and length: the same kind's records.
        let batch = match out
            .iter_mut()
            .find(|b| !whole && !b.whole && std::ptr::eq(b.records, records))
        {
            Some(batch) => batch,
            None => {
                out.push(Batch {
                    rules: Vec::new(),
                    slot: FastMap::default(),
                    records,
                    whole,
                });
                let Some(batch) = out.last_mut() else {
                    continue;
                };
                batch
            }
        };
        batch.slot.insert(ri, batch.rules.len());
        batch.rules.push((ri, rule));
    }
    out
}

/// Compute the whole-run values of `slots` with `compute`, on all cores,
/// in rounds of their nesting ([`Ir::cached_depth`]): a value used inside
/// another is computed in an earlier round, so that no two threads compute
/// it at once.
pub(in crate::check) fn compute_ahead(
    program: &Program,
    slots: &[usize],
    compute: impl Fn(usize, &Ir) + Sync,
) {
    let depths: Vec<(usize, usize)> = slots
        .iter()
        .filter_map(|&slot| Some((program.cached.get(slot)?.cached_depth(), slot)))
        .collect();
    let rounds = depths.iter().map(|(n, _)| n + 1).max().unwrap_or(0);
    for round in 0..rounds {
        depths
            .par_iter()
            .with_max_len(1)
            .filter(|(n, _)| *n == round)
            .for_each(|&(_, slot)| {
                if let Some(ir) = program.cached.get(slot) {
                    compute(slot, ir);
                }
            });
    }
}

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
        (0..program.cached.len()).map(|_| OnceLock::new()).collect();
    let none = FastMap::default();
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
static NO_FINDINGS: LazyLock<FastMap<u32, Vec<usize>>> = LazyLock::new(FastMap::default);

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

pub(in crate::check) struct Ev<'a, 'p> {
    pub(in crate::check) program: Option<&'a Program>,
    pub(in crate::check) schema: &'a Schema,
    pub(in crate::check) store: &'p Store<'a>,
    /// Values of expressions that depend on no record, shared by all threads.
    cache: &'p [OnceLock<Value<'a>>],
    /// Findings of the earlier waves.
    pub(in crate::check) prior: &'p [Fired<'a>],
    /// Indexes into `prior` by record.
    pub(in crate::check) prior_by_record: &'p FastMap<u32, Vec<usize>>,
    pub(in crate::check) fired: Vec<Fired<'a>>,
    pub(in crate::check) by_record: FastMap<u32, Vec<usize>>,
    errors: Vec<Diagnostic>,
    /// The records rules run on (all when `None`).
    pub(in crate::check) focus: Option<&'a HashSet<u32>>,
    /// (rule, record) pairs already evaluated.
    done: FastSet<(usize, u32)>,
    /// Rules that met a run-time error (reported once).
    faulted: HashSet<usize>,
    /// The records this program judges (all when `None`): a run-time error
    /// on another record is not its to report.
    in_force: Option<&'p InForce<'p>>,
    /// The record the running rule's scope starts from.
    current: Option<u32>,
    /// The run date (none for parameter values).
    today: Option<crate::date::Date>,
    /// Records found to be bad input, each once.
    rejections: Vec<Rejection>,
    /// Results of aggregates over shared lists.
    pub(in crate::check) memo: Memo<'a>,
    /// A rule's frame, kept empty between records: each rule meets each
    /// record, and a frame allocated every time was one allocation in
    /// sixteen of a whole run.
    spare_frame: Vec<Value<'a>>,
    /// Over a layered store: whole-run values over the base's records.
    pub(in crate::check) base: Option<&'p BaseSlot<'a>>,
    /// Computing the hot file's part of a whole-run value: `records()`
    /// lists only the hot file's records, and nothing is cached.
    pub(in crate::check) hot_only: bool,
}

/// Results of `windows`, `sum`, `sum_before`, `sort` and `filter` over a list that many evaluations share
/// (a group from `get`, a window), so that a rule over every member of a
/// group of n costs about n, not n² or n³. A result is kept only when the
/// call's other arguments are pure (see [`Ir::is_pure_in`]): then it
/// depends on the list alone. Lists are known by their allocation, which
/// the memo keeps alive so that it cannot be reused.
#[derive(Default)]
pub(in crate::check) struct Memo<'a> {
    /// Call site → whether its arguments after the list are pure.
    pure: FastMap<usize, bool>,
    /// (call site, list) → the list and the result (of `sum`, `sort`,
    /// `filter`, `map`).
    pub(in crate::check) sums: FastMap<(usize, usize), (Value<'a>, Value<'a>)>,
    /// (call site, list) → its windows.
    pub(in crate::check) windows: FastMap<(usize, usize), Arc<Windows<'a>>>,
    /// (call site, list) → its running totals (of `sum_before`).
    pub(in crate::check) running: FastMap<(usize, usize), Arc<Running<'a>>>,
    /// List → the list and the keys of its elements.
    keys: FastMap<usize, (Value<'a>, FastSet<Key<'a>>)>,
    /// (memory, datum) → the result of a remembered `def` call
    /// ([`Op::Memo`](crate::check::ir::Op::Memo)) on that datum.
    pub(in crate::check) defs: FastMap<(usize, usize), Value<'a>>,
    /// A `calendar(…)` value's parts → the parts and the calendar read
    /// from them: every working-day count would otherwise read its
    /// holidays into sets again.
    pub(in crate::check) calendars: FastMap<usize, (Arc<Vec<Value<'a>>>, Arc<Calendar>)>,
    /// Elements of the lists held above.
    held: usize,
}

impl Memo<'_> {
    /// Make room for remembering a result over a list of `len` elements:
    /// lists built afresh for each record (a running total's prefix) would
    /// otherwise be held until the end, so past a bound everything is
    /// forgotten and recomputed when asked again.
    pub(in crate::check) fn room(&mut self, len: usize) {
        self.held += len;
        if self.held > MEMO_MAX_HELD {
            self.sums.clear();
            self.windows.clear();
            self.running.clear();
            self.keys.clear();
            self.calendars.clear();
            self.held = len;
        }
    }
}

/// The most list elements the memo holds at once.
const MEMO_MAX_HELD: usize = 1 << 22;

/// The windows of one list.
pub(in crate::check) struct Windows<'a> {
    /// The list they were made of.
    _list: Value<'a>,
    /// Each window's first date (day number), ascending.
    pub(in crate::check) starts: Vec<i64>,
    /// Each window, a list.
    pub(in crate::check) windows: Vec<Value<'a>>,
    /// The date of every dated element of the list, by key.
    pub(in crate::check) dates: FastMap<Key<'a>, i64>,
}

/// The running totals of one list, for `sum_before`.
pub(in crate::check) struct Running<'a> {
    /// The list they were made of.
    _list: Value<'a>,
    /// `totals[i]`: the total of the first `i` elements, none past an
    /// overflow.
    totals: Vec<Option<Num>>,
    /// The position of the first element of each key.
    first: FastMap<Key<'a>, usize>,
}

impl<'a> Running<'a> {
    pub(in crate::check) fn new(
        list: Value<'a>,
        totals: Vec<Option<Num>>,
        first: FastMap<Key<'a>, usize>,
    ) -> Running<'a> {
        Running {
            _list: list,
            totals,
            first,
        }
    }

    /// The total before the first element of `key`: none when no element
    /// has it, an error when the total overflows.
    pub(in crate::check) fn before(&self, key: &Key<'a>, span: Span) -> R<'static> {
        let Some(&i) = self.first.get(key) else {
            return Ok(Value::None);
        };
        match self.totals.get(i).copied().flatten() {
            Some(n) => Ok(Value::num(n)),
            None => fault(span, "the sum is too large"),
        }
    }
}

/// Shorter lists are summed again rather than remembered.
pub(in crate::check) const MEMO_MIN_LEN: usize = 16;

/// Related locations listed per finding; the rest are counted.
pub const MAX_RELATED: usize = 20;

impl<'a, 'p> Ev<'a, 'p> {
    /// An evaluator of whole-run values over `store`, outside any rule.
    pub(in crate::check) fn over(
        program: &'a Program,
        store: &'p Store<'a>,
        cache: &'p [OnceLock<Value<'a>>],
    ) -> Ev<'a, 'p> {
        Ev::new(
            Some(program),
            &program.schema,
            store,
            cache,
            (&[], &NO_FINDINGS),
            None,
        )
    }

    /// The value of an expression with no free variable; none when it fails.
    pub(in crate::check) fn eval_closed(&mut self, ir: &Ir) -> Option<Value<'a>> {
        let mut frame = vec![Value::None; ir.frame_len()];
        self.eval(ir, &mut frame).ok()
    }

    fn new(
        program: Option<&'a Program>,
        schema: &'a Schema,
        store: &'p Store<'a>,
        cache: &'p [OnceLock<Value<'a>>],
        prior: (&'p [Fired<'a>], &'p FastMap<u32, Vec<usize>>),
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
            by_record: FastMap::default(),
            errors: Vec::new(),
            focus,
            done: FastSet::default(),
            faulted: HashSet::new(),
            spare_frame: Vec::new(),
            in_force: None,
            current: None,
            today: program.map(|p| p.today),
            rejections: Vec::new(),
            memo: Memo::default(),
            base: None,
            hot_only: false,
        }
    }
}
