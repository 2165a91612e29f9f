//! Finding and reading the files of a run: the rule set (embedded, extra
//! folders, imports, parameter file) and the record files. Shared by the
//! command line and the language server.

use std::path::{Path, PathBuf};

use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;

use crate::check::{self, ParamOverride, Program};
use crate::diag::Diagnostic;
use crate::records::Limits;
use crate::report::{Configuration, Report};
use crate::source::{FileId, SourceMap, Span};
use crate::syntax::{self, ast};

/// Where the rules of a run come from.
#[derive(Debug, Clone, Default)]
pub struct RuleOptions {
    /// Leave out the embedded standard library.
    pub no_default_rules: bool,
    /// Extra rule files or folders (`*.rules`, recursively).
    pub rules: Vec<PathBuf>,
    /// A parameter file.
    pub params: Option<PathBuf>,
    /// A parameter file read before `params`, which overrides it key by
    /// key: the project file's, when the command line names another.
    pub base_params: Option<PathBuf>,
    /// Rule ids switched off.
    pub disabled: Vec<String>,
    /// A project file (`sunlight.toml`) read underneath these options by
    /// [`load_rules`].
    pub config: Option<PathBuf>,
    /// The run date (`today = …` in the project file).
    pub today: Option<crate::date::Date>,
}

/// The project file read from the current folder or its nearest parent.
pub const CONFIG_FILE: &str = "sunlight.toml";

/// The keys of `sunlight.toml`, with what each holds.
const CONFIG_KEYS: &[(&str, &str)] = &[
    ("rules", "a list of rule files or folders"),
    ("params", "a parameter file"),
    ("disable", "a list of rule ids"),
    ("default_rules", "true or false"),
    ("today", "the run date, YYYY-MM-DD"),
];

/// The nearest `sunlight.toml` at or above `start`.
pub fn find_config(start: &Path) -> Option<PathBuf> {
    let here = start.join(CONFIG_FILE);
    if here.is_file() {
        return Some(here);
    }
    let start = start.canonicalize().unwrap_or_else(|_| start.to_path_buf());
    start
        .ancestors()
        .map(|d| d.join(CONFIG_FILE))
        .find(|p| p.is_file())
}

/// A project file's settings, with where each disabled id is written.
#[derive(Debug, Default)]
pub struct Project {
    /// The settings, paths made relative to the project file's folder.
    pub opts: RuleOptions,
    /// Where each of `opts.disabled` is written.
    pub disabled_at: Vec<Span>,
}

