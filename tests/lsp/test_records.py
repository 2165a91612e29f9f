"""Record files (*.yaml, *.yml, *.json): the findings of the workspace's
rules as diagnostics, input errors at their position, cross-record
references resolved against every record including unsaved edits, and the
effects of sunlight.toml."""

import asyncio
import json

import pytest
from lsprotocol import types as T

from conftest import cli_check, codes, describe, rng, utf16_len

ORG = "records/org.yaml"
MEETINGS = "records/meetings.yaml"
PAYMENTS = "records/payments.yaml"
RECORD_FILES = [ORG, MEETINGS, PAYMENTS]


def _lsp_range(text: str, line: int, col: int, end_line: int, end_col: int):
    """1-based line and character columns (the CLI's) as an LSP range."""
    lines = text.split("\n")

    def conv(l, c):
        return (l - 1, utf16_len(lines[l - 1][: c - 1]))

    return conv(line, col) + conv(end_line, end_col)


def _only(diags, code):
    hits = [d for d in diags if d.code == code]
    assert len(hits) == 1, f"expected one {code}, got:\n{describe(diags)}"
    return hits[0]


# ---------------------------------------------------------------- findings


@pytest.mark.parametrize("rel", RECORD_FILES)
async def test_findings_match_sunlight_check(lsp, rel):
    """The editor shows what CI reports: the same rules, at the same places
    (CLI columns count characters, LSP columns UTF-16 units)."""
    report = cli_check(lsp.root)
    expected = sorted(
        (f["rule"],) + _lsp_range(lsp.read(rel), f["line"], f["column"], f["end_line"], f["end_column"])
        for f in report["findings"]
        if f["file"] == rel
    )
    diags = await lsp.open(rel)
    got = sorted((str(d.code),) + rng(d.range) for d in diags if d.code is not None)
    assert got == expected
    sev = {f["rule"]: f["severity"] for f in report["findings"] if f["file"] == rel}
    for d in diags:
        if d.code is not None:
            want = T.DiagnosticSeverity.Error if sev[d.code] == "error" else T.DiagnosticSeverity.Warning
            assert d.severity == want, d.code


async def test_payment_findings_codes_ranges_and_messages(lsp):
    diags = await lsp.open(PAYMENTS)
    assert codes(diags) == ["LOCAL-001", "LOCAL-002", "ZJBF-001"], describe(diags)
    # All three are on the second record, CJ-ZF-2014-0610 (no project, 15万
    # paid without a bill or a collective review).
    local1 = _only(diags, "LOCAL-001")
    assert rng(local1.range) == rng(lsp.span(PAYMENTS, "龙潭办公设备有限公司"))
    assert local1.severity == T.DiagnosticSeverity.Warning
    assert "支付未登记项目" in local1.message and "龙潭办公设备有限公司" in local1.message

    local2 = _only(diags, "LOCAL-002")
    assert rng(local2.range) == rng(lsp.span(PAYMENTS, "150000", nth=0))
    assert local2.severity == T.DiagnosticSeverity.Error
    # The parameter file makes 大额资金标准 10万.
    assert "100000" in local2.message

    zjbf = _only(diags, "ZJBF-001")
    assert rng(zjbf.range) == rng(lsp.span(PAYMENTS, "steps", nth=1))
    assert "提单" in zjbf.message and "集体审核" in zjbf.message
    for d in diags:
        assert d.source == "sunlight"


async def test_org_finding_after_a_supplementary_character(lsp):
    """王𠀀: 𠀀 (U+20000) is two UTF-16 units; the WBZG-001 finding on the
    same line, after it, starts one unit further right than its character
    column."""
    diags = await lsp.open(ORG)
    d = _only(diags, "WBZG-001")
    line = lsp.read(ORG).split("\n")[5]
    assert line.startswith("  - {name: 王𠀀")
    chars = line.index("工程招投标")
    assert chars == 58
    assert rng(d.range) == (5, 59, 5, 64)


async def test_disabled_rule_absent_and_local_set_applies(lsp):
    diags = await lsp.open(MEETINGS)
    # SZYD-010 (no discipline observer) is switched off in sunlight.toml,
    # though neither meeting has observers.
    assert "SZYD-010" not in codes(diags)
    # `set 材料提前天数 = 2天` in rules/local.rules: materials one day ahead
    # are now too late.
    d = _only(diags, "SZYD-009")
    assert rng(d.range) == rng(lsp.span(MEETINGS, "2014-05-19"))
    assert d.severity == T.DiagnosticSeverity.Warning
    assert codes(diags) == ["SZYD-009"]


