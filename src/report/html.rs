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
//! by [`RecordInfo::marked`]; nothing here knows a kind.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use aho_corasick::{AhoCorasick, MatchKind};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::report::{Card, Finding, RecordInfo, Report, Severity, Suppression};
use crate::source::{FileId, SourceMap, Span};

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
/// Record lines shown around an anchor at most.
const EXCERPT_LINES: usize = 8;

/// A name as 阳光公示 shows it: the surname, then one `*` per character.
/// A compound surname among `surnames` (the rules' `@surnames` parameter)
/// is kept whole.
pub fn mask_name(name: &str, surnames: &[String]) -> String {
    let chars: Vec<char> = name.chars().collect();
    let compound = surnames
        .iter()
        .filter(|s| s.chars().count() >= 2 && chars.len() > s.chars().count())
        .filter(|s| name.starts_with(s.as_str()))
        .map(|s| s.chars().count())
        .max();
    let keep = compound.unwrap_or(1).min(chars.len().saturating_sub(1));
    let mut out: String = chars.iter().take(keep).collect();
    out.extend(std::iter::repeat_n('*', chars.len() - keep));
    out
}

/// Replaces every personal name in a text (`--public`), or nothing.
struct Masker {
    matcher: Option<(AhoCorasick, Vec<String>)>,
}

impl Masker {
    fn new(report: &Report, public: bool) -> Masker {
        if !public {
            return Masker { matcher: None };
        }
        let mut names: Vec<&str> = report
            .records
            .iter()
            .flat_map(|r| r.marked.names.iter().map(String::as_str))
            .collect();
        names.sort_unstable();
        names.dedup();
        let masks = names
            .iter()
            .map(|n| mask_name(n, &report.surnames))
            .collect();
        let matcher = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&names)
            .ok()
            .map(|m| (m, masks));
        Masker { matcher }
    }

    fn mask(&self, text: &str) -> String {
        match &self.matcher {
            Some((m, masks)) => m.replace_all(text, masks),
            None => text.to_string(),
        }
    }
}

/// Where the records are: by kind and id, and by position for related
/// locations.
struct Records<'r> {
    list: &'r [RecordInfo],
    by_id: HashMap<(&'r str, &'r str), usize>,
    by_file: HashMap<FileId, Vec<(u32, u32, usize)>>,
    unit_labels: HashMap<&'r str, &'r str>,
}

