//! Where `sunlight check` writes its reports: the formats, `--output`
//! files, and what the HTML page says of the run.

use std::path::{Path, PathBuf};

use clap::ValueEnum;

use sunlight::project::{self, Project};
use sunlight::report::{self, Report, Severity};
use sunlight::source::SourceMap;
use sunlight::workspace::{self, InputLimits};

use super::args::{CheckArgs, Format};

pub(super) fn render(
    format: Format,
    report: &Report,
    sources: &SourceMap,
    color: bool,
    verbose: bool,
    scope: &report::html::Scope,
    fail_at: Option<Severity>,
) -> String {
    match format {
        Format::Html => report::html::render(report, sources, scope),
        Format::Human => report::human::render_verbose(report, sources, color, verbose),
        Format::Json => report::json::render(report, sources),
        Format::Sarif => report::sarif::render(report, sources),
        Format::Junit => report::junit::render(report, sources, fail_at),
        Format::Github => report::github::render(report, sources),
    }
}

/// `FORMAT=FILE`, or a file whose extension names the format.
pub(super) fn parse_output(spec: &str) -> Result<(Format, PathBuf), String> {
    if let Some((fmt, file)) = spec.split_once('=') {
        let format = Format::from_str(fmt, true).map_err(|_| format!("unknown format `{fmt}` in `--output {spec}`: use human, json, sarif, junit, github or html"))?;
        return Ok((format, PathBuf::from(file)));
    }
    let path = PathBuf::from(spec);
    // `report.JSON` is as much a JSON file as `report.json`.
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let format = match extension.as_deref() {
        Some("json") => Format::Json,
        Some("sarif") => Format::Sarif,
        Some("xml") => Format::Junit,
        Some("txt") => Format::Human,
        Some("html" | "htm") => Format::Html,
        _ => {
            return Err(format!(
                "cannot tell the format of `{spec}` from its extension: write `sarif={spec}` (or json, junit, github, human, html)"
            ));
        }
    };
    Ok((format, path))
}

/// Two `--output` flags naming one file: the second would overwrite the first.
pub(super) fn repeated_output(outputs: &[(Format, PathBuf)]) -> Option<String> {
    let key = |p: &Path| {
        let dir = p
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
        dir.join(p.file_name().unwrap_or_default())
    };
    for (n, (_, a)) in outputs.iter().enumerate() {
        if outputs[..n].iter().any(|(_, b)| key(a) == key(b)) {
            return Some(format!(
                "`--output` names `{}` twice: the second report would overwrite the first\n  help: give each report its own file",
                a.display()
            ));
        }
    }
    None
}

/// An `--output` file that is one of the run's inputs: the report would
/// overwrite what it was made from. `inputs` are the input files, canonical
/// where they exist, each with what it is ("a record file this run
/// checks"); an output file that does not exist yet is none of them.
pub(super) fn output_over_input(
    outputs: &[(Format, PathBuf)],
    inputs: &[(PathBuf, &str)],
) -> Option<String> {
    outputs.iter().find_map(|(_, out)| {
        let real = out.canonicalize().ok()?;
        let (_, what) = inputs.iter().find(|(p, _)| *p == real)?;
        Some(format!(
            "`--output` names `{}`, {what}: the report would overwrite it\n  help: write the report to a file that is not an input of the run",
            out.display()
        ))
    })
}

/// What the HTML page's header says of the run: the configuration as the
/// rules were loaded with it (project file and flags merged).
pub(super) fn html_scope(
    args: &CheckArgs,
    project: &Project,
    rules: &project::RuleSet,
    sources: &SourceMap,
    limits: &InputLimits,
    today: sunlight::date::Date,
) -> report::html::Scope {
    let config = &rules.configuration;
    // The values of the overrides as written in the parameter files, the
    // later file's value of a key winning.
    let mut overrides: Vec<(String, String)> = Vec::new();
    for name in config.param_files() {
        let Some((id, _)) = sources.iter().find(|(_, f)| f.name == name) else {
            continue;
        };
        for o in sunlight::check::read_params(id, sources, &limits.yaml).0 {
            let value = sources
                .get(o.value.span.file)
                .map_or("", |f| f.slice(o.value.span))
                .to_string();
            match overrides.iter_mut().find(|(n, _)| *n == o.name) {
                Some(slot) => slot.1 = value,
                None => overrides.push((o.name, value)),
            }
        }
    }
    let (y, m, d) = today.ymd();
    report::html::Scope {
        paths: args
            .paths
            .iter()
            .map(|p| workspace::display_path(p))
            .collect(),
        today: format!("{y:04}-{m:02}-{d:02}"),
        standard_rules: config.default_rules,
        rule_files: config.rules.clone(),
        params: config.params.clone(),
        overrides,
        disabled: config.disabled.clone(),
        waivers: project.opts.waivers.as_deref().map(workspace::display_path),
        baseline: project
            .opts
            .baseline
            .as_deref()
            .map(workspace::display_path),
        public: args.public,
    }
}
