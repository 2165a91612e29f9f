//! The command line: subcommands, their flags and the values flags take.

use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand, ValueEnum};

use sunlight::project::{self, RuleOptions};
use sunlight::records::Limits;
use sunlight::workspace::InputLimits;

/// The deepest `--max-expr-depth`. Brackets nested this deep take a
/// twentieth of the stack the work runs on (see `main`); but each level
/// may also chain four times as many operators, and the worst expression
/// the limit lets through, a thousand levels of four thousand (4 MB of
/// text), is read and refused in 2–3 s and about 1 GB. Ten times the
/// limit would let through a tree a hundred times as deep.
const MAX_EXPR_DEPTH: u64 = 1_000;

/// sunlight (阳光) checks 三重一大 meeting minutes and fund-disbursement
/// records against rules written in a small rule language.
///
/// Start with `sunlight check DIR`: it reads every *.yaml, *.yml and *.json
/// file under DIR and checks it against the standard rules built into the
/// binary.
#[derive(Parser, Debug)]
#[command(name = "sunlight", version, about, long_about)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(super) command: Command,
}

#[derive(Subcommand, Debug)]
pub(super) enum Command {
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
pub(super) struct DiffArgs {
    /// The configuration before the change (a sunlight.toml).
    #[arg(long, value_name = "FILE")]
    pub(super) before: Option<PathBuf>,

    /// Take the before side from a git revision: the rule and parameter
    /// files of the --after configuration (or of --before) as committed there.
    #[arg(long, value_name = "REV")]
    pub(super) before_rev: Option<String>,

    /// The configuration after the change (a sunlight.toml).
    #[arg(long, value_name = "FILE")]
    pub(super) after: PathBuf,

    /// Output format: human or json.
    #[arg(long, default_value = "human", value_parser = ["human", "json"])]
    pub(super) format: String,

    /// Record files or folders.
    #[arg(default_value = ".")]
    pub(super) paths: Vec<PathBuf>,
}

#[derive(clap::Args, Debug)]
pub(super) struct FmtArgs {
    /// Rule files or folders (searched recursively for *.rules).
    #[arg(default_value = ".")]
    pub(super) paths: Vec<PathBuf>,

    /// Only report files that are not formatted (exit code 1 if any).
    #[arg(long)]
    pub(super) check: bool,
}

#[derive(clap::Args, Debug, Clone)]
pub(super) struct RuleArgs {
    /// Add a rule file or a folder of *.rules files (repeatable).
    #[arg(long, value_name = "PATH")]
    pub(super) rules: Vec<PathBuf>,

    /// Override parameters with a YAML file of `名称: 值` lines (e.g. `大额资金标准: 50万`).
    #[arg(long, value_name = "FILE")]
    pub(super) params: Option<PathBuf>,

    /// Do not use the standard rules built into the binary.
    #[arg(long)]
    pub(super) no_default_rules: bool,

    /// Switch a rule off by id (repeatable).
    #[arg(long, value_name = "RULE-ID")]
    pub(super) disable: Vec<String>,

    /// Read project settings from this file instead of the nearest sunlight.toml.
    #[arg(long, value_name = "FILE")]
    pub(super) config: Option<PathBuf>,

    /// Ignore sunlight.toml.
    #[arg(long, conflicts_with = "config")]
    pub(super) no_config: bool,
}

impl RuleArgs {
    /// The rule options: flags over the project file (`--config`, or
    /// sunlight.toml in the current folder or the nearest parent). The
    /// project file is read with the rules, so that its problems are input
    /// errors at their place and the rest of the run goes on.
    pub(super) fn options(&self) -> RuleOptions {
        self.options_for(&[])
    }

