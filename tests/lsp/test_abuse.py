"""The language server under abuse (issue #6): thousands of random edits,
positions inside characters and out of range, huge and pathological
documents, malformed messages. After each, the server still answers and
its diagnostics are right."""

import asyncio
import json
import os
import random
import time

import pytest
from lsprotocol import types as T

from conftest import RawServer, codes, describe, rng

ORG = "records/org.yaml"
MEETINGS = "records/meetings.yaml"
PAYMENTS = "records/payments.yaml"
LOCAL = "rules/local.rules"
SCRATCH_YAML = "records/scratch.yaml"
SCRATCH_JSON = "records/scratch.json"
SCRATCH_RULES = "drafts/scratch.rules"

EDITS = int(os.environ.get("SUNLIGHT_LSP_ABUSE_EDITS", "2000"))
RULE_EDITS = int(os.environ.get("SUNLIGHT_LSP_ABUSE_RULE_EDITS", "60"))
SEED = int(os.environ.get("SUNLIGHT_LSP_ABUSE_SEED", "20140718"))

TOKENS = (
    list("abcxyz0129 :-,.[]{}()\"'#|>&*!%@`=?+/<\n\n\n\t")
    + ["𠀀", "王𠀀", "王", "中文", "—", "，", "：", "\r\n", "\r", "\u3000", "é", "\u200b", "\ufeff", "\x00", "\x7f", "\u2028"]
    + ["kind: ", "id: ", "org: ", "meeting: ", "item: ", "ratifies: ", "steps:", "  - ", "- {", "---\n", "...\n"]
    + ["&a ", "*a", "!!str ", "<<: *a", "? ", "%YAML 1.2\n", '"\\u', "'"]
    + ["rule ", "param ", "set ", "def ", "kind ", "struct ", "chain ", "import ", "for ", " in ", "require ", "=>", "m.", "d.", 'findings("', "20万", "30天", "1.5亿"]
)

BASELINE = {
    ORG: ["WBZG-001"],
    MEETINGS: ["SZYD-009"],
    PAYMENTS: ["LOCAL-001", "LOCAL-002", "ZJBF-001"],
}


def mutate(text: str, r: random.Random, original: str) -> str:
    n = len(text)
    op = r.random()
    if op < 0.35:
        at = r.randint(0, n)
        ins = "".join(r.choice(TOKENS) for _ in range(r.randint(1, 6)))
        return text[:at] + ins + text[at:]
    if op < 0.55:
        a = r.randint(0, n)
        b = min(n, a + r.randint(1, 40))
        return text[:a] + text[b:]
    if op < 0.68:
        return original[: r.randint(0, len(original))]  # half-typed
    if op < 0.78:
        a = r.randint(0, n)
        b = min(n, a + r.randint(1, 200))
        return text[:b] + text[a:b] + text[b:]
    if op < 0.85:
        return "".join(r.choice(TOKENS) for _ in range(r.randint(0, 300)))
    if op < 0.9:
        return ""
    return original


def random_position(text: str, r: random.Random) -> T.Position:
    lines = text.split("\n")
    kind = r.random()
    if kind < 0.5:
        line = r.randint(0, max(0, len(lines) - 1))
        units = len(lines[line].encode("utf-16-le")) // 2 if lines else 0
        return T.Position(line=line, character=r.randint(0, units + 2))  # includes inside 𠀀 halves
    if kind < 0.7:
        return T.Position(line=len(lines) + r.randint(0, 3), character=r.randint(0, 5))
    if kind < 0.85:
        return T.Position(line=r.randint(0, max(0, len(lines) - 1)), character=r.randint(1000, 2**31 - 1))
    return T.Position(line=r.randint(0, 2**31 - 1), character=r.randint(0, 2**31 - 1))