impl<'r> Records<'r> {
    fn new(list: &'r [RecordInfo]) -> Records<'r> {
        let mut by_id = HashMap::new();
        let mut by_file: HashMap<FileId, Vec<(u32, u32, usize)>> = HashMap::new();
        let mut unit_labels = HashMap::new();
        for (i, r) in list.iter().enumerate() {
            if !r.rejected {
                by_id.entry((r.kind.as_str(), r.id.as_str())).or_insert(i);
            }
            by_file
                .entry(r.span.file)
                .or_default()
                .push((r.span.start, r.span.end, i));
            if let (Some(unit), Some(label)) = (&r.marked.unit, &r.marked.label)
                && *unit == r.id
            {
                unit_labels.entry(unit.as_str()).or_insert(label.as_str());
            }
        }
        for v in by_file.values_mut() {
            v.sort_unstable();
        }
        Records {
            list,
            by_id,
            by_file,
            unit_labels,
        }
    }

    fn of_finding(&self, f: &Finding) -> Option<usize> {
        self.by_id
            .get(&(f.kind.as_str(), f.record.as_str()))
            .copied()
    }

    /// The record whose document holds a position.
    fn at(&self, span: Span) -> Option<usize> {
        let v = self.by_file.get(&span.file)?;
        let k = v.partition_point(|&(start, _, _)| start <= span.start);
        let &(start, end, i) = v.get(k.checked_sub(1)?)?;
        (start <= span.start && span.start <= end).then_some(i)
    }

    fn unit_label(&self, unit: &str) -> String {
        match self.unit_labels.get(unit) {
            Some(label) => (*label).to_string(),
            None => unit.to_string(),
        }
    }
}

/// The family of a rule: its id up to the last `-` (`SZYD-002` → `SZYD`).
pub fn rule_family(id: &str) -> &str {
    id.rsplit_once('-').map_or(id, |(family, _)| family)
}

/// `YYYY-MM` of a record's `@period` date.
fn month_of(r: Option<&RecordInfo>) -> Option<String> {
    let (y, m, _) = r?.marked.period?.ymd();
    Some(format!("{y:04}-{m:02}"))
}

/// SHA-256 of every file the run read (rules, parameters, records,
/// waivers), name and text, in the order they were read.
pub fn fingerprint(sources: &SourceMap) -> String {
    let mut h = Sha256::new();
    for (_, f) in sources.iter() {
        h.update((f.name.len() as u64).to_le_bytes());
        h.update(f.name.as_bytes());
        h.update((f.text.len() as u64).to_le_bytes());
        h.update(f.text.as_bytes());
    }
    h.finalize().iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Escape text for HTML content and attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// JSON safe inside `<script>` and attributes: no `<`, `>`, `&` or `'`.
fn inline_json(v: &Value) -> String {
    let s = serde_json::to_string(v).unwrap_or_else(|_| "null".into());
    s.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\'', "\\u0027")
}

/// The text of 0-based line `line`, without its line break.
fn line_text<'t>(text: &'t str, lines: &crate::source::LineIndex, line: usize) -> (usize, &'t str) {
    let start = lines.line_start(line).unwrap_or(text.len());
    let end = lines.line_start(line + 1).unwrap_or(text.len());
    let s = text.get(start..end).unwrap_or("");
    (start, s.trim_end_matches(['\n', '\r']))
}

/// The lines of a span and `context` lines around it, each as
/// `[line number, before, highlighted, after]`.
fn excerpt(sources: &SourceMap, span: Span, context: usize) -> Value {
    let Some(file) = sources.get(span.file) else {
        return Value::Null;
    };
    let (start, end) = (
        span.start as usize,
        (span.end as usize).max(span.start as usize),
    );
    let first = file.lines.line_of(start);
    let last = file
        .lines
        .line_of(end.saturating_sub(usize::from(end > start)))
        .min(first + EXCERPT_LINES - 1);
    let last = (last + context)
        .min(file.lines.line_count().saturating_sub(1))
        .max(first);
    let mut out = Vec::new();
    for line in first.saturating_sub(context)..=last {
        let (at, text) = line_text(&file.text, &file.lines, line);
        let cut = |offset: usize| {
            crate::source::floor_char_boundary(text, offset.saturating_sub(at).min(text.len()))
        };
        let (a, b) = (cut(start.max(at)), cut(end));
        let part = |x: usize, y: usize| text.get(x..y.max(x)).unwrap_or("").to_string();
        out.push(json!([
            line + 1,
            part(0, a),
            part(a, b),
            part(b, text.len())
        ]));
    }
    Value::Array(out)
}

/// Counts of the active findings, for the statistics.
#[derive(Default)]
struct Stats {
    by_rule: BTreeMap<String, usize>,
    by_month: BTreeMap<String, usize>,
    /// unit → family → count.
    table: BTreeMap<String, BTreeMap<String, usize>>,
    families: Vec<String>,
}

