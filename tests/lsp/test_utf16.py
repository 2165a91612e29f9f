"""Positions in UTF-16 code units, as LSP counts them, with Chinese text and
characters outside the Basic Multilingual Plane (𠀀, U+20000: one
character, two UTF-16 units, four UTF-8 bytes)."""

from lsprotocol import types as T

from conftest import codes, describe, rng, utf16_len

MEETINGS = "records/meetings.yaml"
PAYMENTS = "records/payments.yaml"
LOCAL = "rules/local.rules"


async def test_record_finding_after_several_supplementary_characters(lsp):
    await lsp.open(MEETINGS)
    # Item 2: 𠀀𠀀𠀀 (interested) recused; 李明 (interested) did not: SZYD-007
    # at 李明's entry, after three 𠀀 on the same line.
    text = lsp.read(MEETINGS).replace(
        "    amount: 120000\n", "    amount: 120000\n    interested: [𠀀𠀀𠀀, 李明]\n    recused: [𠀀𠀀𠀀]\n", 1
    )
    diags = await lsp.change(MEETINGS, text)
    hits = [d for d in diags if d.code == "SZYD-007"]
    assert len(hits) == 1, describe(diags)
    line = "    interested: [𠀀𠀀𠀀, 李明]"
    want_line = text.split("\n").index(line)
    col = utf16_len(line[: line.index("李明")])
    assert col == len("    interested: [") + 6 + 2  # three 𠀀 are six units
    assert rng(hits[0].range) == (want_line, col, want_line, col + 2)


async def test_rules_error_after_supplementary_identifier(lsp):
    await lsp.open(LOCAL)
    text = lsp.read(LOCAL) + (
        "\n/// 王𠀀 的本地标准\n"
        "param 𠀀𠀀标准 = 5万\n"
        "\n"
        'rule LOCAL-020 "𠀀" {\n'
        "  severity warning\n"
        '  cite "𠀀"\n'
        "  for d in disbursement\n"
        '  require d.payee != "王𠀀𠀀" and d.amount < 𠀀𠀀标准 and d.payeee != none\n'
        "  at d.payee\n"
        '  message "𠀀 {d.payee}"\n'
        "}\n"
    )
    diags = await lsp.change(LOCAL, text)
    assert len(diags) == 1, describe(diags)
    assert rng(diags[0].range) == rng(lsp.span(LOCAL, "payeee"))

    # Definition and references of the 𠀀 parameter, from its use after
    # four 𠀀 on the line.
    use = lsp.pos(LOCAL, "< 𠀀𠀀标准", delta=3)
    [loc] = await lsp.definition(LOCAL, use)
    assert rng(loc.range) == rng(lsp.span(LOCAL, "𠀀𠀀标准"))
    refs = await lsp.references(LOCAL, use)
    assert sorted(rng(r.range) for r in refs) == sorted(
        [rng(lsp.span(LOCAL, "𠀀𠀀标准", 0)), rng(lsp.span(LOCAL, "𠀀𠀀标准", 1))]
    )
    h = await lsp.hover(LOCAL, use)
    assert h is not None and "𠀀𠀀标准" in h and "王𠀀 的本地标准" in h


async def test_positions_inside_a_surrogate_pair(lsp):
    """A client may send a column between the two halves of 𠀀: the server
    answers (treating it as either side) and goes on."""
    await lsp.open(LOCAL)
    await lsp.open(PAYMENTS)
    text = lsp.read(LOCAL) + '\n/// 𠀀\nparam 𠀀标准 = 1万\n'
    await lsp.change(LOCAL, text)
    inside = lsp.pos(LOCAL, "𠀀标准", delta=0)
    inside = T.Position(line=inside.line, character=inside.character + 1)
    await lsp.hover(LOCAL, inside)
    await lsp.definition(LOCAL, inside)
    await lsp.completion(LOCAL, inside)
    await lsp.references(LOCAL, inside)
    p = lsp.pos(PAYMENTS, "王𠀀")
    half = T.Position(line=p.line, character=p.character + 2)
    await lsp.hover(PAYMENTS, half)
    await lsp.definition(PAYMENTS, half)
    h = await lsp.hover(LOCAL, lsp.pos(LOCAL, "param 𠀀标准", delta=7))
    assert h is not None and "𠀀标准" in h


async def test_crlf_line_endings(lsp):
    """A record file saved with Windows line endings: the same lines and
    columns."""
    lf = lsp.read(PAYMENTS)
    want = sorted((str(d.code),) + rng(d.range) for d in await lsp.open(PAYMENTS))
    crlf = lf.replace("\n", "\r\n")
    diags = await lsp.change(PAYMENTS, crlf)
    assert sorted((str(d.code),) + rng(d.range) for d in diags) == want
