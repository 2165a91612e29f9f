//! The HTML report: its counts equal the JSON report's for every acceptance
//! case, `--public` leaves no personal name in the file, report marks are
//! checked like any declaration, and the browser suite in `tests/html/`
//! (headless Chromium through Playwright) passes.
//!
//! The browser suite needs the system Chromium (`apt-get install chromium`)
//! and `pip install -r tests/html/requirements.txt`; `.ci/run` installs
//! both. `PYTHON` names another interpreter, `SUNLIGHT_CHROMIUM` another
//! browser.

mod common;
mod process;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{TestResult, bin};
use serde_json::Value;

const TODAY: &str = "2015-01-10";

/// JSON and HTML reports of one run over `paths`.
fn reports(paths: &[&Path], extra: &[&str]) -> TestResult<(Value, String)> {
    reports_as_of(paths, TODAY, extra)
}

/// [`reports`] as of another run date.
fn reports_as_of(paths: &[&Path], today: &str, extra: &[&str]) -> TestResult<(Value, String)> {
    let dir = tempfile::tempdir()?;
    let html = dir.path().join("report.html");
    let out = bin()
        .arg("check")
        .args(paths)
        .args([
            "--today",
            today,
            "--no-config",
            "--format",
            "json",
            "--output",
        ])
        .arg(&html)
        .args(extra)
        .output()?;
    let code = out.status.code();
    assert!(matches!(code, Some(0..=2)), "exit {code:?}");
    let json: Value = serde_json::from_slice(&out.stdout)?;
    Ok((json, std::fs::read_to_string(&html)?))
}

/// The JSON in `attr='…'` after `marker`.
fn attr_json(html: &str, marker: &str, attr: &str) -> TestResult<Value> {
    let at = html.find(marker).ok_or(format!("no `{marker}`"))?;
    let rest = &html[at..];
    let start = rest.find(&format!("{attr}='")).ok_or("no attribute")? + attr.len() + 2;
    let end = start + rest[start..].find('\'').ok_or("unterminated")?;
    Ok(serde_json::from_str(&rest[start..end])?)
}

/// The number in `…marker N<`.
fn number_after(html: &str, marker: &str) -> TestResult<u64> {
    let at = html.find(marker).ok_or(format!("no `{marker}`"))? + marker.len();
    let digits: String = html[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    Ok(digits.parse()?)
}

/// The report data the page's script reads.
fn page_data(html: &str) -> TestResult<Value> {
    let marker = "<script type=\"application/json\" id=\"report-data\">";
    let start = html.find(marker).ok_or("no report data")? + marker.len();
    let end = start + html[start..].find("</script>").ok_or("unterminated")?;
    Ok(serde_json::from_str(&html[start..end])?)
}

fn counts(findings: impl Iterator<Item = String>) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for f in findings {
        *out.entry(f).or_default() += 1;
    }
    out
}

fn active(json: &Value) -> Vec<&Value> {
    json["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|f| f.get("suppressed").is_none_or(Value::is_null))
                .collect()
        })
        .unwrap_or_default()
}

