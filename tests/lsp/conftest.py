"""End-to-end tests of `sunlight lsp`: the real binary, driven through the
protocol over stdio with pytest-lsp.

Each test gets a fresh copy of `workspace/` in a temporary folder and a
fresh server whose workspace folder is that copy. The `lsp` fixture wraps
the pytest-lsp client with the few helpers the tests need: open and change
documents, wait for the diagnostics of one document, find UTF-16 positions
of text, and the requests with short names.

Run from the repository root (`cargo test --test lsp_e2e` does this):

    pip install -r tests/lsp/requirements.txt
    cargo build && python3 -m pytest tests/lsp -q

Environment:

- `SUNLIGHT_BIN`: the binary (set by `tests/lsp_e2e.rs` to the one cargo
  just built); default `target/debug/sunlight` at the repository root.
- `SUNLIGHT_LSP_WAIT`: seconds to wait for an answer (default 15).
- `SUNLIGHT_LSP_ABUSE_EDITS`, `…_RULE_EDITS`, `…_SEED`: size and seed of
  the random edit storm in test_abuse.py.
"""

from __future__ import annotations

import asyncio
import json
import os
import pathlib
import shutil
import subprocess
import threading
import time
from typing import Callable, Sequence

import pytest
import pytest_lsp
from lsprotocol import types as T
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parent.parent
FIXTURE = HERE / "workspace"
SUNLIGHT_BIN = os.environ.get("SUNLIGHT_BIN") or str(REPO / "target" / "debug" / "sunlight")

# How long to wait for the server before a test fails (seconds).
WAIT = float(os.environ.get("SUNLIGHT_LSP_WAIT", "15"))


def pytest_report_header(config):
    return f"sunlight binary: {SUNLIGHT_BIN}"


def pytest_sessionstart(session):
    if not os.path.isfile(SUNLIGHT_BIN):
        raise pytest.UsageError(
            f"no sunlight binary at {SUNLIGHT_BIN}: run `cargo build` or set SUNLIGHT_BIN"
        )


# ---------------------------------------------------------------- client


def _on_publish(client: LanguageClient, params: T.PublishDiagnosticsParams):
    client.diagnostics[params.uri] = params.diagnostics
    client.publish_log.append((time.perf_counter(), params.uri, params.diagnostics, params.version))


def _on_register(client: LanguageClient, params: T.RegistrationParams):
    client.registrations.extend(params.registrations)


