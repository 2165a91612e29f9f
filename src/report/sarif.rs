//! SARIF 2.1.0 output (`--format sarif`), for code-scanning dashboards.
//!
//! Columns are Unicode code points (`columnKind: unicodeCodePoints`), which
//! is how sunlight counts columns everywhere. Waived and baselined findings
//! carry `suppressions`; input errors become tool execution notifications.
//!
//! The log is built from typed structs (`model`) for the parts of SARIF
//! sunlight writes, so that a misspelt or misplaced property does not
//! compile. The crates that model all of SARIF generate their types in a
//! build script from the schema; the few structs needed here are smaller
//! than that build.

use std::collections::BTreeMap;

use crate::diag::Diagnostic;
use crate::report::{Finding, Report, Severity, Suppression};
use crate::source::{SourceMap, Span};

use model::*;

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

/// Where sunlight is documented: the package's `homepage`, else its
/// `repository`, from Cargo.toml. The project has no public address yet,
/// so Cargo.toml names neither and `informationUri` is left out of the log
/// (an address is not made up); it appears once Cargo.toml names one.
fn information_uri() -> Option<&'static str> {
    [env!("CARGO_PKG_HOMEPAGE"), env!("CARGO_PKG_REPOSITORY")]
        .into_iter()
        .find(|u| !u.is_empty())
}

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
fn artifact(name: &str) -> ArtifactLocation {
    let (uri, relative) = file_uri(name);
    ArtifactLocation {
        uri: Some(uri),
        uri_base_id: relative.then_some(SRCROOT),
        description: None,
    }
}

/// The folder sunlight ran in as a `file:///…/` URI, the base of relative
/// file URIs.
fn srcroot() -> ArtifactLocation {
    let uri = std::env::current_dir().ok().map(|dir| {
        let (mut uri, _) = file_uri(&dir.to_string_lossy());
        if !uri.ends_with('/') {
            uri.push('/');
        }
        uri
    });
    ArtifactLocation {
        uri,
        uri_base_id: None,
        description: Some(Message::new("the folder sunlight ran in")),
    }
}

fn region(sources: &SourceMap, span: Span) -> Region {
    let (start, end) = sources.span_lines(span).unwrap_or((
        crate::source::LineCol { line: 1, column: 1 },
        crate::source::LineCol { line: 1, column: 1 },
    ));
    let snippet = sources.get(span.file).map_or("", |f| f.slice(span));
    Region {
        start_line: start.line,
        start_column: start.column,
        end_line: end.line,
        end_column: end.column,
        snippet: Message::new(snippet),
    }
}

fn physical(sources: &SourceMap, span: Span) -> PhysicalLocation {
    PhysicalLocation {
        artifact_location: artifact(sources.name(span.file)),
        // A released text (changed since it was checked) has no region.
        region: (!sources.get(span.file).is_some_and(|f| f.is_released()))
            .then(|| region(sources, span)),
    }
}

fn result(sources: &SourceMap, f: &Finding, rule_index: Option<usize>) -> SarifResult {
    let fully_qualified_name = if f.path.is_empty() {
        format!("{}/{}", f.kind, f.record)
    } else {
        format!("{}/{}/{}", f.kind, f.record, f.path)
    };
    let related_locations = f
        .related
        .iter()
        .enumerate()
        .map(|(i, rel)| RelatedLocation {
            id: i + 1,
            physical_location: physical(sources, rel.span),
            message: Message::new(&rel.note),
        })
        .collect();
    let suppressions = f
        .suppressed
        .iter()
        .map(|s| SarifSuppression {
            kind: "external",
            status: "accepted",
            justification: match s {
                Suppression::Waiver {
                    reason,
                    approved_by,
                    expires,
                } => format!("{reason} (approved by {approved_by}, expires {expires})"),
                Suppression::Baseline => "present in the baseline report".to_string(),
            },
        })
        .collect();
    let (help, cite) = if f.help.is_empty() && f.cite.is_empty() {
        (None, None)
    } else {
        (Some(f.help.clone()), Some(f.cite.clone()))
    };
    let properties = ResultProperties {
        help,
        cite,
        // The dated version of the rule that fired, e.g. `2015-01-01..`.
        rule_version: f.rule_version.clone(),
        // The supervision card (电子监察 红牌/黄牌) the finding is.
        card: f.card.map(|c| c.as_str()),
    };
    SarifResult {
        rule_id: f.rule.clone(),
        rule_index,
        level: level(f.severity),
        message: Message::new(&f.message),
        locations: vec![Location {
            physical_location: physical(sources, f.span),
            logical_locations: vec![LogicalLocation {
                name: f.record.clone(),
                fully_qualified_name,
                kind: "object",
            }],
        }],
        related_locations,
        // Stable across line moves: the rule, the record and the field.
        partial_fingerprints: BTreeMap::from([(
            "sunlight/v1",
            format!("{}|{}|{}|{}", f.rule, f.kind, f.record, f.path),
        )]),
        suppressions,
        properties: (!properties.is_empty()).then_some(properties),
    }
}

