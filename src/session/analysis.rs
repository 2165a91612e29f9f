//! Analysis of the workspace: compiling the rules, reading the record
//! files that changed and evaluating the open documents' records, over an
//! index of the files not being edited.

use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;

use super::{DocKind, Session, doc_kind};
use crate::check::{self, FileSet, Frozen, Program, Symbols};
use crate::diag::Diagnostic as Diag;
use crate::report::Report;
use crate::source::FileId;

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

impl Session {
    /// Re-run what changed: compile the rules if a rule file changed, re-read
    /// changed record files, evaluate the open documents' records.
    ///
    /// The records of every file but the one being edited stay indexed
    /// between edits ([`Frozen`]), with the whole-run values over them, so
    /// that an edit costs about the edited file; the index is built again
    /// when another file changes or the rules do.
    pub fn analyze(&mut self) {
        self.compile();
        let Some(Analysis {
            program,
            symbols,
            rule_errors,
            ..
        }) = self.analysis.take()
        else {
            return;
        };
        let stale: Vec<(FileId, Arc<str>)> =
            self.record_files
                .iter()
                .filter_map(|(_, id)| {
                    let file = self.sources.get(*id)?;
                    let fresh = self.cache.get(id).is_some_and(|(text, _)| {
                        Arc::ptr_eq(text, &file.text) || **text == *file.text
                    });
                    (!fresh).then(|| (*id, file.text.clone()))
                })
                .collect();
        let read: Vec<(FileId, Arc<str>, FileSet)> = stale
            .into_par_iter()
            .map(|(id, text)| {
                let set = check::read_file(&self.sources, id, &program.schema, &self.limits.yaml);
                (id, text, set)
            })
            .collect();
        for (id, text, set) in read {
            self.cache.insert(id, (text, Arc::new(set)));
        }
        let sets: Vec<Arc<FileSet>> = self
            .record_files
            .iter()
            .filter_map(|(_, id)| self.cache.get(id).map(|(_, s)| s.clone()))
            .collect();
        // Only open documents show diagnostics: rules run on their records
        // (and, on demand, on the records those ask about).
        let open: Vec<FileId> = self
            .open
            .iter()
            .filter_map(|p| self.by_path.get(p).copied())
            .collect();
        let mut report = self
            .evaluate_over_index(&program, &sets, &open)
            .unwrap_or_else(|| {
                let refs: Vec<&FileSet> = sets.iter().map(|s| s.as_ref()).collect();
                check::evaluate_focused(&program, &refs, &self.sources, Some(&open))
            });
        // Waived and baselined findings are shown as such, as in the
        // reports; the report holds only the open documents' findings.
        self.project
            .suppress(&mut report, &self.sources, program.today, false);
        self.analysis = Some(Analysis {
            program,
            symbols,
            rule_errors,
            report,
        });
        self.analysed = true;
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
        match doc_kind(path) {
            DocKind::Rules | DocKind::Project => {
                self.compile();
            }
            _ => self.analyze_if_changed(),
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

    /// Evaluate over the index of every record file but the one being
    /// edited, building the index first when the files changed otherwise;
    /// none when there is no record file to leave out, or the evaluation
    /// cannot be done so (see [`Frozen::evaluate`]).
    fn evaluate_over_index(
        &mut self,
        program: &Arc<Program>,
        sets: &[Arc<FileSet>],
        open: &[FileId],
    ) -> Option<crate::report::Report> {
        // Dated rules are evaluated a program per period, over every record.
        if !program.versions.is_empty() {
            return None;
        }
        let is_set = |id: FileId| sets.iter().any(|s| s.file == id);
        let hot = self
            .last_edited
            .filter(|&id| is_set(id))
            .or_else(|| open.iter().copied().filter(|&id| is_set(id)).min())?;
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
        let frozen = self.frozen.as_ref()?;
        let hot_set = sets.iter().find(|s| s.file == hot)?;
        frozen.evaluate(hot_set, open, &self.sources)
    }
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
}
