//! The language server's state: the workspace's files, open documents and
//! the latest analysis. Requests are answered by [`crate::editor`] from
//! them and converted here; the tower-lsp shell in `server.rs` only
//! forwards.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tower_lsp::lsp_types::*;

mod analysis;

use analysis::Analysis;

use super::convert;
use super::embedded::embedded_rules_dir;
use super::uri::normalize;
use super::uri::{DocKind, doc_kind};
use crate::check::{self, Compiled, FileSet, Frozen, Program, Symbols};
use crate::diag::Diagnostic as Diag;
use crate::editor;
use crate::project::{self, Project, RuleOptions};
use crate::source::{FileId, SourceMap};
use crate::workspace::{self, InputLimits};

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

/// Everything the server knows.
#[derive(Debug, Default)]
pub struct State {
    root: Option<PathBuf>,
    /// The project as loaded: options, rule, parameter and waiver files.
    project: Project,
    limits: InputLimits,
    sources: SourceMap,
    by_uri: HashMap<Url, FileId>,
    uri_of: HashMap<FileId, Url>,
    /// Open documents: our spelling of the URI → the client's.
    open: HashMap<Url, Url>,
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
    /// are not published after it.
    generation: u64,
    analysis: Option<Analysis>,
    /// Problems with the workspace itself (project file, unreadable files).
    workspace_errors: Vec<Diag>,
    /// The client named no workspace folder: the root is chosen when the
    /// first document opens.
    root_pending: bool,
    /// Lines for the client's log that have not been sent yet.
    log: Vec<String>,
}

impl State {
    /// Set up for a workspace folder: load the project as `sunlight check`
    /// does (`sunlight.toml`, the rule files and their imports, parameter,
    /// waiver and baseline files) and read every record file under it.
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
        let opts = RuleOptions {
            config: project::find_config(&root),
            ..RuleOptions::default()
        };
        self.project = Project::load(&mut self.sources, &opts, &self.limits);
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
                self.bind_path(&path, id);
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
            self.bind_path(&PathBuf::from(self.sources.name(id)), id);
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

    fn bind(&mut self, uri: Url, id: FileId) {
        self.by_uri.insert(uri.clone(), id);
        self.uri_of.insert(id, uri);
    }

    /// Bind the file `id` to the URI of `path`.
    fn bind_path(&mut self, path: &Path, id: FileId) {
        let abs = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        if let Ok(uri) = Url::from_file_path(&abs) {
            self.bind(uri, id);
        }
    }

    fn load_path(&mut self, path: &Path, errors: &mut Vec<Diag>) -> Option<FileId> {
        let id = workspace::read_into(&mut self.sources, path, &self.limits, errors)?;
        self.bind_path(path, id);
        Some(id)
    }

    /// The file behind a document, whichever way the client spells its URI.
    fn file(&self, uri: &Url) -> Option<FileId> {
        self.by_uri.get(&normalize(uri)).copied()
    }

