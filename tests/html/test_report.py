"""The HTML report in a real browser (headless Chromium): it logs no error,
asks for nothing, its charts say what the JSON report says, its filters
and related-location links work, and the --public version holds no name."""

import json
import os
from collections import Counter
from pathlib import Path

import yaml

from conftest import EXAMPLE, ROOT

# The fields the standard schema marks `@personal`, as paths in a record.
PERSONAL = {
    "org": [("leaders", "name")],
    "meeting": [("chair",), ("members",), ("attendees",), ("absent", "name"),
                ("observers", "name"), ("items", "interested"), ("items", "recused"),
                ("items", "opinions", "name")],
    "disbursement": [("emergency", "decided_by"), ("steps", "by")],
}


def values(node, path):
    if not path:
        yield from (node if isinstance(node, list) else [node])
        return
    if isinstance(node, list):
        for n in node:
            yield from values(n, path)
    elif isinstance(node, dict) and path[0] in node:
        yield from values(node[path[0]], path[1:])


def records():
    for f in sorted((ROOT / EXAMPLE).rglob("*.yaml")):
        for doc in yaml.safe_load_all(f.read_text("utf-8")):
            if isinstance(doc, dict):
                yield doc


def names():
    out = set()
    for doc in records():
        for path in PERSONAL.get(doc.get("kind"), []):
            out.update(str(v) for v in values(doc, path) if v)
    return out


def month(doc):
    """The month a record's findings count under: a meeting's date, a
    disbursement's payment (划拨) date, an application's 受理 date."""
    if doc.get("kind") == "meeting":
        return str(doc["date"])[:7]
    for s in doc.get("steps", []):
        if s.get("step") in ("划拨", "受理"):
            return str(s["date"])[:7]
    return "无日期"


def active(report):
    return [f for f in report["findings"] if not f.get("suppressed")]


def test_no_console_error_and_no_request(page):
    assert [m for m in page.console if m[0] in ("error", "pageerror")] == []
    # Open a record and use the filters too: still nothing is fetched.
    page.page.locator("a.rel").first.click()
    page.page.select_option("#f-unit", "jiaotong")
    page.page.fill("#f-text", "会议")
    assert page.requests == [page.url]
    assert [m for m in page.console if m[0] in ("error", "pageerror")] == []
    csp = page.page.locator("meta[http-equiv=Content-Security-Policy]").get_attribute("content")
    assert "default-src 'none'" in csp


def test_charts_equal_the_json_report(page, outputs):
    report = outputs["json"]
    by_rule = Counter(f["rule"] for f in active(report))
    chart = page.page.locator("#chart-rule")
    assert chart.get_attribute("data-counts") is not None
    assert json.loads(chart.get_attribute("data-counts")) == dict(by_rule)
    # Every rule is a label of the drawn chart.
    labels = [t.strip() for t in chart.locator("svg text").all_text_contents()]
    assert set(by_rule) <= set(labels)
    # Each bar is labelled with its count.
    digits = Counter(x for x in labels if x.isdigit())
    assert digits >= Counter(str(n) for n in by_rule.values())

    docs = {(d["kind"], d["id"]): d for d in records()}
    by_month = Counter(month(docs[(f["kind"], f["record"])]) for f in active(report))
    shown = json.loads(page.page.locator("#chart-month").get_attribute("data-counts"))
    assert {k: v for k, v in shown.items() if v} == dict(by_month)

    # The tiles and the table's total.
    for sev in ("error", "warning"):
        n = page.page.locator(f"b[data-count={sev}]").text_content()
        assert int(n) == report["summary"][sev]
    total = page.page.locator("#unit-table tfoot td.total").text_content()
    assert int(total) == len(active(report))


def test_filter_by_unit_leaves_only_its_findings(page, outputs):
    unit = "jiaotong"
    expected = [f for f in outputs["json"]["findings"]
                if f["file"].startswith(f"{EXAMPLE}/{unit}/")]
    assert expected
    page.page.select_option("#f-unit", unit)
    cards = page.page.locator("#finding-list article")
    assert cards.count() == len(expected)
    assert set(cards.evaluate_all("els => els.map(e => e.dataset.unit)")) == {unit}
    assert sorted(cards.evaluate_all("els => els.map(e => e.dataset.record)")) == sorted(
        f["record"] for f in expected)
    # The table row of the unit says the same.
    row = page.page.locator(f"#unit-table tr[data-unit={unit}]")
    assert int(row.get_attribute("data-total")) == len(expected)
    shots = os.environ.get("SUNLIGHT_SCREENSHOTS")
    if shots:
        page.page.locator("#findings").screenshot(path=str(Path(shots) / "report-filtered.png"))


def test_search_finds_a_record(page, outputs):
    rid = outputs["json"]["findings"][0]["record"]
    page.page.fill("#f-text", rid)
    ids = page.page.locator("#finding-list article").evaluate_all(
        "els => els.map(e => e.dataset.record)")
    assert ids and set(ids) == {rid}


def test_related_link_lands_on_the_record(page, outputs):
    related = {(r["file"], r["line"]) for f in outputs["json"]["findings"] for r in f["related"]}
    link = page.page.locator("a.rel").first
    line = int(link.get_attribute("data-line"))
    link.click()
    view = page.page.locator("#record-view")
    view.wait_for(state="visible")
    file = view.get_attribute("data-file")
    assert (file, line) in related
    assert int(view.get_attribute("data-start")) <= line <= int(view.get_attribute("data-end"))
    # It is the record that holds that line in the file.
    text = (ROOT / file).read_text("utf-8").splitlines()
    start = int(view.get_attribute("data-start"))
    block = "\n".join(text[start - 1:line])
    assert f"id: {view.get_attribute('data-record')}" in block
    assert view.locator("mark").count() >= 1


def test_public_page_holds_no_name(public_page, outputs):
    text = outputs["public"].read_text("utf-8")
    found = sorted(n for n in names() if n in text)
    assert found == []
    # The full page does hold them: the check above can fail.
    full = outputs["html"].read_text("utf-8")
    assert any(n in full for n in names())
    assert [m for m in public_page.console if m[0] in ("error", "pageerror")] == []
    assert public_page.requests == [public_page.url]
    # Masked names still read as names.
    assert "胡**" in text
    assert public_page.page.locator("#finding-list pre.excerpt").count() == 0


def test_screenshots(page):
    shots = os.environ.get("SUNLIGHT_SCREENSHOTS")
    if shots:
        page.page.screenshot(path=str(Path(shots) / "report.png"), full_page=True)
        page.page.set_viewport_size({"width": 1280, "height": 1000})
        page.page.screenshot(path=str(Path(shots) / "report-top.png"))
    assert page.page.locator("#finding-list article").count() > 0
