//! An editing session over a workspace: its files, the documents open in
//! an editor with their texts, and the latest analysis, kept between edits.
//!
//! The session knows files by their paths and [`FileId`]s and positions
//! by byte offsets; it answers in the core's terms (diagnostics, findings,
//! spans and [`crate::editor`]'s answers). The language server
//! (`src/lsp/`) converts URIs and positions to and from them.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

mod analysis;
mod embedded;
mod questions;

use analysis::Analysis;
pub use analysis::{AnalysisDone, AnalysisJob, needs_records};
pub use questions::Problem;

use crate::check::{self, FileSet, Frozen};
use crate::diag::Diagnostic as Diag;
use crate::project::{self, Project, RuleOptions};
use crate::source::{FileId, SourceMap};
use crate::workspace::{self, InputLimits};
use embedded::embedded_rules_dir;

/// Which language a document is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocKind {
    /// A `*.rules` file.
    Rules,
    /// A `*.yaml`, `*.yml` or `*.json` record file.
    Records,
    /// A project file, `sunlight.toml`.
    Project,
    /// Anything else (ignored).
    Other,
}

/// The kind of a document by its name (extensions in any case, as the
/// walk reads them).
pub fn doc_kind(path: &Path) -> DocKind {
    if path.file_name().is_some_and(|n| n == project::CONFIG_FILE) {
        DocKind::Project
    } else if workspace::has_extension(path, workspace::RULE_EXTENSIONS) {
        DocKind::Rules
    } else if workspace::has_extension(path, workspace::RECORD_EXTENSIONS) {
        DocKind::Records
    } else {
        DocKind::Other
    }
}

/// How a file changed on disk, as a file watcher reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileChange {
    /// The file appeared.
    Created,
    /// Its content changed.
    Changed,
    /// It is gone.
    Deleted,
}

/// What a file changed on disk calls for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WatchedChange {
    /// Nothing: not part of the project, or open in the editor.
    Nothing,
    /// Read this record file again.
    Reread(FileId),
    /// Load the whole project again.
    Reload,
}

/// One spelling per file, as the session knows it: the real path, symbolic
/// links resolved, for a file that exists. A relative path names a document
/// that is no file (an editor's unsaved buffer) and is kept as it is.
pub fn real_path(path: &Path) -> PathBuf {
    if path.is_absolute() {
        path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
    } else {
        path.to_path_buf()
    }
}

/// Everything an editing session knows.
#[derive(Debug, Default)]
pub struct Session {
    root: Option<PathBuf>,
    /// The project as loaded: options, rule, parameter and waiver files.
    project: Project,
    limits: InputLimits,
    sources: SourceMap,
    by_path: HashMap<PathBuf, FileId>,
    path_of: HashMap<FileId, PathBuf>,
    /// Open documents.
    open: BTreeSet<PathBuf>,
    /// Record files of the workspace, sorted by path.
    record_files: Vec<(PathBuf, FileId)>,
    /// Parsed records per file, with the text they were read from.
    cache: HashMap<FileId, (Arc<str>, Arc<FileSet>)>,
    /// Every record file but the one being edited, indexed for evaluating
    /// the workspace again on each edit of that one.
    frozen: Option<Frozen>,
    /// The record file edited last.
    last_edited: Option<FileId>,
    rules_dirty: bool,
    /// The analysis is of the documents as they are now.
    analysed: bool,
    /// Changes of the documents so far: diagnostics taken before a change
    /// are not published after it, nor an analysis job's findings taken;
    /// shared with the jobs out, which stop early once it moves on.
    generation: Arc<AtomicU64>,
    /// Analysis jobs taken and not finished (see
    /// [`Session::begin_analysis`]).
    jobs_out: usize,
    analysis: Option<Analysis>,
    /// Problems with the workspace itself (project file, unreadable files).
    workspace_errors: Vec<Diag>,
    /// No root was given: it is chosen when the first document opens.
    root_pending: bool,
    /// Lines for the editor's log that have not been taken yet.
    log: Vec<String>,
    /// A project file's text may have changed since the project was made
    /// from it (see [`Session::apply_config`]).
    config_dirty: bool,
    /// The text of the project file the project was made from.
    config_loaded: Option<Arc<str>>,
    /// The open project file's text the project was made from, unsaved:
    /// a reload reads it, not the file on disk.
    config_unsaved: Option<(PathBuf, String)>,
    /// The problems of the open project file's text, which was not taken.
    config_errors: Vec<Diag>,
}

