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
use sunlight::suppress;
use sunlight::workspace::{self, InputLimits, RuleOptions};

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

    /// Serve the Language Server Protocol over standard input and output.
    ///
    /// Editors start this command themselves: diagnostics, hover, completion,
    /// go-to-definition, references, outline and formatting for *.rules
    /// files, and findings on record files open in the workspace. See the
    /// README for Neovim, VS Code and Helix settings.
    Lsp,
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
    /// The rule options: flags over the project file (sunlight.toml in the
    /// current folder or the nearest parent). A broken project file is
    /// reported here and ends the run with exit code 2.
    fn options(&self) -> Result<RuleOptions, ExitCode> {
        self.read_options().map_err(|msg| {
            eprintln!("error: {msg}");
            ExitCode::from(2)
        })
    }

    fn read_options(&self) -> Result<RuleOptions, String> {
        let flags = RuleOptions {
            no_default_rules: self.no_default_rules,
            rules: self.rules.clone(),
            params: self.params.clone(),
            disabled: self.disable.clone(),
        };
        let config = match (&self.config, self.no_config) {
            (_, true) => None,
            (Some(c), _) => Some(c.clone()),
            (None, false) => workspace::find_config(Path::new(".")),
        };
        match config {
            None => Ok(flags),
            Some(path) => workspace::read_config(&path)
                .map(|project| flags.over(project))
                .map_err(|d| {
                    format!(
                        "{}: {}\n  help: {}",
                        d.file.unwrap_or_default(),
                        d.message,
                        d.help.unwrap_or_default()
                    )
                }),
        }
    }
}

#[derive(clap::Args, Debug)]
struct ExplainArgs {
    /// The rule id, e.g. SZYD-002.
    rule: String,

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
    /// whose extension tells the format (.json, .sarif, .xml for JUnit, .txt).
    #[arg(long, short = 'o', value_name = "[FORMAT=]FILE")]
    output: Vec<String>,

    /// Approved exceptions: a YAML file of waivers (rule, record, reason, approved_by, expires).
    #[arg(long, value_name = "FILE")]
    waivers: Option<PathBuf>,

    /// An earlier JSON report: findings already in it do not fail the run.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,

    /// The date waivers expire against (default: today, UTC).
    #[arg(long, value_name = "YYYY-MM-DD")]
    today: Option<String>,

    /// The lowest severity that makes the run fail (exit code 1).
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    fail_on: FailOn,

    #[command(flatten)]
    rules: RuleArgs,

    /// Colour in human output.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,

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

fn render(format: Format, report: &Report, sources: &SourceMap, color: bool) -> String {
    match format {
        Format::Human => report::human::render(report, sources, color),
        Format::Json => report::json::render(report, sources),
        Format::Sarif => report::sarif::render(report, sources),
        Format::Junit => report::junit::render(report, sources),
        Format::Github => report::github::render(report, sources),
    }
}

/// `FORMAT=FILE`, or a file whose extension names the format.
fn parse_output(spec: &str) -> Result<(Format, PathBuf), String> {
    if let Some((fmt, file)) = spec.split_once('=') {
        let format = Format::from_str(fmt, true).map_err(|_| format!("unknown format `{fmt}` in `--output {spec}`: use human, json, sarif, junit or github"))?;
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
        _ => {
            return Err(format!(
                "cannot tell the format of `{spec}` from its extension: write `sarif={spec}` (or json, junit, github, human)"
            ));
        }
    };
    Ok((format, path))
}

fn check(args: &CheckArgs) -> ExitCode {
    let limits = limits(args);
    let outputs: Vec<(Format, PathBuf)> =
        match args.output.iter().map(|o| parse_output(o)).collect() {
            Ok(o) => o,
            Err(msg) => {
                eprintln!("error: {msg}");
                return ExitCode::from(2);
            }
        };
    let today = match &args.today {
        None => suppress::today(),
        Some(t) => match sunlight::date::Date::parse(t) {
            Ok(d) => d,
            Err(e) => {
                eprintln!("error: `--today {t}`: {e}");
                return ExitCode::from(2);
            }
        },
    };
    let opts = match args.rules.options() {
        Ok(o) => o,
        Err(code) => return code,
    };
    let mut sources = SourceMap::new();
    let mut rules = workspace::load_rules(&mut sources, &opts, &limits);
    // Waiver and baseline files may sit among the records; they are not records.
    for p in args.waivers.iter().chain(&args.baseline) {
        rules
            .not_records
            .push(p.canonicalize().unwrap_or_else(|_| p.clone()));
    }
    let mut report = workspace::check_paths(&mut sources, &rules, &args.paths, &limits);
    if let Some(path) = &args.waivers {
        let mut errors = Vec::new();
        if let Some(id) = workspace::read_into(&mut sources, path, &limits, &mut errors) {
            let (waivers, mut errs) = suppress::read_waivers(id, &sources);
            errors.append(&mut errs);
            suppress::apply_waivers(&mut report, &waivers, today);
        }
        report.errors.extend(errors);
    }
    if let Some(path) = &args.baseline {
        let name = workspace::display_path(path);
        let result = std::fs::read_to_string(path)
            .map_err(|e| {
                sunlight::diag::Diagnostic::file_error(&name, format!("cannot read baseline: {e}"))
            })
            .and_then(|text| suppress::apply_baseline(&mut report, &sources, &text, &name));
        if let Err(d) = result {
            report.errors.push(d);
        }
    }
    let color = match args.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
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
    let opts = match args.rules.options() {
        Ok(o) => o,
        Err(code) => return code,
    };
    let mut sources = SourceMap::new();
    let rules = workspace::load_rules(&mut sources, &opts, &InputLimits::default());
    let Some(rule) = rules.program.rule(&args.rule) else {
        let ids: Vec<&str> = rules.program.rules.iter().map(|r| r.id.as_str()).collect();
        let hint = sunlight::suggest::closest(&args.rule, ids.iter().copied()).map_or_else(
            || format!("rules are {}", ids.join(", ")),
            |s| format!("did you mean `{s}`?"),
        );
        eprintln!("error: no rule `{}`\n  help: {hint}", args.rule);
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
    let opts = match args.rules.options() {
        Ok(o) => o,
        Err(code) => return code,
    };
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
        let text = match std::fs::read_to_string(path) {
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
        } else if let Err(e) = workspace::write_atomically(path, &formatted) {
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