fn notification(sources: &SourceMap, d: &Diagnostic) -> Notification {
    let physical_location = match (d.span, &d.file) {
        (Some(span), _) => Some(physical(sources, span)),
        (None, Some(file)) => Some(PhysicalLocation {
            artifact_location: artifact(file),
            region: None,
        }),
        (None, None) => None,
    };
    Notification {
        level: if d.is_error() { "error" } else { "warning" },
        message: Message {
            text: match &d.help {
                Some(h) => format!("{} (help: {h})", d.message),
                None => d.message.clone(),
            },
        },
        locations: physical_location
            .map(|physical_location| Location {
                physical_location,
                logical_locations: Vec::new(),
            })
            .into_iter()
            .collect(),
    }
}

fn rule(r: &crate::report::RuleInfo) -> ReportingDescriptor {
    let help = match (r.cite.is_empty(), r.help.is_empty()) {
        (false, false) => format!("{}\n\n依据:{}", r.help, r.cite),
        (false, true) => format!("依据:{}", r.cite),
        (true, _) => r.help.clone(),
    };
    ReportingDescriptor {
        id: r.id.clone(),
        name: r.title.clone(),
        short_description: Message::new(&r.title),
        full_description: Message::new(&r.description),
        help: Message {
            text: if help.is_empty() {
                r.title.clone()
            } else {
                help
            },
        },
        default_configuration: ReportingConfiguration {
            level: level(r.severity),
        },
        properties: RuleProperties {
            cite: r.cite.clone(),
            versions: r.versions.clone(),
            card: r.card.map(|c| c.as_str()),
        },
    }
}

/// Render a report as a SARIF 2.1.0 log with one run.
pub fn render(report: &Report, sources: &SourceMap) -> String {
    let results = report
        .findings
        .iter()
        .map(|f| result(sources, f, report.rules.iter().position(|r| r.id == f.rule)))
        .collect();
    let notifications = report
        .errors
        .iter()
        .map(|d| notification(sources, d))
        .collect();
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: ToolComponent {
                    name: "sunlight",
                    version: env!("CARGO_PKG_VERSION"),
                    information_uri: information_uri(),
                    rules: report.rules.iter().map(rule).collect(),
                },
            },
            automation_details: RunAutomationDetails {
                id: "sunlight/check/",
            },
            original_uri_base_ids: BTreeMap::from([(SRCROOT, srcroot())]),
            column_kind: "unicodeCodePoints",
            properties: RunProperties {
                today: report.today.map(|d| d.to_string()),
            },
            results,
            invocations: vec![Invocation {
                execution_successful: !report.has_input_errors(),
                tool_execution_notifications: notifications,
                properties: InvocationProperties {
                    configuration: crate::report::json::configuration_value(&report.configuration),
                    skipped: report.skipped.len(),
                },
            }],
        }],
    };
    let mut text = serde_json::to_string_pretty(&log).unwrap_or_default();
    text.push('\n');
    text
}

/// The parts of the SARIF 2.1.0 object model that sunlight writes, named
/// as in the specification (§3); optional properties are left out when
/// empty.
mod model {
    use std::collections::BTreeMap;

    use serde::Serialize;

    /// The root object (§3.13).
    #[derive(Serialize)]
    pub struct Log {
        #[serde(rename = "$schema")]
        pub schema: &'static str,
        pub version: &'static str,
        pub runs: Vec<Run>,
    }

    /// One run of the tool (§3.14).
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Run {
        pub tool: Tool,
        pub automation_details: RunAutomationDetails,
        pub original_uri_base_ids: BTreeMap<&'static str, ArtifactLocation>,
        pub column_kind: &'static str,
        pub properties: RunProperties,
        pub results: Vec<SarifResult>,
        pub invocations: Vec<Invocation>,
    }

    /// The property bag of the run.
    #[derive(Serialize)]
    pub struct RunProperties {
        /// The run date rules read as `today`.
        pub today: Option<String>,
    }

    /// The tool (§3.18).
    #[derive(Serialize)]
    pub struct Tool {
        pub driver: ToolComponent,
    }

    /// The tool's driver (§3.19).
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    pub struct ToolComponent {
        pub name: &'static str,
        pub version: &'static str,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub information_uri: Option<&'static str>,
        pub rules: Vec<ReportingDescriptor>,
    }

    /// A rule (§3.49).
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    pub struct ReportingDescriptor {
        pub id: String,
        pub name: String,
        pub short_description: Message,
        pub full_description: Message,
        pub help: Message,
        pub default_configuration: ReportingConfiguration,
        pub properties: RuleProperties,
    }

