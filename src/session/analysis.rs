//! Analysis of the workspace: compiling the rules, reading the record
//! files that changed and evaluating the open documents' records, over an
//! index of the files not being edited.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;

use super::{DocKind, Session, doc_kind};
use crate::check::{self, FileSet, Frozen, Program, Symbols};
use crate::diag::Diagnostic as Diag;
use crate::records::Limits;
use crate::report::Report;
use crate::source::{FileId, SourceMap};

/// The compiled rules and the findings of the workspace.
#[derive(Debug)]
pub(super) struct Analysis {
    pub(super) program: Arc<Program>,
    /// The index of the names in the rules, for hover, go to definition,
    /// references and the outline.
    pub(super) symbols: Symbols,
    pub(super) rule_errors: Vec<Diag>,
    pub(super) report: Report,
}

/// An analysis taken out of the session: a snapshot of what evaluating
/// the records needs, run without the session ([`AnalysisJob::run`]), so
/// that the session takes edits and answers questions meanwhile.
#[derive(Debug)]
pub struct AnalysisJob {
    /// The session's generation when the job was taken.
    generation: u64,
    /// The session's generation now: a job overtaken by an edit stops
    /// at the next step.
    now: Arc<AtomicU64>,
    program: Arc<Program>,
    /// The texts as they were when the job was taken.
    sources: SourceMap,
    yaml: Limits,
    /// Every record file in path order, with its parsed records when the
    /// session had them for its text, else the text to read.
    files: Vec<(FileId, Parsed)>,
    open: Vec<FileId>,
    last_edited: Option<FileId>,
    /// The session's index of the files not being edited: one index, moved
    /// out with the job and back, never built twice over.
    frozen: Option<Frozen>,
}

/// A record file's records, in an [`AnalysisJob`].
#[derive(Debug)]
enum Parsed {
    Kept(Arc<FileSet>),
    ToRead(Arc<str>),
}

/// What an [`AnalysisJob`] found, for [`Session::finish_analysis`].
#[derive(Debug)]
pub struct AnalysisDone {
    generation: u64,
    program: Arc<Program>,
    /// The files read, with the texts they were read from.
    read: Vec<(FileId, Arc<str>, Arc<FileSet>)>,
    frozen: Option<Frozen>,
    /// None when an edit overtook the job before it was evaluated.
    report: Option<Report>,
}

impl AnalysisJob {
    /// Read the record files that changed and evaluate the open documents'
    /// records: the costly part of an analysis, which needs no session.
    ///
    /// The records of every file but the one being edited stay indexed
    /// between edits ([`Frozen`]), with the whole-run values over them, so
    /// that an edit costs about the edited file; the index is built again
    /// when another file changes or the rules do.
    ///
    /// A job overtaken by an edit stops before its next costly step (the
    /// index, the evaluation): its findings would not be taken.
    pub fn run(mut self) -> AnalysisDone {
        let (program, sources, yaml) = (&self.program, &self.sources, &self.yaml);
        let read: Vec<(FileId, Arc<str>, Arc<FileSet>)> = self
            .files
            .par_iter()
            .filter_map(|(id, parsed)| match parsed {
                Parsed::Kept(_) => None,
                Parsed::ToRead(text) => {
                    let set = check::read_file(sources, *id, &program.schema, yaml);
                    Some((*id, text.clone(), Arc::new(set)))
                }
            })
            .collect();
        let mut fresh = read.iter();
        let sets: Vec<Arc<FileSet>> = self
            .files
            .iter()
            .filter_map(|(id, parsed)| match parsed {
                Parsed::Kept(set) => Some(set.clone()),
                Parsed::ToRead(_) => fresh
                    .find(|(read_id, _, _)| read_id == id)
                    .map(|(_, _, set)| set.clone()),
            })
            .collect();
        let report = match self.evaluate_over_index(&sets) {
            _ if self.overtaken() => None,
            Some(report) => Some(report),
            None => {
                let refs: Vec<&FileSet> = sets.iter().map(|s| s.as_ref()).collect();
                let open = Some(self.open.as_slice());
                Some(check::evaluate_focused(
                    &self.program,
                    &refs,
                    &self.sources,
                    open,
                ))
            }
        };
        AnalysisDone {
            generation: self.generation,
            program: self.program,
            read,
            frozen: self.frozen,
            report,
        }
    }

