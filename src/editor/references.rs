//! Find references: the uses of a name of a rules file, or the references
//! to a record from the record files.

use petgraph::visit::EdgeRef;

use super::{inside, ref_site_at, symbol_at};
use crate::check::program::Program;
use crate::check::store::Store;
use crate::check::{FileSet, Symbols, refs};
use crate::records::Record;
use crate::source::{FileId, SourceMap, Span};

/// Every use of the symbol at `offset` of a rules file, in the order the
/// compiler met them, after its declaration when asked for.
pub fn in_rules(symbols: &Symbols, id: FileId, offset: usize, declaration: bool) -> Vec<Span> {
    let Some(sym) = symbol_at(symbols, id, offset) else {
        return Vec::new();
    };
    let mut spans: Vec<Span> = symbols
        .uses
        .iter()
        .filter(|(_, s)| *s == sym)
        .map(|(sp, _)| *sp)
        .collect();
    if declaration && let Some(s) = symbols.declared.get(sym) {
        spans.insert(0, s.span);
    }
    spans
}

/// The `id` value of a record: its declaration.
fn id_span(locator: &crate::check::Locator<'_>, record: &Record) -> Option<Span> {
    let id = record.root.data.fields()?.first()?;
    Some(locator.span(record, id))
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
    let locator = crate::check::Locator::new(sources, &program.schema);
    let target = store.records.iter().position(|r| {
        r.file == id
            && r.start as usize <= offset
            && offset <= r.end as usize
            && id_span(&locator, r).is_some_and(|s| inside(s, id, offset))
    });
    let target = target.or_else(|| {
        let (site, _) = ref_site_at(program, sources, here?, offset)?;
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
        .filter_map(|e| {
            let record = store.records.get(graph[e.source()] as usize)?;
            Some(locator.span(record, e.weight()))
        })
        .collect();
    spans.sort_by_key(|s| (sources.name(s.file).to_string(), s.start));
    if declaration && let Some(d) = store.records.get(target).and_then(|r| id_span(&locator, r)) {
        spans.insert(0, d);
    }
    spans
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::check;
    use crate::editor::tests::{ORGS, PAYS, RULES, at, compiled, records, slice};

    #[test]
    fn a_parameter_is_found_where_it_is_used() {
        let (sources, ids, _, symbols) = compiled();
        let offset = at(RULES, "param 上限", 0, 7);
        let with: Vec<usize> = in_rules(&symbols, ids[0], offset, true)
            .iter()
            .map(|s| s.start as usize)
            .collect();
        assert_eq!(with, [at(RULES, "上限", 0, 0), at(RULES, "上限", 1, 0)]);
        let without = in_rules(&symbols, ids[0], offset, false);
        assert_eq!(without.len(), 1);
        assert_eq!(slice(&sources, without[0]), "上限");
        assert_eq!(without[0].start as usize, at(RULES, "<= 上限", 0, 3));
        assert!(in_rules(&symbols, ids[0], 0, true).is_empty());
    }

    #[test]
    fn a_record_is_found_wherever_it_is_named() {
        let (sources, ids, program, _) = compiled();
        let sets = records(&sources, &ids, &program);
        let refs: Vec<&FileSet> = sets.iter().collect();
        let recs = refs.iter().flat_map(|s| s.records.iter()).collect();
        let store = check::index(recs, &refs, &[], &program.schema);
        let places = |file: usize, offset: usize, declaration: bool| -> Vec<(FileId, usize)> {
            in_records(
                &program,
                &store,
                &sources,
                Some(&sets[file - 1]),
                ids[file],
                offset,
                declaration,
            )
            .iter()
            .map(|s| (s.file, s.start as usize))
            .collect()
        };
        let id_value = (ids[1], at(ORGS, "o1", 0, 0));
        let uses = [
            (ids[1], at(ORGS, "org: o1", 0, 5)),
            (ids[2], at(PAYS, "org: o1", 0, 5)),
        ];
        // From the record's own id, with and without it.
        let on_id = at(ORGS, "id: o1", 0, 4);
        assert_eq!(places(1, on_id, false), uses);
        assert_eq!(places(1, on_id, true), [id_value, uses[0], uses[1]]);
        // From a reference to it in another file.
        assert_eq!(
            places(2, at(PAYS, "o1", 0, 1), true),
            [id_value, uses[0], uses[1]]
        );
        // A record nothing names, and a place that is no record's id.
        let p1 = at(PAYS, "p1", 0, 0);
        assert_eq!(places(2, p1, true), [(ids[2], p1)]);
        assert!(places(2, p1, false).is_empty());
        assert!(places(2, at(PAYS, "500", 0, 0), true).is_empty());
    }
}
