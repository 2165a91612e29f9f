//! The project file, `sunlight.toml`: where it is found, what its keys
//! mean, and the options of a run with the command line's flags over it.

use std::path::{Path, PathBuf};

use crate::diag::Diagnostic;
use crate::source::{FileId, SourceMap, Span};
use crate::workspace::{InputLimits, display_path, read_into};

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
    /// [`super::Project::load`].
    pub config: Option<PathBuf>,
    /// The run date (`today = …` in the project file).
    pub today: Option<crate::date::Date>,
    /// A waiver file: approved exceptions.
    pub waivers: Option<PathBuf>,
    /// A baseline: an earlier JSON report whose findings are known.
    pub baseline: Option<PathBuf>,
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
    ("waivers", "a waiver file"),
    ("baseline", "an earlier JSON report"),
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
pub struct ConfigFile {
    /// The settings, paths made relative to the project file's folder.
    pub opts: RuleOptions,
    /// Where each of `opts.disabled` is written.
    pub disabled_at: Vec<Span>,
    /// Every existing file the project file names, in any setting, even
    /// one left out or in a file that does not parse: none is a record.
    pub named: Vec<PathBuf>,
}

/// Read a project file (`sunlight.toml`: project settings shared by
/// `sunlight check` and the language server, so that editor and CI agree)
/// into `sources`, and take its settings (see [`parse_config`]). A file
/// that cannot be read gives no settings.
pub fn load_config(
    sources: &mut SourceMap,
    path: &Path,
    limits: &InputLimits,
    errors: &mut Vec<Diagnostic>,
) -> ConfigFile {
    match read_into(sources, path, limits, errors) {
        Some(id) => parse_config(sources, id, path, errors),
        None => ConfigFile::default(),
    }
}

/// The settings of the project file at `path` whose text is the file `id`
/// of `sources`: read from disk, or an editor's unsaved text. Its problems
/// are diagnostics at their place, and each spoils only itself: an unknown
/// key, a value that does not parse or is of the wrong type, or a path
/// that does not exist is left out and the rest of the file holds. A text
/// whose structure is broken (an unclosed bracket, a bad key) cannot be
/// read key by key: it gives no settings, and an error says so.
pub fn parse_config(
    sources: &SourceMap,
    id: FileId,
    path: &Path,
    errors: &mut Vec<Diagnostic>,
) -> ConfigFile {
    let mut project = ConfigFile::default();
    let text = sources.get(id).map(|f| f.text.clone()).unwrap_or_default();
    let span = |r: std::ops::Range<usize>| Span::new(id, r.start, r.end.max(r.start));
    let base = path.parent().unwrap_or(Path::new("."));
    let (table, mut broken) = toml::de::DeTable::parse_recoverable(&text);
    let table = table.into_inner();
    // Whatever else is wrong, a file the project file names is not a
    // record: a parameter file read as records gives errors of its own
    // and hides the one that matters.
    for value in table.values() {
        named_files(base, value.get_ref(), &mut project.named);
    }
    broken.sort_by_key(|e| e.span().map(|r| r.start));
    // An error inside a one-line scalar value (a date that does not exist,
    // an unquoted path) spoils that setting alone; any other leaves the
    // file's structure in doubt.
    let mut spoiled: Vec<(&str, Diagnostic)> = Vec::new();
    for e in &broken {
        let within = e.span().and_then(|r| {
            table.iter().find(|(_, v)| {
                let at = v.span();
                !matches!(
                    v.get_ref(),
                    toml::de::DeValue::Array(_) | toml::de::DeValue::Table(_)
                ) && at.start <= r.start
                    && r.end <= at.end
                    && !text.get(at.clone()).is_some_and(|t| t.contains('\n'))
            })
        });
        let message = e.message().trim_end();
        match (within, e.span()) {
            (Some((key, value)), _) => {
                let name: &str = key.get_ref();
                let help = if name == "today" {
                    "write the run date as `today = YYYY-MM-DD`; this setting is left out"
                } else {
                    "this setting is left out; the rest of the file holds"
                };
                spoiled.push((
                    name,
                    Diagnostic::error(span(value.span()), format!("invalid `{name}`: {message}"))
                        .with_help(help),
                ));
            }
            (None, at) => {
                let message = format!(
                    "invalid project file: {message}; its rules, parameters and other settings were not applied"
                );
                let d = match at {
                    Some(r) => Diagnostic::error(span(r), message),
                    None => Diagnostic::file_error(display_path(path), message),
                };
                errors.push(d.with_help(
                    "a project file that does not parse applies none of its settings, and the run fails rather than pass with the default rules and thresholds",
                ));
                return ConfigFile {
                    named: project.named,
                    ..ConfigFile::default()
                };
            }
        }
    }
    let keys_help = {
        let keys: Vec<String> = CONFIG_KEYS
            .iter()
            .map(|(k, what)| format!("`{k}` ({what})"))
            .collect();
        format!("the keys are {}", keys.join(", "))
    };
    let mut found: Vec<Diagnostic> = Vec::new();
    for (key, value) in &table {
        let name: &str = key.get_ref();
        let known = CONFIG_KEYS.iter().any(|(k, _)| *k == name);
        if let Some(n) = spoiled.iter().position(|(k, _)| *k == name && known) {
            found.push(spoiled.swap_remove(n).1);
            continue;
        }
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
            "params" | "waivers" | "baseline" => match value.get_ref().as_str() {
                Some(s) => {
                    let path = existing(base, s, at, &mut found);
                    let slot = match name {
                        "params" => &mut project.opts.params,
                        "waivers" => &mut project.opts.waivers,
                        _ => &mut project.opts.baseline,
                    };
                    *slot = path;
                }
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

/// The existing files named by the strings in `value`, relative to `base`.
fn named_files(base: &Path, value: &toml::de::DeValue<'_>, out: &mut Vec<PathBuf>) {
    match value {
        toml::de::DeValue::String(s) => {
            let full = base.join(s.as_ref());
            if full.is_file() {
                out.push(full);
            }
        }
        toml::de::DeValue::Array(items) => {
            for item in items {
                named_files(base, item.get_ref(), out);
            }
        }
        toml::de::DeValue::Table(table) => {
            for item in table.values() {
                named_files(base, item.get_ref(), out);
            }
        }
        _ => {}
    }
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
            waivers: self.waivers.or(project.waivers),
            baseline: self.baseline.or(project.baseline),
        }
    }
}