    /// A rule's default configuration (§3.50).
    #[derive(Serialize)]
    pub struct ReportingConfiguration {
        pub level: &'static str,
    }

    /// The property bag of a rule.
    #[derive(Serialize)]
    pub struct RuleProperties {
        /// The rule's legal basis.
        pub cite: String,
        /// The dated versions of the rule, when it has several.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        pub versions: Vec<String>,
        /// The supervision card (电子监察 红牌/黄牌) its findings are.
        #[serde(skip_serializing_if = "Option::is_none")]
        pub card: Option<&'static str>,
    }

    /// Identifies the run for comparing results across runs (§3.17).
    #[derive(Serialize)]
    pub struct RunAutomationDetails {
        pub id: &'static str,
    }

    /// A message, or any object whose only property is `text` (§3.11,
    /// §3.3 for a snippet).
    #[derive(Serialize)]
    pub struct Message {
        pub text: String,
    }

    impl Message {
        pub fn new(text: &str) -> Message {
            Message {
                text: text.to_string(),
            }
        }
    }

    /// A result (§3.27).
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    pub struct SarifResult {
        pub rule_id: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub rule_index: Option<usize>,
        pub level: &'static str,
        pub message: Message,
        pub locations: Vec<Location>,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        pub related_locations: Vec<RelatedLocation>,
        pub partial_fingerprints: BTreeMap<&'static str, String>,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        pub suppressions: Vec<SarifSuppression>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub properties: Option<ResultProperties>,
    }

    /// The property bag of a result.
    #[derive(Serialize)]
    pub struct ResultProperties {
        #[serde(skip_serializing_if = "Option::is_none")]
        pub help: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub cite: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub rule_version: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub card: Option<&'static str>,
    }

    impl ResultProperties {
        pub fn is_empty(&self) -> bool {
            self.help.is_none()
                && self.cite.is_none()
                && self.rule_version.is_none()
                && self.card.is_none()
        }
    }

    /// A location (§3.28).
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Location {
        pub physical_location: PhysicalLocation,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        pub logical_locations: Vec<LogicalLocation>,
    }

    /// A related location: a location with an id and a message (§3.27.22).
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    pub struct RelatedLocation {
        pub id: usize,
        pub physical_location: PhysicalLocation,
        pub message: Message,
    }

    /// A place in a file (§3.29).
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    pub struct PhysicalLocation {
        pub artifact_location: ArtifactLocation,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub region: Option<Region>,
    }

    /// A file, or a base of relative URIs (§3.4).
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    pub struct ArtifactLocation {
        #[serde(skip_serializing_if = "Option::is_none")]
        pub uri: Option<String>,
        #[serde(rename = "uriBaseId", skip_serializing_if = "Option::is_none")]
        pub uri_base_id: Option<&'static str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub description: Option<Message>,
    }

    /// A span of a file (§3.30), columns in Unicode code points.
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Region {
        pub start_line: usize,
        pub start_column: usize,
        pub end_line: usize,
        pub end_column: usize,
        pub snippet: Message,
    }

    /// A record, as a logical location (§3.33).
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    pub struct LogicalLocation {
        pub name: String,
        pub fully_qualified_name: String,
        pub kind: &'static str,
    }

    /// A waiver or a baseline entry (§3.35).
    #[derive(Serialize)]
    pub struct SarifSuppression {
        pub kind: &'static str,
        pub status: &'static str,
        pub justification: String,
    }

    /// An invocation of the tool (§3.20).
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Invocation {
        pub execution_successful: bool,
        pub tool_execution_notifications: Vec<Notification>,
        pub properties: InvocationProperties,
    }

    /// The property bag of the invocation.
    #[derive(Serialize)]
    pub struct InvocationProperties {
        /// What the configuration changed, as in the JSON report.
        pub configuration: serde_json::Value,
        /// Files skipped under the folders given.
        pub skipped: usize,
    }

    /// An input error or warning (§3.58).
    #[derive(Serialize)]
    pub struct Notification {
        pub level: &'static str,
        pub message: Message,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        pub locations: Vec<Location>,
    }
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

    #[test]
    fn the_driver_names_an_information_uri_only_when_cargo_toml_has_one() {
        let log: serde_json::Value =
            serde_json::from_str(&render(&Report::default(), &SourceMap::new()))
                .unwrap_or_default();
        let driver = &log["runs"][0]["tool"]["driver"];
        assert_eq!(driver["name"], "sunlight");
        let named = [env!("CARGO_PKG_HOMEPAGE"), env!("CARGO_PKG_REPOSITORY")]
            .into_iter()
            .find(|u| !u.is_empty());
        match named {
            Some(uri) => assert_eq!(driver["informationUri"], uri),
            // Not made up while the project has no public address.
            None => assert!(driver.get("informationUri").is_none(), "{driver}"),
        }
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
