//! The record texts the tests start from: the compliant base set with
//! its ids, exact edits of it, YAML streams and builders of single records.

use super::{TestResult, add_days, fail};

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
