//! The language server's state: the workspace's files, open documents and
//! the latest analysis. Every request is answered here from the core's
//! results; the tower-lsp shell in `server.rs` only forwards.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use tower_lsp::lsp_types::*;

use super::convert;
use crate::check::program::{PROBE, SymbolKind as SymKind};
use crate::check::{self, FileSet, Program};
use crate::diag::Diagnostic as Diag;
use crate::project::{self, Project, RuleOptions};
use crate::report::Report;
use crate::source::{FileId, SourceMap, Span};
use crate::syntax;
use crate::workspace::{self, InputLimits};

/// Which language a document is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocKind {
    /// A `*.rules` file.
    Rules,
    /// A `*.yaml`, `*.yml` or `*.json` record file.
    Records,
    /// Anything else (ignored).
    Other,
}

/// The kind of a document by its name (extensions in any case, as the
/// walk reads them).
pub fn doc_kind(uri: &Url) -> DocKind {
    let path = uri.path();
    let ext = path.rsplit_once('.').map_or("", |(_, e)| e);
    let is = |exts: &[&str]| exts.iter().any(|x| x.eq_ignore_ascii_case(ext));
    if is(workspace::RULE_EXTENSIONS) {
        DocKind::Rules
    } else if is(workspace::RECORD_EXTENSIONS) {
        DocKind::Records
    } else {
        DocKind::Other
    }
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

/// The compiled rules and the findings of the workspace.
#[derive(Debug)]
struct Analysis {
    program: Program,
    rule_errors: Vec<Diag>,
    report: Report,
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
    cache: HashMap<FileId, (std::sync::Arc<str>, FileSet)>,
    rules_dirty: bool,
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

    /// A document was closed: its file on disk counts again.
    pub fn close(&mut self, client_uri: &Url) {
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

    /// Re-run what changed: compile the rules if a rule file changed, re-read
    /// changed record files, evaluate everything.
    pub fn analyze(&mut self) {
        let needs_compile = self.rules_dirty || self.analysis.is_none();
        let (program, rule_errors) = match (needs_compile, self.analysis.take()) {
            (false, Some(a)) => (a.program, a.rule_errors),
            _ => {
                let rules = self.project.compile(&self.sources, &self.limits);
                // A new schema invalidates every parsed record.
                self.cache.clear();
                (rules.program, rules.errors)
            }
        };
        self.rules_dirty = false;
        for (_, id) in &self.record_files {
            let Some(file) = self.sources.get(*id) else {
                continue;
            };
            let fresh = self.cache.get(id).is_some_and(|(text, _)| {
                std::sync::Arc::ptr_eq(text, &file.text) || **text == *file.text
            });
            if !fresh {
                let set = check::read_file(&self.sources, *id, &program.schema, &self.limits.yaml);
                self.cache.insert(*id, (file.text.clone(), set));
            }
        }
        let sets: Vec<&FileSet> = self
            .record_files
            .iter()
            .filter_map(|(_, id)| self.cache.get(id).map(|(_, s)| s))
            .collect();
        // Only open documents show diagnostics: rules run on their records
        // (and, on demand, on the records those ask about).
        let open: Vec<FileId> = self
            .open
            .keys()
            .filter_map(|u| self.by_uri.get(u).copied())
            .collect();
        let mut report = check::evaluate_focused(&program, &sets, &self.sources, Some(&open));
        // Waived and baselined findings are shown as such, as in the
        // reports; the report holds only the open documents' findings.
        self.project
            .suppress(&mut report, &self.sources, program.today, false);
        self.analysis = Some(Analysis {
            program,
            rule_errors,
            report,
        });
    }

    /// The rule set a rules document is analysed with: the workspace's when
    /// it belongs to it; otherwise the embedded rules (less any of the same
    /// file name) with this document and its sibling rule files.
    fn program_for(&self, id: FileId) -> Option<(Program, Vec<Diag>, bool)> {
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
        let (program, errors) =
            self.project
                .compile_files(&self.sources, &sources_ids, &self.limits);
        Some((program, errors, true))
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
                let errors = side.as_ref().map_or(&analysis.rule_errors, |(_, e, _)| e);
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
            f.lines.offset_of_utf16(&f.text, pos.line, pos.character)
        })
    }

    fn with_program<T>(&self, id: FileId, f: impl FnOnce(&Program) -> T) -> Option<T> {
        match self.program_for(id) {
            Some((p, _, _)) => Some(f(&p)),
            None => self.analysis.as_ref().map(|a| f(&a.program)),
        }
    }

    /// The symbol used or declared at a position of a rules document.
    fn symbol_at(program: &Program, id: FileId, offset: usize) -> Option<usize> {
        let inside =
            |s: &Span| s.file == id && s.start as usize <= offset && offset <= s.end as usize;
        program
            .uses
            .iter()
            .find(|(s, _)| inside(s))
            .map(|(_, sym)| *sym)
            .or_else(|| program.symbols.iter().position(|s| inside(&s.span)))
    }

    /// Hover: a symbol's declaration and doc, a keyword's or function's
    /// documentation, or a finding's explanation.
    pub fn hover(&self, uri: &Url, pos: Position) -> Option<Hover> {
        let id = self.file(uri)?;
        let offset = self.offset(id, pos);
        let text = match doc_kind(uri) {
            DocKind::Rules => self.with_program(id, |program| {
                if let Some(sym) =
                    Self::symbol_at(program, id, offset).and_then(|i| program.symbols.get(i))
                {
                    let mut md = format!("```\n{}\n```", sym.detail);
                    if let Some(doc) = &sym.doc {
                        md.push_str(&format!("\n\n{doc}"));
                    }
                    if sym.kind == SymKind::Param
                        && let Some(p) = program.params.iter().find(|p| p.name == sym.name)
                    {
                        let mut value = String::new();
                        p.value.display(&mut value);
                        md.push_str(&format!("\n\nvalue: `{value}`"));
                        for at in &p.overridden_at {
                            md.push_str(&format!(
                                "\n\noverridden by `set` in {}",
                                convert::place(&self.sources, *at)
                            ));
                        }
                        if let Some(file) = &p.overridden_by_file {
                            md.push_str(&format!("\n\noverridden by the parameter file {file}"));
                        }
                    }
                    return Some(md);
                }
                let word = word_at(self.sources.get(id).map_or("", |f| &f.text), offset);
                syntax::keywords::doc(word)
                    .map(|d| format!("`{word}` (keyword): {d}"))
                    .or_else(|| {
                        check::BUILTINS
                            .iter()
                            .find(|b| b.name == word)
                            .map(|b| format!("`{word}` (function): {}", b.usage()))
                    })
            })?,
            DocKind::Records => {
                let report = &self.analysis.as_ref()?.report;
                let hits: Vec<String> = report
                    .findings
                    .iter()
                    .filter(|f| {
                        f.span.file == id
                            && f.span.start as usize <= offset
                            && offset <= f.span.end as usize
                    })
                    .map(|f| {
                        let mut md = format!(
                            "**{} {}** ({})\n\n{}\n\n依据：{}\n\n{}",
                            f.rule,
                            f.title,
                            f.severity.as_str(),
                            f.message,
                            f.cite,
                            if f.help.is_empty() {
                                String::new()
                            } else {
                                format!("建议：{}", f.help)
                            }
                        );
                        if let Some(s) = &f.suppressed {
                            md.push_str(&format!("\n\n{}", s.describe()));
                        }
                        md
                    })
                    .collect();
                (!hits.is_empty()).then(|| hits.join("\n\n---\n\n"))
            }
            DocKind::Other => None,
        }?;
        Some(Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value: text,
            }),
            range: None,
        })
    }

    /// Go to definition: a symbol's declaration, or the record (or meeting
    /// item) a reference in a record names.
    pub fn definition(&self, uri: &Url, pos: Position) -> Option<Location> {
        let id = self.file(uri)?;
        let offset = self.offset(id, pos);
        match doc_kind(uri) {
            DocKind::Rules => self
                .with_program(id, |program| {
                    Self::symbol_at(program, id, offset)
                        .and_then(|i| program.symbols.get(i))
                        .map(|s| s.span)
                })
                .flatten()
                .and_then(|span| convert::location(&self.sources, &self.uri_of, span)),
            DocKind::Records => self.with_store(|program, store| {
                let (site, _) = self.ref_site_at(program, id, offset)?;
                let check::refs::Resolution::Found(d, rec) = store.resolve(&site) else {
                    return None;
                };
                let target = match (store.records.get(rec as usize), &d.data) {
                    (Some(r), crate::schema::Data::Struct(_, fields))
                        if std::ptr::eq(&r.root, d) =>
                    {
                        fields.first().map_or(d.span, |f| f.span)
                    }
                    _ => self.sources.first_line(d.span),
                };
                convert::location(&self.sources, &self.uri_of, target)
            })?,
            DocKind::Other => None,
        }
    }

    /// Run `f` with the compiled rules and an index of every record of the
    /// workspace (open documents as edited).
    fn with_store<T>(&self, f: impl FnOnce(&Program, &check::store::Store<'_>) -> T) -> Option<T> {
        let analysis = self.analysis.as_ref()?;
        let sets: Vec<&FileSet> = self
            .record_files
            .iter()
            .filter_map(|(_, f)| self.cache.get(f).map(|(_, s)| s))
            .collect();
        let records = sets.iter().flat_map(|s| s.records.iter()).collect();
        let store = check::index(records, &sets, &[], &analysis.program.schema);
        Some(f(&analysis.program, &store))
    }

    /// The reference written at `offset` of a record file, with its record.
    fn ref_site_at<'a>(
        &'a self,
        program: &'a Program,
        id: FileId,
        offset: usize,
    ) -> Option<(check::refs::RefSite<'a>, &'a crate::records::Record)> {
        let here = self.cache.get(&id).map(|(_, s)| s)?;
        here.records.iter().find_map(|record| {
            let root = program.schema.kinds.get(record.kind)?.root;
            check::refs::sites(&program.schema, &record.root, root)
                .into_iter()
                .find(|site| {
                    site.datum.span.start as usize <= offset
                        && offset <= site.datum.span.end as usize
                })
                .map(|site| (site, record))
        })
    }

    /// References to a record from the record files: the record whose `id`
    /// is under the cursor, or the one a reference under the cursor names.
    fn record_references(
        &self,
        id: FileId,
        offset: usize,
        include_declaration: bool,
    ) -> Vec<Location> {
        self.with_store(|program, store| {
            let target = store.records.iter().position(|r| {
                r.root.span.file == id
                    && matches!(&r.root.data, crate::schema::Data::Struct(_, f) if f.first().is_some_and(|d| d.span.start as usize <= offset && offset <= d.span.end as usize))
            });
            let target = target.or_else(|| {
                let (site, _) = self.ref_site_at(program, id, offset)?;
                match store.resolve(&site) {
                    check::refs::Resolution::Found(_, rec) => Some(rec as usize),
                    _ => None,
                }
            });
            let Some(target) = target else { return Vec::new() };
            let graph = check::refs::graph(&program.schema, store);
            let node = petgraph::graph::NodeIndex::new(target);
            let mut spans: Vec<Span> = graph
                .edges_directed(node, petgraph::Direction::Incoming)
                .map(|e| e.weight().span)
                .collect();
            spans.sort_by_key(|s| (self.sources.name(s.file).to_string(), s.start));
            // The declaration of a record is its `id` value (slot 0).
            let declaration = store.records.get(target).and_then(|r| match &r.root.data {
                crate::schema::Data::Struct(_, f) => f.first().map(|d| d.span),
                _ => None,
            });
            if include_declaration && let Some(d) = declaration {
                spans.insert(0, d);
            }
            spans.iter().filter_map(|s| convert::location(&self.sources, &self.uri_of, *s)).collect()
        })
        .unwrap_or_default()
    }

    /// Find references: in a rules file every use of the symbol at a
    /// position (and its declaration); in a record file every reference to
    /// the record at the position.
    pub fn references(&self, uri: &Url, pos: Position, include_declaration: bool) -> Vec<Location> {
        let Some(id) = self.file(uri) else {
            return Vec::new();
        };
        let offset = self.offset(id, pos);
        match doc_kind(uri) {
            DocKind::Rules => {}
            DocKind::Records => return self.record_references(id, offset, include_declaration),
            DocKind::Other => return Vec::new(),
        }
        self.with_program(id, |program| {
            let Some(sym) = Self::symbol_at(program, id, offset) else {
                return Vec::new();
            };
            let mut spans: Vec<Span> = program
                .uses
                .iter()
                .filter(|(_, s)| *s == sym)
                .map(|(sp, _)| *sp)
                .collect();
            if include_declaration && let Some(s) = program.symbols.get(sym) {
                spans.insert(0, s.span);
            }
            spans
                .iter()
                .filter_map(|s| convert::location(&self.sources, &self.uri_of, *s))
                .collect()
        })
        .unwrap_or_default()
    }

    /// The outline of a rules document: rules, parameters, kinds, structs,
    /// enums, definitions and chains.
    #[allow(deprecated)] // `DocumentSymbol::deprecated` must still be set.
    pub fn symbols(&self, uri: &Url) -> Vec<DocumentSymbol> {
        let Some(id) = self.file(uri) else {
            return Vec::new();
        };
        if doc_kind(uri) != DocKind::Rules {
            return Vec::new();
        }
        self.with_program(id, |program| {
            program
                .symbols
                .iter()
                .filter(|s| {
                    s.span.file == id
                        && !matches!(s.kind, SymKind::Local | SymKind::Field | SymKind::Variant)
                })
                .filter_map(|s| {
                    let selection_range = convert::range(&self.sources, s.span)?;
                    let range = convert::range(&self.sources, s.extent).unwrap_or(selection_range);
                    Some(DocumentSymbol {
                        name: s.name.clone(),
                        detail: Some(s.detail.lines().next().unwrap_or("").to_string()),
                        kind: match s.kind {
                            SymKind::Rule => SymbolKind::FUNCTION,
                            SymKind::Param => SymbolKind::CONSTANT,
                            SymKind::Kind | SymKind::Struct => SymbolKind::STRUCT,
                            SymKind::Enum => SymbolKind::ENUM,
                            SymKind::Def => SymbolKind::FUNCTION,
                            SymKind::Chain => SymbolKind::OBJECT,
                            _ => SymbolKind::VARIABLE,
                        },
                        tags: None,
                        deprecated: None,
                        range,
                        selection_range,
                        children: None,
                    })
                })
                .collect()
        })
        .unwrap_or_default()
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
        let text = self
            .sources
            .get(id)
            .map_or(String::new(), |f| f.text.to_string());
        let start = word_start(&text, offset);
        let end = word_end(&text, offset);
        let after_dot = text.get(..start).is_some_and(|t| t.ends_with('.'));
        let in_string = text
            .get(..start)
            .is_some_and(|t| t.matches('"').count() % 2 == 1);
        // Compile the document with a probe name in place of the word at the
        // cursor: the type checker then says what is in scope there. A
        // declaration still being typed gets the closing braces it lacks.
        let decl_start = syntax::parse::decl_start_before(&text, start);
        let decl_end = syntax::parse::next_decl_start(&text, end).max(end);
        let open_braces = text.get(decl_start..decl_end).map_or(0, |d| {
            d.matches('{')
                .count()
                .saturating_sub(d.matches('}').count())
        });
        let probed = format!(
            "{}{PROBE}{}{}\n{}",
            text.get(..start).unwrap_or(""),
            text.get(end..decl_end).unwrap_or(""),
            "}".repeat(open_braces),
            text.get(decl_end..).unwrap_or("")
        );
        let mut sources = SourceMap::new();
        let mut ids = Vec::new();
        let rule_set: Vec<FileId> = match self.program_for(id) {
            None => self.project.rule_files.clone(),
            Some(_) => {
                let mut v: Vec<FileId> = self.project.rule_files.clone();
                v.push(id);
                v
            }
        };
        for f in &rule_set {
            let t = if *f == id {
                probed.clone()
            } else {
                self.sources
                    .get(*f)
                    .map_or(String::new(), |s| s.text.to_string())
            };
            ids.push(sources.add(self.sources.name(*f), t));
        }
        let (program, _) =
            check::compile_files(&sources, &ids, &[], &[], self.limits.max_expr_depth);
        let probe = program.probe.unwrap_or_default();
        let mut items = Vec::new();
        if after_dot {
            for (name, ty, doc) in probe.fields {
                items.push(item(&name, CompletionItemKind::FIELD, &ty, doc.as_deref()));
            }
            return items;
        }
        if in_string {
            // Rule ids for `findings("…")`.
            if let Some(a) = &self.analysis {
                for r in &a.program.rules {
                    items.push(item(&r.id, CompletionItemKind::REFERENCE, &r.title, None));
                }
            }
            return items;
        }
        for (name, ty) in probe.locals {
            items.push(item(&name, CompletionItemKind::VARIABLE, &ty, None));
        }
        if let Some(a) = &self.analysis {
            for p in &a.program.params {
                let mut v = String::new();
                p.value.display(&mut v);
                items.push(item(
                    &p.name,
                    CompletionItemKind::CONSTANT,
                    &v,
                    p.doc.as_deref(),
                ));
            }
            for d in &a.program.defs {
                items.push(item(
                    &d.name,
                    CompletionItemKind::FUNCTION,
                    &format!("def {}({})", d.name, d.params.join(", ")),
                    d.doc.as_deref(),
                ));
            }
            for c in &a.program.chains {
                items.push(item(
                    &c.name,
                    CompletionItemKind::MODULE,
                    "chain",
                    c.doc.as_deref(),
                ));
            }
            for k in &a.program.schema.kinds {
                items.push(item(
                    &k.name,
                    CompletionItemKind::STRUCT,
                    "record kind",
                    None,
                ));
            }
        }
        for b in check::BUILTINS {
            items.push(item(b.name, CompletionItemKind::FUNCTION, &b.usage(), None));
        }
        for (name, doc) in syntax::keywords::KEYWORDS {
            items.push(item(name, CompletionItemKind::KEYWORD, doc, None));
        }
        items
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
        match syntax::format::format(&file.text) {
            Some(formatted) if formatted != *file.text => {
                let end = file.lines.utf16_position(&file.text, file.text.len());
                vec![TextEdit {
                    range: Range::new(Position::new(0, 0), Position::new(end.0, end.1)),
                    new_text: formatted,
                }]
            }
            _ => Vec::new(),
        }
    }

    /// Problems with the workspace set-up, as log lines
    /// (`file:line:column: message`, or `file: message` with no position).
    pub fn workspace_problems(&self) -> Vec<String> {
        self.workspace_errors
            .iter()
            .map(|d| {
                let place = match d.span {
                    Some(span) => convert::place(&self.sources, span),
                    None => d.file.clone().unwrap_or_default(),
                };
                format!("{place}: {}", d.message)
            })
            .collect()
    }
}

