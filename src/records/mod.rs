//! Record files: YAML/JSON text → spanned tree → typed, validated records.

pub mod tree;
pub mod validate;
pub mod yaml;

pub use validate::{Located, Record};
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
    // Most documents are records: room for all of them at once, rather
    // than a vector grown by doubling that keeps its slack for the run.
    let mut out = FileRecords {
        records: Vec::with_capacity(loaded.documents.len()),
        ..FileRecords::default()
    };
    let mut errors: Vec<Option<Diagnostic>> = loaded.errors.into_iter().map(Some).collect();
    // A document cut short by a syntax error is rejected. It still names its
    // kind and id, usually before the error: references to it resolve (SPEC:
    // no REF-001 for a record that exists but is malformed).
    let mut broken: Vec<(Rejected, Vec<Diagnostic>)> = Vec::new();
    for b in &loaded.broken {
        let own: Vec<Diagnostic> = b
            .errors
            .iter()
            .filter_map(|&i| errors.get_mut(i).and_then(Option::take))
            .collect();
        let document = text.get(b.span.range()).unwrap_or("");
        let (kind, id) = salvage_kind_and_id(document, schema);
        // The record is where its text starts, past `---` and blank lines.
        let body = document
            .trim_start()
            .strip_prefix("---")
            .unwrap_or(document.trim_start())
            .trim_start();
        let start = b
            .span
            .end
            .saturating_sub(u32::try_from(body.len()).unwrap_or(0));
        let span = Span { start, ..b.span };
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
        // A warning leaves its record checked.
        if let Some(flag) = doc
            .filter(|_| err.is_error())
            .and_then(|i| in_document.get_mut(i))
        {
            *flag = true;
        }
        out.errors.push(err);
    }
    let mut scratch = validate::Scratch::default();
    for (doc, yaml_error) in loaded.documents.iter().zip(in_document) {
        match validate::validate(doc, schema, &mut scratch) {
            validate::Validated::Ok(record) if !yaml_error => out.records.push(record),
            validate::Validated::Ok(record) => out.rejected.push(Rejected {
                kind: Some(record.kind),
                id: Some(record.id().to_string()),
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
/// read piece by piece: `kind: x` at the start of a line, or `"kind": "x"`
/// at the start of a line or after `{` or `,` (JSON on one line).
fn salvage_kind_and_id(text: &str, schema: &Schema) -> (Option<KindId>, Option<String>) {
    let json = text.trim_start().starts_with('{');
    let value_of = |key: &str| {
        let pieces = |c: char| c == '\n' || c == '\r' || (json && (c == '{' || c == ','));
        text.split(pieces).find_map(|line| {
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