impl Session {
    /// Set up for a workspace folder: load the project as `sunlight check`
    /// does (`sunlight.toml`, the rule files and their imports, parameter,
    /// waiver and baseline files) and read every record file under it.
    /// With no folder, the first document opened chooses the root.
    pub fn initialize(&mut self, root: Option<PathBuf>) {
        let Some(root) = root else {
            // Loading nothing now: the first document decides the root.
            self.root_pending = true;
            return;
        };
        self.root_pending = false;
        self.log.push(format!("workspace root: {}", root.display()));
        self.load(root);
    }

    /// Load the project under `root` into the source map.
    fn load(&mut self, root: PathBuf) {
        // Documents are known by their real paths: so is the root.
        let root = root.canonicalize().unwrap_or(root);
        self.rules_dirty = true;
        let (config, text) = match &self.config_unsaved {
            Some((path, text)) => (Some(path.clone()), Some(text.clone())),
            None => (project::find_config(&root), None),
        };
        let opts = RuleOptions {
            config,
            ..RuleOptions::default()
        };
        self.project = Project::load_with(&mut self.sources, &opts, &self.limits, text);
        self.config_loaded = self
            .project
            .config_file
            .and_then(|id| self.sources.get(id))
            .map(|f| f.text.clone());
        let mut errors = self.project.errors.clone();
        // Embedded rule files open from a folder of copies, so that "go to
        // definition" can show them; the others from where they are.
        let embedded_dir = embedded_rules_dir();
        let embedded = self.project.embedded;
        for (n, id) in self.project.rule_files.clone().into_iter().enumerate() {
            let path = match (n < embedded, &embedded_dir) {
                (true, Some(dir)) => check::STANDARD_RULES.get(n).map(|(name, _)| dir.join(name)),
                (true, None) => None,
                (false, _) => Some(PathBuf::from(self.sources.name(id))),
            };
            if let Some(path) = path {
                self.bind(&path, id);
            }
        }
        let others: Vec<FileId> = self
            .project
            .param_files
            .iter()
            .chain(&self.project.config_file)
            .chain(&self.project.waiver_file)
            .copied()
            .collect();
        for id in others {
            self.bind(&PathBuf::from(self.sources.name(id)), id);
        }
        let mut walked =
            project::record_walk(std::slice::from_ref(&root), &self.project.not_records);
        errors.append(&mut walked.errors);
        for (p, _) in walked.files {
            if let Some(id) = self.load_path(&p, &mut errors) {
                self.record_files.push((p, id));
            }
        }
        self.root = Some(root);
        self.workspace_errors.extend(errors);
    }

    /// Bind the file `id` to `path`, by its real spelling.
    fn bind(&mut self, path: &Path, id: FileId) {
        let path = real_path(path);
        self.by_path.insert(path.clone(), id);
        self.path_of.insert(id, path);
    }

    fn load_path(&mut self, path: &Path, errors: &mut Vec<Diag>) -> Option<FileId> {
        let id = workspace::read_into(&mut self.sources, path, &self.limits, errors)?;
        self.bind(path, id);
        Some(id)
    }

    /// The file behind a document, whichever way its path is spelt.
    pub fn file(&self, path: &Path) -> Option<FileId> {
        self.by_path.get(&real_path(path)).copied()
    }

    /// The path a file is known by (its real path; relative for a
    /// document that is no file).
    pub fn path_of(&self, id: FileId) -> Option<&Path> {
        self.path_of.get(&id).map(PathBuf::as_path)
    }

    /// The texts of the session's files, as edited.
    pub fn sources(&self) -> &SourceMap {
        &self.sources
    }

    /// Choose the root when none was given, from the first document at
    /// `path` (its real path): the nearest folder above it holding
    /// `sunlight.toml`, else the folder the process was started in if the
    /// document is inside it, else the document's own folder.
    fn choose_root(&mut self, path: &Path) {
        if !path.is_absolute() {
            return;
        }
        let Some(dir) = path.parent() else {
            return;
        };
        let cwd = std::env::current_dir()
            .ok()
            .map(|d| d.canonicalize().unwrap_or(d));
        let root = match project::find_config(dir) {
            Some(cfg) => cfg.parent().map(Path::to_path_buf),
            None => match cwd {
                Some(cwd) if dir.starts_with(&cwd) => Some(cwd),
                _ => Some(dir.to_path_buf()),
            },
        };
        if let Some(root) = root {
            self.log.push(format!(
                "no workspace folder from the client; using {} (chosen from {})",
                root.display(),
                path.display()
            ));
            self.root_pending = false;
            self.load(root);
        }
    }