@pytest.mark.files({"sunlight.toml": None})
async def test_without_project_file_only_the_standard_rules(lsp):
    meetings = await lsp.open(MEETINGS)
    assert codes(meetings) == ["SZYD-010", "SZYD-010"], describe(meetings)
    payments = await lsp.open(PAYMENTS)
    # 15万 is under the standard 20万: no ZJBF-001; no local rules.
    assert codes(payments) == [], describe(payments)


@pytest.mark.files({"sunlight.toml": 'rules = ["rules"]\n'})
async def test_project_file_without_params_uses_default_threshold(lsp):
    payments = await lsp.open(PAYMENTS)
    assert codes(payments) == ["LOCAL-001"], describe(payments)


@pytest.mark.files(
    {
        "sunlight.toml": 'rules = ["mini"]\ndefault_rules = false\n',
        "rules/local.rules": None,
        "mini/mini.rules": (
            "/// 单位\n"
            "kind org {\n  name: text\n  leaders: [leader]\n}\n\n"
            "struct leader {\n  name: text\n  post: text?\n  principal: bool = false\n"
            "  manages: [text] = []\n}\n\n"
            "/// 领导班子人数过多。\n"
            'rule MINI-001 "班子成员超过四人" {\n'
            "  severity warning\n"
            '  cite "示例"\n'
            "  for o in org\n"
            "  require count(o.leaders) <= 4\n"
            "  at o.leaders\n"
            '  message "{o.name} 班子成员 {count(o.leaders)} 人"\n'
            "}\n"
        ),
    }
)
async def test_default_rules_false_drops_the_embedded_set(lsp):
    org = await lsp.open(ORG)
    assert codes(org) == ["MINI-001"], describe(org)
    assert rng(org[0].range) == rng(lsp.span(ORG, "leaders"))
    meetings = await lsp.open(MEETINGS)
    # `meeting` is no kind of this rule set: input errors, no findings.
    assert codes(meetings) == []
    errors = [d for d in meetings if "meeting" in d.message]
    assert len(errors) == 2, describe(meetings)
    assert rng(errors[0].range)[:2] == (lsp.pos(MEETINGS, "meeting").line, lsp.pos(MEETINGS, "meeting").character)


async def test_parameter_file_is_not_a_record_file(lsp):
    """config/params.yaml is the `params` file of sunlight.toml, not a
    record: it must not be reported as a record without `kind`."""
    diags = await lsp.open("config/params.yaml")
    assert [d.message for d in diags if "kind" in d.message] == []


async def test_json_record_file(lsp):
    rel = "records/extra.json"
    text = (
        "{\n"
        '  "kind": "disbursement",\n'
        '  "id": "CJ-ZF-2014-0901",\n'
        '  "org": "chengjian",\n'
        '  "payee": "龙潭𠀀建材公司",  "project": "办公楼维修",\n'
        '  "amount": 250000,\n'
        '  "steps": [{"step": "划拨", "by": "周敏", "date": "2014-09-01"}]\n'
        "}\n"
    )
    diags = await lsp.open(rel, text)
    assert codes(diags) == ["ZJBF-001"], describe(diags)
    # At `steps`: a one-line value is underlined itself (as in YAML flow
    # style); the CLI agrees.
    value = '[{"step": "划拨", "by": "周敏", "date": "2014-09-01"}]'
    assert rng(diags[0].range) in (rng(lsp.span(rel, '"steps"')), rng(lsp.span(rel, value)))
    (lsp.root / rel).write_text(text, encoding="utf-8")
    cli = [f for f in cli_check(lsp.root)["findings"] if f["file"] == rel]
    assert [(f["rule"],) + _lsp_range(text, f["line"], f["column"], f["end_line"], f["end_column"]) for f in cli] == [
        ("ZJBF-001",) + rng(diags[0].range)
    ]


async def test_yml_extension(lsp):
    rel = "records/extra.yml"
    text = lsp.read(ORG).replace("id: chengjian", "id: chengjian2")
    diags = await lsp.open(rel, text)
    assert codes(diags) == ["WBZG-001"], describe(diags)


# ---------------------------------------------------------------- input errors


