//! Record files: YAML/JSON text → spanned tree → typed, validated records.

pub mod tree;
pub mod validate;
pub mod yaml;

pub use validate::Record;
pub use yaml::Limits;

use crate::diag::Diagnostic;
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
    let mut stray: Vec<Diagnostic> = Vec::new();
    // Errors of the YAML layer belong to the document they fall in; one past
    // the last document (a syntax error) stands for a broken document.
    for err in loaded.errors {
        let at = err.span.map_or(0, |s| s.start);
        let inside = loaded
            .documents
            .iter()
            .any(|d| d.span.start <= at && at <= d.span.end.max(d.span.start));
        if inside {
            out.errors.push(err);
        } else {
            stray.push(err);
        }
    }
    for doc in &loaded.documents {
        let yaml_error = out.errors.iter().any(|e| {
            e.span
                .is_some_and(|s| doc.span.start <= s.start && s.start <= doc.span.end)
        });
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
    if !stray.is_empty() {
        let span = stray
            .iter()
            .find_map(|e| e.span)
            .unwrap_or(Span::new(file, 0, 0));
        // The broken document still names its kind and id, usually before
        // the error: references to it resolve (SPEC: no REF-001 for a record
        // that exists but is malformed).
        let after = loaded.documents.last().map_or(0, |d| d.span.end as usize);
        let (kind, id) = salvage_kind_and_id(text.get(after..).unwrap_or(""), schema);
        out.rejected.push(Rejected { kind, id, span });
        out.errors.extend(stray);
    }
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
