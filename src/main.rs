//! The `sunlight` command.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use std::fmt::Write as _;
use sunlight::records::Limits;
use sunlight::report::{self, Report, Severity};
use sunlight::source::SourceMap;

use sunlight::cases;
use sunlight::project::{self, Project, RuleOptions};
use sunlight::workspace::{self, InputLimits};

/// sunlight (阳光) checks 三重一大 meeting minutes and fund-disbursement
/// records against rules written in a small rule language.
///
/// Start with `sunlight check DIR`: it reads every *.yaml, *.yml and *.json
/// file under DIR and checks it against the standard rules built into the
/// binary.
#[derive(Parser, Debug)]
#[command(name = "sunlight", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Check record files against the rules.
    ///
    /// Exit codes: 0 when nothing reaches the --fail-on level, 1 when a
    /// finding does, 2 when an input or rule file could not be read or
    /// understood (everything else is still checked and reported).
    #[command(
        after_help = "Examples:\n  sunlight check examples/longtan-2014\n  sunlight check records/ --format json > report.json\n  sunlight check records/ --output report.sarif --output junit=results.xml\n  sunlight check records/ --params 本地参数.yaml --rules local-rules/\n  sunlight check records/ --waivers waivers.yaml --baseline last-year.json\n  sunlight check records/ --fail-on warning"
    )]
    Check(CheckArgs),

    /// Explain a rule: title, severity, cite, help, its source and an example record that fires it.
    #[command(after_help = "Example:\n  sunlight explain SZYD-002")]
    Explain(ExplainArgs),

    /// Run rule tests: case folders of records with the findings they must produce.
    ///
    /// A case is a folder with records/ and expected.yaml listing every
    /// (rule, record) pair and the files with input errors. Without PATH the
    /// standard library's own cases run.
    #[command(
        after_help = "Examples:\n  sunlight test\n  sunlight test my-cases/ --rules my.rules"
    )]
    Test(TestArgs),

    /// Format rule files (*.rules): indentation, spacing, blank lines; comments are kept.
    ///
    /// Files are rewritten in place (atomically); a file that does not parse is
    /// left untouched and reported. With --check nothing is written: the
    /// unformatted files are listed and the exit code is 1.
    #[command(after_help = "Examples:\n  sunlight fmt rules/\n  sunlight fmt --check .")]
    Fmt(FmtArgs),

    /// Compare two rule configurations over the same records.
    ///
    /// Each side is a sunlight.toml (rule files, parameter file, disabled
    /// rules; paths relative to it). Lists the findings that appear,
    /// disappear or change severity or message, by rule, with counts per
    /// rule and per unit. Exit codes: 0 when nothing changes, 1 when
    /// something does, 2 when an input or rule file could not be read.
    #[command(
        after_help = "Examples:\n  sunlight diff --before old.toml --after sunlight.toml records/\n  sunlight diff --before-rev HEAD --after sunlight.toml --format json records/"
    )]
    Diff(DiffArgs),

    /// Serve the Language Server Protocol over standard input and output.
    ///
    /// Editors start this command themselves: diagnostics, hover, completion,
    /// go-to-definition, references, outline and formatting for *.rules
    /// files, and findings on record files open in the workspace. See the
    /// README for Neovim, VS Code and Helix settings.
    Lsp,
}

#[derive(clap::Args, Debug)]
struct DiffArgs {
    /// The configuration before the change (a sunlight.toml).
    #[arg(long, value_name = "FILE", required_unless_present = "before_rev")]
    before: Option<PathBuf>,

    /// Take the before side from a git revision: the rule and parameter
    /// files of the --after configuration (or of --before) as committed there.
    #[arg(long, value_name = "REV")]
    before_rev: Option<String>,

    /// The configuration after the change (a sunlight.toml).
    #[arg(long, value_name = "FILE")]
    after: PathBuf,

    /// Output format: human or json.
    #[arg(long, default_value = "human", value_parser = ["human", "json"])]
    format: String,

    /// Record files or folders.
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
}

#[derive(clap::Args, Debug)]
struct FmtArgs {
    /// Rule files or folders (searched recursively for *.rules).
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,

    /// Only report files that are not formatted (exit code 1 if any).
    #[arg(long)]
    check: bool,
}

#[derive(clap::Args, Debug, Clone)]
struct RuleArgs {
    /// Add a rule file or a folder of *.rules files (repeatable).
    #[arg(long, value_name = "PATH")]
    rules: Vec<PathBuf>,