async def random_requests(lsp, rel: str, r: random.Random, count: int):
    """Fire requests at random positions concurrently; each must answer
    (a result, possibly empty; not an error, not silence)."""
    uri = lsp.uri(rel)
    text = lsp.texts.get(uri, "")
    doc = T.TextDocumentIdentifier(uri=uri)
    c = lsp.client
    calls = []
    for _ in range(count):
        p = random_position(text, r)
        which = r.randrange(6)
        if which == 0:
            calls.append(c.text_document_hover_async(T.HoverParams(text_document=doc, position=p)))
        elif which == 1:
            calls.append(c.text_document_completion_async(T.CompletionParams(text_document=doc, position=p)))
        elif which == 2:
            calls.append(c.text_document_definition_async(T.DefinitionParams(text_document=doc, position=p)))
        elif which == 3:
            calls.append(
                c.text_document_references_async(
                    T.ReferenceParams(text_document=doc, position=p, context=T.ReferenceContext(include_declaration=True))
                )
            )
        elif which == 4:
            calls.append(c.text_document_document_symbol_async(T.DocumentSymbolParams(text_document=doc)))
        else:
            calls.append(
                c.text_document_formatting_async(
                    T.DocumentFormattingParams(text_document=doc, options=T.FormattingOptions(tab_size=2, insert_spaces=True))
                )
            )
    results = await asyncio.wait_for(asyncio.gather(*calls, return_exceptions=True), 120)
    errors = [x for x in results if isinstance(x, BaseException)]
    assert not errors, f"{len(errors)} requests failed on {rel}, e.g. {errors[0]!r}"


def server_alive(lsp):
    proc = lsp.client._server
    assert proc is not None and proc.returncode is None, f"the server died (exit code {proc.returncode})"


async def assert_healthy(lsp):
    """Back to the texts on disk: the server answers and its diagnostics are
    the baseline."""
    server_alive(lsp)
    if lsp.uri(LOCAL) in lsp.texts:
        lsp.send_change(lsp.uri(LOCAL), lsp.read(LOCAL))
    for rel, want in BASELINE.items():
        if lsp.uri(rel) in lsp.texts:
            lsp.send_change(lsp.uri(rel), lsp.read(rel))
        else:
            await lsp.open(rel, wait=False)
    for rel, want in BASELINE.items():
        await lsp.diags_until(rel, lambda d, want=want: codes(d) == want, f"{want}", timeout=60)
    # Exact ranges, not only codes.
    diags = await lsp.diags_until(ORG, lambda d: codes(d) == ["WBZG-001"])
    assert rng(diags[0].range) == (5, 59, 5, 64)
    # Hover answers, on a finding and in a rule file.
    h = await lsp.hover(ORG, T.Position(line=5, character=60))
    assert h is not None and "WBZG-001" in h
    if lsp.uri(LOCAL) not in lsp.texts:
        assert await lsp.open(LOCAL) == []
    else:
        await lsp.diags_until(LOCAL, lambda d: d == [], "clean")
    h = await lsp.hover(LOCAL, lsp.pos(LOCAL, "须登记项目"))
    assert h is not None and "须登记项目" in h
    items = await lsp.completion(LOCAL, lsp.pos(LOCAL, "d.project", delta=2))
    server_alive(lsp)


