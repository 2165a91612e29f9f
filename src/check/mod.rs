//! The checker: compile rule files, read records, evaluate, collect findings.

mod builtins;
pub mod compile;
pub mod eval;
mod files;
mod frozen;
pub mod groups;
pub mod ids;
pub mod ir;
mod place;
pub mod program;
pub mod refs;
pub mod store;
pub mod symbols;
pub mod types;
pub mod validity;
pub mod value;

pub use builtins::{BUILTINS, BuiltinDoc, builtins_markdown};
pub use compile::ParamOverride;
pub use files::{FileSet, read_file, read_file_text, read_records, record_infos};
pub use frozen::Frozen;
pub use program::Program;
pub use symbols::Symbols;

use std::borrow::Cow;
use std::collections::HashSet;

use rayon::prelude::*;

use crate::diag::Diagnostic;
use crate::model::{Finding, Related, Report, RuleInfo, Summary};
use crate::records::{self, Limits, Record};
use crate::schema::Schema;
use crate::source::{FileId, SourceFile, SourceMap, Span};
use crate::syntax::{self, ast};
pub use place::Locator;
use place::place;

/// The standard rule library, embedded in the binary.
pub const STANDARD_RULES: &[(&str, &str)] = &[
    ("schema.rules", include_str!("../../rules/schema.rules")),
    ("params.rules", include_str!("../../rules/params.rules")),
    ("calendar.rules", include_str!("../../rules/calendar.rules")),
    ("common.rules", include_str!("../../rules/common.rules")),
    ("wbzg.rules", include_str!("../../rules/wbzg.rules")),
    ("szyd.rules", include_str!("../../rules/szyd.rules")),
    ("zjbf.rules", include_str!("../../rules/zjbf.rules")),
    ("xzsp.rules", include_str!("../../rules/xzsp.rules")),
    ("ref.rules", include_str!("../../rules/ref.rules")),
];

/// The name shown for an embedded rule file.
pub fn embedded_name(file: &str) -> String {
    format!("<sunlight>/rules/{file}")
}

/// What compiling rule files gives: the program to run, the editor's index
/// of the names beside it (evaluation never reads it) and every problem
/// found on the way.
///
/// A command-line run builds the index too: it is filled in the same pass
/// that resolves the names, costs little next to parsing, and lists every
/// rule declared, switched off or not, which the warnings about unknown
/// `disable`d ids need.
#[derive(Debug, Default)]
pub struct Compiled {
    /// The program.
    pub program: Program,
    /// The editor's index of the names declared and used, covering every
    /// period when rules or parameter values are dated.
    pub symbols: Symbols,
    /// Problems, errors and warnings, in the order found.
    pub errors: Vec<Diagnostic>,
}

/// Parse and compile rule files already added to `sources`, with
/// parameter overrides and rules switched off, refusing expressions nested
/// deeper than `max_expr_depth`.
pub fn compile_files(
    sources: &SourceMap,
    files: &[FileId],
    overrides: &[ParamOverride],
    disabled: &[String],
    max_expr_depth: usize,
) -> Compiled {
    let parse = |&id: &FileId| {
        let file = sources.get(id)?;
        Some(syntax::parse_with(id, &file.text, max_expr_depth))
    };
    // A run compiles its rule library before it can read a record, so the
    // files are parsed on all cores when this runs on a pool (the command
    // line's, whose threads have stacks as large as the one it started
    // on). Elsewhere, such as on an editor's request thread, the files are
    // parsed here: deep nesting needs this thread's stack, not that of
    // a thread of the global pool.
    let results: Vec<syntax::Parsed> = if rayon::current_thread_index().is_some() {
        files.par_iter().with_max_len(1).filter_map(parse).collect()
    } else {
        files.iter().filter_map(parse).collect()
    };
    let mut errors = Vec::new();
    let mut parsed: Vec<ast::File> = Vec::with_capacity(results.len());
    for p in results {
        errors.extend(p.errors);
        parsed.push(p.file);
    }
    // Dated rules and parameter values make one program per period.
    let decls: Vec<&ast::Decl> = parsed.iter().flat_map(|f| f.decls.iter()).collect();
    let mut compiled = validity::compile(&decls, overrides, disabled);
    errors.append(&mut compiled.errors);
    compiled.errors = errors;
    compiled
}