    /// The rule options of a check of `paths`: without a project file in
    /// the current folder or above, the one at or above the first path
    /// checked is used, so that a records folder carries its settings.
    pub(super) fn options_for(&self, paths: &[PathBuf]) -> RuleOptions {
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
pub(super) struct ExplainArgs {
    /// The rule id, e.g. SZYD-002; without it the rules are listed.
    pub(super) rule: Option<String>,

    #[command(flatten)]
    pub(super) rules: RuleArgs,
}

#[derive(clap::Args, Debug)]
pub(super) struct TestArgs {
    /// A case folder, or a folder of case folders (default: the standard cases).
    pub(super) path: Option<PathBuf>,

    #[command(flatten)]
    pub(super) rules: RuleArgs,
}

#[derive(clap::Args, Debug)]
pub(super) struct CheckArgs {
    /// Record files or folders (searched recursively for *.yaml, *.yml, *.json).
    #[arg(default_value = ".")]
    pub(super) paths: Vec<PathBuf>,

    /// Format written to standard output.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub(super) format: Format,

    /// Also write a report to a file (repeatable): `FORMAT=FILE`, or a FILE
    /// whose extension tells the format (.json, .sarif, .xml for JUnit, .txt,
    /// .html).
    #[arg(long, short = 'o', value_name = "[FORMAT=]FILE")]
    pub(super) output: Vec<String>,

    /// Approved exceptions: a YAML file of waivers (rule, record, reason, approved_by, expires).
    #[arg(long, value_name = "FILE")]
    pub(super) waivers: Option<PathBuf>,

    /// An earlier JSON report: findings already in it do not fail the run.
    #[arg(long, value_name = "FILE")]
    pub(super) baseline: Option<PathBuf>,

    /// The run date: rules read it as `today` and waivers expire against it
    /// (default: `today` in sunlight.toml, else the current date, UTC).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub(super) today: Option<String>,

    /// Make the HTML report the version for 阳光公示: personal names (fields
    /// marked `@personal`) masked as 王* everywhere, no record text. Other
    /// formats are not masked.
    #[arg(long)]
    pub(super) public: bool,
    /// Run again with the inputs of an earlier JSON report and say whether
    /// the report is reproduced exactly (exit 0) or what differs (exit 1).
    #[arg(long, value_name = "REPORT")]
    pub(super) verify: Option<PathBuf>,

    /// The lowest severity that makes the run fail (exit code 1).
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub(super) fail_on: FailOn,

    #[command(flatten)]
    pub(super) rules: RuleArgs,

    /// Colour in human output.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub(super) color: Color,

    /// List the files and folders skipped (hidden, or not *.yaml, *.yml, *.json) in human output.
    #[arg(long, short = 'v')]
    pub(super) verbose: bool,

    /// Largest file read, in bytes.
    #[arg(long, default_value_t = 64 * 1024 * 1024, value_name = "BYTES")]
    pub(super) max_file_size: u64,

    /// Deepest YAML nesting accepted.
    #[arg(long, default_value_t = Limits::default().max_depth, value_name = "N")]
    pub(super) max_depth: usize,

    /// Most YAML nodes one document may expand to (bounds aliases).
    #[arg(long, default_value_t = Limits::default().max_nodes, value_name = "N")]
    pub(super) max_nodes: usize,

    /// Most records checked in one run.
    #[arg(long, default_value_t = InputLimits::default().max_records, value_name = "N")]
    pub(super) max_records: usize,

    /// Deepest bracket nesting accepted in a rule declaration, at most
    /// 1,000: deeper nesting could exhaust the stack the rules are read on.
    #[arg(
        long,
        default_value_t = InputLimits::default().max_expr_depth,
        value_name = "N",
        value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(..=MAX_EXPR_DEPTH)
    )]
    pub(super) max_expr_depth: usize,

    /// Threads that read files and evaluate rules (default: one per core).
    /// The output is the same for every number, 1 to 256.
    #[arg(long, value_name = "N")]
    pub(super) threads: Option<usize>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Format {
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

impl Format {
    /// Whether the report lists every record read ([`sunlight::model::Report`]'s
    /// `records`), which a run makes only when asked.
    pub(super) fn lists_records(self) -> bool {
        matches!(self, Format::Html | Format::Junit)
    }
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum FailOn {
    /// Fail on errors only.
    Error,
    /// Fail on warnings and errors.
    Warning,
    /// Never fail because of findings.
    Never,
}

impl FailOn {
    /// The lowest severity of a finding that fails the run, if any does.
    pub(super) fn level(self) -> Option<sunlight::report::Severity> {
        use sunlight::report::Severity;
        match self {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Never => None,
        }
    }
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Color {
    /// Colour when writing to a terminal.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}