    /// Evaluate over the index of every record file but the one being
    /// edited, building the index first when the files changed otherwise;
    /// none when there is no record file to leave out, or the evaluation
    /// cannot be done so (see [`Frozen::evaluate`]).
    fn evaluate_over_index(&mut self, sets: &[Arc<FileSet>]) -> Option<Report> {
        if self.overtaken() {
            return None;
        }
        let program = &self.program;
        // Dated rules are evaluated a program per period, over every record.
        if !program.versions.is_empty() {
            return None;
        }
        let is_set = |id: FileId| sets.iter().any(|s| s.file == id);
        let hot = self
            .last_edited
            .filter(|&id| is_set(id))
            .or_else(|| self.open.iter().copied().filter(|&id| is_set(id)).min())?;
        // The index stands while every other file is the one it was built from.
        let stands = self
            .frozen
            .as_ref()
            .is_some_and(|frozen| frozen.stands_for(program, sets, hot));
        if !stands {
            // Freeing an index of many records takes a while: not on the
            // way to the diagnostics.
            crate::project::free_apart(self.frozen.take());
            self.frozen = Some(Frozen::new(program.clone(), sets, hot));
        }
        if self.overtaken() {
            return None;
        }
        let frozen = self.frozen.as_ref()?;
        let hot_set = sets.iter().find(|s| s.file == hot)?;
        frozen.evaluate(hot_set, &self.open, &self.sources)
    }

    /// Whether the documents changed since the job was taken.
    fn overtaken(&self) -> bool {
        self.now.load(Ordering::SeqCst) != self.generation
    }
}

impl Session {
    /// Re-run what changed: compile the rules if a rule file changed, re-read
    /// changed record files, evaluate the open documents' records; all at
    /// once, with the session held ([`Session::begin_analysis`] runs the
    /// evaluation apart). With a job out, this builds an index of its own:
    /// a caller that can wait for the job does.
    pub fn analyze(&mut self) {
        self.compile();
        if let Some(job) = self.take_job() {
            let done = job.run();
            self.finish_analysis(done);
        }
    }

    /// Compile the rules if needed and take out the evaluation of the
    /// records, to be run with [`AnalysisJob::run`] and its result given
    /// back to [`Session::finish_analysis`]; the session stays usable
    /// meanwhile. None when the analysis is up to date or a job is out
    /// already: one at a time, since each moves the index of the records
    /// with it, and the one out brings the newest edits in when it is
    /// finished stale (see [`Session::finish_analysis`]).
    pub fn begin_analysis(&mut self) -> Option<AnalysisJob> {
        self.compile();
        if self.analysed || self.jobs_out > 0 {
            return None;
        }
        self.take_job()
    }

    /// The job of evaluating the records as the documents are now.
    fn take_job(&mut self) -> Option<AnalysisJob> {
        let program = self.analysis.as_ref()?.program.clone();
        let files = self
            .record_files
            .iter()
            .filter_map(|(_, id)| {
                let file = self.sources.get(*id)?;
                let parsed = match self.cache.get(id) {
                    Some((text, set)) if Arc::ptr_eq(text, &file.text) || **text == *file.text => {
                        Parsed::Kept(set.clone())
                    }
                    _ => Parsed::ToRead(file.text.clone()),
                };
                Some((*id, parsed))
            })
            .collect();
        // Only open documents show diagnostics: rules run on their records
        // (and, on demand, on the records those ask about).
        let open = self
            .open
            .iter()
            .filter_map(|p| self.by_path.get(p).copied())
            .collect();
        self.jobs_out += 1;
        Some(AnalysisJob {
            generation: self.generation(),
            now: self.generation.clone(),
            program,
            sources: self.sources.clone(),
            yaml: self.limits.yaml.clone(),
            files,
            open,
            last_edited: self.last_edited,
            frozen: self.frozen.take(),
        })
    }

    /// Take what a job found: its findings when the documents are still
    /// those it analysed (true), else nothing but the records it read from
    /// texts that are still current: the analysis stays out of date, and
    /// the next job brings the newest edits in.
    pub fn finish_analysis(&mut self, done: AnalysisDone) -> bool {
        self.jobs_out = self.jobs_out.saturating_sub(1);
        let AnalysisDone {
            generation,
            program,
            read,
            frozen,
            report,
        } = done;
        // One index: a newer one built meanwhile stays.
        match &self.frozen {
            Some(_) => crate::project::free_apart(frozen),
            None => self.frozen = frozen,
        }
        let same_rules = self.analysis.as_ref().is_some_and(|a| {
            Arc::ptr_eq(&a.program, &program) || a.program.schema.reads_like(&program.schema)
        });
        if !same_rules {
            // Read against a schema that has gone: nothing to keep.
            return false;
        }
        for (id, text, set) in read {
            let is_current = |t: &Arc<str>| Arc::ptr_eq(t, &text) || **t == *text;
            let current = self.sources.get(id).is_some_and(|f| is_current(&f.text));
            // Records parsed meanwhile stay: the index is built of those.
            let cached = self.cache.get(&id).is_some_and(|(t, _)| is_current(t));
            if current && !cached && self.record_files.iter().any(|(_, f)| *f == id) {
                self.cache.insert(id, (text, set));
            }
        }
        let now = self.generation();
        let (Some(analysis), Some(mut report)) = (
            self.analysis
                .as_mut()
                .filter(|a| generation == now && Arc::ptr_eq(&a.program, &program)),
            report,
        ) else {
            return false;
        };
        // Waived and baselined findings are shown as such, as in the
        // reports; the report holds only the open documents' findings.
        self.project
            .suppress(&mut report, &self.sources, program.today, false);
        analysis.report = report;
        self.analysed = true;
        true
    }