    /// Choose the root for a client that named none, from the first
    /// document: the nearest folder above it holding `sunlight.toml`, else the
    /// folder the server was started in if the document is inside it, else
    /// the document's own folder.
    fn choose_root(&mut self, uri: &Url) {
        let Ok(path) = uri.to_file_path() else {
            return;
        };
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

    /// Lines for the client's log since the last call.
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

    /// A document was opened or changed in the editor.
    pub fn set_text(&mut self, client_uri: &Url, text: String) {
        self.touched();
        let uri = &normalize(client_uri);
        if self.root_pending {
            self.choose_root(uri);
        }
        self.open.insert(uri.clone(), client_uri.clone());
        let kind = doc_kind(uri);
        match self.file(uri) {
            Some(id) => {
                self.sources.replace(id, text);
                if self.affects_rules(id) {
                    self.rules_dirty = true;
                }
            }
            None => {
                let name = uri
                    .to_file_path()
                    .map_or_else(|_| uri.to_string(), |p| workspace::display_path(&p));
                let id = self.sources.add(name, text);
                self.bind(uri.clone(), id);
                let path = uri
                    .to_file_path()
                    .unwrap_or_else(|_| PathBuf::from(uri.path()));
                if kind == DocKind::Records && self.is_record(&path) {
                    let at = self.record_files.partition_point(|(p, _)| p < &path);
                    self.record_files.insert(at, (path, id));
                }
            }
        }
    }

    /// A document was edited: as [`State::set_text`], and the file is the
    /// one the next analyses leave out of the index of the others.
    pub fn edit_text(&mut self, client_uri: &Url, text: String) {
        self.set_text(client_uri, text);
        if let Some(id) = self.file(&normalize(client_uri)) {
            self.last_edited = Some(id);
        }
    }

    /// The documents or files changed: the analysis is out of date.
    fn touched(&mut self) {
        self.analysed = false;
        self.generation += 1;
    }

    /// Changes of the documents so far.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// A document was closed: its file on disk counts again.
    pub fn close(&mut self, client_uri: &Url) {
        self.touched();
        let uri = &normalize(client_uri);
        self.open.remove(uri);
        let Some(id) = self.file(uri) else {
            return;
        };
        let on_disk = uri.to_file_path().ok();
        if on_disk.as_deref().is_none_or(|p| !self.inside_root(p)) {
            // Opened from outside the workspace: it leaves with its editor.
            self.record_files.retain(|(_, f)| *f != id);
            self.cache.remove(&id);
            return;
        }
        match on_disk.and_then(|p| workspace::read_text_bounded(&p, self.limits.max_file_size).ok())
        {
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

    /// Load the project again from disk (after `sunlight.toml`, a rule,
    /// parameter, waiver or baseline file changed, or a record file came or
    /// went), keeping the open documents as edited.
    pub fn reload(&mut self) {
        let Some(root) = self.root.clone() else {
            return;
        };
        let open: Vec<(Url, String)> = self
            .open
            .values()
            .filter_map(|client| {
                let text = self.sources.get(self.file(client)?)?.text.to_string();
                Some((client.clone(), text))
            })
            .collect();
        let mut log = std::mem::take(&mut self.log);
        log.push(format!("project reloaded: {}", root.display()));
        *self = State {
            limits: self.limits.clone(),
            log,
            generation: self.generation + 1,
            ..State::default()
        };
        self.load(root);
        for (uri, text) in open {
            self.set_text(&uri, text);
        }
    }

    /// What a change on disk reported by the client's file watcher calls
    /// for.
    pub fn watched_change(&self, client_uri: &Url, kind: FileChangeType) -> WatchedChange {
        let uri = normalize(client_uri);
        let Ok(path) = uri.to_file_path() else {
            return WatchedChange::Nothing;
        };
        let canonical = path.canonicalize().unwrap_or_else(|_| path.clone());
        let project_file = path.file_name().is_some_and(|n| n == project::CONFIG_FILE)
            || self.project.not_records.contains(&canonical);
        let known = self.file(&uri);
        match doc_kind(&uri) {
            _ if project_file => WatchedChange::Reload,
            DocKind::Rules if known.is_some() || self.inside_root(&path) => WatchedChange::Reload,
            DocKind::Records if self.inside_root(&path) && self.is_record(&path) => {
                match known {
                    // The editor's text of an open document stands.
                    Some(_) if self.open.contains_key(&uri) => WatchedChange::Nothing,
                    Some(id) if kind == FileChangeType::CHANGED => WatchedChange::Reread(id),
                    _ => WatchedChange::Reload,
                }
            }
            _ => WatchedChange::Nothing,
        }
    }

    /// Read a record file again from disk.
    pub fn reread(&mut self, id: FileId) {
        self.touched();
        let Some(path) = self.uri_of.get(&id).and_then(|u| u.to_file_path().ok()) else {
            return;
        };
        match workspace::read_text_bounded(&path, self.limits.max_file_size) {
            Ok(text) => self.sources.replace(id, text),
            Err(_) => self.reload(),
        }
    }

    /// Whether `uri` is the project file of the workspace.
    pub fn is_project_file(&self, uri: &Url) -> bool {
        let uri = normalize(uri);
        self.project
            .config_file
            .is_some_and(|id| self.by_uri.get(&uri) == Some(&id))
            || (self.root.is_some()
                && uri
                    .to_file_path()
                    .is_ok_and(|p| p.file_name().is_some_and(|n| n == project::CONFIG_FILE)))
    }

    /// The open documents.
    pub fn open_documents(&self) -> Vec<Url> {
        let mut v: Vec<Url> = self.open.values().cloned().collect();
        v.sort();
        v
    }

    /// The rule set a rules document is analysed with: the workspace's when
    /// it belongs to it; otherwise the embedded rules (less any of the same
    /// file name) with this document and its sibling rule files.
    fn program_for(&self, id: FileId) -> Option<Compiled> {
        if self.project.rule_files.contains(&id) {
            return None;
        }
        let mut sources_ids: Vec<FileId> = Vec::new();
        let name = self.sources.name(id).to_string();
        let dir = Path::new(&name).parent().map(Path::to_path_buf);
        let siblings: Vec<FileId> = self
            .by_uri
            .iter()
            .filter(|(uri, fid)| {
                **fid != id
                    && doc_kind(uri) == DocKind::Rules
                    && !self.project.rule_files.contains(fid)
                    && dir.as_ref().is_some_and(|d| {
                        Path::new(self.sources.name(**fid)).parent() == Some(d.as_path())
                    })
            })
            .map(|(_, f)| *f)
            .collect();
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

    /// Diagnostics of one document.
    pub fn diagnostics(&self, uri: &Url) -> Vec<tower_lsp::lsp_types::Diagnostic> {
        let Some(id) = self.file(uri) else {
            return Vec::new();
        };
        let Some(analysis) = &self.analysis else {
            return Vec::new();
        };
        let mut out = Vec::new();
        match doc_kind(uri) {
            DocKind::Rules => {
                let side = self.program_for(id);
                let errors = side.as_ref().map_or(&analysis.rule_errors, |c| &c.errors);
                for d in errors
                    .iter()
                    .filter(|d| d.span.is_some_and(|s| s.file == id))
                {
                    out.push(convert::diagnostic(&self.sources, &self.uri_of, d));
                }
            }
            DocKind::Records => {
                // A parameter or waiver file is YAML too: its problems are
                // among the rules' or the report's.
                for d in analysis
                    .rule_errors
                    .iter()
                    .chain(&analysis.report.errors)
                    .filter(|d| d.span.is_some_and(|s| s.file == id))
                {
                    out.push(convert::diagnostic(&self.sources, &self.uri_of, d));
                }
                for f in analysis
                    .report
                    .findings
                    .iter()
                    .filter(|f| f.span.file == id)
                {
                    out.push(convert::finding(&self.sources, &self.uri_of, f));
                }
            }
            DocKind::Other => {}
        }
        out
    }

    fn offset(&self, id: FileId, pos: Position) -> usize {
        self.sources.get(id).map_or(0, |f| {
            f.lines().offset_of_utf16(&f.text, pos.line, pos.character)
        })
    }

    fn with_program<T>(&self, id: FileId, f: impl FnOnce(&Program, &Symbols) -> T) -> Option<T> {
        match self.program_for(id) {
            Some(c) => Some(f(&c.program, &c.symbols)),
            None => self.analysis.as_ref().map(|a| f(&a.program, &a.symbols)),
        }
    }

    /// Hover: a symbol's declaration and doc, a keyword's or function's
    /// documentation, or a finding's explanation.
    pub fn hover(&self, uri: &Url, pos: Position) -> Option<Hover> {
        let id = self.file(uri)?;
        let offset = self.offset(id, pos);
        let markdown = match doc_kind(uri) {
            DocKind::Rules => self
                .with_program(id, |program, symbols| {
                    editor::hover::in_rules(program, symbols, &self.sources, id, offset)
                })
                .flatten(),
            DocKind::Records => {
                editor::hover::in_records(&self.analysis.as_ref()?.report, id, offset)
            }
            DocKind::Other => None,
        }?;
        Some(Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value: markdown,
            }),
            range: None,
        })
    }

    /// Go to definition: a symbol's declaration, or the record (or meeting
    /// item) a reference in a record names.
    pub fn definition(&self, uri: &Url, pos: Position) -> Option<Location> {
        let id = self.file(uri)?;
        let offset = self.offset(id, pos);
        let span = match doc_kind(uri) {
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
            DocKind::Other => None,
        }?;
        convert::location(&self.sources, &self.uri_of, span)
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

    /// Find references: in a rules file every use of the symbol at a
    /// position (and its declaration); in a record file every reference to
    /// the record at the position.
    pub fn references(&self, uri: &Url, pos: Position, include_declaration: bool) -> Vec<Location> {
        let Some(id) = self.file(uri) else {
            return Vec::new();
        };
        let offset = self.offset(id, pos);
        let spans = match doc_kind(uri) {
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
            DocKind::Other => None,
        };
        spans
            .unwrap_or_default()
            .into_iter()
            .filter_map(|s| convert::location(&self.sources, &self.uri_of, s))
            .collect()
    }

    /// The outline of a rules document: rules, parameters, kinds, structs,
    /// enums, definitions and chains.
    pub fn symbols(&self, uri: &Url) -> Vec<DocumentSymbol> {
        let Some(id) = self.file(uri) else {
            return Vec::new();
        };
        if doc_kind(uri) != DocKind::Rules {
            return Vec::new();
        }
        self.with_program(id, |_, symbols| editor::symbols::outline(symbols, id))
            .unwrap_or_default()
            .into_iter()
            .filter_map(|s| convert::document_symbol(&self.sources, s))
            .collect()
    }

    /// Completion in a rules document: fields after `x.`, otherwise names in
    /// scope, parameters, functions, definitions, kinds and keywords.
    pub fn completion(&self, uri: &Url, pos: Position) -> Vec<CompletionItem> {
        let Some(id) = self.file(uri) else {
            return Vec::new();
        };
        if doc_kind(uri) != DocKind::Rules {
            return Vec::new();
        }
        let offset = self.offset(id, pos);
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
        .into_iter()
        .map(convert::completion)
        .collect()
    }

    /// Formatting a rules document: one edit replacing the whole text, or
    /// none when it is formatted or does not parse.
    pub fn formatting(&self, uri: &Url) -> Vec<TextEdit> {
        let Some(id) = self.file(uri) else {
            return Vec::new();
        };
        if doc_kind(uri) != DocKind::Rules {
            return Vec::new();
        }
        let Some(file) = self.sources.get(id) else {
            return Vec::new();
        };
        match editor::formatting::format(&file.text) {
            Some(formatted) => {
                let end = file.lines().utf16_position(&file.text, file.text.len());
                vec![TextEdit {
                    range: Range::new(Position::new(0, 0), Position::new(end.0, end.1)),
                    new_text: formatted,
                }]
            }
            None => Vec::new(),
        }
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
        let mut state = State::default();
        state.initialize(Some(root.clone()));
        let change = |rel: &str, kind| {
            let uri = Url::from_file_path(root.join(rel)).unwrap();
            state.watched_change(&uri, kind)
        };
        use FileChangeType as F;
        assert_eq!(change("sunlight.toml", F::CHANGED), WatchedChange::Reload);
        assert_eq!(change("p.yaml", F::CHANGED), WatchedChange::Reload);
        assert!(matches!(
            change("records/a.yaml", F::CHANGED),
            WatchedChange::Reread(_)
        ));
        assert_eq!(change("records/b.yaml", F::CREATED), WatchedChange::Reload);
        assert_eq!(change("records/a.yaml", F::DELETED), WatchedChange::Reload);
        assert_eq!(
            change("target/debug/x.json", F::CHANGED),
            WatchedChange::Nothing
        );
        assert_eq!(
            change("target/debug/y.json", F::CREATED),
            WatchedChange::Nothing
        );
        assert_eq!(
            change(".github/workflows/ci.yml", F::CHANGED),
            WatchedChange::Nothing
        );
        assert_eq!(change("notes.md", F::CHANGED), WatchedChange::Nothing);
    }
}
