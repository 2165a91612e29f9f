"""Which files make the workspace: the root a client without workspace
folders gets, files that are not records, and documents from outside."""

import pathlib
import shutil

import pytest

from conftest import RawServer, cli_check

PAYMENTS = "records/payments.yaml"
ORG = "records/org.yaml"


def _codes(diags) -> list[str]:
    return sorted(d["code"] for d in diags)


def _cli_codes(root: pathlib.Path, rel: str) -> list[str]:
    return sorted(f["rule"] for f in cli_check(root)["findings"] if f["file"] == rel)


@pytest.mark.files({"sunlight.toml": None, "config/params.yaml": None, "rules/local.rules": None})
def test_without_a_root_the_start_folder_is_the_workspace(workspace):
    """A client that names no folder (Neovim started in the records folder
    with no sunlight.toml above it): the server takes the folder it was
    started in, so references across files resolve as in `sunlight check`."""
    s = RawServer(None, cwd=workspace)
    try:
        uri = s.open(workspace / PAYMENTS)
        diags = s.wait_diagnostics(uri)
        assert diags is not None, "no diagnostics published"
        assert _codes(diags) == _cli_codes(workspace, PAYMENTS)
        assert "REF-001" not in _codes(diags)
        assert any(str(workspace) in line and "no workspace folder" in line for line in s.logs()), s.logs()
    finally:
        s.close()


def test_without_a_root_the_server_walks_up_to_sunlight_toml(workspace, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    s = RawServer(None, cwd=elsewhere)
    try:
        uri = s.open(workspace / PAYMENTS)
        diags = s.wait_diagnostics(uri)
        assert diags is not None
        # sunlight.toml's local rules and disabled SZYD-010 apply, as in CI.
        assert _codes(diags) == _cli_codes(workspace, PAYMENTS)
        assert any(f"using {workspace}" in line for line in s.logs()), s.logs()
    finally:
        s.close()


@pytest.mark.files(
    {
        ".vscode/settings.json": '{"yaml.schemas": {}}\n',
        ".github/workflows/ci.yml": "on: push\njobs: {}\n",
    }
)
def test_settings_in_hidden_folders_are_not_records(workspace):
    s = RawServer(workspace)
    try:
        settings = s.open(workspace / ".vscode/settings.json")
        workflow = s.open(workspace / ".github/workflows/ci.yml")
        org = s.open(workspace / ORG)
        assert s.wait_diagnostics(org) is not None
        for uri in (settings, workflow):
            published = s.diagnostics(uri)
            assert all(d == [] for d in published), (uri, published)
        # And they do not count as records for `sunlight check` either.
        assert cli_check(workspace)["summary"]["files"] == 3
    finally:
        s.close()


def _wait_until(s: RawServer, uri: str, pred, timeout: float = 15.0):
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        published = s.diagnostics(uri)
        if published and pred(published[-1]):
            return published[-1]
        time.sleep(0.02)
    return None


def test_a_document_from_outside_leaves_when_closed(workspace, tmp_path):
    """A copy of the workspace's org opened from elsewhere duplicates its id
    while it is open; closing it takes it out of the workspace again."""
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.copy(workspace / ORG, outside / "org.yaml")
    s = RawServer(workspace)
    try:
        org = s.open(workspace / ORG)
        assert "REF-002" not in _codes(s.wait_diagnostics(org))
        copy = s.open(outside / "org.yaml")
        # While open it is checked with the workspace: the id is duplicated.
        assert _wait_until(s, org, lambda d: "REF-002" in _codes(d)) is not None, s.diagnostics(org)
        s.notify("textDocument/didClose", {"textDocument": {"uri": copy}})
        assert _wait_until(s, org, lambda d: "REF-002" not in _codes(d)) is not None, s.diagnostics(org)
    finally:
        s.close()
