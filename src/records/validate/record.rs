//! A record that fitted the schema, and the paths to its data.

use std::collections::HashMap;
use std::fmt::Write;

use crate::schema::{Datum, FieldTy, InFile, KindId, LongPlace, Schema};
use crate::source::{FileId, Span};

/// A document that fitted the schema.
#[derive(Debug, Clone)]
pub struct Record {
    /// Its kind.
    pub kind: KindId,
    /// The file it was read from.
    pub file: FileId,
    /// The top-level structure; slot 0 holds the id (see [`Record::id`]).
    pub root: Datum,
    /// The places of its data that do not pack (usually none).
    pub long: Box<[LongPlace]>,
}

/// A datum's path from its record's root and the span of the key it ends
/// at, when it ends at a field written in the file.
pub type Path = (String, Option<Span>);

impl Record {
    /// Its id: the text in slot 0 of its root, where every kind's schema
    /// puts `id`. Read from there rather than held twice: a large run
    /// holds a million records.
    pub fn id(&self) -> &str {
        self.root
            .data
            .fields()
            .and_then(|f| f.first())
            .and_then(|d| d.data.as_text())
            .unwrap_or("")
    }

    /// What the places of its data are read against.
    pub fn in_file(&self) -> InFile<'_> {
        InFile {
            file: self.file,
            long: &self.long,
        }
    }

    /// The span of the whole record.
    pub fn span(&self) -> Span {
        self.root.span(self.in_file())
    }

    /// The path of `target`, a datum of this record, from the root
    /// (`items[0].opinions[2]`), and the span of the key the path ends
    /// at, when it ends at a field written in the file. A field left out
    /// (its default sits at the enclosing value) is named by the enclosing
    /// value. `None` when `target` is not in this record.
    pub fn path(&self, schema: &Schema, target: &Datum) -> Option<Path> {
        self.paths(schema, &[target]).pop().flatten()
    }

    /// The paths of several data, as [`Record::path`] gives each, in one
    /// walk of the record: a record keeps no links from a datum to its
    /// parent, and findings come many to a record.
    pub fn paths(&self, schema: &Schema, targets: &[&Datum]) -> Vec<Option<Path>> {
        let out = vec![None; targets.len()];
        let Some(root) = schema.kinds.get(self.kind).map(|k| k.root) else {
            return out;
        };
        let mut wanted: HashMap<*const Datum, Vec<usize>> = HashMap::new();
        for (i, t) in targets.iter().enumerate() {
            wanted.entry(std::ptr::from_ref(*t)).or_default().push(i);
        }
        let mut walk = Walk {
            schema,
            at: self.in_file(),
            wanted,
            out,
            path: String::new(),
        };
        walk.found(&self.root, None);
        walk.datum(&self.root, &FieldTy::Struct(root), None);
        walk.out
    }
}

/// A walk of a record's tree looking for data by address.
struct Walk<'a> {
    schema: &'a Schema,
    at: InFile<'a>,
    /// The data looked for, with where their answers go.
    wanted: HashMap<*const Datum, Vec<usize>>,
    out: Vec<Option<Path>>,
    /// The path of the datum being walked.
    path: String,
}