    /// Override parameters with a YAML file of `名称: 值` lines (e.g. `大额资金标准: 50万`).
    #[arg(long, value_name = "FILE")]
    params: Option<PathBuf>,

    /// Do not use the standard rules built into the binary.
    #[arg(long)]
    no_default_rules: bool,

    /// Switch a rule off by id (repeatable).
    #[arg(long, value_name = "RULE-ID")]
    disable: Vec<String>,

    /// Read project settings from this file instead of the nearest sunlight.toml.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,

    /// Ignore sunlight.toml.
    #[arg(long, conflicts_with = "config")]
    no_config: bool,
}

impl RuleArgs {
    /// The rule options: flags over the project file (`--config`, or
    /// sunlight.toml in the current folder or the nearest parent). The
    /// project file is read with the rules, so that its problems are input
    /// errors at their place and the rest of the run goes on.
    fn options(&self) -> RuleOptions {
        self.options_for(&[])
    }

    /// The rule options of a check of `paths`: without a project file in
    /// the current folder or above, the one at or above the first path
    /// checked is used, so that a records folder carries its settings.
    fn options_for(&self, paths: &[PathBuf]) -> RuleOptions {
        let config = match (&self.config, self.no_config) {
            (_, true) => None,
            (Some(c), _) => Some(c.clone()),
            (None, false) => project::find_config(Path::new(".")).or_else(|| {
                paths.first().and_then(|p| {
                    let dir = if p.is_dir() { p.as_path() } else { p.parent()? };
                    project::find_config(dir)
                })
            }),
        };
        RuleOptions {
            no_default_rules: self.no_default_rules,
            rules: self.rules.clone(),
            params: self.params.clone(),
            disabled: self.disable.clone(),
            config,
            ..RuleOptions::default()
        }
    }
}

#[derive(clap::Args, Debug)]
struct ExplainArgs {
    /// The rule id, e.g. SZYD-002; without it the rules are listed.
    rule: Option<String>,

    #[command(flatten)]
    rules: RuleArgs,
}

#[derive(clap::Args, Debug)]
struct TestArgs {
    /// A case folder, or a folder of case folders (default: the standard cases).
    path: Option<PathBuf>,

    #[command(flatten)]
    rules: RuleArgs,
}

#[derive(clap::Args, Debug)]
struct CheckArgs {
    /// Record files or folders (searched recursively for *.yaml, *.yml, *.json).
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,

    /// Format written to standard output.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,

    /// Also write a report to a file (repeatable): `FORMAT=FILE`, or a FILE
    /// whose extension tells the format (.json, .sarif, .xml for JUnit, .txt,
    /// .html).
    #[arg(long, short = 'o', value_name = "[FORMAT=]FILE")]
    output: Vec<String>,

    /// Approved exceptions: a YAML file of waivers (rule, record, reason, approved_by, expires).
    #[arg(long, value_name = "FILE")]
    waivers: Option<PathBuf>,

    /// An earlier JSON report: findings already in it do not fail the run.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,

    /// The run date: rules read it as `today` and waivers expire against it
    /// (default: `today` in sunlight.toml, else the current date, UTC).
    #[arg(long, value_name = "YYYY-MM-DD")]
    today: Option<String>,

    /// Make the HTML report the version for 阳光公示: personal names (fields
    /// marked `@personal`) masked as 王* everywhere, no record text. Other
    /// formats are not masked.
    #[arg(long)]
    public: bool,
    /// Run again with the inputs of an earlier JSON report and say whether
    /// the report is reproduced exactly (exit 0) or what differs (exit 1).
    #[arg(long, value_name = "REPORT")]
    verify: Option<PathBuf>,

    /// The lowest severity that makes the run fail (exit code 1).
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    fail_on: FailOn,

    #[command(flatten)]
    rules: RuleArgs,

    /// Colour in human output.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,

    /// List the files and folders skipped (hidden, or not *.yaml, *.yml, *.json) in human output.
    #[arg(long, short = 'v')]
    verbose: bool,

    /// Largest file read, in bytes.
    #[arg(long, default_value_t = 64 * 1024 * 1024, value_name = "BYTES")]
    max_file_size: u64,

    /// Deepest YAML nesting accepted.
    #[arg(long, default_value_t = Limits::default().max_depth, value_name = "N")]
    max_depth: usize,

