//! Inputs the fuzz targets (`fuzz/`) once crashed on, run through the same
//! library calls as their target, in `tests/fixtures/fuzz-regressions/<target>/`:
//!
//! - `rules/`: a rule file beside the standard rules, compiled and
//!   evaluated over a sample record set (`sunlight check RECORDS --rules FILE`);
//! - `records/`: a record file read and checked with the standard rules;
//! - `eval/`: generated record files (a file, or a folder of files);
//! - `fmt/`: a rule file formatted (idempotent, keeps the meaning);
//! - `params/`: a parameter file applied to the standard rules.
//!
//! Each must not panic and must give a sensible outcome: every datum of a
//! checked record is found again in its text, every diagnostic and finding
//! points inside its file, the summary adds up, and every report format
//! renders.

use std::error::Error;
use std::path::{Path, PathBuf};

use sunlight::check::{self, Program};
use sunlight::diag::Diagnostic;
use sunlight::records::Limits;
use sunlight::report::{self, Report};
use sunlight::source::{FileId, SourceMap, Span};
use sunlight::syntax::MAX_NESTING;

type TestResult<T = ()> = Result<T, Box<dyn Error>>;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fuzz-regressions")
}

/// The entries of one target's folder, sorted.
fn inputs(target: &str) -> TestResult<Vec<PathBuf>> {
    let dir = root().join(target);
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            !p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.') || n == "README.md")
        })
        .collect();
    out.sort();
    Ok(out)
}

/// What a target does with one input.
type Check = fn(&Path) -> Result<(), String>;

/// The check of each target.
fn target_check(target: &str) -> Option<Check> {
    Some(match target {
        "rules" => rules_target,
        "records" => records_target,
        "eval" => eval_target,
        "fmt" => fmt_target,
        "params" => params_target,
        _ => return None,
    })
}

const TARGET_VAR: &str = "SUNLIGHT_REGRESSION_TARGET";
const INPUT_VAR: &str = "SUNLIGHT_REGRESSION_INPUT";