async def test_unknown_field_is_reported_and_other_records_still_checked(lsp):
    await lsp.open(PAYMENTS)
    text = lsp.read(PAYMENTS).replace(
        "payee: 龙潭路桥建设有限公司\n", "payee: 龙潭路桥建设有限公司\npayer: 城建局\n", 1
    )
    diags = await lsp.change(PAYMENTS, text)
    errors = [d for d in diags if d.code is None]
    assert len(errors) == 1, describe(diags)
    e = errors[0]
    assert "payer" in e.message
    assert e.severity == T.DiagnosticSeverity.Error
    assert rng(e.range)[:2] == (lsp.pos(PAYMENTS, "payer").line, lsp.pos(PAYMENTS, "payer").character)
    # The record with the error is not checked; the others are.
    assert codes(diags) == ["LOCAL-001", "LOCAL-002", "ZJBF-001"]


async def test_bad_values_after_supplementary_characters(lsp):
    await lsp.open(MEETINGS)
    await lsp.open(PAYMENTS)
    m = lsp.read(MEETINGS).replace("{name: 王𠀀, stance: 同意}\n    outcome: 通过\n  - no: 2", "{name: 王𠀀, stance: 赞成}\n    outcome: 通过\n  - no: 2", 1)
    diags = await lsp.change(MEETINGS, m)
    e = [d for d in diags if "赞成" in d.message]
    assert len(e) == 1, describe(diags)
    assert rng(e[0].range)[:2] == (lsp.pos(MEETINGS, "赞成").line, lsp.pos(MEETINGS, "赞成").character)

    p = lsp.read(PAYMENTS).replace("{step: 签字, by: 李明, date: 2014-06-08}", "{step: 签字, by: 王𠀀, date: 2014-02-30}")
    diags = await lsp.change(PAYMENTS, p)
    e = [d for d in diags if "2014-02-30" in d.message]
    assert len(e) == 1, describe(diags)
    start = lsp.pos(PAYMENTS, "2014-02-30")
    assert rng(e[0].range)[:2] == (start.line, start.character)


async def test_invalid_yaml_is_reported_at_its_position(lsp):
    await lsp.open(PAYMENTS)
    good = lsp.read(PAYMENTS)
    bad = good.replace("  - {step: 提单, by: 孙立, date: 2014-05-13}\n", "  - {step: 提单, by: 孙立, date: 2014-05-13\n", 1)
    diags = await lsp.change(PAYMENTS, bad)
    errors = [d for d in diags if d.code is None]
    assert len(errors) >= 1, describe(diags)
    assert "YAML" in errors[0].message or "yaml" in errors[0].message
    # Reported where the parser gives up: the unclosed `{` swallows the next
    # line, and the `-` after it cannot be inside a flow mapping.
    opened = lsp.pos(PAYMENTS, "{step: 提单").line
    assert opened <= errors[0].range.start.line <= opened + 2, rng(errors[0].range)
    # And back.
    diags = await lsp.change(PAYMENTS, good)
    assert codes(diags) == ["LOCAL-001", "LOCAL-002", "ZJBF-001"]
    assert all(d.code is not None for d in diags)


# ---------------------------------------------------------------- cross-record


async def test_unsaved_meeting_edit_changes_findings_of_open_payments(lsp):
    await lsp.open(MEETINGS)
    await lsp.open(PAYMENTS)
    original = lsp.read(MEETINGS)
    step = lsp.span(PAYMENTS, "{step: 集体审核, meeting: CJ-DZ-2014-05, item: 1, date: 2014-05-20}")

    # The cited item no longer passes: the payment's collective review is void.
    not_passed = original.replace("    outcome: 通过\n", "    outcome: 不通过\n", 1)
    await lsp.change(MEETINGS, not_passed)
    diags = await lsp.diags_until(PAYMENTS, lambda d: "ZJBF-003" in codes(d), "with ZJBF-003")
    zjbf3 = _only(diags, "ZJBF-003")
    assert rng(zjbf3.range) == rng(step)
    # Related information: the cited item, in the meetings file.
    related = zjbf3.related_information or []
    assert any(
        r.location.uri == lsp.uri(MEETINGS) and r.location.range.start.line == not_passed.split("\n").index("  - no: 1")
        for r in related
    ), related

    # Renamed meeting: the reference resolves to nothing.
    renamed = original.replace("id: CJ-DZ-2014-05", "id: CJ-DZ-2014-5X")
    await lsp.change(MEETINGS, renamed)
    diags = await lsp.diags_until(PAYMENTS, lambda d: "REF-001" in codes(d), "with REF-001")
    assert rng(_only(diags, "REF-001").range) == rng(lsp.span(PAYMENTS, "CJ-DZ-2014-05"))

    # Back as on disk.
    await lsp.change(MEETINGS, original)
    await lsp.diags_until(PAYMENTS, lambda d: codes(d) == ["LOCAL-001", "LOCAL-002", "ZJBF-001"], "as on disk")