fn assert_counts_agree(json: &Value, html: &str, case: &str) -> TestResult {
    let active = active(json);
    let by_rule = counts(
        active
            .iter()
            .map(|f| f["rule"].as_str().unwrap_or("").to_string()),
    );
    let chart: BTreeMap<String, u64> =
        serde_json::from_value(attr_json(html, "data-chart=\"rule\"", "data-counts")?)?;
    assert_eq!(chart, by_rule, "{case}: rule chart");
    let months: BTreeMap<String, u64> =
        serde_json::from_value(attr_json(html, "data-chart=\"month\"", "data-counts")?)?;
    assert_eq!(
        months.values().sum::<u64>(),
        active.len() as u64,
        "{case}: month chart"
    );
    let total = number_after(html, "<td class=\"total\">")
        .and_then(|_| {
            let foot = html.find("<tfoot>").ok_or("no table foot")?;
            number_after(&html[foot..], "<td class=\"total\">")
        })
        .unwrap_or(0);
    assert_eq!(total, active.len() as u64, "{case}: table total");
    for (tile, key) in [
        ("data-count=\"error\">", "error"),
        ("data-count=\"warning\">", "warning"),
        ("data-count=\"suppressed\">", "suppressed"),
    ] {
        assert_eq!(
            number_after(html, tile)?,
            json["summary"][key].as_u64().unwrap_or(u64::MAX),
            "{case}: {key} tile"
        );
    }
    for (marker, key) in [
        ("id=\"checked\">", "checked"),
        ("id=\"rejected\">", "rejected"),
    ] {
        assert_eq!(
            number_after(html, marker)?,
            json["summary"][key].as_u64().unwrap_or(u64::MAX),
            "{case}: {key}"
        );
    }
    // Every finding and input error is on the page, unit rows add up.
    let data = page_data(html)?;
    let findings = data["findings"].as_array().ok_or("no findings")?;
    assert_eq!(
        findings.len(),
        json["findings"].as_array().map_or(0, Vec::len),
        "{case}"
    );
    assert_eq!(
        data["errors"].as_array().map(Vec::len),
        json["errors"].as_array().map(Vec::len)
    );
    let by_unit = counts(
        findings
            .iter()
            .filter(|f| f["sup"].is_null())
            .map(|f| f["unit"].as_str().unwrap_or("").to_string()),
    );
    for (unit, n) in &by_unit {
        let row = format!("<tr data-unit=\"{unit}\" data-total=\"");
        assert_eq!(number_after(html, &row)?, *n, "{case}: row of `{unit}`");
    }
    assert_cards_agree(json, html, case)?;
    assert_tables_agree(json, html, case)
}

/// 违规预警 counts the red and yellow cards the JSON report holds.
fn assert_cards_agree(json: &Value, html: &str, case: &str) -> TestResult {
    let cards = counts(
        active(json)
            .iter()
            .filter_map(|f| f.get("card").and_then(Value::as_str))
            .map(str::to_string),
    );
    if cards.is_empty() {
        assert!(!html.contains("data-count=\"red\""), "{case}: no cards");
        return Ok(());
    }
    for card in ["red", "yellow"] {
        assert_eq!(
            number_after(html, &format!("data-count=\"{card}\">"))?,
            cards.get(card).copied().unwrap_or(0),
            "{case}: {card} cards"
        );
    }
    Ok(())
}

/// Every cell of every statistics table holds the JSON report's value.
fn assert_tables_agree(json: &Value, html: &str, case: &str) -> TestResult {
    let tables = json["statistics"].as_array().cloned().unwrap_or_default();
    for (ti, table) in tables.iter().enumerate() {
        let start = html
            .find(&format!("<table class=\"matrix stat\" data-table=\"{ti}\""))
            .ok_or(format!("{case}: no table {ti}"))?;
        let end = start + html[start..].find("</table>").ok_or("unterminated")?;
        let page = &html[start..end];
        let title = table["title"].as_str().unwrap_or("");
        assert!(page.contains(&format!("data-title=\"{title}\"")), "{case}");
        let columns: Vec<&str> = table["columns"]
            .as_array()
            .map(|c| c.iter().filter_map(|c| c["name"].as_str()).collect())
            .unwrap_or_default();
        let rows = table["rows"].as_array().cloned().unwrap_or_default();
        assert_eq!(
            page.matches("<tr data-unit=").count(),
            rows.len(),
            "{case}: rows of `{title}`"
        );
        for row in &rows {
            let unit = row["unit"].as_str().unwrap_or("");
            let at = page
                .find(&format!("<tr data-unit=\"{unit}\">"))
                .ok_or(format!("{case}: no row `{unit}`"))?;
            let tr = &page[at..at + page[at..].find("</tr>").unwrap_or(0)];
            let values = row["values"].as_array().cloned().unwrap_or_default();
            assert_eq!(values.len(), columns.len());
            for (name, v) in columns.iter().zip(&values) {
                let shown = if v.is_null() {
                    String::new()
                } else {
                    v.to_string()
                };
                let cell = format!("<td data-column=\"{name}\" data-value=\"{shown}\"");
                assert!(tr.contains(&cell), "{case}: `{unit}` {name} = {v}: {tr}");
            }
        }
    }
    Ok(())
}

