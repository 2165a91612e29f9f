//! Waivers and baselines: findings that are known and accepted, so that
//! they do not fail a run.
//!
//! A waiver file (YAML) lists approved exceptions:
//!
//! ```yaml
//! waivers:
//!   - rule: SZYD-010
//!     record: JY-2014-03
//!     reason: 区纪委书面同意本次会议不派员列席
//!     approved_by: 区纪委 张明
//!     expires: 2015-06-30
//! ```
//!
//! A baseline is an earlier JSON report: findings already in it do not fail
//! the run, so a unit can adopt sunlight on an old archive.

use std::collections::HashMap;

use crate::date::Date;
use crate::diag::Diagnostic;
use crate::model::{Report, Suppression};
use crate::records::Limits;
use crate::records::tree::{Node, NodeKind};
use crate::source::{FileId, SourceMap, Span};
use crate::suggest::closest;

/// One approved exception.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiver {
    /// The rule id.
    pub rule: String,
    /// The record id.
    pub record: String,
    /// Why.
    pub reason: String,
    /// Who approved it.
    pub approved_by: String,
    /// Last day it applies.
    pub expires: Date,
    /// The entry in the waiver file.
    pub span: Span,
}

const FIELDS: &[&str] = &["rule", "record", "reason", "approved_by", "expires"];

/// Read a waiver file. Malformed entries are input errors and waive nothing.
pub fn read_waivers(file: FileId, sources: &SourceMap) -> (Vec<Waiver>, Vec<Diagnostic>) {
    let Some(src) = sources.get(file) else {
        return (Vec::new(), Vec::new());
    };
    let loaded = crate::records::yaml::load(file, &src.text, &Limits::default());
    let mut errors = loaded.errors;
    let mut out = Vec::new();
    for doc in &loaded.documents {
        let entries: &[Node] = match (&doc.kind, doc.get("waivers")) {
            (NodeKind::Seq(items), _) => items,
            (
                _,
                Some(Node {
                    kind: NodeKind::Seq(items),
                    ..
                }),
            ) => items,
            (
                _,
                Some(Node {
                    kind: NodeKind::Null,
                    ..
                }),
            ) => &[],
            _ => {
                errors.push(
                    Diagnostic::error(doc.span, "a waiver file holds a list `waivers:` of entries")
                        .with_help("write `waivers:` and under it `- {rule: …, record: …, reason: …, approved_by: …, expires: YYYY-MM-DD}`"),
                );
                continue;
            }
        };
        for entry in entries {
            if let Some(w) = waiver(entry, &mut errors) {
                out.push(w);
            }
        }
    }
    (out, errors)
}

fn waiver(entry: &Node, errors: &mut Vec<Diagnostic>) -> Option<Waiver> {
    let NodeKind::Map(pairs) = &entry.kind else {
        errors.push(Diagnostic::error(
            entry.span,
            format!("a waiver is a mapping, found {}", entry.describe()),
        ));
        return None;
    };
    let mut ok = true;
    for (k, _) in pairs {
        let name = k.as_str().unwrap_or("");
        if !FIELDS.contains(&name) {
            let help = match closest(name, FIELDS.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("a waiver has {}", FIELDS.join(", ")),
            };
            errors.push(
                Diagnostic::error(k.span, format!("unknown field `{name}` in a waiver"))
                    .with_help(help),
            );
            ok = false;
        }
    }
    let mut text = |name: &str| -> Option<String> {
        match entry.get(name) {
            Some(n) => match n.as_str().filter(|s| !s.trim().is_empty()) {
                Some(s) => Some(s.to_string()),
                None => {
                    errors.push(Diagnostic::error(
                        n.span,
                        format!("`{name}` of a waiver must be non-empty text"),
                    ));
                    None
                }
            },
            None => {
                errors.push(
                    Diagnostic::error(entry.span, format!("waiver has no `{name}`"))
                        .with_help("every waiver names the rule, the record, the reason, who approved it and when it expires"),
                );
                None
            }
        }
    };
    let rule = text("rule");
    let record = text("record");
    let reason = text("reason");
    let approved_by = text("approved_by");
    let expires_text = text("expires");
    let expires = match expires_text {
        Some(t) => match Date::parse(&t) {
            Ok(d) => Some(d),
            Err(_) => {
                let span = entry.get("expires").map_or(entry.span, |n| n.span);
                errors.push(
                    Diagnostic::error(span, format!("`{t}` is not a date"))
                        .with_help("write the expiry as `YYYY-MM-DD`"),
                );
                None
            }
        },
        None => None,
    };
    match (rule, record, reason, approved_by, expires, ok) {
        (Some(rule), Some(record), Some(reason), Some(approved_by), Some(expires), true) => {
            Some(Waiver {
                rule,
                record,
                reason,
                approved_by,
                expires,
                span: entry.span,
            })
        }
        _ => None,
    }
}

