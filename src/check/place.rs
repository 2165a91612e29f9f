//! Where findings point: the path of each anchor inside its record, and
//! its place in the text (a block by its key, a value by its first line),
//! read again from the record files a large run has released.

use rayon::prelude::*;

use super::{Program, eval, store};
use crate::model::Finding;
use crate::schema::Datum;
use crate::source::{FileId, SourceMap, Span};

/// Point each finding where people look (see [`anchor_span`], `keys`
/// holding each one's key) and cut its related locations at their first
/// line. The texts are taken a file at a time: a large run releases the
/// text of a record file after reading it, and it is read again here only
/// while its findings are placed.
pub(super) fn anchor(findings: &mut [Finding], keys: &[Option<Span>], sources: &SourceMap) {
    // (file, finding, related location or the finding itself)
    let mut spots: Vec<(FileId, usize, Option<usize>)> = Vec::new();
    for (i, f) in findings.iter().enumerate() {
        spots.push((f.span.file, i, None));
        spots.extend(
            f.related
                .iter()
                .enumerate()
                .map(|(j, r)| (r.span.file, i, Some(j))),
        );
    }
    spots.sort_unstable();
    let groups: Vec<&[(FileId, usize, Option<usize>)]> =
        spots.chunk_by(|a, b| a.0 == b.0).collect();
    // On all cores, each file's text held only while its spans are placed.
    let placed: Vec<Vec<(usize, Option<usize>, Span)>> = groups
        .par_iter()
        .map(|group| {
            // A text no longer as read leaves the spans as they are: the
            // file is then shown without positions.
            let text = group.first().and_then(|g| sources.text_as_read(g.0));
            let text = text.as_deref().unwrap_or("");
            group
                .iter()
                .filter_map(|&(_, i, j)| {
                    let f = findings.get(i)?;
                    let span = match j {
                        None => anchor_span(text, f.span, keys.get(i).copied().flatten()),
                        Some(j) => crate::source::first_line_in(text, f.related.get(j)?.span),
                    };
                    Some((i, j, span))
                })
                .collect()
        })
        .collect();
    for (i, j, span) in placed.into_iter().flatten() {
        let Some(f) = findings.get_mut(i) else {
            continue;
        };
        match j {
            None => f.span = span,
            Some(j) => {
                if let Some(r) = f.related.get_mut(j) {
                    r.span = span;
                }
            }
        }
    }
}

/// The path inside its record of each finding's anchor, by the finding's
/// index in `fired`; none for an anchor in another record. The anchors of
/// one record are found in one walk of it.
pub(super) fn anchor_paths<'a>(
    program: &Program,
    store: &store::Store<'a>,
    fired: &[eval::Fired<'a>],
    keep: impl Fn(u32) -> bool,
) -> Vec<Option<crate::records::validate::Path>> {
    let mut by_record: std::collections::BTreeMap<u32, Vec<usize>> = Default::default();
    for (i, f) in fired.iter().enumerate() {
        if keep(f.record) && f.anchor.is_some_and(|(_, r)| r == f.record) {
            by_record.entry(f.record).or_default().push(i);
        }
    }
    let mut out = vec![None; fired.len()];
    for (record, at) in by_record {
        let Some(record) = store.records.get(record as usize) else {
            continue;
        };
        let targets: Vec<&Datum> = at
            .iter()
            .filter_map(|&i| fired.get(i)?.anchor.map(|(d, _)| d))
            .collect();
        let found = record.paths(&program.schema, &targets);
        for (i, path) in at.into_iter().zip(found) {
            if let Some(slot) = out.get_mut(i) {
                *slot = path;
            }
        }
    }
    out
}

/// Where a finding points. A list or mapping written as a block under its
/// key is pointed at by the key (`steps:`), not by its first entry; other
/// values by their first line. `text` is the text of the span's file.
fn anchor_span(text: &str, span: Span, key: Option<Span>) -> Span {
    let value = text.get(span.range()).unwrap_or("");
    let block = value.contains('\n') || value.starts_with("- ");
    match key {
        Some(key) if block => key,
        _ => crate::source::first_line_in(text, span),
    }
}
