//! Find references: the uses of a name of a rules file, or the references
//! to a record from the record files.

use super::{inside, ref_site_at, symbol_at};
use crate::check::program::Program;
use crate::check::store::Store;
use crate::check::{FileSet, refs};
use crate::schema::Data;
use crate::source::{FileId, SourceMap, Span};

/// Every use of the symbol at `offset` of a rules file, in the order the
/// compiler met them, after its declaration when asked for.
pub fn in_rules(program: &Program, id: FileId, offset: usize, declaration: bool) -> Vec<Span> {
    let Some(sym) = symbol_at(program, id, offset) else {
        return Vec::new();
    };
    let mut spans: Vec<Span> = program
        .uses
        .iter()
        .filter(|(_, s)| *s == sym)
        .map(|(sp, _)| *sp)
        .collect();
    if declaration && let Some(s) = program.symbols.get(sym) {
        spans.insert(0, s.span);
    }
    spans
}

/// The `id` value of a record: its declaration.
fn id_span(data: &Data) -> Option<Span> {
    match data {
        Data::Struct(_, fields) => fields.first().map(|d| d.span),
        _ => None,
    }
}

/// The references to a record from the record files, sorted by file name
/// and offset: the record whose `id` is at `offset` of the file `id`, or
/// the one a reference at `offset` names (found in `here`, that file's
/// records). Its `id` value comes first when `declaration` is asked for.
pub fn in_records(
    program: &Program,
    store: &Store<'_>,
    sources: &SourceMap,
    here: Option<&FileSet>,
    id: FileId,
    offset: usize,
    declaration: bool,
) -> Vec<Span> {
    let target = store.records.iter().position(|r| {
        r.root.span.file == id && id_span(&r.root.data).is_some_and(|s| inside(s, id, offset))
    });
    let target = target.or_else(|| {
        let (site, _) = ref_site_at(program, here?, offset)?;
        match store.resolve(&site) {
            refs::Resolution::Found(_, rec) => Some(rec as usize),
            _ => None,
        }
    });
    let Some(target) = target else {
        return Vec::new();
    };
    let graph = refs::graph(&program.schema, store);
    let node = petgraph::graph::NodeIndex::new(target);
    let mut spans: Vec<Span> = graph
        .edges_directed(node, petgraph::Direction::Incoming)
        .map(|e| e.weight().span)
        .collect();
    spans.sort_by_key(|s| (sources.name(s.file).to_string(), s.start));
    if declaration
        && let Some(d) = store
            .records
            .get(target)
            .and_then(|r| id_span(&r.root.data))
    {
        spans.insert(0, d);
    }
    spans
}
