//! The project model: what a run of `sunlight check`, `sunlight test`,
//! `sunlight diff` and the language server is made of, loaded the same way
//! by all of them: the project file (`sunlight.toml`), the embedded and
//! extra rule files with their imports, the parameter files, the run date,
//! which files are records, and the waivers and baseline applied to the
//! findings.

use std::path::{Path, PathBuf};

use crate::check::{self, Compiled, ParamOverride, Program, Symbols};
use crate::diag::Diagnostic;
use crate::report::{Configuration, Report};
use crate::source::{FileId, SourceMap, Span};
use crate::suppress;
use crate::syntax::{self, ast};
use crate::workspace::{
    InputLimits, RECORD_EXTENSIONS, display_path, read_into, read_text_bounded, walk_keeping,
};

mod config;
mod run;
pub use config::{
    CONFIG_FILE, ConfigFile, RuleOptions, find_config, load_config, parse_config, read_config,
};
pub(crate) use run::free_apart;
pub use run::{RunOptions, check_paths, check_paths_showing, restore_shown};

/// A compiled rule set with the problems found on the way.
#[derive(Debug)]
pub struct RuleSet {
    /// The program.
    pub program: Program,
    /// The editor's index of the names in the rule files.
    pub symbols: Symbols,
    /// Rule file ids, in load order.
    pub files: Vec<FileId>,
    /// Problems with the project file, rule and parameter files.
    pub errors: Vec<Diagnostic>,
    /// Files that are not records though they may sit among them (the
    /// project, parameter, waiver and baseline files).
    pub not_records: Vec<PathBuf>,
    /// What the project file and the flags changed.
    pub configuration: Configuration,
}

/// A baseline file as read: its name as shown and its text, or why it
/// could not be read.
#[derive(Debug, Clone)]
struct Baseline {
    name: String,
    text: Result<String, Diagnostic>,
}

/// A project loaded into a source map: the options in force (project file
/// and flags merged) and the files read for them. Rule files are compiled
/// by [`Project::compile`], so that an editor can compile them again after
/// an edit without reading anything from disk.
#[derive(Debug, Default)]
pub struct Project {
    /// The options in force.
    pub opts: RuleOptions,
    /// Rule files, embedded first, then the extra ones and those they
    /// import, in load order.
    pub rule_files: Vec<FileId>,
    /// How many of `rule_files` are the embedded standard library.
    pub embedded: usize,
    /// Where the rule files other than the embedded ones were read from
    /// (or were to be), canonical where they exist.
    pub rule_paths: Vec<PathBuf>,
    /// Parameter files, in the order their keys apply (the later wins).
    pub param_files: Vec<FileId>,
    /// The project file, when one was read.
    pub config_file: Option<FileId>,
    /// The waiver file, when one was read.
    pub waiver_file: Option<FileId>,
    baseline: Option<Baseline>,
    /// Where each of `opts.disabled` is written: in the project file, or
    /// `None` for a `--disable` flag.
    disabled_at: Vec<Option<Span>>,
    /// Problems met while loading (project file, rule and parameter files
    /// that cannot be read, imports that lead nowhere).
    pub errors: Vec<Diagnostic>,
    /// Files that are not records though they may sit among them.
    pub not_records: Vec<PathBuf>,
}

/// Load, parse and compile the rules of a run into `sources`.
pub fn load_rules(sources: &mut SourceMap, opts: &RuleOptions, limits: &InputLimits) -> RuleSet {
    Project::load(sources, opts, limits).compile(sources, limits)
}

impl Project {
    /// Read a project into `sources`: the project file named by
    /// `opts.config` under the options, the embedded rules (unless left
    /// out), the extra rule files with every file they import, the
    /// parameter files and the waiver file. Problems are kept in
    /// [`Project::errors`], at their place; each spoils only itself.
    pub fn load(sources: &mut SourceMap, opts: &RuleOptions, limits: &InputLimits) -> Project {
        Project::load_with(sources, opts, limits, None)
    }