async def test_edits_typed_in_a_burst_are_analysed_once_at_their_newest_version(lsp):
    """Thirty edits sent at once (typing faster than an analysis): the
    server analyses the newest text and publishes for it, not thirty times
    for texts already replaced, and a request after the burst is answered
    from the newest text."""
    await lsp.open(MEETINGS)
    await lsp.open(PAYMENTS)
    original = lsp.read(MEETINGS)
    renamed = original.replace("id: CJ-DZ-2014-05", "id: CJ-DZ-2014-5X")
    mark = lsp._mark()
    for k in range(30):
        # Every other text renames the meeting; the last one does.
        lsp.send_change(lsp.uri(MEETINGS), renamed if k % 2 else original + f"# {k}\n")
    diags = await lsp.diags_until(PAYMENTS, lambda d: "REF-001" in codes(d), "with REF-001")
    assert rng(_only(diags, "REF-001").range) == rng(lsp.span(PAYMENTS, "CJ-DZ-2014-05"))
    await asyncio.sleep(0.5)
    published = [u for _, u, _, _ in lsp.client.publish_log[mark:] if u == lsp.uri(PAYMENTS)]
    assert 1 <= len(published) < 10, f"{len(published)} publications for 30 edits"
    # The last publication is of the newest text.
    assert "REF-001" in codes(lsp.client.diagnostics[lsp.uri(PAYMENTS)])


async def test_closing_an_unsaved_edit_restores_the_file_on_disk(lsp):
    await lsp.open(MEETINGS)
    await lsp.open(PAYMENTS)
    await lsp.change(MEETINGS, lsp.read(MEETINGS).replace("id: CJ-DZ-2014-05", "id: CJ-DZ-2014-5X"))
    await lsp.diags_until(PAYMENTS, lambda d: "REF-001" in codes(d), "with REF-001")
    await lsp.close(MEETINGS)
    await lsp.diags_until(PAYMENTS, lambda d: "REF-001" not in codes(d), "without REF-001")


async def test_records_not_open_still_resolve(lsp):
    """Only payments.yaml is open: its references to the org and meetings on
    disk resolve (no REF-001), and the ratification in meetings.yaml on disk
    covers the emergency payment (no ZJBF-009)."""
    diags = await lsp.open(PAYMENTS)
    assert "REF-001" not in codes(diags)
    assert "ZJBF-009" not in codes(diags)


async def test_new_unsaved_record_file_takes_part(lsp):
    """A record file that exists only in the editor: a second payment against
    the same 50万 item pushes the total over it (ZJBF-005 on the later
    payment), and its own findings are published."""
    rel = "records/new-payment.yaml"
    text = (
        "kind: disbursement\n"
        "id: CJ-ZF-2014-0615\n"
        "org: chengjian\n"
        "payee: 龙潭路桥建设有限公司\n"
        "project: 城南道路改造工程\n"
        "amount: 300000\n"
        "steps:\n"
        "  - {step: 用款申请, by: 何伟, date: 2014-05-11}\n"
        "  - {step: 财政审核, by: 孙立, date: 2014-05-12, result: 符合}\n"
        "  - {step: 提单, by: 孙立, date: 2014-05-13}\n"
        "  - {step: 集体审核, meeting: CJ-DZ-2014-05, item: 1, date: 2014-05-20}\n"
        "  - {step: 签字, by: [李明, 王𠀀], date: 2014-05-26}\n"
        "  - {step: 划拨, by: 周敏, date: 2014-06-15}\n"
    )
    diags = await lsp.open(rel, text)
    d = _only(diags, "ZJBF-005")
    assert rng(d.range) == rng(lsp.span(rel, "300000"))
    assert "600000" in d.message
    # Drop its item: REF-001 at `item` value.
    diags = await lsp.change(rel, text.replace("item: 1,", "item: 7,"))
    assert "ZJBF-005" not in codes(diags)
    assert "ZJBF-003" in codes(diags) or "REF-001" in codes(diags), describe(diags)


async def test_emergency_payment_loses_its_ratification(lsp):
    await lsp.open(MEETINGS)
    await lsp.open(PAYMENTS)
    await lsp.change(MEETINGS, lsp.read(MEETINGS).replace("    ratifies: CJ-JJ-2014-0720\n", ""))
    diags = await lsp.diags_until(PAYMENTS, lambda d: "ZJBF-009" in codes(d), "with ZJBF-009")
    assert rng(_only(diags, "ZJBF-009").range)[0] == lsp.pos(PAYMENTS, "emergency").line