/// Mark the findings that waivers cover. Expired waivers waive nothing and
/// are reported; waivers that match no finding are reported as warnings
/// when the report is `complete` (holds every finding of the run).
pub fn apply_waivers(report: &mut Report, waivers: &[Waiver], today: Date, complete: bool) {
    for w in waivers {
        let expired = w.expires < today;
        let mut matched = false;
        for f in report
            .findings
            .iter_mut()
            .filter(|f| f.rule == w.rule && f.record == w.record)
        {
            matched = true;
            if !expired && f.suppressed.is_none() {
                f.suppressed = Some(Suppression::Waiver {
                    reason: w.reason.clone(),
                    approved_by: w.approved_by.clone(),
                    expires: w.expires.to_string(),
                });
            }
        }
        if expired {
            report.errors.push(
                Diagnostic::warning(w.span, format!("waiver for `{}` on `{}` expired on {}", w.rule, w.record, w.expires))
                    .with_help(if matched {
                        "the finding counts again: fix the record, or renew the waiver with a new approval"
                    } else {
                        "remove the expired waiver"
                    }),
            );
        } else if !matched && complete {
            report.errors.push(
                Diagnostic::warning(
                    w.span,
                    format!(
                        "waiver for `{}` on `{}` matches no finding",
                        w.rule, w.record
                    ),
                )
                .with_help("remove it, or check the rule id and record id"),
            );
        }
    }
}

/// The versions of the JSON report that a baseline may be.
const BASELINE_VERSIONS: &[u64] = &[1];

/// Mark the findings already present in a baseline report (an earlier
/// `--format json` output). Findings match by rule, kind, record and field
/// path, so moved lines still match; each baseline entry matches once.
/// When a key occurs more often now than in the baseline, the entries go
/// first to the findings in the file (and nearest the line) the baseline
/// names, so that a new copy elsewhere is the one reported as new.
pub fn apply_baseline(
    report: &mut Report,
    sources: &SourceMap,
    baseline_json: &str,
    name: &str,
) -> Result<(), Diagnostic> {
    let value: serde_json::Value = serde_json::from_str(baseline_json).map_err(|e| {
        Diagnostic::file_error(name, format!("baseline is not a JSON report: {e}"))
            .with_help("create the baseline with `sunlight check … --format json > baseline.json`")
    })?;
    let supported = BASELINE_VERSIONS
        .iter()
        .map(|v| format!("`{v}`"))
        .collect::<Vec<_>>()
        .join(", ");
    match value.get("version") {
        Some(v) if v.as_u64().is_some_and(|v| BASELINE_VERSIONS.contains(&v)) => {}
        Some(v) => {
            return Err(Diagnostic::file_error(
                name,
                format!("baseline is a report of version `{v}`; supported versions: {supported}"),
            )
            .with_help("write the baseline again with this sunlight: `sunlight check … --format json > baseline.json`"));
        }
        None if value.is_object() => {
            return Err(Diagnostic::file_error(
                name,
                format!("baseline has no `version`; supported versions: {supported}"),
            )
            .with_help("use a report written by `sunlight check --format json`"));
        }
        None => {}
    }
    let Some(findings) = value.get("findings").and_then(|f| f.as_array()) else {
        return Err(
            Diagnostic::file_error(name, "baseline has no `findings` list")
                .with_help("use a report written by `sunlight check --format json`"),
        );
    };
    type Key = (String, String, String, String);
    // Per key, the (file, line) of each baseline entry not yet matched.
    let mut known: HashMap<Key, Vec<(String, u64)>> = HashMap::new();
    for (i, f) in findings.iter().enumerate() {
        let s = |k: &str| f.get(k).and_then(|v| v.as_str()).map(str::to_string);
        let (Some(rule), Some(kind), Some(record), Some(path)) =
            (s("rule"), s("kind"), s("record"), s("path"))
        else {
            return Err(Diagnostic::file_error(
                name,
                format!(
                    "baseline finding #{} lacks `rule`, `kind`, `record` or `path`",
                    i + 1
                ),
            )
            .with_help("use a report written by `sunlight check --format json`"));
        };
        let place = (
            s("file").unwrap_or_default(),
            f.get("line")
                .and_then(serde_json::Value::as_u64)
                .unwrap_or(0),
        );
        known
            .entry((rule, kind, record, path))
            .or_default()
            .push(place);
    }
    let key = |f: &crate::model::Finding| -> Key {
        (
            f.rule.clone(),
            f.kind.clone(),
            f.record.clone(),
            f.path.clone(),
        )
    };
    let mut matched = vec![false; report.findings.len()];
    // First the findings still in the file the baseline names.
    for (i, f) in report.findings.iter().enumerate() {
        let Some(entries) = known.get_mut(&key(f)) else {
            continue;
        };
        let file = sources.name(f.span.file);
        let line = sources.span_lines(f.span).map_or(0, |(a, _)| a.line as u64);
        let nearest = entries
            .iter()
            .enumerate()
            .filter(|(_, (e_file, _))| e_file == file)
            .min_by_key(|(_, (_, e_line))| e_line.abs_diff(line))
            .map(|(j, _)| j);
        if let Some(j) = nearest {
            entries.swap_remove(j);
            matched[i] = true;
        }
    }
    // Then records that moved to another file.
    for (i, f) in report.findings.iter().enumerate() {
        if matched.get(i).copied().unwrap_or(true) {
            continue;
        }
        if let Some(entries) = known.get_mut(&key(f))
            && entries.pop().is_some()
        {
            matched[i] = true;
        }
    }
    for (f, m) in report.findings.iter_mut().zip(matched) {
        if m && f.suppressed.is_none() {
            f.suppressed = Some(Suppression::Baseline);
        }
    }
    Ok(())
}

/// Today's date in UTC, from the system clock.
pub fn today() -> Date {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    Date(i32::try_from(secs / 86_400).unwrap_or(0))
}
