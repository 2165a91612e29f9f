//! Shared code of the fuzz targets: the library pipeline as `sunlight check`
//! runs it, and the checks every outcome must pass (no panic, every span
//! inside its file, renderers that produce what they promise, summary
//! counts that add up).
//!
//! `tests/fuzz_regressions.rs` in the main crate runs saved inputs through
//! the same calls, so keep the two in step.

pub mod gen_records;

use std::sync::OnceLock;

use sunlight::check::{self, ParamOverride, Program};
use sunlight::diag::Diagnostic;
use sunlight::records::Limits;
use sunlight::report::{self, Report};
use sunlight::source::{FileId, SourceMap, Span};
use sunlight::syntax::{MAX_NESTING, ast};

/// The standard rules compiled once (the schema the record targets read
/// against).
pub fn standard_program() -> &'static Program {
    static PROGRAM: OnceLock<Program> = OnceLock::new();
    PROGRAM.get_or_init(|| {
        let mut sources = SourceMap::new();
        let files = add_standard_rules(&mut sources);
        let check::Compiled {
            program, errors, ..
        } = check::compile_files(&sources, &files, &[], &[], MAX_NESTING);
        assert!(
            errors.is_empty(),
            "standard rules do not compile: {errors:?}"
        );
        program
    })
}

/// Add the embedded standard rule files to `sources`.
pub fn add_standard_rules(sources: &mut SourceMap) -> Vec<FileId> {
    check::STANDARD_RULES
        .iter()
        .map(|(name, text)| sources.add(check::embedded_name(name), *text))
        .collect()
}

/// Small limits so that the fuzzer spends its time on structure, not size.
pub fn fuzz_limits() -> Limits {
    Limits {
        max_depth: 64,
        max_nodes: 20_000,
    }
}

/// Assert that a span lies inside a file of `sources`, on character
/// boundaries.
pub fn assert_span(sources: &SourceMap, span: Span, what: &str) {
    let file = sources.get(span.file);
    assert!(file.is_some(), "{what}: span {span:?} in no known file");
    let Some(file) = file else { return };
    let len = file.text.len();
    assert!(
        span.start <= span.end && span.end as usize <= len,
        "{what}: span {span:?} outside `{}` ({len} bytes)",
        file.name
    );
    assert!(
        file.text.is_char_boundary(span.start as usize)
            && file.text.is_char_boundary(span.end as usize),
        "{what}: span {span:?} cuts a character in `{}`",
        file.name
    );
}

/// Assert every diagnostic points inside its file.
pub fn assert_diagnostics(sources: &SourceMap, diags: &[Diagnostic]) {
    for d in diags {
        assert!(!d.message.is_empty(), "a diagnostic without a message");
        if let Some(span) = d.span {
            assert_span(sources, span, &format!("diagnostic `{}`", d.message));
        } else {
            assert!(d.file.is_some(), "diagnostic `{}` has no place", d.message);
        }
        for l in &d.related {
            assert_span(sources, l.span, &format!("related note `{}`", l.message));
        }
    }
}

/// Assert the report is consistent and renders in every format.
pub fn assert_report(sources: &SourceMap, report: &Report) {
    assert_diagnostics(sources, &report.errors);
    for f in &report.findings {
        assert_span(
            sources,
            f.span,
            &format!("finding {} on {}", f.rule, f.record),
        );
        for r in &f.related {
            assert_span(sources, r.span, &format!("related note of {}", f.rule));
        }
    }
    for r in &report.records {
        assert_span(sources, r.span, &format!("record `{}`", r.id));
    }
    let s = report.summary;
    assert_eq!(s.records, s.checked + s.rejected, "summary: {s:?}");
    assert_eq!(s.records, report.records.len(), "summary: {s:?}");
    assert_eq!(
        s.rejected,
        report.records.iter().filter(|r| r.rejected).count(),
        "summary: {s:?}"
    );
    let json = report::json::render(report, sources);
    let value: Result<serde_json::Value, _> = serde_json::from_str(&json);
    assert!(value.is_ok(), "the JSON report does not parse: {json}");
    let sarif = report::sarif::render(report, sources);
    let value: Result<serde_json::Value, _> = serde_json::from_str(&sarif);
    assert!(value.is_ok(), "the SARIF report does not parse: {sarif}");
    for text in [
        report::human::render(report, sources, false),
        report::human::render(report, sources, true),
        report::junit::render(report, sources, Some(report::Severity::Warning)),
        report::github::render(report, sources),
        json,
        sarif,
    ] {
        assert!(
            !text.contains("panicked"),
            "output mentions a panic: {text}"
        );
    }
}

/// The standard rule files parsed once. [`add_standard_rules`] on an empty
/// source map gives the same file ids, so the trees fit any such map.
fn standard_asts() -> &'static [ast::File] {
    static ASTS: OnceLock<Vec<ast::File>> = OnceLock::new();
    ASTS.get_or_init(|| {
        let mut sources = SourceMap::new();
        add_standard_rules(&mut sources)
            .into_iter()
            .filter_map(|id| {
                let file = sources.get(id)?;
                Some(sunlight::syntax::parse_with(id, &file.text, MAX_NESTING).file)
            })
            .collect()
    })
}

