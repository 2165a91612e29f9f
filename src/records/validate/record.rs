//! A record that fitted the schema, and where its data are.

use std::collections::HashMap;
use std::fmt::Write;

use crate::records::tree::{Node, NodeKind};
use crate::records::yaml;
use crate::schema::{Data, Datum, FieldTy, KindId, LEFT_OUT, Schema};
use crate::source::{FileId, Span};

/// A document that fitted the schema.
#[derive(Debug, Clone)]
pub struct Record {
    /// Its kind.
    pub kind: KindId,
    /// The file it was read from.
    pub file: FileId,
    /// Where its document's root starts in the file.
    pub start: u32,
    /// Where its document's root ends.
    pub end: u32,
    /// The top-level structure; slot 0 holds the id (see [`Record::id`]).
    pub root: Datum,
}

/// Where a datum of a record is, found by reading the record's text again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Located {
    /// Its path from the record's root (`items[0].opinions[2]`). A field
    /// left out (its default sits at the enclosing value) is named by the
    /// enclosing value.
    pub path: String,
    /// Where its value is; a field left out, and its default, are at the
    /// enclosing value.
    pub span: Span,
    /// Where the key the path ends at is, when it ends at a field written
    /// in the file.
    pub key: Option<Span>,
}

impl Record {
    /// Its id: the text in slot 0 of its root, where every kind's schema
    /// puts `id`. Read from there rather than held twice: a large run
    /// holds a million records.
    pub fn id(&self) -> &str {
        self.id_data().and_then(Data::as_text).unwrap_or("")
    }

    /// The bytes of its id, for comparing and hashing.
    pub fn id_bytes(&self) -> &[u8] {
        self.id_data()
            .and_then(Data::text_bytes)
            .unwrap_or_default()
    }

    fn id_data(&self) -> Option<&Data> {
        Some(&self.root.data.fields()?.first()?.data)
    }

    /// The span of the whole record.
    pub fn span(&self) -> Span {
        Span {
            file: self.file,
            start: self.start,
            end: self.end,
        }
    }

    /// Where `targets`, data of this record, are, one answer for each:
    /// the record's document is read again from `text` (its file's text,
    /// as it was read) and walked beside the record's data. Data keep no
    /// places of their own: a large run holds tens of millions of them,
    /// and names a few thousand. `None` for a datum not in this record, and
    /// for all when `text` no longer holds the record.
    pub fn locate(&self, schema: &Schema, text: &str, targets: &[&Datum]) -> Vec<Option<Located>> {
        let doc = yaml::load_document_at(self.file, text, self.start as usize, self.end as usize);
        match doc.filter(|d| d.span == self.span()) {
            Some(doc) => self.walk(schema, Some(&doc), targets),
            None => vec![None; targets.len()],
        }
    }

    /// The paths of `targets`, data of this record, as [`Record::locate`]
    /// names them, read from the data alone: for a record whose text is
    /// no longer as it was read, so that its findings keep their paths
    /// (which baselines compare). Only a field left out with a default is
    /// named otherwise, by its own path: in the data alone it looks
    /// written.
    pub fn paths(&self, schema: &Schema, targets: &[&Datum]) -> Vec<Option<String>> {
        self.walk(schema, None, targets)
            .into_iter()
            .map(|at| at.map(|at| at.path))
            .collect()
    }

    /// Walk the record beside `doc`, its document read again (none: by its
    /// data alone, every datum at the record), for `targets`.
    fn walk(
        &self,
        schema: &Schema,
        doc: Option<&Node>,
        targets: &[&Datum],
    ) -> Vec<Option<Located>> {
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
            read: doc.is_some(),
            wanted,
            out,
            path: String::new(),
        };
        walk.found(&self.root, self.span(), None);
        let at = At {
            node: doc,
            span: self.span(),
            key: None,
        };
        walk.datum(&self.root, &FieldTy::Struct(root), at, true);
        walk.out
    }
}