    /// Most YAML nodes one document may expand to (bounds aliases).
    #[arg(long, default_value_t = Limits::default().max_nodes, value_name = "N")]
    max_nodes: usize,

    /// Most records checked in one run.
    #[arg(long, default_value_t = InputLimits::default().max_records, value_name = "N")]
    max_records: usize,

    /// Deepest bracket nesting accepted in a rule declaration.
    #[arg(long, default_value_t = InputLimits::default().max_expr_depth, value_name = "N")]
    max_expr_depth: usize,

    /// Threads that read files and evaluate rules (default: one per core).
    /// The output is the same for every number.
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    /// Compiler-style diagnostics for people.
    Human,
    /// The stable JSON report (see the README).
    Json,
    /// SARIF 2.1.0, for code-scanning dashboards.
    Sarif,
    /// JUnit XML: a test case per record.
    Junit,
    /// GitHub Actions annotations.
    Github,
    /// One self-contained HTML page: statistics, warnings, every finding.
    Html,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum FailOn {
    /// Fail on errors only.
    Error,
    /// Fail on warnings and errors.
    Warning,
    /// Never fail because of findings.
    Never,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Color {
    /// Colour when writing to a terminal.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Records and rules nest as deep as their limits allow, and those can be
    // raised: give the work a stack that matches, reserved, not used.
    // Where memory is capped so that the stack cannot be reserved, the work
    // runs on the main thread with the ordinary stack.
    match std::thread::Builder::new()
        .stack_size(STACK_SIZE)
        .spawn(move || run(cli))
    {
        Ok(handle) => handle.join().unwrap_or(ExitCode::from(2)),
        Err(_) => run(Cli::parse()),
    }
}

/// The stack of the thread that does the work.
const STACK_SIZE: usize = 256 << 20;

fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Check(args) => check(&args),
        Command::Explain(args) => explain(&args),
        Command::Diff(args) => ExitCode::from(sunlight::diff::command(&sunlight::diff::Options {
            before: args.before,
            before_rev: args.before_rev,
            after: args.after,
            json: args.format == "json",
            paths: args.paths,
        })),
        Command::Test(args) => test(&args),
        Command::Fmt(args) => fmt(&args),
        Command::Lsp => match sunlight::lsp::serve_stdio() {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: the language server stopped: {e}");
                ExitCode::from(2)
            }
        },
    }
}

fn limits(args: &CheckArgs) -> InputLimits {
    InputLimits {
        max_file_size: args.max_file_size,
        yaml: Limits {
            max_depth: args.max_depth,
            max_nodes: args.max_nodes,
        },
        max_records: args.max_records,
        max_expr_depth: args.max_expr_depth,
    }
}

fn render(
    format: Format,
    report: &Report,
    sources: &SourceMap,
    color: bool,
    verbose: bool,
    scope: &report::html::Scope,
) -> String {
    match format {
        Format::Html => report::html::render(report, sources, scope),
        Format::Human => report::human::render_verbose(report, sources, color, verbose),
        Format::Json => report::json::render(report, sources),
        Format::Sarif => report::sarif::render(report, sources),
        Format::Junit => report::junit::render(report, sources),
        Format::Github => report::github::render(report, sources),
    }
}

/// `FORMAT=FILE`, or a file whose extension names the format.
fn parse_output(spec: &str) -> Result<(Format, PathBuf), String> {
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

/// Run `work` on a pool of `threads` threads (one per core when `None`):
/// this thread, whose stack is reserved large, and others with stacks as
/// large. Where memory is capped so that they cannot be reserved, the work
/// runs on this thread alone.
fn on_threads<T: Send>(threads: Option<usize>, work: impl FnOnce() -> T + Send) -> T {
    let pool = |n: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .use_current_thread()
            .stack_size(STACK_SIZE)
            .build()
    };
    match pool(threads.unwrap_or(0)).or_else(|_| pool(1)) {
        Ok(p) => p.install(work),
        Err(_) => work(),
    }
}

fn check(args: &CheckArgs) -> ExitCode {
    if args.threads == Some(0) {
        eprintln!(
            "error: `--threads 0`: at least one thread is needed\n  help: leave --threads out to use one thread per core"
        );
        return ExitCode::from(2);
    }
    on_threads(args.threads, || check_on_pool(args))
}