/// One spelling per file: clients differ in percent-escapes (`%E9` or
/// `%e9`, `(` or `%28`) and in symbolic links, the file system does not.
fn normalize(uri: &Url) -> Url {
    match uri.to_file_path() {
        Ok(path) => {
            let path = path.canonicalize().unwrap_or(path);
            Url::from_file_path(path).unwrap_or_else(|()| uri.clone())
        }
        Err(()) => uri.clone(),
    }
}

fn item(label: &str, kind: CompletionItemKind, detail: &str, doc: Option<&str>) -> CompletionItem {
    CompletionItem {
        label: label.to_string(),
        kind: Some(kind),
        detail: (!detail.is_empty()).then(|| detail.to_string()),
        documentation: doc.map(|d| Documentation::String(d.to_string())),
        ..CompletionItem::default()
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Start of the identifier ending at `offset`.
fn word_start(text: &str, offset: usize) -> usize {
    let offset = crate::source::floor_char_boundary(text, offset);
    let before = text.get(..offset).unwrap_or("");
    before
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_word_char(*c))
        .last()
        .map_or(offset, |(i, _)| i)
}

/// End of the identifier at `offset`.
fn word_end(text: &str, offset: usize) -> usize {
    let offset = crate::source::floor_char_boundary(text, offset);
    let rest = text.get(offset..).unwrap_or("");
    offset
        + rest
            .char_indices()
            .find(|(_, c)| !is_word_char(*c))
            .map_or(rest.len(), |(i, _)| i)
}

/// The identifier around `offset`.
fn word_at(text: &str, offset: usize) -> &str {
    let start = word_start(text, offset);
    let rest = text.get(start..).unwrap_or("");
    let len = rest
        .char_indices()
        .find(|(_, c)| !is_word_char(*c))
        .map_or(rest.len(), |(i, _)| i);
    rest.get(..len).unwrap_or("")
}

/// A folder holding copies of the embedded rule files, so that "go to
/// definition" can open them. `None` when it cannot be written.
///
/// The folder is named after a hash of the files: two builds whose
/// standard rules differ (of one version number) would otherwise overwrite
/// each other's copies, and an editor would open text that its server's
/// positions do not match.
fn embedded_rules_dir() -> Option<PathBuf> {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for (name, text) in check::STANDARD_RULES {
        h.update((name.len() as u64).to_le_bytes());
        h.update(name.as_bytes());
        h.update((text.len() as u64).to_le_bytes());
        h.update(text.as_bytes());
    }
    let hash: String = h
        .finalize()
        .iter()
        .take(6)
        .map(|b| format!("{b:02x}"))
        .collect();
    let dir = std::env::temp_dir().join(format!(
        "sunlight-{}-rules-{hash}",
        env!("CARGO_PKG_VERSION")
    ));
    std::fs::create_dir_all(&dir).ok()?;
    for (name, text) in check::STANDARD_RULES {
        let path = dir.join(name);
        let limit = InputLimits::default().max_file_size;
        if workspace::read_text_bounded(&path, limit).ok().as_deref() != Some(*text) {
            workspace::write_atomically(&path, text).ok()?;
        }
    }
    Some(dir)
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

    #[test]
    fn document_kinds_ignore_the_case_of_extensions() {
        let kind = |s: &str| doc_kind(&Url::parse(s).unwrap());
        assert_eq!(kind("file:///w/a.RULES"), DocKind::Rules);
        assert_eq!(kind("file:///w/records/A.YAML"), DocKind::Records);
        assert_eq!(kind("file:///w/records/b.Yml"), DocKind::Records);
        assert_eq!(kind("file:///w/records/c.JSON"), DocKind::Records);
        assert_eq!(kind("file:///w/notes.md"), DocKind::Other);
        assert_eq!(kind("file:///w/x.yaml/readme"), DocKind::Other);
    }
}