/// The months from the first to the last, none missing, then [`NO_MONTH`].
fn month_axis(by_month: &BTreeMap<String, usize>) -> Vec<(String, usize)> {
    let parse = |m: &str| -> Option<(i32, u32)> {
        let (y, mo) = m.split_once('-')?;
        Some((y.parse().ok()?, mo.parse().ok()?))
    };
    let dated: Vec<(i32, u32)> = by_month.keys().filter_map(|m| parse(m)).collect();
    let mut out = Vec::new();
    let span = |(y0, m0): (i32, u32), (y1, m1): (i32, u32)| {
        (i64::from(y1) - i64::from(y0)) * 12 + i64::from(m1) - i64::from(m0)
    };
    match (dated.first(), dated.last()) {
        // Up to twenty years: every month, the empty ones too.
        (Some(&first), Some(&last)) if span(first, last) <= 240 => {
            let (mut y, mut m) = first;
            while (y, m) <= last {
                let key = format!("{y:04}-{m:02}");
                let n = by_month.get(&key).copied().unwrap_or(0);
                out.push((key, n));
                (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
            }
        }
        _ => out.extend(
            by_month
                .iter()
                .filter(|(k, _)| parse(k).is_some())
                .map(|(k, v)| (k.clone(), *v)),
        ),
    }
    if let Some(&n) = by_month.get(NO_MONTH) {
        out.push((NO_MONTH.to_string(), n));
    }
    out
}

const ERROR_COLOR: RGBColor = RGBColor(0xc0, 0x39, 0x2b);
const MONTH_COLOR: RGBColor = RGBColor(0x1f, 0x5f, 0x99);

/// Which way a bar chart's bars run.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Bars {
    /// Upwards, labels under the bars (months).
    Vertical,
    /// Rightwards, labels before the bars, the first bar on top (rules).
    Horizontal,
}

/// A bar chart as SVG, drawn by `plotters`; "" when it cannot be drawn.
fn bar_chart(bars: &[(String, usize)], color: RGBColor, dir: Bars) -> String {
    let mut svg = String::new();
    let size = match dir {
        Bars::Vertical => ((bars.len() as u32 * 46 + 90).clamp(560, 1600), 340),
        Bars::Horizontal => (560, (bars.len() as u32 * 26 + 70).clamp(160, 4000)),
    };
    if draw_bars(&mut svg, bars, color, dir, size).is_err() {
        return String::new();
    }
    // The page scales the chart to its column.
    svg.replacen(
        &format!("width=\"{}\" height=\"{}\"", size.0, size.1),
        "preserveAspectRatio=\"xMinYMin meet\"",
        1,
    )
}

fn draw_bars(
    svg: &mut String,
    bars: &[(String, usize)],
    color: RGBColor,
    dir: Bars,
    size: (u32, u32),
) -> Result<(), Box<dyn std::error::Error>> {
    let root = SVGBackend::with_string(svg, size).into_drawing_area();
    root.fill(&WHITE)?;
    let n = bars.len().max(1);
    let max = bars.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let top = max + max / 8 + 1;
    // The first bar on top: horizontal bars count up from the bottom.
    let slot = |i: usize| match dir {
        Bars::Vertical => i,
        Bars::Horizontal => n - 1 - i.min(n - 1),
    };
    let labels: Vec<String> = bars.iter().map(|(l, _)| l.clone()).collect();
    let label_at = |v: &SegmentValue<usize>| match v {
        SegmentValue::CenterOf(i) if *i < n => labels.get(slot(*i)).cloned().unwrap_or_default(),
        _ => String::new(),
    };
    let ink = RGBColor(0x33, 0x33, 0x33);
    let every = n.div_ceil(24).max(1);
    let (long, short) = match dir {
        Bars::Vertical => (40, 44),
        Bars::Horizontal => (96, 30),
    };
    // A segmented range has a segment for its end too: stop one short.
    let segments = 0..n.saturating_sub(1).max(1);
    let mut builder = ChartBuilder::on(&root);
    builder
        .margin(12)
        .margin_right(28)
        .x_label_area_size(if dir == Bars::Vertical { long } else { short })
        .y_label_area_size(if dir == Bars::Vertical { short } else { long });
    let value_label = |i: usize, v: usize| {
        Text::new(
            format!("{v}"),
            (SegmentValue::CenterOf(slot(i)), v),
            ("sans-serif", 13)
                .into_font()
                .color(&ink)
                .pos(Pos::new(HPos::Center, VPos::Bottom)),
        )
    };
    match dir {
        Bars::Vertical => {
            let mut chart = builder.build_cartesian_2d(segments.into_segmented(), 0..top)?;
            chart
                .configure_mesh()
                .disable_x_mesh()
                .x_labels(n / every + 1)
                .x_label_formatter(&label_at)
                .x_label_style(("sans-serif", 13).into_font().color(&ink))
                .y_label_style(("sans-serif", 13).into_font().color(&ink))
                .y_labels(6)
                .light_line_style(RGBColor(0xee, 0xee, 0xee))
                .axis_style(RGBColor(0x99, 0x99, 0x99))
                .draw()?;
            chart.draw_series(
                Histogram::vertical(&chart)
                    .style(color.filled())
                    .margin(8)
                    .data(bars.iter().enumerate().map(|(i, (_, v))| (slot(i), *v))),
            )?;
            chart.draw_series(
                bars.iter()
                    .enumerate()
                    .filter(|(_, (_, v))| *v > 0)
                    .map(|(i, (_, v))| value_label(i, *v)),
            )?;
        }
        Bars::Horizontal => {
            let mut chart = builder.build_cartesian_2d(0..top, segments.into_segmented())?;
            chart
                .configure_mesh()
                .disable_y_mesh()
                .y_labels(n)
                .y_label_formatter(&label_at)
                .y_label_style(("sans-serif", 13).into_font().color(&ink))
                .x_label_style(("sans-serif", 13).into_font().color(&ink))
                .x_labels(6)
                .light_line_style(RGBColor(0xee, 0xee, 0xee))
                .axis_style(RGBColor(0x99, 0x99, 0x99))
                .draw()?;
            chart.draw_series(
                Histogram::horizontal(&chart)
                    .style(color.filled())
                    .margin(4)
                    .data(bars.iter().enumerate().map(|(i, (_, v))| (slot(i), *v))),
            )?;
            chart.draw_series(bars.iter().enumerate().filter(|(_, (_, v))| *v > 0).map(
                |(i, (_, v))| {
                    Text::new(
                        format!(" {v}"),
                        (*v, SegmentValue::CenterOf(slot(i))),
                        ("sans-serif", 13)
                            .into_font()
                            .color(&ink)
                            .pos(Pos::new(HPos::Left, VPos::Center)),
                    )
                },
            ))?;
        }
    }
    root.present()?;
    Ok(())
}

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