async def test_random_edit_storm(lsp, capfd):
    r = random.Random(SEED)
    started = time.monotonic()
    originals = {
        PAYMENTS: lsp.read(PAYMENTS),
        MEETINGS: lsp.read(MEETINGS),
        SCRATCH_YAML: lsp.read(PAYMENTS).replace("CJ-", "SC-"),
        SCRATCH_JSON: json.dumps(
            {"kind": "disbursement", "id": "J-1", "org": "chengjian", "payee": "王𠀀", "amount": 250000, "steps": []},
            ensure_ascii=False,
            indent=2,
        ),
    }
    for rel, text in originals.items():
        await lsp.open(rel, text)
    current = dict(originals)

    # Records: thousands of edits, requests in between.
    rels = list(originals)
    for i in range(EDITS):
        rel = r.choice(rels)
        current[rel] = mutate(current[rel], r, originals[rel])
        lsp.send_change(lsp.uri(rel), current[rel])
        if i % 100 == 99:
            await random_requests(lsp, r.choice(rels), r, 30)
            server_alive(lsp)

    print(f"{EDITS} record edits in {time.monotonic() - started:.1f} s")

    # Rule files: fewer edits (each recompiles the rule set).
    rule_originals = {LOCAL: lsp.read(LOCAL), SCRATCH_RULES: lsp.read(LOCAL).replace("LOCAL-", "DRAFT-")}
    for rel, text in rule_originals.items():
        await lsp.open(rel, text, wait=False)
        current[rel] = text
    for i in range(RULE_EDITS):
        rel = r.choice(list(rule_originals))
        current[rel] = mutate(current[rel], r, rule_originals[rel])
        lsp.send_change(lsp.uri(rel), current[rel])
        if i % 25 == 24:
            await random_requests(lsp, rel, r, 30)
            server_alive(lsp)

    await lsp.close(SCRATCH_RULES)
    await lsp.close(SCRATCH_YAML)
    await lsp.close(SCRATCH_JSON)
    await assert_healthy(lsp)
    err = capfd.readouterr().err
    assert "panicked" not in err, err[-3000:]
    print(f"{EDITS + RULE_EDITS} edits in {time.monotonic() - started:.1f} s (seed {SEED})")


async def test_huge_documents(lsp):
    # A 1 MB record file: 2,000 payments, each citing a meeting that does
    # not exist (REF-001 at each `meeting:` value, 16 lines apart).
    one = lsp.read(PAYMENTS).split("---\n")[0]
    many = "---\n".join(
        one.replace("CJ-ZF-2014-0601", f"HG-{i:05d}").replace("CJ-DZ-2014-05", f"HG-M-{i}").replace("龙潭路桥建设有限公司", f"公司{i}")
        for i in range(2000)
    )
    diags = await lsp.open("records/huge.yaml", many)
    refs = sorted(d.range.start.line for d in diags if d.code == "REF-001")
    lines = many.split("\n")
    assert len(refs) == 2000
    assert all(lines[line].startswith("  - {step: 集体审核, meeting: HG-M-") for line in refs)
    # An edit at the end changes only what it touches.
    edited = many.replace(f"meeting: HG-M-1999,", "meeting: CJ-DZ-2014-05,")
    diags = await lsp.change("records/huge.yaml", edited)
    assert len([d for d in diags if d.code == "REF-001"]) == 1999
    # One line of 200,000 characters (300,000 UTF-16 units).
    long_line = "kind: org\nid: long\nname: " + "王𠀀" * 100_000 + "\nleaders: [{name: 甲, principal: true}]\n"
    await lsp.change("records/huge.yaml", long_line)
    await lsp.hover("records/huge.yaml", T.Position(line=2, character=150_001))
    await lsp.definition("records/huge.yaml", T.Position(line=2, character=299_999))
    # 120 KB of junk as a rule file, and a big one that parses.
    junk_r = random.Random(SEED)
    junk = "".join(junk_r.choice(TOKENS) for _ in range(40_000))
    await lsp.open("drafts/junk.rules", junk)
    await lsp.hover("drafts/junk.rules", T.Position(line=100, character=3))
    await lsp.completion("drafts/junk.rules", T.Position(line=100, character=3))
    await lsp.symbols("drafts/junk.rules")
    await lsp.formatting("drafts/junk.rules")
    await lsp.close("drafts/junk.rules")
    big = "\n".join(lsp.read(LOCAL).replace("LOCAL-", f"BIG{i}-").replace("param 须登记项目", f"param 须登记项目{i}").replace("where 须登记项目", f"where 须登记项目{i}").replace("set 材料提前天数 = 2天", "") for i in range(300))
    diags = await lsp.open("drafts/big.rules", big)
    assert diags == [], describe(diags)
    syms = await lsp.symbols("drafts/big.rules")
    assert len(syms) == 900
    await lsp.close("drafts/big.rules")
    await lsp.close("records/huge.yaml")
    await assert_healthy(lsp)