/// Read a project file (`sunlight.toml`: project settings shared by
/// `sunlight check` and the language server, so that editor and CI agree)
/// into `sources`. Its problems are diagnostics at their place, and each
/// spoils only itself: an unknown key, a value of the wrong type or a path
/// that does not exist is left out and the rest of the file holds. A file
/// that cannot be read or parsed gives no settings.
pub fn load_config(
    sources: &mut SourceMap,
    path: &Path,
    limits: &InputLimits,
    errors: &mut Vec<Diagnostic>,
) -> Project {
    let mut project = Project::default();
    let Some(id) = read_into(sources, path, limits, errors) else {
        return project;
    };
    let text = sources.get(id).map(|f| f.text.clone()).unwrap_or_default();
    let span = |r: std::ops::Range<usize>| Span::new(id, r.start, r.end.max(r.start));
    let keys_help = {
        let keys: Vec<String> = CONFIG_KEYS
            .iter()
            .map(|(k, what)| format!("`{k}` ({what})"))
            .collect();
        format!("the keys are {}", keys.join(", "))
    };
    let table = match toml::de::DeTable::parse(&text) {
        Ok(t) => t.into_inner(),
        Err(e) => {
            let message = format!("invalid project file: {}", e.message().trim_end());
            let d = match e.span() {
                Some(r) => Diagnostic::error(span(r), message),
                None => Diagnostic::file_error(display_path(path), message),
            };
            errors.push(d.with_help(format!("{keys_help}; the run goes on without this file")));
            return project;
        }
    };
    let base = path.parent().unwrap_or(Path::new("."));
    let mut found = Vec::new();
    for (key, value) in &table {
        let name: &str = key.get_ref();
        let at = span(value.span());
        let wrong = |what: &str| {
            Diagnostic::error(at, format!("`{name}` must be {what}"))
                .with_help("this setting is left out; the rest of the file holds")
        };
        match name {
            "rules" | "disable" => {
                let what = if name == "rules" {
                    "a list of paths"
                } else {
                    "a list of rule ids"
                };
                let Some(items) = value.get_ref().as_array() else {
                    found.push(wrong(what));
                    continue;
                };
                for item in items {
                    let Some(s) = item.get_ref().as_str() else {
                        found.push(Diagnostic::error(
                            span(item.span()),
                            format!("`{name}` must be {what}"),
                        ));
                        continue;
                    };
                    if name == "disable" {
                        project.opts.disabled.push(s.to_string());
                        project.disabled_at.push(span(item.span()));
                    } else if let Some(p) = existing(base, s, span(item.span()), &mut found) {
                        project.opts.rules.push(p);
                    }
                }
            }
            "params" => match value.get_ref().as_str() {
                Some(s) => project.opts.params = existing(base, s, at, &mut found),
                None => found.push(wrong("a path")),
            },
            "default_rules" => match value.get_ref().as_bool() {
                Some(b) => project.opts.no_default_rules = !b,
                None => found.push(wrong("`true` or `false`")),
            },
            "today" => {
                // A TOML date (`today = 2014-09-30`) or a quoted one.
                let written = match value.get_ref() {
                    toml::de::DeValue::Datetime(d) => Some(d.to_string()),
                    toml::de::DeValue::String(s) => Some(s.to_string()),
                    _ => None,
                };
                match written.map(|w| (crate::date::Date::parse(&w), w)) {
                    Some((Ok(d), _)) => project.opts.today = Some(d),
                    Some((Err(e), w)) => found.push(
                        Diagnostic::error(at, format!("`today = {w}` is not a date: {e}"))
                            .with_help("write the run date as `today = YYYY-MM-DD`; this setting is left out"),
                    ),
                    None => found.push(wrong("a date, `YYYY-MM-DD`")),
                }
            }
            _ => {
                let hint = crate::suggest::closest(name, CONFIG_KEYS.iter().map(|(k, _)| *k))
                    .map_or_else(|| keys_help.clone(), |k| format!("did you mean `{k}`?"));
                found.push(
                    Diagnostic::error(
                        span(key.span()),
                        format!("unknown key `{name}` in the project file"),
                    )
                    .with_help(hint),
                );
            }
        }
    }
    found.sort_by_key(|d| d.span.map(|s| s.start));
    errors.extend(found);
    project
}

/// A path written in the project file, made relative to its folder; a
/// path that does not exist is an error at `at`.
fn existing(base: &Path, written: &str, at: Span, errors: &mut Vec<Diagnostic>) -> Option<PathBuf> {
    let written = Path::new(written);
    let full = if written.is_absolute() {
        written.to_path_buf()
    } else {
        base.join(written)
    };
    if full.exists() {
        return Some(full);
    }
    errors.push(
        Diagnostic::error(
            at,
            format!("no such file or folder `{}`", written.display()),
        )
        .with_help(format!(
            "paths are read relative to the project file's folder: {}",
            display_path(&full)
        )),
    );
    None
}

/// Read a project file into rule options, the first problem as an error
/// (the language server's view: it reads the file on its own).
pub fn read_config(path: &Path) -> Result<RuleOptions, Diagnostic> {
    let mut sources = SourceMap::new();
    let mut errors = Vec::new();
    let project = load_config(&mut sources, path, &InputLimits::default(), &mut errors);
    match errors.into_iter().next() {
        None => Ok(project.opts),
        Some(mut d) => {
            if let Some((at, _)) = d.span.and_then(|s| sources.span_lines(s)) {
                d.message = format!("{} (line {}, column {})", d.message, at.line, at.column);
            }
            d.file = Some(display_path(path));
            d.span = None;
            Err(d)
        }
    }
}

impl RuleOptions {
    /// These options with a project file's settings underneath: the project
    /// file's rules and disabled rules come first, command-line flags add to
    /// them, and a command-line parameter file is read over the project
    /// file's, key by key.
    pub fn over(self, project: RuleOptions) -> RuleOptions {
        let mut rules = project.rules;
        rules.extend(self.rules);
        let mut disabled = project.disabled;
        disabled.extend(self.disabled);
        RuleOptions {
            no_default_rules: self.no_default_rules || project.no_default_rules,
            rules,
            base_params: match (&self.params, &project.params) {
                (Some(_), Some(_)) => project.params.clone(),
                _ => None,
            },
            params: self.params.or(project.params),
            disabled,
            config: self.config.or(project.config),
            today: self.today.or(project.today),
        }
    }
}