# ---------------------------------------------------------------- waivers and baselines

PROJECT = 'rules = ["rules"]\nparams = "config/params.yaml"\ndisable = ["SZYD-010"]\n'
WAIVERS = (
    "waivers:\n"
    "  - rule: LOCAL-002\n"
    "    record: CJ-ZF-2014-0610\n"
    "    reason: 区财政局书面认定属零星采购\n"
    "    approved_by: 区纪委 张明\n"
    "    expires: 2099-12-31\n"
    "  - rule: SZYD-009\n"
    "    record: NO-SUCH-MEETING\n"
    "    reason: 不适用\n"
    "    approved_by: 区纪委 张明\n"
    "    expires: 2099-12-31\n"
)


@pytest.mark.files({"sunlight.toml": PROJECT + 'waivers = "records/waivers.yaml"\n', "records/waivers.yaml": WAIVERS})
async def test_a_waived_finding_is_shown_as_waived(lsp):
    """The waiver file of sunlight.toml applies in the editor as in CI: the
    waived finding is a hint carrying the waiver's reason and approver,
    the others stay as they are."""
    report = cli_check(lsp.root)
    waived = [f for f in report["findings"] if f.get("suppressed")]
    assert [(f["rule"], f["suppressed"]["kind"]) for f in waived] == [("LOCAL-002", "waiver")]
    diags = await lsp.open(PAYMENTS)
    assert codes(diags) == ["LOCAL-001", "LOCAL-002", "ZJBF-001"], describe(diags)
    local2 = _only(diags, "LOCAL-002")
    assert local2.severity == T.DiagnosticSeverity.Hint
    assert "区财政局书面认定属零星采购" in local2.message and "区纪委 张明" in local2.message
    assert "2099-12-31" in local2.message
    assert _only(diags, "ZJBF-001").severity == T.DiagnosticSeverity.Error
    hover = await lsp.hover(PAYMENTS, local2.range.start)
    assert hover is not None and "区财政局书面认定属零星采购" in hover
    # The waiver file sits among the records without being one, and the
    # editor, which evaluates only what is open, does not call the second
    # waiver unmatched.
    own = await lsp.open("records/waivers.yaml")
    assert own == [], describe(own)


# ---------------------------------------------------------------- imports


@pytest.mark.files(
    {
        "sunlight.toml": 'rules = ["entry.rules"]\n',
        "rules/local.rules": None,
        "entry.rules": '// 本地规则入口\nimport "shared/more.rules"\nimport "shared/nosuch.rules"\n',
        "shared/more.rules": (
            "/// 支付须登记所属项目。\n"
            'rule IMP-001 "支付未登记项目" {\n'
            "  severity warning\n"
            '  cite "示例"\n'
            "  for d in disbursement\n"
            "  require d.project != none\n"
            "  at d.payee\n"
            '  message "{d.id} 未登记项目"\n'
            "}\n"
        ),
    }
)
async def test_imported_rule_files_apply_as_in_sunlight_check(lsp):
    """The editor follows `import "…"` as `sunlight check` does, and an
    import of a missing file is an error at its place."""
    report = cli_check(lsp.root)
    expected = sorted(f["rule"] for f in report["findings"] if f["file"] == PAYMENTS)
    assert "IMP-001" in expected
    payments = await lsp.open(PAYMENTS)
    assert codes(payments) == expected, describe(payments)
    entry = await lsp.open("entry.rules")
    missing = [d for d in entry if "cannot import `shared/nosuch.rules`" in d.message]
    assert len(missing) == 1, describe(entry)
    assert rng(missing[0].range)[0] == 2


async def test_diagnostics_name_the_version_of_the_text_they_are_of(lsp):
    await lsp.open(PAYMENTS)
    uri = lsp.uri(PAYMENTS)
    text = lsp.read(PAYMENTS).replace("{step: 签字, by: 李明, date: 2014-06-08}", "{step: 签字, by: 李明, date: 2014-02-30}")
    await lsp.change(PAYMENTS, text)
    await lsp.change(PAYMENTS, text + "\n")
    versions = [v for _, u, _, v in lsp.client.publish_log if u == uri]
    assert versions[0] == 1, versions
    assert versions[-1] == lsp.versions[uri] == 3, versions
    assert versions == sorted(versions), versions
