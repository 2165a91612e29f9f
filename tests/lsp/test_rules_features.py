"""Hover, completion, go-to-definition, references, document symbols and
formatting in rule files."""

import pathlib
import subprocess
from urllib.parse import unquote, urlparse

import pytest
from lsprotocol import types as T

from conftest import SUNLIGHT_BIN, apply_edits, position, rng

LOCAL = "rules/local.rules"


def _path(uri: str) -> pathlib.Path:
    return pathlib.Path(unquote(urlparse(uri).path))


def _line(loc: T.Location) -> str:
    return _path(loc.uri).read_text(encoding="utf-8").split("\n")[loc.range.start.line]


def _target(loc: T.Location) -> str:
    """The text a location's range covers (one line)."""
    line = _line(loc)
    units = line.encode("utf-16-le")
    return units[loc.range.start.character * 2 : loc.range.end.character * 2].decode("utf-16-le")


# ---------------------------------------------------------------- hover


async def test_hover_keyword(lsp):
    await lsp.open(LOCAL)
    h = await lsp.hover(LOCAL, lsp.pos(LOCAL, "  require", delta=4))
    assert h and "require" in h and "keyword" in h
    h = await lsp.hover(LOCAL, lsp.pos(LOCAL, "severity", delta=1))
    assert h and "severity" in h and "error" in h and "warning" in h


async def test_hover_builtin_function(lsp):
    await lsp.open(LOCAL)
    h = await lsp.hover(LOCAL, lsp.pos(LOCAL, "count(", delta=2))
    assert h and "count" in h and "function" in h
    assert "count(list" in h


async def test_hover_rule_shows_title_severity_and_cite(lsp):
    await lsp.open(LOCAL)
    for p in [lsp.pos(LOCAL, "LOCAL-001", delta=3), lsp.pos(LOCAL, '"LOCAL-001"', delta=4)]:
        h = await lsp.hover(LOCAL, p)
        assert h is not None
        assert "LOCAL-001" in h
        assert "支付未登记项目" in h  # title
        assert "warning" in h  # severity
        assert "城建局资金管理办法第五条" in h  # cite
        assert "支付须登记所属项目" in h  # doc comment


async def test_hover_parameter_value_and_overrides(lsp):
    await lsp.open(LOCAL)
    # Overridden by the parameter file of sunlight.toml.
    h = await lsp.hover(LOCAL, lsp.pos(LOCAL, ">= 大额资金标准", delta=4))
    assert h is not None
    assert "大额资金标准" in h
    assert "10万" in h or "100000" in h, h
    assert "params.yaml" in h, h
    # Overridden by `set` in this file: the value and where.
    h = await lsp.hover(LOCAL, lsp.pos(LOCAL, "材料提前天数", delta=1))
    assert h is not None
    assert "2天" in h, h
    assert "local.rules:4" in h, h
    # A local parameter: its value and doc.
    h = await lsp.hover(LOCAL, lsp.pos(LOCAL, "where 须登记项目", delta=7))
    assert h is not None and "须登记项目" in h and "是否要求每笔支付登记所属项目" in h


async def test_hover_field_type_from_schema(lsp):
    await lsp.open(LOCAL)
    h = await lsp.hover(LOCAL, lsp.pos(LOCAL, "d.project", delta=3))
    assert h is not None
    assert "project" in h and "text" in h and "optional" in h
    h = await lsp.hover(LOCAL, lsp.pos(LOCAL, "d.amount", delta=3))
    assert h is not None and "amount" in h and "money" in h, h


async def test_hover_kind_and_variable(lsp):
    await lsp.open(LOCAL)
    h = await lsp.hover(LOCAL, lsp.pos(LOCAL, "disbursement", delta=2))
    assert h is not None and "kind disbursement" in h
    h = await lsp.hover(LOCAL, lsp.pos(LOCAL, "d.payee"))
    assert h is not None and "disbursement" in h


async def test_hover_on_nothing(lsp):
    await lsp.open(LOCAL)
    assert await lsp.hover(LOCAL, T.Position(line=1, character=0)) is None


# ---------------------------------------------------------------- completion


