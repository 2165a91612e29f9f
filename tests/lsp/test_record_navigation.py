"""Record files: hover on a finding, go-to-definition from references
(`org`, `meeting`/`item`, `ratifies`) to the record or item they name."""

import pathlib
from urllib.parse import unquote, urlparse

from lsprotocol import types as T

from conftest import cli_check, codes, position, rng

ORG = "records/org.yaml"
MEETINGS = "records/meetings.yaml"
PAYMENTS = "records/payments.yaml"


def _lines(uri: str, texts: dict) -> list[str]:
    text = texts.get(uri)
    if text is None:
        text = pathlib.Path(unquote(urlparse(uri).path)).read_text(encoding="utf-8")
    return text.split("\n")


# ---------------------------------------------------------------- hover


async def test_hover_on_a_finding_explains_it(lsp):
    diags = await lsp.open(PAYMENTS)
    report = cli_check(lsp.root)
    for d in diags:
        f = next(f for f in report["findings"] if f["rule"] == d.code and f["file"] == PAYMENTS)
        # At the start, in the middle and at the end of its range.
        mid = T.Position(line=d.range.start.line, character=(d.range.start.character + d.range.end.character) // 2)
        for p in [d.range.start, mid]:
            h = await lsp.hover(PAYMENTS, p)
            assert h is not None, (d.code, p)
            assert d.code in h
            assert f["title"] in h
            assert f["message"] in h
            assert f["cite"] in h
            assert f["help"] in h


async def test_hover_where_there_is_no_finding(lsp):
    await lsp.open(PAYMENTS)
    assert await lsp.hover(PAYMENTS, lsp.pos(PAYMENTS, "kind: disbursement")) is None


async def test_hover_on_a_finding_after_a_supplementary_character(lsp):
    diags = await lsp.open(ORG)
    [d] = [x for x in diags if x.code == "WBZG-001"]
    # The last character of 工程招投标, by UTF-16 column.
    h = await lsp.hover(ORG, T.Position(line=5, character=63))
    assert h is not None and "WBZG-001" in h
    # Right after 𠀀 (between 王𠀀 and `,`): no finding there.
    assert await lsp.hover(ORG, lsp.pos(ORG, "𠀀, post", delta=1)) is None


async def test_hover_on_overlapping_findings_lists_each(lsp):
    await lsp.open(PAYMENTS)
    diags = await lsp.change(
        PAYMENTS, lsp.read(PAYMENTS).replace("  - {step: 签字, by: 李明, date: 2014-06-08}\n", "  - {step: 签字, by: 孙立, date: 2014-06-08}\n")
    )
    # 孙立 reviews and signs: ZJBF-007 at the 签字 step.
    assert "ZJBF-007" in codes(diags)
    h = await lsp.hover(PAYMENTS, lsp.pos(PAYMENTS, "{step: 签字, by: 孙立", delta=3))
    assert h is not None and "ZJBF-007" in h and "孙立" in h


# ---------------------------------------------------------------- definition


async def _def_line(lsp, rel, needle, delta, nth=0):
    locs = await lsp.definition(rel, lsp.pos(rel, needle, nth=nth, delta=delta))
    assert len(locs) == 1, (needle, locs)
    loc = locs[0]
    return loc, _lines(loc.uri, lsp.texts)[loc.range.start.line]


async def test_definition_from_org_reference(lsp):
    await lsp.open(PAYMENTS)
    loc, line = await _def_line(lsp, PAYMENTS, "org: chengjian", len("org: ch"))
    assert loc.uri == lsp.uri(ORG)
    assert line == "id: chengjian"
    # From a meeting too.
    await lsp.open(MEETINGS)
    loc, line = await _def_line(lsp, MEETINGS, "org: chengjian", len("org: ch"), nth=1)
    assert loc.uri == lsp.uri(ORG) and line == "id: chengjian"


async def test_definition_from_meeting_and_item(lsp):
    await lsp.open(PAYMENTS)
    loc, line = await _def_line(lsp, PAYMENTS, "meeting: CJ-DZ-2014-05", len("meeting: CJ"))
    assert loc.uri == lsp.uri(MEETINGS)
    assert line == "id: CJ-DZ-2014-05"
    # `item: 1` is the item numbered 1 of that meeting, not of another.
    loc, line = await _def_line(lsp, PAYMENTS, "item: 1", len("item: "))
    assert loc.uri == lsp.uri(MEETINGS)
    meetings = lsp.read(MEETINGS).split("\n")
    first_item = meetings.index("  - no: 1")
    assert loc.range.start.line == first_item, (loc.range, line)


async def test_definition_from_ratifies(lsp):
    await lsp.open(MEETINGS)
    loc, line = await _def_line(lsp, MEETINGS, "ratifies: CJ-JJ-2014-0720", len("ratifies: CJ"))
    assert loc.uri == lsp.uri(PAYMENTS)
    assert line == "id: CJ-JJ-2014-0720"


async def test_definition_into_an_unsaved_edit(lsp):
    """A meeting that exists only in the editor's unsaved text of
    meetings.yaml: the payment citing it resolves there, at the line of the
    edited text."""
    await lsp.open(MEETINGS)
    await lsp.open(PAYMENTS)
    extra = (
        "\n---\nkind: meeting\nid: CJ-DZ-2014-09\norg: chengjian\nbody: 党组会\ndate: 2014-09-01\n"
        "chair: 王𠀀\nmembers: [王𠀀, 李明]\nattendees: [王𠀀, 李明]\nitems:\n"
        "  - no: 1\n    title: 测试\n    category: 一般事项\n    outcome: 通过\n"
        "  - no: 2\n    title: 关于拨付城南道路改造工程款的议题\n    category: 大额资金使用\n    amount: 500000\n"
        "    materials_sent: 2014-08-20\n    opinions:\n      - {name: 李明, stance: 同意}\n      - {name: 王𠀀, stance: 同意}\n"
        "    outcome: 通过\n"
    )
    meetings = lsp.read(MEETINGS) + extra
    await lsp.change(MEETINGS, meetings)
    payments = lsp.read(PAYMENTS).replace("meeting: CJ-DZ-2014-05, item: 1", "meeting: CJ-DZ-2014-09, item: 2")
    await lsp.change(PAYMENTS, payments)
    loc, line = await _def_line(lsp, PAYMENTS, "meeting: CJ-DZ-2014-09", len("meeting: CJ"))
    assert loc.uri == lsp.uri(MEETINGS)
    assert line == "id: CJ-DZ-2014-09"
    assert loc.range.start.line == meetings.split("\n").index("id: CJ-DZ-2014-09")
    loc, line = await _def_line(lsp, PAYMENTS, "item: 2", len("item: "))
    assert loc.range.start.line == meetings.split("\n").index("  - no: 2", meetings.split("\n").index("id: CJ-DZ-2014-09"))


async def test_definition_of_a_dangling_reference_is_empty(lsp):
    await lsp.open(PAYMENTS)
    await lsp.change(PAYMENTS, lsp.read(PAYMENTS).replace("org: chengjian", "org: nowhere", 1))
    assert await lsp.definition(PAYMENTS, lsp.pos(PAYMENTS, "org: nowhere", delta=6)) == []
    # A field that is no reference.
    assert await lsp.definition(PAYMENTS, lsp.pos(PAYMENTS, "payee:", delta=2)) == []


# ---------------------------------------------------------------- references


async def test_references_to_a_record_honour_include_declaration(lsp):
    await lsp.open(ORG)
    at_id = lsp.pos(ORG, "id: chengjian", delta=len("id: ch"))
    with_decl = await lsp.references(ORG, at_id, decl=True)
    without = await lsp.references(ORG, at_id, decl=False)
    lines = lambda locs: sorted((l.uri, _lines(l.uri, lsp.texts)[l.range.start.line].strip()) for l in locs)
    # Every `org: chengjian` of the meetings and payments refers to it.
    assert (lsp.uri(PAYMENTS), "org: chengjian") in lines(without)
    assert (lsp.uri(MEETINGS), "org: chengjian") in lines(without)
    assert all(uri != lsp.uri(ORG) for uri, _ in lines(without)), lines(without)
    # With the declaration: the same list and the record's own `id` first.
    assert with_decl[0].uri == lsp.uri(ORG)
    assert _lines(with_decl[0].uri, lsp.texts)[with_decl[0].range.start.line] == "id: chengjian"
    assert lines(with_decl[1:]) == lines(without)