/// What `check::compile_files` does for the standard files plus one more,
/// with the standard files' parse reused from [`standard_asts`] (parsing
/// them is most of the cost of an iteration).
pub fn compile_with_standard(
    sources: &SourceMap,
    extra: FileId,
    overrides: &[ParamOverride],
) -> (Program, Vec<Diagnostic>) {
    let text = sources.get(extra).map_or("", |f| &*f.text);
    let parsed = sunlight::syntax::parse_with(extra, text, MAX_NESTING);
    let mut errors = parsed.errors;
    let decls: Vec<&ast::Decl> = standard_asts()
        .iter()
        .chain(std::iter::once(&parsed.file))
        .flat_map(|f| f.decls.iter())
        .collect();
    let mut compiled = check::validity::compile(&decls, overrides, &[]);
    errors.append(&mut compiled.errors);
    (compiled.program, errors)
}

/// `sunlight check RECORDS --rules FILE`: the standard rules plus one rule
/// file with `text`, evaluated over `records` (name, text).
pub fn check_rules(rules: &str, records: &[(&str, &str)]) -> (SourceMap, Report) {
    let mut sources = SourceMap::new();
    add_standard_rules(&mut sources);
    let id = sources.add("fuzz.rules", rules);
    let (program, errors) = compile_with_standard(&sources, id, &[]);
    assert_diagnostics(&sources, &errors);
    let mut report = run_records(&mut sources, &program, records);
    let mut all = errors;
    all.append(&mut report.errors);
    report.errors = all;
    assert_report(&sources, &report);
    (sources, report)
}

/// Read and evaluate record files (name, text) with a compiled program.
pub fn run_records(sources: &mut SourceMap, program: &Program, records: &[(&str, &str)]) -> Report {
    let ids: Vec<FileId> = records
        .iter()
        .map(|(name, text)| sources.add(*name, *text))
        .collect();
    let sets = check::read_records(sources, &ids, &program.schema, &fuzz_limits());
    let refs: Vec<&check::FileSet> = sets.iter().collect();
    check::evaluate(program, &refs, sources)
}

/// `sunlight check FILE` with the standard rules.
pub fn check_records(records: &[(&str, &str)]) -> (SourceMap, Report) {
    let mut sources = SourceMap::new();
    let program = standard_program();
    let report = run_records(&mut sources, program, records);
    assert_report(&sources, &report);
    (sources, report)
}

/// `sunlight check --params FILE` (no records): read a parameter file and
/// compile the standard rules with its overrides.
pub fn check_params(text: &str) -> (SourceMap, Vec<Diagnostic>) {
    let mut sources = SourceMap::new();
    add_standard_rules(&mut sources);
    let id = sources.add("params.yaml", text);
    let (overrides, mut errors): (Vec<ParamOverride>, Vec<Diagnostic>) =
        check::read_params(id, &sources, &fuzz_limits());
    assert_diagnostics(&sources, &errors);
    // An empty extra file: the standard rules alone, with the overrides.
    let none = sources.add("none.rules", "");
    let (_program, mut compile_errors) = compile_with_standard(&sources, none, &overrides);
    assert_diagnostics(&sources, &compile_errors);
    errors.append(&mut compile_errors);
    (sources, errors)
}

/// The rule formatter: formatting twice changes nothing, and the
/// formatted text means the same (equal syntax trees; spans are ignored).
pub fn check_format(text: &str) {
    let Some(once) = sunlight::syntax::format::format(text) else {
        return;
    };
    let before = sunlight::syntax::parse(FileId(0), text);
    let after = sunlight::syntax::parse(FileId(0), &once);
    assert!(
        after.errors.is_empty(),
        "the formatted text does not parse: {:?}\n--- formatted:\n{once}",
        after.errors
    );
    assert!(
        before.file == after.file,
        "formatting changed the meaning\n--- input:\n{text}\n--- formatted:\n{once}"
    );
    let twice = sunlight::syntax::format::format(&once);
    assert!(
        twice.as_deref() == Some(once.as_str()),
        "formatting is not idempotent\n--- once:\n{once}\n--- twice:\n{twice:?}"
    );
}

/// The records the rule target evaluates fuzzed rules over: one unit of
/// the example, with a few findings.
pub const SAMPLE_RECORDS: &[(&str, &str)] = &[
    (
        "zhujian/org.yaml",
        include_str!("../../examples/longtan-2014/zhujian/org.yaml"),
    ),
    (
        "zhujian/meetings.yaml",
        include_str!("../../examples/longtan-2014/zhujian/meetings.yaml"),
    ),
    (
        "zhujian/disbursements.yaml",
        include_str!("../../examples/longtan-2014/zhujian/disbursements.yaml"),
    ),
];
