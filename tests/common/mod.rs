//! Helpers shared by the integration tests: run the real library (or the
//! real binary) on YAML text written to a temporary folder, and look at the
//! report as sets of (rule, record) pairs, anchors and rendered text.
//!
//! Every test crate uses a different subset of these helpers.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::error::Error;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sunlight::project::{self, RuleOptions};
use sunlight::report::{Finding, Report};
use sunlight::source::SourceMap;
use sunlight::workspace::InputLimits;

/// The result type of the tests.
pub type TestResult<T = ()> = Result<T, Box<dyn Error>>;

/// The compliant base record set: a copy of
/// `tests/fixtures/acceptance/01-compliant/records/zhujian.yaml` (copied so
/// that the per-rule tests do not move when the acceptance fixture does).
/// It yields no findings with the standard rules; every per-rule test
/// changes one thing in it.
pub const BASE: &str = "\
# 龙潭区住建局: a large payment decided and paid by the book
kind: org
id: zhujian
name: 龙潭区住房和城乡建设局
leaders:
  - name: 王建国
    post: 党组书记、局长
    principal: true
    manages: [全面工作]
  - name: 李明
    post: 副局长
    manages: [财务, 工程招投标]
  - {name: 张华, post: 副局长, manages: [人事, 行政审批, 物资采购]}
  - {name: 赵强, post: 纪检组长, manages: [纪检监察]}
  - {name: 刘芳, post: 总工程师, manages: [质量安全]}
---
kind: meeting
id: ZJ-DZ-2014-07
org: zhujian
body: 党组会
date: 2014-07-18
chair: 王建国
members: [王建国, 李明, 张华, 赵强, 刘芳]
attendees: [王建国, 李明, 张华, 赵强]
absent:
  - {name: 刘芳, reason: 公务出差}
observers:
  - {name: 陈静, unit: 区纪委派驻纪检组}
items:
  - no: 1
    title: 关于拨付龙潭大道改造工程进度款的议题
    category: 大额资金使用
    amount: 1200000
    agenda: 会前确定
    materials_sent: 2014-07-16
    opinions:
      - {name: 李明, stance: 同意}
      - {name: 张华, stance: 同意}
      - {name: 赵强, stance: 不同意, note: 建议先审计}
      - {name: 王建国, stance: 同意}
    outcome: 通过
  - no: 2
    title: 关于局机关办公用品采购的议题
    category: 一般事项
    amount: 30000
    opinions:
      - {name: 张华, stance: 同意}
      - {name: 王建国, stance: 同意}
    outcome: 通过
---
kind: disbursement
id: CZ-2014-0721-003
org: zhujian
payee: 龙潭路桥建设有限公司
project: 龙潭大道改造工程
amount: 1200000
steps:
  - {step: 用款申请, by: 何伟, date: 2014-07-10}
  - {step: 财政审核, by: 孙立, date: 2014-07-14, result: 符合}
  - {step: 提单, by: 孙立, date: 2014-07-15}
  - {step: 集体审核, meeting: ZJ-DZ-2014-07, item: 1, date: 2014-07-18}
  - {step: 签字, by: [李明, 王建国], date: 2014-07-18}
  - {step: 划拨, by: 周敏, date: 2014-07-21, amount: 1200000}
";

/// The id of the base meeting.
pub const MEETING: &str = "ZJ-DZ-2014-07";
/// The id of the base org.
pub const ORG: &str = "zhujian";
/// The id of the base disbursement.
pub const PAYMENT: &str = "CZ-2014-0721-003";

/// A simple error for test helpers.
pub fn fail(msg: impl Into<String>) -> Box<dyn Error> {
    msg.into().into()
}

/// `text` with `from` replaced by `to`; `from` must occur exactly once, so
/// that an edit never changes more (or less) than the test means to.
pub fn edit(text: &str, from: &str, to: &str) -> TestResult<String> {
    match text.matches(from).count() {
        1 => Ok(text.replacen(from, to, 1)),
        n => Err(fail(format!(
            "edit: `{from}` occurs {n} times in the text, want exactly once"
        ))),
    }
}

