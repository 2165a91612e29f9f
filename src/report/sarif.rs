//! SARIF 2.1.0 output (`--format sarif`), for code-scanning dashboards.
//!
//! Columns are Unicode code points (`columnKind: unicodeCodePoints`), which
//! is how sunlight counts columns everywhere. Waived and baselined findings
//! carry `suppressions`; input errors become tool execution notifications.

use serde_json::{Value, json};

use crate::diag::Diagnostic;
use crate::report::{Finding, Report, Severity, Suppression};
use crate::source::{SourceMap, Span};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// A relative URI for a file name: `\` becomes `/`, and characters outside
/// the URI set (Chinese names, spaces, `<`) are percent-encoded.
pub fn file_uri(name: &str) -> String {
    let mut out = String::new();
    for b in name.replace('\\', "/").bytes() {
        let keep = b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=:@".contains(&b);
        if keep {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn region(sources: &SourceMap, span: Span) -> Value {
    let (start, end) = sources.span_lines(span).unwrap_or((
        crate::source::LineCol { line: 1, column: 1 },
        crate::source::LineCol { line: 1, column: 1 },
    ));
    let snippet = sources.get(span.file).map_or("", |f| f.slice(span));
    json!({
        "startLine": start.line,
        "startColumn": start.column,
        "endLine": end.line,
        "endColumn": end.column,
        "snippet": {"text": snippet},
    })
}

fn physical(sources: &SourceMap, span: Span) -> Value {
    json!({
        "artifactLocation": {"uri": file_uri(sources.name(span.file))},
        "region": region(sources, span),
    })
}

fn result(sources: &SourceMap, f: &Finding, rule_index: Option<usize>) -> Value {
    let mut r = json!({
        "ruleId": f.rule,
        "level": level(f.severity),
        "message": {"text": f.message},
        "locations": [{
            "physicalLocation": physical(sources, f.span),
            "logicalLocations": [{
                "name": f.record,
                "fullyQualifiedName": if f.path.is_empty() {
                    format!("{}/{}", f.kind, f.record)
                } else {
                    format!("{}/{}/{}", f.kind, f.record, f.path)
                },
                "kind": "object",
            }],
        }],
        // Stable across line moves: the rule, the record and the field.
        "partialFingerprints": {
            "sunlight/v1": format!("{}|{}|{}|{}", f.rule, f.kind, f.record, f.path),
        },
    });
    if let Some(i) = rule_index {
        r["ruleIndex"] = json!(i);
    }
    if !f.related.is_empty() {
        r["relatedLocations"] = Value::Array(
            f.related
                .iter()
                .enumerate()
                .map(|(i, rel)| {
                    json!({
                        "id": i + 1,
                        "physicalLocation": physical(sources, rel.span),
                        "message": {"text": rel.note},
                    })
                })
                .collect(),
        );
    }
    if let Some(s) = &f.suppressed {
        r["suppressions"] = json!([match s {
            Suppression::Waiver {
                reason,
                approved_by,
                expires,
            } => json!({
                "kind": "external",
                "status": "accepted",
                "justification": format!("{reason} (approved by {approved_by}, expires {expires})"),
            }),
            Suppression::Baseline => json!({
                "kind": "external",
                "status": "accepted",
                "justification": "present in the baseline report",
            }),
        }]);
    }
    if !f.help.is_empty() || !f.cite.is_empty() {
        r["properties"] = json!({"help": f.help, "cite": f.cite});
    }
    // The dated version of the rule that fired, e.g. `2015-01-01..`.
    if let Some(v) = &f.rule_version {
        r["properties"]["rule_version"] = json!(v);
    }
    r
}

fn notification(sources: &SourceMap, d: &Diagnostic) -> Value {
    let mut n = json!({
        "level": if d.is_error() { "error" } else { "warning" },
        "message": {"text": match &d.help {
            Some(h) => format!("{} (help: {h})", d.message),
            None => d.message.clone(),
        }},
    });
    match d.span {
        Some(span) => n["locations"] = json!([{"physicalLocation": physical(sources, span)}]),
        None => {
            if let Some(file) = &d.file {
                n["locations"] =
                    json!([{"physicalLocation": {"artifactLocation": {"uri": file_uri(file)}}}]);
            }
        }
    }
    n
}

/// Render a report as a SARIF 2.1.0 log with one run.
pub fn render(report: &Report, sources: &SourceMap) -> String {
    let rules: Vec<Value> = report
        .rules
        .iter()
        .map(|r| {
            let help = match (r.cite.is_empty(), r.help.is_empty()) {
                (false, false) => format!("{}\n\n依据:{}", r.help, r.cite),
                (false, true) => format!("依据:{}", r.cite),
                (true, _) => r.help.clone(),
            };
            let mut rule = json!({
                "id": r.id,
                "name": r.title,
                "shortDescription": {"text": r.title},
                "fullDescription": {"text": r.description},
                "help": {"text": if help.is_empty() { r.title.clone() } else { help }},
                "defaultConfiguration": {"level": level(r.severity)},
                "properties": {"cite": r.cite},
            });
            if !r.versions.is_empty() {
                rule["properties"]["versions"] = json!(r.versions);
            }
            rule
        })
        .collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| result(sources, f, report.rules.iter().position(|r| r.id == f.rule)))
        .collect();
    let notifications: Vec<Value> = report
        .errors
        .iter()
        .map(|d| notification(sources, d))
        .collect();
    let log = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "sunlight",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "properties": {"today": report.today.map(|d| d.to_string())},
            "results": results,
            "invocations": [{
                "executionSuccessful": !report.has_input_errors(),
                "toolExecutionNotifications": notifications,
                "properties": {
                    "configuration": crate::report::json::configuration_value(&report.configuration),
                    "skipped": report.skipped.len(),
                },
            }],
        }],
    });
    let mut text = serde_json::to_string_pretty(&log).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_uris_are_percent_encoded() {
        assert_eq!(
            file_uri("records/教育局.yaml"),
            "records/%E6%95%99%E8%82%B2%E5%B1%80.yaml"
        );
        assert_eq!(file_uri("a b\\c.yaml"), "a%20b/c.yaml");
    }
}
