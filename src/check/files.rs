//! The records of a run a file at a time: each file read and validated
//! into a [`FileSet`], and the report's list of every record read, made
//! from the file sets once the rules have run.

use std::borrow::Cow;
use std::collections::HashSet;

use rayon::prelude::*;

use crate::diag::Diagnostic;
use crate::model::RecordInfo;
use crate::records::{self, Limits, Record};
use crate::schema::{KindId, Schema};
use crate::source::{FileId, SourceMap, Span};

/// The records of one file, read and validated.
#[derive(Debug, Clone)]
pub struct FileSet {
    /// The file.
    pub file: FileId,
    /// Checked records in document order.
    pub records: Vec<Record>,
    /// Kind and id of rejected records (references to them still resolve).
    pub rejected: Vec<(crate::schema::KindId, String)>,
    /// Input errors.
    pub errors: Vec<Diagnostic>,
    /// The records read but not checked, in document order, as the report
    /// lists them. A checked record's entry is made from the record when
    /// the report is ([`FileSet::infos`]): nothing of it is kept twice
    /// through the run.
    pub unchecked: Vec<RecordInfo>,
}

impl FileSet {
    /// How many records were read, checked or not.
    pub fn records_read(&self) -> usize {
        self.records.len() + self.unchecked.len()
    }

    /// Every record read, checked or not, in document order, as the report
    /// lists them: the entries of checked records made from them (their
    /// kind, id and what their marked fields hold); `unit_kinds` as
    /// [`Schema::unit_kinds`] returns them.
    pub fn infos<'a>(
        &'a self,
        schema: &'a Schema,
        unit_kinds: &'a [KindId],
    ) -> impl Iterator<Item = RecordInfo> + 'a {
        in_document_order(
            self.records.iter(),
            self.unchecked.iter().cloned(),
            schema,
            unit_kinds,
        )
    }

    /// Like [`FileSet::infos`], letting the file set go as they are made:
    /// each record is freed once its entry is, and the ids and unchecked
    /// entries are moved, not copied.
    pub fn into_infos<'a>(
        self,
        schema: &'a Schema,
        unit_kinds: &'a [KindId],
    ) -> impl Iterator<Item = RecordInfo> + 'a {
        in_document_order(
            self.records.into_iter(),
            self.unchecked.into_iter(),
            schema,
            unit_kinds,
        )
    }

    /// Keep the records of this file out of the check: each is reported as
    /// rejected, and references to it still resolve.
    pub fn reject_all(&mut self, schema: &Schema) {
        let records = std::mem::take(&mut self.records);
        let unchecked = std::mem::take(&mut self.unchecked);
        self.rejected
            .extend(records.iter().map(|r| (r.kind, r.id().to_string())));
        let mut all = Vec::with_capacity(records.len() + unchecked.len());
        let unit_kinds = schema.unit_kinds();
        all.extend(
            in_document_order(
                records.into_iter(),
                unchecked.into_iter(),
                schema,
                &unit_kinds,
            )
            .map(|info| RecordInfo {
                rejected: true,
                ..info
            }),
        );
        self.unchecked = all;
    }
}

/// A checked record as its entry in the report's list is made from it:
/// borrowed, or owned and let go once listed.
trait Listed {
    /// The record.
    fn record(&self) -> &Record;
}

impl Listed for &Record {
    fn record(&self) -> &Record {
        self
    }
}

impl Listed for Record {
    fn record(&self) -> &Record {
        self
    }
}

/// The entries of a file's checked `records` and of its `unchecked` ones
/// (both in document order) merged in document order, a record before an
/// unchecked one at the same place.
fn in_document_order<'a, R: Listed>(
    records: impl Iterator<Item = R> + 'a,
    unchecked: impl Iterator<Item = RecordInfo> + 'a,
    schema: &'a Schema,
    unit_kinds: &'a [KindId],
) -> impl Iterator<Item = RecordInfo> + 'a {
    let mut records = records.peekable();
    let mut unchecked = unchecked.peekable();
    std::iter::from_fn(move || {
        let next = records.peek().map(|r| r.record().start);
        if let Some(u) = unchecked.next_if(|u| next.is_none_or(|start| u.span.start < start)) {
            return Some(u);
        }
        let r = records.next()?;
        let record = r.record();
        let (kind, span) = (record.kind, record.span());
        let marked = Box::new(schema.marked(kind, record.id(), &record.root, unit_kinds));
        Some(RecordInfo {
            kind: schema
                .kinds
                .get(kind)
                .map_or(String::new(), |k| k.name.clone()),
            id: record.id().to_string(),
            span,
            rejected: false,
            marked,
        })
    })
}