N = 2_000  # the debug build overflowed at 1,000 before the depth bound
PATHOLOGICAL = {
    "rules: unary minus": ("drafts/deep.rules", "param 深 = " + "-" * N + "1\n"),
    "rules: additions": ("drafts/deep.rules", "param 深 = " + "1 + " * N + "1\n"),
    "rules: and": ("drafts/deep.rules", "param 深 = " + "true and " * N + "true\n"),
    "rules: ??": ("drafts/deep.rules", "param 深 = " + "none ?? " * N + "1\n"),
    "rules: not": ("drafts/deep.rules", "param 深 = " + "not " * N + "true\n"),
    "rules: parentheses": ("drafts/deep.rules", "param 深 = " + "(" * N + "1" + ")" * N + "\n"),
    "rules: brackets": ("drafts/deep.rules", "param 深 = " + "[" * N + "]" * N + "\n"),
    "rules: calls": ("drafts/deep.rules", "param 深 = " + "count(" * N + "[]" + ")" * N + "\n"),
    "rules: if": ("drafts/deep.rules", "param 深 = " + "if true then " * N + "1" + " else 2" * N + "\n"),
    "rules: lambdas": ("drafts/deep.rules", "def 深(x) = " + "y => " * N + "1\n"),
    "rules: fields": ("drafts/deep.rules", 'rule D-1 "x" {\n  severity warning\n  cite "x"\n  for d in disbursement\n  require d' + ".org" * N + ' != none\n  at d\n  message "x"\n}\n'),
    "rules: indexes": ("drafts/deep.rules", "param 深 = [1]" + "[0]" * N + "\n"),
    "rules: interpolations": ("drafts/deep.rules", 'param 深 = "' + "{\"" * 3000 + "\"}" * 3000 + '"\n'),
    "rules: 300 rules on one line": ("drafts/deep.rules", " ".join(f'rule R-{i} "x" {{ severity warning cite "x" for d in disbursement require d.amount > 0 at d message "x" }}' for i in range(300)) + "\n"),
"yaml: 100,000 nested lists": ("records/deep.yaml", "kind: org\nid: deep\nname: " + "[" * 100_000 + "]" * 100_000 + "\n"),
    "yaml: 10,000 nested maps": ("records/deep.yaml", "kind: org\nid: deep\nname: " + "{a: " * 10_000 + "b" + "}" * 10_000 + "\n"),
    "yaml: alias bomb": (
        "records/deep.yaml",
        "kind: org\nid: bomb\nname: x\nleaders:\n  - &a0 {name: a, manages: [x, x, x, x, x, x, x, x, x, x]}\n"
        + "".join(f"l{i}: &a{i + 1} [" + ", ".join([f"*a{i}"] * 10) + "]\n" for i in range(9)),
    ),
}


async def test_pathological_documents(lsp):
    """Each document in turn, in one server: opened, asked about, closed;
    the server must survive every one."""
    for case, (rel, text) in PATHOLOGICAL.items():
        try:
            await lsp.open(rel, text)
            p = T.Position(line=0, character=12)
            await lsp.hover(rel, p)
            await lsp.completion(rel, p)
            await lsp.definition(rel, p)
            await lsp.symbols(rel)
            await lsp.formatting(rel)
            await lsp.close(rel)
            server_alive(lsp)
        except AssertionError as e:
            raise AssertionError(f"{case}: {e}") from e
    await assert_healthy(lsp)