MEETING_RULE = (
    '\nrule LOCAL-010 "草稿" {\n'
    "  severity warning\n"
    '  cite "x"\n'
    "  for m in meeting, i in m.items\n"
    "  require m.\n"
    "  at m.body\n"
    '  message "x"\n'
    "}\n"
)


async def test_completion_fields_after_dot(lsp):
    await lsp.open(LOCAL)
    text = lsp.read(LOCAL) + MEETING_RULE
    await lsp.change(LOCAL, text)
    items = await lsp.completion(LOCAL, lsp.pos(LOCAL, "require m.", delta=len("require m.")))
    labels = {i.label for i in items}
    assert {"org", "body", "date", "chair", "members", "attendees", "absent", "observers", "items"} <= labels
    assert "payee" not in labels and "count" not in labels and "require" not in labels
    assert all(i.kind == T.CompletionItemKind.Field for i in items)
    date = next(i for i in items if i.label == "date")
    assert date.detail and "date" in date.detail

    # A nested element: the fields of an item.
    text2 = text.replace("  require m.\n", "  require i.\n")
    await lsp.change(LOCAL, text2)
    labels = {i.label for i in await lsp.completion(LOCAL, lsp.pos(LOCAL, "require i.", delta=len("require i.")))}
    assert {"no", "title", "category", "amount", "opinions", "outcome", "ratifies"} <= labels
    assert "chair" not in labels

    # Inside a call, in an existing rule.
    text3 = lsp.read(LOCAL).replace("require d.project != none", "require count(d.) > 0")
    await lsp.change(LOCAL, text3)
    labels = {i.label for i in await lsp.completion(LOCAL, lsp.pos(LOCAL, "count(d.", delta=len("count(d.")))}
    assert {"payee", "project", "amount", "steps", "emergency"} <= labels


async def test_completion_fields_after_dot_in_a_rule_still_being_typed(lsp):
    """A new rule at the end of the file, its `}` not typed yet: the
    fields of the kind in scope are still offered after `m.`."""
    await lsp.open(LOCAL)
    text = lsp.read(LOCAL) + MEETING_RULE.split("  at m.body")[0]
    assert text.endswith("  require m.\n")
    await lsp.change(LOCAL, text)
    labels = {i.label for i in await lsp.completion(LOCAL, lsp.pos(LOCAL, "require m.", delta=len("require m.")))}
    assert {"org", "body", "date", "members", "attendees", "items"} <= labels


async def test_completion_fields_with_a_prefix_typed(lsp):
    await lsp.open(LOCAL)
    text = lsp.read(LOCAL) + MEETING_RULE.replace("require m.", "require m.att")
    await lsp.change(LOCAL, text)
    labels = {i.label for i in await lsp.completion(LOCAL, lsp.pos(LOCAL, "require m.att", delta=len("require m.att")))}
    assert "attendees" in labels


async def test_completion_fields_in_front_of_an_existing_name(lsp):
    """Cursor right after `d.` in `d.project` (asking to replace the field):
    the fields are offered, not nothing."""
    await lsp.open(LOCAL)
    labels = {i.label for i in await lsp.completion(LOCAL, lsp.pos(LOCAL, "d.project", delta=2))}
    assert {"payee", "project", "amount", "steps"} <= labels


async def test_completion_names_keywords_params_functions(lsp):
    await lsp.open(LOCAL)
    text = lsp.read(LOCAL).replace("  require d.project != none\n", "  require d.project != none\n  \n", 1)
    await lsp.change(LOCAL, text)
    blank = lsp.pos(LOCAL, "  \n  at d.payee", delta=2)
    items = await lsp.completion(LOCAL, blank)
    by_label = {i.label: i for i in items}
    for kw in ["require", "let", "where", "at", "message", "help", "severity", "cite"]:
        assert kw in by_label, kw
        assert by_label[kw].kind == T.CompletionItemKind.Keyword
    for p in ["大额资金标准", "材料提前天数", "须登记项目", "五个不直接管"]:
        assert p in by_label, p
        assert by_label[p].kind == T.CompletionItemKind.Constant
    for f in ["count", "sum", "any", "all", "first", "position", "distinct", "findings"]:
        assert any(i.label == f and i.kind == T.CompletionItemKind.Function for i in items), f
    assert "实付" in by_label  # a def of the standard library
    assert {"meeting", "disbursement", "org"} <= set(by_label)  # record kinds

    # In an expression, the rule's variables too.
    text = lsp.read(LOCAL).replace("require d.project != none", "require d.project != none and 须", 1)
    await lsp.change(LOCAL, text)
    items = await lsp.completion(LOCAL, lsp.pos(LOCAL, "and 须", delta=5))
    labels = {i.label for i in items}
    assert "d" in labels and "须登记项目" in labels and "count" in labels
    # Parameter values as the rule set has them after overrides.
    assert by_label["材料提前天数"].detail and "2" in by_label["材料提前天数"].detail