fn header(
    out: &mut String,
    report: &Report,
    sources: &SourceMap,
    scope: &Scope,
    m: &dyn Fn(&str) -> String,
) {
    let title = if scope.public {
        "阳光公示 · 三重一大决策与资金监督检查结果"
    } else {
        "三重一大决策与资金监督审计报告"
    };
    let s = &report.summary;
    let _ = write!(
        out,
        "<header class=\"top\"><div class=\"brand\">阳光 sunlight</div><h1>{title}</h1>"
    );
    if scope.public {
        out.push_str(
            "<p class=\"note\">公示版：人员姓名已隐去（如 王*、欧阳**），不含记录原文。</p>",
        );
    }
    out.push_str("<dl class=\"scope\">");
    let mut row = |k: &str, v: String| {
        let _ = write!(out, "<dt>{k}</dt><dd>{v}</dd>");
    };
    let paths = scope
        .paths
        .iter()
        .map(|p| format!("<code>{}</code>", esc(&m(p))))
        .collect::<Vec<_>>()
        .join("、");
    row("检查范围", paths);
    row(
        "文件与记录",
        format!(
            "{} 个文件，{} 条记录：已检查 <b id=\"checked\">{}</b> 条，拒收 <b id=\"rejected\">{}</b> 条（输入错误）",
            s.files, s.records, s.checked, s.rejected
        ),
    );
    row("检查日期", esc(&scope.today));
    let mut rules = Vec::new();
    if scope.standard_rules {
        rules.push("标准规则库".to_string());
    }
    rules.extend(
        scope
            .rule_files
            .iter()
            .map(|f| format!("<code>{}</code>", esc(f))),
    );
    if rules.is_empty() {
        rules.push("（无）".into());
    }
    row(
        "规则集",
        format!("{}，共 {} 条规则", rules.join(" + "), report.rules.len()),
    );
    let params = match &scope.params {
        None => "默认参数".to_string(),
        Some(p) if scope.overrides.is_empty() => format!("<code>{}</code>", esc(p)),
        Some(p) => format!(
            "<code>{}</code>：{}",
            esc(p),
            scope
                .overrides
                .iter()
                .map(|(k, v)| format!("{} = <code>{}</code>", esc(k), esc(v)))
                .collect::<Vec<_>>()
                .join("；")
        ),
    };
    row("参数", params);
    row(
        "停用规则",
        if scope.disabled.is_empty() {
            "无".into()
        } else {
            scope
                .disabled
                .iter()
                .map(|d| format!("<code>{}</code>", esc(d)))
                .collect::<Vec<_>>()
                .join("、")
        },
    );
    if let Some(w) = &scope.waivers {
        row("豁免清单", format!("<code>{}</code>", esc(w)));
    }
    if let Some(b) = &scope.baseline {
        row("基线报告", format!("<code>{}</code>", esc(b)));
    }
    row(
        "输入指纹",
        format!(
            "<code class=\"hash\" title=\"规则、参数与记录文件的 SHA-256\">{}</code>",
            fingerprint(sources)
        ),
    );
    out.push_str("</dl>");
    let errors = report.count(Severity::Error);
    let warnings = report.count(Severity::Warning);
    let input = report.errors.iter().filter(|d| d.is_error()).count();
    let _ = writeln!(
        out,
        "<div class=\"tiles\">\
<a class=\"tile t-error\" href=\"#findings\" data-sev=\"error\"><b data-count=\"error\">{errors}</b><span>错误</span></a>\
<a class=\"tile t-warning\" href=\"#findings\" data-sev=\"warning\"><b data-count=\"warning\">{warnings}</b><span>警告</span></a>\
<a class=\"tile t-suppressed\" href=\"#findings\" data-sev=\"suppressed\"><b data-count=\"suppressed\">{}</b><span>已豁免 / 基线</span></a>\
<a class=\"tile t-input\" href=\"#input-errors\"><b data-count=\"input-errors\">{input}</b><span>输入错误</span></a>\
<div class=\"tile t-records\"><b>{}</b><span>检查记录</span></div></div></header>",
        report.suppressed(),
        s.checked
    );
}

