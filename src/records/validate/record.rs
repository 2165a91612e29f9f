//! A record that fitted the schema, and the paths to its data.

use crate::schema::{Data, Datum, FieldTy, KindId, Place, Schema, Step, StructId};
use crate::source::Span;

/// A document that fitted the schema.
#[derive(Debug, Clone)]
pub struct Record {
    /// Its kind.
    pub kind: KindId,
    /// Its id.
    pub id: String,
    /// The top-level structure (slot 0 holds the id).
    pub root: Datum,
    /// Where each of its data sits, by [`Datum::place`].
    pub places: Box<[Place]>,
}

impl Record {
    /// The path of `target`, a datum of this record, from the root
    /// (`items[0].opinions[2]`), and the span of the key the path ends
    /// at, when it ends at a field written in the file. A field left out
    /// (its default sits at the enclosing value) is named by the enclosing
    /// value. `None` when `target` is not in this record.
    pub fn path(&self, schema: &Schema, target: &Datum) -> Option<(String, Option<Span>)> {
        let mut steps: Vec<(Step, Option<Span>)> = Vec::new();
        let mut at = target.place;
        while let Some(place) = self.places.get(at as usize) {
            match place.step() {
                Step::Root => break,
                step => steps.push((step, place.key(self.root.span.file))),
            }
            at = place.parent;
            // A chain longer than the record's data is not a path.
            if steps.len() > self.places.len() {
                return None;
            }
        }
        let mut path = String::new();
        let mut key = None;
        let mut datum = &self.root;
        let mut ty = FieldTy::Struct(self.kind_root(schema)?);
        for (i, (step, step_key)) in steps.iter().rev().enumerate() {
            let last = i + 1 == steps.len();
            match (step, &ty, &datum.data) {
                (Step::Field(slot), FieldTy::Struct(sid), Data::Struct(_, fields)) => {
                    let def = schema.structs.get(*sid)?.fields.get(*slot)?;
                    let field = fields.get(*slot)?;
                    if last && field.span == datum.span {
                        datum = field;
                        break;
                    }
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(&def.name);
                    key = *step_key;
                    ty = def.ty.clone();
                    datum = field;
                }
                (
                    Step::Item(index),
                    FieldTy::List(inner) | FieldTy::OneOrList(inner),
                    Data::List(items),
                ) => {
                    path.push_str(&format!("[{index}]"));
                    key = None;
                    ty = (**inner).clone();
                    datum = items.get(*index)?;
                }
                _ => return None,
            }
        }
        std::ptr::eq(datum, target).then_some((path, key))
    }

    fn kind_root(&self, schema: &Schema) -> Option<StructId> {
        schema.kinds.get(self.kind).map(|k| k.root)
    }
}
