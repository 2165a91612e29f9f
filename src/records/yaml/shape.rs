//! The loader's nodes, shared so that anchors cost no copy, and the owned
//! [`Node`] tree built from them once a document is complete.

use std::collections::HashMap;
use std::rc::Rc;

use crate::records::tree::{Node, NodeKind};
use crate::source::Span;

/// A finished node inside the loader. Children are shared (`Rc`) so that an
/// anchor can be remembered and aliased without copying; the owned [`Node`]
/// tree is built once per document, after every limit has been checked.
pub(super) enum Shape {
    Null,
    Scalar {
        text: String,
        plain: bool,
    },
    Seq(Vec<Child>),
    /// Keys and values alternate: key, value, key, value …
    Map(Vec<Child>),
}

/// A node where it is used: an alias reuses the anchored shape under the
/// alias's own span.
#[derive(Clone)]
pub(super) struct Child {
    pub(super) span: Span,
    pub(super) shape: Rc<Shape>,
}

/// What an anchor names, with what it would cost to expand it again.
pub(super) struct Anchored {
    pub(super) shape: Rc<Shape>,
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
    pub(super) children: Vec<Child>,
    pub(super) anchor: usize,
    pub(super) count: usize,
    pub(super) height: usize,
    /// Mapping: the next child is a value.
    pub(super) awaiting_value: bool,
    /// Mapping: the key waiting for its value; `None` when the key was
    /// rejected (duplicate or not text) and the value is to be dropped.
    pub(super) pending_key: Option<Child>,
    /// Mapping with many keys: first span of every key text seen. Small
    /// mappings (records are mostly small) look through their children
    /// instead, which costs no allocation per key.
    pub(super) keys: Option<HashMap<String, Span>>,
}

/// Keys a mapping may have before its duplicate check uses an index.
const LINEAR_KEYS: usize = 16;

impl Frame {
    /// The span of the earlier key `text` of this mapping, remembering
    /// `text` at `span` when it is new.
    pub(super) fn earlier_key(&mut self, text: &str, span: Span) -> Option<Span> {
        if self.keys.is_none() && self.children.len() / 2 < LINEAR_KEYS {
            // Keys and values alternate; every accepted key has its value.
            return self
                .children
                .iter()
                .step_by(2)
                .find_map(|k| match &*k.shape {
                    Shape::Scalar { text: t, .. } if t == text => Some(k.span),
                    _ => None,
                });
        }
        let children = &self.children;
        let keys = self.keys.get_or_insert_with(|| {
            children
                .iter()
                .step_by(2)
                .filter_map(|k| match &*k.shape {
                    Shape::Scalar { text, .. } => Some((text.clone(), k.span)),
                    _ => None,
                })
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

/// Build the owned tree for one document. Iterative, so its cost is the
/// node count (already bounded) and never the stack. Parts not shared with
/// an anchor are moved rather than copied.
pub(super) fn build(root: Child) -> Node {
    /// The children still to build: owned, or shared with an anchor.
    enum Kids {
        Owned(std::vec::IntoIter<Child>),
        Shared(Rc<Shape>, usize),
    }
    impl Kids {
        fn next(&mut self) -> Option<Child> {
            match self {
                Kids::Owned(it) => it.next(),
                Kids::Shared(shape, i) => {
                    let kid = match &**shape {
                        Shape::Seq(c) | Shape::Map(c) => c.get(*i).cloned(),
                        Shape::Null | Shape::Scalar { .. } => None,
                    };
                    *i += 1;
                    kid
                }
            }
        }
    }
    struct Building {
        span: Span,
        is_map: bool,
        kids: Kids,
        done: Vec<Node>,
    }
    fn finish(b: Building) -> Node {
        let kind = if b.is_map {
            let mut entries = Vec::with_capacity(b.done.len() / 2);
            let mut it = b.done.into_iter();
            while let (Some(k), Some(v)) = (it.next(), it.next()) {
                entries.push((k, v));
            }
            NodeKind::Map(entries)
        } else {
            NodeKind::Seq(b.done)
        };
        Node { kind, span: b.span }
    }

    enum Step {
        Leaf(Node),
        Open(Building),
    }

    let mut stack: Vec<Building> = Vec::new();
    let mut next = root;
    loop {
        let span = next.span;
        let leaf = |kind| Step::Leaf(Node { kind, span });
        let open = |is_map, len, kids| {
            Step::Open(Building {
                span,
                is_map,
                kids,
                done: Vec::with_capacity(len),
            })
        };
        let step = match Rc::try_unwrap(next.shape) {
            Ok(Shape::Null) => leaf(NodeKind::Null),
            Ok(Shape::Scalar { text, plain }) => leaf(NodeKind::Scalar { text, plain }),
            Ok(Shape::Seq(c)) => open(false, c.len(), Kids::Owned(c.into_iter())),
            Ok(Shape::Map(c)) => open(true, c.len(), Kids::Owned(c.into_iter())),
            Err(shared) => match &*shared {
                Shape::Null => leaf(NodeKind::Null),
                Shape::Scalar { text, plain } => leaf(NodeKind::Scalar {
                    text: text.clone(),
                    plain: *plain,
                }),
                Shape::Seq(c) => open(false, c.len(), Kids::Shared(shared.clone(), 0)),
                Shape::Map(c) => open(true, c.len(), Kids::Shared(shared.clone(), 0)),
            },
        };
        let mut node = match step {
            Step::Leaf(node) => node,
            Step::Open(mut building) => match building.kids.next() {
                Some(first) => {
                    stack.push(building);
                    next = first;
                    continue;
                }
                None => finish(building),
            },
        };
        // Climb up, completing every collection whose children are all built.
        loop {
            let Some(mut top) = stack.pop() else {
                return node;
            };
            top.done.push(node);
            if let Some(kid) = top.kids.next() {
                stack.push(top);
                next = kid;
                break;
            }
            node = finish(top);
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