/// 违规预警: red cards, yellow cards, then errors, then warnings, as
/// compact rows (the script fills the list).
fn warnings(out: &mut String, report: &Report) {
    let errors = report.count(Severity::Error);
    let warnings = report.count(Severity::Warning);
    let cards = |c: Card| report.active().filter(|f| f.card == Some(c)).count();
    let (red, yellow) = (cards(Card::Red), cards(Card::Yellow));
    let lead = if errors + warnings == 0 {
        "本次检查未发现违规问题。".to_string()
    } else if red + yellow == 0 {
        format!("错误 {errors} 项、警告 {warnings} 项；错误在前，按单位与记录排列。")
    } else {
        format!(
            "红牌 <b data-count=\"red\">{red}</b> 项、黄牌 <b data-count=\"yellow\">{yellow}</b> 项（电子监察）；错误 {errors} 项、警告 {warnings} 项（含红黄牌）。红牌、黄牌在前，其次错误、警告，按单位与记录排列。"
        )
    };
    let _ = writeln!(
        out,
        "<section id=\"alerts\"><h2>违规预警</h2><p class=\"lead\">{lead}</p><ol id=\"alert-list\" class=\"alerts\"></ol>\
<p class=\"more\"><a href=\"#findings\" id=\"alert-more\" hidden>查看全部问题 →</a></p></section>"
    );
}

