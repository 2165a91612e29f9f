//! The collections the loader is still reading, and where its anchors are.
//!
//! Nodes are built in place as their events arrive: a collection's children
//! move into it when it closes. An anchor costs no copy: it remembers where
//! its node is (a path of child indices). An alias, once charged against the
//! limits, leaves a placeholder that is filled with a copy of the anchored
//! node when the document is complete, so that a document refused for its
//! size never holds the copies.

use std::collections::HashMap;

use crate::records::tree::{Node, NodeKind};
use crate::source::Span;

/// Where a collection goes once it is complete.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Slot {
    /// It is the document's root.
    Root,
    /// Child `i` of the collection around it (in a mapping, key `k` is
    /// child `2k` and its value child `2k + 1`).
    Child(usize),
    /// It is dropped (a key that is not text, or the value of a rejected
    /// key), and kept as orphan `o` for the aliases of the anchors inside it.
    Orphan(usize),
}

/// Where a node is in the document being read.
#[derive(Clone)]
pub(super) struct Place {
    /// The node the path starts from: the document's root (`None`) or an
    /// orphan.
    pub(super) origin: Option<usize>,
    /// Child indices from the origin down to the node.
    pub(super) path: Vec<usize>,
}

/// An alias's placeholder, to be filled with a copy of the node at `from`.
pub(super) struct Pending {
    pub(super) from: Place,
    pub(super) to: Place,
}

/// What an anchor names, with what it would cost to expand it again.
pub(super) struct Anchored {
    pub(super) place: Place,
    /// What an alias of it is as a key, which is checked at once: the
    /// scalar itself, or only the shape of a collection (no key may be one,
    /// and a dropped key is named by no anchor).
    pub(super) as_key: NodeKind,
    /// Nodes in the subtree, aliases expanded.
    pub(super) count: usize,
    /// Nesting levels in the subtree (0 for a scalar).
    pub(super) height: usize,
}

/// A collection still being read.
pub(super) struct Frame {
    pub(super) is_map: bool,
    /// Written with brackets (`[`, `{`): its span ends at the closing bracket.
    pub(super) flow: bool,
    pub(super) start: usize,
    /// End of the last child, where a block collection ends.
    pub(super) last_end: usize,
    /// Where the collection goes once complete.
    pub(super) slot: Slot,
    /// A sequence's elements.
    pub(super) items: Vec<Node>,
    /// A mapping's entries.
    pub(super) entries: Vec<(Node, Node)>,
    pub(super) anchor: usize,
    pub(super) count: usize,
    pub(super) height: usize,
    /// Mapping: the next child is a value.
    pub(super) awaiting_value: bool,
    /// Mapping: the key waiting for its value; `None` when the key was
    /// rejected (duplicate or not text) and the value is to be dropped.
    pub(super) pending_key: Option<Node>,
    /// Mapping with many keys: first span of every key text seen. Small
    /// mappings (records are mostly small) look through their entries
    /// instead, which costs no allocation per key.
    pub(super) keys: Option<HashMap<String, Span>>,
}

/// Keys a mapping may have before its duplicate check uses an index.
const LINEAR_KEYS: usize = 16;

impl Frame {
    /// A collection that starts at byte `start` and goes to `slot`.
    pub(super) fn new(is_map: bool, flow: bool, start: usize, slot: Slot, anchor: usize) -> Frame {
        Frame {
            is_map,
            flow,
            start,
            last_end: start,
            slot,
            items: Vec::new(),
            entries: Vec::new(),
            anchor,
            count: 1,
            height: 1,
            awaiting_value: false,
            pending_key: None,
            keys: None,
        }
    }

    /// The finished collection, spanning `span`.
    pub(super) fn into_node(self, span: Span) -> Node {
        let kind = if self.is_map {
            NodeKind::Map(self.entries)
        } else {
            NodeKind::Seq(self.items)
        };
        Node { kind, span }
    }

    /// Where the next child goes: its index, or `None` when it will be
    /// dropped (a mapping's value after a rejected key, or a key that is a
    /// collection, which is never text). A scalar key's fate is known only
    /// once its text is checked.
    pub(super) fn next_index(&self) -> Option<usize> {
        if !self.is_map {
            return Some(self.items.len());
        }
        let at = self.entries.len().saturating_mul(2);
        (self.awaiting_value && self.pending_key.is_some()).then_some(at.saturating_add(1))
    }

    /// The span of the earlier key `text` of this mapping, remembering
    /// `text` at `span` when it is new.
    pub(super) fn earlier_key(&mut self, text: &str, span: Span) -> Option<Span> {
        if self.keys.is_none() && self.entries.len() < LINEAR_KEYS {
            return self
                .entries
                .iter()
                .find_map(|(k, _)| (k.as_str() == Some(text)).then_some(k.span));
        }
        let entries = &self.entries;
        let keys = self.keys.get_or_insert_with(|| {
            entries
                .iter()
                .filter_map(|(k, _)| Some((k.as_str()?.to_string(), k.span)))
                .collect()
        });
        match keys.get(text) {
            Some(first) => Some(*first),
            None => {
                keys.insert(text.to_string(), span);
                None
            }
        }
    }
}

