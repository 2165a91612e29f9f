//! Record files: YAML/JSON text → spanned tree → typed, validated records.

pub mod tree;
pub mod validate;
pub mod yaml;

pub use validate::Record;
pub use yaml::Limits;

use crate::diag::{self, Diagnostic};
use crate::schema::{KindId, Schema};
use crate::source::{FileId, Span};

/// A document that was read but not checked because of input errors.
#[derive(Debug, Clone)]
pub struct Rejected {
    /// Its kind, where readable.
    pub kind: Option<KindId>,
    /// Its id, where readable (references to it still resolve).
    pub id: Option<String>,
    /// The document.
    pub span: Span,
}

/// What one record file yielded.
#[derive(Debug, Default)]
pub struct FileRecords {
    /// Records that fit the schema, with their file.
    pub records: Vec<Record>,
    /// Documents with input errors.
    pub rejected: Vec<Rejected>,
    /// Every input error of the file.
    pub errors: Vec<Diagnostic>,
}

/// Read the records of one file.
pub fn read(file: FileId, text: &str, schema: &Schema, limits: &Limits) -> FileRecords {
    let loaded = yaml::load(file, text, limits);
    let mut out = FileRecords::default();
    let mut errors: Vec<Option<Diagnostic>> = loaded.errors.into_iter().map(Some).collect();
    // A document cut short by a syntax error is rejected. It still names its
    // kind and id, usually before the error: references to it resolve (SPEC:
    // no REF-001 for a record that exists but is malformed).
    let mut broken: Vec<(Rejected, Vec<Diagnostic>)> = Vec::new();
    for b in &loaded.broken {
        let own: Vec<Diagnostic> = errors
            .get_mut(b.errors.clone())
            .into_iter()
            .flatten()
            .filter_map(Option::take)
            .collect();
        let span = own.iter().find_map(|e| e.span).unwrap_or(b.span);
        let (kind, id) = salvage_kind_and_id(text.get(b.span.range()).unwrap_or(""), schema);
        broken.push((Rejected { kind, id, span }, own));
    }
    // The other errors belong to the complete document they fall in.
    let mut in_document = vec![false; loaded.documents.len()];
    for err in errors.into_iter().flatten() {
        let at = err.span.map_or(0, |s| s.start);
        // Documents are in file order: the candidate is the last one
        // starting at or before the error.
        let doc = loaded
            .documents
            .partition_point(|d| d.span.start <= at)
            .checked_sub(1)
            .filter(|&i| loaded.documents.get(i).is_some_and(|d| at <= d.span.end));
        if let (Some(i), diag::Level::Error) = (doc, err.level)
            && let Some(flag) = in_document.get_mut(i)
        {
            *flag = true;
        }
        out.errors.push(err);
    }
    for (doc, yaml_error) in loaded.documents.iter().zip(in_document) {
        match validate::validate(doc, schema) {
            validate::Validated::Ok(record) if !yaml_error => out.records.push(record),
            validate::Validated::Ok(record) => out.rejected.push(Rejected {
                kind: Some(record.kind),
                id: Some(record.id),
                span: doc.span,
            }),
            validate::Validated::Rejected { kind, id, errors } => {
                out.errors.extend(errors);
                out.rejected.push(Rejected {
                    kind,
                    id,
                    span: doc.span,
                });
            }
        }
    }
    for (rejected, errors) in broken {
        out.rejected.push(rejected);
        out.errors.extend(errors);
    }
    out.errors.sort_by_key(|e| e.span.map_or(0, |s| s.start));
    out
}

/// The top-level `kind:` and `id:` of a document that is not valid YAML,
/// read line by line (`kind: x` or `"kind": "x"` at the start of a line).
fn salvage_kind_and_id(text: &str, schema: &Schema) -> (Option<KindId>, Option<String>) {
    let value_of = |key: &str| {
        text.lines().find_map(|line| {
            let rest = line
                .strip_prefix(key)
                .or_else(|| line.trim_start().strip_prefix(&format!("\"{key}\"")))?;
            let rest = rest.trim_start().strip_prefix(':')?;
            let v = rest
                .split('#')
                .next()
                .unwrap_or("")
                .trim()
                .trim_end_matches(',')
                .trim();
            let v = v.trim_matches(|c| c == '"' || c == '\'');
            (!v.is_empty()).then(|| v.to_string())
        })
    };
    let kind = value_of("kind").and_then(|k| schema.kind(&k));
    (kind, value_of("id"))
}