/// The tables the rules declare with `statistics`, one row per unit; the
/// cells carry their values for the tests and the script.
fn declared_tables(
    out: &mut String,
    report: &Report,
    records: &Records<'_>,
    m: &dyn Fn(&str) -> String,
) {
    for (ti, t) in report.tables.iter().enumerate() {
        let _ = write!(
            out,
            "<h3>{}</h3><div class=\"scroll\"><table class=\"matrix stat\" data-table=\"{ti}\" data-title=\"{}\"><thead><tr><th>单位</th>",
            esc(&t.title),
            esc(&t.title)
        );
        for c in &t.columns {
            let target = c
                .target
                .map(|n| {
                    let shown = shown_number(n, c.percent).replace(".0%", "%");
                    format!("<small>目标 {}</small>", esc(&shown))
                })
                .unwrap_or_default();
            let _ = write!(
                out,
                "<th data-column=\"{}\">{}{target}</th>",
                esc(&c.name),
                esc(&c.name)
            );
        }
        out.push_str("</tr></thead><tbody>");
        for row in &t.rows {
            let label = if row.unit.is_empty() {
                NO_UNIT.to_string()
            } else {
                m(&records.unit_label(&row.unit))
            };
            let _ = write!(
                out,
                "<tr data-unit=\"{}\"><th><a href=\"#findings\" class=\"unit-link\" data-unit=\"{}\">{}</a></th>",
                esc(&row.unit),
                esc(&row.unit),
                esc(&label)
            );
            for (c, v) in t.columns.iter().zip(&row.values) {
                let below = match (v, c.target) {
                    (Some(v), Some(t)) if *v < t => " class=\"below\" title=\"低于目标\"",
                    _ => "",
                };
                let raw = v.map_or(Value::Null, crate::report::json::number);
                let _ = write!(
                    out,
                    "<td data-column=\"{}\" data-value=\"{}\"{below}>{}</td>",
                    esc(&c.name),
                    if raw.is_null() {
                        String::new()
                    } else {
                        raw.to_string()
                    },
                    v.map_or_else(|| "—".to_string(), |n| esc(&shown_number(n, c.percent)))
                );
            }
            out.push_str("</tr>");
        }
        if t.rows.is_empty() {
            let _ = write!(
                out,
                "<tr><td colspan=\"{}\" class=\"empty\">无记录</td></tr>",
                t.columns.len() + 1
            );
        }
        out.push_str("</tbody></table></div>");
    }
    if !report.tables.is_empty() {
        // These count records, not findings: the cards a column counts
        // are those the rules found, waived or not.
        out.push_str("<p class=\"note-small\">以上办件统计由规则库的 statistics 声明定义，逐单位统计已检查的记录；其中按问题计数的列（如黄牌、红牌）包括已豁免的问题。</p>");
    }
}

/// A statistics value as a page shows it: a percentage with one decimal
/// (`99.7%`), or the number.
fn shown_number(n: crate::num::Num, percent: bool) -> String {
    if percent {
        match n.checked_mul(crate::num::Num::int(100)) {
            Some(p) => format!("{}%", p.fixed(1)),
            None => n.to_string(),
        }
    } else {
        n.to_string()
    }
}