#[test]
fn the_approvals_case_has_cards_and_a_department_table() -> TestResult {
    let case = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/acceptance/08-approvals/records");
    let (json, html) = reports_as_of(&[&case], "2014-09-30", &[])?;
    let cards: Vec<&str> = active(&json)
        .iter()
        .filter_map(|f| f.get("card").and_then(Value::as_str))
        .collect();
    assert!(
        cards.contains(&"red") && cards.contains(&"yellow"),
        "{cards:?}"
    );
    for f in active(&json) {
        let want = match f["rule"].as_str() {
            Some("XZSP-010") => Some("red"),
            Some("XZSP-009") => Some("yellow"),
            _ => None,
        };
        assert_eq!(f.get("card").and_then(Value::as_str), want, "{f}");
    }
    let table = &json["statistics"][0];
    assert_eq!(table["title"], "行政审批各部门办件统计");
    let columns: Vec<&str> = table["columns"]
        .as_array()
        .map(|c| c.iter().filter_map(|c| c["name"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        columns,
        [
            "受理",
            "办结",
            "提前办结",
            "按期办结",
            "超期办结",
            "未办结",
            "黄牌",
            "红牌",
            "提前办结率"
        ]
    );
    assert_eq!(table["columns"][8]["target"], 0.95);
    // Each row adds up: closed and open are all received; yellow and red
    // cards are the findings of XZSP-009 and XZSP-010 of the unit.
    let mut yellow = 0;
    let mut red = 0;
    for row in table["rows"].as_array().ok_or("no rows")? {
        let v: Vec<f64> = row["values"]
            .as_array()
            .map(|a| a.iter().map(|x| x.as_f64().unwrap_or(-1.0)).collect())
            .unwrap_or_default();
        assert_eq!(v[0], v[1] + v[5], "{row}");
        assert!(v[2] + v[3] + v[4] <= v[1], "{row}");
        if v[1] > 0.0 {
            assert!((v[8] - v[2] / v[1]).abs() < 1e-6, "{row}");
        } else {
            assert!(row["values"][8].is_null(), "{row}");
        }
        yellow += v[6] as usize;
        red += v[7] as usize;
    }
    assert_eq!(yellow, cards.iter().filter(|c| **c == "yellow").count());
    assert_eq!(red, cards.iter().filter(|c| **c == "red").count());
    assert_tables_agree(&json, &html, "08-approvals")?;
    // Family names come from the rules.
    assert!(
        html.contains(">行政审批<small>XZSP</small></th>"),
        "no family name"
    );
    Ok(())
}

fn acceptance_cases() -> TestResult<Vec<PathBuf>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/acceptance");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(root)?
        .filter_map(Result::ok)
        .map(|e| e.path().join("records"))
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    Ok(cases)
}

#[test]
fn page_counts_equal_the_json_report_for_every_acceptance_case() -> TestResult {
    let cases = acceptance_cases()?;
    assert!(cases.len() >= 7, "acceptance cases missing");
    for case in &cases {
        let (json, html) = reports(&[case], &[])?;
        assert_counts_agree(&json, &html, &case.display().to_string())?;
    }
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/longtan-2014");
    let (json, html) = reports(&[&example], &[])?;
    assert!(!active(&json).is_empty());
    assert_counts_agree(&json, &html, "examples")
}

/// Every value of the fields the standard schema marks `@personal`.
fn personal_names(dir: &Path) -> TestResult<Vec<String>> {
    const PATHS: &[&[&str]] = &[
        &["leaders", "name"],
        &["chair"],
        &["members"],
        &["attendees"],
        &["absent", "name"],
        &["observers", "name"],
        &["items", "interested"],
        &["items", "recused"],
        &["items", "opinions", "name"],
        &["emergency", "decided_by"],
        &["steps", "by"],
    ];
    fn walk(v: &serde_yaml::Value, path: &[&str], out: &mut Vec<String>) {
        match (v, path.split_first()) {
            (serde_yaml::Value::Sequence(s), _) => s.iter().for_each(|e| walk(e, path, out)),
            (serde_yaml::Value::String(s), None) => out.push(s.clone()),
            (serde_yaml::Value::Mapping(m), Some((k, rest))) => {
                if let Some(v) = m.get(*k) {
                    walk(v, rest, out);
                }
            }
            _ => {}
        }
    }
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(d)?.filter_map(Result::ok) {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "yaml") {
                files.push(p);
            }
        }
    }
    let mut out = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f)?;
        for doc in serde_yaml::Deserializer::from_str(&text) {
            let Ok(v) = serde_yaml::Value::deserialize(doc) else {
                continue;
            };
            for p in PATHS {
                walk(&v, p, &mut out);
            }
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

use serde::Deserialize;

#[test]
fn public_page_holds_no_personal_name() -> TestResult {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/longtan-2014");
    let names = personal_names(&example)?;
    assert!(names.len() > 20, "names: {names:?}");
    let (_, full) = reports(&[&example], &[])?;
    assert!(names.iter().any(|n| full.contains(n.as_str())));
    let (json, public) = reports(&[&example], &["--public"])?;
    let leaked: Vec<&String> = names
        .iter()
        .filter(|n| public.contains(n.as_str()))
        .collect();
    assert!(leaked.is_empty(), "names in the public page: {leaked:?}");
    // Messages keep their facts with the names masked, and no record text.
    assert!(public.contains("胡**"), "masked name missing");
    assert!(!public.contains("\"ex\":[["));
    assert_counts_agree(&json, &public, "public")
}

#[test]
fn report_marks_are_checked() -> TestResult {
    let dir = tempfile::tempdir()?;
    let rules = dir.path().join("local.rules");
    std::fs::write(
        &rules,
        "kind visit {\n  who: text @persnal\n  when: text @period\n}\n",
    )?;
    let out = bin()
        .args(["check", "--no-config", "--rules"])
        .arg(&rules)
        .arg(dir.path())
        .output()?;
    let stdout = String::from_utf8(out.stdout)?;
    assert_eq!(out.status.code(), Some(2), "{stdout}");
    assert!(stdout.contains("unknown mark `@persnal`"), "{stdout}");
    assert!(stdout.contains("did you mean `@personal`?"), "{stdout}");
    assert!(
        stdout.contains("`@period` does not apply to a field of type `text`"),
        "{stdout}"
    );
    Ok(())
}

#[test]
fn the_page_is_the_same_bytes_on_every_run() -> TestResult {
    // Charts drew their bars in hash-map order, which changes from one
    // process to the next.
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let (_, first) = reports(&[&examples], &[])?;
    assert!(first.contains("<rect"), "the page has no chart");
    for _ in 0..3 {
        let (_, again) = reports(&[&examples], &[])?;
        assert!(first == again, "the page changed between two runs");
    }
    Ok(())
}

#[test]
fn html_is_chosen_by_the_extension() -> TestResult {
    let dir = tempfile::tempdir()?;
    let page = dir.path().join("r.htm");
    let out = bin()
        .args(["check", "--no-config", "--output"])
        .arg(&page)
        .arg(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/acceptance/01-compliant/records"),
        )
        .output()?;
    assert_eq!(out.status.code(), Some(0));
    let html = std::fs::read_to_string(&page)?;
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("Content-Security-Policy"));
    // Nothing that would make the page ask for a resource.
    for tag in ["<link", "src=", "url(", "@import", "http://", "https://"] {
        let at = html
            .find(tag)
            .map(|i| &html[i.saturating_sub(40)..(i + 60).min(html.len())]);
        assert!(
            at.is_none() || tag == "http://" && at.is_some_and(|s| s.contains("xmlns")),
            "{tag}: {at:?}"
        );
    }
    Ok(())
}