/// Several edits in order, each as [`edit`].
pub fn edits(text: &str, changes: &[(&str, &str)]) -> TestResult<String> {
    let mut out = text.to_string();
    for (from, to) in changes {
        out = edit(&out, from, to)?;
    }
    Ok(out)
}

/// The base with one edit.
pub fn base_with(from: &str, to: &str) -> TestResult<String> {
    edit(BASE, from, to)
}

/// The base with several edits.
pub fn base_with_all(changes: &[(&str, &str)]) -> TestResult<String> {
    edits(BASE, changes)
}

/// Records joined into one YAML stream.
pub fn stream(docs: &[&str]) -> String {
    let mut out = String::new();
    for d in docs {
        if !out.is_empty() {
            if !out.ends_with('\n') {
                out.push('\n');
            }
            out.push_str("---\n");
        }
        out.push_str(d);
    }
    out
}

// ------------------------------------------------------------------ dates

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// `YYYY-MM-DD` plus `n` calendar days (n may be negative).
pub fn add_days(date: &str, n: i64) -> TestResult<String> {
    let parts: Vec<i64> = date
        .split('-')
        .map(str::parse::<i64>)
        .collect::<Result<_, _>>()?;
    let [y, m, d] = parts[..] else {
        return Err(fail(format!("not a date: {date}")));
    };
    let (y, m, d) = civil_from_days(days_from_civil(y, m, d) + n);
    Ok(format!("{y:04}-{m:02}-{d:02}"))
}

// ------------------------------------------------------------------ record builders

/// A small disbursement of the base org with no 集体审核 step: 用款申请,
/// 财政审核 and 签字 (by the finance deputy) on the day before `paid`, 划拨
/// on `paid`. Below the large-sum standard it is compliant on its own.
pub fn small_payment(id: &str, payee: &str, amount: u64, paid: &str) -> TestResult<String> {
    let before = add_days(paid, -1)?;
    Ok(format!(
        "kind: disbursement
id: {id}
org: zhujian
payee: {payee}
amount: {amount}
steps:
  - {{step: 用款申请, by: 何伟, date: {before}}}
  - {{step: 财政审核, by: 孙立, date: {before}, result: 符合}}
  - {{step: 签字, by: 李明, date: {before}}}
  - {{step: 划拨, by: 周敏, date: {paid}}}
"
    ))
}

/// A full-chain disbursement of the base org citing `meeting` item `item`
/// (held on `meeting_date`), paid on `paid`.
pub fn cited_payment(
    id: &str,
    amount: u64,
    meeting: &str,
    item: u32,
    meeting_date: &str,
    paid: &str,
) -> TestResult<String> {
    let d = |n| add_days(meeting_date, n);
    Ok(format!(
        "kind: disbursement
id: {id}
org: zhujian
payee: 龙潭路桥建设有限公司
amount: {amount}
steps:
  - {{step: 用款申请, by: 何伟, date: {}}}
  - {{step: 财政审核, by: 孙立, date: {}, result: 符合}}
  - {{step: 提单, by: 孙立, date: {}}}
  - {{step: 集体审核, meeting: {meeting}, item: {item}, date: {meeting_date}}}
  - {{step: 签字, by: [李明, 王建国], date: {meeting_date}}}
  - {{step: 划拨, by: 周敏, date: {paid}}}
",
        d(-8)?,
        d(-4)?,
        d(-3)?,
    ))
}