fn statistics(
    out: &mut String,
    report: &Report,
    stats: &Stats,
    records: &Records<'_>,
    m: &dyn Fn(&str) -> String,
) {
    out.push_str("<section id=\"stats\"><h2>综合统计</h2>");
    out.push_str(
        "<p class=\"lead\">统计口径：计入本次结果的问题（不含已豁免与基线中的问题）。</p>",
    );

    // Unit × family, shaded by count.
    let max = stats
        .table
        .values()
        .flat_map(|r| r.values())
        .copied()
        .max()
        .unwrap_or(0)
        .max(1);
    out.push_str("<h3>各单位问题分布（单位 × 规则类别）</h3><div class=\"scroll\"><table id=\"unit-table\" class=\"matrix\"><thead><tr><th>单位</th>");
    for fam in &stats.families {
        // The family's rules, on hover.
        let rules: Vec<String> = report
            .rules
            .iter()
            .filter(|r| rule_family(&r.id) == fam)
            .map(|r| format!("{} {}", r.id, r.title))
            .collect();
        let name = report.family_name(&format!("{fam}-"));
        let _ = write!(
            out,
            "<th data-family=\"{}\" title=\"{}\">{}<small>{}</small></th>",
            esc(fam),
            esc(&rules.join("\n")),
            esc(&name),
            if name == *fam {
                String::new()
            } else {
                esc(fam)
            }
        );
    }
    out.push_str("<th>合计</th></tr></thead><tbody>");
    let mut col_totals: BTreeMap<&str, usize> = BTreeMap::new();
    let mut rows: Vec<(&String, &BTreeMap<String, usize>)> = stats.table.iter().collect();
    rows.sort_by_key(|(_, r)| std::cmp::Reverse(r.values().sum::<usize>()));
    for (unit, row) in rows {
        let label = if unit.is_empty() {
            NO_UNIT.to_string()
        } else {
            m(&records.unit_label(unit))
        };
        let total: usize = row.values().sum();
        let _ = write!(
            out,
            "<tr data-unit=\"{}\" data-total=\"{total}\"><th><a href=\"#findings\" class=\"unit-link\" data-unit=\"{}\">{}</a></th>",
            esc(unit),
            esc(unit),
            esc(&label)
        );
        for fam in &stats.families {
            let n = row.get(fam).copied().unwrap_or(0);
            *col_totals.entry(fam).or_default() += n;
            // Shade from white to deep red by the share of the largest cell.
            let alpha = if n == 0 {
                0.0
            } else {
                0.12 + 0.78 * (n as f64 / max as f64)
            };
            let ink = if alpha > 0.55 { " class=\"dark\"" } else { "" };
            let _ = write!(
                out,
                "<td data-family=\"{}\" data-count=\"{n}\" style=\"background:rgba(192,57,43,{alpha:.2})\"{ink}>{}</td>",
                esc(fam),
                if n == 0 { String::new() } else { n.to_string() }
            );
        }
        let _ = write!(out, "<td class=\"total\">{total}</td></tr>");
    }
    out.push_str("</tbody><tfoot><tr><th>合计</th>");
    for fam in &stats.families {
        let _ = write!(
            out,
            "<td>{}</td>",
            col_totals.get(fam.as_str()).copied().unwrap_or(0)
        );
    }
    let _ = write!(
        out,
        "<td class=\"total\">{}</td></tr></tfoot></table></div>",
        report.active().count()
    );

    declared_tables(out, report, records, m);

    // Findings by rule, most first.
    let mut by_rule: Vec<(String, usize)> =
        stats.by_rule.iter().map(|(k, v)| (k.clone(), *v)).collect();
    by_rule.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let counts: serde_json::Map<String, Value> =
        by_rule.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
    let _ = write!(
        out,
        "<div class=\"charts\"><figure class=\"chart\" id=\"chart-rule\" data-chart=\"rule\" data-counts='{}'><figcaption>各规则问题数</figcaption>{}</figure>",
        inline_json(&Value::Object(counts)),
        if by_rule.is_empty() {
            "<p class=\"empty\">无</p>".to_string()
        } else {
            bar_chart(&by_rule, ERROR_COLOR, Bars::Horizontal)
        }
    );
    let months = month_axis(&stats.by_month);
    let counts: serde_json::Map<String, Value> =
        months.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
    let _ = write!(
        out,
        "<figure class=\"chart\" id=\"chart-month\" data-chart=\"month\" data-counts='{}'><figcaption>按月份（决策日期或支付日期）的问题数</figcaption>{}</figure></div>",
        inline_json(&Value::Object(counts)),
        if months.is_empty() {
            "<p class=\"empty\">无</p>".to_string()
        } else {
            bar_chart(&months, MONTH_COLOR, Bars::Vertical)
        }
    );
    // The rules behind the families, for the table's column heads.
    out.push_str("<details class=\"legend\"><summary>规则一览</summary><table class=\"rules\"><thead><tr><th>规则</th><th>类别</th><th>名称</th><th>级别</th><th>问题数</th><th>依据</th></tr></thead><tbody>");
    for r in &report.rules {
        let level = match r.card {
            Some(c) => format!("{}（{}）", severity_label(r.severity), c.label()),
            None => severity_label(r.severity).to_string(),
        };
        let _ = write!(
            out,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"cite\">{}</td></tr>",
            esc(&r.id),
            esc(&report.family_name(&r.id)),
            esc(&r.title),
            level,
            stats.by_rule.get(&r.id).copied().unwrap_or(0),
            esc(&r.cite)
        );
    }
    out.push_str("</tbody></table></details></section>\n");
}