/// Run the check of `target` on every input of its folder, each in a child
/// process (this test binary, running [`one_input`]) so that a stack
/// overflow or an abort fails that input, not the whole suite.
fn each(target: &str) -> TestResult {
    let exe = std::env::current_exe()?;
    let mut failures = Vec::new();
    for path in inputs(target)? {
        let out = std::process::Command::new(&exe)
            .args(["one_input", "--exact", "--nocapture", "--test-threads=1"])
            .env(TARGET_VAR, target)
            .env(INPUT_VAR, &path)
            .output()?;
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let stdout = String::from_utf8_lossy(&out.stdout);
            let why: Vec<&str> = stdout
                .lines()
                .chain(stderr.lines())
                .filter(|l| {
                    !l.trim().is_empty() && !l.starts_with("running") && !l.starts_with("test ")
                })
                .take(12)
                .collect();
            failures.push(format!(
                "{} ({}):\n    {}",
                path.display(),
                out.status,
                why.join("\n    ")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    Ok(())
}

/// One input, when [`each`] asks for it (otherwise nothing). Runs on a
/// thread with the main thread's stack size (8 MiB), as the binary would.
#[test]
fn one_input() -> TestResult {
    let (Ok(target), Some(input)) = (std::env::var(TARGET_VAR), std::env::var_os(INPUT_VAR)) else {
        return Ok(());
    };
    let check = target_check(&target).ok_or_else(|| format!("unknown target `{target}`"))?;
    let path = PathBuf::from(input);
    let result = std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(move || check(&path))?
        .join();
    match result {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(e.into()),
        Err(_) => Err("panicked".into()),
    }
}

fn text_of(path: &Path) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    // The targets skip input that is not UTF-8.
    String::from_utf8(bytes).map_err(|_| "not UTF-8: the target skips it".to_string())
}

// ================================================================ checks

fn span_ok(sources: &SourceMap, span: Span) -> Result<(), String> {
    let file = sources
        .get(span.file)
        .ok_or_else(|| format!("span {span:?} in no file"))?;
    let len = file.text.len();
    if span.start > span.end || span.end as usize > len {
        return Err(format!(
            "span {span:?} outside `{}` ({len} bytes)",
            file.name
        ));
    }
    if !file.text.is_char_boundary(span.start as usize)
        || !file.text.is_char_boundary(span.end as usize)
    {
        return Err(format!("span {span:?} cuts a character in `{}`", file.name));
    }
    Ok(())
}

/// Every datum of every checked record is found again in its file's
/// text (where findings point), inside the file, its key before it.
fn located_ok(
    sources: &SourceMap,
    program: &Program,
    sets: &[check::FileSet],
) -> Result<(), String> {
    for set in sets {
        let text = sources
            .text_as_read(set.file)
            .ok_or_else(|| format!("no text for `{}`", sources.name(set.file)))?;
        for r in &set.records {
            let all: Vec<_> = r.root.all().collect();
            for at in r.locate(&program.schema, &text, &all) {
                let at =
                    at.ok_or_else(|| format!("a datum of `{}` is not found in its text", r.id()))?;
                span_ok(sources, at.span)?;
                if !(r.span().start <= at.span.start && at.span.end <= r.span().end) {
                    return Err(format!("{:?} outside its record {:?}", at.span, r.span()));
                }
                if let Some(key) = at.key {
                    span_ok(sources, key)?;
                    if key.end > at.span.start {
                        return Err(format!("key {key:?} after its value {:?}", at.span));
                    }
                }
            }
        }
    }
    Ok(())
}

/// The example records and the record files the fuzz target starts
/// from: every datum is found again in its text.
#[test]
fn every_datum_of_the_examples_and_seeds_is_found_again() -> TestResult {
    let program = standard_program()?;
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths = Vec::new();
    let mut dirs = vec![repo.join("examples"), repo.join("fuzz/seeds/records")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let path = entry?.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_none_or(|e| e != "rules" && e != "toml") {
                paths.push(path);
            }
        }
    }
    paths.sort();
    assert!(paths.len() > 100, "{} files", paths.len());
    let mut records = 0;
    for path in &paths {
        let Ok(text) = text_of(path) else { continue };
        let mut sources = SourceMap::new();
        let id = sources.add(path.display().to_string(), text);
        let sets = check::read_records(&sources, &[id], &program.schema, &fuzz_limits());
        located_ok(&sources, &program, &sets).map_err(|e| format!("{}: {e}", path.display()))?;
        records += sets.iter().map(|s| s.records.len()).sum::<usize>();
    }
    assert!(records > 100, "{records} records");
    Ok(())
}

fn diagnostics_ok(sources: &SourceMap, diags: &[Diagnostic]) -> Result<(), String> {
    for d in diags {
        if d.message.is_empty() {
            return Err("a diagnostic without a message".into());
        }
        match d.span {
            Some(s) => span_ok(sources, s).map_err(|e| format!("`{}`: {e}", d.message))?,
            None if d.file.is_none() => return Err(format!("`{}` has no place", d.message)),
            None => {}
        }
        for l in &d.related {
            span_ok(sources, l.span).map_err(|e| format!("note `{}`: {e}", l.message))?;
        }
    }
    Ok(())
}

fn report_ok(sources: &SourceMap, report: &Report) -> Result<(), String> {
    diagnostics_ok(sources, &report.errors)?;
    for f in &report.findings {
        span_ok(sources, f.span).map_err(|e| format!("{} on {}: {e}", f.rule, f.record))?;
    }
    let s = report.summary;
    if s.records != s.checked + s.rejected || s.records != report.records.len() {
        return Err(format!("summary does not add up: {s:?}"));
    }
    let json = report::json::render(report, sources);
    serde_json::from_str::<serde_json::Value>(&json)
        .map_err(|e| format!("JSON report does not parse: {e}"))?;
    let sarif = report::sarif::render(report, sources);
    serde_json::from_str::<serde_json::Value>(&sarif)
        .map_err(|e| format!("SARIF report does not parse: {e}"))?;
    let _ = report::human::render(report, sources, false);
    let _ = report::junit::render(report, sources, Some(report::Severity::Warning));
    let _ = report::github::render(report, sources);
    Ok(())
}

fn add_standard(sources: &mut SourceMap) -> Vec<FileId> {
    check::STANDARD_RULES
        .iter()
        .map(|(name, text)| sources.add(check::embedded_name(name), *text))
        .collect()
}

fn standard_program() -> Result<Program, String> {
    let mut sources = SourceMap::new();
    let files = add_standard(&mut sources);
    let check::Compiled {
        program, errors, ..
    } = check::compile_files(&sources, &files, &[], &[], MAX_NESTING);
    if errors.is_empty() {
        Ok(program)
    } else {
        Err(format!("the standard rules do not compile: {errors:?}"))
    }
}

/// The fuzz targets' limits (fuzz/src/lib.rs).
fn fuzz_limits() -> Limits {
    Limits {
        max_depth: 64,
        max_nodes: 20_000,
    }
}

fn evaluate(
    sources: &mut SourceMap,
    program: &Program,
    files: &[(String, String)],
) -> Result<Report, String> {
    let ids: Vec<FileId> = files
        .iter()
        .map(|(name, text)| sources.add(name.clone(), text.clone()))
        .collect();
    let sets = check::read_records(sources, &ids, &program.schema, &fuzz_limits());
    for set in &sets {
        if !set.unchecked.is_empty() && set.errors.is_empty() {
            return Err(format!(
                "`{}`: a record was rejected without an error",
                sources.name(set.file)
            ));
        }
    }
    located_ok(sources, program, &sets)?;
    let refs: Vec<&check::FileSet> = sets.iter().collect();
    let report = check::evaluate(program, &refs, sources);
    report_ok(sources, &report)?;
    Ok(report)
}

/// The records the `rules` target evaluates over.
fn sample_records() -> Result<Vec<(String, String)>, String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/longtan-2014/zhujian");
    ["org.yaml", "meetings.yaml", "disbursements.yaml"]
        .iter()
        .map(|f| {
            std::fs::read_to_string(dir.join(f))
                .map(|t| (format!("zhujian/{f}"), t))
                .map_err(|e| e.to_string())
        })
        .collect()
}

