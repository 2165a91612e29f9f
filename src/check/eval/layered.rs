//! Whole-run values over a store laid over a frozen base
//! ([`Store::layered`](crate::check::store::Store::layered)): the editor
//! keeps the records it is not changing indexed, with the values computed
//! over them (every `group` of all records …), and on each edit computes
//! only the edited file's part and combines the two. An expression combines
//! so when it is a pipeline over `records()` that treats each record on its
//! own: `filter`, `map` and `flatten` with functions that read nothing but
//! their element (and records of kinds the edited file has none of), and
//! at most one `group` at the end. Any other whole-run value is computed
//! over every record, as without a base.

use std::sync::Arc;

use super::Ev;
use crate::check::groups::GroupMap;
use crate::check::ir::{Arg, Builtin, Ir, Op};
use crate::check::value::{Members, Value};

impl<'a> Ev<'a, '_> {
    /// The whole-run value of cache slot `slot` (expression `inner`) from
    /// the base's value and the hot file's part; none when the expression
    /// does not combine so, or either part fails (then the caller computes
    /// it over every record, and meets the failure there).
    pub(super) fn layered_slot(
        &mut self,
        slot: usize,
        inner: &Ir,
        frame: &mut Vec<Value<'a>>,
    ) -> Option<Value<'a>> {
        let layer = self.store.layer.as_ref()?;
        let base = self.base?;
        if !combines(inner, &layer.hot_kinds) {
            return None;
        }
        let base = base(slot, inner)?;
        let was = std::mem::replace(&mut self.hot_only, true);
        let hot = self.eval(inner, frame);
        self.hot_only = was;
        combine(base, hot.ok()?, &layer.rank)
    }

    /// Whether record `rec` is left out of `records()` now: computing the
    /// hot file's part of a whole-run value lists only its records.
    pub(super) fn outside_part(&self, rec: u32) -> bool {
        self.hot_only
            && self
                .store
                .layer
                .as_ref()
                .is_some_and(|layer| rec < layer.base_len)
    }
}

/// Whether a whole-run expression is a pipeline that treats each record
/// on its own, ending in at most one `group`.
pub(in crate::check) fn combines(ir: &Ir, hot_kinds: &[bool]) -> bool {
    match &ir.op {
        Op::Call(Builtin::Group, args) => match args.split_first() {
            Some((Arg::Value(source), keys)) => {
                per_record(source, hot_kinds)
                    && keys.iter().all(|k| match k {
                        Arg::Lambda(_, body) => own_element(body, hot_kinds, Reads::Others),
                        Arg::Value(_) => false,
                    })
            }
            _ => false,
        },
        _ => per_record(ir, hot_kinds),
    }
}

/// A list of all records of some kinds, filtered, mapped or flattened
/// element by element.
fn per_record(ir: &Ir, hot_kinds: &[bool]) -> bool {
    match &ir.op {
        Op::Records(_) | Op::AllRecords => true,
        Op::Cached(_, inner) => per_record(inner, hot_kinds),
        Op::Call(b @ (Builtin::Filter | Builtin::Map), args) => match args.as_slice() {
            [Arg::Value(source), Arg::Lambda(_, body)] => {
                // A mapped element must stay data of its own record, which
                // gives its place in the merged list.
                let reads = match b {
                    Builtin::Map => Reads::Element,
                    _ => Reads::Others,
                };
                per_record(source, hot_kinds) && own_element(body, hot_kinds, reads)
            }
            _ => false,
        },
        Op::Call(Builtin::Flatten, args) => match args.as_slice() {
            [Arg::Value(source)] => per_record(source, hot_kinds),
            _ => false,
        },
        _ => false,
    }
}

/// What an element function may read besides its element and constants.
#[derive(Clone, Copy, PartialEq)]
enum Reads {
    /// Nothing else.
    Element,
    /// Records it looks up, of kinds the hot file has none of.
    Others,
}

/// Whether a function of an element reads nothing but the element, the
/// rules' constants and (with [`Reads::Others`]) records of kinds the hot
/// file has none of: then its result over a base element is the same with
/// or without the hot file.
fn own_element(body: &Ir, hot_kinds: &[bool], reads: Reads) -> bool {
    let mut own = true;
    body.visit(&mut |ir| match &ir.op {
        Op::Records(_)
        | Op::AllRecords
        | Op::Cached(..)
        | Op::Rejected(..)
        | Op::LookupKey(..)
        | Op::Call(
            Builtin::Refs
            | Builtin::Findings
            | Builtin::FindingsOn
            | Builtin::Missing
            | Builtin::Early
            | Builtin::SharedActors,
            _,
        ) => own = false,
        Op::LookupRef(kind, _)
            if reads == Reads::Element || hot_kinds.get(*kind).copied().unwrap_or(true) =>
        {
            own = false
        }
        _ => {}
    });
    own
}

/// The base's value with the hot file's part, in the order of `records()`
/// over both (`rank`); none unless both are lists or both groups whose
/// elements are record data (which names its record, and so its place).
fn combine<'a>(base: Value<'a>, hot: Value<'a>, rank: &[u32]) -> Option<Value<'a>> {
    match (base, hot) {
        (Value::List(b), Value::List(h)) => Some(Value::List(merge(&b, &h, rank)?)),
        (Value::Groups(b), Value::Groups(h)) if h.base.is_none() => {
            let mut groups = GroupMap::new(h.parts(), h.len());
            for (key, list) in h.iter() {
                let merged = match b.get(key) {
                    Some(old) => Members::Many(merge(&old.list(), &list.list(), rank)?),
                    None => list.clone(),
                };
                groups.add_group(key, merged).ok()?;
            }
            groups.base = Some(b);
            Some(Value::Groups(Arc::new(groups)))
        }
        _ => None,
    }
}

/// Two lists of record data, each in `records()` order, merged into one;
/// the base's list itself when the hot part is empty, so that what is
/// remembered about it (running totals, windows) still applies.
fn merge<'a>(
    base: &Arc<Vec<Value<'a>>>,
    hot: &Arc<Vec<Value<'a>>>,
    rank: &[u32],
) -> Option<Arc<Vec<Value<'a>>>> {
    if hot.is_empty() {
        return Some(base.clone());
    }
    if base.is_empty() {
        return Some(hot.clone());
    }
    let place = |v: &Value<'a>| match v {
        Value::Node(_, rec) | Value::One(_, rec) | Value::Absent(_, rec) => {
            rank.get(*rec as usize).copied()
        }
        _ => None,
    };
    let mut out = Vec::with_capacity(base.len() + hot.len());
    let mut h = hot.iter().peekable();
    for b in base.iter() {
        let at = place(b)?;
        while let Some(next) = h.peek() {
            if place(next)? < at {
                out.extend(h.next().cloned());
            } else {
                break;
            }
        }
        out.push(b.clone());
    }
    for rest in h {
        place(rest)?;
        out.push(rest.clone());
    }
    Some(Arc::new(out))
}
