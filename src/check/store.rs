//! The records of one run, indexed by kind and id.

use std::collections::HashMap;

use super::program::{Rule, ScopeSource};
use super::value::Value;
use crate::records::Record;
use crate::schema::KindId;

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
    pub(super) fn scope_of(&self, rule: &Rule) -> &[u32] {
        match rule.bindings.first().map(|b| &b.source) {
            Some(ScopeSource::Kind(k)) => self.by_kind.get(*k).map_or(&[], Vec::as_slice),
            Some(ScopeSource::All) => &self.all,
            // The compiler makes every rule's first binding range over
            // records; a group scope runs whole (`Ev::group_rule`).
            Some(ScopeSource::Expr(_) | ScopeSource::Groups { .. }) | None => &[],
        }
    }

    pub(super) fn root(&self, rec: u32) -> Option<Value<'a>> {
        self.records
            .get(rec as usize)
            .map(|r| Value::Node(&r.root, rec))
    }
}
