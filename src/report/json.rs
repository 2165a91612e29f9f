//! The stable JSON output (`--format json`), as SPEC section 5 documents it.
//!
//! The shape is fixed by `#[derive(Serialize)]` structs so that keys come out
//! in the documented order (`serde_json::json!` would sort them). Lines and
//! columns are 1-based, columns count characters; they all come from
//! [`SourceMap::span_lines`]. A finding in a file that changed on disk during
//! the run (its text no longer the one checked; an input warning says so)
//! is reported at line 0, column 0, as is a span whose file is not in the
//! source map (which would be a bug upstream).

use serde::Serialize;

use crate::diag::{Diagnostic, Level};
use crate::report::{Finding, Related, Report, Suppression};
use crate::source::{SourceMap, Span};

/// Version of the JSON format.
const FORMAT_VERSION: u32 = 1;

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    /// The run date the rules read as `today`.
    #[serde(skip_serializing_if = "Option::is_none")]
    today: Option<String>,
    findings: Vec<JsonFinding<'a>>,
    errors: Vec<JsonError<'a>>,
    summary: JsonSummary,
    /// What the report was made from, for `check --verify`.
    #[serde(skip_serializing_if = "Option::is_none")]
    inputs: Option<&'a serde_json::Value>,
    configuration: JsonConfiguration<'a>,
    /// The statistics tables the rules declare (`statistics`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    statistics: Vec<JsonTable<'a>>,
}

/// A statistics table: its columns, and one row per unit with a value per
/// column (`null` where the value is none).
#[derive(Serialize)]
struct JsonTable<'a> {
    title: &'a str,
    kind: &'a str,
    columns: Vec<JsonColumn<'a>>,
    rows: Vec<JsonRow<'a>>,
}

#[derive(Serialize)]
struct JsonColumn<'a> {
    name: &'a str,
    percent: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    target: Option<serde_json::Value>,
}

#[derive(Serialize)]
struct JsonRow<'a> {
    unit: &'a str,
    values: Vec<serde_json::Value>,
}

/// A number as JSON: whole numbers exactly, others to six decimals.
pub fn number(n: crate::num::Num) -> serde_json::Value {
    if let Some(i) = n.to_i64().filter(|_| n.is_integer()) {
        return serde_json::Value::from(i);
    }
    n.round(6)
        .and_then(|r| r.to_string().parse::<f64>().ok())
        .and_then(serde_json::Number::from_f64)
        .map_or(serde_json::Value::Null, serde_json::Value::Number)
}

fn table(t: &crate::report::Table) -> JsonTable<'_> {
    JsonTable {
        title: &t.title,
        kind: &t.kind,
        columns: t
            .columns
            .iter()
            .map(|c| JsonColumn {
                name: &c.name,
                percent: c.percent,
                target: c.target.map(number),
            })
            .collect(),
        rows: t
            .rows
            .iter()
            .map(|r| JsonRow {
                unit: &r.unit,
                values: r
                    .values
                    .iter()
                    .map(|v| v.map_or(serde_json::Value::Null, number))
                    .collect(),
            })
            .collect(),
    }
}

/// What the configuration changed: see [`crate::report::Configuration`].
#[derive(Serialize)]
struct JsonConfiguration<'a> {
    project_file: Option<&'a str>,
    default_rules: bool,
    rules: &'a [String],
    params: Option<&'a str>,
    overridden: &'a [String],
    disabled: &'a [String],
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: &'a str,
    title: &'a str,
    severity: &'static str,
    /// `red` or `yellow` for the findings of a card rule.
    #[serde(skip_serializing_if = "Option::is_none")]
    card: Option<&'static str>,
    kind: &'a str,
    record: &'a str,
    path: &'a str,
    file: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    message: &'a str,
    cite: &'a str,
    help: &'a str,
    related: Vec<JsonRelated<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    suppressed: Option<JsonSuppression<'a>>,
    /// The period of the dated rule version that fired, e.g. `2015-01-01..`.
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_version: Option<&'a str>,
}