/// Bounds on input size.
#[derive(Debug, Clone)]
pub struct InputLimits {
    /// Largest file read, in bytes.
    pub max_file_size: u64,
    /// YAML bounds.
    pub yaml: Limits,
    /// Most records checked in one run.
    pub max_records: usize,
    /// Deepest bracket nesting in a rule declaration.
    pub max_expr_depth: usize,
}

impl Default for InputLimits {
    fn default() -> InputLimits {
        InputLimits {
            max_file_size: 64 * 1024 * 1024,
            yaml: Limits::default(),
            max_records: 1_000_000,
            max_expr_depth: syntax::MAX_NESTING,
        }
    }
}

/// A compiled rule set with the problems found on the way.
#[derive(Debug)]
pub struct RuleSet {
    /// The program.
    pub program: Program,
    /// Rule file ids, in load order.
    pub files: Vec<FileId>,
    /// Problems with rule and parameter files.
    pub errors: Vec<Diagnostic>,
    /// Files that are not records though they may sit among them (the
    /// parameter file; the CLI adds waiver and baseline files).
    pub not_records: Vec<PathBuf>,
    /// What the project file and the flags changed.
    pub configuration: Configuration,
}

/// Load, parse and compile the rules of a run into `sources`.
pub fn load_rules(sources: &mut SourceMap, opts: &RuleOptions, limits: &InputLimits) -> RuleSet {
    let mut errors = Vec::new();
    // Where each disabled id is written: in the project file, or `None` for
    // a `--disable` flag.
    let mut disabled_at: Vec<Option<Span>> = Vec::new();
    let merged;
    let opts = match &opts.config {
        Some(path) => {
            let project = load_config(sources, path, limits, &mut errors);
            disabled_at.extend(project.disabled_at.iter().copied().map(Some));
            merged = opts.clone().over(project.opts);
            &merged
        }
        None => opts,
    };
    disabled_at.resize(opts.disabled.len(), None);
    let mut files = Vec::new();
    if !opts.no_default_rules {
        for (name, text) in check::STANDARD_RULES {
            files.push(sources.add(check::embedded_name(name), *text));
        }
    }
    let mut paths = rule_files(&opts.rules, &mut errors);
    let mut loaded: Vec<PathBuf> = Vec::new();
    while let Some(path) = (!paths.is_empty()).then(|| paths.remove(0)) {
        let canonical = path.canonicalize().unwrap_or_else(|_| path.clone());
        if loaded.contains(&canonical) {
            continue;
        }
        loaded.push(canonical);
        let Some(id) = read_into(sources, &path, limits, &mut errors) else {
            continue;
        };
        files.push(id);
        // Follow `import "…"` relative to the importing file.
        if let Some(text) = sources.get(id).map(|f| f.text.clone()) {
            let parsed = syntax::parse_with(id, &text, limits.max_expr_depth);
            for decl in &parsed.file.decls {
                if let ast::DeclKind::Import(t) = &decl.kind {
                    let Some(rel) = t.as_plain() else { continue };
                    let target = path.parent().unwrap_or(Path::new(".")).join(&rel);
                    if target.exists() {
                        paths.push(target);
                    } else {
                        errors.push(
                            Diagnostic::error(
                                t.span,
                                format!("cannot import `{rel}`: no such file"),
                            )
                            .with_help(format!(
                                "the path is read relative to this file: {}",
                                target.display()
                            )),
                        );
                    }
                }
            }
        }
    }
    // The project file's parameters first, then the command line's: the
    // later value of a key wins, the others stay.
    let mut overrides: Vec<ParamOverride> = Vec::new();
    for p in opts.base_params.iter().chain(&opts.params) {
        if let Some(id) = read_into(sources, p, limits, &mut errors) {
            let (o, e) = check::read_params(id, sources, &limits.yaml);
            overrides.extend(o);
            errors.extend(e);
        }
    }
    let (mut program, compile_errors) = check::compile_files(
        sources,
        &files,
        &overrides,
        &opts.disabled,
        limits.max_expr_depth,
    );
    if let Some(today) = opts.today {
        program.set_today(today);
    }
    errors.extend(compile_errors);
    errors.extend(unknown_disabled(
        &program,
        &opts.disabled,
        &disabled_at,
        None,
    ));
    let not_records = opts
        .params
        .iter()
        .chain(&opts.base_params)
        .chain(&opts.config)
        .map(|p| p.canonicalize().unwrap_or_else(|_| p.clone()))
        .collect();
    let embedded = if opts.no_default_rules {
        0
    } else {
        check::STANDARD_RULES.len()
    };
    let mut overridden: Vec<String> = Vec::new();
    for o in &overrides {
        if !overridden.contains(&o.name) {
            overridden.push(o.name.clone());
        }
    }
    let known = rule_ids(&program);
    let mut disabled: Vec<String> = opts
        .disabled
        .iter()
        .filter(|d| known.contains(&d.as_str()))
        .cloned()
        .collect();
    disabled.sort();
    disabled.dedup();
    let configuration = Configuration {
        project_file: opts.config.as_deref().map(display_path),
        default_rules: !opts.no_default_rules,
        rules: files
            .iter()
            .skip(embedded)
            .map(|id| sources.name(*id).to_string())
            .collect(),
        params: match (&opts.base_params, &opts.params) {
            (Some(base), Some(over)) => Some(format!(
                "{}, then {}",
                display_path(base),
                display_path(over)
            )),
            (_, p) => p.as_deref().map(display_path),
        },
        overridden,
        disabled,
    };
    RuleSet {
        program,
        files,
        errors,
        not_records,
        configuration,
    }
}

