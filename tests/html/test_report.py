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


def show_related(page, report):
    """Filter the findings to a rule whose findings have related locations
    (the cards that come first have none)."""
    rule = next(f["rule"] for f in report["findings"] if f["related"])
    page.page.select_option("#f-rule", rule)


def test_no_console_error_and_no_request(page, outputs):
    assert [m for m in page.console if m[0] in ("error", "pageerror")] == []
    # Open a record and use the filters too: still nothing is fetched.
    show_related(page, outputs["json"])
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
        # Tall enough for the whole section: the sticky filter bar would
        # otherwise be drawn over the findings as the section scrolls.
        page.page.set_viewport_size({"width": 1280, "height": 2400})
        page.page.locator("#findings").screenshot(path=str(Path(shots) / "report-filtered.png"))


def test_search_finds_a_record(page, outputs):
    rid = outputs["json"]["findings"][0]["record"]
    page.page.fill("#f-text", rid)
    ids = page.page.locator("#finding-list article").evaluate_all(
        "els => els.map(e => e.dataset.record)")
    assert ids and set(ids) == {rid}


def test_related_link_lands_on_the_record(page, outputs):
    related = {(r["file"], r["line"]) for f in outputs["json"]["findings"] for r in f["related"]}
    show_related(page, outputs["json"])
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


def alert_rank(card, sev):
    return {"red": 0, "yellow": 1}.get(card, 2 if sev == "error" else 3)


def test_cards_come_first_in_alerts(approvals_page, outputs):
    report = outputs["approvals_json"]
    rows = approvals_page.page.locator("#alert-list li").evaluate_all(
        "els => els.map(e => [e.dataset.card || '', e.dataset.sev, e.querySelector('code').textContent])")
    ranks = [alert_rank(card, sev) for card, sev, _ in rows]
    # Red cards, then yellow cards, then errors, then warnings; all four here.
    assert ranks == sorted(ranks)
    assert set(ranks) == {0, 1, 2, 3}
    cards = Counter(f["card"] for f in active(report) if f.get("card"))
    assert [card for card, _, _ in rows if card] == ["red"] * cards["red"] + ["yellow"] * cards["yellow"]
    # The cards are the findings of the rules the JSON report marks so.
    assert {rule for card, _, rule in rows if card} == {
        f["rule"] for f in active(report) if f.get("card")}
    for card in ("red", "yellow"):
        shown = approvals_page.page.locator(f"#alerts b[data-count={card}]").text_content()
        assert int(shown) == cards[card]
    badges = approvals_page.page.locator("#alert-list li[data-card=red] .badge").all_text_contents()
    assert badges == ["红牌"] * cards["red"]
    assert [m for m in approvals_page.console if m[0] in ("error", "pageerror")] == []
    # Every card of the case is among the first alerts.
    page_rows = approvals_page.page.locator("#alert-list li[data-card]").count()
    assert page_rows == sum(cards.values())


def test_statistics_tables_equal_the_json_report(approvals_page, outputs):
    for name in ("approvals", "html"):
        report = outputs["approvals_json"] if name == "approvals" else outputs["json"]
        if name == "html":
            approvals_page.page.goto(outputs["html"].as_uri())
        tables = report["statistics"]
        assert [t["title"] for t in tables] == ["行政审批各部门办件统计"]
        for ti, t in enumerate(tables):
            table = approvals_page.page.locator(f"table.stat[data-table='{ti}']")
            heads = table.locator("thead th[data-column]").evaluate_all(
                "els => els.map(e => e.dataset.column)")
            assert heads == [c["name"] for c in t["columns"]]
            shown = table.locator("tbody tr").evaluate_all(
                "els => els.map(r => [r.dataset.unit, Array.from(r.querySelectorAll('td')).map(c => c.dataset.value)])")
            want = [[r["unit"], ["" if v is None else json.dumps(v) for v in r["values"]]] for r in t["rows"]]
            assert shown == want
            # The page's numbers are the JSON report's, as people read them.
            texts = table.locator("tbody tr").evaluate_all(
                "els => els.map(r => Array.from(r.querySelectorAll('td')).map(c => c.textContent))")
            for row, text in zip(t["rows"], texts):
                for col, v, cell in zip(t["columns"], row["values"], text):
                    if v is None:
                        assert cell == "—"
                    elif col["percent"]:
                        assert cell == f"{v * 100:.1f}%"
                    else:
                        assert cell == str(v)
            # Below-target rates are marked, and only those.
            for col_i, col in enumerate(t["columns"]):
                if col.get("target") is None:
                    continue
                below = table.locator(f"td.below[data-column='{col['name']}']").evaluate_all(
                    "els => els.map(e => e.closest('tr').dataset.unit)")
                assert below == [r["unit"] for r in t["rows"]
                                 if r["values"][col_i] is not None and r["values"][col_i] < col["target"]]


def test_rule_families_are_shown_by_name(page, outputs):
    heads = page.page.locator("#unit-table thead th[data-family]").evaluate_all(
        "els => els.map(e => [e.dataset.family, e.firstChild.textContent])")
    names = dict(heads)
    families = {f["rule"].rsplit("-", 1)[0] for f in active(outputs["json"])}
    assert set(names) == families
    expected = {"SZYD": "三重一大", "ZJBF": "资金拨付", "WBZG": "一把手五个不直接管",
                "XZSP": "行政审批", "REF": "引用"}
    for code, name in names.items():
        assert name == expected[code]


def test_screenshots(page):
    shots = os.environ.get("SUNLIGHT_SCREENSHOTS")
    if shots:
        page.page.screenshot(path=str(Path(shots) / "report.png"), full_page=True)
        page.page.set_viewport_size({"width": 1280, "height": 1000})
        page.page.screenshot(path=str(Path(shots) / "report-top.png"))
    assert page.page.locator("#finding-list article").count() > 0