async def test_completion_rule_ids_in_findings_string(lsp):
    await lsp.open(LOCAL)
    text = lsp.read(LOCAL).replace('findings("LOCAL-001", d)', 'findings("', 1)
    await lsp.change(LOCAL, text)
    items = await lsp.completion(LOCAL, lsp.pos(LOCAL, 'findings("', delta=len('findings("')))
    labels = {i.label for i in items}
    assert {"LOCAL-001", "SZYD-001", "ZJBF-006", "WBZG-001", "REF-001"} <= labels
    local = next(i for i in items if i.label == "LOCAL-001")
    assert local.detail and "支付未登记项目" in local.detail
    assert "count" not in labels and "require" not in labels


# ---------------------------------------------------------------- definition


async def test_definition_of_parameters(lsp):
    await lsp.open(LOCAL)
    # A local parameter: its declaration in this file.
    [loc] = await lsp.definition(LOCAL, lsp.pos(LOCAL, "where 须登记项目", delta=7))
    assert loc.uri == lsp.uri(LOCAL)
    assert rng(loc.range) == rng(lsp.span(LOCAL, "须登记项目"))
    # A standard parameter: its declaration in the standard library.
    [loc] = await lsp.definition(LOCAL, lsp.pos(LOCAL, ">= 大额资金标准", delta=4))
    assert loc.uri.endswith("params.rules")
    assert _line(loc).startswith("param 大额资金标准")
    assert _target(loc) == "大额资金标准"
    # From the `set` line.
    [loc] = await lsp.definition(LOCAL, lsp.pos(LOCAL, "set 材料提前天数", delta=5))
    assert _line(loc).startswith("param 材料提前天数")


async def test_definition_of_def_rule_kind_and_field(lsp):
    await lsp.open(LOCAL)
    [loc] = await lsp.definition(LOCAL, lsp.pos(LOCAL, "实付(d) >=", delta=1))
    assert loc.uri.endswith("common.rules") and _line(loc).startswith("def 实付(")
    [loc] = await lsp.definition(LOCAL, lsp.pos(LOCAL, '"LOCAL-001"', delta=3))
    assert loc.uri == lsp.uri(LOCAL) and rng(loc.range) == rng(lsp.span(LOCAL, "LOCAL-001"))
    [loc] = await lsp.definition(LOCAL, lsp.pos(LOCAL, "disbursement", delta=3))
    assert loc.uri.endswith("schema.rules") and _line(loc).startswith("kind disbursement")
    assert _target(loc) == "disbursement"
    [loc] = await lsp.definition(LOCAL, lsp.pos(LOCAL, "d.project", delta=4))
    assert loc.uri.endswith("schema.rules") and _line(loc).strip().startswith("project:")
    # The target file is the embedded copy, readable by the editor.
    assert _path(loc.uri).is_file()


async def test_definition_of_schema_type_in_schema(lsp):
    """From a field's type to the struct declaring it, in the (embedded)
    schema file opened from a previous go-to-definition."""
    await lsp.open(LOCAL)
    [kind] = await lsp.definition(LOCAL, lsp.pos(LOCAL, "disbursement", delta=3))
    schema_uri = kind.uri
    text = _path(schema_uri).read_text(encoding="utf-8")
    await lsp.open_uri(schema_uri, text)
    use = position(text, "leaders: [leader]", delta=len("leaders: [l"))
    [loc] = await lsp.definition(schema_uri, use)
    assert _line(loc).startswith("struct leader")


