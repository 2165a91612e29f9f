"""Fixtures of the browser tests: the report of examples/longtan-2014 in
JSON and in HTML (full and --public), and a headless Chromium page that
records console messages and requests."""

import json
import os
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = "examples/longtan-2014"
# The run date examples/longtan-2014/sunlight.toml fixes.
TODAY = "2014-12-19"
CHROMIUM = os.environ.get("SUNLIGHT_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


# The approvals acceptance case, as of the day its expected findings are
# judged: red and yellow cards, errors and warnings.
APPROVALS = "tests/fixtures/acceptance/08-approvals/records"
APPROVALS_TODAY = "2014-09-30"


def sunlight(*args, today=TODAY):
    binary = os.environ.get("SUNLIGHT_BIN", str(ROOT / "target/debug/sunlight"))
    return subprocess.run(
        [binary, "check", *args, "--today", today, "--no-config"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="session")
def outputs(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    html, public, js = out / "report.html", out / "public.html", out / "report.json"
    run = sunlight(EXAMPLE, "--output", str(html), "--output", str(js), "--format", "json")
    assert run.returncode in (0, 1), run.stderr
    run = sunlight(EXAMPLE, "--public", "--output", str(public))
    assert run.returncode in (0, 1), run.stderr
    approvals, approvals_js = out / "approvals.html", out / "approvals.json"
    run = sunlight(APPROVALS, "--output", str(approvals), "--output", str(approvals_js),
                   "--format", "json", today=APPROVALS_TODAY)
    assert run.returncode in (0, 1), run.stderr
    return {"html": html, "public": public, "json": json.loads(js.read_text("utf-8")),
            "approvals": approvals, "approvals_json": json.loads(approvals_js.read_text("utf-8"))}


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


class Page:
    """A page of the report with what it logged and asked for."""

    def __init__(self, browser, path):
        self.url = path.as_uri()
        self.console = []
        self.requests = []
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.page.on("console", lambda m: self.console.append((m.type, m.text)))
        self.page.on("pageerror", lambda e: self.console.append(("pageerror", str(e))))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.goto(self.url)
        self.page.wait_for_selector("#finding-list")


@pytest.fixture
def page(browser, outputs):
    p = Page(browser, outputs["html"])
    yield p
    p.page.close()


@pytest.fixture
def approvals_page(browser, outputs):
    p = Page(browser, outputs["approvals"])
    yield p
    p.page.close()


@pytest.fixture
def public_page(browser, outputs):
    p = Page(browser, outputs["public"])
    yield p
    p.page.close()
