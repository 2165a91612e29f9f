//! `sunlight check`: read the rules and records, check them, write the
//! reports, or verify an earlier report; the exit code.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use sunlight::project::{self, Project};
use sunlight::records::Limits;
use sunlight::report::{self, Report};
use sunlight::source::SourceMap;
use sunlight::workspace::{self, InputLimits};

use super::args::{CheckArgs, Color, FailOn, Format};
use super::output::{html_scope, output_over_input, parse_output, render, repeated_output};
use crate::STACK_SIZE;

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

/// The most threads `--threads` takes: far more than any machine's cores,
/// and few enough that a mistyped number does not start a thread per unit
/// (each reserves a large stack).
const MAX_THREADS: usize = 256;

pub(super) fn check(args: &CheckArgs) -> ExitCode {
    let problem = match args.threads {
        Some(0) => Some("at least one thread is needed"),
        Some(n) if n > MAX_THREADS => Some("too many threads"),
        _ => None,
    };
    if let (Some(problem), Some(n)) = (problem, args.threads) {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        eprintln!(
            "error: `--threads {n}`: {problem}\n  help: give 1 to {MAX_THREADS}, or leave --threads out to use one thread per core ({cores} here)"
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
    // The walk for the record files is made only when there are outputs.
    if let Some(msg) = (!outputs.is_empty())
        .then(|| output_over_input(&outputs, &inputs_of(args, &project)))
        .flatten()
    {
        eprintln!("error: {msg}");
        return ExitCode::from(2);
    }
    let rules = project.compile(&sources, &limits);
    let loaded = sources.len();
    let today = rules.program.today;
    // Progress only where someone watches: never into a log or a pipe.
    let options = project::RunOptions {
        progress: std::io::stderr().is_terminal(),
        list_records: std::iter::once(args.format)
            .chain(outputs.iter().map(|(f, _)| *f))
            .any(Format::lists_records),
    };
    let mut report =
        project::check_paths_showing(&mut sources, &rules, &args.paths, &limits, options);
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
            None => super::finish(
                &format!("reproduced: {name} ({} findings)\n", report.findings.len()),
                ExitCode::SUCCESS,
            ),
            Some(diff) => super::finish(
                &format!("not reproduced: {name}\n{diff}"),
                ExitCode::from(1),
            ),
        };
    }
    let render = |format: Format, report: &Report, sources: &SourceMap, color: bool| {
        if format == Format::Json {
            report::json::render_with_inputs(report, sources, Some(&inputs))
        } else {
            render(
                format,
                report,
                sources,
                color,
                args.verbose,
                &scope,
                args.fail_on.level(),
            )
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
    let code = if failed_write {
        ExitCode::from(2)
    } else {
        exit_code(&report, args.fail_on)
    };
    super::finish(&out, code)
}

/// The files a run reads, canonical where they exist, each with what it
/// is: the files no report may be written over. The record files are found
/// by walking the paths as the check will.
fn inputs_of(args: &CheckArgs, project: &Project) -> Vec<(PathBuf, &'static str)> {
    let real = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    let opts = &project.opts;
    let mut inputs: Vec<(PathBuf, &'static str)> = Vec::new();
    let mut add = |paths: &mut dyn Iterator<Item = &PathBuf>, what: &'static str| {
        inputs.extend(paths.map(|p| (real(p), what)));
    };
    add(
        &mut project::record_walk(&args.paths, &project.not_records)
            .files
            .iter()
            .map(|(p, _)| p),
        "a record file this run checks",
    );
    add(&mut project.rule_paths.iter(), "a rule file of this run");
    add(
        &mut opts.base_params.iter().chain(&opts.params),
        "a parameter file of this run",
    );
    add(&mut opts.config.iter(), "the project file of this run");
    add(&mut opts.waivers.iter(), "the waiver file of this run");
    add(&mut opts.baseline.iter(), "the baseline of this run");
    add(&mut args.verify.iter(), "the report this run verifies");
    inputs
}

fn exit_code(report: &Report, fail_on: FailOn) -> ExitCode {
    if report.has_input_errors() {
        return ExitCode::from(2);
    }
    let level = fail_on.level();
    let failing = report.active().any(|f| f.severity.fails_at(level));
    ExitCode::from(u8::from(failing))
}