    /// Whether a job taken by [`Session::begin_analysis`] is not finished.
    pub fn analysis_running(&self) -> bool {
        self.jobs_out > 0
    }

    /// A job taken by [`Session::begin_analysis`] will not be finished (its
    /// thread failed): the next one may begin, building its index anew.
    pub fn analysis_lost(&mut self) {
        self.jobs_out = self.jobs_out.saturating_sub(1);
    }

    /// Analyse if anything changed since the last analysis, so that a
    /// request is answered from the documents as they are now.
    pub fn analyze_if_changed(&mut self) {
        if !self.analysed {
            self.analyze();
        }
    }

    /// Bring up to date what a question on the document at `path` is
    /// answered from: the compiled rules for a rules document or the
    /// project file (their records need not wait), everything for any
    /// other.
    pub fn prepare_for(&mut self, path: &Path) {
        if !needs_records(path) {
            self.compile();
        } else {
            self.analyze_if_changed();
        }
    }

    /// Take the project file's text if it changed, then compile the rules
    /// if it or a rule or parameter file changed (or nothing was compiled
    /// yet), keeping the last findings until [`Session::analyze`]; true
    /// when they were compiled. The rules documents' and the project
    /// file's diagnostics are then up to date before the records are
    /// evaluated again.
    pub fn compile(&mut self) -> bool {
        self.apply_config();
        if !self.rules_dirty && self.analysis.is_some() {
            return false;
        }
        self.rules_dirty = false;
        let rules = self.project.compile(&self.sources, &self.limits);
        let old = self.analysis.take();
        // Records read against another schema are read again; an edit
        // that leaves the record formats alone keeps them.
        if old
            .as_ref()
            .is_none_or(|a| !a.program.schema.reads_like(&rules.program.schema))
        {
            self.cache.clear();
        }
        // The index of the old program goes when the next one is built.
        self.analysed = false;
        self.analysis = Some(Analysis {
            program: Arc::new(rules.program),
            symbols: rules.symbols,
            rule_errors: rules.errors,
            report: old.map(|a| a.report).unwrap_or_default(),
        });
        true
    }
}