/// An emergency disbursement of the base org, paid on `paid`, with no
/// 集体审核 step.
pub fn emergency_payment(id: &str, amount: u64, paid: &str) -> String {
    format!(
        "kind: disbursement
id: {id}
org: zhujian
payee: 龙潭防汛物资供应站
amount: {amount}
emergency: {{decided_by: 王建国, reason: 防汛抢险}}
steps:
  - {{step: 用款申请, by: 何伟, date: {paid}}}
  - {{step: 财政审核, by: 孙立, date: {paid}, result: 符合}}
  - {{step: 提单, by: 孙立, date: {paid}}}
  - {{step: 签字, by: [李明, 王建国], date: {paid}}}
  - {{step: 划拨, by: 周敏, date: {paid}}}
"
    )
}

/// A compliant meeting of `org` (the base team) on `date` with one passed
/// 大额资金使用 item (no 1) of `amount`; `extra` is appended to the item
/// (e.g. `    ratifies: X\n`).
pub fn meeting_doc(
    id: &str,
    org: &str,
    date: &str,
    amount: u64,
    outcome: &str,
    extra: &str,
) -> TestResult<String> {
    let sent = add_days(date, -2)?;
    Ok(format!(
        "kind: meeting
id: {id}
org: {org}
body: 党组会
date: {date}
chair: 王建国
members: [王建国, 李明, 张华, 赵强, 刘芳]
attendees: [王建国, 李明, 张华, 赵强, 刘芳]
observers:
  - {{name: 陈静, unit: 区纪委派驻纪检组}}
items:
  - no: 1
    title: 关于追认应急资金支出的议题
    category: 大额资金使用
    amount: {amount}
    materials_sent: {sent}
    opinions:
      - {{name: 李明, stance: 同意}}
      - {{name: 张华, stance: 同意}}
      - {{name: 赵强, stance: 同意}}
      - {{name: 刘芳, stance: 同意}}
      - {{name: 王建国, stance: 同意}}
    outcome: {outcome}
{extra}"
    ))
}

/// A second org with its own complete, compliant leadership team.
pub const OTHER_ORG: &str = "\
kind: org
id: jiaoyu
name: 龙潭区教育局
leaders:
  - {name: 周国强, post: 党委书记、局长, principal: true, manages: [全面工作]}
  - {name: 吴敏, post: 副局长, manages: [财务, 人事, 物资采购, 工程招投标, 行政审批]}
";

// ------------------------------------------------------------------ running the library

/// How a run is set up, beyond the record files.
#[derive(Debug, Clone, Default)]
pub struct Setup {
    /// Extra rule files: (file name, text).
    pub rules: Vec<(String, String)>,
    /// A parameter file's text.
    pub params: Option<String>,
    /// Leave out the standard rules.
    pub no_default_rules: bool,
    /// Rules switched off.
    pub disabled: Vec<String>,
}

impl Setup {
    /// Add a rule file.
    pub fn rules(mut self, name: &str, text: &str) -> Setup {
        self.rules.push((name.to_string(), text.to_string()));
        self
    }

    /// Use a parameter file with this text.
    pub fn params(mut self, text: &str) -> Setup {
        self.params = Some(text.to_string());
        self
    }

    /// Leave out the standard rules.
    pub fn no_default_rules(mut self) -> Setup {
        self.no_default_rules = true;
        self
    }

    /// Switch a rule off.
    pub fn disable(mut self, id: &str) -> Setup {
        self.disabled.push(id.to_string());
        self
    }
}

/// One run of the library: the report, the sources it points into and the
/// folder the files were written to (kept alive as long as the run).
pub struct Run {
    /// The report.
    pub report: Report,
    /// Every file read (rules and records).
    pub sources: SourceMap,
    /// The temporary folder.
    pub dir: tempfile::TempDir,
}

impl Run {
    /// The folder holding the record files.
    pub fn records_dir(&self) -> PathBuf {
        self.dir.path().join("records")
    }

    /// The human rendering, without colour.
    pub fn human(&self) -> String {
        human(&self.report, &self.sources)
    }

    /// The JSON rendering, parsed.
    pub fn json(&self) -> TestResult<serde_json::Value> {
        Ok(serde_json::from_str(&sunlight::report::json::render(
            &self.report,
            &self.sources,
        ))?)
    }