/// Compile one rule file's text for a unit test, added to `sources`:
/// any problem found in it is the test's failure.
#[cfg(test)]
pub(crate) fn compile_for_test(sources: &mut SourceMap, rules: &str) -> Result<Compiled, String> {
    let file = sources.add("t.rules", rules);
    let compiled = compile_files(sources, &[file], &[], &[], crate::syntax::MAX_NESTING);
    match compiled.errors.is_empty() {
        true => Ok(compiled),
        false => Err(format!("{:?}", compiled.errors)),
    }
}

/// Read a parameter file (YAML: `名称: 值`) into overrides. Values use the
/// rule language's literals (`50万`, `30天`); words are text.
/// `limits` bound its YAML like a record file's.
pub fn read_params(
    file: FileId,
    sources: &SourceMap,
    limits: &Limits,
) -> (Vec<ParamOverride>, Vec<Diagnostic>) {
    use crate::records::tree::{Node, NodeKind};
    let Some(src) = sources.get(file) else {
        return (Vec::new(), Vec::new());
    };
    let loaded = records::yaml::load(file, &src.text, limits);
    let mut errors = loaded.errors;
    let mut out = Vec::new();
    fn to_expr(node: &Node, src: &SourceFile, errors: &mut Vec<Diagnostic>) -> Option<ast::Expr> {
        match &node.kind {
            NodeKind::Scalar { text, plain } => {
                let base = node.span.start as usize + usize::from(!plain);
                let numeric = *plain
                    && !text.is_empty()
                    && text.bytes().all(|b| b.is_ascii_digit() || b == b'.');
                if numeric && crate::num::Num::parse_decimal(text).is_none() {
                    errors.push(
                        Diagnostic::error(
                            node.span,
                            format!(
                                "`{}…` is too large a number",
                                text.get(..12).unwrap_or(text)
                            ),
                        )
                        .with_help("numbers have at most 30 digits"),
                    );
                    return None;
                }
                // `2014-09-30`, quoted or not, is a date; a day that does
                // not exist is an error here, not text.
                let date_shaped = text.len() == 10
                    && text.bytes().enumerate().all(|(i, b)| {
                        if i == 4 || i == 7 {
                            b == b'-'
                        } else {
                            b.is_ascii_digit()
                        }
                    });
                if date_shaped && let Err(e) = crate::date::Date::parse(text) {
                    errors.push(
                        Diagnostic::error(node.span, format!("`{text}` is not a date: {e}"))
                            .with_help("write a day that exists, as YYYY-MM-DD"),
                    );
                    return None;
                }
                // A scalar folded over lines or written with escapes is not
                // its source text, so offsets into it are not source offsets:
                // it is read as text, with the scalar's own span.
                let verbatim = src.text.get(base..base + text.len()) == Some(text.as_str());
                let parsed = verbatim
                    .then(|| syntax::parse_expr_at(node.span.file, text, base).ok())
                    .flatten();
                Some(match parsed {
                    Some(e)
                        if !matches!(e.kind, ast::ExprKind::Name(_) | ast::ExprKind::Call(..)) =>
                    {
                        ast::Expr {
                            span: node.span,
                            ..e
                        }
                    }
                    _ => ast::Expr {
                        kind: ast::ExprKind::Str(ast::Template {
                            parts: vec![ast::TemplatePart::Text(text.to_string())],
                            span: node.span,
                        }),
                        span: node.span,
                    },
                })
            }
            NodeKind::Seq(items) => {
                let mut exprs = Vec::new();
                for i in items {
                    exprs.push(to_expr(i, src, errors)?);
                }
                Some(ast::Expr {
                    kind: ast::ExprKind::List(exprs),
                    span: node.span,
                })
            }
            _ => {
                errors.push(
                    Diagnostic::error(
                        node.span,
                        format!(
                            "a parameter value is a number, text or a list, found {}",
                            node.describe()
                        ),
                    )
                    .with_help("write e.g. `大额资金标准: 50万` or `五个不直接管: [财务, 人事]`"),
                );
                None
            }
        }
    }
    for doc in &loaded.documents {
        let NodeKind::Map(entries) = &doc.kind else {
            errors.push(
                Diagnostic::error(
                    doc.span,
                    "a parameter file is a mapping of parameter names to values",
                )
                .with_help("write one `名称: 值` per line"),
            );
            continue;
        };
        for (k, v) in entries {
            let Some(name) = k.as_str() else { continue };
            if let Some(value) = to_expr(v, src, &mut errors) {
                out.push(ParamOverride {
                    name: name.to_string(),
                    value,
                    span: k.span,
                    file: src.name.clone(),
                });
            }
        }
    }
    (out, errors)
}

