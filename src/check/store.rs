//! The records of one run, indexed by kind and id.

use rayon::prelude::*;

use super::ids::{IdEntry, IdIndex};
use super::ir::Ir;
use super::place::Locator;
use super::program::{Rule, ScopeSource};
use super::value::Value;
use crate::records::Record;
use crate::schema::{Datum, KindId};
use crate::source::Span;

/// The value of a whole-run expression (the cache slot and its
/// expression) over a frozen base's records alone; none when it fails.
/// Evaluation over a [`Store::layered`] combines it with the value over
/// the hot file's records.
pub type BaseSlot<'a> = dyn Fn(usize, &Ir) -> Option<Value<'a>> + Sync + 'a;

/// What a store laid over a frozen base knows of it.
#[derive(Debug)]
pub struct Layer {
    /// Records `0..base_len` are the base's, the rest the hot file's.
    pub base_len: u32,
    /// Each record's place in the order `records()` lists all records:
    /// kinds in order, each by id.
    pub rank: Vec<u32>,
    /// The kinds the hot file has records of.
    pub hot_kinds: Vec<bool>,
}

/// The records of one run, indexed by kind and id.
#[derive(Debug, Default)]
pub struct Store<'a> {
    /// Set when the store was laid over a frozen base ([`Store::layered`]).
    pub layer: Option<Layer>,
    /// Checked records in path order.
    pub records: Vec<&'a Record>,
    /// Record indexes per kind, ordered by id.
    pub by_kind: Vec<Vec<u32>>,
    /// Ids of checked and rejected records. The first record with an id
    /// wins; read them with [`Store::id`].
    ids: IdIndex<'a>,
    /// Every record index, in order.
    all: Vec<u32>,
    /// Finds where data are in the texts of the records' files, for the
    /// errors evaluation reports at a datum; without it, such an error is
    /// at the datum's record.
    pub locator: Option<Locator<'a>>,
}

impl<'a> Store<'a> {
    /// Where `d`, a datum of record `rec`, is: read again from the
    /// record's text, so for the rare error, not for every finding (see
    /// `check::place`).
    pub fn span_of(&self, d: &Datum, rec: u32) -> Span {
        match (self.records.get(rec as usize), &self.locator) {
            (Some(r), Some(locator)) => locator.span(r, d),
            (Some(r), None) => r.span(),
            // Not met: every datum evaluation holds is a record's.
            (None, _) => Span::default(),
        }
    }

    /// Index checked records, and the ids of rejected ones.
    pub fn new(
        records: Vec<&'a Record>,
        rejected: impl IntoIterator<Item = (KindId, &'a str)>,
        kinds: usize,
    ) -> Store<'a> {
        let mut by_kind = vec![Vec::new(); kinds];
        for (i, r) in records.iter().enumerate() {
            if let Some(list) = by_kind.get_mut(r.kind) {
                list.push(u32::try_from(i).unwrap_or(u32::MAX));
            }
        }
        // The id index is built while the lists are sorted: a large run
        // waits for both before any rule runs.
        let (mut ids, ()) = rayon::join(
            || {
                let mut ids = IdIndex::with_capacity(records.len());
                for i in 0..records.len() {
                    ids.add_checked(&records, u32::try_from(i).unwrap_or(u32::MAX), |_| true);
                }
                ids
            },
            || {
                // Rules see the records of a kind ordered by id, so that
                // what they list does not depend on how the files were
                // named; the sort is stable, so records sharing an id stay
                // in path order.
                for list in &mut by_kind {
                    list.par_sort_by(|&a, &b| {
                        let id = |r: u32| records.get(r as usize).map(|r| r.id());
                        id(a).cmp(&id(b))
                    });
                }
            },
        );
        for (kind, id) in rejected {
            ids.add_rejected(kind, id);
        }
        let all = (0..records.len())
            .map(|r| u32::try_from(r).unwrap_or(u32::MAX))
            .collect();
        Store {
            layer: None,
            records,
            by_kind,
            ids,
            all,
            locator: None,
        }
    }