    /// The (rule, record) pairs reported.
    pub fn pairs(&self) -> BTreeSet<(String, String)> {
        pairs(&self.report)
    }

    /// The (rule, record) pairs of one rule.
    pub fn pairs_of(&self, rule: &str) -> BTreeSet<(String, String)> {
        pairs_of(&self.report, rule)
    }

    /// The findings of one rule.
    pub fn findings_of(&self, rule: &str) -> Vec<&Finding> {
        self.report
            .findings
            .iter()
            .filter(|f| f.rule == rule)
            .collect()
    }

    /// The one finding of `rule` on `record`, or an error saying what was found.
    pub fn finding(&self, rule: &str, record: &str) -> TestResult<&Finding> {
        let found: Vec<&Finding> = self
            .report
            .findings
            .iter()
            .filter(|f| f.rule == rule && f.record == record)
            .collect();
        match found[..] {
            [f] => Ok(f),
            _ => Err(fail(format!(
                "want exactly one {rule} finding on {record}, found {}; all: {:?}",
                found.len(),
                self.pairs()
            ))),
        }
    }

    /// Where a finding points: (file name, line, column), 1-based.
    pub fn anchor(&self, f: &Finding) -> TestResult<(String, usize, usize)> {
        let Some((start, _)) = self.sources.span_lines(f.span) else {
            return Err(fail(format!("finding {} has no position", f.rule)));
        };
        Ok((
            self.sources.name(f.span.file).to_string(),
            start.line,
            start.column,
        ))
    }

    /// The source text a finding underlines.
    pub fn anchor_text(&self, f: &Finding) -> String {
        self.sources
            .get(f.span.file)
            .map_or(String::new(), |file| file.slice(f.span).to_string())
    }

    /// Line and column of each related location of a finding, with its note.
    pub fn related(&self, f: &Finding) -> Vec<(usize, usize, String)> {
        f.related
            .iter()
            .filter_map(|r| {
                self.sources
                    .span_lines(r.span)
                    .map(|(s, _)| (s.line, s.column, r.note.clone()))
            })
            .collect()
    }

    /// The input errors, each as (file name, line, column, message, help).
    pub fn errors(&self) -> Vec<InputError> {
        self.report
            .errors
            .iter()
            .map(|d| {
                let (file, line, column) = match d.span.and_then(|s| {
                    self.sources
                        .span_lines(s)
                        .map(|(p, _)| (self.sources.name(s.file).to_string(), p))
                }) {
                    Some((file, p)) => (file, p.line, p.column),
                    None => (d.file.clone().unwrap_or_default(), 0, 0),
                };
                InputError {
                    file,
                    line,
                    column,
                    message: d.message.clone(),
                    help: d.help.clone().unwrap_or_default(),
                    is_error: d.is_error(),
                }
            })
            .collect()
    }
}

/// One input error as the tests look at it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// The file's display name.
    pub file: String,
    /// 1-based line (0 without a position).
    pub line: usize,
    /// 1-based column (0 without a position).
    pub column: usize,
    /// The message.
    pub message: String,
    /// The help line ("" without one).
    pub help: String,
    /// Error rather than warning.
    pub is_error: bool,
}

/// Write `files` (name relative to `dir`, text) into `dir`.
pub fn write_files(dir: &Path, files: &[(&str, &str)]) -> TestResult {
    for (name, text) in files {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, text)?;
    }
    Ok(())
}

