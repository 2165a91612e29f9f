//! Where findings point. Record data keep no places: a finding's anchor,
//! subject and related data are found in their records' texts once the
//! rules have run, each file's text read (again, for a large run that
//! released it) once, and each record with findings parsed once.

use std::sync::{Arc, Mutex, PoisonError};

use rayon::prelude::*;

use super::eval::{Fired, Locus};
use super::store::Store;
use crate::records::{Located, Record};
use crate::schema::{Datum, Schema};
use crate::source::{FileId, SourceMap, Span};

/// Finds where data are by reading their records' texts again, for the
/// few places evaluation itself needs (a run-time error at a datum) and
/// for the editor's.
#[derive(Clone)]
pub struct Locator<'a> {
    sources: &'a SourceMap,
    schema: &'a Schema,
    /// The last text read, with its file: errors come many to a file when
    /// a calendar misses a year its records use, and a released text is
    /// read from disk and hashed again each time it is asked for.
    last: Arc<Mutex<Option<FileText>>>,
}

/// A file's text as it was read, with its file.
type FileText = (FileId, Arc<str>);

impl std::fmt::Debug for Locator<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Locator")
    }
}

impl<'a> Locator<'a> {
    /// Data of records read from `sources` against `schema`.
    pub fn new(sources: &'a SourceMap, schema: &'a Schema) -> Locator<'a> {
        Locator {
            sources,
            schema,
            last: Arc::default(),
        }
    }

    /// Where `targets`, data of `record`, are (see [`Record::locate`]).
    pub fn locate(&self, record: &Record, targets: &[&Datum]) -> Vec<Option<Located>> {
        match self.text(record.file) {
            Some(text) => record.locate(self.schema, &text, targets),
            None => vec![None; targets.len()],
        }
    }

    /// The text of `file` as it was read.
    fn text(&self, file: FileId) -> Option<Arc<str>> {
        let mut last = self.last.lock().unwrap_or_else(PoisonError::into_inner);
        match &*last {
            Some((f, text)) if *f == file => Some(text.clone()),
            _ => {
                let text = self.sources.text_as_read(file)?;
                *last = Some((file, text.clone()));
                Some(text)
            }
        }
    }

    /// Where `d`, a datum of `record`, is: the whole record when its text
    /// no longer holds it.
    pub fn span(&self, record: &Record, d: &Datum) -> Span {
        self.locate(record, &[d])
            .pop()
            .flatten()
            .map_or(record.span(), |at| at.span)
    }
}

/// Where a finding points.
#[derive(Debug, Default)]
pub(super) struct Placed {
    /// Its span: a list or mapping written as a block under its key by the
    /// key, other values by their first line.
    pub span: Span,
    /// The path of its anchor inside its record; empty for an anchor in
    /// another record, or none.
    pub path: String,
    /// Its related locations, each cut at its first line.
    pub related: Vec<Span>,
}

/// What one spot of a finding is: its anchor (or subject) or one of its
/// related locations.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Spot {
    Anchor,
    Related(usize),
}

/// Where each finding of `fired` that `keep` accepts points, by its index
/// in `fired` (the others get a default). The spots of one file are placed
/// together, on all cores, each file's text held only meanwhile.
pub(super) fn place(
    schema: &Schema,
    store: &Store<'_>,
    sources: &SourceMap,
    fired: &[Fired<'_>],
    keep: impl Fn(u32) -> bool,
) -> Vec<Placed> {
    // (file, record, finding, spot)
    let mut spots: Vec<(FileId, u32, usize, Spot)> = Vec::new();
    let mut out: Vec<Placed> = Vec::with_capacity(fired.len());
    for (i, f) in fired.iter().enumerate() {
        out.push(Placed::default());
        if !keep(f.record) {
            continue;
        }
        let mut add = |(_, rec): Locus<'_>, spot: Spot| {
            if let Some(r) = store.records.get(rec as usize) {
                spots.push((r.file, rec, i, spot));
            }
        };
        add(f.anchor.unwrap_or(f.subject), Spot::Anchor);
        for (j, (at, _)) in f.related.iter().enumerate() {
            add(*at, Spot::Related(j));
        }
        if let Some(p) = out.last_mut() {
            p.related = vec![Span::default(); f.related.len()];
        }
    }
    spots.sort_unstable();
    let files: Vec<&[(FileId, u32, usize, Spot)]> = spots.chunk_by(|a, b| a.0 == b.0).collect();
    let placed: Vec<Vec<(usize, Spot, Span, String)>> = files
        .par_iter()
        .with_max_len(1)
        .map(|spots| {
            let text = spots.first().and_then(|s| sources.text_as_read(s.0));
            let text = text.as_deref();
            let mut out = Vec::with_capacity(spots.len());
            for spots in spots.chunk_by(|a, b| a.1 == b.1) {
                let Some(record) = spots.first().and_then(|s| store.records.get(s.1 as usize))
                else {
                    continue;
                };
                let datum = |s: &(FileId, u32, usize, Spot)| {
                    let f = fired.get(s.2)?;
                    let (d, _) = match s.3 {
                        Spot::Anchor => f.anchor.unwrap_or(f.subject),
                        Spot::Related(j) => f.related.get(j)?.0,
                    };
                    Some(d)
                };
                let targets: Vec<&Datum> = spots.iter().filter_map(datum).collect();
                let found = text
                    .map(|text| record.locate(schema, text, &targets))
                    .filter(|found| found.iter().any(Option::is_some));
                // A text that no longer holds the record (the file changed
                // while it was checked) places nothing: the findings keep
                // the paths their data tell, at the record.
                let found = found.unwrap_or_else(|| {
                    let at = |path| Located {
                        path,
                        span: record.span(),
                        key: None,
                    };
                    let paths = record.paths(schema, &targets);
                    paths.into_iter().map(|p| p.map(at)).collect()
                });
                let text = text.unwrap_or("");
                for (s, at) in spots.iter().filter(|s| datum(s).is_some()).zip(found) {
                    let Some(f) = fired.get(s.2) else { continue };
                    let (span, key, path) = match at {
                        Some(at) => (at.span, at.key, at.path),
                        None => (record.span(), None, String::new()),
                    };
                    let placed = match s.3 {
                        // The path and key of an anchor in the finding's
                        // own record; a subject is named by its record.
                        Spot::Anchor => match f.anchor {
                            Some((_, rec)) if rec == f.record => {
                                (anchor_span(text, span, key), path)
                            }
                            _ => (anchor_span(text, span, None), String::new()),
                        },
                        Spot::Related(_) => (crate::source::first_line_in(text, span), path),
                    };
                    out.push((s.2, s.3, placed.0, placed.1));
                }
            }
            out
        })
        .collect();
    for (i, spot, span, path) in placed.into_iter().flatten() {
        let Some(p) = out.get_mut(i) else { continue };
        match spot {
            Spot::Anchor => {
                p.span = span;
                p.path = path;
            }
            Spot::Related(j) => {
                if let Some(r) = p.related.get_mut(j) {
                    *r = span;
                }
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
