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
use crate::records::Limits;
use crate::records::tree::{Node, NodeKind};
use crate::report::{Report, Suppression};
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
/// are reported; waivers that match no finding are reported as warnings.
pub fn apply_waivers(report: &mut Report, waivers: &[Waiver], today: Date) {
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
        } else if !matched {
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

/// Mark the findings already present in a baseline report (an earlier
/// `--format json` output). Findings match by rule, kind, record and field
/// path, so moved lines still match; each baseline entry matches once.
pub fn apply_baseline(
    report: &mut Report,
    baseline_json: &str,
    name: &str,
) -> Result<(), Diagnostic> {
    let value: serde_json::Value = serde_json::from_str(baseline_json).map_err(|e| {
        Diagnostic::file_error(name, format!("baseline is not a JSON report: {e}"))
            .with_help("create the baseline with `sunlight check … --format json > baseline.json`")
    })?;
    let Some(findings) = value.get("findings").and_then(|f| f.as_array()) else {
        return Err(
            Diagnostic::file_error(name, "baseline has no `findings` list")
                .with_help("use a report written by `sunlight check --format json`"),
        );
    };
    let mut known: HashMap<(String, String, String, String), usize> = HashMap::new();
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
        *known.entry((rule, kind, record, path)).or_default() += 1;
    }
    for f in &mut report.findings {
        let key = (
            f.rule.clone(),
            f.kind.clone(),
            f.record.clone(),
            f.path.clone(),
        );
        if let Some(n) = known.get_mut(&key).filter(|n| **n > 0) {
            *n -= 1;
            if f.suppressed.is_none() {
                f.suppressed = Some(Suppression::Baseline);
            }
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