/// Where a datum being walked was read from: its node (none for a value
/// not written, a default), its span and its key's.
#[derive(Clone, Copy)]
struct At<'n> {
    node: Option<&'n Node>,
    span: Span,
    key: Option<Span>,
}

/// A walk of a record's data beside its document, looking for data by
/// address. It places each datum as validation read it.
struct Walk<'a> {
    schema: &'a Schema,
    /// Whether the walk is beside the record's document; else it tells
    /// the fields written by their data alone.
    read: bool,
    /// The data looked for, with where their answers go.
    wanted: HashMap<*const Datum, Vec<usize>>,
    out: Vec<Option<Located>>,
    /// The path of the datum being walked.
    path: String,
}

impl Walk<'_> {
    /// `d`, at the current path, is at `span` with its key at `key`, if it
    /// is looked for.
    fn found(&mut self, d: &Datum, span: Span, key: Option<Span>) {
        // The datum every field left out reads as is in no record: it is
        // not found at the first such field.
        if std::ptr::eq(d, &LEFT_OUT) {
            return;
        }
        if let Some(at) = self.wanted.remove(&std::ptr::from_ref(d)) {
            for i in at {
                if let Some(slot) = self.out.get_mut(i) {
                    *slot = Some(Located {
                        path: self.path.clone(),
                        span,
                        key,
                    });
                }
            }
        }
    }

    /// Look among the data inside `d`, of type `ty`, read at `at`.
    fn datum(&mut self, d: &Datum, ty: &FieldTy, at: At<'_>, is_root: bool) {
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
                let entries = match at.node.map(|n| &n.kind) {
                    Some(NodeKind::Map(entries)) => &entries[..],
                    _ => &[],
                };
                for (field, f) in def.fields.iter().zip(fields.iter()) {
                    // Validation skips `kind` at the root, and holds a
                    // field written empty as one left out.
                    let written = entries.iter().find(|(k, v)| {
                        k.as_str() == Some(field.name.as_str())
                            && !matches!(v.kind, NodeKind::Null)
                            && !(is_root && field.name == "kind")
                    });
                    let left_out = match self.read {
                        true => written.is_none(),
                        false => matches!(f.data, Data::None),
                    };
                    // A field left out is named by the enclosing value.
                    if left_out {
                        self.found(f, at.span, at.key);
                    }
                    if !self.path.is_empty() {
                        self.path.push('.');
                    }
                    self.path.push_str(&field.name);
                    let own = match written {
                        Some((k, v)) => {
                            self.found(f, v.span, Some(k.span));
                            At {
                                node: Some(v),
                                span: v.span,
                                key: Some(k.span),
                            }
                        }
                        None => {
                            if !left_out {
                                self.found(f, at.span, None);
                            }
                            At {
                                node: None,
                                span: at.span,
                                key: None,
                            }
                        }
                    };
                    self.datum(f, &field.ty, own, false);
                    self.path.truncate(len);
                }
            }
            (FieldTy::List(inner) | FieldTy::OneOrList(inner), data) if data.is_list() => {
                let nodes = match at.node.map(|n| &n.kind) {
                    Some(NodeKind::Seq(nodes)) => &nodes[..],
                    _ => &[],
                };
                for (i, item) in data.as_list().unwrap_or_default().iter().enumerate() {
                    let node = nodes.get(i);
                    let own = At {
                        node,
                        span: node.map_or(at.span, |n| n.span),
                        key: None,
                    };
                    let _ = write!(self.path, "[{i}]");
                    self.found(item, own.span, None);
                    self.datum(item, inner, own, false);
                    self.path.truncate(len);
                }
            }
            // One value written alone: the field's datum is the value.
            (FieldTy::OneOrList(inner), _) => self.datum(d, inner, at, false),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::check;
    use crate::records::Limits;
    use crate::schema::{Data, Datum, LEFT_OUT, SharedText};
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
    /// document order of the tree: written fields, defaults of fields left
    /// out (a default list with elements), list elements and nested
    /// structures. Fields left out without a default, and a field written
    /// empty, hold no datum of their own in a structure of few slots (they
    /// read as [`LEFT_OUT`]): evaluation points at their structure instead.
    #[test]
    fn every_datum_has_its_path_and_key() -> Result<(), String> {
        let rules = "struct step {\n  name: text\n  note: text?\n  tags: [text] = [\"甲\", \"乙\"]\n}\n\
                     kind box {\n  amount: money?\n  flag: bool = false\n  none: [text] = []\n  \
                     one: text or [text]\n  steps: [step]\n  inner: step?\n  extra: text?\n}\n";
        // Fields written out of their declared order (`inner` is declared
        // after `steps`), and a long comment between a key and its value.
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
            if std::ptr::eq(d, &LEFT_OUT) {
                return;
            }
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
        let found = record.locate(schema, text, &all);
        let paths: Vec<String> = found
            .iter()
            .map(|d| match d {
                Some(at) => {
                    let key = at.key.map_or("-", |k| text.get(k.range()).unwrap_or("?"));
                    format!("{}@{key}", at.path)
                }
                None => "none".to_string(),
            })
            .collect();
        assert_eq!(
            paths,
            [
                "@-",
                "id@id",
                // Defaults of fields left out: named by the enclosing value.
                "@-",
                "@-",
                // `text or [text]` written as one text: held as that text.
                "one@one",
                "steps@steps",
                "steps[0]@-",
                "steps[0].name@name",
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
                "inner.tags[0]@-",
                "inner.tags[1]@-",
            ]
        );
        assert_eq!(all.len(), 21);
        // `Datum::all` visits the same data, and not the one fields left
        // out read as.
        assert_eq!(record.root.all().count(), all.len());
        assert!(!record.root.holds(&LEFT_OUT));
        // Each value where it is written; a field left out, and its
        // default, at the enclosing value.
        let shown: Vec<&str> = found
            .iter()
            .map(|d| {
                d.as_ref()
                    .map_or("none", |at| text.get(at.span.range()).unwrap_or("?"))
            })
            .map(|t| t.lines().next().unwrap_or(""))
            .collect();
        assert_eq!(
            shown,
            [
                "kind: box",
                "B-1",
                "kind: box",
                "kind: box",
                "单",
                "- name: a",
                "name: a",
                "a",
                "[x]",
                "x",
                "{name: b, note: n}",
                "b",
                "n",
                "{name: b, note: n}",
                "{name: b, note: n}",
                "{name: b, note: n}",
                "name: c",
                "c",
                "name: c",
                "name: c",
                "name: c",
            ]
        );
        // All at once, each datum twice: the same answers.
        let twice: Vec<&Datum> = all.iter().chain(all.iter()).copied().collect();
        let at_once = record.locate(schema, text, &twice);
        let one_by_one: Vec<_> = twice
            .iter()
            .flat_map(|d| record.locate(schema, text, &[d]))
            .collect();
        assert_eq!(at_once, one_by_one);
        // A copy of a datum is not in the record, nor is the datum fields
        // left out read as.
        let copy = record.root.clone();
        assert_eq!(record.locate(schema, text, &[&copy]), [None]);
        assert_eq!(record.locate(schema, text, &[&LEFT_OUT]), [None]);
        assert_eq!(record.paths(schema, &[&LEFT_OUT]), [None]);
        // Nor is the record in a text that no longer holds it.
        let edited = text.replacen("B-1", "B-10", 1);
        assert_eq!(record.locate(schema, &edited, &[&record.root]), [None]);
        // Read from the data alone, the paths are the same but for the
        // fields left out with a default, named by their own path.
        let mut expected: Vec<Option<String>> = found
            .iter()
            .map(|at| at.clone().map(|at| at.path))
            .collect();
        for (i, path) in [
            (2, "flag"),
            (3, "none"),
            (13, "steps[1].tags"),
            (18, "inner.tags"),
        ] {
            expected[i] = Some(path.to_string());
        }
        assert_eq!(record.paths(schema, &all), expected);
        Ok(())
    }
}