impl Walk<'_> {
    /// `d` has the current path and the key `key`, if it is looked for.
    fn found(&mut self, d: &Datum, key: Option<Span>) {
        if let Some(at) = self.wanted.remove(&std::ptr::from_ref(d)) {
            for i in at {
                if let Some(slot) = self.out.get_mut(i) {
                    *slot = Some((self.path.clone(), key));
                }
            }
        }
    }

    /// Look among the data inside `d`, of type `ty`, at the current path
    /// with its key at `key`.
    fn datum(&mut self, d: &Datum, ty: &FieldTy, key: Option<Span>) {
        if self.wanted.is_empty() {
            return;
        }
        let len = self.path.len();
        match (ty, &d.data) {
            (FieldTy::Struct(sid), _) => {
                let (Some(def), Some(fields)) = (self.schema.structs.get(*sid), d.data.fields())
                else {
                    return;
                };
                let whole = d.span(self.at);
                for (field, f) in def.fields.iter().zip(fields.iter()) {
                    // A field left out is named by the enclosing value.
                    let left_out = f.span(self.at) == whole;
                    if left_out {
                        self.found(f, key);
                    }
                    if !self.path.is_empty() {
                        self.path.push('.');
                    }
                    self.path.push_str(&field.name);
                    let own = f.place.key(self.at);
                    if !left_out {
                        self.found(f, own);
                    }
                    self.datum(f, &field.ty, own);
                    self.path.truncate(len);
                }
            }
            (FieldTy::List(inner) | FieldTy::OneOrList(inner), data) if data.is_list() => {
                for (i, item) in data.as_list().unwrap_or_default().iter().enumerate() {
                    let _ = write!(self.path, "[{i}]");
                    self.found(item, None);
                    self.datum(item, inner, None);
                    self.path.truncate(len);
                }
            }
            // One value written alone: the field's datum is the value.
            (FieldTy::OneOrList(inner), _) => self.datum(d, inner, key),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::check;
    use crate::records::Limits;
    use crate::schema::{Data, Datum, SharedText};
    use crate::source::SourceMap;

    /// The payee of each record of a file, as read.
    fn payees(text: &str) -> Result<Vec<SharedText>, String> {
        let mut sources = SourceMap::new();
        let compiled = check::compile_for_test(&mut sources, "kind pay {\n  payee: text\n}\n")?;
        let schema = &compiled.program.schema;
        let file = sources.add("p.yaml", text.to_string());
        let set = check::read_file(&sources, file, schema, &Limits::default());
        if !set.errors.is_empty() {
            return Err(format!("{:?}", set.errors));
        }
        set.records
            .iter()
            .map(
                |r| match r.root.data.fields().and_then(|f| f.get(1)).map(|d| &d.data) {
                    Some(Data::Text(t)) => Ok(t.clone()),
                    other => Err(format!("a long text expected, got {other:?}")),
                },
            )
            .collect()
    }

    #[test]
    fn the_records_of_a_file_hold_a_text_they_repeat_once() -> Result<(), String> {
        let text = "kind: pay\nid: P-1\npayee: 东方测绘有限公司有限公司\n---\n\
                    kind: pay\nid: P-2\npayee: 宏图广告传媒有限公司\n---\n\
                    kind: pay\nid: P-3\npayee: 东方测绘有限公司有限公司\n";
        let [first, other, again] = &payees(text)?[..] else {
            return Err("three records expected".into());
        };
        assert!(SharedText::ptr_eq(first, again));
        assert!(!SharedText::ptr_eq(first, other));
        assert_eq!(again.as_str(), "东方测绘有限公司有限公司");
        Ok(())
    }

    #[test]
    fn checks_between_fields_skip_a_one_or_list_however_it_is_written() -> Result<(), String> {
        let mut sources = SourceMap::new();
        let compiled = check::compile_for_test(
            &mut sources,
            "kind k {\n  mode: text or [text]\n  note: text when mode == special\n  \
             a: date or [date]\n  b: date\n  require a <= b\n}\n",
        )?;
        let schema = &compiled.program.schema;
        // A list has no one value to compare: written alone or in
        // brackets, the conditions do not apply to it.
        for (mode, a) in [("special", "2024-02-01"), ("[special]", "[2024-02-01]")] {
            let text = format!("kind: k\nid: K-1\nmode: {mode}\na: {a}\nb: 2024-01-01\n");
            let file = sources.add("k.yaml", text);
            let set = check::read_file(&sources, file, schema, &Limits::default());
            assert!(set.errors.is_empty(), "{mode}: {:?}", set.errors);
            assert_eq!(set.records.len(), 1, "{mode}");
        }
        Ok(())
    }

    /// Every datum of a record with its path and the text of its key, in
    /// document order of the tree: written fields, fields left out (with
    /// and without defaults, a default list with elements), a field written
    /// empty, list elements and nested structures.
    #[test]
    fn every_datum_has_its_path_and_key() -> Result<(), String> {
        let rules = "struct step {\n  name: text\n  note: text?\n  tags: [text] = [\"甲\", \"乙\"]\n}\n\
                     kind box {\n  amount: money?\n  flag: bool = false\n  none: [text] = []\n  \
                     one: text or [text]\n  steps: [step]\n  inner: step?\n  extra: text?\n}\n";
        // Fields written out of their declared order (`inner` is declared
        // after `steps`), and a key too far from its value to be kept
        // beside it.
        let text = format!(
            "kind: box\nid: B-1\nextra:\none: 单\ninner: # {}\n  name: c\nsteps:\n  - name: a\n    \
             tags: [x]\n  - {{name: b, note: n}}\n",
            "注".repeat(20_000)
        );
        let text = text.as_str();
        let mut sources = SourceMap::new();
        let compiled = check::compile_for_test(&mut sources, rules)?;
        let schema = &compiled.program.schema;
        let file = sources.add("b.yaml", text);
        let set = check::read_file(&sources, file, schema, &Limits::default());
        assert!(set.errors.is_empty(), "{:?}", set.errors);
        let [record] = &set.records[..] else {
            return Err(format!("one record expected, got {}", set.records.len()));
        };
        fn walk<'a>(d: &'a Datum, out: &mut Vec<&'a Datum>) {
            out.push(d);
            for item in d.data.as_list().unwrap_or_default() {
                walk(item, out);
            }
            for field in d.data.fields().iter().flat_map(|f| f.iter()) {
                walk(field, out);
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
                // `text or [text]` written as one text: held as that text.
                "one@one",
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
        assert_eq!((all.len(), record.long.len()), (25, 1));
        // All at once, each datum twice: the same answers.
        let twice: Vec<&Datum> = all.iter().chain(all.iter()).copied().collect();
        let at_once = record.paths(schema, &twice);
        let one_by_one: Vec<_> = twice.iter().map(|d| record.path(schema, d)).collect();
        assert_eq!(at_once, one_by_one);
        // A copy of a datum is not in the record.
        let copy = record.root.clone();
        assert_eq!(record.path(schema, &copy), None);
        Ok(())
    }
}
