//! The audit report as one self-contained HTML page: scope, 违规预警,
//! 综合统计 (charts drawn here as SVG by `plotters`), every finding with
//! filters, and the input errors.
//!
//! The page loads nothing: styles, script, charts and data are inline and a
//! Content-Security-Policy forbids every request, so it opens from `file://`
//! and can be mailed or archived. The findings travel as JSON inside the page
//! and the script shows them a page at a time, so a run of many thousand
//! records stays quick to open.
//!
//! What a unit, a record's month and a personal name are comes from the
//! schema's field marks (`@unit`, `@label`, `@period`, `@personal`), carried
//! by [`RecordInfo::marked`](crate::report::RecordInfo::marked); nothing
//! here knows a kind.
//!
//! [`render`] gathers the page's data and writes it; `sections` writes the
//! header, 违规预警, the findings and the input errors, `statistics` the
//! 综合统计 section with `charts` for its SVG bar charts. `mask` hides
//! personal names, `records` finds the record of a finding and what it is
//! grouped by, `text` escapes text and cuts record excerpts.

mod charts;
mod mask;
mod records;
mod sections;
mod statistics;
mod text;

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use serde_json::{Value, json};

pub use mask::mask_name;
pub use records::rule_family;
pub use sections::fingerprint;

use crate::report::{Report, Suppression};
use crate::source::{FileId, SourceMap};

use mask::Masker;
use records::{Records, month_of};
use sections::{errors_section, findings_section, header, warnings};
use statistics::{Stats, statistics};
use text::{excerpt, inline_json};

/// What the run looked at, for the page's header. The CLI fills it in.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    /// The record folders and files named on the command line.
    pub paths: Vec<String>,
    /// The run date (`--today`), `YYYY-MM-DD`.
    pub today: String,
    /// Whether the standard rules took part.
    pub standard_rules: bool,
    /// Local rule files, in load order.
    pub rule_files: Vec<String>,
    /// The parameter file.
    pub params: Option<String>,
    /// Parameter overrides: name and value as written.
    pub overrides: Vec<(String, String)>,
    /// Rules switched off.
    pub disabled: Vec<String>,
    /// The waiver file.
    pub waivers: Option<String>,
    /// The baseline report.
    pub baseline: Option<String>,
    /// The 阳光公示 version: personal names masked, no record text.
    pub public: bool,
}

/// Shown for findings whose record names no unit.
const NO_UNIT: &str = "（未注明单位）";
/// Shown for findings whose record has no `@period` date.
const NO_MONTH: &str = "无日期";