/// Longer than the suite ever takes (under a minute).
const TIMEOUT: Duration = Duration::from_secs(600);

#[test]
fn browser_suite() -> Result<(), String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_string());
    let chromium =
        std::env::var("SUNLIGHT_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_string());
    let install = format!(
        "apt-get install chromium && {python} -m pip install -r tests/html/requirements.txt"
    );
    if !Path::new(&chromium).exists() {
        return Err(format!(
            "the browser tests need Chromium at `{chromium}`: {install}"
        ));
    }
    let probe = Command::new(&python)
        .args(["-c", "import playwright, yaml, pytest"])
        .output();
    if !probe.is_ok_and(|o| o.status.success()) {
        return Err(format!(
            "`{python}` cannot import playwright, yaml and pytest: {install}"
        ));
    }
    let child = Command::new(&python)
        .args(["-m", "pytest", "tests/html", "-q", "-p", "no:cacheprovider"])
        .current_dir(root)
        .env("SUNLIGHT_BIN", env!("CARGO_BIN_EXE_sunlight"))
        .env("SUNLIGHT_CHROMIUM", &chromium)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run `{python} -m pytest`: {e}"))?;
    let process::Finished {
        status,
        stdout,
        stderr,
    } = process::wait_bounded(child, TIMEOUT).map_err(|e| format!("waiting for pytest: {e}"))?;
    match status {
        Some(s) if s.success() => Ok(()),
        other => {
            eprintln!("---- pytest stdout ----\n{stdout}\n---- pytest stderr ----\n{stderr}");
            Err(format!(
                "the browser suite failed ({other:?}); rerun it with: \
                 SUNLIGHT_BIN=target/debug/sunlight {python} -m pytest tests/html -q"
            ))
        }
    }
}

