//! Finding and reading the files of a run: the rule set (embedded, extra
//! folders, imports, parameter file) and the record files. Shared by the
//! command line and the language server.

use std::path::{Path, PathBuf};

use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;

use crate::check::{self, ParamOverride, Program};
use crate::diag::Diagnostic;
use crate::records::Limits;
use crate::report::Report;
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
    /// Rule ids switched off.
    pub disabled: Vec<String>,
}

/// The project file read from the current folder or its nearest parent.
pub const CONFIG_FILE: &str = "sunlight.toml";

/// `sunlight.toml`: project settings shared by `sunlight check` and the
/// language server, so that editor and CI agree.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    /// Extra rule files or folders, relative to the project file.
    #[serde(default)]
    rules: Vec<PathBuf>,
    /// A parameter file, relative to the project file.
    params: Option<PathBuf>,
    /// Rule ids switched off.
    #[serde(default)]
    disable: Vec<String>,
    /// `false` drops the embedded standard rules.
    default_rules: Option<bool>,
}

/// The nearest `sunlight.toml` at or above `start`.
pub fn find_config(start: &Path) -> Option<PathBuf> {
    let start = start.canonicalize().unwrap_or_else(|_| start.to_path_buf());
    start
        .ancestors()
        .map(|d| d.join(CONFIG_FILE))
        .find(|p| p.is_file())
}

/// Read a project file into rule options, paths made relative to its folder.
pub fn read_config(path: &Path) -> Result<RuleOptions, Diagnostic> {
    let name = display_path(path);
    let text = std::fs::read_to_string(path)
        .map_err(|e| Diagnostic::file_error(&name, format!("cannot read: {e}")))?;
    let cfg: ConfigFile = toml::from_str(&text).map_err(|e| {
        let mut d = Diagnostic::file_error(&name, format!("invalid project file: {}", e.message()))
            .with_help("keys are `rules` (list of paths), `params` (a path), `disable` (list of rule ids) and `default_rules` (true/false)");
        if let Some(r) = e.span() {
            let at = crate::source::LineIndex::new(&text).line_col(&text, r.start);
            d.message = format!("{} (line {}, column {})", d.message, at.line, at.column);
        }
        d
    })?;
    let base = path.parent().unwrap_or(Path::new("."));
    let rel = |p: PathBuf| if p.is_absolute() { p } else { base.join(p) };
    Ok(RuleOptions {
        no_default_rules: cfg.default_rules == Some(false),
        rules: cfg.rules.into_iter().map(rel).collect(),
        params: cfg.params.map(rel),
        disabled: cfg.disable,
    })
}

impl RuleOptions {
    /// These options with a project file's settings underneath: the project
    /// file's rules and disabled rules come first, command-line flags add to
    /// them, and a command-line parameter file wins.
    pub fn over(self, project: RuleOptions) -> RuleOptions {
        let mut rules = project.rules;
        rules.extend(self.rules);
        let mut disabled = project.disabled;
        disabled.extend(self.disabled);
        RuleOptions {
            no_default_rules: self.no_default_rules || project.no_default_rules,
            rules,
            params: self.params.or(project.params),
            disabled,
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
}

/// Load, parse and compile the rules of a run into `sources`.
pub fn load_rules(sources: &mut SourceMap, opts: &RuleOptions, limits: &InputLimits) -> RuleSet {
    let mut errors = Vec::new();
    let mut files = Vec::new();
    if !opts.no_default_rules {
        for (name, text) in check::STANDARD_RULES {
            files.push(sources.add(check::embedded_name(name), *text));
        }
    }
    let mut paths = Vec::new();
    for p in &opts.rules {
        if p.is_dir() {
            collect(p, &["rules"], &mut paths, &mut errors);
        } else {
            paths.push(p.clone());
        }
    }
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
    let mut overrides: Vec<ParamOverride> = Vec::new();
    if let Some(p) = &opts.params
        && let Some(id) = read_into(sources, p, limits, &mut errors)
    {
        let (o, e) = check::read_params(id, sources, &limits.yaml);
        overrides = o;
        errors.extend(e);
    }
    let (program, compile_errors) = check::compile_files(
        sources,
        &files,
        &overrides,
        &opts.disabled,
        limits.max_expr_depth,
    );
    errors.extend(compile_errors);
    let not_records = opts
        .params
        .iter()
        .map(|p| p.canonicalize().unwrap_or_else(|_| p.clone()))
        .collect();
    RuleSet {
        program,
        files,
        errors,
        not_records,
    }
}

/// Rule files under the given paths: files as given, folders searched
/// recursively for `*.rules`. Sorted by path.
pub fn rule_files(paths: &[PathBuf], errors: &mut Vec<Diagnostic>) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            collect(p, &["rules"], &mut out, errors);
        } else if p.exists() {
            out.push(p.clone());
        } else {
            errors.push(Diagnostic::file_error(
                p.display().to_string(),
                "no such file or folder",
            ));
        }
    }
    out.sort();
    out.dedup();
    out
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
/// recursively for `*.yaml`, `*.yml` and `*.json`. Sorted by path.
pub fn record_files(paths: &[PathBuf], errors: &mut Vec<Diagnostic>) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            collect(p, &["yaml", "yml", "json"], &mut out, errors);
        } else if p.exists() {
            out.push(p.clone());
        } else {
            errors.push(
                Diagnostic::file_error(p.display().to_string(), "no such file or folder")
                    .with_help("check the path; folders are searched for *.yaml, *.yml and *.json"),
            );
        }
    }
    out.sort();
    out.dedup();
    out
}