/// Every rule id declared, disabled or not.
fn rule_ids(program: &Program) -> Vec<&str> {
    program
        .symbols
        .iter()
        .filter(|s| s.kind == check::program::SymbolKind::Rule)
        .map(|s| s.name.as_str())
        .collect()
}

/// Warnings for disabled ids no rule has: at their place in the project
/// file where it is known (`at`), else about the project file `config`
/// when given, else naming the `--disable` flag.
pub fn unknown_disabled(
    program: &Program,
    ids: &[String],
    at: &[Option<Span>],
    config: Option<&str>,
) -> Vec<Diagnostic> {
    let known = rule_ids(program);
    let mut out = Vec::new();
    for (n, id) in ids.iter().enumerate() {
        if known.contains(&id.as_str()) {
            continue;
        }
        let help = match crate::suggest::closest(id, known.iter().copied()) {
            Some(s) => format!("did you mean `{s}`?"),
            None => "`sunlight explain` lists the rule ids".to_string(),
        };
        let message = format!("no rule `{id}` to switch off");
        out.push(match (at.get(n).copied().flatten(), config) {
            (Some(span), _) => Diagnostic::warning(span, message).with_help(help),
            (None, Some(file)) => Diagnostic {
                file: Some(file.to_string()),
                span: None,
                ..Diagnostic::warning(Span::default(), message)
            }
            .with_help(help),
            (None, None) => Diagnostic {
                span: None,
                ..Diagnostic::warning(Span::default(), format!("`--disable {id}`: {message}"))
            }
            .with_help(help),
        });
    }
    out
}

/// Rule files under the given paths: files as given, folders searched
/// recursively for `*.rules` (see [`walk`]). Sorted by path.
pub fn rule_files(paths: &[PathBuf], errors: &mut Vec<Diagnostic>) -> Vec<PathBuf> {
    let mut w = walk(paths, RULE_EXTENSIONS);
    errors.append(&mut w.errors);
    w.files.into_iter().map(|(p, _)| p).collect()
}

/// Replace a file's contents all at once: write a temporary file beside it,
/// then rename it over the original, so a crash never leaves half a file.
pub fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = dir.join(format!(".{name}.sunlight-tmp-{}", std::process::id()));
    std::fs::write(&tmp, text)?;
    if let Ok(meta) = std::fs::metadata(path) {
        let _ = std::fs::set_permissions(&tmp, meta.permissions());
    }
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// Record files under the given paths: files as given, folders searched
/// recursively for `*.yaml`, `*.yml` and `*.json` (see [`walk`]). Sorted by path.
pub fn record_files(paths: &[PathBuf], errors: &mut Vec<Diagnostic>) -> Vec<PathBuf> {
    let mut w = walk(paths, RECORD_EXTENSIONS);
    errors.append(&mut w.errors);
    w.files.into_iter().map(|(p, _)| p).collect()
}

/// Extensions of record files, compared without regard to case.
pub const RECORD_EXTENSIONS: &[&str] = &["yaml", "yml", "json"];

/// Extension of rule files, compared without regard to case.
pub const RULE_EXTENSIONS: &[&str] = &["rules"];

/// Why a walk passed over a file or folder.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SkipReason {
    /// Its name starts with `.`.
    Hidden,
    /// A file whose extension is not one the walk reads.
    Extension,
}

impl SkipReason {
    /// `hidden` or `other extension`, as reports show it.
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::Hidden => "hidden",
            SkipReason::Extension => "other extension",
        }
    }
}

