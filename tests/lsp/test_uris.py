"""File URIs as editors spell them. A workspace folder named in Chinese
with a space is written with percent escapes, and clients differ in how:
Neovim writes lowercase hex (`%e9%be%99`), VS Code and Python uppercase
(`%E9%BE%99`); Python also escapes `(` and `)`. They name the same file: an
open document must replace the file on disk, not be read beside it."""

import pathlib
import re
from urllib.parse import quote, unquote, urlparse

import pytest

from conftest import codes, describe

MEETINGS = "records/meetings.yaml"
PAYMENTS = "records/payments.yaml"


def neovim_uri(path: pathlib.Path) -> str:
    # vim.uri_from_fname: escapes outside [A-Za-z0-9-._~/:()…] in lowercase.
    return "file://" + re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), quote(str(path), safe="/()"))


def python_uri(path: pathlib.Path) -> str:
    return path.as_uri()  # uppercase, `(` → %28


def vscode_uri(path: pathlib.Path) -> str:
    return "file://" + quote(str(path), safe="/()")  # uppercase, keeps ( )


SPELLINGS = {"neovim": neovim_uri, "python": python_uri, "vscode": vscode_uri}


@pytest.mark.root("龙潭 工作区(2014)")
@pytest.mark.parametrize(
    "spelling", list(SPELLINGS)
)
async def test_unsaved_edit_replaces_the_file_on_disk(lsp, spelling):
    lsp.uri_of = SPELLINGS[spelling]
    await lsp.open(PAYMENTS)
    meetings = await lsp.open(MEETINGS)
    # The document is the file: no second copy of its records (REF-002).
    assert "REF-002" not in codes(meetings), describe(meetings)
    # Delete (unsaved) the meeting that ratifies the emergency payment: the
    # payment is no longer ratified (ZJBF-009). A stale copy of the file on
    # disk would still ratify it.
    text = lsp.read(MEETINGS)
    await lsp.change(MEETINGS, text[: text.index("---\n")])
    diags = await lsp.diags_until(PAYMENTS, lambda d: "ZJBF-009" in codes(d), "with ZJBF-009", timeout=5)
    assert "REF-002" not in codes(diags)


@pytest.mark.root("龙潭 工作区(2014)")
@pytest.mark.parametrize("spelling", list(SPELLINGS))
async def test_definition_into_a_document_spelled_by_the_client(lsp, spelling):
    lsp.uri_of = SPELLINGS[spelling]
    await lsp.open(PAYMENTS)
    await lsp.open(MEETINGS)
    [loc] = await lsp.definition(PAYMENTS, lsp.pos(PAYMENTS, "meeting: CJ-DZ-2014-05", delta=12))
    # The target is the meeting file (in whatever spelling), at its id line.
    assert pathlib.Path(unquote(urlparse(loc.uri).path)) == lsp.path(MEETINGS)
    assert loc.range.start.line == 2
