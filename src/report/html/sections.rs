//! The page's sections other than the statistics: the header with the
//! run's scope and totals, 违规预警, the findings with their filters and
//! the input errors. The script fills the lists from the page's data.

use std::fmt::Write as _;

use super::statistics::Stats;
use super::text::esc;
use super::{NO_UNIT, Scope};
use crate::report::{Card, Report, Severity};
use crate::source::SourceMap;

/// SHA-256 over every file the run read (rules, parameters, records,
/// waivers), its name and the SHA-256 of its text, in the order they were
/// read.
pub fn fingerprint(sources: &SourceMap) -> String {
    crate::replay::hex(&sources.fingerprint())
}

pub(super) fn header(
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
pub(super) fn warnings(out: &mut String, report: &Report) {
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

pub(super) fn findings_section(
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

pub(super) fn errors_section(out: &mut String, report: &Report) {
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
