//! 综合统计: the unit × rule family table, the tables the rules declare,
//! the charts by rule and by month, and the list of rules.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{Value, json};

use super::NO_UNIT;
use super::charts::{Bars, ERROR_COLOR, MONTH_COLOR, bar_chart, month_axis};
use super::records::{Records, rule_family};
use super::text::{esc, inline_json};
use crate::report::{Report, Severity};

/// Counts of the active findings, for the statistics.
#[derive(Default)]
pub(super) struct Stats {
    pub(super) by_rule: BTreeMap<String, usize>,
    pub(super) by_month: BTreeMap<String, usize>,
    /// unit → family → count.
    pub(super) table: BTreeMap<String, BTreeMap<String, usize>>,
    pub(super) families: Vec<String>,
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

pub(super) fn statistics(
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