    /// Like [`Project::load`], with the project file's text given (an
    /// editor's unsaved text) rather than read from `opts.config`.
    pub fn load_with(
        sources: &mut SourceMap,
        opts: &RuleOptions,
        limits: &InputLimits,
        config_text: Option<String>,
    ) -> Project {
        let mut errors = Vec::new();
        let mut disabled_at: Vec<Option<Span>> = Vec::new();
        let mut config_file = None;
        // The files the project file names stay out of the records even
        // when flags name others or the project file is broken.
        let mut set_aside = Vec::new();
        let opts = match &opts.config {
            Some(path) => {
                let before = sources.len();
                let file = match config_text {
                    Some(text) => {
                        let id = sources.add(display_path(path), text);
                        parse_config(sources, id, path, &mut errors)
                    }
                    None => load_config(sources, path, limits, &mut errors),
                };
                if sources.len() > before {
                    config_file = u32::try_from(before).ok().map(FileId);
                }
                disabled_at.extend(file.disabled_at.iter().copied().map(Some));
                set_aside.extend(file.named.iter().cloned());
                opts.clone().over(file.opts)
            }
            None => opts.clone(),
        };
        disabled_at.resize(opts.disabled.len(), None);
        let mut rule_files = Vec::new();
        if !opts.no_default_rules {
            for (name, text) in check::STANDARD_RULES {
                rule_files.push(sources.add(check::embedded_name(name), *text));
            }
        }
        let embedded = rule_files.len();
        let mut paths = crate::workspace::rule_files(&opts.rules, &mut errors);
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
            rule_files.push(id);
            paths.extend(imports(sources, id, &path, limits, &mut errors));
        }
        // The project file's parameters first, then the command line's: the
        // later value of a key wins, the others stay.
        let param_files = opts
            .base_params
            .iter()
            .chain(&opts.params)
            .filter_map(|p| read_into(sources, p, limits, &mut errors))
            .collect();
        let waiver_file = opts
            .waivers
            .as_ref()
            .and_then(|p| read_into(sources, p, limits, &mut errors));
        let baseline = opts.baseline.as_ref().map(|p| {
            let name = display_path(p);
            let text = read_text_bounded(p, limits.max_file_size)
                .map_err(|e| Diagnostic::file_error(&name, format!("cannot read baseline: {e}")));
            Baseline { name, text }
        });
        let not_records = opts
            .params
            .iter()
            .chain(&opts.base_params)
            .chain(&opts.config)
            .chain(&opts.waivers)
            .chain(&opts.baseline)
            .chain(&set_aside)
            .map(|p| canonical(p))
            .collect();
        Project {
            opts,
            rule_files,
            embedded,
            rule_paths: loaded,
            param_files,
            config_file,
            waiver_file,
            baseline,
            disabled_at,
            errors,
            not_records,
        }
    }

    /// Take a project file's new settings in place when they name the same
    /// files as those in force (rule, parameter, waiver and baseline files,
    /// and the embedded rules or not): the disabled rules and the run date
    /// change only how the rules compile, and nothing need be read again.
    /// For a project loaded from its project file with no flags over it
    /// (the editor's), `file` read from the project file's text, the file
    /// `id`. False, and nothing changed, when the files differ: the project
    /// is to be loaded again.
    pub fn retake_config(&mut self, id: FileId, file: ConfigFile, sources: &SourceMap) -> bool {
        let (old, new) = (&self.opts, &file.opts);
        let same_files = self.config_file == Some(id)
            && old.base_params.is_none()
            && old.rules == new.rules
            && old.params == new.params
            && old.waivers == new.waivers
            && old.baseline == new.baseline
            && old.no_default_rules == new.no_default_rules
            && file
                .named
                .iter()
                .all(|p| self.not_records.contains(&canonical(p)));
        if !same_files {
            return false;
        }
        self.opts.disabled = file.opts.disabled;
        self.opts.today = file.opts.today;
        self.disabled_at = file.disabled_at.into_iter().map(Some).collect();
        // The project file's problems were those of its old text.
        let name = sources.name(id);
        self.errors.retain(|d| match d.span {
            Some(span) => span.file != id,
            None => d.file.as_deref() != Some(name),
        });
        true
    }

    /// The parameter overrides of the parameter files, with their problems.
    pub fn overrides(
        &self,
        sources: &SourceMap,
        limits: &InputLimits,
    ) -> (Vec<ParamOverride>, Vec<Diagnostic>) {
        let mut overrides = Vec::new();
        let mut errors = Vec::new();
        for &id in &self.param_files {
            let (o, e) = check::read_params(id, sources, &limits.yaml);
            overrides.extend(o);
            errors.extend(e);
        }
        (overrides, errors)
    }

    /// Compile `files` (rule files in `sources`) with the project's
    /// parameters, disabled rules and run date; the problems of the
    /// parameter files come first.
    pub fn compile_files(
        &self,
        sources: &SourceMap,
        files: &[FileId],
        limits: &InputLimits,
    ) -> Compiled {
        let (overrides, mut errors) = self.overrides(sources, limits);
        let mut compiled = self.compile_with(sources, files, &overrides, limits);
        errors.append(&mut compiled.errors);
        compiled.errors = errors;
        compiled
    }

    /// Compile `files` with the given parameter overrides, the project's
    /// disabled rules and run date.
    fn compile_with(
        &self,
        sources: &SourceMap,
        files: &[FileId],
        overrides: &[ParamOverride],
        limits: &InputLimits,
    ) -> Compiled {
        let mut compiled = check::compile_files(
            sources,
            files,
            overrides,
            &self.opts.disabled,
            limits.max_expr_depth,
        );
        if let Some(today) = self.opts.today {
            compiled.program.set_today(today);
        }
        compiled
    }

    /// Compile the project's rule files as they are now in `sources`.
    pub fn compile(&self, sources: &SourceMap, limits: &InputLimits) -> RuleSet {
        let (overrides, override_errors) = self.overrides(sources, limits);
        let Compiled {
            program,
            symbols,
            errors: compile_errors,
        } = self.compile_with(sources, &self.rule_files, &overrides, limits);
        let mut errors = self.errors.clone();
        errors.extend(override_errors);
        errors.extend(compile_errors);
        errors.extend(unknown_disabled(
            &symbols,
            &self.opts.disabled,
            &self.disabled_at,
            None,
        ));
        let configuration = self.configuration(sources, &symbols, &overrides);
        RuleSet {
            program,
            symbols,
            files: self.rule_files.clone(),
            errors,
            not_records: self.not_records.clone(),
            configuration,
        }
    }

    /// What the project file and the flags changed, for the reports.
    fn configuration(
        &self,
        sources: &SourceMap,
        symbols: &Symbols,
        overrides: &[ParamOverride],
    ) -> Configuration {
        let opts = &self.opts;
        let mut overridden: Vec<String> = Vec::new();
        for o in overrides {
            if !overridden.contains(&o.name) {
                overridden.push(o.name.clone());
            }
        }
        let known: Vec<&str> = symbols.rule_ids().collect();
        let mut disabled: Vec<String> = opts
            .disabled
            .iter()
            .filter(|d| known.contains(&d.as_str()))
            .cloned()
            .collect();
        disabled.sort();
        disabled.dedup();
        Configuration {
            project_file: opts.config.as_deref().map(display_path),
            default_rules: !opts.no_default_rules,
            rules: self
                .rule_files
                .iter()
                .skip(self.embedded)
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
        }
    }

    /// Whether `path`, found under `base`, is a record file: see
    /// [`is_record`].
    pub fn is_record(&self, path: &Path, base: Option<&Path>) -> bool {
        is_record(path, base, &self.not_records)
    }

    /// Mark the findings of `report` that the waivers and the baseline
    /// cover, and report their problems. `complete` says whether the
    /// report holds every finding of the project: only then does a waiver
    /// that matches nothing say so (an editor evaluates only what it shows).
    /// The input problems stay in place order ([`check::sort_errors`]).
    pub fn suppress(
        &self,
        report: &mut Report,
        sources: &SourceMap,
        today: crate::date::Date,
        complete: bool,
    ) {
        if let Some(id) = self.waiver_file {
            let (waivers, errors) = suppress::read_waivers(id, sources);
            report.errors.extend(errors);
            suppress::apply_waivers(report, &waivers, today, complete);
        }
        if let Some(baseline) = &self.baseline {
            let result = baseline
                .text
                .clone()
                .and_then(|text| suppress::apply_baseline(report, sources, &text, &baseline.name));
            if let Err(d) = result {
                report.errors.push(d);
            }
        }
        check::sort_errors(&mut report.errors, sources);
    }
}