/// Check record files (written under `records/` in a temporary folder)
/// with the given setup, through the library as `sunlight check` does.
pub fn check_files_with(files: &[(&str, &str)], setup: &Setup) -> TestResult<Run> {
    let dir = tempfile::tempdir()?;
    let records = dir.path().join("records");
    std::fs::create_dir_all(&records)?;
    write_files(&records, files)?;
    let mut opts = RuleOptions {
        no_default_rules: setup.no_default_rules,
        disabled: setup.disabled.clone(),
        ..RuleOptions::default()
    };
    for (name, text) in &setup.rules {
        let path = dir.path().join("rules").join(name);
        write_files(&dir.path().join("rules"), &[(name, text)])?;
        opts.rules.push(path);
    }
    if let Some(text) = &setup.params {
        let path = dir.path().join("params.yaml");
        std::fs::write(&path, text)?;
        opts.params = Some(path);
    }
    let limits = InputLimits::default();
    let mut sources = SourceMap::new();
    let rules = project::load_rules(&mut sources, &opts, &limits);
    let report = project::check_paths(&mut sources, &rules, &[records], &limits);
    Ok(Run {
        report,
        sources,
        dir,
    })
}

/// Check record files with the standard rules.
pub fn check_files(files: &[(&str, &str)]) -> TestResult<Run> {
    check_files_with(files, &Setup::default())
}

/// Check one record file (`records.yaml`) with the standard rules.
pub fn check_yaml(text: &str) -> TestResult<Run> {
    check_files(&[("records.yaml", text)])
}

/// Check one record file with the given setup.
pub fn check_yaml_with(text: &str, setup: &Setup) -> TestResult<Run> {
    check_files_with(&[("records.yaml", text)], setup)
}

// ------------------------------------------------------------------ looking at reports

/// Every (rule, record) pair of a report.
pub fn pairs(report: &Report) -> BTreeSet<(String, String)> {
    report
        .findings
        .iter()
        .map(|f| (f.rule.clone(), f.record.clone()))
        .collect()
}

/// The (rule, record) pairs of one rule.
pub fn pairs_of(report: &Report, rule: &str) -> BTreeSet<(String, String)> {
    report
        .findings
        .iter()
        .filter(|f| f.rule == rule)
        .map(|f| (f.rule.clone(), f.record.clone()))
        .collect()
}

/// The ids of the rules that fired.
pub fn rules_fired(report: &Report) -> BTreeSet<String> {
    report.findings.iter().map(|f| f.rule.clone()).collect()
}

/// A set of (rule, record) pairs from string slices.
pub fn set(items: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    items
        .iter()
        .map(|(a, b)| ((*a).to_string(), (*b).to_string()))
        .collect()
}

/// The empty pair set.
pub fn none() -> BTreeSet<(String, String)> {
    BTreeSet::new()
}

/// The human rendering of a report, without colour.
pub fn human(report: &Report, sources: &SourceMap) -> String {
    sunlight::report::human::render(report, sources, false)
}

/// 1-based (line, column in characters) of the `nth` (0-based) occurrence
/// of `needle` in `text`.
pub fn position_of(text: &str, needle: &str, nth: usize) -> TestResult<(usize, usize)> {
    let Some((offset, _)) = text.match_indices(needle).nth(nth) else {
        return Err(fail(format!("`{needle}` does not occur {} times", nth + 1)));
    };
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    Ok((line, column))
}

/// Assert that `rule`'s finding on `record` points into `records.yaml` at
/// the `nth` occurrence of `needle` in `text`, with the given field path.
pub fn assert_anchor(
    run: &Run,
    text: &str,
    rule: &str,
    record: &str,
    path: &str,
    needle: &str,
    nth: usize,
) -> TestResult {
    assert_anchor_any(run, text, rule, record, path, &[(needle, nth)])
}

/// As [`assert_anchor`], accepting any of several places: a field holding
/// a block list or mapping may be pointed at by its key or by its value.
pub fn assert_anchor_any(
    run: &Run,
    text: &str,
    rule: &str,
    record: &str,
    path: &str,
    places: &[(&str, usize)],
) -> TestResult {
    let f = run.finding(rule, record)?;
    let (file, line, column) = run.anchor(f)?;
    let mut wants = Vec::new();
    for (needle, nth) in places {
        wants.push(position_of(text, needle, *nth)?);
    }
    if !file.ends_with("records.yaml") || !wants.contains(&(line, column)) || f.path != path {
        return Err(fail(format!(
            "{rule} on {record}: anchor is {file}:{line}:{column} path `{}` (`{}`), want records.yaml at one of {wants:?} ({places:?}) with path `{path}`",
            f.path,
            run.anchor_text(f),
        )));
    }
    Ok(())
}