/// Read and validate the records of one file already added to `sources`.
pub fn read_file(sources: &SourceMap, id: FileId, schema: &Schema, limits: &Limits) -> FileSet {
    read_file_text(id, sources.get(id).map_or("", |f| &f.text), schema, limits)
}

/// Read and validate the records of file `id` from `text`, which the
/// source map need not hold: a large run reads each file into a buffer of
/// its thread and keeps only what was read from it.
pub fn read_file_text(id: FileId, text: &str, schema: &Schema, limits: &Limits) -> FileSet {
    let fr = records::read(id, text, schema, limits);
    let kind_name = |k: Option<usize>| {
        k.and_then(|k| schema.kinds.get(k))
            .map_or(String::new(), |k| k.name.clone())
    };
    let mut unchecked: Vec<RecordInfo> = fr
        .rejected
        .iter()
        .map(|r| RecordInfo {
            kind: kind_name(r.kind),
            id: r.id.clone().unwrap_or_default(),
            span: r.span,
            rejected: true,
            marked: Box::default(),
        })
        .collect();
    unchecked.sort_by_key(|i| i.span.start);
    FileSet {
        file: id,
        records: fr.records,
        rejected: fr
            .rejected
            .into_iter()
            .filter_map(|r| Some((r.kind?, r.id?)))
            .collect(),
        errors: fr.errors,
        unchecked,
    }
}

/// Read record files. `files` must be in path order: REF-002 and ZJBF-005
/// speak of "the later one".
pub fn read_records(
    sources: &SourceMap,
    files: &[FileId],
    schema: &Schema,
    limits: &Limits,
) -> Vec<FileSet> {
    files
        .iter()
        .map(|&id| read_file(sources, id, schema, limits))
        .collect()
}

