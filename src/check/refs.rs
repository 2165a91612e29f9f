//! References between records: where a record names another (`ref`
//! fields) or an element of another (`key` fields), and what they resolve
//! to. REF-001's `refs()` and the editor's go-to-definition both read this.

use super::ids::IdEntry;
use super::store::Store;
use super::value::Value;
use crate::schema::{Data, Datum, FieldTy, KeyRef, KindId, Schema, StructId};

/// One reference in a record.
#[derive(Debug, Clone, Copy)]
pub struct RefSite<'a> {
    /// The value naming the target.
    pub datum: &'a Datum,
    /// The field's name.
    pub field: &'a str,
    /// What kind of reference it is.
    pub target: Target<'a>,
}

/// What a reference names.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    /// A record of a kind, by id.
    Record(KindId),
    /// An element of a list of the record named by a sibling reference.
    Key {
        /// The key's schema.
        key: &'a KeyRef,
        /// The structure holding the key and the sibling reference.
        holder: &'a Datum,
    },
}

/// What a reference resolved to.
#[derive(Debug, Clone, Copy)]
pub enum Resolution<'a> {
    /// A checked record or element: its datum and record index.
    Found(&'a Datum, u32),
    /// A record that exists but has input errors.
    Rejected,
    /// Nothing has that id or key.
    Missing,
    /// A key whose sibling reference does not lead to a checked record.
    Unknown,
}

/// Every reference in a record, in document order.
pub fn sites<'a>(schema: &'a Schema, root: &'a Datum, sid: StructId) -> Vec<RefSite<'a>> {
    let mut out = Vec::new();
    in_struct(schema, root, sid, &mut out);
    out
}

fn in_struct<'a>(schema: &'a Schema, d: &'a Datum, sid: StructId, out: &mut Vec<RefSite<'a>>) {
    let (Some(fields), Some(def)) = (d.data.fields(), schema.structs.get(sid)) else {
        return;
    };
    for (f, fdef) in fields.iter().zip(&def.fields) {
        in_field(schema, f, &fdef.ty, &fdef.name, d, out);
    }
}

fn in_field<'a>(
    schema: &'a Schema,
    f: &'a Datum,
    ty: &'a FieldTy,
    name: &'a str,
    holder: &'a Datum,
    out: &mut Vec<RefSite<'a>>,
) {
    match (ty, &f.data) {
        (_, Data::None) => {}
        (FieldTy::Ref(kind), data) if data.as_text().is_some() => out.push(RefSite {
            datum: f,
            field: name,
            target: Target::Record(*kind),
        }),
        (FieldTy::Key(key), _) => out.push(RefSite {
            datum: f,
            field: name,
            target: Target::Key { key, holder },
        }),
        (FieldTy::List(inner) | FieldTy::OneOrList(inner), data) if data.is_list() => {
            for item in data.as_list().unwrap_or_default() {
                in_field(schema, item, inner, name, holder, out);
            }
        }
        // One value written alone.
        (FieldTy::OneOrList(inner), _) => in_field(schema, f, inner, name, holder, out),
        (FieldTy::Struct(s), _) => in_struct(schema, f, *s, out),
        _ => {}
    }
}