fn check_on_pool(args: &CheckArgs) -> ExitCode {
    let limits = limits(args);
    let outputs: Vec<(Format, PathBuf)> =
        match args.output.iter().map(|o| parse_output(o)).collect() {
            Ok(o) => o,
            Err(msg) => {
                eprintln!("error: {msg}");
                return ExitCode::from(2);
            }
        };
    if let Some(msg) = repeated_output(&outputs) {
        eprintln!("error: {msg}");
        return ExitCode::from(2);
    }
    if args.public && args.format != Format::Html && outputs.iter().all(|(f, _)| *f != Format::Html)
    {
        // Only the page masks names: a "public" JSON report would not be.
        eprintln!(
            "error: `--public` applies to the HTML report only\n  help: add `--output report.html` or `--format html`"
        );
        return ExitCode::from(2);
    }
    // The report to reproduce: its run date stands in for today's.
    let verify = match &args.verify {
        None => None,
        Some(path) => match workspace::read_text_bounded(path, limits.max_file_size)
            .map_err(|e| e.to_string())
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).map_err(|e| e.to_string()))
        {
            Ok(v) if v.get("inputs").is_some() => Some(v),
            Ok(_) => {
                eprintln!(
                    "error: `{}` records no inputs\n  help: verify a report written by `sunlight check --format json`",
                    path.display()
                );
                return ExitCode::from(2);
            }
            Err(e) => {
                eprintln!(
                    "error: cannot read `{}`: {e}\n  help: give a JSON report",
                    path.display()
                );
                return ExitCode::from(2);
            }
        },
    };
    let recorded_today = verify
        .as_ref()
        .and_then(|v| v["inputs"]["today"].as_str().map(str::to_string));
    let today = match args.today.as_ref().or(recorded_today.as_ref()) {
        None => None,
        Some(t) => match sunlight::date::Date::parse(t) {
            Ok(d) => Some(d),
            Err(e) => {
                eprintln!("error: `--today {t}`: {e}");
                return ExitCode::from(2);
            }
        },
    };
    let mut opts = args.rules.options_for(&args.paths);
    // The run date: the flag, else the project file's (read with the
    // rules), else the current date. Waiver and baseline flags stand over
    // the project file's.
    opts.today = today;
    opts.waivers = args.waivers.clone();
    opts.baseline = args.baseline.clone();
    let mut sources = SourceMap::new();
    let mut project = Project::load(&mut sources, &opts, &limits);
    // A verified report may sit among the records; it is not one.
    if let Some(p) = &args.verify {
        project
            .not_records
            .push(p.canonicalize().unwrap_or_else(|_| p.clone()));
    }
    let rules = project.compile(&sources, &limits);
    let loaded = sources.len();
    let today = rules.program.today;
    // Progress only where someone watches: never into a log or a pipe.
    let progress = std::io::stderr().is_terminal();
    let mut report =
        project::check_paths_showing(&mut sources, &rules, &args.paths, &limits, progress);
    let ids = |r: std::ops::Range<usize>| -> Vec<sunlight::source::FileId> {
        r.filter_map(|i| u32::try_from(i).ok().map(sunlight::source::FileId))
            .collect()
    };
    // Waiver files are not among the recorded inputs.
    let inputs = sunlight::replay::Inputs {
        rules: rules.files.clone(),
        params: ids(0..loaded)
            .into_iter()
            .filter(|id| !rules.files.contains(id) && project.waiver_file != Some(*id))
            .collect(),
        records: ids(loaded..sources.len()),
        disabled: opts.disabled.clone(),
        today: today.to_string(),
    };
    project.suppress(&mut report, &sources, today, true);
    let color = match args.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let scope = html_scope(args, &project, &rules, &sources, &limits, today);
    let inputs = sunlight::replay::to_json(&inputs, &sources);
    if let Some(old) = &verify {
        let again = report::json::render_with_inputs(&report, &sources, Some(&inputs));
        let again: serde_json::Value = serde_json::from_str(&again).unwrap_or_default();
        let name = args.verify.as_deref().unwrap_or(Path::new("")).display();
        return match sunlight::replay::compare(old, &again) {
            None => {
                println!("reproduced: {name} ({} findings)", report.findings.len());
                ExitCode::SUCCESS
            }
            Some(diff) => {
                print!("not reproduced: {name}\n{diff}");
                ExitCode::from(1)
            }
        };
    }
    let render = |format: Format, report: &Report, sources: &SourceMap, color: bool| {
        if format == Format::Json {
            report::json::render_with_inputs(report, sources, Some(&inputs))
        } else {
            render(format, report, sources, color, args.verbose, &scope)
        }
    };
    let mut failed_write = false;
    for (format, path) in &outputs {
        if let Err(e) = std::fs::write(path, render(*format, &report, &sources, false)) {
            eprintln!("error: cannot write {}: {e}", path.display());
            failed_write = true;
        }
    }
    let out = render(args.format, &report, &sources, color);
    let mut stdout = std::io::stdout().lock();
    if stdout
        .write_all(out.as_bytes())
        .and_then(|()| stdout.flush())
        .is_err()
        || failed_write
    {
        return ExitCode::from(2);
    }
    exit_code(&report, args.fail_on)
}