/// A file or folder inside a given folder that was not read.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Skipped {
    /// The path as shown in output.
    pub path: String,
    /// Why.
    pub reason: SkipReason,
}

/// What a walk over the given paths found.
#[derive(Debug, Default)]
pub struct Walk {
    /// Files to read, sorted by path, each file once, with the index of
    /// the given path it was found under.
    pub files: Vec<(PathBuf, usize)>,
    /// Hidden entries and files of other extensions, sorted by path.
    pub skipped: Vec<Skipped>,
    /// Paths that cannot be read, and links that are not followed.
    pub errors: Vec<Diagnostic>,
}

/// One folder met on the walk.
struct Entry {
    /// As shown: the given path joined with the names below it.
    shown: PathBuf,
    /// Where it really is, links resolved.
    real: PathBuf,
    /// Reached through a symbolic link.
    linked: bool,
}

/// What a walk collects on its way.
struct Walker<'a> {
    exts: &'a [&'a str],
    /// Canonical given paths (and whether each is a folder): the bounds
    /// links must stay within.
    roots: Vec<(PathBuf, bool)>,
    /// Folders read: as shown, and where they really are.
    visited: Vec<(PathBuf, PathBuf)>,
    /// Files found: as shown, where they really are, the given path's index.
    found: Vec<(PathBuf, PathBuf, usize)>,
    out: Walk,
}

/// Walk the given paths: the file policy shared by the command line and
/// the language server.
///
/// - A given file is read whatever its extension; a given folder is searched
///   recursively for files with one of `exts` (in any case).
/// - Hidden files and folders (name starting with `.`) and files of other
///   extensions inside a given folder are skipped and listed in
///   [`Walk::skipped`].
/// - Only regular files are read: a FIFO, socket or device is an error, and
///   is never opened.
/// - A symbolic link is followed only when its target stays inside the
///   given paths; otherwise it is an error naming the link (the target is
///   neither read nor shown).
/// - A folder reached twice (a link back up the tree) is read once; a file
///   reached twice is read once, under the first path in sorted order.
pub fn walk(paths: &[PathBuf], exts: &[&str]) -> Walk {
    let mut walker = Walker {
        exts,
        roots: paths
            .iter()
            .filter_map(|p| {
                let real = p.canonicalize().ok()?;
                let is_dir = real.is_dir();
                Some((real, is_dir))
            })
            .collect(),
        visited: Vec::new(),
        found: Vec::new(),
        out: Walk::default(),
    };
    for (index, given) in paths.iter().enumerate() {
        walker.given(given, index);
    }
    let Walker {
        mut found, mut out, ..
    } = walker;
    found.sort();
    let mut seen = std::collections::HashSet::new();
    for (shown, real, index) in found {
        if seen.insert(real) {
            out.files.push((shown, index));
        }
    }
    out.skipped.sort();
    out
}

/// `*.yaml, *.yml and *.json`.
fn pattern(exts: &[&str]) -> String {
    let globs: Vec<String> = exts.iter().map(|e| format!("*.{e}")).collect();
    match globs.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => globs.join(""),
    }
}

fn not_regular(shown: &str) -> Diagnostic {
    Diagnostic::file_error(
        shown,
        "not a regular file (a FIFO, socket or device): not read",
    )
    .with_help("only regular files are read; copy the records into a file")
}

fn broken_link(shown: &str) -> Diagnostic {
    Diagnostic::file_error(shown, "symbolic link to a file that does not exist")
        .with_help("fix or remove the link")
}