/// Why a finding does not count: `{"kind": "waiver", "reason": …}` or `{"kind": "baseline"}`.
#[derive(Serialize)]
struct JsonSuppression<'a> {
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    approved_by: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonRelated<'a> {
    file: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    note: &'a str,
}

#[derive(Serialize)]
struct JsonError<'a> {
    file: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    column: Option<usize>,
    message: &'a str,
    severity: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related: Vec<JsonRelated<'a>>,
}

#[derive(Serialize)]
struct JsonSummary {
    files: usize,
    records: usize,
    checked: usize,
    rejected: usize,
    findings: usize,
    error: usize,
    warning: usize,
    suppressed: usize,
    skipped: usize,
}

/// Start line, start column, end line, end column of a span (zeros when the
/// span's file is unknown).
fn positions(sources: &SourceMap, span: Span) -> (usize, usize, usize, usize) {
    match sources.span_lines(span) {
        Some((start, end)) => (start.line, start.column, end.line, end.column),
        None => (0, 0, 0, 0),
    }
}

fn related<'a>(sources: &'a SourceMap, span: Span, note: &'a str) -> JsonRelated<'a> {
    let (line, column, end_line, end_column) = positions(sources, span);
    JsonRelated {
        file: sources.name(span.file),
        line,
        column,
        end_line,
        end_column,
        note,
    }
}

fn finding<'a>(sources: &'a SourceMap, f: &'a Finding) -> JsonFinding<'a> {
    let (line, column, end_line, end_column) = positions(sources, f.span);
    JsonFinding {
        rule: &f.rule,
        title: &f.title,
        severity: f.severity.as_str(),
        card: f.card.map(crate::report::Card::as_str),
        kind: &f.kind,
        record: &f.record,
        path: &f.path,
        file: sources.name(f.span.file),
        line,
        column,
        end_line,
        end_column,
        message: &f.message,
        cite: &f.cite,
        help: &f.help,
        related: f
            .related
            .iter()
            .map(|Related { span, note }| related(sources, *span, note))
            .collect(),
        rule_version: f.rule_version.as_deref(),
        suppressed: f.suppressed.as_ref().map(|s| match s {
            Suppression::Waiver {
                reason,
                approved_by,
                expires,
            } => JsonSuppression {
                kind: "waiver",
                reason: Some(reason),
                approved_by: Some(approved_by),
                expires: Some(expires),
            },
            Suppression::Baseline => JsonSuppression {
                kind: "baseline",
                reason: None,
                approved_by: None,
                expires: None,
            },
        }),
    }
}

fn error<'a>(sources: &'a SourceMap, d: &'a Diagnostic) -> JsonError<'a> {
    let fallback = d.file_name(sources).unwrap_or("");
    let (file, start) = match d.span {
        Some(span) => match sources.span_lines(span) {
            Some((start, _)) => (sources.name(span.file), Some(start)),
            None => (fallback, None),
        },
        None => (fallback, None),
    };
    JsonError {
        file,
        line: start.map(|p| p.line),
        column: start.map(|p| p.column),
        message: &d.message,
        severity: match d.level {
            Level::Error => "error",
            Level::Warning => "warning",
        },
        help: d.help.as_deref(),
        related: d
            .related
            .iter()
            .map(|l| related(sources, l.span, &l.message))
            .collect(),
    }
}

fn configuration(c: &crate::report::Configuration) -> JsonConfiguration<'_> {
    JsonConfiguration {
        project_file: c.project_file.as_deref(),
        default_rules: c.default_rules,
        rules: &c.rules,
        params: c.params.as_deref(),
        overridden: &c.overridden,
        disabled: &c.disabled,
    }
}

/// The configuration as a JSON value (the SARIF run's properties carry it too).
pub fn configuration_value(c: &crate::report::Configuration) -> serde_json::Value {
    serde_json::to_value(configuration(c)).unwrap_or_default()
}

/// Render a report as the documented JSON: pretty-printed with a 2-space
/// indent and a final newline. Findings and errors keep the order the report
/// gives them.
pub fn render(report: &Report, sources: &SourceMap) -> String {
    render_with_inputs(report, sources, None)
}