/// Two `--output` flags naming one file: the second would overwrite the first.
fn repeated_output(outputs: &[(Format, PathBuf)]) -> Option<String> {
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

/// What the HTML page's header says of the run: the configuration as the
/// rules were loaded with it (project file and flags merged).
fn html_scope(
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

fn exit_code(report: &Report, fail_on: FailOn) -> ExitCode {
    if report.has_input_errors() {
        return ExitCode::from(2);
    }
    let failing = match fail_on {
        FailOn::Error => report.count(Severity::Error),
        FailOn::Warning => report.active().count(),
        FailOn::Never => 0,
    };
    ExitCode::from(u8::from(failing > 0))
}

fn explain(args: &ExplainArgs) -> ExitCode {
    let opts = args.rules.options();
    let mut sources = SourceMap::new();
    let rules = project::load_rules(&mut sources, &opts, &InputLimits::default());
    for d in rules.errors.iter().filter(|d| d.is_error()) {
        eprintln!("{}", report::human::one_line(d, &sources));
    }
    let Some(id) = &args.rule else {
        let mut out = String::new();
        for r in &rules.program.rules {
            let _ = writeln!(out, "{:<10} {:<7} {}", r.id, r.severity.as_str(), r.title);
        }
        let _ = writeln!(out, "\nsee one rule with `sunlight explain RULE-ID`");
        print!("{out}");
        return ExitCode::SUCCESS;
    };
    let versions = rules.program.rule_versions(id);
    let Some(&rule) = versions.last() else {
        let ids: Vec<&str> = rules.program.rules.iter().map(|r| r.id.as_str()).collect();
        let hint = sunlight::suggest::closest(id, ids.iter().copied()).map_or_else(
            || format!("rules are {}", ids.join(", ")),
            |s| format!("did you mean `{s}`?"),
        );
        eprintln!("error: no rule `{id}`\n  help: {hint}");
        return ExitCode::from(2);
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {} ({})",
        rule.id,
        rule.title,
        rule.severity.as_str()
    );
    if let Some(doc) = &rule.doc {
        let _ = writeln!(out, "\n{doc}");
    }
    if !rule.cite.is_empty() {
        let _ = writeln!(out, "\ncite: {}", rule.cite);
    }
    if !rule.help_text.is_empty() {
        let _ = writeln!(out, "help: {}", rule.help_text);
    }
    if versions.iter().any(|v| v.version.is_some()) {
        let _ = writeln!(out, "\nversions:");
        for v in &versions {
            let period = v.version.map_or("always".to_string(), |p| p.to_string());
            let place = sources.get(v.span.file).map_or(String::new(), |f| {
                format!("{}:{}", f.name, f.line_col(v.span.start).line)
            });
            let _ = writeln!(out, "  {period:<24} {} ({place})", v.title);
        }
    }
    if let Some(file) = sources.get(rule.span.file) {
        let line = file.line_col(rule.span.start).line;
        let _ = writeln!(out, "\nsource: {}:{line}\n", file.name);
        for l in file.slice(rule.span).lines() {
            let _ = writeln!(out, "    {l}");
        }
    }
    match cases::example(&rule.id) {
        Some((case, file, text)) => {
            let _ = writeln!(
                out,
                "\nexample (standard case `{case}`, {file}), which fires {}:\n",
                rule.id
            );
            for l in text.lines() {
                let _ = writeln!(out, "    {l}");
            }
        }
        None => {
            let _ = writeln!(out, "\nno standard case exercises {}", rule.id);
        }
    }
    print!("{out}");
    ExitCode::SUCCESS
}

fn test(args: &TestArgs) -> ExitCode {
    let cases = match &args.path {
        None => cases::standard_cases(),
        Some(p) => match cases::cases_on_disk(p) {
            Ok(c) => c,
            Err(d) => {
                eprintln!("error: {}: {}", d.file.unwrap_or_default(), d.message);
                return ExitCode::from(2);
            }
        },
    };
    if cases.is_empty() {
        eprintln!(
            "error: no cases found\n  help: a case is a folder with records/ and expected.yaml"
        );
        return ExitCode::from(2);
    }
    let opts = args.rules.options();
    let limits = InputLimits::default();
    let mut failed = 0;
    let mut exercised = std::collections::BTreeSet::new();
    let mut all_rules: Vec<String> = Vec::new();
    let mut out = String::new();
    for case in &cases {
        let o = cases::run(case, &opts, &limits);
        if all_rules.is_empty() {
            all_rules = o.report.rules.iter().map(|r| r.id.clone()).collect();
        }
        exercised.extend(o.fired.iter().cloned());
        if o.passed() {
            let _ = writeln!(out, "ok     {}", o.name);
            continue;
        }
        failed += 1;
        let _ = writeln!(out, "FAILED {}", o.name);
        for d in &o.problems {
            let _ = writeln!(out, "         problem: {}", d.message);
        }
        for (rule, record) in &o.missing {
            let _ = writeln!(out, "       - expected {rule} on {record}, not reported");
        }
        for (rule, record) in &o.extra {
            let _ = writeln!(out, "       + reported {rule} on {record}, not expected");
            for f in o
                .report
                .findings
                .iter()
                .filter(|f| &f.rule == rule && &f.record == record)
            {
                let at = o
                    .sources
                    .span_lines(f.span)
                    .map_or(String::new(), |(a, _)| {
                        format!("{}:{}:{}", o.sources.name(f.span.file), a.line, a.column)
                    });
                let _ = writeln!(out, "           {at}: {}", f.message);
            }
        }
        for f in &o.missing_errors {
            let _ = writeln!(out, "       - expected input errors in {f}, none reported");
        }
        for f in &o.extra_errors {
            let _ = writeln!(out, "       + input errors in {f}, not expected");
            for d in o.report.errors.iter().filter(|d| {
                d.span
                    .is_some_and(|s| o.sources.name(s.file).ends_with(f.as_str()))
            }) {
                let _ = writeln!(out, "           {}", d.message);
            }
        }
    }
    let unexercised: Vec<&String> = all_rules
        .iter()
        .filter(|r| !exercised.contains(*r))
        .collect();
    let _ = writeln!(out, "\n{} passed, {failed} failed", cases.len() - failed);
    if !unexercised.is_empty() {
        let _ = writeln!(
            out,
            "rules no case exercises: {}",
            unexercised
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    print!("{out}");
    ExitCode::from(u8::from(failed > 0))
}

fn fmt(args: &FmtArgs) -> ExitCode {
    let mut errors = Vec::new();
    let files = workspace::rule_files(&args.paths, &mut errors);
    let mut unformatted = 0;
    let mut broken = errors.len();
    for e in &errors {
        eprintln!("error: {}: {}", e.file.as_deref().unwrap_or(""), e.message);
    }
    for path in &files {
        let name = workspace::display_path(path);
        // A linked rule file is formatted where it really is; the link stays.
        let target = path.canonicalize().unwrap_or_else(|_| path.clone());
        let text = match workspace::read_text_bounded(&target, InputLimits::default().max_file_size)
        {
            Ok(t) => t,
            Err(e) => {
                eprintln!("error: {name}: cannot read: {e}");
                broken += 1;
                continue;
            }
        };
        let Some(formatted) = sunlight::syntax::format::format(&text) else {
            eprintln!(
                "error: {name}: does not parse, left unformatted (run `sunlight check --rules {name}` to see why)"
            );
            broken += 1;
            continue;
        };
        if formatted == text {
            continue;
        }
        unformatted += 1;
        if args.check {
            println!("{name}");
        } else if let Err(e) = workspace::write_atomically(&target, &formatted) {
            eprintln!("error: {name}: cannot write: {e}");
            broken += 1;
        } else {
            println!("formatted {name}");
        }
    }
    if broken > 0 {
        ExitCode::from(2)
    } else {
        ExitCode::from(u8::from(args.check && unformatted > 0))
    }
}
