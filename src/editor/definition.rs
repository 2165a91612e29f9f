//! Go to definition: where a name of a rules file is declared, or the
//! record a reference in a record names.

use super::{ref_site_at, symbol_at};
use crate::check::program::Program;
use crate::check::store::Store;
use crate::check::{FileSet, refs};
use crate::schema::Data;
use crate::source::{FileId, SourceMap, Span};

/// The declaration of the symbol used or declared at `offset` of a rules
/// file.
pub fn in_rules(program: &Program, id: FileId, offset: usize) -> Option<Span> {
    symbol_at(program, id, offset)
        .and_then(|i| program.symbols.get(i))
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
    let (site, _) = ref_site_at(program, here, offset)?;
    let refs::Resolution::Found(d, rec) = store.resolve(&site) else {
        return None;
    };
    Some(match (store.records.get(rec as usize), &d.data) {
        (Some(r), Data::Struct(_, fields)) if std::ptr::eq(&r.root, d) => {
            fields.first().map_or(d.span, |f| f.span)
        }
        _ => sources.first_line(d.span),
    })
}