/// The index of `records` (read from `files`) by kind and id, knowing the
/// ids of the records rejected as bad input (those of `files` and
/// `rejected`), so that a reference to one is not called dangling: what
/// evaluation and the editor's navigation resolve references against.
pub fn index<'a>(
    records: Vec<&'a Record>,
    files: &[&'a FileSet],
    rejected: &'a [(crate::schema::KindId, String)],
    schema: &Schema,
) -> store::Store<'a> {
    store::Store::new(
        records,
        files
            .iter()
            .flat_map(|f| f.rejected.iter())
            .chain(rejected)
            .map(|(k, id)| (*k, id.as_str())),
        schema.kinds.len(),
    )
}

/// Evaluate the program over a record set and build the report.
pub fn evaluate(program: &Program, files: &[&FileSet], sources: &SourceMap) -> Report {
    evaluate_focused(program, files, sources, None)
}

/// Like [`evaluate`], but report only findings on the records of the
/// `focus` files (all files when `None`). Cross-record rules still see
/// every record; only the scopes are narrowed, so an editor pays for the
/// files it shows. An editor's evaluation lists no record: it shows
/// findings, not the records' table.
pub fn evaluate_focused(
    program: &Program,
    files: &[&FileSet],
    sources: &SourceMap,
    focus: Option<&[FileId]>,
) -> Report {
    let Evaluation {
        mut report,
        late_rejected,
    } = evaluate_rules(program, files, sources, focus);
    if focus.is_none() {
        let files = files.iter().map(|f| Cow::Borrowed(*f)).collect();
        report.records = record_infos(&program.schema, files, &late_rejected);
    }
    report
}

/// A report but for its list of records, and what that list needs of the
/// evaluation: see [`evaluate_rules`].
#[derive(Debug)]
pub struct Evaluation {
    /// The report, its `records` empty.
    pub report: Report,
    /// The places (document spans) of the records found to be bad input
    /// while the rules ran: listed as rejected.
    pub late_rejected: HashSet<Span>,
}

