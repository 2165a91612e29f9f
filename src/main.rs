//! The `sunlight` command.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use sunlight::records::Limits;
use sunlight::report::{self, Report, Severity};
use sunlight::source::SourceMap;
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
        after_help = "Examples:\n  sunlight check examples/\n  sunlight check records/ --format json > report.json\n  sunlight check records/ --params 本地参数.yaml --rules local-rules/\n  sunlight check records/ --fail-on warning"
    )]
    Check(CheckArgs),
}

#[derive(clap::Args, Debug)]
struct CheckArgs {
    /// Record files or folders (searched recursively for *.yaml, *.yml, *.json).
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,

    /// The lowest severity that makes the run fail (exit code 1).
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    fail_on: FailOn,

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
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    /// Compiler-style diagnostics for people.
    Human,
    /// The stable JSON report (see the README).
    Json,
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
    match cli.command {
        Command::Check(args) => check(&args),
    }
}

fn check(args: &CheckArgs) -> ExitCode {
    let limits = InputLimits {
        max_file_size: args.max_file_size,
        yaml: Limits {
            max_depth: args.max_depth,
            max_nodes: args.max_nodes,
        },
    };
    let opts = RuleOptions {
        no_default_rules: args.no_default_rules,
        rules: args.rules.clone(),
        params: args.params.clone(),
        disabled: args.disable.clone(),
    };
    let mut sources = SourceMap::new();
    let rules = workspace::load_rules(&mut sources, &opts, &limits);
    let report = workspace::check_paths(&mut sources, &rules, &args.paths, &limits);
    let out = match args.format {
        Format::Human => {
            let color = match args.color {
                Color::Always => true,
                Color::Never => false,
                Color::Auto => {
                    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
                }
            };
            report::human::render(&report, &sources, color)
        }
        Format::Json => report::json::render(&report, &sources),
    };
    let mut stdout = std::io::stdout().lock();
    if stdout
        .write_all(out.as_bytes())
        .and_then(|()| stdout.flush())
        .is_err()
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
        FailOn::Warning => report.findings.len(),
        FailOn::Never => 0,
    };
    ExitCode::from(u8::from(failing > 0))
}