fn collect(dir: &Path, exts: &[&str], out: &mut Vec<PathBuf>, errors: &mut Vec<Diagnostic>) {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = match std::fs::read_dir(&d) {
            Ok(e) => e,
            Err(e) => {
                errors.push(Diagnostic::file_error(
                    d.display().to_string(),
                    format!("cannot read folder: {e}"),
                ));
                continue;
            }
        };
        let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        entries.sort();
        for path in entries {
            let hidden = path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.'));
            if hidden {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else if path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| exts.contains(&e))
            {
                out.push(path);
            }
        }
    }
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
enum ReadError {
    /// Not read at all.
    Unreadable(Diagnostic),
    /// Read, but not UTF-8: the bytes and the error.
    NotUtf8(std::string::FromUtf8Error),
}

/// Read a file's text, within the size limit. Needs no source map, so that
/// files can be read in parallel.
fn read_text(path: &Path, limits: &InputLimits) -> Result<String, ReadError> {
    let name = || display_path(path);
    match std::fs::metadata(path) {
        Ok(m) if m.len() > limits.max_file_size => {
            return Err(ReadError::Unreadable(
                Diagnostic::file_error(
                    name(),
                    format!(
                        "file is {} bytes, more than the limit of {} bytes",
                        m.len(),
                        limits.max_file_size
                    ),
                )
                .with_help("split the file, or raise the limit with --max-file-size"),
            ));
        }
        Err(e) => {
            return Err(ReadError::Unreadable(Diagnostic::file_error(
                name(),
                format!("cannot read file: {e}"),
            )));
        }
        Ok(_) => {}
    }
    let bytes = std::fs::read(path).map_err(|e| {
        ReadError::Unreadable(Diagnostic::file_error(
            name(),
            format!("cannot read file: {e}"),
        ))
    })?;
    String::from_utf8(bytes).map_err(ReadError::NotUtf8)
}

/// Add what [`read_text`] returned to the source map; problems become
/// diagnostics.
fn add_read(
    sources: &mut SourceMap,
    name: String,
    text: Result<String, ReadError>,
    errors: &mut Vec<Diagnostic>,
) -> Option<FileId> {
    match text {
        Ok(text) => Some(sources.add(name, text)),
        Err(ReadError::Unreadable(d)) => {
            errors.push(d);
            None
        }
        Err(ReadError::NotUtf8(e)) => {
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
    let files: Vec<PathBuf> = record_files(paths, &mut errors)
        .into_iter()
        .filter(|f| {
            !rules
                .not_records
                .contains(&f.canonicalize().unwrap_or_else(|_| f.clone()))
        })
        .collect();
    // Files are read and their records validated in parallel; both results
    // come back in path order, so the report is the same on any number of
    // threads.
    let read: Vec<(String, Result<String, ReadError>)> = files
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
    report
}
