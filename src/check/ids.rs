//! Which record an id names.

use std::hash::BuildHasher;

use hashbrown::HashTable;

use super::value::FastSet;
use crate::records::Record;
use crate::schema::KindId;

/// What an id names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdEntry {
    /// A checked record (index into [`super::store::Store::records`]).
    Checked(u32),
    /// A record that exists but was rejected for input errors.
    Rejected,
}

/// The ids of a run: for each kind and id, the checked record it names,
/// or whether only rejected records have it. A checked record wins over
/// a rejected one.
///
/// A checked record is held as its index alone, its kind and id read back
/// from the record when a lookup meets it: 4 bytes a record against the
/// 32 of a map from kind and text, 10 MB rather than 70 for a million.
#[derive(Debug, Clone, Default)]
pub struct IdIndex<'a> {
    checked: HashTable<u32>,
    rejected: FastSet<(KindId, &'a str)>,
    hasher: foldhash::fast::RandomState,
}

/// The hash of a kind and an id. Ids hash as bytes: a record's id is
/// read without being checked to be UTF-8 again.
fn id_hash(hasher: &foldhash::fast::RandomState, kind: KindId, id: &[u8]) -> u64 {
    hasher.hash_one((kind, id))
}

/// Whether `record` is of `kind` with the id `id`.
fn names(record: Option<&&Record>, kind: KindId, id: &[u8]) -> bool {
    record.is_some_and(|r| r.kind == kind && r.id_bytes() == id)
}

impl<'a> IdIndex<'a> {
    /// An index with room for `records` checked records.
    pub fn with_capacity(records: usize) -> IdIndex<'a> {
        IdIndex {
            checked: HashTable::with_capacity(records),
            ..IdIndex::default()
        }
    }

    /// Let record `i` of `records` name its kind and id, unless record
    /// `o` does already and `keep(o)` says it stays.
    pub fn add_checked(&mut self, records: &[&'a Record], i: u32, keep: impl Fn(u32) -> bool) {
        let Some(r) = records.get(i as usize) else {
            return;
        };
        let (kind, id) = (r.kind, r.id_bytes());
        let hash = id_hash(&self.hasher, kind, id);
        let rehash = |&j: &u32| {
            records
                .get(j as usize)
                .map_or(0, |r| id_hash(&self.hasher, r.kind, r.id_bytes()))
        };
        match self
            .checked
            .entry(hash, |&j| names(records.get(j as usize), kind, id), rehash)
        {
            hashbrown::hash_table::Entry::Occupied(mut o) => {
                if !keep(*o.get()) {
                    *o.get_mut() = i;
                }
            }
            hashbrown::hash_table::Entry::Vacant(v) => {
                v.insert(i);
            }
        }
    }

    /// Note that a rejected record has this kind and id.
    pub fn add_rejected(&mut self, kind: KindId, id: &'a str) {
        self.rejected.insert((kind, id));
    }

    /// What `kind` and `id` name among `records`.
    pub fn get(&self, records: &[&'a Record], kind: KindId, id: &str) -> Option<IdEntry> {
        let hash = id_hash(&self.hasher, kind, id.as_bytes());
        if let Some(&i) = self.checked.find(hash, |&j| {
            names(records.get(j as usize), kind, id.as_bytes())
        }) {
            return Some(IdEntry::Checked(i));
        }
        self.rejected
            .contains(&(kind, id))
            .then_some(IdEntry::Rejected)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::store::Store;
    use crate::check::{self, FileSet};
    use crate::records::Limits;
    use crate::source::SourceMap;

    const RULES: &str = "kind a {\n  n: whole\n}\nkind b {\n  n: whole\n}\n";

    fn read(sources: &mut SourceMap, schema: &crate::schema::Schema, text: &str) -> FileSet {
        let file = sources.add("r.yaml", text.to_string());
        check::read_file(sources, file, schema, &Limits::default())
    }

    #[test]
    fn an_id_names_the_first_checked_record_of_its_kind() -> Result<(), String> {
        let mut sources = SourceMap::new();
        let compiled = check::compile_for_test(&mut sources, RULES)?;
        let schema = &compiled.program.schema;
        let (a, b) = (schema.kind("a"), schema.kind("b"));
        let (Some(a), Some(b)) = (a, b) else {
            return Err("kinds a and b are declared".into());
        };
        // x twice in a (the first wins), x in b too, y in a only.
        let first = read(
            &mut sources,
            schema,
            "kind: a\nid: x\nn: 1\n---\nkind: b\nid: x\nn: 2\n---\nkind: a\nid: x\nn: 3\n---\nkind: a\nid: y\nn: 4\n",
        );
        assert!(first.errors.is_empty(), "{:?}", first.errors);
        // A rejected a `z`, a rejected a `y` (its checked namesake wins),
        // and a record hidden by nothing.
        let rejected = [(a, "z"), (a, "y"), (b, "w")];
        let store = Store::new(first.records.iter().collect(), rejected, schema.kinds.len());
        assert_eq!(store.id(a, "x"), Some(IdEntry::Checked(0)));
        assert_eq!(store.id(b, "x"), Some(IdEntry::Checked(1)));
        assert_eq!(store.id(a, "y"), Some(IdEntry::Checked(3)));
        assert_eq!(store.id(a, "z"), Some(IdEntry::Rejected));
        assert_eq!(store.id(b, "w"), Some(IdEntry::Rejected));
        assert_eq!(store.id(b, "y"), None);
        assert_eq!(store.id(a, "不存在"), None);
        // A file laid over the base, read between its records: its `a y`
        // comes first in path order and wins; its `a x` comes after the
        // base's first and does not; its `b v` is new.
        let hot = read(
            &mut sources,
            schema,
            "kind: a\nid: y\nn: 5\n---\nkind: a\nid: x\nn: 6\n---\nkind: b\nid: v\nn: 7\n",
        );
        let layered = Store::layered(&store, &hot.records, [(b, "u")], 3);
        assert_eq!(layered.id(a, "x"), Some(IdEntry::Checked(0)));
        assert_eq!(layered.id(a, "y"), Some(IdEntry::Checked(4)));
        assert_eq!(layered.id(b, "v"), Some(IdEntry::Checked(6)));
        assert_eq!(layered.id(b, "u"), Some(IdEntry::Rejected));
        assert_eq!(layered.id(a, "z"), Some(IdEntry::Rejected));
        Ok(())
    }

    /// Ids held apart from their records (longer than a short text) and
    /// ids held in place are found alike, by kind.
    #[test]
    fn long_and_short_ids_are_found() -> Result<(), String> {
        let mut sources = SourceMap::new();
        let compiled = check::compile_for_test(&mut sources, RULES)?;
        let schema = &compiled.program.schema;
        let (Some(a), Some(b)) = (schema.kind("a"), schema.kind("b")) else {
            return Err("kinds a and b are declared".into());
        };
        let long = "龙潭区财政局二〇二四年第一号";
        let file = read(
            &mut sources,
            schema,
            &format!("kind: a\nid: 短号\nn: 1\n---\nkind: b\nid: {long}\nn: 2\n"),
        );
        assert!(file.errors.is_empty(), "{:?}", file.errors);
        let store = Store::new(file.records.iter().collect(), [], schema.kinds.len());
        assert_eq!(store.id(a, "短号"), Some(IdEntry::Checked(0)));
        assert_eq!(store.id(b, long), Some(IdEntry::Checked(1)));
        assert_eq!(store.id(a, long), None);
        assert_eq!(store.id(b, "龙潭区财政局二〇二四年第二号"), None);
        Ok(())
    }
}
