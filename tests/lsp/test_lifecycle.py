"""Initialize, capabilities, shutdown and exit."""

import json
import subprocess
import time

import pytest
from lsprotocol import types as T

from conftest import RawServer


async def test_initialize_announces_capabilities(lsp):
    caps = lsp.init.capabilities
    info = lsp.init.server_info
    assert info is not None and info.name == "sunlight"
    assert info.version

    sync = caps.text_document_sync
    kind = sync.change if isinstance(sync, T.TextDocumentSyncOptions) else sync
    assert kind in (T.TextDocumentSyncKind.Full, T.TextDocumentSyncKind.Incremental)

    assert caps.hover_provider
    assert caps.completion_provider is not None
    triggers = caps.completion_provider.trigger_characters or []
    assert "." in triggers, "fields complete after `.`"
    assert '"' in triggers, "rule ids complete inside `findings(\"`"
    assert caps.definition_provider
    assert caps.references_provider
    assert caps.document_symbol_provider
    assert caps.document_formatting_provider
    # The server counts columns in UTF-16, the protocol's default: it must
    # not announce another encoding.
    assert caps.position_encoding in (None, T.PositionEncodingKind.Utf16)


async def test_requests_on_unknown_documents_answer_empty(lsp):
    # Documents the server was never told about, and ones it does not serve.
    for rel in ["rules/nowhere.rules", "records/nowhere.yaml", "notes.txt"]:
        p = T.Position(line=0, character=0)
        assert await lsp.hover(rel, p) is None
        assert await lsp.definition(rel, p) == []
        assert await lsp.references(rel, p) == []
        assert await lsp.symbols(rel) == []
        assert await lsp.formatting(rel) == []
        await lsp.completion(rel, p)  # answers, whatever it lists


async def test_other_files_are_ignored(lsp):
    # A text file opened in the editor is neither analysed nor an error.
    await lsp.open("notes.txt", "kind: org\nthis is not yaml: [", wait=False)
    d = await lsp.open("records/org.yaml")
    assert "WBZG-001" in [x.code for x in d]
    assert lsp.uri("notes.txt") not in lsp.client.diagnostics


async def test_close_clears_diagnostics(lsp):
    d = await lsp.open("records/payments.yaml")
    assert d, "payments.yaml has findings"
    mark = len(lsp.client.publish_log)
    await lsp.close("records/payments.yaml")
    assert await lsp.diags_after(lsp.uri("records/payments.yaml"), mark) == []


def test_exit_notification_ends_the_server(workspace):
    """After `shutdown` and `exit` the server process ends by itself, with
    code 0, while its stdin is still open (LSP: "the server should exit")."""
    s = RawServer(workspace)
    try:
        r = s.request("shutdown", None)
        assert r is not None and r.get("error") is None, r
        s.notify("exit", None)
        try:
            rc = s.proc.wait(timeout=3)
        except subprocess.TimeoutExpired:
            s.proc.kill()
            raise AssertionError(
                "the server is still running 3 s after `exit` (it only ends when its stdin is closed)"
            )
        assert rc == 0
    finally:
        s.close()


def test_shutdown_with_null_params_is_answered(workspace):
    """Emacs Eglot and lsp4ij send `shutdown` with `"params": null`: it is
    answered like one without params, and `exit` then ends the server with 0."""
    s = RawServer(workspace)
    try:
        body = json.dumps({"jsonrpc": "2.0", "id": 77, "method": "shutdown", "params": None})
        s.raw(body.encode())
        r = s.response(77, 10)
        assert r is not None and "result" in r and r.get("error") is None, r
        s.notify("exit", None)
        assert s.proc.wait(timeout=10) == 0
    finally:
        s.close()


def test_server_ends_when_the_client_goes_away(workspace):
    """An editor that dies without `shutdown` closes the pipe: the server
    must not linger."""
    s = RawServer(workspace)
    s.proc.stdin.close()
    try:
        assert s.proc.wait(timeout=10) is not None
    finally:
        s.close()


def test_messages_after_exit_do_not_keep_the_server_alive(workspace):
    """An editor that stops the server (shutdown, exit) may still send a
    notification before it closes the pipe (Neovim does on `:edit`). The
    server must not hang: once its stdin closes, it is gone."""
    s = RawServer(workspace)
    uri = (workspace / "records" / "org.yaml").as_uri()
    try:
        s.request("shutdown", None)
        s.notify("exit", None)
        time.sleep(0.3)
        s.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
        time.sleep(0.3)
        try:
            s.proc.stdin.close()
        except (BrokenPipeError, OSError):
            pass  # the server has already gone, as it should
        try:
            s.proc.wait(timeout=3)
        except subprocess.TimeoutExpired:
            s.proc.kill()
            raise AssertionError("the server is still running 3 s after its stdin closed")
    finally:
        s.close()


def test_without_a_workspace_folder_open_files_are_checked(workspace):
    """A client that opens a single file (no folder): the file is checked
    with the standard rules, on its own."""
    s = RawServer(None)
    try:
        org = workspace / "records" / "org.yaml"
        uri = org.as_uri()
        s.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": org.read_text(encoding="utf-8")}},
        )
        deadline = time.monotonic() + 10
        while not s.diagnostics(uri) and time.monotonic() < deadline:
            time.sleep(0.05)
        [diags] = s.diagnostics(uri)[-1:]
        assert [d.get("code") for d in diags] == ["WBZG-001"]
        r = s.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": 5, "character": 60}})
        assert r is not None and "WBZG-001" in str(r.get("result"))
    finally:
        s.close()


def test_unreadable_workspace_files_are_logged_where_they_break(workspace):
    """A record file that is not UTF-8 cannot be opened as a document; the
    server says so in its log, with the file, line and column."""
    (workspace / "records" / "latin1.yaml").write_bytes(b"kind: org\nname: Caf\xe9\n")
    s = RawServer(workspace)
    try:
        deadline = time.monotonic() + 10
        logged: list[str] = []
        while time.monotonic() < deadline and not logged:
            with s._lock:
                logged = [
                    m["params"]["message"]
                    for m in s.messages
                    if m.get("method") == "window/logMessage" and "UTF-8" in m["params"]["message"]
                ]
            time.sleep(0.05)
        assert logged, s.messages
        expected = f"{workspace / 'records' / 'latin1.yaml'}:2:10: file is not valid UTF-8"
        assert logged[0].startswith(expected), logged
    finally:
        s.close()