/// `path` made canonical, or as it is when it cannot be.
fn canonical(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}

/// The files a rule file imports (`import "…"`, relative to it); an import
/// of a file that does not exist is an error at its place.
fn imports(
    sources: &SourceMap,
    id: FileId,
    path: &Path,
    limits: &InputLimits,
    errors: &mut Vec<Diagnostic>,
) -> Vec<PathBuf> {
    let Some(text) = sources.get(id).map(|f| f.text.clone()) else {
        return Vec::new();
    };
    let parsed = syntax::parse_with(id, &text, limits.max_expr_depth);
    let mut found = Vec::new();
    for decl in &parsed.file.decls {
        let ast::DeclKind::Import(t) = &decl.kind else {
            continue;
        };
        let Some(rel) = t.as_plain() else { continue };
        let target = path.parent().unwrap_or(Path::new(".")).join(&rel);
        if target.exists() {
            found.push(target);
        } else {
            errors.push(
                Diagnostic::error(t.span, format!("cannot import `{rel}`: no such file"))
                    .with_help(format!(
                        "the path is read relative to this file: {}",
                        target.display()
                    )),
            );
        }
    }
    found
}

/// The record files under `paths` (see [`crate::workspace::walk`]), by the record-file
/// policy ([`is_record`]), each with the index of the path it was found
/// under: how the command line, `sunlight diff` and the editor find them.
pub fn record_walk(paths: &[PathBuf], not_records: &[PathBuf]) -> crate::workspace::Walk {
    // A rule file given where records go was meant for `--rules`: read as
    // YAML it would only fail with a syntax error on its first comment.
    let rule_file = |i: usize| {
        paths.get(i).is_some_and(|p| {
            p.is_file()
                && p.extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("rules"))
        })
    };
    let mut walk = walk_keeping(paths, RECORD_EXTENSIONS, |f, real, i| {
        !rule_file(i) && is_record_at(f, real, paths.get(i).map(PathBuf::as_path), not_records)
    });
    for (i, p) in paths.iter().enumerate() {
        if rule_file(i) {
            let shown = display_path(p);
            walk.errors.push(
                Diagnostic::file_error(shown.clone(), "a rule file, given where record files go")
                    .with_help(format!("give rule files with `--rules {shown}`")),
            );
        }
    }
    walk
}