/// [`render`], with the `inputs` object that `check --verify` replays.
pub fn render_with_inputs(
    report: &Report,
    sources: &SourceMap,
    inputs: Option<&serde_json::Value>,
) -> String {
    let out = JsonReport {
        inputs,
        version: FORMAT_VERSION,
        today: report.today.map(|d| d.to_string()),
        findings: report
            .findings
            .iter()
            .map(|f| finding(sources, f))
            .collect(),
        errors: report.errors.iter().map(|d| error(sources, d)).collect(),
        summary: JsonSummary {
            files: report.summary.files,
            records: report.summary.records,
            checked: report.summary.checked,
            rejected: report.summary.rejected,
            findings: report.active().count(),
            error: report.count(crate::report::Severity::Error),
            warning: report.count(crate::report::Severity::Warning),
            suppressed: report.suppressed(),
            skipped: report.skipped.len(),
        },
        configuration: configuration(&report.configuration),
        statistics: report.tables.iter().map(table).collect(),
    };
    match serde_json::to_string_pretty(&out) {
        Ok(mut text) => {
            text.push('\n');
            text
        }
        // Serializing these plain structs cannot fail; keep the output valid
        // JSON all the same.
        Err(e) => format!(
            "{{\n  \"version\": {FORMAT_VERSION},\n  \"internal_error\": {}\n}}\n",
            serde_json::Value::String(e.to_string())
        ),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::report::{Severity, Summary};
    use serde_json::Value;
    use std::collections::BTreeSet;

    const YAML: &str = "kind: meeting\nid: ZJ-DZ-2014-07\nbody: 局党组会\nattendees: [周国强, 吴敏]\nitems:\n  - no: 1\n    title: 采购车辆\n";

    fn fixture() -> (SourceMap, Report) {
        let mut sources = SourceMap::new();
        let file = sources.add("records/jiaoyu.yaml", YAML);
        let start = YAML.find("[周国强").unwrap();
        let end = YAML.find("吴敏]").unwrap() + "吴敏]".len();
        let item = YAML.find("no: 1").unwrap();
        let body = YAML.find("局党组会").unwrap();
        let report = Report {
            findings: vec![Finding {
                rule: "SZYD-002".into(),
                title: "到会人数不足".into(),
                severity: Severity::Error,
                card: None,
                kind: "meeting".into(),
                record: "ZJ-DZ-2014-07".into(),
                path: "attendees".into(),
                span: Span::new(file, start, end),
                message: "到会 2 人,应到 5 人,未达半数".into(),
                cite: "《中国共产党党组工作条例》第二十六条".into(),
                help: "到会成员须达到应到会成员的半数以上".into(),
                related: vec![Related {
                    span: Span::new(file, item, item + "no: 1".len()),
                    note: "决定的事项".into(),
                }],
                suppressed: None,
                rule_version: None,
            }],
            errors: vec![
                Diagnostic::error(
                    Span::new(file, body, body + "局党组会".len()),
                    "unknown body",
                )
                .with_help("use a collective body"),
                Diagnostic::file_error("records/broken.yaml", "not valid UTF-8"),
            ],
            summary: Summary {
                files: 2,
                records: 2,
                checked: 1,
                rejected: 1,
            },
            ..Report::default()
        };
        (sources, report)
    }

    #[test]
    fn findings_have_the_documented_keys_and_character_columns() {
        let (sources, report) = fixture();
        let text = render(&report, &sources);
        assert!(text.ends_with("}\n"));
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["version"], 1);
        let f = &v["findings"][0];
        let keys: BTreeSet<&str> = f.as_object().unwrap().keys().map(String::as_str).collect();
        let expected: BTreeSet<&str> = [
            "rule",
            "title",
            "severity",
            "kind",
            "record",
            "path",
            "file",
            "line",
            "column",
            "end_line",
            "end_column",
            "message",
            "cite",
            "help",
            "related",
        ]
        .into_iter()
        .collect();
        assert_eq!(keys, expected);
        assert_eq!(f["rule"], "SZYD-002");
        assert_eq!(f["title"], "到会人数不足");
        assert_eq!(f["severity"], "error");
        assert_eq!(f["kind"], "meeting");
        assert_eq!(f["record"], "ZJ-DZ-2014-07");
        assert_eq!(f["path"], "attendees");
        assert_eq!(f["file"], "records/jiaoyu.yaml");
        // "attendees: [周国强, 吴敏]": `[` is character 12, the end is past `]`
        assert_eq!(f["line"], 4);
        assert_eq!(f["column"], 12);
        assert_eq!(f["end_line"], 4);
        assert_eq!(f["end_column"], 21);
        assert_eq!(f["message"], "到会 2 人,应到 5 人,未达半数");
        assert_eq!(f["cite"], "《中国共产党党组工作条例》第二十六条");
        assert_eq!(f["help"], "到会成员须达到应到会成员的半数以上");
        let r = &f["related"][0];
        assert_eq!(r["file"], "records/jiaoyu.yaml");
        assert_eq!(r["line"], 6);
        assert_eq!(r["column"], 5);
        assert_eq!(r["end_line"], 6);
        assert_eq!(r["end_column"], 10);
        assert_eq!(r["note"], "决定的事项");
    }

    #[test]
    fn keys_come_out_in_the_documented_order() {
        let (sources, report) = fixture();
        let text = render(&report, &sources);
        let order = [
            "\"version\"",
            "\"findings\"",
            "\"rule\"",
            "\"title\"",
            "\"severity\"",
            "\"kind\"",
            "\"record\"",
            "\"path\"",
            "\"file\"",
            "\"line\"",
            "\"column\"",
            "\"end_line\"",
            "\"end_column\"",
            "\"message\"",
            "\"cite\"",
            "\"help\"",
            "\"related\"",
            "\"errors\"",
            "\"summary\"",
        ];
        let mut at = 0;
        for key in order {
            let found = text[at..].find(key);
            assert!(found.is_some(), "{key} missing or out of order in\n{text}");
            at += found.unwrap_or(0);
        }
        assert!(text.starts_with("{\n  \"version\": 1,\n  \"findings\": [\n    {\n"));
        assert!(
            text.contains("\"title\": \"到会人数不足\""),
            "CJK is not escaped"
        );
    }

    #[test]
    fn errors_and_summary() {
        let (sources, report) = fixture();
        let v: Value = serde_json::from_str(&render(&report, &sources)).unwrap();
        let e = &v["errors"][0];
        let keys: Vec<&str> = e.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys.len(), 6, "{keys:?}");
        assert_eq!(e["file"], "records/jiaoyu.yaml");
        assert_eq!(e["line"], 3);
        assert_eq!(e["column"], 7);
        assert_eq!(e["message"], "unknown body");
        assert_eq!(e["severity"], "error");
        assert_eq!(e["help"], "use a collective body");
        let e = v["errors"][1].as_object().unwrap();
        assert_eq!(e["file"], "records/broken.yaml");
        assert!(!e.contains_key("line"));
        assert!(!e.contains_key("column"));
        assert!(!e.contains_key("help"));
        assert!(!e.contains_key("related"));
        assert_eq!(e["severity"], "error");
        let s = &v["summary"];
        assert_eq!(s["files"], 2);
        assert_eq!(s["records"], 2);
        assert_eq!(s["checked"], 1);
        assert_eq!(s["rejected"], 1);
        assert_eq!(s["findings"], 1);
        assert_eq!(s["error"], 1);
        assert_eq!(s["warning"], 0);
    }

    #[test]
    fn empty_report_keeps_all_sections_and_is_deterministic() {
        let sources = SourceMap::new();
        let report = Report::default();
        let a = render(&report, &sources);
        assert_eq!(a, render(&report, &sources));
        let v: Value = serde_json::from_str(&a).unwrap();
        assert_eq!(v["findings"], Value::Array(vec![]));
        assert_eq!(v["errors"], Value::Array(vec![]));
        assert_eq!(v["summary"]["findings"], 0);
    }
}