MALFORMED = {
    "truncated JSON": b'{"jsonrpc":"2.0","id":900,"method":"textDocument/hover","params":{',
    "not JSON": b"\xe7\x8e\x8b\xf0\xa0\x80\x80 hello",
    "invalid UTF-8 in a text": b'{"jsonrpc":"2.0","method":"textDocument/didChange","params":{"textDocument":{"uri":"URI","version":7},"contentChanges":[{"text":"kind: org\xff\xfe\\n"}]}}',
    "lone surrogate in a text": b'{"jsonrpc":"2.0","method":"textDocument/didChange","params":{"textDocument":{"uri":"URI","version":7},"contentChanges":[{"text":"kind: org\\ud800\\n"}]}}',
    # Valid JSON that is no JSON-RPC 2.0 message.
    "an empty array": b"[]",
    "an empty object": b"{}",
    "null": b"null",
    "JSON-RPC 1.0": b'{"jsonrpc":"1.0","id":901,"method":"textDocument/hover","params":{}}',
    "a number as method": b'{"jsonrpc":"2.0","id":902,"method":12}',
}


def _hover_ok(server: RawServer, uri: str) -> bool:
    r = server.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": 5, "character": 60}}, timeout=10)
    return r is not None and "WBZG-001" in json.dumps(r.get("result"), ensure_ascii=False)


def _open_org(server: RawServer, workspace) -> str:
    uri = (workspace / ORG).as_uri()
    server.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": (workspace / ORG).read_text(encoding="utf-8")}},
    )
    return uri


def test_invalid_requests_get_errors_not_silence(workspace):
    """Parameters a client library would refuse: the server answers each with
    an error or an empty result and goes on."""
    s = RawServer(workspace)
    try:
        uri = _open_org(s, workspace)
        assert _hover_ok(s, uri)
        doc = {"uri": uri}
        cases = [
            ("textDocument/hover", {"textDocument": doc, "position": "x"}),
            ("textDocument/hover", {"textDocument": doc, "position": {"line": -1, "character": -5}}),
            ("textDocument/hover", {"textDocument": doc, "position": {"line": 2**40, "character": 2**40}}),
            ("textDocument/definition", {"textDocument": doc, "position": {"line": 2**32 - 1, "character": 2**32 - 1}}),
            ("textDocument/references", {"textDocument": doc, "position": {"line": 5, "character": 2**32 - 1}, "context": {"includeDeclaration": True}}),
            ("textDocument/completion", None),
            ("textDocument/formatting", {"textDocument": {"uri": "untitled:Untitled-1"}, "options": {"tabSize": 2, "insertSpaces": True}}),
            ("textDocument/hover", {"textDocument": {"uri": "file:///no/such/file.yaml"}, "position": {"line": 0, "character": 0}}),
            ("sunlight/unknownMethod", {}),
        ]
        for method, params in cases:
            r = s.request(method, params, timeout=10)
            assert r is not None, f"no answer to {method} {params}"
        # Notifications that make no sense.
        s.notify("textDocument/didChange", {"textDocument": {"uri": "file:///nowhere/x.yaml", "version": 3}, "contentChanges": [{"text": "kind: org"}]})
        s.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 4}, "contentChanges": []})
        s.notify("textDocument/didClose", {"textDocument": {"uri": "file:///nowhere/y.rules"}})
        s.notify("textDocument/didOpen", {"textDocument": {"uri": "untitled:Untitled-1.yaml", "languageId": "yaml", "version": 1, "text": "kind: org\nid: 𠀀\n"}})
        s.notify("textDocument/didOpen", {"textDocument": {"uri": "untitled:Untitled-2.rules", "languageId": "sunlight", "version": 1, "text": "param 𠀀 = (\n"}})
        s.notify("sunlight/unknownNotification", {"x": 1})
        assert _hover_ok(s, uri)
        assert s.proc.poll() is None
    finally:
        s.close()


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_message_does_not_stop_the_server(workspace, case):
    """A message that is not valid JSON, or not valid UTF-8 (an editor buffer
    holding a lone surrogate is sent as "\\ud800" by JSON.stringify), gets a
    parse error; the server keeps serving."""
    s = RawServer(workspace)
    try:
        uri = _open_org(s, workspace)
        assert _hover_ok(s, uri)
        s.raw(MALFORMED[case].replace(b"URI", uri.encode()))
        alive = _hover_ok(s, uri)
        assert alive, f"after a malformed message ({case}) the server stopped answering (exit code {s.proc.poll()})"
    finally:
        s.close()