fn severity_label(s: Severity) -> &'static str {
    match s {
        Severity::Error => "错误",
        Severity::Warning => "警告",
    }
}

fn findings_section(
    out: &mut String,
    report: &Report,
    stats: &Stats,
    units: &[(String, String)],
    m: &dyn Fn(&str) -> String,
) {
    out.push_str("<section id=\"findings\"><h2>问题明细</h2><form class=\"filters\" id=\"filters\" onsubmit=\"return false\">");
    out.push_str("<label>单位 <select id=\"f-unit\"><option value=\"*\">全部单位</option>");
    for (id, label) in units {
        let _ = write!(
            out,
            "<option value=\"{}\">{}</option>",
            esc(id),
            esc(&m(label))
        );
    }
    if stats.table.contains_key("") {
        let _ = write!(out, "<option value=\"\">{NO_UNIT}</option>");
    }
    out.push_str(
        "</select></label><label>规则 <select id=\"f-rule\"><option value=\"*\">全部规则</option>",
    );
    for r in &report.rules {
        let _ = write!(
            out,
            "<option value=\"{}\">{} {}</option>",
            esc(&r.id),
            esc(&r.id),
            esc(&r.title)
        );
    }
    out.push_str(
        "</select></label><label>级别 <select id=\"f-sev\"><option value=\"*\">全部</option>\
<option value=\"error\">错误</option><option value=\"warning\">警告</option>\
<option value=\"suppressed\">已豁免 / 基线</option></select></label>\
<label class=\"grow\">搜索 <input id=\"f-text\" type=\"search\" placeholder=\"记录编号、姓名、内容…\"></label>\
<button type=\"button\" id=\"f-reset\">清除</button></form>\
<p class=\"count\" id=\"f-count\"></p><div id=\"finding-list\"></div><nav class=\"pager\" id=\"pager\"></nav>\
<aside id=\"record-view\" class=\"record-view\" hidden></aside></section>\n",
    );
}

fn errors_section(out: &mut String, report: &Report) {
    let _ = writeln!(
        out,
        "<section id=\"input-errors\"><h2>输入错误</h2><p class=\"lead\">{}</p><ol id=\"error-list\" class=\"errors\"></ol></section>",
        if report.errors.is_empty() {
            "所有记录与规则文件均已读入。".to_string()
        } else {
            format!(
                "{} 项；有错误的记录未参加检查，请修正后重新检查。",
                report.errors.len()
            )
        }
    );
}

const STYLE: &str = include_str!("html/report.css");
const SCRIPT: &str = include_str!("html/report.js");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_keep_the_surname() {
        let s = vec!["欧阳".to_string(), "司马".to_string()];
        assert_eq!(mask_name("王五", &s), "王*");
        assert_eq!(mask_name("胡振华", &s), "胡**");
        assert_eq!(mask_name("欧阳修文", &s), "欧阳**");
        assert_eq!(mask_name("欧阳修", &s), "欧阳*");
        assert_eq!(mask_name("欧阳", &s), "欧*");
        assert_eq!(mask_name("王", &s), "*");
        // Without the surname list, one character is kept.
        assert_eq!(mask_name("欧阳修", &[]), "欧**");
        assert_eq!(mask_name("上官婉儿", &["上官".to_string()]), "上官**");
    }

    #[test]
    fn families_are_id_prefixes() {
        assert_eq!(rule_family("SZYD-002"), "SZYD");
        assert_eq!(rule_family("X-Y-3"), "X-Y");
        assert_eq!(rule_family("LOCAL"), "LOCAL");
    }

    #[test]
    fn json_cannot_close_the_script() {
        let s = inline_json(&json!({"a": "</script><b>'&"}));
        assert!(!s.contains('<') && !s.contains('\'') && !s.contains('&'));
    }
}