fn has_extension(name: &Path, exts: &[&str]) -> bool {
    name.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| exts.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

impl Walker<'_> {
    fn inside(&self, real: &Path) -> bool {
        self.roots.iter().any(|(root, is_dir)| {
            if *is_dir {
                real.starts_with(root)
            } else {
                real == root
            }
        })
    }

    fn skip(&mut self, path: String, reason: SkipReason) {
        self.out.skipped.push(Skipped { path, reason });
    }

    fn error(&mut self, d: Diagnostic) {
        self.out.errors.push(d);
    }

    /// A path given on the command line.
    fn given(&mut self, given: &Path, index: usize) {
        let shown = display_path(given);
        let real = match given.canonicalize() {
            Ok(r) => r,
            Err(_) if given.symlink_metadata().is_ok() => return self.error(broken_link(&shown)),
            Err(_) => {
                let help = format!(
                    "check the path; folders are searched for {}",
                    pattern(self.exts)
                );
                return self.error(
                    Diagnostic::file_error(&shown, "no such file or folder").with_help(help),
                );
            }
        };
        match std::fs::metadata(&real) {
            Ok(m) if m.is_dir() => self.dir(
                Entry {
                    shown: given.to_path_buf(),
                    real,
                    linked: false,
                },
                index,
            ),
            Ok(m) if m.is_file() => self.found.push((given.to_path_buf(), real, index)),
            Ok(_) => self.error(not_regular(&shown)),
            Err(e) => self.error(Diagnostic::file_error(&shown, format!("cannot read: {e}"))),
        }
    }

    /// A folder and everything under it, in name order.
    fn dir(&mut self, top: Entry, index: usize) {
        let mut stack = vec![top];
        while let Some(dir) = stack.pop() {
            if let Some((first, _)) = self.visited.iter().find(|(_, real)| *real == dir.real) {
                // A link back to a folder already read (`loop -> .`): reading
                // it again would read its records twice, or forever.
                if dir.linked {
                    let message = format!(
                        "symbolic link to a folder already read (`{}`): not read again",
                        display_path(first)
                    );
                    self.error(Diagnostic {
                        level: crate::diag::Level::Warning,
                        ..Diagnostic::file_error(display_path(&dir.shown), message)
                            .with_help("remove the link; its files are read once either way")
                    });
                }
                continue;
            }
            self.visited.push((dir.shown.clone(), dir.real.clone()));
            let entries = match std::fs::read_dir(&dir.real) {
                Ok(e) => e,
                Err(e) => {
                    self.error(Diagnostic::file_error(
                        display_path(&dir.shown),
                        format!("cannot read folder: {e}"),
                    ));
                    continue;
                }
            };
            let mut entries: Vec<std::fs::DirEntry> = entries.filter_map(Result::ok).collect();
            entries.sort_by_key(std::fs::DirEntry::file_name);
            let mut subdirs = Vec::new();
            for e in entries {
                if let Some(sub) = self.entry(&dir, &e, index) {
                    subdirs.push(sub);
                }
            }
            // Popped in name order.
            stack.extend(subdirs.into_iter().rev());
        }
    }

    /// One entry of a folder: a file is recorded, a folder returned.
    fn entry(&mut self, dir: &Entry, e: &std::fs::DirEntry, index: usize) -> Option<Entry> {
        let name = e.file_name();
        let shown = dir.shown.join(&name);
        let shown_str = display_path(&shown);
        if name.to_string_lossy().starts_with('.') {
            self.skip(shown_str, SkipReason::Hidden);
            return None;
        }
        let Ok(kind) = e.file_type() else {
            self.error(Diagnostic::file_error(&shown_str, "cannot read"));
            return None;
        };
        let wanted = has_extension(&shown, self.exts);
        let real = if kind.is_symlink() {
            match std::fs::canonicalize(e.path()) {
                Ok(real) => real,
                Err(_) if wanted => {
                    self.error(broken_link(&shown_str));
                    return None;
                }
                Err(_) => {
                    self.skip(shown_str, SkipReason::Extension);
                    return None;
                }
            }
        } else {
            dir.real.join(&name)
        };
        let meta = match std::fs::metadata(&real) {
            Ok(m) => m,
            Err(err) => {
                self.error(Diagnostic::file_error(
                    &shown_str,
                    format!("cannot read: {err}"),
                ));
                return None;
            }
        };
        if !meta.is_dir() && !wanted {
            self.skip(shown_str, SkipReason::Extension);
            return None;
        }
        if kind.is_symlink() && !self.inside(&real) {
            self.error(
                Diagnostic::file_error(
                    &shown_str,
                    "symbolic link to a place outside the paths being checked: not read",
                )
                .with_help(
                    "links are followed only within the files and folders given; give the target's folder too, or copy the file in",
                ),
            );
            return None;
        }
        if meta.is_dir() {
            return Some(Entry {
                shown,
                real,
                linked: kind.is_symlink(),
            });
        }
        if meta.is_file() {
            self.found.push((shown, real, index));
        } else {
            self.error(not_regular(&shown_str));
        }
        None
    }
}

/// Why a file could not be read by [`read_bounded`].
#[derive(Debug)]
pub enum ReadError {
    /// Larger than the limit (its size, when known).
    TooLarge(Option<u64>),
    /// A FIFO, socket, device or folder.
    NotRegular,
    /// Any other failure.
    Io(std::io::Error),
}