/// The evaluation of [`evaluate_focused`] without the list of records,
/// which [`record_infos`] makes: a caller that owns the file sets can then
/// let them go as it is made, rather than hold the records and their list
/// at once.
pub fn evaluate_rules(
    program: &Program,
    files: &[&FileSet],
    sources: &SourceMap,
    focus: Option<&[FileId]>,
) -> Evaluation {
    let mut records: Vec<&Record> = files.iter().flat_map(|f| f.records.iter()).collect();
    let periods = program.periods();
    // Records that evaluation finds to be bad input (a date outside the
    // working-day calendar) are rejected and the rules run again without
    // them, so that no finding, count or share includes them. Each round
    // removes at least one record, so this ends.
    let mut late_rejected: Vec<(crate::schema::KindId, String)> = Vec::new();
    let mut late_errors: Vec<Diagnostic> = Vec::new();
    let mut late_spans: HashSet<Span> = HashSet::new();
    let mut tables = Vec::new();
    let (mut findings, eval_errors) = loop {
        let mut store = index(records.clone(), files, &late_rejected, &program.schema);
        store.locator = Some(Locator::new(sources, &program.schema));
        let focus_records: Option<HashSet<u32>> = focus.map(|f| {
            records
                .iter()
                .enumerate()
                .filter(|(_, r)| f.contains(&r.file))
                .map(|(i, _)| u32::try_from(i).unwrap_or(u32::MAX))
                .collect()
        });
        // Each record is judged by the program of the period its decision
        // date falls in; every program sees all records.
        let in_period: Vec<usize> = if periods.len() > 1 {
            eval::decision_dates(program, &store)
                .iter()
                .map(|d| {
                    d.and_then(|d| periods.iter().position(|p| p.period.contains(d)))
                        .unwrap_or(periods.len() - 1)
                })
                .collect()
        } else {
            Vec::new()
        };
        let mut findings: Vec<Finding> = Vec::new();
        let mut eval_errors: Vec<Diagnostic> = Vec::new();
        let mut rejections: Vec<eval::Rejection> = Vec::new();
        for (pi, period) in periods.iter().enumerate() {
            // The tables of the program in force now; not for an editor.
            let latest = pi + 1 == periods.len() && focus.is_none();
            let (mut f, errs, rejected, t) = findings_of(
                period,
                &store,
                sources,
                focus_records.as_ref(),
                latest,
                |rec| in_period.get(rec as usize).is_none_or(|&p| p == pi),
                None,
            );
            if latest {
                tables = t;
            }
            findings.append(&mut f);
            for e in errs {
                if !eval_errors
                    .iter()
                    .any(|o| o.span == e.span && o.message == e.message)
                {
                    eval_errors.push(e);
                }
            }
            // Only the program in force for a record may reject it.
            for r in rejected
                .into_iter()
                .filter(|r| in_period.get(r.record as usize).is_none_or(|&p| p == pi))
            {
                if !rejections.iter().any(|o| o.record == r.record) {
                    rejections.push(r);
                }
            }
        }
        if !rejections.is_empty() {
            let bad: HashSet<u32> = rejections.iter().map(|r| r.record).collect();
            for r in rejections {
                if let Some(rec) = records.get(r.record as usize) {
                    late_rejected.push((rec.kind, rec.id().to_string()));
                    late_spans.insert(rec.span());
                }
                late_errors.push(r.error);
            }
            records = records
                .iter()
                .enumerate()
                .filter(|(i, _)| !bad.contains(&u32::try_from(*i).unwrap_or(u32::MAX)))
                .map(|(_, r)| *r)
                .collect();
            continue;
        }
        break (findings, eval_errors);
    };
    sort_findings(&mut findings, sources);
    let mut errors: Vec<Diagnostic> = files
        .iter()
        .flat_map(|f| f.errors.iter().cloned())
        .collect();
    errors.extend(late_errors);
    errors.extend(eval_errors);
    let checked = records.len();
    let records_read: usize = files.iter().map(|f| f.records_read()).sum();
    let summary = Summary {
        files: files.len(),
        records: records_read,
        checked,
        rejected: records_read - checked,
    };
    let rules = rule_infos(program);
    let report = Report {
        findings,
        errors,
        summary,
        rules,
        today: Some(program.today),
        families: program.families.clone(),
        tables,
        surnames: program
            .params
            .iter()
            .filter(|p| p.marks.iter().any(|m| m == "surnames"))
            .flat_map(|p| p.value.items())
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        ..Report::default()
    };
    Evaluation {
        report,
        late_rejected: late_spans,
    }
}