/// The key (`i` even) or the value (`i` odd) of a mapping's entry.
fn pick(entry: &(Node, Node), i: usize) -> &Node {
    if i.is_multiple_of(2) {
        &entry.0
    } else {
        &entry.1
    }
}

/// The node at `path` below `node`.
fn descend<'n>(mut node: &'n Node, path: &[usize]) -> Option<&'n Node> {
    for &i in path {
        node = match &node.kind {
            NodeKind::Seq(items) => items.get(i)?,
            NodeKind::Map(entries) => pick(entries.get(i / 2)?, i),
            NodeKind::Null | NodeKind::Scalar { .. } => return None,
        };
    }
    Some(node)
}

/// The node at `path` below `node`, to change.
fn descend_mut<'n>(mut node: &'n mut Node, path: &[usize]) -> Option<&'n mut Node> {
    for &i in path {
        node = match &mut node.kind {
            NodeKind::Seq(items) => items.get_mut(i)?,
            NodeKind::Map(entries) => {
                let (key, value) = entries.get_mut(i / 2)?;
                if i.is_multiple_of(2) { key } else { value }
            }
            NodeKind::Null | NodeKind::Scalar { .. } => return None,
        };
    }
    Some(node)
}

/// Fill the placeholders of a complete document, in the order their
/// aliases were read: an anchored node holds only placeholders read before
/// its own alias, so every copy includes the expansions inside it.
pub(super) fn fill(root: &mut Node, orphans: &mut [Node], pending: &[Pending]) {
    for Pending { from, to } in pending {
        let source = match from.origin {
            None => Some(&*root),
            Some(o) => orphans.get(o),
        };
        let Some(kind) = source
            .and_then(|n| descend(n, &from.path))
            .map(|n| n.kind.clone())
        else {
            continue;
        };
        let target = match to.origin {
            None => Some(&mut *root),
            Some(o) => orphans.get_mut(o),
        };
        if let Some(node) = target.and_then(|n| descend_mut(n, &to.path)) {
            node.kind = kind;
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::records::tree::{Node, NodeKind};
    use crate::records::yaml::test_support::*;

    /// The texts of a sequence's scalars (`-` for anything else).
    fn texts(node: &Node) -> Vec<&str> {
        match &node.kind {
            NodeKind::Seq(items) => items.iter().map(|i| i.as_str().unwrap_or("-")).collect(),
            _ => Vec::new(),
        }
    }

    #[test]
    fn an_alias_copies_a_nested_anchor_from_an_open_or_a_closed_collection() {
        let text = "outer: &o [1, &i [2, [3]], *i]\ncopy_i: *i\ncopy_o: *o\n";
        let loaded = run(text);
        let doc = only_doc(&loaded);
        let outer = get(doc, "outer");
        let inner = item(outer, 1);
        assert_eq!(slice(text, inner.span), "[2, [3]]");
        // `*i` inside `outer`, which is still open when the alias is read.
        let early = item(outer, 2);
        assert_eq!(early.kind, inner.kind);
        assert_eq!(slice(text, early.span), "*i");
        assert_eq!(get(doc, "copy_i").kind, inner.kind);
        // The copy of `outer` holds the expansion of `*i`, with its span.
        let copy = get(doc, "copy_o");
        assert_eq!(copy.kind, outer.kind);
        assert_eq!(slice(text, item(copy, 2).span), "*i");
        assert_eq!(slice(text, copy.span), "*o");
    }

    #[test]
    fn a_key_is_aliased_as_a_value_and_as_a_key() {
        // `*k` names the key whose value it is: that key is still waiting.
        let text = "a: {&k name: *k}\nb: {*k : 2}\nc: &v {&w x: 1}\nd: [*w, *v]\n";
        let loaded = run(text);
        let doc = only_doc(&loaded);
        let a = get(doc, "a");
        assert_eq!(get(a, "name").as_str(), Some("name"));
        assert_eq!(slice(text, get(a, "name").span), "*k");
        let b = get(doc, "b");
        assert_eq!(get(b, "name").as_str(), Some("2"));
        assert_eq!(slice(text, key_span(b, "name")), "*k");
        let d = get(doc, "d");
        assert_eq!(item(d, 0).as_str(), Some("x"));
        assert_eq!(item(d, 1).kind, get(doc, "c").kind);
    }

    #[test]
    fn a_redefined_anchor_names_its_latest_node() {
        let text = "- &x 1\n- *x\n- &x [2, 3]\n- *x\n- &x {}\n- *x\n";
        let loaded = run(text);
        let doc = only_doc(&loaded);
        assert_eq!(item(doc, 1).as_str(), Some("1"));
        assert_eq!(texts(item(doc, 3)), ["2", "3"]);
        assert_eq!(item(doc, 5).kind, NodeKind::Map(Vec::new()));
    }

    #[test]
    fn the_copy_of_an_anchor_includes_the_aliases_inside_it() {
        let text = "a: &x {v: 1}\nb: &y [*x, *x]\nc: *y\n";
        let loaded = run(text);
        let doc = only_doc(&loaded);
        let (b, c) = (get(doc, "b"), get(doc, "c"));
        assert_eq!(c.kind, b.kind);
        assert_eq!(item(c, 1).kind, get(doc, "a").kind);
        assert_eq!(slice(text, item(c, 0).span), "*x");
        assert_eq!(slice(text, c.span), "*y");
    }

    #[test]
    fn an_alias_inside_its_own_anchored_collection_is_refused() {
        let text = "a: &x [1, {b: [*x]}]\n";
        let loaded = run(text);
        assert!(loaded.documents.is_empty());
        let e = first_error(&loaded);
        assert_eq!(e.message, "alias `*x` is used inside the node it refers to");
        assert_eq!(
            e.help.as_deref(),
            Some("an alias can only repeat a node that is already complete")
        );
        assert_eq!(error_slice(text, e), "*x");
        // An earlier `&x` does not make it valid: the name is the open one's.
        let text = "a: &x 1\nb: &x [*x]\n";
        let loaded = run(text);
        assert!(loaded.documents.is_empty());
        assert_eq!(
            first_error(&loaded).message,
            "alias `*x` is used inside the node it refers to"
        );
    }

    #[test]
    fn anchors_inside_dropped_keys_and_values_are_still_aliased() {
        // A rejected key and the value after it are not in the mapping, but
        // their anchors name them: in a collection still open, then closed.
        let text = "a: {x: 1, x: &d [2, &e {p: q}, *e], y: *d, z: *e}\n\
                    b: {[&k 1, 2]: &v [3], c: *k, d: *v}\n";
        let loaded = run(text);
        let messages: Vec<_> = loaded.errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(messages, ["duplicate key `x`", "keys must be plain text"]);
        assert_eq!(loaded.documents.len(), 1);
        let Some(doc) = loaded.documents.first() else {
            unreachable!()
        };
        let a = get(doc, "a");
        assert_eq!(get(a, "x").as_str(), Some("1"));
        let y = get(a, "y");
        assert_eq!(texts(y), ["2", "-", "-"]);
        assert_eq!(item(y, 2).kind, get(a, "z").kind);
        assert_eq!(get(get(a, "z"), "p").as_str(), Some("q"));
        let b = get(doc, "b");
        assert_eq!(get(b, "c").as_str(), Some("1"));
        assert_eq!(texts(get(b, "d")), ["3"]);
    }

    #[test]
    fn aliases_expand_and_take_the_alias_span() {
        let text = "base: &b {x: 1, y: [2]}\ncopy: *b\n";
        let loaded = run(text);
        let doc = only_doc(&loaded);
        let copy = get(doc, "copy");
        assert_eq!(copy.kind, get(doc, "base").kind);
        assert_eq!(slice(text, copy.span), "*b");
        assert_eq!(slice(text, get(doc, "base").span), "{x: 1, y: [2]}");
    }

    #[test]
    fn duplicate_keys_are_found_in_large_mappings() {
        // Past the keys a mapping scans linearly, the check uses an index
        // built from the keys already read: duplicates on both sides of
        // that point are found, each pointing at its first definition.
        let mut text: String = (0..40).map(|i| format!("k{i}: {i}\n")).collect();
        text.push_str("k3: again\nk30: again\nk40: new\n");
        let loaded = run(&text);
        let found: Vec<_> = loaded
            .errors
            .iter()
            .map(|e| {
                let first = e.related.first().map(|r| slice(&text, r.span));
                (e.message.as_str(), first)
            })
            .collect();
        assert_eq!(
            found,
            vec![
                ("duplicate key `k3`", Some("k3")),
                ("duplicate key `k30`", Some("k30")),
            ]
        );
        let doc = loaded.documents.first();
        assert_eq!(
            doc.and_then(|d| d.get("k3")).and_then(Node::as_str),
            Some("3")
        );
        assert_eq!(
            doc.and_then(|d| d.get("k40")).and_then(Node::as_str),
            Some("new")
        );
        let starts: Vec<_> = loaded
            .errors
            .iter()
            .filter_map(|e| e.related.first())
            .map(|r| r.span.start)
            .collect();
        let expected: Vec<u32> = ["k3:", "k30:"]
            .iter()
            .filter_map(|k| text.find(&format!("\n{k}")))
            .filter_map(|at| u32::try_from(at + 1).ok())
            .collect();
        assert_eq!(starts, expected);
    }
}