impl ReadError {
    /// The error as a diagnostic about the file `name`.
    pub fn diagnostic(&self, name: &str, limit: u64) -> Diagnostic {
        match self {
            ReadError::TooLarge(size) => Diagnostic::file_error(
                name,
                match size {
                    Some(n) => format!("file is {n} bytes, more than the limit of {limit} bytes"),
                    None => format!("file is more than the limit of {limit} bytes"),
                },
            )
            .with_help("split the file, or raise the limit with --max-file-size"),
            ReadError::NotRegular => not_regular(name),
            ReadError::Io(e) => Diagnostic::file_error(name, format!("cannot read file: {e}")),
        }
    }
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::TooLarge(_) => f.write_str("file is too large"),
            ReadError::NotRegular => f.write_str("not a regular file"),
            ReadError::Io(e) => e.fmt(f),
        }
    }
}

/// Read a regular file of at most `limit` bytes. Anything else is refused
/// before it is opened (a FIFO would block, `/dev/zero` never ends), and the
/// read itself stops past the limit, should the file grow meanwhile.
pub fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    use std::io::Read;
    let meta = std::fs::metadata(path).map_err(ReadError::Io)?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular);
    }
    if meta.len() > limit {
        return Err(ReadError::TooLarge(Some(meta.len())));
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    // Should the file be swapped for a FIFO after the check above, opening
    // it must not block.
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(ReadError::Io)?;
    if !file.metadata().map_err(ReadError::Io)?.is_file() {
        return Err(ReadError::NotRegular);
    }
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge(None));
    }
    Ok(bytes)
}