    /// Lines for the editor's log since the last call.
    pub fn take_log(&mut self) -> Vec<String> {
        std::mem::take(&mut self.log)
    }

    /// Whether a path is inside the workspace root.
    fn inside_root(&self, path: &Path) -> bool {
        self.root
            .as_ref()
            .is_some_and(|root| path.starts_with(root))
    }

    /// Whether a document at `path` is a record file of the workspace, by
    /// the policy `sunlight check` follows (relative to the root when inside
    /// it): not hidden (`.vscode`, `.github`), not build output, not the
    /// project, parameter, waiver or baseline file.
    fn is_record(&self, path: &Path) -> bool {
        let base = self.root.as_deref().filter(|r| path.starts_with(r));
        self.project
            .is_record(path, Some(base.unwrap_or(Path::new("/"))))
    }

    /// A document was opened or changed in the editor: `text` is its whole
    /// text. A document that is no file is named by a relative path.
    pub fn set_text(&mut self, path: &Path, text: String) {
        self.touched();
        let path = real_path(path);
        if self.root_pending {
            self.choose_root(&path);
        }
        self.open.insert(path.clone());
        if doc_kind(&path) == DocKind::Project {
            self.config_dirty = true;
        }
        match self.file(&path) {
            Some(id) => {
                self.sources.replace(id, text);
                if self.affects_rules(id) {
                    self.rules_dirty = true;
                }
            }
            None => {
                let id = self.sources.add(workspace::display_path(&path), text);
                self.bind(&path, id);
                if doc_kind(&path) == DocKind::Records && self.is_record(&path) {
                    let at = self.record_files.partition_point(|(p, _)| p < &path);
                    self.record_files.insert(at, (path, id));
                }
            }
        }
    }

    /// A document was edited: as [`Session::set_text`], and the file is
    /// the one the next analyses leave out of the index of the others.
    pub fn edit_text(&mut self, path: &Path, text: String) {
        self.set_text(path, text);
        if let Some(id) = self.file(path) {
            self.last_edited = Some(id);
        }
    }

