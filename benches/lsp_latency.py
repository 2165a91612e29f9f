#!/usr/bin/env python3
"""Diagnostics latency of `sunlight lsp`, against the goals of issue 11.

Generates a workspace (by default 81,000 records in 1,500 files: 500
units, each with an org file, a meetings file and a payments file, the
first unit's payments file 2,000 lines long, and a rule file of its own
named by `sunlight.toml`), starts the language server on it and prints,
each against its goal:

- first diagnostics: from `initialize` to the diagnostics of the first
  opened document;
- an edit to the large payments file → its diagnostics;
- an edit to a meetings file (an item's outcome flips) → its diagnostics
  and those of the open payments citing it;
- a keystroke in the rule file → its diagnostics, and the open record
  files' diagnostics;
- a keystroke in the rule file while the records of an earlier edit (to
  the large payments file, or another keystroke) are being evaluated →
  the rule file's diagnostics (the evaluation, of a text already stale,
  is not waited for), then the payments file's;
- unsaved edits of the open `sunlight.toml` → the open record files'
  diagnostics: a rule switched off or on, and one more rule file named.

Times run from sending `textDocument/didChange` to receiving the
`textDocument/publishDiagnostics`. Exits 1 when a goal is missed.

    cargo build --release
    python3 benches/lsp_latency.py                  # target/release/sunlight
    python3 benches/lsp_latency.py --records 8100 --units 100 --edits 10

Needs nothing but Python 3: it speaks the protocol itself.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

REPO = pathlib.Path(__file__).resolve().parent.parent


SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "建国明华强芳伟敏静丽军杰涛超勇艳娟磊洋勇霞平刚桂英文斌志红"
PAYEES = ["路桥建设有限公司", "市政工程有限公司", "建材有限公司", "印刷厂", "设备工程有限公司", "园林绿化有限公司", "信息技术有限公司", "物业服务有限公司"]


LOCAL_RULES = """// 本单位的规则（sunlight.toml 的 rules 载入）。