/// Render the page.
pub fn render(report: &Report, sources: &SourceMap, scope: &Scope) -> String {
    let masker = Masker::new(report, scope.public);
    let m = |s: &str| masker.mask(s);
    let records = Records::new(&report.records);

    // Findings as data, and the statistics of the active ones.
    let mut stats = Stats::default();
    // File names once; findings, related locations and records point into it.
    let mut file_index: HashMap<FileId, usize> = HashMap::new();
    let mut file_names: Vec<Value> = Vec::new();
    let mut file_of = |id: FileId| -> usize {
        *file_index.entry(id).or_insert_with(|| {
            file_names.push(Value::String(m(sources.name(id))));
            file_names.len() - 1
        })
    };
    let mut shown_records: BTreeMap<usize, Value> = BTreeMap::new();
    let mut findings = Vec::with_capacity(report.findings.len());
    for f in &report.findings {
        let rec = records.of_finding(f);
        let info = rec.and_then(|i| records.list.get(i));
        let unit = info.and_then(|r| r.marked.unit.clone());
        let month = month_of(info);
        if f.suppressed.is_none() {
            *stats.by_rule.entry(f.rule.clone()).or_default() += 1;
            *stats
                .by_month
                .entry(month.clone().unwrap_or_else(|| NO_MONTH.into()))
                .or_default() += 1;
            *stats
                .table
                .entry(unit.clone().unwrap_or_default())
                .or_default()
                .entry(rule_family(&f.rule).to_string())
                .or_default() += 1;
        }
        let at = sources.span_lines(f.span).map(|(a, _)| a);
        let related: Vec<Value> = f
            .related
            .iter()
            .map(|r| {
                let target = records.at(r.span);
                if let Some(t) = target {
                    shown_records.entry(t).or_insert(Value::Null);
                }
                let line = sources.span_lines(r.span).map_or(0, |(a, _)| a.line);
                json!({
                    "rec": target.map_or(-1, |t| t as i64),
                    "file": file_of(r.span.file),
                    "line": line,
                    "note": m(&r.note),
                    "ex": if scope.public { Value::Null } else { excerpt(sources, r.span, 3) },
                })
            })
            .collect();
        if let Some(r) = rec {
            shown_records.entry(r).or_insert(Value::Null);
        }
        let sup = match &f.suppressed {
            None => Value::Null,
            Some(Suppression::Waiver {
                reason,
                approved_by,
                expires,
            }) => {
                json!({"type": "waiver", "reason": m(reason), "by": m(approved_by), "expires": expires})
            }
            Some(Suppression::Baseline) => json!({"type": "baseline"}),
        };
        findings.push(json!({
            "rule": f.rule,
            "sev": f.severity.as_str(),
            "card": f.card.map(crate::report::Card::as_str),
            "unit": unit.unwrap_or_default(),
            "month": month.unwrap_or_default(),
            "rec": rec.map_or(-1, |r| r as i64),
            "kind": f.kind,
            "id": m(&f.record),
            "path": f.path,
            "file": file_of(f.span.file),
            "line": at.map_or(0, |a| a.line),
            "col": at.map_or(0, |a| a.column),
            "msg": m(&f.message),
            "help": m(&f.help),
            "ex": if scope.public { Value::Null } else { excerpt(sources, f.span, 0) },
            "rel": related,
            "sup": sup,
        }));
    }
    for (i, slot) in shown_records.iter_mut() {
        let Some(r) = records.list.get(*i) else {
            continue;
        };
        let (start, end) = sources
            .span_lines(r.span)
            .map_or((0, 0), |(a, b)| (a.line, b.line));
        *slot = json!({
            "kind": r.kind,
            "id": m(&r.id),
            "unit": r.marked.unit.clone().unwrap_or_default(),
            "file": file_of(r.span.file),
            "line": start,
            "end": end,
        });
    }
    let mut families: Vec<String> = stats
        .table
        .values()
        .flat_map(|row| row.keys().cloned())
        .collect();
    families.sort();
    families.dedup();
    stats.families = families;

    let rules: serde_json::Map<String, Value> = report
        .rules
        .iter()
        .map(|r| {
            (
                r.id.clone(),
                json!({"title": r.title, "cite": r.cite, "sev": r.severity.as_str()}),
            )
        })
        .collect();
    let mut units: Vec<(String, String)> = report
        .records
        .iter()
        .filter_map(|r| r.marked.unit.as_deref())
        .map(|u| (u.to_string(), records.unit_label(u)))
        .collect();
    units.sort();
    units.dedup();
    let unit_map: serde_json::Map<String, Value> = units
        .iter()
        .map(|(id, label)| (id.clone(), Value::String(m(label))))
        .chain(std::iter::once((
            String::new(),
            Value::String(NO_UNIT.into()),
        )))
        .collect();
    let errors: Vec<Value> = report
        .errors
        .iter()
        .map(|d| {
            let (file, line, col) = match d.span {
                Some(s) => {
                    let at = sources.span_lines(s).map(|(a, _)| a);
                    (
                        sources.name(s.file).to_string(),
                        at.map_or(0, |a| a.line),
                        at.map_or(0, |a| a.column),
                    )
                }
                None => (d.file.clone().unwrap_or_default(), 0, 0),
            };
            json!({
                "level": if d.is_error() { "error" } else { "warning" },
                "file": m(&file), "line": line, "col": col,
                "msg": m(&d.message),
                "help": m(d.help.as_deref().unwrap_or("")),
            })
        })
        .collect();
    let data = json!({
        "public": scope.public,
        "files": file_names,
        "rules": rules,
        "units": unit_map,
        "records": shown_records.iter().map(|(k, v)| (k.to_string(), v.clone())).collect::<serde_json::Map<_, _>>(),
        "findings": findings,
        "errors": errors,
    });

    let mut out = String::with_capacity(64 * 1024);
    page_head(&mut out, scope);
    header(&mut out, report, sources, scope, &m);
    warnings(&mut out, report);
    statistics(&mut out, report, &stats, &records, &m);
    findings_section(&mut out, report, &stats, &units, &m);
    errors_section(&mut out, report);
    let _ = write!(
        out,
        "<script type=\"application/json\" id=\"report-data\">{}</script>\n<script>{}</script>\n</body>\n</html>\n",
        inline_json(&data),
        SCRIPT
    );
    out
}

/// Doctype, CSP, styles.
fn page_head(out: &mut String, scope: &Scope) {
    let title = if scope.public {
        "阳光公示 · 三重一大决策与资金监督检查结果"
    } else {
        "三重一大决策与资金监督审计报告"
    };
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"referrer\" content=\"no-referrer\">\n\
<title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body class=\"{}\">\n",
        if scope.public { "public" } else { "full" }
    );
}

const STYLE: &str = include_str!("report.css");
const SCRIPT: &str = include_str!("report.js");
