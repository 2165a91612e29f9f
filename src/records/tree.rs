//! The raw document tree read from YAML or JSON: untyped, every node with
//! its span. The schema step (`records::validate`) turns it into typed records.

use compact_str::CompactString;

use crate::source::Span;

/// One YAML node with its position.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// What the node is.
    pub kind: NodeKind,
    /// Where it is: the scalar's text (quotes included), or the whole
    /// collection from its first to its last character.
    pub span: Span,
}

/// The shape of a node.
#[derive(Clone, Debug, PartialEq)]
pub enum NodeKind {
    /// `null`, `~`, or an empty value.
    Null,
    /// A scalar other than null, as written (after unquoting and escapes).
    Scalar {
        /// The scalar's value as text.
        text: CompactString,
        /// Plain (unquoted) scalars may be numbers or booleans; quoted ones
        /// are always text.
        plain: bool,
    },
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in document order. Keys are unique (duplicates are input errors).
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// The text of a scalar node.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// The value under `key` in a mapping node.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.kind {
            NodeKind::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// A short name of the node's shape for messages ("a list", "text" …).
    pub fn describe(&self) -> &'static str {
        match &self.kind {
            NodeKind::Null => "nothing (null)",
            NodeKind::Scalar { plain: false, .. } => "quoted text",
            NodeKind::Scalar { .. } => "a scalar",
            NodeKind::Seq(_) => "a list",
            NodeKind::Map(_) => "a mapping",
        }
    }
}
