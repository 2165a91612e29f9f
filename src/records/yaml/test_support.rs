//! Helpers shared by the loader's unit tests.

use super::{Limits, Loaded, load};
use crate::diag::Diagnostic;
use crate::records::tree::{Node, NodeKind};
use crate::source::{FileId, Span};

pub(super) fn run(text: &str) -> Loaded {
    load(FileId(0), text, &Limits::default())
}

pub(super) fn slice(text: &str, span: Span) -> &str {
    text.get(span.range()).unwrap_or("<bad span>")
}

pub(super) fn only_doc(loaded: &Loaded) -> &Node {
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    assert_eq!(loaded.documents.len(), 1);
    match loaded.documents.first() {
        Some(d) => d,
        None => unreachable!(),
    }
}

pub(super) fn key_span(map: &Node, key: &str) -> Span {
    match &map.kind {
        NodeKind::Map(entries) => entries
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map_or(Span::default(), |(k, _)| k.span),
        _ => Span::default(),
    }
}

pub(super) fn get<'a>(node: &'a Node, key: &str) -> &'a Node {
    static MISSING: Node = Node {
        kind: NodeKind::Null,
        span: Span {
            file: FileId(99),
            start: 0,
            end: 0,
        },
    };
    node.get(key).unwrap_or(&MISSING)
}

pub(super) fn item(node: &Node, i: usize) -> &Node {
    match &node.kind {
        NodeKind::Seq(items) => items.get(i).unwrap_or(node),
        _ => node,
    }
}

pub(super) fn first_error(loaded: &Loaded) -> &Diagnostic {
    match loaded.errors.first() {
        Some(e) => e,
        None => unreachable!("expected an error"),
    }
}

pub(super) fn error_slice<'a>(text: &'a str, d: &Diagnostic) -> &'a str {
    slice(text, d.span.unwrap_or_default())
}

/// The first key of each document read.
pub(super) fn first_keys(loaded: &Loaded) -> Vec<&str> {
    loaded
        .documents
        .iter()
        .filter_map(|d| match &d.kind {
            NodeKind::Map(entries) => entries.first().and_then(|(k, _)| k.as_str()),
            _ => None,
        })
        .collect()
}
