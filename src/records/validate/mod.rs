//! Raw YAML tree + schema → typed records, with every input error found.
//!
//! [`validate`] reads a document's kind and id; `structure` checks
//! mappings against their structure (fields, variants, defaults, the
//! checks between fields), `value` checks each value against its field
//! type. `record` holds the typed [`Record`] and finds where its data
//! are in the text.

mod record;
mod structure;
mod value;

pub use record::{Located, Record};

use super::tree::{Node, NodeKind};
use crate::diag::Diagnostic;
use crate::schema::{KindId, Schema, Texts};
use crate::source::Span;
use crate::suggest::closest;

/// The outcome of validating one document.
#[derive(Debug)]
pub enum Validated {
    /// Fits the schema.
    Ok(Record),
    /// Has input errors; `kind` and `id` where they could be read, so that
    /// references to the record still resolve.
    Rejected {
        /// Its kind, if known.
        kind: Option<KindId>,
        /// Its id, if readable.
        id: Option<String>,
        /// What is wrong.
        errors: Vec<Diagnostic>,
    },
}

/// Validate one document against the schema. `scratch` holds working
/// space from one document to the next.
pub fn validate(doc: &Node, schema: &Schema, scratch: &mut Scratch) -> Validated {
    let mut v = Validator {
        schema,
        errors: Vec::new(),
        scratch,
    };
    let kind = v.kind_of(doc);
    let id = doc
        .get("id")
        .and_then(Node::as_str)
        .map(str::to_string)
        .filter(|s| !s.is_empty());
    if let Some(n) = doc
        .get("id")
        .filter(|n| n.as_str().is_some_and(|s| s.trim().is_empty()))
    {
        v.errors.push(
            Diagnostic::error(n.span, "`id` is empty")
                .with_help("give every record an id, unique among the records of its kind"),
        );
    }
    let Some(kind) = kind else {
        return Validated::Rejected {
            kind: None,
            id,
            errors: v.errors,
        };
    };
    let root_struct = schema.kinds.get(kind).map(|k| k.root).unwrap_or(0);
    let root = v.structure(root_struct, doc, true);
    match (root, id) {
        (Some(root), Some(_)) if v.errors.is_empty() => Validated::Ok(Record {
            kind,
            file: doc.span.file,
            start: doc.span.start,
            end: doc.span.end,
            root,
        }),
        (_, id) => Validated::Rejected {
            kind: Some(kind),
            id,
            errors: v.errors,
        },
    }
}

/// Working space of validation, kept from one document to the next: a
/// record has a structure in every step, item and opinion, and each needs
/// a table of its slots while it is read.
#[derive(Default)]
pub struct Scratch {
    /// Slot tables not in use, one for each structure being read.
    tables: Vec<Vec<structure::Written>>,
    /// The long texts of the file's records.
    texts: Texts,
}

struct Validator<'s> {
    schema: &'s Schema,
    errors: Vec<Diagnostic>,
    scratch: &'s mut Scratch,
}

impl Validator<'_> {
    fn kind_names(&self) -> String {
        self.schema
            .kinds
            .iter()
            .map(|k| format!("`{}`", k.name))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn kind_of(&mut self, doc: &Node) -> Option<KindId> {
        if !matches!(doc.kind, NodeKind::Map(_)) {
            self.errors.push(
                Diagnostic::error(
                    doc.span,
                    format!("a record must be a mapping, found {}", doc.describe()),
                )
                .with_help(format!(
                    "start each record with `kind:` (one of {}) and `id:`",
                    self.kind_names()
                )),
            );
            return None;
        }
        let Some(kind_node) = doc.get("kind") else {
            self.errors.push(
                Diagnostic::error(first_line(doc.span, doc), "record has no `kind`")
                    .with_help(format!("add `kind:` with one of {}", self.kind_names())),
            );
            return None;
        };
        let name = kind_node.as_str().unwrap_or("");
        match self.schema.kind(name) {
            Some(k) => Some(k),
            None => {
                let names = self.schema.kinds.iter().map(|k| k.name.as_str());
                let help = match closest(name, names) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("known kinds are {}", self.kind_names()),
                };
                self.errors.push(
                    Diagnostic::error(kind_node.span, format!("unknown record kind `{name}`"))
                        .with_help(help),
                );
                None
            }
        }
    }
}

/// The first line of a mapping, where "missing field" errors point: the
/// first key, or the whole node when it has none.
fn first_line(span: Span, node: &Node) -> Span {
    match &node.kind {
        NodeKind::Map(entries) => entries.first().map_or(span, |(k, _)| k.span),
        _ => span,
    }
}