    /// The documents or files changed: the analysis is out of date.
    fn touched(&mut self) {
        self.analysed = false;
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// Changes of the documents so far.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// A document was closed: its file on disk counts again.
    pub fn close(&mut self, path: &Path) {
        self.touched();
        let path = real_path(path);
        self.open.remove(&path);
        if doc_kind(&path) == DocKind::Project {
            // The file on disk counts again.
            self.config_dirty = true;
        }
        let Some(id) = self.file(&path) else {
            return;
        };
        if !path.is_absolute() || !self.inside_root(&path) {
            // Opened from outside the workspace: it leaves with its editor.
            self.record_files.retain(|(_, f)| *f != id);
            self.cache.remove(&id);
            return;
        }
        match workspace::read_text_bounded(&path, self.limits.max_file_size).ok() {
            Some(text) => self.sources.replace(id, text),
            None => {
                // Gone from disk: it no longer takes part.
                self.record_files.retain(|(_, f)| *f != id);
                self.cache.remove(&id);
            }
        }
        if self.affects_rules(id) {
            self.rules_dirty = true;
        }
    }

    /// Whether an edit of the file `id` changes the compiled rules: a rule
    /// or parameter file of the project.
    fn affects_rules(&self, id: FileId) -> bool {
        self.project.rule_files.contains(&id) || self.project.param_files.contains(&id)
    }

    /// Load the project again (after `sunlight.toml`, a rule, parameter,
    /// waiver or baseline file changed, or a record file came or went),
    /// keeping the open documents as edited: from disk, but for the text of
    /// an open project file, which counts as typed.
    pub fn reload(&mut self) {
        let Some(root) = self.root.clone() else {
            return;
        };
        let open: Vec<(PathBuf, String)> = self
            .open
            .iter()
            .filter_map(|path| {
                let text = self.sources.get(self.file(path)?)?.text.to_string();
                Some((path.clone(), text))
            })
            .collect();
        let mut log = std::mem::take(&mut self.log);
        log.push(format!("project reloaded: {}", root.display()));
        *self = Session {
            limits: self.limits.clone(),
            log,
            generation: self.generation.clone(),
            // A job out still comes back, stale.
            jobs_out: self.jobs_out,
            // A project file closed unsaved counts from disk again.
            config_unsaved: self
                .config_unsaved
                .take()
                .filter(|(path, _)| self.open.contains(path)),
            ..Session::default()
        };
        self.touched();
        self.load(root);
        for (path, text) in open {
            self.set_text(&path, text);
        }
    }

    /// The project file of the workspace, open or not, on disk or not: the
    /// one the project was loaded from, else `sunlight.toml` at the root.
    fn config_path(&self) -> Option<PathBuf> {
        match &self.project.opts.config {
            Some(path) => Some(real_path(path)),
            None => self.root.as_ref().map(|r| r.join(project::CONFIG_FILE)),
        }
    }

    /// Whether the document at `path` is the workspace's project file.
    fn is_config(&self, path: &Path) -> bool {
        self.config_path() == Some(real_path(path))
    }

    /// Bring the project in line with the project file's text: the open
    /// document's as edited, as rust-analyzer and taplo read theirs, or
    /// the file on disk once it is closed. An open text with problems is
    /// not taken: its problems are shown on the document and the project
    /// stays as it was, so that a line being typed does not change the
    /// findings. A change of the disabled rules or the run date only
    /// compiles the rules again; one of the files the project reads loads
    /// it again.
    fn apply_config(&mut self) {
        if !std::mem::take(&mut self.config_dirty) {
            return;
        }
        let Some(path) = self.config_path() else {
            return;
        };
        let open = self.open.contains(&path);
        let id = self.file(&path);
        let text: Option<Arc<str>> = if open {
            id.and_then(|id| self.sources.get(id))
                .map(|f| f.text.clone())
        } else {
            workspace::read_text_bounded(&path, self.limits.max_file_size)
                .ok()
                .map(Arc::from)
        };
        if !open {
            // What a closed document was last shown with goes with it.
            self.config_unsaved = None;
            if let (Some(id), Some(text)) = (id, &text) {
                self.sources.replace(id, text.clone());
            }
        }
        if text == self.config_loaded {
            self.config_errors.clear();
            return;
        }
        let (Some(text), Some(id)) = (text, id) else {
            // The project file came or went on disk.
            self.config_unsaved = None;
            self.config_errors.clear();
            self.reload();
            self.config_dirty = false;
            return;
        };
        self.sources.replace(id, text.clone());
        let mut errors = Vec::new();
        let file = project::parse_config(&self.sources, id, &path, &mut errors);
        if open && !errors.is_empty() {
            for d in &mut errors {
                let kept = "until this is fixed, the editor keeps the project as it was";
                d.help = Some(match d.help.take() {
                    Some(help) => format!("{help}; {kept}"),
                    None => kept.to_string(),
                });
            }
            self.config_errors = errors;
            return;
        }
        self.config_errors.clear();
        self.config_unsaved = open.then(|| (path.clone(), text.to_string()));
        if errors.is_empty() && self.project.retake_config(id, file, &self.sources) {
            self.config_loaded = Some(text);
            self.rules_dirty = true;
        } else {
            self.reload();
            self.config_dirty = false;
        }
    }

    /// What a change on disk at `path`, reported by a file watcher, calls
    /// for.
    pub fn watched_change(&self, path: &Path, change: FileChange) -> WatchedChange {
        let path = real_path(path);
        let project_file = path.file_name().is_some_and(|n| n == project::CONFIG_FILE)
            || self.project.not_records.contains(&path);
        let known = self.file(&path);
        match doc_kind(&path) {
            // The editor's text of the open project file stands.
            DocKind::Project if self.open.contains(&path) && self.is_config(&path) => {
                WatchedChange::Nothing
            }
            _ if project_file => WatchedChange::Reload,
            DocKind::Rules if known.is_some() || self.inside_root(&path) => WatchedChange::Reload,
            DocKind::Records if self.inside_root(&path) && self.is_record(&path) => {
                match known {
                    // The editor's text of an open document stands.
                    Some(_) if self.open.contains(&path) => WatchedChange::Nothing,
                    Some(id) if change == FileChange::Changed => WatchedChange::Reread(id),
                    _ => WatchedChange::Reload,
                }
            }
            _ => WatchedChange::Nothing,
        }
    }

    /// Read a record file again from disk.
    pub fn reread(&mut self, id: FileId) {
        self.touched();
        let Some(path) = self.path_of(id).filter(|p| p.is_absolute()) else {
            return;
        };
        match workspace::read_text_bounded(path, self.limits.max_file_size) {
            Ok(text) => self.sources.replace(id, text),
            Err(_) => self.reload(),
        }
    }

    /// Whether saving the document at `path` calls for loading the project
    /// again: the project file's, unless it is open in the editor, where
    /// its text counted as it was typed. A client that saves the project
    /// file without having sent it to the server still gets its reload.
    pub fn reload_on_save(&self, path: &Path) -> bool {
        self.is_project_file(path) && !self.open.contains(&real_path(path))
    }

    /// Whether `path` is the project file of the workspace.
    pub fn is_project_file(&self, path: &Path) -> bool {
        let path = real_path(path);
        self.project
            .config_file
            .is_some_and(|id| self.by_path.get(&path) == Some(&id))
            || (self.root.is_some()
                && path.is_absolute()
                && path.file_name().is_some_and(|n| n == project::CONFIG_FILE))
    }

    /// The open documents, by path.
    pub fn open_documents(&self) -> Vec<PathBuf> {
        self.open.iter().cloned().collect()
    }

    /// Problems with the workspace set-up, as log lines
    /// (`file:line:column: message`, or `file: message` with no position).
    pub fn workspace_problems(&self) -> Vec<String> {
        self.workspace_errors
            .iter()
            .map(|d| {
                let place = match d.span {
                    Some(span) => self.sources.place(span),
                    None => d.file.clone().unwrap_or_default(),
                };
                format!("{place}: {}", d.message)
            })
            .collect()
    }
}
#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn changes_on_disk_reload_reread_or_pass_by() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        for (name, text) in [
            ("sunlight.toml", "params = \"p.yaml\"\n"),
            ("p.yaml", "大额资金标准: 10万\n"),
            ("records/a.yaml", "kind: org\nid: a\nname: a\nleaders: []\n"),
            ("target/debug/x.json", "{}"),
            (".github/workflows/ci.yml", "on: push\n"),
        ] {
            let path = root.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let mut session = Session::default();
        session.initialize(Some(root.clone()));
        let change = |rel: &str, kind| session.watched_change(&root.join(rel), kind);
        use FileChange as F;
        assert_eq!(change("sunlight.toml", F::Changed), WatchedChange::Reload);
        assert_eq!(change("p.yaml", F::Changed), WatchedChange::Reload);
        assert!(matches!(
            change("records/a.yaml", F::Changed),
            WatchedChange::Reread(_)
        ));
        assert_eq!(change("records/b.yaml", F::Created), WatchedChange::Reload);
        assert_eq!(change("records/a.yaml", F::Deleted), WatchedChange::Reload);
        assert_eq!(
            change("target/debug/x.json", F::Changed),
            WatchedChange::Nothing
        );
        assert_eq!(
            change("target/debug/y.json", F::Created),
            WatchedChange::Nothing
        );
        assert_eq!(
            change(".github/workflows/ci.yml", F::Changed),
            WatchedChange::Nothing
        );
        assert_eq!(change("notes.md", F::Changed), WatchedChange::Nothing);
        assert!(session.reload_on_save(&root.join("sunlight.toml")));

        // Open, the project file's text is the editor's: its changes on
        // disk and its saving are nothing new.
        session.set_text(&root.join("sunlight.toml"), "params = \"p.yaml\"\n".into());
        let change = |rel: &str, kind| session.watched_change(&root.join(rel), kind);
        assert_eq!(change("sunlight.toml", F::Changed), WatchedChange::Nothing);
        assert_eq!(change("p.yaml", F::Changed), WatchedChange::Reload);
        assert!(!session.reload_on_save(&root.join("sunlight.toml")));
    }

    #[test]
    fn document_kinds_ignore_the_case_of_extensions() {
        let kind = |s: &str| doc_kind(Path::new(s));
        assert_eq!(kind("/w/a.RULES"), DocKind::Rules);
        assert_eq!(kind("/w/records/A.YAML"), DocKind::Records);
        assert_eq!(kind("/w/records/b.Yml"), DocKind::Records);
        assert_eq!(kind("/w/records/c.JSON"), DocKind::Records);
        assert_eq!(kind("/w/notes.md"), DocKind::Other);
        assert_eq!(kind("/w/x.yaml/readme"), DocKind::Other);
        assert_eq!(kind("untitled:Untitled-1.yaml"), DocKind::Records);
        assert_eq!(kind("/w/sunlight.toml"), DocKind::Project);
        assert_eq!(kind("/w/other.toml"), DocKind::Other);
    }
}