#[test]
fn header_names_the_scope_and_waivers_show_as_such() -> TestResult {
    let dir = tempfile::tempdir()?;
    let records = dir.path().join("records");
    std::fs::create_dir(&records)?;
    std::fs::write(
        records.join("huanbao.yaml"),
        include_str!("fixtures/ci/huanbao.yaml"),
    )?;
    std::fs::write(
        dir.path().join("waivers.yaml"),
        "waivers:\n  - rule: SZYD-004\n    record: HB-DZ-2015-09\n    reason: 经区纪委认定不属先行定调\n    approved_by: 区纪委 阮静\n    expires: 2016-06-30\n",
    )?;
    std::fs::write(dir.path().join("params.yaml"), "大额资金标准: 50万\n")?;
    std::fs::write(
        dir.path().join("local.rules"),
        "/// Local.\nrule LOCAL-001 \"本地规则\" {\n  severity warning\n  for m in meeting\n  require m.body != \"\"\n  at m.body\n  message \"无会议形式\"\n}\n",
    )?;
    let page = dir.path().join("r.html");
    let out = bin()
        .current_dir(dir.path())
        .args([
            "check",
            "records",
            "--no-config",
            "--today",
            "2016-01-04",
            "--waivers",
            "waivers.yaml",
            "--params",
            "params.yaml",
            "--rules",
            "local.rules",
            "--disable",
            "WBZG-003",
            "--output",
            "r.html",
        ])
        .output()?;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = std::fs::read_to_string(page)?;
    for text in [
        "<code>records</code>",
        "2016-01-04",
        "标准规则库 + <code>local.rules</code>",
        "大额资金标准 = <code>50万</code>",
        "<code>WBZG-003</code>",
        "<code>waivers.yaml</code>",
    ] {
        assert!(html.contains(text), "no `{text}` in the header");
    }
    // The fingerprint is a SHA-256 and changes with the records.
    let hash_at = html.find("class=\"hash\"").ok_or("no hash")?;
    let hash: String = html[hash_at..]
        .split('>')
        .nth(1)
        .unwrap_or("")
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect();
    assert_eq!(hash.len(), 64);
    assert_eq!(number_after(&html, "data-count=\"suppressed\">")?, 1);
    let data = page_data(&html)?;
    let waived = data["findings"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["rule"] == "SZYD-004"))
        .ok_or("waived finding missing")?;
    assert_eq!(waived["sup"]["type"], "waiver");
    assert_eq!(waived["sup"]["by"], "区纪委 阮静");
    assert_eq!(waived["sup"]["expires"], "2016-06-30");
    // Waived findings are not in the statistics.
    let chart = attr_json(&html, "data-chart=\"rule\"", "data-counts")?;
    assert!(chart.get("SZYD-004").is_none(), "{chart}");

    std::fs::write(
        records.join("extra.yaml"),
        "kind: org\nid: x\nname: X\nleaders: []\n",
    )?;
    let again = bin()
        .current_dir(dir.path())
        .args([
            "check",
            "records",
            "--no-config",
            "--today",
            "2016-01-04",
            "--format",
            "html",
        ])
        .output()?;
    let other = String::from_utf8(again.stdout)?;
    assert!(
        !other.contains(&hash),
        "the fingerprint ignores the records"
    );
    Ok(())
}

#[test]
fn public_without_a_page_is_an_error() -> TestResult {
    let out = bin()
        .args(["check", "--no-config", "--public", "--format", "json"])
        .arg(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/acceptance/01-compliant/records"),
        )
        .output()?;
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8(out.stderr)?;
    assert!(
        err.contains("`--public` applies to the HTML report only"),
        "{err}"
    );
    Ok(())
}
