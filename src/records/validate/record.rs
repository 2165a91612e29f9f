//! A record that fitted the schema, and the paths to its data.

use crate::schema::{Data, Datum, FieldTy, KindId, Place, Schema, StructId};
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
    /// value, whose place it shares unless it holds elements. `None` when
    /// `target` is not in this record.
    pub fn path(&self, schema: &Schema, target: &Datum) -> Option<(String, Option<Span>)> {
        // The places from the target up to the root.
        let mut chain: Vec<u32> = Vec::new();
        let mut at = target.place;
        while let Some(place) = self.places.get(at as usize) {
            chain.push(at);
            at = place.parent;
            // A chain longer than the record's data is not a path.
            if chain.len() > self.places.len() {
                return None;
            }
        }
        if chain.pop() != Some(self.root.place) {
            return None;
        }
        let mut path = String::new();
        let mut key = None;
        let mut datum = &self.root;
        let mut ty = FieldTy::Struct(self.kind_root(schema)?);
        for (i, &next) in chain.iter().rev().enumerate() {
            let last = i + 1 == chain.len();
            match (&ty, &datum.data) {
                (FieldTy::Struct(sid), Data::Struct(_, fields)) => {
                    let slot = fields.iter().position(|f| f.place == next)?;
                    let def = schema.structs.get(*sid)?.fields.get(slot)?;
                    let field = fields.get(slot)?;
                    if last && field.span == datum.span {
                        datum = field;
                        break;
                    }
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(&def.name);
                    key = self
                        .places
                        .get(next as usize)
                        .and_then(|p| p.key(self.root.span.file));
                    ty = def.ty.clone();
                    datum = field;
                }
                (FieldTy::List(inner) | FieldTy::OneOrList(inner), Data::List(items)) => {
                    // Elements are placed in order: their places increase.
                    let index = items.binary_search_by_key(&next, |d| d.place).ok()?;
                    path.push_str(&format!("[{index}]"));
                    key = None;
                    ty = (**inner).clone();
                    datum = items.get(index)?;
                }
                _ => return None,
            }
        }
        // A field left out shares the place of the value enclosing it.
        let shared = || match &datum.data {
            Data::Struct(_, fields) => fields
                .iter()
                .any(|f| std::ptr::eq(f, target) && f.span == datum.span),
            _ => false,
        };
        (std::ptr::eq(datum, target) || shared()).then_some((path, key))
    }

    fn kind_root(&self, schema: &Schema) -> Option<StructId> {
        schema.kinds.get(self.kind).map(|k| k.root)
    }
}

#[cfg(test)]
mod tests {
    use crate::check;
    use crate::records::Limits;
    use crate::schema::{Data, Datum};
    use crate::source::SourceMap;

    /// Every datum of a record with its path and the text of its key, in
    /// document order of the tree: written fields, fields left out (with
    /// and without defaults, a default list with elements), a field written
    /// empty, list elements and nested structures.
    #[test]
    fn every_datum_has_its_path_and_key() -> Result<(), String> {
        let rules = "struct step {\n  name: text\n  note: text?\n  tags: [text] = [\"甲\", \"乙\"]\n}\n\
                     kind box {\n  amount: money?\n  flag: bool = false\n  none: [text] = []\n  \
                     one: text or [text]\n  steps: [step]\n  inner: step?\n  extra: text?\n}\n";
        // Fields written out of their declared order: `inner` is declared
        // after `steps`.
        let text = "kind: box\nid: B-1\nextra:\none: 单\ninner:\n  name: c\nsteps:\n  - name: a\n    \
                    tags: [x]\n  - {name: b, note: n}\n";
        let mut sources = SourceMap::new();
        let rule_file = sources.add("t.rules", rules);
        let compiled =
            check::compile_files(&sources, &[rule_file], &[], &[], crate::syntax::MAX_NESTING);
        assert!(compiled.errors.is_empty(), "{:?}", compiled.errors);
        let schema = &compiled.program.schema;
        let file = sources.add("b.yaml", text);
        let set = check::read_file(&sources, file, schema, &Limits::default());
        assert!(set.errors.is_empty(), "{:?}", set.errors);
        let [record] = &set.records[..] else {
            return Err(format!("one record expected, got {}", set.records.len()));
        };
        fn walk<'a>(d: &'a Datum, out: &mut Vec<&'a Datum>) {
            out.push(d);
            if let Data::List(items) | Data::Struct(_, items) = &d.data {
                for item in items {
                    walk(item, out);
                }
            }
        }
        let mut all = Vec::new();
        walk(&record.root, &mut all);
        let paths: Vec<String> = all
            .iter()
            .map(|d| match record.path(schema, d) {
                Some((path, key)) => {
                    let key = key.map_or("-", |k| text.get(k.range()).unwrap_or("?"));
                    format!("{path}@{key}")
                }
                None => "none".to_string(),
            })
            .collect();
        assert_eq!(
            paths,
            [
                "@-",
                "id@id",
                // Left out: named by the enclosing value.
                "@-",
                "@-",
                "@-",
                "one@one",
                "one[0]@-",
                "steps@steps",
                "steps[0]@-",
                "steps[0].name@name",
                "steps[0]@-",
                "steps[0].tags@tags",
                "steps[0].tags[0]@-",
                "steps[1]@-",
                "steps[1].name@name",
                "steps[1].note@note",
                // A default list left out, and its elements.
                "steps[1]@-",
                "steps[1].tags[0]@-",
                "steps[1].tags[1]@-",
                "inner@inner",
                "inner.name@name",
                "inner@inner",
                "inner@inner",
                "inner.tags[0]@-",
                "inner.tags[1]@-",
                // Written empty.
                "@-",
            ]
        );
        // Fields left out without elements have no place of their own.
        assert_eq!((all.len(), record.places.len()), (26, 20));
        // A copy of a datum is not in the record.
        let copy = record.root.clone();
        assert_eq!(record.path(schema, &copy), None);
        Ok(())
    }
}