/// Every rule of every period, each id once, as reports describe them.
fn rule_infos(program: &Program) -> Vec<RuleInfo> {
    let mut rules: Vec<RuleInfo> = Vec::new();
    for p in program.periods() {
        for r in &p.rules {
            if rules.iter().any(|o| o.id == r.id) {
                continue;
            }
            let versions = program
                .rule_versions(&r.id)
                .iter()
                .filter_map(|v| v.version.map(|p| p.to_string()))
                .collect();
            rules.push(RuleInfo {
                id: r.id.clone(),
                title: r.title.clone(),
                severity: r.severity,
                card: r.card,
                cite: r.cite.clone(),
                description: r.doc.clone().unwrap_or_else(|| r.title.clone()),
                help: r.help_text.clone(),
                versions,
            });
        }
    }
    rules
}

/// The findings of one program on the records `keep` accepts, its run-time
/// errors, the records it found to be bad input and, when `tables` asks
/// for them, its statistics tables.
fn findings_of<'a>(
    program: &'a Program,
    store: &'a store::Store<'a>,
    sources: &SourceMap,
    focus: Option<&'a HashSet<u32>>,
    tables: bool,
    keep: impl Fn(u32) -> bool + Sync,
    base: Option<&store::BaseSlot<'a>>,
) -> (
    Vec<Finding>,
    Vec<Diagnostic>,
    Vec<eval::Rejection>,
    Vec<crate::report::Table>,
) {
    let (fired, mut eval_errors, rejections) = eval::run(program, store, focus, &keep, base);
    // Only the program in force for a record may reject it: a rejection
    // of a record another program judges does not stop the tables.
    let rejections: Vec<eval::Rejection> =
        rejections.into_iter().filter(|r| keep(r.record)).collect();
    let tables = if tables && rejections.is_empty() {
        let (t, errs) = eval::statistics(program, store, &fired);
        eval_errors.extend(errs);
        t
    } else {
        Vec::new()
    };
    let placed = place(&program.schema, store, sources, &fired, &keep);
    let findings: Vec<Finding> = fired
        .iter()
        .zip(placed)
        .filter(|(f, _)| keep(f.record))
        .filter_map(|(f, placed)| {
            let rule = program.rules.get(f.rule)?;
            let record = store.records.get(f.record as usize)?;
            let kind = program.schema.kinds.get(record.kind)?;
            Some(Finding {
                rule: rule.id.clone(),
                title: rule.title.clone(),
                severity: rule.severity,
                card: rule.card,
                kind: kind.name.clone(),
                record: record.id().to_string(),
                span: placed.span,
                path: placed.path,
                message: f.message.clone(),
                cite: rule.cite.clone(),
                help: f.help.clone(),
                related: f
                    .related
                    .iter()
                    .zip(placed.related)
                    .map(|((_, note), span)| Related {
                        span,
                        note: note.clone(),
                    })
                    .collect(),
                suppressed: None,
                rule_version: rule.version.map(|p| p.to_string()),
            })
        })
        .collect();
    (findings, eval_errors, rejections, tables)
}

/// Sort by file, line, column, rule, as the JSON format promises.
pub fn sort_findings(findings: &mut [Finding], sources: &SourceMap) {
    findings.sort_by(|a, b| {
        let key = |f: &Finding| {
            (
                sources.name(f.span.file).to_string(),
                f.span.start,
                f.rule.clone(),
                f.record.clone(),
                f.message.clone(),
            )
        };
        key(a).cmp(&key(b))
    });
}

/// Sort input errors and warnings by file, line, column, as the findings
/// are: one order in every format, whatever order they were met in. A
/// problem of a whole file comes before those at a place in it, and one
/// of the whole run (no file) first; problems at one place keep their
/// order.
pub fn sort_errors(errors: &mut [Diagnostic], sources: &SourceMap) {
    errors.sort_by_cached_key(|d| match d.span {
        Some(s) => (sources.name(s.file).to_string(), 1, s.start),
        None => (d.file.clone().unwrap_or_default(), 0, 0),
    });
}
