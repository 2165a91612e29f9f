//! The lists of a `group`, by key. A group over records may have a group
//! per record (`group(records(), x => x.kind, x => x.id)`), so neither a
//! group's key nor its place in the table is an allocation of its own:
//! the keys of all groups lie end to end in one list, their members in
//! another, and the table that finds a group by its key holds only the
//! group's number, 5 bytes a slot where a map from boxed keys to members
//! held 33 and a box for each key.

use std::hash::BuildHasher;
use std::sync::Arc;

use hashbrown::HashTable;

use super::value::{Key, Members, Value};

/// The lists of a `group` by key: its own lists, over those of a group
/// computed once over the records an editor is not changing (see
/// `eval::layered`). A key of its own hides the same key of `base`.
#[derive(Debug, Default)]
pub struct GroupMap<'a> {
    /// How many keys make a group's key (the `group`'s key functions).
    parts: usize,
    /// The groups' keys, `parts` each, in the order the groups were met.
    keys: Vec<Key<'a>>,
    /// The groups' members, in the same order.
    members: Vec<Members<'a>>,
    /// Group numbers, found by the hash of their key.
    index: HashTable<u32>,
    hasher: foldhash::fast::RandomState,
    /// The lists of the keys not among its own.
    pub base: Option<Arc<GroupMap<'a>>>,
}

/// The key of group `g` among `keys`, `parts` keys a group: the one
/// place that says where a key lies, for lookups and rehashing alike.
fn key_at<'k, 'a>(keys: &'k [Key<'a>], parts: usize, g: u32) -> &'k [Key<'a>] {
    let start = (g as usize).saturating_mul(parts);
    keys.get(start..start.saturating_add(parts))
        .unwrap_or_default()
}

/// More groups than a group number holds.
#[derive(Debug)]
pub struct TooManyGroups;

