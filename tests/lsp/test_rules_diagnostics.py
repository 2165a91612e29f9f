"""Diagnostics on rule files (*.rules) as you type: syntax and semantic
errors with exact ranges, the rest of a file still analysed while one line
is broken."""

from lsprotocol import types as T

from conftest import rng

LOCAL = "rules/local.rules"

# A rule file with one broken line (LOCAL-001) and two well-formed rules with
# semantic errors after it (LOCAL-002: an unknown field; LOCAL-003: an
# unknown name).
BROKEN = """\
// 城建局的本地规则

/// 会议材料须提前两天送达（本地从严）。
set 材料提前天数 = 2天

/// 是否要求每笔支付登记所属项目。
param 须登记项目 = true

rule LOCAL-001 "支付未登记项目" {
  severity warning
  cite "城建局资金管理办法第五条"
  for d in disbursement
  require d.project != none and (
  at d.payee
  message "x"
}

rule LOCAL-002 "未知字段" {
  severity warning
  cite "x"
  for d in disbursement
  require d.payee != "王𠀀" and d.payeee != none
  at d.payee
  message "x"
}

rule LOCAL-003 "未知参数" {
  severity error
  cite "x"
  for m in meeting
  require count(m.attendees) >= 最低到会人数
  at m.attendees
  message "x"
}
"""


def _by_message(diags, word):
    hits = [d for d in diags if word in d.message]
    assert hits, f"no diagnostic mentions {word!r}: {[d.message for d in diags]}"
    return hits[0]


async def test_workspace_rule_file_is_clean(lsp):
    assert await lsp.open(LOCAL) == []


async def test_syntax_and_semantic_errors_with_exact_ranges(lsp):
    await lsp.open(LOCAL)
    diags = await lsp.change(LOCAL, BROKEN)
    text = BROKEN
    for d in diags:
        assert d.severity == T.DiagnosticSeverity.Error
        assert d.source == "sunlight"

    # The syntax error: the `(` after `and` is never closed; the parser
    # notices at the next clause, `at`, on the following line, and blames
    # the bracket, with the place it gave up as related information.
    syntax = _by_message(diags, "syntax error")
    assert syntax.message.split("\n")[0] == "syntax error: `(` is not closed"
    broken = "  require d.project != none and ("
    broken_line = text.splitlines().index(broken)
    at_line = broken_line + 1
    assert text.splitlines()[at_line] == "  at d.payee"
    assert rng(syntax.range) == (broken_line, len(broken) - 1, broken_line, len(broken)), rng(syntax.range)
    [gave_up] = syntax.related_information
    assert rng(gave_up.location.range) == (at_line, 2, at_line, 4)
    assert "before `at`" in gave_up.message

    # The rules after the broken one are still analysed: their semantic
    # errors are reported, each at the name in question. Column of `payeee`
    # is counted in UTF-16 (王𠀀 is three units).
    field = _by_message(diags, "payeee")
    assert rng(field.range) == rng(lsp.span(LOCAL, "payeee"))
    line = text.splitlines()[field.range.start.line]
    assert field.range.start.character == len(line[: line.index("payeee")].encode("utf-16-le")) // 2
    assert "payee" in field.message  # did you mean

    name = _by_message(diags, "最低到会人数")
    assert rng(name.range) == rng(lsp.span(LOCAL, "最低到会人数"))

    # Nothing else: one diagnostic per problem.
    assert len(diags) == 3, [d.message for d in diags]


async def test_fixing_the_file_clears_its_diagnostics(lsp):
    original = await lsp.open(LOCAL)
    assert original == []
    assert await lsp.change(LOCAL, BROKEN)
    diags = await lsp.change(LOCAL, lsp.read(LOCAL))
    assert diags == []


async def test_half_typed_rule_reports_and_recovers(lsp):
    """Typing a rule character by character: every prefix gets an answer,
    and the finished rule is clean."""
    base = lsp.read(LOCAL)
    rule = (
        '\nrule LOCAL-009 "单笔金额为零" {\n'
        "  severity warning\n"
        '  cite "城建局资金管理办法第七条"\n'
        "  for d in disbursement\n"
        "  require d.amount > 0\n"
        "  at d.amount\n"
        '  message "{d.id} 金额为零"\n'
        "}\n"
    )
    await lsp.open(LOCAL)
    step = 7
    for n in range(1, len(rule), step):
        await lsp.change(LOCAL, base + rule[:n])
        assert await lsp.hover(LOCAL, lsp.pos(LOCAL, "须登记项目")) is not None
    assert await lsp.change(LOCAL, base + rule) == []


async def test_duplicate_rule_id_is_reported_at_the_second(lsp):
    base = lsp.read(LOCAL)
    dup = base + (
        '\nrule LOCAL-001 "重复" {\n'
        "  severity warning\n"
        '  cite "x"\n'
        "  for d in disbursement\n"
        "  require d.amount > 0\n"
        "  at d.amount\n"
        '  message "x"\n'
        "}\n"
    )
    await lsp.open(LOCAL)
    diags = await lsp.change(LOCAL, dup)
    assert len(diags) >= 1
    d = _by_message(diags, "LOCAL-001")
    assert d.range.start.line == dup.splitlines().index('rule LOCAL-001 "重复" {')


async def test_type_mismatch_is_reported(lsp):
    base = lsp.read(LOCAL)
    bad = base.replace("require d.project != none", 'require d.amount > "十万"')
    await lsp.open(LOCAL)
    diags = await lsp.change(LOCAL, bad)
    assert len(diags) == 1, [d.message for d in diags]
    r = diags[0].range
    line = bad.splitlines()[r.start.line]
    assert "d.amount" in line


async def test_new_rule_file_outside_the_rule_set(lsp):
    """A rules file the workspace does not load (not saved yet, in another
    folder) is checked against the standard library plus itself."""
    text = (
        "/// 草稿\n"
        'rule DRAFT-001 "草稿" {\n'
        "  severity warning\n"
        '  cite "x"\n'
        "  for m in meeting\n"
        "  require count(m.attendees) >= 大额资金标准 and m.bodyy != none\n"
        "  at m.body\n"
        '  message "x"\n'
        "}\n"
    )
    diags = await lsp.open("drafts/draft.rules", text)
    assert len(diags) == 1, [d.message for d in diags]
    assert "bodyy" in diags[0].message
    assert rng(diags[0].range) == rng(lsp.span("drafts/draft.rules", "bodyy"))


async def test_error_in_rules_does_not_stop_record_diagnostics(lsp):
    """While a workspace rule file is broken, record files still get the
    findings of every rule that compiles."""
    await lsp.open(LOCAL)
    await lsp.open("records/org.yaml")
    await lsp.change(LOCAL, BROKEN)
    diags = await lsp.diags_until(
        "records/org.yaml", lambda d: "WBZG-001" in [x.code for x in d], "with WBZG-001"
    )
    assert "WBZG-001" in [x.code for x in diags]
