"""Changes on disk reach the server: it asks the client to watch the
project's files, and a changed sunlight.toml (saved in the editor or
changed outside it), rule file or baseline reloads the project while the
open documents keep their edits."""

import asyncio
import json
import time

import pytest
from lsprotocol import types as T

from conftest import WAIT, cli_check, codes, describe

MEETINGS = "records/meetings.yaml"
PAYMENTS = "records/payments.yaml"
PROJECT = 'rules = ["rules"]\nparams = "config/params.yaml"\ndisable = ["SZYD-010"]\n'


def _changed(lsp, rel: str, typ=T.FileChangeType.Changed):
    lsp.client.workspace_did_change_watched_files(
        T.DidChangeWatchedFilesParams(changes=[T.FileEvent(uri=lsp.uri(rel), type=typ)])
    )


async def test_the_server_asks_to_watch_the_project_files(lsp):
    deadline = time.monotonic() + WAIT
    while not lsp.client.registrations and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    regs = [r for r in lsp.client.registrations if r.method == T.WORKSPACE_DID_CHANGE_WATCHED_FILES]
    assert len(regs) == 1, lsp.client.registrations
    globs = sorted(w["globPattern"] for w in regs[0].register_options["watchers"])
    assert globs == ["**/*.rules", "**/*.{yaml,yml,json}", "**/sunlight.toml"]


async def test_a_changed_sunlight_toml_reloads_the_project(lsp):
    diags = await lsp.open(MEETINGS)
    assert "SZYD-010" not in codes(diags), describe(diags)
    # SZYD-010 is switched on again outside the editor.
    lsp.path("sunlight.toml").write_text(PROJECT.replace('disable = ["SZYD-010"]\n', ""), encoding="utf-8")
    _changed(lsp, "sunlight.toml")
    diags = await lsp.diags_until(MEETINGS, lambda d: "SZYD-010" in codes(d), "with SZYD-010")
    assert codes(diags) == sorted(["SZYD-009", "SZYD-010", "SZYD-010"]), describe(diags)


async def test_saving_sunlight_toml_in_the_editor_reloads_the_project(lsp):
    await lsp.open(MEETINGS)
    # An unsaved edit of an open record survives the reload.
    edited = lsp.read(MEETINGS).replace("2014-05-19", "2014-05-10", 1)
    diags = await lsp.change(MEETINGS, edited)
    assert "SZYD-009" not in codes(diags), describe(diags)
    lsp.path("sunlight.toml").write_text(PROJECT.replace('"SZYD-010"', '"SZYD-010", "SZYD-001"'), encoding="utf-8")
    mark = len(lsp.client.publish_log)
    lsp.client.text_document_did_save(
        T.DidSaveTextDocumentParams(text_document=T.TextDocumentIdentifier(uri=lsp.uri("sunlight.toml")))
    )
    diags = await lsp.diags_after(lsp.uri(MEETINGS), mark)
    assert "SZYD-009" not in codes(diags), describe(diags)
    assert any("project reloaded" in m.message for m in lsp.client.log_messages), lsp.client.log_messages


async def test_a_rule_file_changed_on_disk_reloads_the_rules(lsp):
    diags = await lsp.open(MEETINGS)
    assert codes(diags) == ["SZYD-009"], describe(diags)
    # Without the local `set 材料提前天数 = 2天`, materials one day ahead are
    # in time again.
    rules = lsp.read("rules/local.rules")
    assert "set 材料提前天数" in rules
    lsp.path("rules/local.rules").write_text(
        "\n".join(l for l in rules.split("\n") if "set 材料提前天数" not in l), encoding="utf-8"
    )
    _changed(lsp, "rules/local.rules")
    diags = await lsp.diags_until(MEETINGS, lambda d: "SZYD-009" not in codes(d), "without SZYD-009")
    assert codes(diags) == [], describe(diags)


@pytest.mark.files(
    {"sunlight.toml": PROJECT + 'baseline = "old.json"\n', "old.json": '{"version": 1, "findings": []}\n'}
)
async def test_a_new_baseline_shows_its_findings_as_known(lsp):
    diags = await lsp.open(PAYMENTS)
    assert codes(diags) == ["LOCAL-001", "LOCAL-002", "ZJBF-001"], describe(diags)
    assert all(d.severity != T.DiagnosticSeverity.Hint for d in diags), describe(diags)
    report = cli_check(lsp.root)
    assert [f["rule"] for f in report["findings"] if f["file"] == PAYMENTS] != []
    lsp.path("old.json").write_text(json.dumps(report), encoding="utf-8")
    _changed(lsp, "old.json")
    diags = await lsp.diags_until(
        PAYMENTS, lambda d: d and all(x.severity == T.DiagnosticSeverity.Hint for x in d), "all hints"
    )
    assert codes(diags) == ["LOCAL-001", "LOCAL-002", "ZJBF-001"], describe(diags)
    assert all("in the baseline" in d.message for d in diags), describe(diags)


async def test_an_unsaved_edit_of_sunlight_toml_counts_until_it_is_closed(lsp):
    diags = await lsp.open(MEETINGS)
    assert codes(diags) == ["SZYD-009"], describe(diags)
    on_disk = lsp.read("sunlight.toml")
    assert await lsp.open("sunlight.toml") == []
    # SZYD-010 switched on again in the editor, not saved.
    lsp.send_change(lsp.uri("sunlight.toml"), on_disk.replace('disable = ["SZYD-010"]\n', ""))
    diags = await lsp.diags_until(MEETINGS, lambda d: "SZYD-010" in codes(d), "with SZYD-010")
    assert codes(diags) == sorted(["SZYD-009", "SZYD-010", "SZYD-010"]), describe(diags)
    assert lsp.read("sunlight.toml") == on_disk

    # A half-typed line: an error on sunlight.toml at that line, and the
    # findings of the last good text stay.
    broken = on_disk.replace('disable = ["SZYD-010"]\n', 'disable = ["SZYD-010"\n')
    line = broken.split("\n").index('disable = ["SZYD-010"')
    toml = await lsp.change("sunlight.toml", broken)
    assert len(toml) == 1, describe(toml)
    assert toml[0].severity == T.DiagnosticSeverity.Error
    assert toml[0].message.startswith("invalid project file:"), toml[0].message
    # The parser finds the missing `]` where the next line starts.
    assert (toml[0].range.start.line, toml[0].range.start.character) == (line + 1, 0), describe(toml)
    assert "the editor keeps the project as it was" in toml[0].message, toml[0].message
    assert codes(lsp.client.diagnostics[lsp.uri(MEETINGS)]) == sorted(["SZYD-009", "SZYD-010", "SZYD-010"])

    # Closed unsaved: the file on disk counts again.
    await lsp.close("sunlight.toml")
    diags = await lsp.diags_until(MEETINGS, lambda d: "SZYD-010" not in codes(d), "without SZYD-010")
    assert codes(diags) == ["SZYD-009"], describe(diags)