/// The record-file policy, one for the command line and the editor:
/// `path` (found under the folder `base`, when given) is a record file
/// unless it is one of `not_records` (the project, parameter, waiver and
/// baseline files) or a folder below `base` on its way is skipped by the
/// walk (hidden, like `.github` or `.vscode`, or build output, `target`),
/// or it is hidden itself.
pub fn is_record(path: &Path, base: Option<&Path>, not_records: &[PathBuf]) -> bool {
    is_record_at(path, &canonical(path), base, not_records)
}

/// [`is_record`] of a file whose canonical path `real` is known already,
/// as the walk knows it: an archive's thousands of files are not each
/// resolved again, component by component.
fn is_record_at(path: &Path, real: &Path, base: Option<&Path>, not_records: &[PathBuf]) -> bool {
    if let Some(below) = base.and_then(|b| path.strip_prefix(b).ok()) {
        let names: Vec<&std::ffi::OsStr> = below
            .components()
            .filter_map(|c| match c {
                std::path::Component::Normal(n) => Some(n),
                _ => None,
            })
            .collect();
        let last = names.len().saturating_sub(1);
        let skipped = names
            .iter()
            .enumerate()
            .any(|(n, name)| crate::workspace::skipped_name(name, n < last).is_some());
        if skipped {
            return false;
        }
    }
    !not_records.iter().any(|n| n == real)
}

