//! The editor's questions on a document of the session, by path and byte
//! offset: its diagnostics, hover, go to definition, find references, the
//! outline, completion and formatting. [`crate::editor`] answers them from
//! the latest analysis; this module finds the rule set and records to ask.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use super::{DocKind, Session, doc_kind};
use crate::check::{self, Compiled, FileSet, Program, Symbols};
use crate::diag::Diagnostic as Diag;
use crate::editor;
use crate::model::Finding;
use crate::source::{FileId, Span};

/// A problem shown on a document.
#[derive(Debug, Clone)]
pub enum Problem<'a> {
    /// A problem with the input: a rule file that does not compile, a
    /// record that does not read, a waiver file's mistake.
    Diagnostic(Cow<'a, Diag>),
    /// A rule's finding (waived or baselined ones marked so).
    Finding(&'a Finding),
}

impl Session {
    /// The rule set a rules document is analysed with: the workspace's when
    /// it belongs to it (`None`); otherwise the embedded rules (less any of
    /// the same file name) with this document and its sibling rule files.
    fn program_for(&self, id: FileId) -> Option<Compiled> {
        if self.project.rule_files.contains(&id) {
            return None;
        }
        let mut sources_ids: Vec<FileId> = Vec::new();
        let name = self.sources.name(id).to_string();
        let dir = Path::new(&name).parent().map(Path::to_path_buf);
        // In path order, not the map's: which of two declarations of a
        // name is "the second" must not change from run to run.
        let mut siblings: Vec<(&PathBuf, FileId)> = self
            .by_path
            .iter()
            .filter(|(path, fid)| {
                **fid != id
                    && doc_kind(path) == DocKind::Rules
                    && !self.project.rule_files.contains(fid)
                    && dir.as_ref().is_some_and(|d| {
                        Path::new(self.sources.name(**fid)).parent() == Some(d.as_path())
                    })
            })
            .map(|(path, f)| (path, *f))
            .collect();
        siblings.sort();
        let siblings: Vec<FileId> = siblings.into_iter().map(|(_, f)| f).collect();
        let local_names: Vec<String> = std::iter::once(id)
            .chain(siblings.iter().copied())
            .filter_map(|f| {
                Path::new(self.sources.name(f))
                    .file_name()
                    .map(|n| n.to_string_lossy().to_string())
            })
            .collect();
        for f in &self.project.rule_files {
            let fname = Path::new(self.sources.name(*f))
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            if !local_names.contains(&fname) {
                sources_ids.push(*f);
            }
        }
        sources_ids.extend(siblings);
        sources_ids.push(id);
        Some(
            self.project
                .compile_files(&self.sources, &sources_ids, &self.limits),
        )
    }

    /// The problems of one document as last analysed: a rules document's
    /// compile errors; a record document's input problems and findings.
    pub fn diagnostics(&self, path: &Path) -> Vec<Problem<'_>> {
        let Some(id) = self.file(path) else {
            return Vec::new();
        };
        let here = |d: &&Diag| d.span.is_some_and(|s| s.file == id);
        if doc_kind(path) == DocKind::Project
            && self.is_config(path)
            && !self.config_errors.is_empty()
        {
            // The open text was not taken: its own problems, not those of
            // the text the project was made from.
            return self
                .config_errors
                .iter()
                .map(|d| Problem::Diagnostic(Cow::Borrowed(d)))
                .collect();
        }
        let Some(analysis) = &self.analysis else {
            return Vec::new();
        };
        match doc_kind(path) {
            DocKind::Rules => match self.program_for(id) {
                Some(side) => side
                    .errors
                    .into_iter()
                    .filter(|d| here(&d))
                    .map(|d| Problem::Diagnostic(Cow::Owned(d)))
                    .collect(),
                None => analysis
                    .rule_errors
                    .iter()
                    .filter(here)
                    .map(|d| Problem::Diagnostic(Cow::Borrowed(d)))
                    .collect(),
            },
            // A parameter or waiver file is YAML too: its problems are
            // among the rules' or the report's.
            DocKind::Records => analysis
                .rule_errors
                .iter()
                .chain(&analysis.report.errors)
                .filter(here)
                .map(|d| Problem::Diagnostic(Cow::Borrowed(d)))
                .chain(
                    analysis
                        .report
                        .findings
                        .iter()
                        .filter(|f| f.span.file == id)
                        .map(Problem::Finding),
                )
                .collect(),
            // Only the workspace's own project file: its problems are
            // among the rules'.
            DocKind::Project if self.is_config(path) => analysis
                .rule_errors
                .iter()
                .filter(here)
                .map(|d| Problem::Diagnostic(Cow::Borrowed(d)))
                .collect(),
            DocKind::Project | DocKind::Other => Vec::new(),
        }
    }

    fn with_program<T>(&self, id: FileId, f: impl FnOnce(&Program, &Symbols) -> T) -> Option<T> {
        match self.program_for(id) {
            Some(c) => Some(f(&c.program, &c.symbols)),
            None => self.analysis.as_ref().map(|a| f(&a.program, &a.symbols)),
        }
    }

    /// Hover at byte `offset` of a document, as Markdown: a symbol's
    /// declaration and doc, a keyword's or function's documentation, or a
    /// finding's explanation.
    pub fn hover(&self, path: &Path, offset: usize) -> Option<String> {
        let id = self.file(path)?;
        match doc_kind(path) {
            DocKind::Rules => self
                .with_program(id, |program, symbols| {
                    editor::hover::in_rules(program, symbols, &self.sources, id, offset)
                })
                .flatten(),
            DocKind::Records => {
                editor::hover::in_records(&self.analysis.as_ref()?.report, id, offset)
            }
            DocKind::Project | DocKind::Other => None,
        }
    }

    /// Go to definition from byte `offset` of a document: a symbol's
    /// declaration, or the record (or meeting item) a reference in a record
    /// names.
    pub fn definition(&self, path: &Path, offset: usize) -> Option<Span> {
        let id = self.file(path)?;
        match doc_kind(path) {
            DocKind::Rules => self
                .with_program(id, |_, symbols| {
                    editor::definition::in_rules(symbols, id, offset)
                })
                .flatten(),
            DocKind::Records => self
                .with_store(|program, store| {
                    let here = self.cache.get(&id).map(|(_, s)| s.as_ref())?;
                    editor::definition::in_records(program, store, &self.sources, here, offset)
                })
                .flatten(),
            DocKind::Project | DocKind::Other => None,
        }
    }

    /// Run `f` with the compiled rules and an index of every record of the
    /// workspace (open documents as edited).
    fn with_store<T>(&self, f: impl FnOnce(&Program, &check::store::Store<'_>) -> T) -> Option<T> {
        let analysis = self.analysis.as_ref()?;
        let sets: Vec<&FileSet> = self
            .record_files
            .iter()
            .filter_map(|(_, f)| self.cache.get(f).map(|(_, s)| s.as_ref()))
            .collect();
        let records = sets.iter().flat_map(|s| s.records.iter()).collect();
        let store = check::index(records, &sets, &[], &analysis.program.schema);
        Some(f(&analysis.program, &store))
    }

    /// Find references from byte `offset` of a document: in a rules file
    /// every use of the symbol there (and its declaration when asked); in a
    /// record file every reference to the record there.
    pub fn references(&self, path: &Path, offset: usize, include_declaration: bool) -> Vec<Span> {
        let Some(id) = self.file(path) else {
            return Vec::new();
        };
        let spans = match doc_kind(path) {
            DocKind::Rules => self.with_program(id, |_, symbols| {
                editor::references::in_rules(symbols, id, offset, include_declaration)
            }),
            DocKind::Records => self.with_store(|program, store| {
                let here = self.cache.get(&id).map(|(_, s)| s.as_ref());
                editor::references::in_records(
                    program,
                    store,
                    &self.sources,
                    here,
                    id,
                    offset,
                    include_declaration,
                )
            }),
            DocKind::Project | DocKind::Other => None,
        };
        spans.unwrap_or_default()
    }

    /// The outline of a rules document: rules, parameters, kinds, structs,
    /// enums, definitions and chains.
    pub fn symbols(&self, path: &Path) -> Vec<editor::symbols::Symbol> {
        let Some(id) = self.file(path) else {
            return Vec::new();
        };
        if doc_kind(path) != DocKind::Rules {
            return Vec::new();
        }
        self.with_program(id, |_, symbols| editor::symbols::outline(symbols, id))
            .unwrap_or_default()
    }

    /// Completion at byte `offset` of a rules document: fields after `x.`,
    /// otherwise names in scope, parameters, functions, definitions, kinds
    /// and keywords.
    pub fn completion(&self, path: &Path, offset: usize) -> Vec<editor::completion::Completion> {
        let Some(id) = self.file(path) else {
            return Vec::new();
        };
        if doc_kind(path) != DocKind::Rules {
            return Vec::new();
        }
        let mut rule_set = self.project.rule_files.clone();
        if !rule_set.contains(&id) {
            rule_set.push(id);
        }
        editor::completion::complete(
            &self.sources,
            &rule_set,
            id,
            offset,
            self.analysis.as_ref().map(|a| a.program.as_ref()),
            self.limits.max_expr_depth,
        )
    }

    /// A rules document formatted: its whole new text, or none when it is
    /// formatted already or does not parse.
    pub fn formatting(&self, path: &Path) -> Option<String> {
        let id = self.file(path)?;
        if doc_kind(path) != DocKind::Rules {
            return None;
        }
        editor::formatting::format(&self.sources.get(id)?.text)
    }
}