/// [`read_bounded`] as text; bytes that are not UTF-8 are an I/O error.
pub fn read_text_bounded(path: &Path, limit: u64) -> Result<String, ReadError> {
    String::from_utf8(read_bounded(path, limit)?).map_err(|e| {
        ReadError::Io(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "not valid UTF-8 (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        ))
    })
}

/// Read a file into the source map; problems become diagnostics.
pub fn read_into(
    sources: &mut SourceMap,
    path: &Path,
    limits: &InputLimits,
    errors: &mut Vec<Diagnostic>,
) -> Option<FileId> {
    add_read(sources, display_path(path), read_text(path, limits), errors)
}

/// Why a file's text could not be taken as it is.
enum TextError {
    /// Not read at all.
    Unreadable(Diagnostic),
    /// Read, but not UTF-8: the bytes and the error.
    NotUtf8(std::string::FromUtf8Error),
}

/// Read a file's text through the file policy's bounded reader (regular
/// files only, within the size limit). Needs no source map, so that files
/// can be read in parallel.
fn read_text(path: &Path, limits: &InputLimits) -> Result<String, TextError> {
    let bytes = read_bounded(path, limits.max_file_size).map_err(|e| {
        TextError::Unreadable(e.diagnostic(&display_path(path), limits.max_file_size))
    })?;
    String::from_utf8(bytes).map_err(TextError::NotUtf8)
}

/// Add what [`read_text`] returned to the source map; problems become
/// diagnostics.
fn add_read(
    sources: &mut SourceMap,
    name: String,
    text: Result<String, TextError>,
    errors: &mut Vec<Diagnostic>,
) -> Option<FileId> {
    match text {
        Ok(text) => Some(sources.add(name, text)),
        Err(TextError::Unreadable(d)) => {
            errors.push(d);
            None
        }
        Err(TextError::NotUtf8(e)) => {
            let at = e.utf8_error().valid_up_to();
            // The file is kept, with the bad bytes shown as U+FFFD, so that
            // the error can point at its line and column; it is not checked.
            // The valid prefix is unchanged, so `at` is still its offset.
            let shown = String::from_utf8_lossy(e.as_bytes()).into_owned();
            let id = sources.add(name, shown);
            let end = at + char::REPLACEMENT_CHARACTER.len_utf8();
            errors.push(
                Diagnostic::error(
                    Span::new(id, at, end),
                    format!("file is not valid UTF-8 (invalid byte at offset {at})"),
                )
                .with_label(match e.utf8_error().error_len() {
                    Some(_) => "not UTF-8",
                    None => "the file ends inside a character",
                })
                .with_help(
                    if e.as_bytes().starts_with(&[0xFF, 0xFE]) || e.as_bytes().starts_with(&[0xFE, 0xFF]) {
                        "the file is UTF-16 (it starts with a UTF-16 byte order mark); save it as UTF-8"
                    } else {
                        "save the file as UTF-8"
                    },
                ),
            );
            None
        }
    }
}

/// A path as shown in output: as given, with `/` separators.
pub fn display_path(path: &Path) -> String {
    let s = path.display().to_string();
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}

/// Check record files with a compiled rule set: the whole `sunlight check`.
pub fn check_paths(
    sources: &mut SourceMap,
    rules: &RuleSet,
    paths: &[PathBuf],
    limits: &InputLimits,
) -> Report {
    check_paths_showing(sources, rules, paths, limits, false)
}

/// Like [`check_paths`]; with `progress`, a line on standard error tells
/// how many files were read and how many records are being checked,
/// rewritten in place (for a terminal) and cleared at the end.
pub fn check_paths_showing(
    sources: &mut SourceMap,
    rules: &RuleSet,
    paths: &[PathBuf],
    limits: &InputLimits,
    progress: bool,
) -> Report {
    let mut errors = rules.errors.clone();
    let mut walked = walk(paths, RECORD_EXTENSIONS);
    errors.append(&mut walked.errors);
    let files: Vec<(PathBuf, usize)> = walked
        .files
        .into_iter()
        .filter(|(f, _)| {
            !rules
                .not_records
                .contains(&f.canonicalize().unwrap_or_else(|_| f.clone()))
        })
        .collect();
    // A folder given with no record file in it is most likely a mistyped
    // path: a run that checked nothing must not pass.
    for (index, given) in paths.iter().enumerate() {
        if given.is_dir() && !files.iter().any(|(_, i)| *i == index) {
            let shown = display_path(given);
            let skipped = walked
                .skipped
                .iter()
                .filter(|s| shown == "." || Path::new(&s.path).starts_with(&shown))
                .count();
            let mut help = "folders are searched for *.yaml, *.yml and *.json (in any case); hidden files and folders are skipped".to_string();
            if skipped > 0 {
                help.push_str(&format!("; {skipped} skipped here, listed with --verbose"));
            }
            errors.push(
                Diagnostic::file_error(shown, "no record files in this folder").with_help(help),
            );
        }
    }
    let files: Vec<PathBuf> = files.into_iter().map(|(f, _)| f).collect();
    // Files are read and their records validated in parallel; both results
    // come back in path order, so the report is the same on any number of
    // threads.
    let read: Vec<(String, Result<String, TextError>)> = files
        .par_iter()
        .map(|f| (display_path(f), read_text(f, limits)))
        .collect();
    let mut ids = Vec::new();
    let mut unreadable = 0;
    for (name, text) in read {
        match add_read(sources, name, text, &mut errors) {
            Some(id) => ids.push(id),
            None => unreadable += 1,
        }
    }
    let schema = &rules.program.schema;
    let shared: &SourceMap = sources;
    let (files_read, records_read) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let sets: Vec<check::FileSet> = ids
        .par_iter()
        .map(|&id| {
            let set = check::read_file(shared, id, schema, &limits.yaml);
            if progress {
                let records = records_read.fetch_add(set.infos.len(), Ordering::Relaxed);
                let done = files_read.fetch_add(1, Ordering::Relaxed) + 1;
                if done % 64 == 0 || done == ids.len() {
                    eprint!(
                        "\r{done} of {} files read, {} records",
                        ids.len(),
                        records + set.infos.len()
                    );
                }
            }
            set
        })
        .collect();
    let mut files = Vec::with_capacity(sets.len());
    let mut read = 0;
    let total = sets.len();
    for (n, mut set) in sets.into_iter().enumerate() {
        let id = set.file;
        read += set.infos.len();
        if read > limits.max_records {
            // The records of this file were read: they are reported as not
            // checked rather than left out of the counts, and references to
            // them still resolve.
            set.reject_all();
            files.push(set);
            errors.push(
                Diagnostic::file_error(
                    sources.name(id),
                    format!(
                        "more than {} records: this file and the {} after it were not checked",
                        limits.max_records,
                        total - n - 1
                    ),
                )
                .with_help("check fewer files at a time, or raise the limit with --max-records"),
            );
            unreadable += total - n - 1;
            break;
        }
        files.push(set);
    }
    let refs: Vec<&check::FileSet> = files.iter().collect();
    if progress {
        let records: usize = files.iter().map(|f| f.records.len()).sum();
        eprint!(
            "\r\x1b[K{} files read, checking {records} records against {} rules…",
            files.len(),
            rules.program.rules.len()
        );
    }
    let mut report = check::evaluate(&rules.program, &refs, sources);
    if progress {
        eprint!("\r\x1b[K");
    }
    report.summary.files += unreadable;
    errors.append(&mut report.errors);
    report.errors = errors;
    report.skipped = walked.skipped;
    report.configuration = rules.configuration.clone();
    report
}