def make_client() -> LanguageClient:
    """The pytest-lsp client, recording every publishDiagnostics in order so
    that a test can wait for the first one after an edit, and every
    capability the server registers."""
    client = LanguageClient(converter_factory=default_converter)
    features = dict(DEFAULT_CLIENT_FEATURES)
    features[T.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = _on_publish
    features[T.CLIENT_REGISTER_CAPABILITY] = _on_register
    register_lsp_features(client, features)
    client.publish_log = []
    client.registrations = []
    return client


def utf16_len(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


def position(text: str, needle: str, nth: int = 0, delta: int = 0) -> T.Position:
    """The LSP position (UTF-16 column) of the `nth` occurrence of `needle`
    in `text`, moved `delta` characters (code points) to the right."""
    at = -1
    for _ in range(nth + 1):
        at = text.find(needle, at + 1)
        if at < 0:
            raise AssertionError(f"{needle!r} (#{nth}) not in the document")
    at += delta
    line = text.count("\n", 0, at)
    line_start = text.rfind("\n", 0, at) + 1
    return T.Position(line=line, character=utf16_len(text[line_start:at]))


def span(text: str, needle: str, nth: int = 0) -> T.Range:
    """The LSP range of the `nth` occurrence of `needle` (on one line)."""
    start = position(text, needle, nth)
    end = position(text, needle, nth, delta=len(needle))
    return T.Range(start=start, end=end)


def rng(r: T.Range) -> tuple[int, int, int, int]:
    return (r.start.line, r.start.character, r.end.line, r.end.character)


def codes(diags: Sequence[T.Diagnostic]) -> list[str]:
    return sorted(str(d.code) for d in diags if d.code is not None)


def describe(diags: Sequence[T.Diagnostic]) -> str:
    return "\n".join(
        f"  {d.code} {rng(d.range)} {d.message.splitlines()[0] if d.message else ''}"
        for d in diags
    ) or "  (none)"


class Lsp:
    """A client connected to a server for one workspace, with helpers."""

    def __init__(self, client: LanguageClient, root: pathlib.Path, init: T.InitializeResult):
        self.client = client
        self.root = root
        self.init = init
        self.texts: dict[str, str] = {}
        self.versions: dict[str, int] = {}

    # -- documents

    def path(self, rel: str) -> pathlib.Path:
        return self.root / rel

    def uri(self, rel: str) -> str:
        return self.uri_of(self.path(rel))

    # How this client spells file URIs (editors differ: Neovim writes
    # lowercase escapes, VS Code and Python uppercase).
    uri_of = staticmethod(lambda path: path.as_uri())

    def read(self, rel: str) -> str:
        return self.path(rel).read_text(encoding="utf-8")

    def _mark(self) -> int:
        return len(self.client.publish_log)

    def check_alive(self):
        proc = self.client._server
        if proc is not None and proc.returncode is not None:
            raise AssertionError(f"the server died (exit code {proc.returncode}); see its stderr above")

    async def open(self, rel: str, text: str | None = None, wait: bool = True):
        """Open a document (its text on disk unless given); return its
        diagnostics once published."""
        uri = self.uri(rel)
        if text is None:
            text = self.read(rel)
        lang = "sunlight" if rel.endswith(".rules") else ("json" if rel.endswith(".json") else "yaml")
        mark = self._mark()
        self.texts[uri] = text
        self.versions[uri] = 1
        self.client.text_document_did_open(
            T.DidOpenTextDocumentParams(
                text_document=T.TextDocumentItem(uri=uri, language_id=lang, version=1, text=text)
            )
        )
        if wait:
            return await self.diags_after(uri, mark)
        return None

    async def open_uri(self, uri: str, text: str):
        """Open a document given by URI (e.g. an embedded rule file a
        go-to-definition led to); return its diagnostics."""
        mark = self._mark()
        self.texts[uri] = text
        self.versions[uri] = 1
        self.client.text_document_did_open(
            T.DidOpenTextDocumentParams(
                text_document=T.TextDocumentItem(uri=uri, language_id="sunlight", version=1, text=text)
            )
        )
        return await self.diags_after(uri, mark)

    async def change(self, rel: str, text: str, wait: bool = True):
        """Replace the whole text of an open document (full sync); return its
        diagnostics once published."""
        uri = self.uri(rel)
        mark = self._mark()
        self.send_change(uri, text)
        if wait:
            return await self.diags_after(uri, mark, version=self.versions[uri])
        return None

    def send_change(self, uri: str, text: str):
        self.texts[uri] = text
        self.versions[uri] = self.versions.get(uri, 1) + 1
        self.client.text_document_did_change(
            T.DidChangeTextDocumentParams(
                text_document=T.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[uri]),
                content_changes=[T.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )

    async def close(self, rel: str):
        uri = self.uri(rel)
        self.client.text_document_did_close(
            T.DidCloseTextDocumentParams(text_document=T.TextDocumentIdentifier(uri=uri))
        )

    # -- diagnostics

    async def diags_after(self, uri: str, mark: int, timeout: float = WAIT, version: int | None = None):
        """The diagnostics of `uri` in the first publication after `mark`;
        with `version`, the first of that text or a newer one (diagnostics of
        an older text may still be on their way when an edit is sent)."""
        deadline = time.monotonic() + timeout
        while True:
            for _, u, d, v in self.client.publish_log[mark:]:
                if u == uri and (version is None or v is None or v >= version):
                    return list(d)
            self.check_alive()
            if time.monotonic() > deadline:
                raise AssertionError(f"no diagnostics published for {uri} within {timeout}s")
            await asyncio.sleep(0.01)

    async def diags_until(
        self,
        rel: str,
        pred: Callable[[list[T.Diagnostic]], bool],
        what: str = "",
        timeout: float = WAIT,
    ) -> list[T.Diagnostic]:
        """Wait until the latest diagnostics published for `rel` satisfy
        `pred` (the server publishes after every change, so the latest
        publication reflects the latest edit)."""
        uri = self.uri(rel)
        deadline = time.monotonic() + timeout
        while True:
            latest = self.client.diagnostics.get(uri)
            if latest is not None and pred(list(latest)):
                return list(latest)
            self.check_alive()
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"diagnostics of {rel} never became {what or 'as expected'}; last published:\n"
                    + describe(latest or [])
                )
            await asyncio.sleep(0.02)

    def text(self, rel: str) -> str:
        return self.texts.get(self.uri(rel)) or self.read(rel)

    def pos(self, rel: str, needle: str, nth: int = 0, delta: int = 0) -> T.Position:
        return position(self.text(rel), needle, nth, delta)

    def span(self, rel: str, needle: str, nth: int = 0) -> T.Range:
        return span(self.text(rel), needle, nth)

    # -- requests

    def _doc(self, rel_or_uri: str) -> T.TextDocumentIdentifier:
        uri = rel_or_uri if "://" in rel_or_uri else self.uri(rel_or_uri)
        return T.TextDocumentIdentifier(uri=uri)

    async def _req(self, coro):
        self.check_alive()
        return await asyncio.wait_for(coro, WAIT)

    async def hover(self, rel: str, p: T.Position) -> str | None:
        h = await self._req(
            self.client.text_document_hover_async(T.HoverParams(text_document=self._doc(rel), position=p))
        )
        if h is None:
            return None
        c = h.contents
        if isinstance(c, T.MarkupContent):
            return c.value
        if isinstance(c, str):
            return c
        if isinstance(c, list):
            return "\n".join(x if isinstance(x, str) else x.value for x in c)
        return c.value

    async def completion(self, rel: str, p: T.Position) -> list[T.CompletionItem]:
        r = await self._req(
            self.client.text_document_completion_async(
                T.CompletionParams(text_document=self._doc(rel), position=p)
            )
        )
        if r is None:
            return []
        return list(r.items if isinstance(r, T.CompletionList) else r)

    async def definition(self, rel: str, p: T.Position) -> list[T.Location]:
        r = await self._req(
            self.client.text_document_definition_async(
                T.DefinitionParams(text_document=self._doc(rel), position=p)
            )
        )
        if r is None:
            return []
        if isinstance(r, T.Location):
            return [r]
        out = []
        for x in r:
            if isinstance(x, T.LocationLink):
                out.append(T.Location(uri=x.target_uri, range=x.target_selection_range))
            else:
                out.append(x)
        return out

    async def references(self, rel: str, p: T.Position, decl: bool = True) -> list[T.Location]:
        r = await self._req(
            self.client.text_document_references_async(
                T.ReferenceParams(
                    text_document=self._doc(rel),
                    position=p,
                    context=T.ReferenceContext(include_declaration=decl),
                )
            )
        )
        return list(r or [])

    async def symbols(self, rel: str):
        r = await self._req(
            self.client.text_document_document_symbol_async(
                T.DocumentSymbolParams(text_document=self._doc(rel))
            )
        )
        return list(r or [])

    async def formatting(self, rel: str) -> list[T.TextEdit]:
        r = await self._req(
            self.client.text_document_formatting_async(
                T.DocumentFormattingParams(
                    text_document=self._doc(rel),
                    options=T.FormattingOptions(tab_size=2, insert_spaces=True),
                )
            )
        )
        return list(r or [])


def apply_edits(text: str, edits: Sequence[T.TextEdit]) -> str:
    """Apply LSP text edits (UTF-16 positions) to a text."""
    lines = text.split("\n")

    def offset(p: T.Position) -> int:
        before = sum(len(l) + 1 for l in lines[: p.line])
        line = lines[p.line] if p.line < len(lines) else ""
        units = 0
        for i, ch in enumerate(line):
            if units >= p.character:
                return before + i
            units += utf16_len(ch)
        return before + len(line)

    for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        a, b = offset(e.range.start), offset(e.range.end)
        text = text[:a] + e.new_text + text[b:]
    return text


# ---------------------------------------------------------------- raw protocol


class RawServer:
    """`sunlight lsp` driven with hand-made bytes, for what a well-behaved
    client library refuses to send (malformed messages, out-of-range
    numbers) and for the exit behaviour."""

    def __init__(self, root: pathlib.Path | None, cwd: pathlib.Path | None = None):
        self.proc = subprocess.Popen(
            [SUNLIGHT_BIN, "lsp"],
            cwd=cwd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.messages: list[dict] = []
        self.stderr = b""
        self._lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._read_err, daemon=True).start()
        self.next_id = 1
        r = self.request(
            "initialize",
            {"processId": os.getpid(), "rootUri": root.as_uri() if root else None, "capabilities": {}},
        )
        assert r is not None and "result" in r, r
        self.notify("initialized", {})

    def _read(self):
        out = self.proc.stdout
        while True:
            length = 0
            while True:
                line = out.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            body = out.read(length)
            with self._lock:
                self.messages.append(json.loads(body))

    def _read_err(self):
        self.stderr = self.proc.stderr.read()

    def raw(self, body: bytes):
        try:
            self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            pass

    @staticmethod
    def _message(method: str, params, **extra) -> bytes:
        # `params: void` (shutdown, exit) is left out, as editors do.
        msg = {"jsonrpc": "2.0", **extra, "method": method}
        if params is not None:
            msg["params"] = params
        return json.dumps(msg).encode()

    def notify(self, method: str, params):
        self.raw(self._message(method, params))

    def send_request(self, method: str, params) -> int:
        i = self.next_id
        self.next_id += 1
        self.raw(self._message(method, params, id=i))
        return i

    def response(self, i: int, timeout: float = WAIT) -> dict | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                for m in self.messages:
                    if m.get("id") == i and "method" not in m:
                        return m
            if self.proc.poll() is not None:
                time.sleep(0.05)
                with self._lock:
                    return next((m for m in self.messages if m.get("id") == i and "method" not in m), None)
            time.sleep(0.01)
        return None

    def request(self, method: str, params, timeout: float = WAIT) -> dict | None:
        return self.response(self.send_request(method, params), timeout)

    def logs(self) -> list[str]:
        with self._lock:
            return [m["params"]["message"] for m in self.messages if m.get("method") == "window/logMessage"]

    def wait_diagnostics(self, uri: str, timeout: float = WAIT) -> list[dict] | None:
        """The newest diagnostics published for `uri`, waiting for the first."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            published = self.diagnostics(uri)
            if published:
                return published[-1]
            time.sleep(0.02)
        return None

    def open(self, path: pathlib.Path) -> str:
        uri = path.as_uri()
        language = "sunlight" if path.suffix == ".rules" else path.suffix.lstrip(".")
        self.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": language, "version": 1, "text": path.read_text(encoding="utf-8")}},
        )
        return uri

    def diagnostics(self, uri: str) -> list[list[dict]]:
        with self._lock:
            return [
                m["params"]["diagnostics"]
                for m in self.messages
                if m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri
            ]

    def close(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
            try:
                self.proc.wait(timeout=3)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# ---------------------------------------------------------------- fixtures


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "files(mapping): files of the workspace copy to write (text) or delete (None) "
        "before the server starts",
    )
    config.addinivalue_line("markers", "root(name): the name of the workspace folder")


@pytest.fixture
def workspace(tmp_path, request) -> pathlib.Path:
    """A fresh copy of the fixture workspace, changed by the test's
    `@pytest.mark.files({...})`."""
    name = request.node.get_closest_marker("root")
    root = (tmp_path / (name.args[0] if name else "ws")).resolve()
    shutil.copytree(FIXTURE, root)
    marker = request.node.get_closest_marker("files")
    for rel, text in (marker.args[0] if marker else {}).items():
        path = root / rel
        if text is None:
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    return root


def cli_check(root: pathlib.Path) -> dict:
    """`sunlight check . --format json` run in the workspace, as CI would
    (it reads the same sunlight.toml): the oracle for the editor's findings."""
    out = subprocess.run(
        [SUNLIGHT_BIN, "check", ".", "--format", "json", "--fail-on", "never"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
    )
    try:
        return json.loads(out.stdout)
    except json.JSONDecodeError:
        raise AssertionError(f"sunlight check gave no JSON:\n{out.stdout}\n{out.stderr}")


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=[SUNLIGHT_BIN, "lsp"], client_factory=make_client),
)
async def client(lsp_client: LanguageClient, workspace: pathlib.Path):
    """The pytest-lsp client, with an initialized session on the workspace."""
    lsp_client.init_result = await asyncio.wait_for(
        lsp_client.initialize_session(
            T.InitializeParams(
                capabilities=client_capabilities("visual-studio-code"),
                root_uri=workspace.as_uri(),
                workspace_folders=[T.WorkspaceFolder(uri=workspace.as_uri(), name="ws")],
            )
        ),
        WAIT,
    )
    yield
    await end_session(lsp_client)


async def end_session(client: LanguageClient):
    """shutdown, exit, then close the server's stdin as an editor does when
    it quits, and make sure the process is gone. (That the server exits on
    `exit` alone is tested in test_lifecycle.py; here a server that does not
    must not hang every other test.)"""
    server = client._server
    if server is None or server.returncode is not None:
        return
    try:
        await asyncio.wait_for(client.shutdown_async(None), WAIT)
        client.exit(None)
        await asyncio.sleep(0)
    finally:
        if server.stdin is not None:
            server.stdin.close()
        try:
            await asyncio.wait_for(server.wait(), WAIT)
        except (TimeoutError, asyncio.TimeoutError):
            server.kill()
            await server.wait()


@pytest.fixture
def lsp(client: LanguageClient, workspace: pathlib.Path) -> Lsp:
    """The helper around the initialized client."""
    return Lsp(client, workspace, client.init_result)