fn rules_target(path: &Path) -> Result<(), String> {
    let text = text_of(path)?;
    let mut sources = SourceMap::new();
    let mut files = add_standard(&mut sources);
    let id = sources.add("fuzz.rules", text.as_str());
    files.push(id);
    let check::Compiled {
        program, errors, ..
    } = check::compile_files(&sources, &files, &[], &[], MAX_NESTING);
    diagnostics_ok(&sources, &errors)?;
    evaluate(&mut sources, &program, &sample_records()?)?;
    Ok(())
}

fn records_target(path: &Path) -> Result<(), String> {
    let text = text_of(path)?;
    let program = standard_program()?;
    let mut sources = SourceMap::new();
    evaluate(&mut sources, &program, &[("fuzz.yaml".to_string(), text)])?;
    Ok(())
}

fn eval_target(path: &Path) -> Result<(), String> {
    let files: Vec<(String, String)> = if path.is_dir() {
        let mut names: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|e| e.to_string())?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        names.sort();
        names
            .iter()
            .map(|p| {
                let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("r.yaml");
                text_of(p).map(|t| (name.to_string(), t))
            })
            .collect::<Result<_, _>>()?
    } else {
        vec![("r0.yaml".to_string(), text_of(path)?)]
    };
    // Generated files hold whole documents only: each must be counted.
    let written: usize = files
        .iter()
        .map(|(_, t)| {
            t.split("\n---\n")
                .filter(|d| d.lines().any(|l| l.starts_with("kind:")))
                .count()
        })
        .sum();
    let program = standard_program()?;
    let mut sources = SourceMap::new();
    let report = evaluate(&mut sources, &program, &files)?;
    if report.summary.records != written {
        return Err(format!(
            "{written} documents written, {} records read",
            report.summary.records
        ));
    }
    Ok(())
}

fn fmt_target(path: &Path) -> Result<(), String> {
    let text = text_of(path)?;
    let Some(once) = sunlight::syntax::format::format(&text) else {
        return Ok(());
    };
    let before = sunlight::syntax::parse(FileId(0), &text);
    let after = sunlight::syntax::parse(FileId(0), &once);
    if !after.errors.is_empty() {
        return Err(format!(
            "the formatted text does not parse: {:?}\n--- formatted:\n{once}",
            after.errors.iter().map(|e| &e.message).collect::<Vec<_>>()
        ));
    }
    if before.file != after.file {
        return Err(format!(
            "formatting changed the meaning\n--- input:\n{text}\n--- formatted:\n{once}"
        ));
    }
    let twice = sunlight::syntax::format::format(&once);
    if twice.as_deref() != Some(once.as_str()) {
        return Err(format!(
            "formatting is not idempotent\n--- once:\n{once}\n--- twice:\n{twice:?}"
        ));
    }
    Ok(())
}

fn params_target(path: &Path) -> Result<(), String> {
    let text = text_of(path)?;
    let mut sources = SourceMap::new();
    let files = add_standard(&mut sources);
    let id = sources.add("params.yaml", text.as_str());
    let (overrides, errors) = check::read_params(id, &sources, &fuzz_limits());
    diagnostics_ok(&sources, &errors)?;
    let errors = check::compile_files(&sources, &files, &overrides, &[], MAX_NESTING).errors;
    diagnostics_ok(&sources, &errors)?;
    Ok(())
}

#[test]
fn rule_files_that_crashed_the_rules_target() -> TestResult {
    each("rules")
}

#[test]
fn record_files_that_crashed_the_records_target() -> TestResult {
    each("records")
}

#[test]
fn record_sets_that_crashed_the_eval_target() -> TestResult {
    each("eval")
}

#[test]
fn rule_files_that_broke_the_formatter() -> TestResult {
    each("fmt")
}

#[test]
fn parameter_files_that_crashed_the_params_target() -> TestResult {
    each("params")
}

#[test]
fn every_target_folder_is_known() -> TestResult {
    let known = ["rules", "records", "eval", "fmt", "params"];
    for entry in std::fs::read_dir(root())? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.path().is_dir() {
            assert!(
                known.contains(&name.as_str()),
                "unknown target folder `{name}`"
            );
        }
    }
    Ok(())
}