impl<'a> Store<'a> {
    /// Resolve a reference against the records of the run.
    pub fn resolve(&self, site: &RefSite<'a>) -> Resolution<'a> {
        match site.target {
            Target::Record(kind) => {
                let Some(id) = site.datum.data.as_text() else {
                    return Resolution::Missing;
                };
                match self.id(kind, id) {
                    Some(IdEntry::Checked(rec)) => self
                        .records
                        .get(rec as usize)
                        .map_or(Resolution::Missing, |r| Resolution::Found(&r.root, rec)),
                    Some(IdEntry::Rejected) => Resolution::Rejected,
                    None => Resolution::Missing,
                }
            }
            Target::Key { key, holder } => {
                let Some(fields) = holder.data.fields() else {
                    return Resolution::Unknown;
                };
                let Some(via) = fields.get(key.via_slot).and_then(|v| v.data.as_text()) else {
                    return Resolution::Unknown;
                };
                let Some(IdEntry::Checked(rec)) = self.id(key.kind, via) else {
                    return Resolution::Unknown;
                };
                let wanted = Value::Node(site.datum, 0).key();
                let Some(root_fields) = self
                    .records
                    .get(rec as usize)
                    .and_then(|r| r.root.data.fields())
                else {
                    return Resolution::Unknown;
                };
                let Some(items) = root_fields
                    .get(key.list_slot)
                    .and_then(|l| l.data.as_list())
                else {
                    return Resolution::Missing;
                };
                items
                    .iter()
                    .find(|item| {
                        item.data
                            .fields()
                            .and_then(|f| f.get(key.key_slot))
                            .is_some_and(|k| Value::Node(k, 0).key() == wanted)
                    })
                    .map_or(Resolution::Missing, |item| Resolution::Found(item, rec))
            }
        }
    }
}

/// The records of a run and the references between them: an edge from
/// the referring record to the record it names, carrying the referring
/// value. Edges to elements (keys) point at the element's record.
pub type RecordGraph<'a> = petgraph::Graph<u32, &'a Datum>;

/// Build the reference graph of a store's records. Node `i` is record `i`.
pub fn graph<'a>(schema: &'a Schema, store: &Store<'a>) -> RecordGraph<'a> {
    let mut g = RecordGraph::with_capacity(store.records.len(), store.records.len());
    let nodes: Vec<petgraph::graph::NodeIndex> = (0..store.records.len())
        .map(|i| g.add_node(u32::try_from(i).unwrap_or(u32::MAX)))
        .collect();
    for (i, record) in store.records.iter().enumerate() {
        let Some(root) = schema.kinds.get(record.kind).map(|k| k.root) else {
            continue;
        };
        for site in sites(schema, &record.root, root) {
            if let Resolution::Found(_, target) = store.resolve(&site)
                && let (Some(&from), Some(&to)) = (nodes.get(i), nodes.get(target as usize))
            {
                g.add_edge(from, to, site.datum);
            }
        }
    }
    g
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{self, FileSet};
    use crate::records::Limits;
    use crate::source::SourceMap;

    #[test]
    fn the_graph_links_each_reference_to_the_record_it_names() {
        let mut sources = SourceMap::new();
        let rules: Vec<_> = check::STANDARD_RULES
            .iter()
            .map(|(n, t)| sources.add(*n, *t))
            .collect();
        let check::Compiled {
            program, errors, ..
        } = check::compile_files(&sources, &rules, &[], &[], crate::syntax::MAX_NESTING);
        assert!(errors.is_empty(), "{errors:?}");
        let text = "kind: org\nid: o\nname: 单位\nleaders: [{name: 甲, principal: true}]\n---\n\
                    kind: meeting\nid: m\norg: o\nbody: 党组会\ndate: 2014-01-02\nchair: 甲\nmembers: [甲]\nattendees: [甲]\n\
                    items: [{no: 1, title: t, category: 一般事项, outcome: 通过}]\n";
        let file = sources.add("r.yaml", text);
        let set: FileSet = check::read_file(&sources, file, &program.schema, &Limits::default());
        assert!(set.errors.is_empty(), "{:?}", set.errors);
        let mut store = Store::new(
            set.records.iter().collect(),
            std::iter::empty(),
            program.schema.kinds.len(),
        );
        store.locator = Some(crate::check::Locator::new(&sources, &program.schema));
        let g = graph(&program.schema, &store);
        let edges: Vec<(u32, u32, &str)> = g
            .edge_indices()
            .filter_map(|e| {
                let (a, b) = g.edge_endpoints(e)?;
                let datum = g.edge_weight(e)?;
                let span = store.span_of(datum, g[a]);
                Some((g[a], g[b], text.get(span.range()).unwrap_or("")))
            })
            .collect();
        assert_eq!(edges, [(1, 0, "o")]);
    }
}