/// Warnings for disabled ids no rule declared (in `symbols`) has: at their
/// place in the project file where it is known (`at`), else about the
/// project file `config` when given, else naming the `--disable` flag.
pub fn unknown_disabled(
    symbols: &Symbols,
    ids: &[String],
    at: &[Option<Span>],
    config: Option<&str>,
) -> Vec<Diagnostic> {
    let known: Vec<&str> = symbols.rule_ids().collect();
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
            (None, Some(file)) => Diagnostic::file_warning(file, message).with_help(help),
            (None, None) => Diagnostic {
                span: None,
                ..Diagnostic::warning(Span::default(), format!("`--disable {id}`: {message}"))
            }
            .with_help(help),
        });
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_record_policy_skips_hidden_build_and_project_files() {
        let base = Path::new("/w");
        let params = PathBuf::from("/w/config/params.yaml");
        let not_records = std::slice::from_ref(&params);
        let record = |p: &str| is_record(Path::new(p), Some(base), not_records);
        assert!(record("/w/records/a.yaml"));
        assert!(!record("/w/.vscode/settings.json"));
        assert!(!record("/w/.github/workflows/ci.yml"));
        assert!(!record("/w/records/.draft.yaml"));
        assert!(!record("/w/target/debug/a.yaml"));
        assert!(!record("/w/config/params.yaml"));
        // A file named `target` is not a build folder.
        assert!(record("/w/records/target.yaml"));
        // Only what lies below the base counts: the base may be hidden.
        assert!(is_record(
            Path::new("/tmp/.x/records/a.yaml"),
            Some(Path::new("/tmp/.x")),
            &[]
        ));
    }

    /// A project folder with a waiver file and a baseline named in its
    /// `sunlight.toml`.
    fn project_with(toml: &str, files: &[(&str, &str)]) -> (tempfile::TempDir, SourceMap, Project) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(CONFIG_FILE), toml).unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        let opts = RuleOptions {
            config: Some(dir.path().join(CONFIG_FILE)),
            ..RuleOptions::default()
        };
        let mut sources = SourceMap::new();
        let project = Project::load(&mut sources, &opts, &InputLimits::default());
        (dir, sources, project)
    }

    #[test]
    fn waivers_and_baseline_come_from_the_project_file() {
        let (dir, sources, project) = project_with(
            "waivers = \"waivers.yaml\"\nbaseline = \"old.json\"\n",
            &[("waivers.yaml", "waivers: []\n"), ("old.json", "{}")],
        );
        assert!(project.errors.is_empty(), "{:?}", project.errors);
        assert!(project.waiver_file.is_some());
        let waivers = dir.path().join("waivers.yaml").canonicalize().unwrap();
        assert!(!project.is_record(&waivers, Some(dir.path())));
        assert!(!project.is_record(&dir.path().join("old.json"), Some(dir.path())));
        // Neither is a parameter file.
        assert!(project.param_files.is_empty());
        assert_eq!(project.rule_files.len(), check::STANDARD_RULES.len());
        assert!(sources.len() > project.rule_files.len());
    }

    #[test]
    fn a_bad_setting_spoils_only_itself() {
        let (_dir, sources, project) = project_with(
            "waivers = 3\ndisable = [\"NO-SUCH\"]\nparams = \"p.yaml\"\n",
            &[("p.yaml", "大额资金标准: 10万\n")],
        );
        let messages: Vec<&str> = project.errors.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(messages, ["`waivers` must be a path"]);
        assert_eq!(project.param_files.len(), 1);
        let rules = project.compile(&sources, &InputLimits::default());
        // The unknown id is a warning at its place in the project file.
        let unknown = rules
            .errors
            .iter()
            .find(|d| d.message.contains("NO-SUCH"))
            .unwrap();
        assert_eq!(unknown.span.map(|s| s.file), project.config_file);
        assert_eq!(rules.configuration.overridden, ["大额资金标准"]);
    }
}