/// Every record read in `files`, checked or not, in file and document
/// order, as a report lists them (see [`FileSet::infos`]), those in
/// `late_rejected` marked rejected, and their units resolved. A file set
/// given owned is let go on the thread that lists it, a record at a time,
/// so that a large run never holds its records and their list whole at
/// once, and the memory of one is reused for the other.
pub fn record_infos(
    schema: &Schema,
    files: Vec<Cow<'_, FileSet>>,
    late_rejected: &HashSet<Span>,
) -> Vec<RecordInfo> {
    let unit_kinds = schema.unit_kinds();
    let total: usize = files.iter().map(|f| f.records_read()).sum();
    // On all cores, a file at a time, kept in file order.
    let per_file: Vec<Vec<RecordInfo>> = files
        .into_par_iter()
        .with_max_len(1)
        .map(|file| {
            let mut infos = Vec::with_capacity(file.records_read());
            let mark = |mut info: RecordInfo| {
                info.rejected |= late_rejected.contains(&info.span);
                info
            };
            match file {
                Cow::Owned(f) => infos.extend(f.into_infos(schema, &unit_kinds).map(mark)),
                Cow::Borrowed(f) => infos.extend(f.infos(schema, &unit_kinds).map(mark)),
            }
            infos
        })
        .collect();
    let mut records: Vec<RecordInfo> = Vec::with_capacity(total);
    for infos in per_file {
        records.extend(infos);
    }
    // Only the records that name their unit through another record, and
    // the records of the kinds they go through, take part: the others
    // have their unit already, and a large run need not index them all.
    let mut via: Vec<String> = Vec::new();
    for r in &records {
        if let Some(kind) = &r.marked.unit_via
            && !via.contains(kind)
        {
            via.push(kind.clone());
        }
    }
    crate::schema::resolve_units(
        records
            .iter_mut()
            .filter(|r| r.marked.unit_via.is_some() || via.contains(&r.kind))
            .map(|r| (r.kind.as_str(), r.id.as_str(), &mut *r.marked)),
    );
    records
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{
        Compiled, Evaluation, Program, STANDARD_RULES, compile_files, evaluate, evaluate_rules,
    };
    use crate::syntax;

    /// The standard rules, added to `sources` and compiled.
    fn standard_program(sources: &mut SourceMap) -> Program {
        let rules: Vec<_> = STANDARD_RULES
            .iter()
            .map(|(n, t)| sources.add(*n, *t))
            .collect();
        let Compiled {
            program, errors, ..
        } = compile_files(sources, &rules, &[], &[], syntax::MAX_NESTING);
        assert!(errors.is_empty(), "{errors:?}");
        program
    }

    /// What the marked fields hold is read from the records when the
    /// report is made, and before a file's records are rejected all at
    /// once (past `--max-records`): the same either way.
    #[test]
    fn marks_are_read_from_the_records_for_the_report() {
        let mut sources = SourceMap::new();
        let program = standard_program(&mut sources);
        let text = "kind: org\nid: o\nname: 某局\nleaders: [{name: 甲, principal: true}]\n---\n\
                    kind: nonsense\nid: x\n---\n\
                    kind: meeting\nid: m\norg: o\nbody: 党组会\ndate: 2014-01-02\nchair: 甲\nmembers: [甲, 乙]\n\
                    attendees: [甲]\nitems: [{no: 1, title: t, category: 一般事项, outcome: 通过}]\n";
        let file = sources.add("r.yaml", text);
        let set = read_file(&sources, file, &program.schema, &Limits::default());
        let report = evaluate(&program, &[&set], &sources);
        let marks = |infos: &[RecordInfo]| -> Vec<String> {
            infos
                .iter()
                .map(|i| {
                    let m = &i.marked;
                    let period = m.period.map(|d| d.to_string());
                    format!(
                        "{} {:?} {:?} {:?} {period:?}",
                        i.id, m.unit, m.label, m.names
                    )
                })
                .collect()
        };
        let expected = [
            r#"o Some("o") Some("某局") ["甲"] None"#,
            "x None None [] None",
            r#"m Some("o") None ["甲", "乙"] Some("2014-01-02")"#,
        ];
        assert_eq!(marks(&report.records), expected);
        let mut rejected = read_file(&sources, file, &program.schema, &Limits::default());
        rejected.reject_all(&program.schema);
        assert!(rejected.records.is_empty());
        let report = evaluate(&program, &[&rejected], &sources);
        assert_eq!(marks(&report.records), expected);
        assert!(report.records.iter().all(|r| r.rejected));
    }

    /// A check run lists the records from the file sets it owns, letting
    /// them go; an editor or a test from borrowed ones: the lists are the
    /// same, records rejected as read or while the rules ran in place.
    #[test]
    fn records_are_listed_alike_from_owned_and_borrowed_file_sets() {
        let mut sources = SourceMap::new();
        let program = standard_program(&mut sources);
        let org = "kind: org\nid: o\nname: 某局\nleaders: [{name: 甲, principal: true}]\n";
        let power = "kind: power\nid: P-1\norg: o\nname: 许可\nstatus: 保留\nstatutory_days: 20\npromised_days: 5\n";
        let case = |id: &str, day: &str| {
            format!(
                "kind: application\nid: {id}\npower: P-1\napplicant: 某公司\nplace: 中心\nsteps:\n\
                 - {{step: 受理, by: 乙, date: {day}}}\n- {{step: 办结, by: 乙, date: {day}, result: 准予许可}}\n"
            )
        };
        let texts = [
            format!(
                "kind: nonsense\nid: x\n---\n{org}---\n{}",
                case("A-1", "2015-01-05")
            ),
            format!("{}---\n{power}---\nid: y\n", case("A-2", "2014-03-03")),
        ];
        let files: Vec<FileId> = texts
            .iter()
            .enumerate()
            .map(|(i, t)| sources.add(format!("r{i}.yaml"), t.as_str()))
            .collect();
        let sets: Vec<FileSet> = files
            .iter()
            .map(|&f| read_file(&sources, f, &program.schema, &Limits::default()))
            .collect();
        let refs: Vec<&FileSet> = sets.iter().collect();
        let borrowed = evaluate(&program, &refs, &sources);
        let Evaluation {
            report,
            late_rejected,
        } = evaluate_rules(&program, &refs, &sources, None);
        assert!(report.records.is_empty());
        drop(refs);
        let owned = record_infos(
            &program.schema,
            sets.into_iter().map(Cow::Owned).collect(),
            &late_rejected,
        );
        assert_eq!(owned, borrowed.records);
        let listed: Vec<(&str, bool)> = owned.iter().map(|r| (r.id.as_str(), r.rejected)).collect();
        assert_eq!(
            listed,
            [
                ("x", true),
                ("o", false),
                ("A-1", true),
                ("A-2", false),
                ("P-1", false),
                ("y", true),
            ]
        );
    }
}