/// Whether a question on the document at `path` is answered from the
/// records' analysis, not only from the compiled rules: any but a rules
/// document or the project file.
pub fn needs_records(path: &Path) -> bool {
    !matches!(doc_kind(path), DocKind::Rules | DocKind::Project)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::path::Path;

    use super::*;

    const RULES: &str = "/// 单位的规则。\nrule LOCAL-001 \"支付未登记项目\" {\n  severity warning\n  cite \"x\"\n  for d in disbursement\n  require d.project != none\n  at d.payee\n  message \"未登记项目\"\n}\n";

    fn workspace(root: &Path) {
        for (name, text) in [
            ("sunlight.toml", "rules = [\"local.rules\"]\n"),
            ("local.rules", RULES),
            ("records/a.yaml", "kind: org\nid: a\nname: a\nleaders: []\n"),
            ("records/b.yaml", "kind: org\nid: b\nname: b\nleaders: []\n"),
        ] {
            let path = root.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
    }

    /// The parsed records of every file, by file.
    fn parsed(session: &Session) -> Vec<(FileId, Arc<FileSet>)> {
        let mut v: Vec<_> = session
            .cache
            .iter()
            .map(|(id, (_, set))| (*id, set.clone()))
            .collect();
        v.sort_by_key(|(id, _)| *id);
        v
    }

    #[test]
    fn a_rule_edit_that_leaves_the_record_formats_alone_keeps_the_parsed_records() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        workspace(&root);
        let mut session = Session::default();
        session.initialize(Some(root.clone()));
        let rules = root.join("local.rules");
        session.set_text(&rules, RULES.to_string());
        session.analyze();
        let before = parsed(&session);
        assert_eq!(before.len(), 2);

        // A comment, a changed message: the same records, not read again.
        session.set_text(
            &rules,
            format!(
                "// 备注\n{}",
                RULES.replace("未登记项目\"\n}", "未登记\"\n}")
            ),
        );
        session.analyze();
        let after = parsed(&session);
        assert_eq!(after.len(), 2);
        for ((a, x), (b, y)) in before.iter().zip(&after) {
            assert_eq!(a, b);
            assert!(Arc::ptr_eq(x, y), "file {a:?} was read again");
        }

        // A new kind changes the record formats: every file is read again.
        session.set_text(&rules, format!("{RULES}kind 备忘 {{\n  内容: text\n}}\n"));
        session.analyze();
        let again = parsed(&session);
        assert_eq!(again.len(), 2);
        for ((_, x), (_, y)) in after.iter().zip(&again) {
            assert!(!Arc::ptr_eq(x, y));
        }
    }
    /// A session on [`workspace`] with `records/a.yaml` open as `text`,
    /// analysed; the path of that document.
    fn opened(root: &Path, text: &str) -> (Session, std::path::PathBuf) {
        workspace(root);
        let mut session = Session::default();
        session.initialize(Some(root.to_path_buf()));
        let a = root.join("records/a.yaml");
        session.set_text(&a, text.to_string());
        session.analyze();
        (session, a)
    }

    /// Whether the document at `path` shows an input error (not only
    /// findings).
    fn input_error(session: &Session, path: &Path) -> bool {
        session
            .diagnostics(path)
            .iter()
            .any(|p| matches!(p, super::super::Problem::Diagnostic(_)))
    }

    const GOOD: &str = "kind: org\nid: a\nname: a\nleaders: []\n";
    /// An org with no name: an input error on the document.
    const BAD: &str = "kind: org\nid: a\nleaders: []\n";

    #[test]
    fn a_job_finished_with_nothing_changed_is_taken() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let (mut session, a) = opened(&root, GOOD);
        assert!(!input_error(&session, &a));

        session.edit_text(&a, BAD.to_string());
        let job = session.begin_analysis().unwrap();
        assert!(session.analysis_running());
        // The evaluation needs nothing of the session: another thread's.
        let done = std::thread::spawn(move || job.run()).join().unwrap();
        assert!(session.finish_analysis(done));
        assert!(!session.analysis_running());
        assert!(session.analysed);
        assert!(input_error(&session, &a));
        // Up to date: nothing to begin.
        assert!(session.begin_analysis().is_none());
    }

    #[test]
    fn a_job_finished_after_a_change_is_not_taken() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let (mut session, a) = opened(&root, GOOD);
        assert!(session.frozen.is_some());

        session.edit_text(&a, BAD.to_string());
        let job = session.begin_analysis().unwrap();
        // The session takes edits and compiles while the job is out, and
        // lets no second job out beside it.
        session.edit_text(&a, GOOD.replace("name: a", "name: 甲"));
        let rules = root.join("local.rules");
        session.set_text(&rules, format!("// 备注\n{RULES}"));
        assert!(session.compile());
        assert!(session.begin_analysis().is_none());

        let done = job.run();
        assert!(done.report.is_none(), "a text already gone was evaluated");
        assert!(!session.finish_analysis(done));
        assert!(!session.analysis_running());
        // Still the findings of the text before the job's, not the job's
        // of a text already gone; the index came back with the job.
        assert!(!session.analysed);
        assert!(!input_error(&session, &a));
        assert!(session.frozen.is_some());

        // The next job analyses the newest text.
        session.edit_text(&a, BAD.to_string());
        let job = session.begin_analysis().unwrap();
        assert!(session.finish_analysis(job.run()));
        assert!(input_error(&session, &a));
    }

    #[test]
    fn a_stale_job_keeps_the_records_it_read_from_texts_still_current() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let (mut session, a) = opened(&root, GOOD);
        let b = root.join("records/b.yaml");
        let a_id = session.file(&a).unwrap();
        let b_id = session.file(&b).unwrap();

        session.edit_text(&a, BAD.to_string());
        session.edit_text(&b, "kind: org\nid: b\nname: 乙\nleaders: []\n".to_string());
        let job = session.begin_analysis().unwrap();
        // b changes again: what the job read of it is stale, of a is not.
        session.edit_text(&b, "kind: org\nid: b\nname: 丙\nleaders: []\n".to_string());
        assert!(!session.finish_analysis(job.run()));
        let kept = session
            .cache
            .get(&a_id)
            .map(|(_, set)| set.clone())
            .unwrap();
        assert_eq!(kept.records.len(), 0, "not the records of the text before");
        let (b_read, _) = session.cache.get(&b_id).unwrap();
        assert!(b_read.contains("name: b"), "b's stale text was kept");

        session.analyze();
        assert!(session.analysed);
        let (_, now) = session.cache.get(&a_id).unwrap();
        assert!(Arc::ptr_eq(&kept, now), "a was read again");
        let (b_read, _) = session.cache.get(&b_id).unwrap();
        assert!(b_read.contains("name: 丙"));
        assert!(input_error(&session, &a));
    }
}
