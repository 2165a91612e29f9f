//! Go to definition: where a name of a rules file is declared, or the
//! record a reference in a record names.

use super::{ref_site_at, symbol_at};
use crate::check::program::Program;
use crate::check::store::Store;
use crate::check::{FileSet, Symbols, refs};
use crate::source::{FileId, SourceMap, Span};

/// The declaration of the symbol used or declared at `offset` of a rules
/// file.
pub fn in_rules(symbols: &Symbols, id: FileId, offset: usize) -> Option<Span> {
    symbol_at(symbols, id, offset)
        .and_then(|i| symbols.declared.get(i))
        .map(|s| s.span)
}

/// The target of the reference at `offset` of the record file `here`: the
/// `id` value of a record, else the first line of the item named (e.g. a
/// meeting's agenda item).
pub fn in_records(
    program: &Program,
    store: &Store<'_>,
    sources: &SourceMap,
    here: &FileSet,
    offset: usize,
) -> Option<Span> {
    let (site, _) = ref_site_at(program, sources, here, offset)?;
    let refs::Resolution::Found(d, rec) = store.resolve(&site) else {
        return None;
    };
    let r = store.records.get(rec as usize)?;
    let locator = crate::check::Locator::new(sources, &program.schema);
    Some(if std::ptr::eq(&r.root, d) {
        let id = d.data.fields().and_then(|f| f.first()).unwrap_or(d);
        locator.span(r, id)
    } else {
        sources.first_line(locator.span(r, d))
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::check;
    use crate::editor::tests::{RULES, at, compiled, records, slice};

    #[test]
    fn names_in_rules_lead_to_their_declarations() {
        let (sources, ids, _, symbols) = compiled();
        // A field used in a rule: its line in the kind.
        let span = in_rules(&symbols, ids[0], at(RULES, "p.amount", 0, 3)).unwrap();
        assert_eq!(span.start as usize, at(RULES, "amount: money", 0, 0));
        assert_eq!(slice(&sources, span), "amount");
        // A kind named by `for`.
        let span = in_rules(&symbols, ids[0], at(RULES, "in pay", 0, 4)).unwrap();
        assert_eq!(span.start as usize, at(RULES, "kind pay", 0, 5));
        // A parameter.
        let span = in_rules(&symbols, ids[0], at(RULES, "<= 上限", 0, 3)).unwrap();
        assert_eq!(span.start as usize, at(RULES, "param 上限", 0, 6));
        assert_eq!(in_rules(&symbols, ids[0], 0), None);
    }

    #[test]
    fn a_reference_in_a_record_leads_to_the_id_of_the_record_it_names() {
        let (sources, ids, program, _) = compiled();
        let sets = records(&sources, &ids, &program);
        let refs: Vec<&FileSet> = sets.iter().collect();
        let recs = refs.iter().flat_map(|s| s.records.iter()).collect();
        let store = check::index(recs, &refs, &[], &program.schema);
        let pays = sources.get(ids[2]).unwrap().text.to_string();
        let span = in_records(
            &program,
            &store,
            &sources,
            &sets[1],
            at(&pays, "org: o1", 0, 6),
        )
        .unwrap();
        assert_eq!(span.file, ids[1]);
        assert_eq!(
            span.start as usize,
            at(crate::editor::tests::ORGS, "o1", 0, 0)
        );
        // Not on a reference: nowhere to go.
        assert_eq!(
            in_records(&program, &store, &sources, &sets[1], at(&pays, "500", 0, 0)),
            None
        );
    }
}