// ------------------------------------------------------------------ running the binary

/// The binary under test.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_sunlight"))
}

/// Run `sunlight check` in `dir` with these arguments (paths relative to
/// `dir`), never in colour.
pub fn run_check(dir: &Path, args: &[&str]) -> TestResult<Output> {
    Ok(bin()
        .current_dir(dir)
        .arg("check")
        .args(args)
        .args(["--color", "never"])
        .env("NO_COLOR", "1")
        .output()?)
}

/// The output of a run as (exit code, stdout).
pub fn code_and_stdout(out: &Output) -> (Option<i32>, String) {
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// Run `sunlight check --format json` and parse the report.
pub fn run_check_json(dir: &Path, args: &[&str]) -> TestResult<(Option<i32>, serde_json::Value)> {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    let out = run_check(dir, &all)?;
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|e| {
        fail(format!(
            "bad JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    })?;
    Ok((out.status.code(), value))
}

/// The (rule, record) pairs of a JSON report.
pub fn json_pairs(report: &serde_json::Value) -> BTreeSet<(String, String)> {
    report["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| {
                    (
                        f["rule"].as_str().unwrap_or_default().to_string(),
                        f["record"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

// ------------------------------------------------------------------ a meeting builder

/// The base org record (the first document of [`BASE`]).
pub fn base_org() -> String {
    BASE.split("\n---\n").next().unwrap_or_default().to_string() + "\n"
}

/// One agenda item of a [`Meeting`].
#[derive(Debug, Clone)]
pub struct Item {
    /// `no`.
    pub no: u32,
    /// `category`.
    pub category: String,
    /// `amount`, if any.
    pub amount: Option<u64>,
    /// `agenda`, if written.
    pub agenda: Option<String>,
    /// `materials_sent`, if recorded.
    pub materials_sent: Option<String>,
    /// `interested`.
    pub interested: Vec<String>,
    /// `recused`.
    pub recused: Vec<String>,
    /// `opinions` as (name, stance); `None` = every attendee who did not
    /// recuse says 同意, the chair last.
    pub opinions: Option<Vec<(String, String)>>,
    /// `outcome`.
    pub outcome: String,
    /// `ratifies`, if any.
    pub ratifies: Option<String>,
}

impl Item {
    /// A 三重一大 item of this category, materials sent two days before a
    /// meeting on 2014-07-18, passed by everyone present.
    pub fn new(no: u32, category: &str) -> Item {
        Item {
            no,
            category: category.to_string(),
            amount: None,
            agenda: None,
            materials_sent: Some("2014-07-16".to_string()),
            interested: Vec::new(),
            recused: Vec::new(),
            opinions: None,
            outcome: "通过".to_string(),
            ratifies: None,
        }
    }

    /// A passed 大额资金使用 item of `amount`.
    pub fn money(no: u32, amount: u64) -> Item {
        Item::new(no, "大额资金使用").amount(amount)
    }

    /// Set `amount`.
    pub fn amount(mut self, amount: u64) -> Item {
        self.amount = Some(amount);
        self
    }

    /// Set `agenda`.
    pub fn agenda(mut self, agenda: &str) -> Item {
        self.agenda = Some(agenda.to_string());
        self
    }

    /// Set or clear `materials_sent`.
    pub fn materials_sent(mut self, date: Option<&str>) -> Item {
        self.materials_sent = date.map(str::to_string);
        self
    }

    /// Set `interested`.
    pub fn interested(mut self, names: &[&str]) -> Item {
        self.interested = names.iter().map(|s| (*s).to_string()).collect();
        self
    }

    /// Set `recused`.
    pub fn recused(mut self, names: &[&str]) -> Item {
        self.recused = names.iter().map(|s| (*s).to_string()).collect();
        self
    }

    /// Set the opinions, in speaking order.
    pub fn opinions(mut self, opinions: &[(&str, &str)]) -> Item {
        self.opinions = Some(
            opinions
                .iter()
                .map(|(n, s)| ((*n).to_string(), (*s).to_string()))
                .collect(),
        );
        self
    }

    /// Set `outcome`.
    pub fn outcome(mut self, outcome: &str) -> Item {
        self.outcome = outcome.to_string();
        self
    }

    /// Set `ratifies`.
    pub fn ratifies(mut self, id: &str) -> Item {
        self.ratifies = Some(id.to_string());
        self
    }
}

/// A meeting record, compliant unless told otherwise.
#[derive(Debug, Clone)]
pub struct Meeting {
    /// `id`.
    pub id: String,
    /// `org`.
    pub org: String,
    /// `body`.
    pub body: String,
    /// `date`.
    pub date: String,
    /// `chair`.
    pub chair: String,
    /// `members`.
    pub members: Vec<String>,
    /// `attendees`.
    pub attendees: Vec<String>,
    /// `absent`; `None` = each member not attending, with a reason.
    pub absent: Option<Vec<(String, Option<String>)>>,
    /// `observers`; `None` leaves the field out.
    pub observers: Option<Vec<(String, Option<String>)>>,
    /// `items`.
    pub items: Vec<Item>,
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_string()).collect()
}

fn flow(list: &[String]) -> String {
    format!("[{}]", list.join(", "))
}

impl Meeting {
    /// The base team's 党组会 of 2014-07-18 (id `M-1`), everyone present, a
    /// discipline observer, one passed 大额资金使用 item of 500000.
    pub fn new() -> Meeting {
        let team = names(&["王建国", "李明", "张华", "赵强", "刘芳"]);
        Meeting {
            id: "M-1".to_string(),
            org: ORG.to_string(),
            body: "党组会".to_string(),
            date: "2014-07-18".to_string(),
            chair: "王建国".to_string(),
            members: team.clone(),
            attendees: team,
            absent: None,
            observers: Some(vec![(
                "陈静".to_string(),
                Some("区纪委派驻纪检组".to_string()),
            )]),
            items: vec![Item::money(1, 500_000)],
        }
    }

    /// Set `id`.
    pub fn id(mut self, id: &str) -> Meeting {
        self.id = id.to_string();
        self
    }

    /// Set `org`.
    pub fn org(mut self, org: &str) -> Meeting {
        self.org = org.to_string();
        self
    }

    /// Set `body`.
    pub fn body(mut self, body: &str) -> Meeting {
        self.body = body.to_string();
        self
    }

    /// Set `date`.
    pub fn date(mut self, date: &str) -> Meeting {
        self.date = date.to_string();
        self
    }

    /// Set `members`; attendees become the same people.
    pub fn members(mut self, list: &[&str]) -> Meeting {
        self.members = names(list);
        self.attendees = names(list);
        self
    }

    /// Set `attendees`.
    pub fn attendees(mut self, list: &[&str]) -> Meeting {
        self.attendees = names(list);
        self
    }

    /// Set `absent` as (name, reason).
    pub fn absent(mut self, list: &[(&str, Option<&str>)]) -> Meeting {
        self.absent = Some(
            list.iter()
                .map(|(n, r)| ((*n).to_string(), r.map(str::to_string)))
                .collect(),
        );
        self
    }

    /// Set `observers` as (name, unit); `None` leaves the field out.
    pub fn observers(mut self, list: Option<&[(&str, Option<&str>)]>) -> Meeting {
        self.observers = list.map(|l| {
            l.iter()
                .map(|(n, u)| ((*n).to_string(), u.map(str::to_string)))
                .collect()
        });
        self
    }

    /// Replace the items.
    pub fn items(mut self, items: Vec<Item>) -> Meeting {
        self.items = items;
        self
    }

    /// Replace the items with one.
    pub fn item(self, item: Item) -> Meeting {
        self.items(vec![item])
    }

    /// The record as YAML.
    pub fn render(&self) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        let _ = writeln!(out, "kind: meeting");
        let _ = writeln!(out, "id: {}", self.id);
        let _ = writeln!(out, "org: {}", self.org);
        let _ = writeln!(out, "body: {}", self.body);
        let _ = writeln!(out, "date: {}", self.date);
        let _ = writeln!(out, "chair: {}", self.chair);
        let _ = writeln!(out, "members: {}", flow(&self.members));
        let _ = writeln!(out, "attendees: {}", flow(&self.attendees));
        let absent = self.absent.clone().unwrap_or_else(|| {
            self.members
                .iter()
                .filter(|m| !self.attendees.contains(m))
                .map(|m| (m.clone(), Some("公务出差".to_string())))
                .collect()
        });
        if !absent.is_empty() {
            let _ = writeln!(out, "absent:");
            for (name, reason) in &absent {
                match reason {
                    Some(r) => {
                        let _ = writeln!(out, "  - {{name: {name}, reason: {r}}}");
                    }
                    None => {
                        let _ = writeln!(out, "  - {{name: {name}}}");
                    }
                }
            }
        }
        if let Some(observers) = &self.observers {
            if observers.is_empty() {
                let _ = writeln!(out, "observers: []");
            } else {
                let _ = writeln!(out, "observers:");
                for (name, unit) in observers {
                    match unit {
                        Some(u) => {
                            let _ = writeln!(out, "  - {{name: {name}, unit: {u}}}");
                        }
                        None => {
                            let _ = writeln!(out, "  - {{name: {name}}}");
                        }
                    }
                }
            }
        }
        let _ = writeln!(out, "items:");
        for i in &self.items {
            let _ = writeln!(out, "  - no: {}", i.no);
            let _ = writeln!(out, "    title: 第{}项议题", i.no);
            let _ = writeln!(out, "    category: {}", i.category);
            if let Some(a) = i.amount {
                let _ = writeln!(out, "    amount: {a}");
            }
            if let Some(a) = &i.agenda {
                let _ = writeln!(out, "    agenda: {a}");
            }
            if let Some(d) = &i.materials_sent {
                let _ = writeln!(out, "    materials_sent: {d}");
            }
            if !i.interested.is_empty() {
                let _ = writeln!(out, "    interested: {}", flow(&i.interested));
            }
            if !i.recused.is_empty() {
                let _ = writeln!(out, "    recused: {}", flow(&i.recused));
            }
            let opinions = i.opinions.clone().unwrap_or_else(|| {
                let voters = self.attendees.iter().filter(|a| !i.recused.contains(a));
                voters
                    .clone()
                    .filter(|a| **a != self.chair)
                    .chain(voters.filter(|a| **a == self.chair))
                    .map(|a| (a.clone(), "同意".to_string()))
                    .collect()
            });
            if opinions.is_empty() {
                let _ = writeln!(out, "    opinions: []");
            } else {
                let _ = writeln!(out, "    opinions:");
                for (name, stance) in &opinions {
                    let _ = writeln!(out, "      - {{name: {name}, stance: {stance}}}");
                }
            }
            let _ = writeln!(out, "    outcome: {}", i.outcome);
            if let Some(r) = &i.ratifies {
                let _ = writeln!(out, "    ratifies: {r}");
            }
        }
        out
    }
}

impl Default for Meeting {
    fn default() -> Meeting {
        Meeting::new()
    }
}

/// The base org and these meetings (and other documents) as one stream.
pub fn with_org(docs: &[&str]) -> String {
    let org = base_org();
    let mut all: Vec<&str> = vec![&org];
    all.extend_from_slice(docs);
    stream(&all)
}
