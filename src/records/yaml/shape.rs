//! The collections the loader is still reading, and the anchors it has
//! seen. Nodes are built in place as their events arrive: a collection's
//! children are moved into it when it closes, and only an anchored node is
//! copied (once, when its anchor is defined; again for each alias, after
//! the limits have been charged).

use std::collections::HashMap;

use crate::records::tree::{Node, NodeKind};
use crate::source::Span;

/// What an anchor names, with what it would cost to expand it again.
pub(super) struct Anchored {
    pub(super) node: Node,
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
    /// A collection that starts at byte `start`.
    pub(super) fn new(is_map: bool, flow: bool, start: usize, anchor: usize) -> Frame {
        Frame {
            is_map,
            flow,
            start,
            last_end: start,
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

#[cfg(test)]
mod tests {
    use crate::records::tree::Node;
    use crate::records::yaml::test_support::*;

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