    /// The store of `base`'s records with those of one more file, `hot`
    /// (its checked records and the kind and id of its rejected ones), as
    /// if the file had been read in its place among the base's files: after
    /// the base's first `before` records. Indexes, id lookups and the order
    /// of `records()` are those [`Store::new`] would give over all the
    /// records in path order, but the base's records keep their indexes,
    /// so that values computed over the base alone stay valid: records
    /// `0..base.records.len()` are the base's, the rest the hot file's.
    pub fn layered(
        base: &Store<'a>,
        hot: &'a [Record],
        hot_rejected: impl IntoIterator<Item = (KindId, &'a str)>,
        before: u32,
    ) -> Store<'a> {
        let base_len = u32::try_from(base.records.len()).unwrap_or(u32::MAX);
        let hot_len = u32::try_from(hot.len()).unwrap_or(u32::MAX);
        let mut records = base.records.clone();
        records.extend(hot.iter());
        // Where each record stands in path order: the hot file's records
        // sit between the base's first `before` and the rest.
        let path_rank = |i: u32| match i {
            i if i >= base_len => before + (i - base_len),
            i if i < before => i,
            i => i + hot_len,
        };
        let id = |i: u32| records.get(i as usize).map_or("", |r| r.id());
        let mut by_kind = Vec::with_capacity(base.by_kind.len());
        for (kind, list) in base.by_kind.iter().enumerate() {
            let mut mine: Vec<u32> = (base_len..base_len + hot_len)
                .filter(|&i| records.get(i as usize).is_some_and(|r| r.kind == kind))
                .collect();
            if mine.is_empty() {
                by_kind.push(list.clone());
                continue;
            }
            mine.sort_by(|&a, &b| id(a).cmp(id(b)).then(path_rank(a).cmp(&path_rank(b))));
            let mut merged = Vec::with_capacity(list.len() + mine.len());
            let mut rest = list.as_slice();
            for h in mine {
                let at = rest.partition_point(|&b| (id(b), path_rank(b)) < (id(h), path_rank(h)));
                let (head, tail) = rest.split_at(at);
                merged.extend_from_slice(head);
                merged.push(h);
                rest = tail;
            }
            merged.extend_from_slice(rest);
            by_kind.push(merged);
        }
        let mut ids = base.ids.clone();
        // The first in path order wins.
        for j in 0..hot_len {
            ids.add_checked(&records, base_len + j, |o| {
                path_rank(o) < path_rank(base_len + j)
            });
        }
        for (kind, id) in hot_rejected {
            ids.add_rejected(kind, id);
        }
        let mut rank = vec![0; records.len()];
        for (n, &r) in by_kind.iter().flatten().enumerate() {
            if let Some(slot) = rank.get_mut(r as usize) {
                *slot = u32::try_from(n).unwrap_or(u32::MAX);
            }
        }
        let mut hot_kinds = vec![false; base.by_kind.len()];
        for r in hot {
            if let Some(k) = hot_kinds.get_mut(r.kind) {
                *k = true;
            }
        }
        // Every record in path order, as `Store::new` lists them.
        let all = (0..before.min(base_len))
            .chain(base_len..base_len + hot_len)
            .chain(before.min(base_len)..base_len)
            .collect();
        Store {
            layer: Some(Layer {
                base_len,
                rank,
                hot_kinds,
            }),
            records,
            by_kind,
            ids,
            all,
            locator: base.locator.clone(),
        }
    }

    /// What `kind` and `id` name.
    pub fn id(&self, kind: KindId, id: &str) -> Option<IdEntry> {
        self.ids.get(&self.records, kind, id)
    }

    /// The records a rule's first binding ranges over.
    pub(super) fn scope_of(&self, rule: &Rule) -> &[u32] {
        match rule.bindings.first().map(|b| &b.source) {
            Some(ScopeSource::Kind(k)) => self.by_kind.get(*k).map_or(&[], Vec::as_slice),
            Some(ScopeSource::All) => &self.all,
            // The compiler makes every rule's first binding range over
            // records; a group scope runs whole (`Ev::group_rule`).
            Some(ScopeSource::Expr(_) | ScopeSource::Groups { .. }) | None => &[],
        }
    }

    /// Every record, in path order.
    pub(super) fn all(&self) -> &[u32] {
        &self.all
    }

    pub(super) fn root(&self, rec: u32) -> Option<Value<'a>> {
        self.records
            .get(rec as usize)
            .map(|r| Value::Node(&r.root, rec))
    }
}