/// 支付须写明金额。
rule LOCAL-001 "支付未写明金额" {
  severity warning
  cite "本单位财务制度"
  for d in disbursement
  require d.amount != none
  at d.payee
  message "向 {d.payee} 的支付未写明金额"
}
"""


def person(r: random.Random) -> str:
    return r.choice(SURNAMES) + r.choice(GIVEN) + r.choice(GIVEN)


def date(day_of_year: int) -> str:
    """A date of 2014 from a day number (1 … 365)."""
    months = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    d = max(1, min(365, day_of_year))
    m = 0
    while d > months[m]:
        d -= months[m]
        m += 1
    return f"2014-{m + 1:02d}-{d:02d}"


def org_yaml(unit: str, leaders: list[str], r: random.Random) -> str:
    areas = [["全面工作"], ["财务", "工程招投标"], ["人事", "行政审批", "物资采购"], ["纪检监察"], ["质量安全"]]
    lines = [f"# 单位 {unit} 领导班子", "kind: org", f"id: {unit}", f"name: 龙潭区{unit}局", "leaders:"]
    for i, name in enumerate(leaders):
        principal = ", principal: true" if i == 0 else ""
        lines.append(f"  - {{name: {name}, post: 局领导{principal}, manages: [{', '.join(areas[i])}]}}")
    return "\n".join(lines) + "\n"


def meeting_yaml(unit: str, no: int, leaders: list[str], day: int, r: random.Random) -> tuple[str, list[tuple[int, int]]]:
    """One meeting; returns the YAML and its payable items (no, amount)."""
    items = []
    lines = [
        "kind: meeting",
        f"id: {unit}-DZ-{no:03d}",
        f"org: {unit}",
        "body: 党组会",
        f"date: {date(day)}",
        f"chair: {leaders[0]}",
        f"members: [{', '.join(leaders)}]",
        f"attendees: [{', '.join(leaders)}]",
        "observers:",
        "  - {name: 纪检员, unit: 区纪委派驻纪检组}",
        "items:",
    ]
    for k in (1, 2):
        amount = r.choice([300000, 500000, 800000, 1200000])
        items.append((k, amount))
        lines += [
            f"  - no: {k}",
            f"    title: 关于拨付第 {no} 批第 {k} 项工程款的议题",
            "    category: 大额资金使用",
            f"    amount: {amount}",
            f"    materials_sent: {date(day - 3)}",
            "    opinions:",
        ]
        # One meeting in forty has the chair speak first (SZYD-004, and
        # ZJBF-006 on the payments citing it).
        order = leaders if no % 40 == 3 else leaders[1:] + leaders[:1]
        for name in order:
            lines.append(f"      - {{name: {name}, stance: 同意}}")
        lines.append("    outcome: 通过")
    return "\n".join(lines) + "\n", items


def disbursement_yaml(unit: str, no: int, leaders: list[str], meeting: tuple[str, int, int, int] | None, r: random.Random) -> str:
    """One payment: a large one through the whole chain against a meeting
    item (meeting id, item no, item amount, meeting day), or a small one."""
    payee = f"龙潭{unit}{r.choice(PAYEES)}"
    if meeting is None:
        day = r.randint(10, 350)
        amount = r.randint(5, 150) * 100
        return "\n".join(
            [
                "kind: disbursement",
                f"id: {unit}-ZF-{no:04d}",
                f"org: {unit}",
                f"payee: {payee}",
                f"project: 日常支出 {no}",
                f"amount: {amount}",
                "steps:",
                f"  - {{step: 用款申请, by: {person(r)}, date: {date(day - 5)}}}",
                f"  - {{step: 财政审核, by: 财政审核员, date: {date(day - 3)}, result: 符合}}",
                f"  - {{step: 签字, by: {leaders[1]}, date: {date(day - 1)}}}",
                f"  - {{step: 划拨, by: 出纳, date: {date(day)}}}",
            ]
        ) + "\n"
    mid, item, item_amount, mday = meeting
    amount = item_amount // 2
    signers = leaders[0] if no % 50 == 7 else f"[{leaders[1]}, {leaders[0]}]"
    return "\n".join(
        [
            "kind: disbursement",
            f"id: {unit}-ZF-{no:04d}",
            f"org: {unit}",
            f"payee: {payee}",
            f"project: 工程 {no}",
            f"amount: {amount}",
            "steps:",
            f"  - {{step: 用款申请, by: {person(r)}, date: {date(mday - 8)}}}",
            f"  - {{step: 财政审核, by: 财政审核员, date: {date(mday - 6)}, result: 符合}}",
            f"  - {{step: 提单, by: 财政审核员, date: {date(mday - 5)}}}",
            f"  - {{step: 集体审核, meeting: {mid}, item: {item}, date: {date(mday)}}}",
            # One payment in fifty signed by the principal alone (WBZG-003).
            f"  - {{step: 签字, by: {signers}, date: {date(mday + 1)}}}",
            f"  - {{step: 划拨, by: 出纳, date: {date(mday + 3)}}}",
        ]
    ) + "\n"


def generate(root: pathlib.Path, units: int, records: int, big_lines: int, seed: int) -> tuple[pathlib.Path, int]:
    """Write the workspace; return the 2,000-line file and the record count."""
    r = random.Random(seed)
    per_unit = (records - units) // units  # meetings + disbursements per unit
    total = 0
    big_file = None
    for u in range(units):
        unit = f"U{u:02d}"
        leaders = [person(r) for _ in range(5)]
        folder = root / unit
        folder.mkdir(parents=True)
        (folder / "org.yaml").write_text(org_yaml(unit, leaders, r), encoding="utf-8")
        total += 1
        n_meetings = per_unit * 3 // 10
        meetings, payable = [], []
        for m in range(n_meetings):
            day = 20 + m * 300 // max(1, n_meetings)
            text, items = meeting_yaml(unit, m, leaders, day, r)
            meetings.append(text)
            payable += [(f"{unit}-DZ-{m:03d}", k, amount, day) for k, amount in items]
        (folder / "meetings.yaml").write_text("---\n".join(meetings), encoding="utf-8")
        total += n_meetings
        budget = per_unit - n_meetings + (records - units - per_unit * units if u == 0 else 0)
        pays = []
        for d in range(budget):
            target = payable[d % len(payable)] if d < len(payable) and r.random() < 0.8 else None
            pays.append(disbursement_yaml(unit, d, leaders, target, r))
        total += budget
        if u == 0:
            # The file under edit: exactly `big_lines` lines of payments; the
            # rest of this unit's payments go to a second file.
            lines, k = 0, 0
            while k < len(pays) and lines + pays[k].count("\n") + 1 <= big_lines:
                lines += pays[k].count("\n") + 1
                k += 1
            text = "---\n".join(pays[:k])
            pad = big_lines - text.count("\n")
            text += "".join(f"# 备注 {i}\n" for i in range(pad))
            big_file = folder / "disbursements.yaml"
            big_file.write_text(text, encoding="utf-8")
            (folder / "disbursements-2.yaml").write_text("---\n".join(pays[k:]), encoding="utf-8")
        else:
            (folder / "disbursements.yaml").write_text("---\n".join(pays), encoding="utf-8")
    assert big_file is not None
    return big_file, total


class Server:
    """A minimal LSP client over stdio, timestamping what it receives."""

    def __init__(self, cmd: list[str]):
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.cv = threading.Condition()
        self.messages: list[tuple[float, dict]] = []
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=lambda: self.proc.stderr.read(), daemon=True).start()
        self.next_id = 0

    def _read(self):
        out = self.proc.stdout
        while True:
            length = 0
            while True:
                line = out.readline()
                if not line:
                    with self.cv:
                        self.cv.notify_all()
                    return
                if line in (b"\r\n", b"\n"):
                    break
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            body = out.read(length)
            now = time.perf_counter()
            with self.cv:
                self.messages.append((now, json.loads(body)))
                self.cv.notify_all()

    def send(self, msg: dict) -> float:
        body = json.dumps(msg, ensure_ascii=False).encode()
        data = b"Content-Length: %d\r\n\r\n" % len(body) + body
        t = time.perf_counter()
        self.proc.stdin.write(data)
        self.proc.stdin.flush()
        return t

    def request(self, method: str, params) -> dict:
        self.next_id += 1
        i = self.next_id
        self.send({"jsonrpc": "2.0", "id": i, "method": method, "params": params})
        return self.wait(lambda m: m.get("id") == i and "method" not in m)[1]

    def notify(self, method: str, params) -> float:
        return self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def mark(self) -> int:
        with self.cv:
            return len(self.messages)

    def wait(self, pred, since: int = 0, timeout: float = 120) -> tuple[float, dict]:
        deadline = time.monotonic() + timeout
        with self.cv:
            while True:
                for t, m in self.messages[since:]:
                    if pred(m):
                        return t, m
                if self.proc.poll() is not None:
                    raise RuntimeError(f"the server exited with code {self.proc.returncode}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("no answer from the server")
                self.cv.wait(left)

    def diagnostics_after(self, uri: str, since: int) -> tuple[float, list]:
        t, m = self.wait(
            lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri, since
        )
        return t, m["params"]["diagnostics"]

    def diagnostics_of_version(self, uri: str, version: int, since: int) -> tuple[float, int]:
        """When the diagnostics of `uri` at `version` came, and the index of
        that message: those of an older text still on their way do not count."""
        t, m = self.wait(
            lambda m: m.get("method") == "textDocument/publishDiagnostics"
            and m["params"]["uri"] == uri
            and m["params"].get("version") == version,
            since,
        )
        with self.cv:
            return t, next(i for i, (_, x) in enumerate(self.messages) if x is m)

    def close(self):
        try:
            self.request("shutdown", None)
            self.notify("exit", None)
            self.proc.stdin.close()
            self.proc.wait(timeout=10)
        except Exception:
            self.proc.kill()


def percentile(xs: list[float], p: float) -> float:
    s = sorted(xs)
    k = (len(s) - 1) * p
    lo, hi = int(k), min(len(s) - 1, int(k) + 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=str(REPO / "target" / "release" / "sunlight"))
    ap.add_argument("--records", type=int, default=81000)
    ap.add_argument("--units", type=int, default=500, help="units: three files each")
    ap.add_argument("--lines", type=int, default=2000, help="lines of the edited file")
    ap.add_argument("--edits", type=int, default=25)
    ap.add_argument("--seed", type=int, default=2014)
    ap.add_argument("--keep", action="store_true", help="keep the generated workspace")
    ap.add_argument("--disable", default="", help="rule ids to switch off in sunlight.toml (comma-separated), to see what costs")
    args = ap.parse_args()

    if not os.path.isfile(args.bin):
        print(f"no binary at {args.bin}: run `cargo build --release` (or pass --bin)", file=sys.stderr)
        return 2

    tmp = pathlib.Path(tempfile.mkdtemp(prefix="sunlight-lsp-bench-"))
    root = tmp / "ws"
    big, total = generate(root, args.units, args.records, args.lines, args.seed)
    # A rule file of the workspace's own, for the rule-editing figures.
    (root / "local.rules").write_text(LOCAL_RULES, encoding="utf-8")
    project = 'rules = ["local.rules"]\n'
    ids = [x.strip() for x in args.disable.split(",") if x.strip()]
    if ids:
        project += "disable = [" + ", ".join(json.dumps(i) for i in ids) + "]\n"
    (root / "sunlight.toml").write_text(project, encoding="utf-8")
    files = sum(1 for _ in root.rglob("*.yaml"))
    text = big.read_text(encoding="utf-8")
    print(f"workspace: {total} records in {files} files ({root})")
    print(f"edited file: {big.relative_to(root)}, {text.count(chr(10))} lines, {len(text.encode())} bytes")

    # The whole workspace through the command line, for comparison.
    t = time.perf_counter()
    cli = subprocess.run([args.bin, "check", str(root), "--format", "json", "--fail-on", "never"], capture_output=True)
    summary = json.loads(cli.stdout)["summary"]
    print(f"`sunlight check` of the workspace: {(time.perf_counter() - t) * 1000:.0f} ms, summary {summary}")

    s = Server([args.bin, "lsp"])
    failed = []

    def report(what: str, xs: list[float], median_goal: float, max_goal: float):
        med, worst = statistics.median(xs), max(xs)
        ok = med <= median_goal and worst <= max_goal
        print(
            f"{what} over {len(xs)} edits: median {med:.1f} ms, p95 {percentile(xs, 0.95):.1f} ms, "
            f"min {min(xs):.1f} ms, max {worst:.1f} ms (goal: median ≤ {median_goal:.0f}, max ≤ {max_goal:.0f}) "
            + ("ok" if ok else "MISSED")
        )
        if not ok:
            failed.append(what)

    try:
        t0 = time.perf_counter()
        s.request("initialize", {"processId": os.getpid(), "rootUri": root.as_uri(), "capabilities": {}})
        s.notify("initialized", {})
        print(f"initialize (reads the workspace): {(time.perf_counter() - t0) * 1000:.0f} ms")

        uri = big.resolve().as_uri()
        mark = s.mark()
        sent = s.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}},
        )
        got, diags = s.diagnostics_after(uri, mark)
        first = (got - t0) * 1000
        print(
            f"first diagnostics (initialize → didOpen → diagnostics): {first:.0f} ms, "
            f"of which didOpen → diagnostics {(got - sent) * 1000:.0f} ms ({len(diags)} diagnostics) "
            f"(goal ≤ 2000) " + ("ok" if first <= 2000 else "MISSED")
        )
        if first > 2000:
            failed.append("first diagnostics")

        # Edits of the large payments file: alternately push a payment over
        # its approved item (ZJBF-005 appears) and back.
        lines = text.split("\n")
        amount_lines = [i for i, l in enumerate(lines) if l.startswith("amount: ")]
        r = random.Random(args.seed)
        latencies, counts = [], []
        versions = {uri: 1}

        def open_document(path: pathlib.Path, language: str) -> tuple[str, str]:
            """Open a file as it is on disk; return its URI and text once
            its diagnostics are published."""
            u, t = path.resolve().as_uri(), path.read_text(encoding="utf-8")
            mark = s.mark()
            s.notify(
                "textDocument/didOpen",
                {"textDocument": {"uri": u, "languageId": language, "version": 1, "text": t}},
            )
            s.diagnostics_after(u, mark)
            return u, t

        def change(u: str, new_text: str) -> float:
            versions[u] = versions.get(u, 1) + 1
            return s.notify(
                "textDocument/didChange",
                {"textDocument": {"uri": u, "version": versions[u]}, "contentChanges": [{"text": new_text}]},
            )

        for k in range(args.edits + 2):
            i = r.choice(amount_lines)
            edited = list(lines)
            if k % 2 == 0:
                edited[i] = "amount: 99999999"
            mark = s.mark()
            sent = change(uri, "\n".join(edited))
            got, diags = s.diagnostics_after(uri, mark)
            if k >= 2:  # the first two warm up
                latencies.append((got - sent) * 1000)
                counts.append(len(diags))
        report(f"edit {big.relative_to(root)} → its diagnostics", latencies, 50, 100)
        big_edit = statistics.median(latencies) / 1000

        # Edits of a meetings file while the payments citing it are open:
        # an item's outcome flips, and the payments citing it gain or lose
        # ZJBF-003. Timed to the later of the two files' diagnostics.
        meetings = big.parent / "meetings.yaml"
        m_uri, m_text = open_document(meetings, "yaml")
        passed = [i for i, l in enumerate(m_text.split("\n")) if l == "    outcome: 通过"]
        latencies, citing = [], []
        for k in range(args.edits + 2):
            m_lines = m_text.split("\n")
            if k % 2 == 0:
                m_lines[r.choice(passed)] = "    outcome: 不通过"
            mark = s.mark()
            sent = change(m_uri, "\n".join(m_lines))
            got_m, _ = s.diagnostics_after(m_uri, mark)
            got_p, p_diags = s.diagnostics_after(uri, mark)
            if k >= 2:
                latencies.append((max(got_m, got_p) - sent) * 1000)
                citing.append(sum(1 for d in p_diags if d.get("code") == "ZJBF-003"))
        report(
            f"edit {meetings.relative_to(root)} → its and the citing payments' diagnostics "
            f"({min(citing)}–{max(citing)} ZJBF-003)",
            latencies,
            50,
            100,
        )

        # Keystrokes in a rule file of the workspace: its diagnostics, then
        # the open record files' again.
        rules = root / "local.rules"
        r_uri, r_text = open_document(rules, "sunlight")
        rule_lat, record_lat = [], []
        typed = ""
        for k in range(max(4, args.edits // 3) + 1):
            typed += "备注"[k % 2]
            mark = s.mark()
            sent = change(r_uri, r_text + f"// {typed}\n")
            got_r, _ = s.diagnostics_after(r_uri, mark)
            got_d, _ = s.diagnostics_after(uri, mark)
            if k >= 1:
                rule_lat.append((got_r - sent) * 1000)
                record_lat.append((got_d - sent) * 1000)
        report("rule-file keystroke → its diagnostics", rule_lat, 50, 100)
        report("rule-file keystroke → the open record files' diagnostics", record_lat, 1000, 1000)

        # A keystroke in the rule file while the records of an earlier edit
        # are being evaluated: sent halfway through that evaluation (by the
        # medians above), after an edit of the payments file, then after
        # another keystroke (whose evaluation builds the index of the
        # records again). The rule file's diagnostics need only the rules
        # compiled; the payments file's are those of the analysis after
        # both edits.
        def busy(first_edit, pause: float) -> tuple[list[float], list[float]]:
            nonlocal typed
            rule_lat, record_lat = [], []
            for k in range(args.edits + 1):
                first_edit(k)
                time.sleep(pause)
                typed += "备注"[k % 2]
                mark = s.mark()
                sent = change(r_uri, r_text + f"// {typed}\n")
                got_r, at = s.diagnostics_of_version(r_uri, versions[r_uri], mark)
                got_d, _ = s.diagnostics_of_version(uri, versions[uri], at)
                if k >= 1:
                    rule_lat.append((got_r - sent) * 1000)
                    record_lat.append((got_d - sent) * 1000)
            return rule_lat, record_lat

        def payments_edit(k: int):
            edited = list(lines)
            if k % 2 == 0:
                edited[r.choice(amount_lines)] = "amount: 99999999"
            change(uri, "\n".join(edited))

        def keystroke(k: int):
            nonlocal typed
            typed += "备注"[k % 2]
            change(r_uri, r_text + f"// {typed}\n")

        for what, first_edit, pause in [
            (f"an edit of {big.relative_to(root)}", payments_edit, big_edit / 2),
            ("another keystroke", keystroke, statistics.median(record_lat) / 2000),
        ]:
            rule_lat, busy_records = busy(first_edit, pause)
            report(f"rule-file keystroke {pause * 1000:.0f} ms after {what} → its diagnostics", rule_lat, 50, 100)
            report("the same keystroke → the payments file's diagnostics after both edits", busy_records, 1000, 1000)

        # Unsaved edits of the open sunlight.toml: switching the local rule
        # off and on compiles the rules again, as a rule-file keystroke
        # does; naming one more rule file loads the project again (no goal:
        # printed for scale).
        t_uri, _ = open_document(root / "sunlight.toml", "toml")
        (root / "extra.rules").write_text("// 另一份规则文件。\n", encoding="utf-8")

        def project_text(disabled: list[str], rules: list[str]) -> str:
            return (
                "rules = [" + ", ".join(json.dumps(x) for x in rules) + "]\n"
                "disable = [" + ", ".join(json.dumps(i) for i in disabled) + "]\n"
            )

        switch_lat = []
        for k in range(max(4, args.edits // 3) + 1):
            disabled = ids + (["LOCAL-001"] if k % 2 == 0 else [])
            mark = s.mark()
            sent = change(t_uri, project_text(disabled, ["local.rules"]))
            got_d, _ = s.diagnostics_after(uri, mark)
            if k >= 1:
                switch_lat.append((got_d - sent) * 1000)
        report("unsaved sunlight.toml, a rule switched off or on → the open record files' diagnostics", switch_lat, 1000, 1000)
        reload_lat = []
        for k in range(4):
            named = ["local.rules"] + (["extra.rules"] if k % 2 == 0 else [])
            mark = s.mark()
            sent = change(t_uri, project_text(ids, named))
            got_d, _ = s.diagnostics_after(uri, mark)
            reload_lat.append((got_d - sent) * 1000)
        print(
            f"unsaved sunlight.toml naming another rule file (the project loaded again) → the open record "
            f"files' diagnostics over {len(reload_lat)} edits: median {statistics.median(reload_lat):.0f} ms, "
            f"max {max(reload_lat):.0f} ms (no goal)",
            flush=True,
        )

        # A hover on the edited file, for scale.
        t = time.perf_counter()
        s.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": 5, "character": 3}})
        print(f"hover: {(time.perf_counter() - t) * 1000:.1f} ms", flush=True)
    finally:
        s.close()
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    if failed:
        print(f"goals missed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