impl<'a> GroupMap<'a> {
    /// No groups yet, of keys of `parts` parts, with room in the table
    /// for up to `groups`: no key is hashed again as the table grows. The
    /// keys and members grow as groups come: most lists grouped have far
    /// fewer groups than elements, and a large list grows in place.
    pub fn new(parts: usize, groups: usize) -> GroupMap<'a> {
        GroupMap {
            parts,
            index: HashTable::with_capacity(groups),
            ..GroupMap::default()
        }
    }

    /// The key of group `g`.
    fn key_of(&self, g: u32) -> &[Key<'a>] {
        key_at(&self.keys, self.parts, g)
    }

    /// The number of the group of `key`, of hash `hash`.
    fn find(&self, hash: u64, key: &[Key<'a>]) -> Option<u32> {
        self.index.find(hash, |&g| self.key_of(g) == key).copied()
    }

    /// A new group of `key`, of hash `hash`, holding `members`.
    fn insert(
        &mut self,
        hash: u64,
        key: impl IntoIterator<Item = Key<'a>>,
        members: Members<'a>,
    ) -> Result<(), TooManyGroups> {
        let g = u32::try_from(self.members.len()).map_err(|_| TooManyGroups)?;
        self.keys.extend(key);
        self.members.push(members);
        let (keys, parts, hasher) = (&self.keys, self.parts, &self.hasher);
        self.index
            .insert_unique(hash, g, |&g| hasher.hash_one(key_at(keys, parts, g)));
        Ok(())
    }

    /// Add `x` to the group of `key`, a key of [`GroupMap::parts`] parts;
    /// `key` is left empty, for the next.
    pub fn add(&mut self, key: &mut Vec<Key<'a>>, x: Value<'a>) -> Result<(), TooManyGroups> {
        debug_assert_eq!(key.len(), self.parts, "a key of the group's parts");
        let hash = self.hasher.hash_one(&key[..]);
        match self
            .find(hash, key)
            .and_then(|g| self.members.get_mut(g as usize))
        {
            Some(members) => {
                members.push(x);
                key.clear();
                Ok(())
            }
            None => self.insert(hash, key.drain(..), Members::of(x)),
        }
    }

    /// Set the members of the group of `key`: a new group, or in place of
    /// the members it had.
    pub fn add_group(
        &mut self,
        key: &[Key<'a>],
        members: Members<'a>,
    ) -> Result<(), TooManyGroups> {
        let hash = self.hasher.hash_one(key);
        match self
            .find(hash, key)
            .and_then(|g| self.members.get_mut(g as usize))
        {
            Some(old) => {
                *old = members;
                Ok(())
            }
            None => self.insert(hash, key.iter().cloned(), members),
        }
    }

    /// Give back the room no group took, and that left over in each
    /// group's list as it grew.
    pub fn shrink_to_fit(&mut self) {
        self.keys.shrink_to_fit();
        self.members.shrink_to_fit();
        for m in &mut self.members {
            m.shrink_to_fit();
        }
        let (keys, parts, hasher) = (&self.keys, self.parts, &self.hasher);
        self.index
            .shrink_to_fit(|&g| hasher.hash_one(key_at(keys, parts, g)));
    }

    /// The members of one key.
    pub fn get(&self, key: &[Key<'a>]) -> Option<&Members<'a>> {
        let own = self
            .find(self.hasher.hash_one(key), key)
            .and_then(|g| self.members.get(g as usize));
        own.or_else(|| self.base.as_ref().and_then(|b| b.get(key)))
    }

    /// Its own groups (not its base's), as keys and members, in the order
    /// they were met.
    pub fn iter(&self) -> impl Iterator<Item = (&[Key<'a>], &Members<'a>)> {
        // A key of no parts: every member is in the one group there is.
        let parts = self.parts.max(1);
        let keys = self.keys.chunks(parts).chain(std::iter::repeat(&[][..]));
        keys.zip(&self.members)
    }

    /// How many keys make a group's key.
    pub fn parts(&self) -> usize {
        self.parts
    }

    /// How many groups of its own it has.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// Whether it has no groups of its own.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::num::Num;

    /// A key of texts.
    fn key(parts: &[&str]) -> Vec<Key<'static>> {
        parts.iter().map(|p| Value::text(p).key()).collect()
    }

    /// The members of a group as a report shows them; none for no group.
    fn shown(members: Option<&Members<'_>>) -> Vec<String> {
        members.map_or(Vec::new(), |m| {
            m.list()
                .iter()
                .map(|v| {
                    let mut out = String::new();
                    v.display(&mut out);
                    out
                })
                .collect()
        })
    }

    /// Members gather under their key in the order they came; a key of
    /// other parts, or of another length, finds nothing.
    #[test]
    fn members_gather_under_their_key() -> Result<(), TooManyGroups> {
        let mut groups = GroupMap::new(2, 1);
        let n = |i: i64| Value::num(Num::int(i));
        for (i, parts) in [["a", "x"], ["b", "x"], ["a", "x"], ["a", "y"], ["a", "x"]]
            .iter()
            .enumerate()
        {
            let mut k = key(parts);
            groups.add(&mut k, n(i as i64))?;
            assert!(k.is_empty());
        }
        groups.shrink_to_fit();
        assert_eq!(groups.len(), 3);
        assert_eq!(shown(groups.get(&key(&["a", "x"]))), ["0", "2", "4"]);
        assert_eq!(shown(groups.get(&key(&["b", "x"]))), ["1"]);
        assert_eq!(shown(groups.get(&key(&["a", "y"]))), ["3"]);
        assert!(groups.get(&key(&["b", "y"])).is_none());
        assert!(groups.get(&key(&["a"])).is_none());
        assert!(groups.get(&key(&["a", "x", "z"])).is_none());
        let order: Vec<(Vec<Key>, Vec<String>)> = groups
            .iter()
            .map(|(k, m)| (k.to_vec(), shown(Some(m))))
            .collect();
        assert_eq!(
            order,
            [
                (key(&["a", "x"]), vec!["0".into(), "2".into(), "4".into()]),
                (key(&["b", "x"]), vec!["1".into()]),
                (key(&["a", "y"]), vec!["3".into()]),
            ]
        );
        Ok(())
    }

    /// A group laid over a base hides the base's group of the same key
    /// and shows the others.
    #[test]
    fn own_groups_hide_the_base() -> Result<(), TooManyGroups> {
        let mut base = GroupMap::new(1, 0);
        base.add(&mut key(&["a"]), Value::text("base a"))?;
        base.add(&mut key(&["b"]), Value::text("base b"))?;
        let mut top = GroupMap::new(1, 0);
        top.add_group(&key(&["a"]), Members::of(Value::text("top a")))?;
        top.add_group(&key(&["a"]), Members::of(Value::text("top a again")))?;
        top.base = Some(Arc::new(base));
        assert_eq!(top.len(), 1);
        assert_eq!(shown(top.get(&key(&["a"]))), ["top a again"]);
        assert_eq!(shown(top.get(&key(&["b"]))), ["base b"]);
        assert!(top.get(&key(&["c"])).is_none());
        Ok(())
    }
}
