//! Running one rule: its scope, bindings, steps and the findings it fires.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, OnceLock};

use rayon::prelude::*;

use super::{
    Ev, Fault, FaultInfo, Fired, GROUP_RECORD, Locus, MAX_RELATED, MEMO_MIN_LEN, Rejection, same,
};
use crate::check::builtins::Calendar;
use crate::check::ir::{Arg, Ir, Op};
use crate::check::program::{Rule, ScopeSource, Step};
use crate::check::types::ObjKind;
use crate::check::value::{FastMap, FastSet, Key, Value};
use crate::diag::Diagnostic;
use crate::schema::Datum;
use crate::source::Span;
use crate::syntax::ast::BinOp;

impl<'a, 'p> Ev<'a, 'p> {
    pub(in crate::check) fn rule(&mut self, ri: usize, rule: &'a Rule) {
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
    pub(in crate::check) fn rule_on(&mut self, ri: usize, rule: &'a Rule, rec: u32) {
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
        // Empty (cleared when put back): every local starts as none, each
        // made in place rather than cloned from one, as `resize` would.
        let mut frame = std::mem::take(&mut self.spare_frame);
        frame.extend(std::iter::repeat_with(|| Value::None).take(rule.locals));
        if let Some(slot) = frame.get_mut(first.slot) {
            *slot = Value::Node(&record.root, rec);
        }
        let outer = self.current.replace(rec);
        let result = self.scope(
            ri,
            rule,
            1,
            &mut frame,
            Some(rec),
            Some((&record.root, rec)),
        );
        self.current = outer;
        frame.clear();
        self.spare_frame = frame;
        if self.rejected(&result) {
            return;
        }
        if let Err(f) = result
            && self.in_force.is_none_or(|judged| judged(rec))
            && self.faulted.insert(ri)
        {
            // Name the record too: its data is usually what made the
            // expression fail (a team with no members, a far-off date).
            let id_span = self.store.span_of(self.id_of_root(&record.root, rec), rec);
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
                        rule.id, record.id(), f.message
                    ),
                )
                .with_related(id_span, format!("the {kind} `{}` it was evaluated on", record.id()))
                .with_help(
                    "guard the expression against such records (e.g. `where count(…) > 0` before dividing), or correct the record",
                ),
            );
        }
    }

    /// Whether a rule's run ended on a record found to be bad input; that
    /// record is then rejected (once), instead of reporting a rule error.
    pub(in crate::check) fn rejected(&mut self, result: &Result<(), Fault>) -> bool {
        let Err(fault) = result else {
            return false;
        };
        let Some((bad, help)) = &fault.reject else {
            return false;
        };
        if !self.rejections.iter().any(|r| r.record == *bad) {
            self.rejections.push(Rejection {
                record: *bad,
                error: Diagnostic::error(fault.span, fault.message.clone()).with_help(help.clone()),
            });
        }
        true
    }

    /// Run a rule whose first binding is a group scope: once per run, on
    /// every group, ordered by key. Its findings belong to the record of
    /// their anchor.
    pub(in crate::check) fn group_rule(
        &mut self,
        ri: usize,
        rule: &'a Rule,
        list: &'a Ir,
        keys: &'a [Arg],
    ) {
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
                let subject = members.iter().find_map(Value::locus);
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

    pub(in crate::check) fn scope(
        &mut self,
        ri: usize,
        rule: &'a Rule,
        depth: usize,
        frame: &mut Vec<Value<'a>>,
        rec: Option<u32>,
        subject: Option<Locus<'a>>,
    ) -> Result<(), Fault> {
        let Some(binding) = rule.bindings.get(depth) else {
            if let (Some(rec), Some(subject)) = (rec, subject) {
                self.body(ri, rule, frame, rec, subject)?;
            }
            return Ok(());
        };
        // A list in a record (steps, attendees) is walked where it is,
        // not copied: this runs for every record a rule meets.
        if let ScopeSource::Expr(ir) = &binding.source {
            let list = self.eval(ir, frame)?;
            for item in list.iter() {
                self.bind(ri, rule, depth, frame, (rec, subject), item)?;
            }
            return Ok(());
        }
        let items: Vec<Value<'a>> = match &binding.source {
            ScopeSource::Kind(k) => self
                .store
                .by_kind
                .get(*k)
                .map(|l| l.iter().filter_map(|&r| self.store.root(r)).collect())
                .unwrap_or_default(),
            ScopeSource::All => self
                .store
                .all()
                .iter()
                .filter_map(|&r| self.store.root(r))
                .collect(),
            // Walked above; and only a first binding, run by `group_rule`.
            ScopeSource::Expr(_) | ScopeSource::Groups { .. } => Vec::new(),
        };
        for item in items {
            self.bind(ri, rule, depth, frame, (rec, subject), item)?;
        }
        Ok(())
    }

    /// Bind `item` to the binding at `depth` and run the scopes inside it.
    fn bind(
        &mut self,
        ri: usize,
        rule: &'a Rule,
        depth: usize,
        frame: &mut Vec<Value<'a>>,
        (rec, subject): (Option<u32>, Option<Locus<'a>>),
        item: Value<'a>,
    ) -> Result<(), Fault> {
        let (rec, subject) = match item.locus() {
            Some((d, r)) => (rec.or(Some(r)), Some((d, r))),
            None => (rec, subject),
        };
        if let Some(slot) = rule.bindings.get(depth).and_then(|b| frame.get_mut(b.slot)) {
            *slot = item;
        }
        self.scope(ri, rule, depth + 1, frame, rec, subject)
    }

    pub(in crate::check) fn body(
        &mut self,
        ri: usize,
        rule: &'a Rule,
        frame: &mut Vec<Value<'a>>,
        rec: u32,
        subject: Locus<'a>,
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
        let anchor = match &rule.at {
            Some(ir) => {
                let at = self.eval(ir, frame)?;
                self.pointed_at(&at)
            }
            None => None,
        };
        if let Some((_, r)) = anchor
            && rec == GROUP_RECORD
        {
            rec = r;
        }
        let at = anchor.unwrap_or(subject);
        let group_members = match rule.bindings.first().map(|b| (&b.source, b.slot)) {
            Some((ScopeSource::Groups { .. }, slot)) => match frame.get(slot) {
                Some(Value::Obj(ObjKind::Group, fields)) => fields.get(1).map(Value::items),
                _ => None,
            },
            _ => None,
        };
        if rec == GROUP_RECORD {
            // No anchor in a record: the group's first member's record.
            match group_members.iter().flatten().find_map(Value::locus) {
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
        let mut counted: HashSet<(*const Datum, u32)> = HashSet::new();
        for (ir, note) in &rule.related {
            if let Some(n) = self.related_difference(ir, note, frame, &mut related)? {
                more += n;
                continue;
            }
            let v = self.eval(ir, frame)?;
            let note = self.text_of(note, frame)?;
            let list = matches!(&v, Value::List(_) | Value::One(..))
                || matches!(&v, Value::Node(d, _) if d.data.is_list());
            let items: Box<dyn Iterator<Item = Value<'a>>> = if list {
                Box::new(v.iter())
            } else {
                Box::new(std::iter::once(v.clone()))
            };
            for item in items {
                if let Some(s) = self.pointed_at(&item) {
                    if related.len() < MAX_RELATED {
                        related.push((s, note.clone()));
                    } else {
                        more += 1;
                        counted.insert((std::ptr::from_ref(s.0), s.1));
                    }
                }
            }
        }
        // A group's findings list its members (but the anchor itself), each
        // once: not again when a `related` clause listed or counted it.
        for m in group_members.into_iter().flatten() {
            if let Some(s) = self.pointed_at(&m)
                && !same(s, at)
                && !counted.contains(&(std::ptr::from_ref(s.0), s.1))
                && !related.iter().any(|(x, _)| same(*x, s))
            {
                if related.len() < MAX_RELATED {
                    related.push((s, "组内记录".to_string()));
                } else {
                    more += 1;
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
    pub(in crate::check) fn outside_calendar(
        &self,
        date: &Value<'a>,
        year: i32,
        cal: &Calendar,
        span: Span,
    ) -> Fault {
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
            (Some((d, rec)), _) => {
                FaultInfo::at(self.store.span_of(d, rec), message, Some((rec, help)))
            }
            (None, Some(rec)) => {
                let at = self.store.records.get(rec as usize).map_or(span, |r| {
                    self.store.span_of(self.id_of_root(&r.root, rec), rec)
                });
                FaultInfo::at(at, message, Some((rec, help)))
            }
            (None, None) => FaultInfo::at(span, message, None),
        }
    }

    /// `related GROUP - OTHERS` over a large shared group (the other
    /// members of a split, say): list the first elements and count the
    /// rest without building the difference, which would cost the group's
    /// size for each of its members. `None` when `ir` is not such a
    /// difference; else how many were not listed.
    pub(in crate::check) fn related_difference(
        &mut self,
        ir: &Ir,
        note: &Ir,
        frame: &mut Vec<Value<'a>>,
        related: &mut Vec<(Locus<'a>, String)>,
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
            let keys: FastSet<Key> = items.iter().map(Value::key).collect();
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
            if let Some(s) = self.pointed_at(x) {
                related.push((s, note.clone()));
            }
            listed.insert(k);
        }
        Ok(Some(remaining - listed.len()))
    }

    /// Where a finding pointed at `v` points: a whole record at its `id`,
    /// a field left out at the structure it was left out of.
    fn pointed_at(&self, v: &Value<'a>) -> Option<Locus<'a>> {
        match v {
            Value::Absent(holder, rec) => Some((holder, *rec)),
            _ => v.datum().map(|(d, r)| (self.id_of_root(d, r), r)),
        }
    }

    /// A whole record is pointed at by its `id`.
    pub(in crate::check) fn id_of_root(&self, d: &'a Datum, rec: u32) -> &'a Datum {
        match (self.store.records.get(rec as usize), &d.data) {
            (Some(r), data) if std::ptr::eq(&r.root, d) => {
                data.fields().and_then(|f| f.first()).unwrap_or(d)
            }
            _ => d,
        }
    }
}

/// The tables of the program's `statistics` declarations over the checked
/// records, given the findings of the run (for `findings` in a column); and
/// the run-time errors met (a table that fails is left out).
pub fn statistics<'a>(
    program: &'a crate::check::Program,
    store: &'a crate::check::store::Store<'a>,
    fired: &[Fired<'a>],
) -> (Vec<crate::report::Table>, Vec<Diagnostic>) {
    let mut by_record: FastMap<u32, Vec<usize>> = FastMap::default();
    for (i, f) in fired.iter().enumerate() {
        by_record.entry(f.record).or_default().push(i);
    }
    let cache: Vec<OnceLock<Value<'a>>> =
        (0..program.cached.len()).map(|_| OnceLock::new()).collect();
    let new_ev = || {
        Ev::new(
            Some(program),
            &program.schema,
            store,
            &cache,
            (fired, &by_record),
            None,
        )
    };
    let mut tables = Vec::new();
    let mut errors = Vec::new();
    'tables: for st in &program.statistics {
        // Each record's unit, on all cores: a table counts every record of
        // its kind. A record of no unit counts under "".
        let records = store.by_kind.get(st.kind).map_or(&[][..], Vec::as_slice);
        let units: Vec<Option<Result<(String, Value<'a>), Fault>>> = records
            .par_iter()
            .with_min_len(STATISTICS_CHUNK)
            .map_init(&new_ev, |ev, &rec| {
                let root = store.root(rec)?;
                let mut frame = vec![Value::None; st.locals];
                ev.current = Some(rec);
                let key = match ev.apply(&st.by, root.clone(), &mut frame) {
                    Ok(v) => v.force(),
                    Err(f) => return Some(Err(f)),
                };
                let mut unit = String::new();
                if !matches!(key, Value::None) {
                    key.display(&mut unit);
                }
                Some(Ok((unit, root)))
            })
            .collect();
        // Units by their id; the first error in record order leaves the
        // table out.
        let mut groups: BTreeMap<String, Vec<Value<'a>>> = BTreeMap::new();
        for unit in units.into_iter().flatten() {
            match unit {
                Ok((unit, root)) => groups.entry(unit).or_default().push(root),
                Err(f) => {
                    errors.push(Diagnostic::error(f.span, f.message));
                    continue 'tables;
                }
            }
        }
        // The rows on all cores, each job with an evaluator of its own (its
        // memo holds the calendar read from the parameters). A table with
        // an error is left out, with the first error in row order.
        let groups: Vec<(String, Vec<Value<'a>>)> = groups.into_iter().collect();
        let rows: Vec<Result<crate::report::Row, Fault>> = groups
            .into_par_iter()
            .map_init(&new_ev, |ev, (unit, members)| {
                statistics_row(ev, st, unit, members)
            })
            .collect();
        let rows = match rows.into_iter().collect::<Result<Vec<_>, Fault>>() {
            Ok(rows) => rows,
            Err(f) => {
                errors.push(Diagnostic::error(f.span, f.message));
                continue 'tables;
            }
        };
        tables.push(crate::report::Table {
            title: st.title.clone(),
            kind: program
                .schema
                .kinds
                .get(st.kind)
                .map_or(String::new(), |k| k.name.clone()),
            columns: st.columns.clone(),
            rows,
        });
    }
    (tables, errors)
}

/// The fewest records whose units one task finds: finding one is a
/// field read or two.
const STATISTICS_CHUNK: usize = 512;

/// One row of a statistics table: the columns over one unit's records.
fn statistics_row<'a>(
    ev: &mut Ev<'a, '_>,
    st: &'a crate::check::program::Statistics,
    unit: String,
    members: Vec<Value<'a>>,
) -> Result<crate::report::Row, Fault> {
    use crate::check::program::StatStep;
    let mut frame = vec![Value::None; st.locals];
    if let Some(s) = frame.get_mut(st.slot) {
        *s = Value::List(Arc::new(members));
    }
    let mut values = vec![None; st.columns.len()];
    for step in &st.steps {
        let v = match step {
            StatStep::Let(_, ir) | StatStep::Column(_, ir) => ev.eval(ir, &mut frame)?.force(),
        };
        match step {
            StatStep::Let(slot, _) => {
                if let Some(s) = frame.get_mut(*slot) {
                    *s = v;
                }
            }
            StatStep::Column(i, _) => {
                if let Some(cell) = values.get_mut(*i) {
                    *cell = v.as_num();
                }
            }
        }
    }
    Ok(crate::report::Row { unit, values })
}
