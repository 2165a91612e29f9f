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

/// The id of the base that relative file URIs are resolved against: the
/// folder sunlight ran in.
pub const SRCROOT: &str = "%SRCROOT%";

/// Where sunlight is documented: the package's `repository` in
/// Cargo.toml (left out of the log while Cargo.toml names none).
const INFORMATION_URI: &str = env!("CARGO_PKG_REPOSITORY");

/// Percent-encode one path segment: everything outside RFC 3986's
/// unreserved characters and sub-delimiters (`/`, `?`, `#`, `%`, `\`,
/// spaces, Chinese names …) becomes `%XX`.
fn encode_segment(segment: &str, out: &mut String) {
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
}

/// A file name as an RFC 3986 URI reference, and whether it is relative
/// (then it is resolved against [`SRCROOT`]).
///
/// An absolute path becomes a `file:///…` URI. A relative one keeps its
/// segments, percent-encoded; `./` goes in front when its first segment
/// holds a `:`, which would otherwise read as a scheme (`a:b.yaml`). `\`
/// separates segments only on Windows: on Unix it is part of a file name.
pub fn file_uri(name: &str) -> (String, bool) {
    let path = std::path::Path::new(name);
    let separators: &[char] = if cfg!(windows) { &['/', '\\'] } else { &['/'] };
    let mut out = String::new();
    let absolute = path.is_absolute();
    let rest = if absolute {
        out.push_str("file://");
        // `C:\x` on Windows: `file:///C:/x`.
        if !name.starts_with(separators) {
            out.push('/');
        }
        name
    } else {
        name
    };
    for (i, segment) in rest.split(separators).enumerate() {
        if i > 0 {
            out.push('/');
        } else if !absolute && segment.contains(':') {
            out.push_str("./");
        }
        if absolute && i == 0 && cfg!(windows) && segment.ends_with(':') {
            // The drive letter stays as it is.
            out.push_str(segment);
            continue;
        }
        encode_segment(segment, &mut out);
    }
    (out, !absolute)
}

/// The `artifactLocation` of a file.
fn artifact(name: &str) -> Value {
    match file_uri(name) {
        (uri, true) => json!({"uri": uri, "uriBaseId": SRCROOT}),
        (uri, false) => json!({"uri": uri}),
    }
}

/// The folder sunlight ran in as a `file:///…/` URI, the base of relative
/// file URIs.
fn srcroot() -> Value {
    let description = json!({"text": "the folder sunlight ran in"});
    match std::env::current_dir() {
        Ok(dir) => {
            let (mut uri, _) = file_uri(&dir.to_string_lossy());
            if !uri.ends_with('/') {
                uri.push('/');
            }
            json!({"uri": uri, "description": description})
        }
        Err(_) => json!({"description": description}),
    }
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
        "artifactLocation": artifact(sources.name(span.file)),
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
    // The supervision card (电子监察 红牌/黄牌) the finding is.
    if let Some(c) = f.card {
        r["properties"]["card"] = json!(c.as_str());
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
                    json!([{"physicalLocation": {"artifactLocation": artifact(file)}}]);
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
            if let Some(c) = r.card {
                rule["properties"]["card"] = json!(c.as_str());
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
    let mut driver = json!({
        "name": "sunlight",
        "version": env!("CARGO_PKG_VERSION"),
        "rules": rules,
    });
    if !INFORMATION_URI.is_empty() {
        driver["informationUri"] = json!(INFORMATION_URI);
    }
    let log = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": driver},
            "automationDetails": {"id": "sunlight/check/"},
            "originalUriBaseIds": {SRCROOT: srcroot()},
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
    fn relative_file_uris_are_percent_encoded_segments() {
        assert_eq!(
            file_uri("records/教育局.yaml"),
            ("records/%E6%95%99%E8%82%B2%E5%B1%80.yaml".into(), true)
        );
        assert_eq!(
            file_uri("a b/c#1%.yaml"),
            ("a%20b/c%231%25.yaml".into(), true)
        );
    }

    #[test]
    fn a_colon_in_the_first_segment_does_not_read_as_a_scheme() {
        assert_eq!(file_uri("a:b.yaml"), ("./a:b.yaml".into(), true));
        assert_eq!(file_uri("x/a:b.yaml"), ("x/a:b.yaml".into(), true));
    }

    #[cfg(unix)]
    #[test]
    fn absolute_paths_are_file_uris_and_backslash_is_part_of_a_name() {
        assert_eq!(
            file_uri("/tmp/审计 1/a.yaml"),
            ("file:///tmp/%E5%AE%A1%E8%AE%A1%201/a.yaml".into(), false)
        );
        assert_eq!(file_uri("a\\b.yaml"), ("a%5Cb.yaml".into(), true));
    }
}