async def test_definition_on_nothing(lsp):
    await lsp.open(LOCAL)
    assert await lsp.definition(LOCAL, T.Position(line=0, character=3)) == []


# ---------------------------------------------------------------- references


async def test_references_of_a_local_parameter(lsp):
    await lsp.open(LOCAL)
    refs = await lsp.references(LOCAL, lsp.pos(LOCAL, "param 须登记项目", delta=7))
    assert sorted(rng(r.range) for r in refs) == sorted(
        [rng(lsp.span(LOCAL, "须登记项目", nth=0)), rng(lsp.span(LOCAL, "须登记项目", nth=1))]
    ) or sorted(rng(r.range) for r in refs) == sorted(
        [rng(lsp.span(LOCAL, "须登记项目", nth=1)), rng(lsp.span(LOCAL, "须登记项目", nth=2))]
    )
    assert all(r.uri == lsp.uri(LOCAL) for r in refs)
    refs = await lsp.references(LOCAL, lsp.pos(LOCAL, "param 须登记项目", delta=7), decl=False)
    assert len(refs) == 1 and _target(refs[0]) == "须登记项目" and "where" in _line(refs[0])


async def test_references_of_a_standard_parameter_across_files(lsp):
    await lsp.open(LOCAL)
    refs = await lsp.references(LOCAL, lsp.pos(LOCAL, ">= 大额资金标准", delta=4))
    files = {r.uri.rsplit("/", 1)[-1] for r in refs}
    assert {"params.rules", "zjbf.rules", "local.rules"} <= files
    local = [r for r in refs if r.uri == lsp.uri(LOCAL)]
    # `where … >= 大额资金标准` and `{大额资金标准}` in the message.
    assert len(local) == 2
    for r in refs:
        assert _target(r) == "大额资金标准", (r.uri, rng(r.range))
    decl = [r for r in refs if _line(r).startswith("param 大额资金标准")]
    assert len(decl) == 1


async def test_references_of_a_rule(lsp):
    await lsp.open(LOCAL)
    refs = await lsp.references(LOCAL, lsp.pos(LOCAL, "LOCAL-001", delta=1))
    assert all(r.uri == lsp.uri(LOCAL) for r in refs)
    got = sorted(rng(r.range) for r in refs)
    assert got[0] == rng(lsp.span(LOCAL, "LOCAL-001", nth=0))
    # The use inside `findings("LOCAL-001", d)`: the id, or the string.
    assert got[1] in (rng(lsp.span(LOCAL, "LOCAL-001", nth=1)), rng(lsp.span(LOCAL, '"LOCAL-001"')))
    assert len(got) == 2


async def test_references_of_a_def_and_a_field(lsp):
    await lsp.open(LOCAL)
    refs = await lsp.references(LOCAL, lsp.pos(LOCAL, "实付(d) >=", delta=1))
    files = {r.uri.rsplit("/", 1)[-1] for r in refs}
    assert {"common.rules", "zjbf.rules", "local.rules"} <= files
    refs = await lsp.references(LOCAL, lsp.pos(LOCAL, "d.payee", delta=3))
    assert any(r.uri.endswith("schema.rules") for r in refs)
    # `at d.payee` and `{d.payee}` in the message.
    assert sum(r.uri == lsp.uri(LOCAL) for r in refs) == 2


# ---------------------------------------------------------------- symbols


async def test_document_symbols_of_a_rule_file(lsp):
    await lsp.open(LOCAL)
    syms = await lsp.symbols(LOCAL)
    by_name = {s.name: s for s in syms}
    assert set(by_name) >= {"须登记项目", "LOCAL-001", "LOCAL-002"}
    assert by_name["须登记项目"].kind in (T.SymbolKind.Constant, T.SymbolKind.Variable, T.SymbolKind.Property)
    assert rng(by_name["LOCAL-001"].selection_range) == rng(lsp.span(LOCAL, "LOCAL-001"))
    assert "支付未登记项目" in (by_name["LOCAL-001"].detail or "")


async def test_document_symbol_range_encloses_the_whole_rule(lsp):
    """LSP: `range` encloses the symbol (the rule up to its `}`), used to
    find the symbol around the cursor; `selectionRange` is the name."""
    await lsp.open(LOCAL)
    text = lsp.read(LOCAL).split("\n")
    by_name = {s.name: s for s in await lsp.symbols(LOCAL)}
    r = by_name["LOCAL-001"].range
    start = text.index('rule LOCAL-001 "支付未登记项目" {')
    end = text.index("}", start)
    assert r.start.line <= start and r.end.line >= end, rng(r)


async def test_document_symbols_of_the_schema(lsp):
    await lsp.open(LOCAL)
    [kind] = await lsp.definition(LOCAL, lsp.pos(LOCAL, "disbursement", delta=3))
    await lsp.open_uri(kind.uri, _path(kind.uri).read_text(encoding="utf-8"))
    syms = await lsp.symbols(kind.uri)
    by_name = {s.name: s for s in syms}
    for k in ["org", "meeting", "disbursement"]:
        assert k in by_name, k
        assert by_name[k].kind in (T.SymbolKind.Struct, T.SymbolKind.Class)
    assert "leader" in by_name
    assert by_name.get("议题类别") is not None and by_name["议题类别"].kind == T.SymbolKind.Enum


# ---------------------------------------------------------------- formatting


MESSY = """\
// 城建局的本地规则（sunlight.toml 的 rules 列表载入本目录）。
/// 会议材料须提前两天送达（本地从严）。
set   材料提前天数 =   2天
/// 是否要求每笔支付登记所属项目。
param 须登记项目=true
/// 支付须登记所属项目。
rule LOCAL-001 "支付未登记项目" {
severity warning
      cite "城建局资金管理办法第五条"
  for d in disbursement
    where 须登记项目
  require d.project!=none
  at d.payee
  message "向 {d.payee} 支付 {d.amount} 元未登记项目"
  help "在 project 中填写所属项目"
}
/// 达到大额资金标准的支付未登记项目。
rule LOCAL-002 "大额支付未登记项目" {
  severity error
  cite "城建局资金管理办法第六条"
  for d in disbursement
  where 实付(d)>=大额资金标准
  require count(findings("LOCAL-001",d))==0
  at d.amount
  message "{d.id} 支付 {实付(d)} 元，达到大额资金标准 {大额资金标准} 元，未登记项目"
  help "大额支付须登记所属项目"
}
"""


async def test_formatting_equals_sunlight_fmt(lsp, tmp_path):
    scratch = tmp_path / "messy.rules"
    scratch.write_text(MESSY, encoding="utf-8")
    subprocess.run([SUNLIGHT_BIN, "fmt", str(scratch)], check=True, capture_output=True, timeout=60)
    expected = scratch.read_text(encoding="utf-8")
    assert expected != MESSY

    await lsp.open(LOCAL)
    await lsp.change(LOCAL, MESSY)
    edits = await lsp.formatting(LOCAL)
    assert edits, "a messy file gets edits"
    assert apply_edits(MESSY, edits) == expected

    # Formatted already: nothing to do.
    await lsp.change(LOCAL, expected)
    assert apply_edits(expected, await lsp.formatting(LOCAL)) == expected


async def test_formatting_with_supplementary_characters_and_no_final_newline(lsp, tmp_path):
    messy = MESSY.replace("支付须登记所属项目。", "支付须登记所属项目（王𠀀）。").rstrip("\n")
    scratch = tmp_path / "messy.rules"
    scratch.write_text(messy, encoding="utf-8")
    subprocess.run([SUNLIGHT_BIN, "fmt", str(scratch)], check=True, capture_output=True, timeout=60)
    expected = scratch.read_text(encoding="utf-8")
    await lsp.open(LOCAL, messy)
    edits = await lsp.formatting(LOCAL)
    assert apply_edits(messy, edits) == expected


async def test_formatting_a_file_that_does_not_parse_changes_nothing(lsp):
    broken = MESSY.replace("require d.project!=none", "require d.project != (")
    await lsp.open(LOCAL)
    await lsp.change(LOCAL, broken)
    assert apply_edits(broken, await lsp.formatting(LOCAL)) == broken
