"""Frontend benchmark: the notewire page against JupyterLab, in one headless Chromium.

    python bench/frontend.py                    # full run (about 6 minutes on 2 vCPU)
    python bench/frontend.py --quick            # smoke run: 2 opens, 20 keystrokes
    python bench/frontend.py --only notewire    # one app (no ratios; about 30 s)
    python bench/frontend.py --json out.json    # also write every raw sample
    python bench/frontend.py --shots DIR        # where the screenshots go (default: a temp dir)

Both apps open the same file: a notebook of 500 cells (every tenth a markdown cell with
math) whose code cells carry 5 MB of outputs in all (streams, text/plain results, HTML
tables, PNG images), written by `make_notebook`. Each app runs as a subprocess on
127.0.0.1 with a private root folder and private Jupyter config, runtime, settings,
workspace and IPython folders, and serves the file from its own copy:

  notewire    `python -m notewire.cli ROOT --no-browser --port 0`, its defaults;
  JupyterLab  `python -m jupyterlab --no-browser --port=P --ServerApp.root_dir=ROOT`,
              its defaults (windowing mode "defer" included), news and update checks
              off (they would reach the network).

Both pages are driven by Playwright in the same Chromium (Debian's /usr/bin/chromium,
headless), each app in one browser context (so its HTTP cache is warm after the first
load, as for a daily user), a 1280x900 window.

  a. open: from navigation start until every cell is rendered and the last cell is
     editable, defined the same way for both: the page is scrolled to the bottom of the
     notebook (its scroller's scrollTop set to its scrollHeight, each animation frame,
     until the last cell's output is in the DOM); the last cell's output text (a marker)
     is in the DOM; then a click in that cell's editor and a key typed there, and the
     character is in that editor's text. The time is the page's performance.now() at
     that moment (0 is navigation start). Median of --opens loads, each in a new tab,
     after one unmeasured warm-up load (shown apart as the cold load).
  b. keystroke to paint: in the last cell's editor of that open notebook, Playwright's
     keyboard presses a key (the letters and spaces of a sentence); a capture-phase
     keydown listener takes the event's timeStamp, and requestAnimationFrame, then a
     zero-delay task after it (the frame has been produced), reads performance.now().
     The typed character must be in the editor by then (counted otherwise). Each key is
     pressed at a random moment within a frame (0-16.7 ms after the previous sample),
     as a person types: right after a sample the harness is in step with the page's
     frames, which would add most of a frame to every figure. The harness waits for
     each sample on a promise, never by polling (a polling loop makes frames of its
     own). Median, p90, p95 and the share over 16 ms of --keys keys after 10
     unmeasured ones, with the page's kernel idle; and the calls of the document's
     selectionchange listeners per key (CodeMirror adds one per editor; counted by
     wrapping the page's listeners).
  c. the same after paging through every cell: from the top of the notebook to its
     end, 80 % of a screen every two frames, as a reader pages through it; then the
     keys are typed into the last cell again. Also shown: the editors (.cm-editor) in
     the page at the end, and the frame times while paging (the time between
     consecutive animation frames: median, p95, worst, and the share of frames a vsync
     late or more). A pass that has not reached the end in 120 s fails the app.

Goals: notewire's open at most 0.3x JupyterLab's; keystroke-to-paint median under
10 ms and p95 under 16 ms (one frame at 60 Hz), after open and after paging; frames
while paging within 16.7 ms at p95.

    python bench/frontend.py --only notewire --trace DIR   # and a Chromium trace of the
                                                           # keys after paging, per app

Exit status: 0 when both apps ran, 2 when one failed (its column shows FAILED, the
reason and the log tail are printed), 1 on a set-up error.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import platform
import random
import re
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import uuid
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from server import stop_group

CHROMIUM = os.environ.get("NOTEWIRE_CHROMIUM", "/usr/bin/chromium")
NOTEBOOK = "bench.ipynb"
MARKER = "LAST-CELL-OUTPUT-7f3a"
VIEWPORT = {"width": 1280, "height": 900}
FRAME_S = 1 / 60


class BenchError(RuntimeError):
    pass


# ------------------------------------------------------------------ the notebook


def png(width: int, height: int, seed: int) -> bytes:
    """An RGB PNG: a colour gradient with noise, so it compresses about as little as a
    photo and its size is predictable (about 3 bytes a pixel)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    rng = random.Random(seed)
    noise = rng.randbytes(width * height * 3)
    rows = []
    for y in range(height):
        line = bytearray(noise[y * width * 3 : (y + 1) * width * 3])
        for x in range(0, width * 3, 3):
            line[x] = (line[x] >> 2) + (x * 128 // (width * 3)) + 64
            line[x + 2] = (line[x + 2] >> 2) + (y * 128 // height) + 32
        rows.append(b"\x00" + bytes(line))
    raw = zlib.compress(b"".join(rows), 1)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def make_notebook(cells: int = 500, output_bytes: int = 5_000_000) -> tuple[dict[str, Any], int]:
    """The benchmark notebook and the size of its outputs (JSON bytes, within 3 %)."""
    code_cells = sum(1 for i in range(cells) if i % 10 != 5)
    per_cell = output_bytes / code_cells
    for _ in range(4):
        nb, total = _notebook(cells, int(per_cell))
        if abs(total - output_bytes) <= 0.03 * output_bytes:
            break
        per_cell *= output_bytes / total
    return nb, total


def _notebook(cells: int, per_cell: int) -> tuple[dict[str, Any], int]:
    out: list[dict[str, Any]] = []
    total = 0
    for i in range(cells):
        cid = f"c{i:04d}"
        if i % 10 == 5:
            out.append(
                {
                    "cell_type": "markdown",
                    "id": cid,
                    "metadata": {},
                    "source": f"## Section {i // 10}\n\nSome *prose* about step {i}, with math "
                    f"$\\alpha_{{{i}}} = \\sum_k x_k^2$ and a [link](https://example.org).\n",
                }
            )
            continue
        last = i == cells - 1
        kind = i % 4
        outputs: list[dict[str, Any]]
        if last:
            outputs = [{"output_type": "stream", "name": "stdout", "text": f"{MARKER}\n"}]
        elif kind == 0:
            lines, size, n = [], 0, 0
            while size < per_cell:
                loss, acc = 1 / (n + 1), (n % 100) / 100
                line = f"epoch {i:04d}.{n:05d}  loss={loss:.6f}  acc={acc:.2f}  lr=0.001\n"
                lines.append(line)
                size += len(line) + 4
                n += 1
            outputs = [{"output_type": "stream", "name": "stdout", "text": "".join(lines)}]
        elif kind == 1:
            items = []
            size = 0
            n = 0
            while size < per_cell:
                item = f"{n * 0.1234567:.6f}"
                items.append(item)
                size += len(item) + 2
                n += 1
            outputs = [
                {
                    "output_type": "execute_result",
                    "execution_count": i + 1,
                    "metadata": {},
                    "data": {"text/plain": "[" + ", ".join(items) + "]"},
                }
            ]
        elif kind == 2:
            rows, size, n = [], 0, 0
            while size < per_cell:
                cols = f"<td>{n * 1.5:.2f}</td><td>name {n}</td><td>{n % 7 == 0}</td>"
                row = f"<tr><th>{n}</th>{cols}</tr>"
                rows.append(row)
                size += len(row) + 12
                n += 1
            html = (
                "<table border='1' class='dataframe'><thead><tr><th></th><th>value</th>"
                "<th>label</th>"
                "<th>flag</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
            )
            outputs = [
                {
                    "output_type": "execute_result",
                    "execution_count": i + 1,
                    "metadata": {},
                    "data": {"text/html": html, "text/plain": f"<DataFrame {n} rows>"},
                }
            ]
        else:
            side = max(8, int((per_cell * 0.75 / 3) ** 0.5))
            image = png(side, side, i)
            outputs = [
                {
                    "output_type": "display_data",
                    "metadata": {},
                    "data": {
                        "image/png": base64.b64encode(image).decode(),
                        "text/plain": f"<Figure size {side}x{side}>",
                    },
                }
            ]
        total += len(json.dumps(outputs))
        source = (
            f"# step {i}\nresult_{i} = compute({i})\nresult_{i}" if not last else "print(FINAL)"
        )
        out.append(
            {
                "cell_type": "code",
                "execution_count": i + 1,
                "id": cid,
                "metadata": {},
                "outputs": outputs,
                "source": source,
            }
        )
    nb = {
        "cells": out,
        "metadata": {
            "kernelspec": {
                "name": "python3",
                "display_name": "Python 3 (ipykernel)",
                "language": "python",
            },
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return nb, total


# ------------------------------------------------------------------ the apps


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class App:
    name: str
    title: str
    scratch: Path
    timeout: float
    proc: subprocess.Popen[bytes] | None = None
    base: str = ""
    token: str = ""
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def root(self) -> Path:
        return self.scratch / f"root-{self.name}"

    @property
    def log_path(self) -> Path:
        return self.scratch / f"{self.name}.log"

    def env(self) -> dict[str, str]:
        home = self.scratch / f"home-{self.name}"
        env = dict(os.environ)
        for var, sub in [
            ("JUPYTER_CONFIG_DIR", "config"),
            ("JUPYTER_RUNTIME_DIR", "runtime"),
            ("JUPYTERLAB_SETTINGS_DIR", "lab-settings"),
            ("JUPYTERLAB_WORKSPACES_DIR", "lab-workspaces"),
            ("IPYTHONDIR", "ipython"),
        ]:
            (home / sub).mkdir(parents=True, exist_ok=True)
            env[var] = str(home / sub)
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        if self.name == "jupyterlab":
            # News and update checks would reach the network (and pop up a toast).
            settings = home / "lab-settings" / "@jupyterlab" / "apputils-extension"
            settings.mkdir(parents=True, exist_ok=True)
            (settings / "notification.jupyterlab-settings").write_text(
                json.dumps({"fetchNews": "false", "checkForUpdates": False})
            )
        return env

    def start(self) -> None:
        if self.name == "jupyterlab":
            self.token = uuid.uuid4().hex + uuid.uuid4().hex
            port = free_port()
            argv = [
                sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}",
                "--ServerApp.port_retries=0", "--ServerApp.ip=127.0.0.1",
                f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={self.root}",
            ]  # fmt: skip
            if os.geteuid() == 0:
                argv.append("--allow-root")
            self.base = f"http://127.0.0.1:{port}"
        else:
            argv = [
                sys.executable,
                "-m",
                "notewire.cli",
                str(self.root),
                "--no-browser",
                "--port",
                "0",
            ]
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                env=self.env(), cwd=self.root, start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + self.timeout
        while True:
            if self.proc.poll() is not None:
                raise BenchError(f"{self.title} exited with status {self.proc.returncode}")
            text = self.log_path.read_text(errors="replace")
            if self.name == "notewire":
                url = re.search(r"notewire is running at (http://\S+)", text)
                tok = re.search(r"[?&]token=([A-Za-z0-9_\-]+)", text)
                if url and tok:
                    self.base, self.token = url.group(1).rstrip("/"), tok.group(1)
                    break
            elif (
                re.search(r"(Jupyter Server|JupyterLab).*is running at", text)
                or "http://127.0.0.1" in text
            ):
                if self._answers("/api/status"):
                    break
            if time.monotonic() > deadline:
                raise BenchError(f"{self.title}: not ready in {self.timeout:.0f} s")
            time.sleep(0.1)

    def _answers(self, path: str) -> bool:
        import http.client

        try:
            conn = http.client.HTTPConnection(
                "127.0.0.1", int(self.base.rsplit(":", 1)[1]), timeout=2
            )
            conn.request("GET", path, headers={"Authorization": f"token {self.token}"})
            ok = conn.getresponse().status == 200
            conn.close()
            return ok
        except OSError:
            return False

    @property
    def login_url(self) -> str:
        if self.name == "notewire":
            return f"{self.base}/login?token={self.token}&next=/tree/"
        return f"{self.base}/lab?token={self.token}"

    @property
    def notebook_url(self) -> str:
        if self.name == "notewire":
            return f"{self.base}/notebooks/{NOTEBOOK}"
        return f"{self.base}/lab/tree/{NOTEBOOK}"

    def stop(self) -> None:
        if self.proc is None:
            return
        stop_group(self.proc)
        self.proc = None

    def log_tail(self, lines: int = 25) -> str:
        try:
            return "\n".join(
                "    " + s for s in self.log_path.read_text(errors="replace").splitlines()[-lines:]
            )
        except OSError:
            return ""


# ------------------------------------------------------------------ in the page

# Per app: the notebook's scroller, a cell, a cell's output area, the editor's text.
SELECTORS = {
    "notewire": {
        "scroller": ":root",
        "cell": ".nw-cells .nw-cell",
        "output": ".nw-outputs",
        "editor": ".cm-content",
        "kernel_idle": ".nw-kernel[data-state='idle']",
    },
    "jupyterlab": {
        "scroller": ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer",
        "cell": ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell",
        "output": ".jp-OutputArea",
        "editor": ".cm-content",
        "kernel_idle": ".jp-NotebookPanel:not(.lm-mod-hidden) "
        ".jp-Notebook-ExecutionIndicator[data-status='idle']",
    },
}

# What a trace of the keys after paging records (--trace): the main thread's tasks,
# with JavaScript, style, layout and paint, and the input events.
TRACE_CATEGORIES = [
    "devtools.timeline",
    "disabled-by-default-devtools.timeline",
    "blink.user_timing",
    "v8.execute",
    "input",
    "latencyInfo",
]

# The editors in either app's page (CodeMirror 6 views, each with its own listeners).
EDITORS = ".cm-editor"

# Installed in every page before its scripts run: the keystroke probe.
PROBE = """
if (window.top === window) {
  window.__keys = [];
  // Calls of the document's selectionchange listeners (CodeMirror adds one per editor),
  // counted through wrappers the page's own listeners are swapped for.
  window.__selectionCalls = 0;
  const wrapped = new WeakMap();
  const add = EventTarget.prototype.addEventListener;
  const remove = EventTarget.prototype.removeEventListener;
  EventTarget.prototype.addEventListener = function (type, f, opts) {
    if (type !== "selectionchange" || typeof f !== "function") return add.call(this, type, f, opts);
    if (!wrapped.has(f)) {
      wrapped.set(f, function (ev) { window.__selectionCalls++; return f.call(this, ev); });
    }
    return add.call(this, type, wrapped.get(f), opts);
  };
  EventTarget.prototype.removeEventListener = function (type, f, opts) {
    return remove.call(this, type, (type === "selectionchange" && wrapped.get(f)) || f, opts);
  };
  // Resolves once `n` samples are in, without polling (a polling loop would itself
  // make frames while the keys are measured).
  window.__waitKeys = (n) => new Promise((resolve) => {
    const check = () => {
      if (window.__keys.length >= n) { window.__keyWaiter = null; resolve(); }
    };
    window.__keyWaiter = check;
    check();
  });
  window.addEventListener("keydown", (ev) => {
    if (!window.__measureKeys) return;
    const t0 = ev.timeStamp;
    const editor = document.activeElement && document.activeElement.closest(".cm-content");
    const before = editor ? editor.textContent.length : -1;
    requestAnimationFrame(() => setTimeout(() => {
      const after = editor ? editor.textContent.length : -1;
      window.__keys.push({ ms: performance.now() - t0, changed: after !== before });
      if (window.__keyWaiter) window.__keyWaiter();
    }, 0));
  }, true);
}
"""

# Scrolls the notebook to its end each frame until the last cell's output holds the
# marker; resolves with a handle on that cell's editor (marked with data-bench-last).
FIND_LAST = """
async ([sel, marker]) => {
  const scroller = () => document.querySelector(sel.scroller);
  for (;;) {
    const s = scroller();
    if (s) s.scrollTop = s.scrollHeight;
    const cells = document.querySelectorAll(sel.cell);
    const last = cells[cells.length - 1];
    const out = last && last.querySelector(sel.output);
    if (out && out.textContent.includes(marker)) {
      const ed = last.querySelector(sel.editor);
      if (ed) {
        ed.setAttribute("data-bench-last", "1");
        ed.scrollIntoView({ block: "center" });
        return { cells: cells.length, text: ed.textContent };
      }
    }
    await new Promise((r) => requestAnimationFrame(r));
  }
}
"""


# From the top to the end of the notebook a page at a time (80 % of the scroller's
# height), two frames a page (the page builds what came near in the first); resolves
# with the number of editors in the page at the end and the time between consecutive
# frames while paging (the frame times a reader sees). Gives up after `limitMs`
# (`ended` false, with where it was): a page whose end keeps moving would otherwise
# keep the harness paging for ever.
PAGE_THROUGH = """
async ([sel, editors, limitMs]) => {
  const s = document.querySelector(sel.scroller);
  const frames = [];
  let last = null;
  const frame = () => new Promise((r) => requestAnimationFrame((t) => {
    if (last !== null) frames.push(t - last);
    last = t;
    r();
  }));
  s.scrollTop = 0;
  await frame();
  await frame();
  frames.length = 0;
  const start = performance.now();
  let still = 0;
  while (still < 3 && performance.now() - start < limitMs) {
    const before = s.scrollTop;
    s.scrollTop = before + Math.max(200, Math.min(s.clientHeight, innerHeight) * 0.8);
    await frame();
    await frame();
    still = s.scrollTop === before ? still + 1 : 0;
  }
  return {
    editors: document.querySelectorAll(editors).length, frames, ended: still >= 3,
    top: s.scrollTop, height: s.scrollHeight,
  };
}
"""
# What a page that stopped answering the paging pass is doing: whether it still runs
# script and produces animation frames, and where its scroll stands.
STALLED = """
async ([sel]) => {
  const s = document.querySelector(sel.scroller);
  const frame = await Promise.race([
    new Promise((r) => requestAnimationFrame(() => r("animation frames run"))),
    new Promise((r) => setTimeout(() => r("no animation frame in 2 s"), 2000)),
  ]);
  return `${frame}; ${document.visibilityState}, focus ${document.hasFocus()}; ` +
    `scroll ${s ? Math.round(s.scrollTop) : "?"} of ${s ? s.scrollHeight : "?"} px`;
}
"""


async def stalled_page_state(page: Any, sel: dict[str, str]) -> str:
    try:
        return str(await asyncio.wait_for(page.evaluate(STALLED, [sel]), 30))
    except Exception as e:  # a page that answers nothing at all says so
        return f"no answer to a script either ({type(e).__name__})"


# How long paging through may take, in seconds (about 13 s at 60 frames a second).
PAGING_LIMIT_S = 120


# The key typed into the last cell has reached its editor.
TYPED = """
(before) => {
  const e = document.querySelector("[data-bench-last='1']");
  return e && e.textContent.length > before.length && e.textContent.includes("q");
}
"""


@dataclass
class AppResult:
    name: str
    cold_ms: float | None = None
    open_ms: list[float] = field(default_factory=list)
    key_ms: list[float] = field(default_factory=list)
    keys_unchanged: int = 0
    paged_key_ms: list[float] = field(default_factory=list)
    paged_keys_unchanged: int = 0
    selection_calls: float | None = None
    paged_selection_calls: float | None = None
    editors_paged: int | None = None
    paging_frame_ms: list[float] = field(default_factory=list)
    editors_typed: int | None = None
    error: str | None = None
    shots: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)


async def open_once(context: Any, app: App, result: AppResult, timeout_ms: float) -> Any:
    """Loads the notebook in a new tab; returns the page and the open time in ms."""
    sel = SELECTORS[app.name]
    page = await context.new_page()
    page.on("pageerror", lambda e: result.console_errors.append(f"pageerror: {e}"))
    page.on(
        "console",
        lambda m: m.type == "error" and result.console_errors.append(f"console: {m.text[:200]}"),
    )
    await page.goto(app.notebook_url, wait_until="commit", timeout=timeout_ms)
    found = await page.wait_for_function(
        f"({FIND_LAST})({json.dumps([sel, MARKER])})", timeout=timeout_ms, polling=1000
    )
    before = (await found.json_value())["text"]
    editor = page.locator("[data-bench-last='1']")
    await editor.click()
    await page.keyboard.press("End")
    await page.keyboard.type("q")
    await page.wait_for_function(
        TYPED,
        arg=before,
        timeout=timeout_ms,
    )
    ms = await page.evaluate("performance.now()")
    return page, float(ms)


async def type_keys(page: Any, keys: int) -> tuple[list[float], int, float]:
    """Types `keys` measured keys (after 10 unmeasured) into the focused editor; returns
    each key's milliseconds to paint, how many had not reached the editor by then, and
    the selectionchange listener calls per key."""
    await page.evaluate(
        "window.__measureKeys = true; window.__keys = []; window.__selectionCalls = 0"
    )
    total = keys + 10
    rng = random.Random(1)
    text = "the quick brown fox jumps over the lazy dog "
    for i in range(total):
        # At a random moment within a frame, as a person types: right after the
        # previous sample the harness is in step with the page's frames.
        await asyncio.sleep(rng.uniform(0, FRAME_S))
        await page.keyboard.press(text[i % len(text)].replace(" ", "Space"))
        await asyncio.wait_for(page.evaluate("(n) => window.__waitKeys(n)", i + 1), 10)
    samples = await page.evaluate("window.__keys")
    calls = await page.evaluate("window.__measureKeys = false; window.__selectionCalls")
    measured = samples[10:]
    return (
        [s["ms"] for s in measured],
        sum(1 for s in measured if not s["changed"]),
        calls / total,
    )


async def bench_app(browser: Any, app: App, args: argparse.Namespace, shots: Path) -> AppResult:
    result = AppResult(app.name)
    timeout_ms = args.timeout * 1000
    context = await browser.new_context(viewport=VIEWPORT)
    await context.add_init_script(PROBE)
    try:
        login = await context.new_page()
        await login.goto(app.login_url, timeout=timeout_ms)
        await login.close()
        # The warm-up (cold cache) load, then the measured ones, each in a new tab.
        page, ms = await open_once(context, app, result, timeout_ms)
        result.cold_ms = ms
        await page.close()
        for _ in range(args.opens):
            page, ms = await open_once(context, app, result, timeout_ms)
            result.open_ms.append(ms)
            if _ < args.opens - 1:
                await page.close()
        # Keystrokes in the last cell's editor of the open notebook, once its kernel is idle
        # (so nothing else runs in the page).
        try:
            await page.wait_for_selector(SELECTORS[app.name]["kernel_idle"], timeout=30_000)
        except Exception:
            pass
        shot = shots / f"{app.name}-end.png"
        await page.screenshot(path=shot)
        result.shots.append(str(shot))
        result.key_ms, result.keys_unchanged, result.selection_calls = await type_keys(
            page, args.keys
        )
        shot = shots / f"{app.name}-typed.png"
        await page.screenshot(path=shot)
        result.shots.append(str(shot))
        # Again after paging through every cell from the top, as a user reading the
        # notebook does: each cell has come near the screen once.
        sel = SELECTORS[app.name]
        # The page's frames pace the pass; a page that stops producing them (a hung
        # renderer) is a failure, not a wait without end.
        try:
            paged = await asyncio.wait_for(
                page.evaluate(PAGE_THROUGH, [sel, EDITORS, PAGING_LIMIT_S * 1000]),
                PAGING_LIMIT_S + 60,
            )
        except TimeoutError:
            raise BenchError(
                f"paging through: no answer from the page in {PAGING_LIMIT_S + 60} s; "
                f"the page then: {await stalled_page_state(page, sel)}"
            ) from None
        if not paged["ended"]:
            raise BenchError(
                f"paging through did not reach the end in {PAGING_LIMIT_S} s: at "
                f"{paged['top']:.0f} px of {paged['height']:.0f}"
            )
        result.editors_paged = paged["editors"]
        result.paging_frame_ms = paged["frames"]
        await page.wait_for_function(
            f"({FIND_LAST})({json.dumps([sel, MARKER])})", timeout=timeout_ms, polling=1000
        )
        await page.locator("[data-bench-last='1']").click()
        await page.keyboard.press("End")
        trace = Path(args.trace) / f"{app.name}-paged-keys.json" if args.trace else None
        if trace:
            await browser.start_tracing(page=page, path=str(trace), categories=TRACE_CATEGORIES)
        (
            result.paged_key_ms,
            result.paged_keys_unchanged,
            result.paged_selection_calls,
        ) = await type_keys(page, args.keys)
        if trace:
            await browser.stop_tracing()
        result.editors_typed = await page.evaluate(
            "(s) => document.querySelectorAll(s).length", EDITORS
        )
        # And the top of the notebook, as a user first sees it.
        top = await context.new_page()
        await top.goto(app.notebook_url, timeout=timeout_ms)
        await top.wait_for_selector(
            SELECTORS[app.name]["cell"] + " " + SELECTORS[app.name]["output"], timeout=timeout_ms
        )
        await top.wait_for_timeout(1500)  # a screenshot for a person to look at, not a measurement
        shot = shots / f"{app.name}-top.png"
        await top.screenshot(path=shot)
        result.shots.append(str(shot))
        # And the middle (markdown, images, tables), where a fast scroll lands.
        scroller = SELECTORS[app.name]["scroller"]
        await top.evaluate(
            "(sel) => { const s = document.querySelector(sel); "
            "s.scrollTop = s.scrollHeight * 0.43; }",
            scroller,
        )
        await top.wait_for_timeout(1500)
        shot = shots / f"{app.name}-middle.png"
        await top.screenshot(path=shot)
        result.shots.append(str(shot))
    finally:
        await context.close()
    return result


# ------------------------------------------------------------------ report


def median(xs: list[float]) -> float | None:
    return statistics.median(xs) if xs else None


def p90(xs: list[float]) -> float | None:
    if not xs:
        return None
    s = sorted(xs)
    k = (len(s) - 1) * 0.9
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def p95(xs: list[float]) -> float | None:
    if not xs:
        return None
    s = sorted(xs)
    k = (len(s) - 1) * 0.95
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def over_frame(xs: list[float]) -> float | None:
    """The share of keys that took more than a frame (16 ms), in percent."""
    return 100 * sum(1 for x in xs if x > 16) / len(xs) if xs else None


def late_frames(xs: list[float]) -> float | None:
    """The share of frames that came a vsync late or more (over 1.5 frames apart: the
    times between animation frames are whole vsyncs, give or take a fraction), in percent."""
    return 100 * sum(1 for x in xs if x > 1.5 * FRAME_S * 1000) / len(xs) if xs else None


def fmt(x: float | None, unit: str = "ms") -> str:
    if x is None:
        return "-"
    if unit == "%":
        return f"{x:.0f} %"
    if not unit:
        return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.1f}"
    return f"{x:,.0f} {unit}" if x >= 100 else f"{x:.1f} {unit}"


def table(results: dict[str, AppResult], meta: dict[str, Any]) -> str:
    nw, jl = results.get("notewire"), results.get("jupyterlab")

    def col(r: AppResult | None, f: Any, unit: str) -> str:
        if r is None:
            return "-"
        if r.error:
            return "FAILED"
        return fmt(f(r), unit)

    def ratio(f: Any) -> str:
        if not nw or not jl or nw.error or jl.error:
            return "-"
        a, b = f(nw), f(jl)
        return f"{a / b:.2f}x" if a is not None and b else "-"

    rows = [
        (
            "open, all rendered + last cell editable (median)",
            lambda r: median(r.open_ms),
            "<= 0.3x",
        ),
        ("open, first (cold cache) load", lambda r: r.cold_ms, ""),
        ("keystroke to paint (median)", lambda r: median(r.key_ms), "< 10 ms"),
        ("keystroke to paint (p90)", lambda r: p90(r.key_ms), ""),
        ("keystroke to paint (p95)", lambda r: p95(r.key_ms), "< 16 ms"),
        ("keys over 16 ms", lambda r: over_frame(r.key_ms), ""),
        ("selectionchange listener calls per key", lambda r: r.selection_calls, ""),
        (
            "after paging through all cells: keystroke (median)",
            lambda r: median(r.paged_key_ms),
            "< 10 ms",
        ),
        ("after paging through all cells: keystroke (p90)", lambda r: p90(r.paged_key_ms), ""),
        (
            "after paging through all cells: keystroke (p95)",
            lambda r: p95(r.paged_key_ms),
            "< 16 ms",
        ),
        (
            "after paging through all cells: keys over 16 ms",
            lambda r: over_frame(r.paged_key_ms),
            "",
        ),
        (
            "after paging through all cells: selectionchange calls per key",
            lambda r: r.paged_selection_calls,
            "",
        ),
        ("after paging through all cells: editors in the page", lambda r: r.editors_paged, ""),
        ("while paging through: frame time (median)", lambda r: median(r.paging_frame_ms), ""),
        ("while paging through: frame time (p95)", lambda r: p95(r.paging_frame_ms), "< 16.7 ms"),
        ("while paging through: frames late", lambda r: late_frames(r.paging_frame_ms), ""),
        (
            "while paging through: frame time (worst)",
            lambda r: max(r.paging_frame_ms) if r.paging_frame_ms else None,
            "",
        ),
        ("after paging through all cells: editors, typing done", lambda r: r.editors_typed, ""),
    ]

    def unit(name: str) -> str:
        if name.endswith("over 16 ms") or name.endswith("frames late"):
            return "%"
        return "" if "editors" in name or "calls" in name else "ms"

    head = ("", "notewire", "JupyterLab", "notewire/JupyterLab", "goal")
    body = [
        (name, col(nw, f, unit(name)), col(jl, f, unit(name)), ratio(f), goal)
        for name, f, goal in rows
    ]
    widths = [max(len(str(r[i])) for r in [head, *body]) for i in range(len(head))]
    lines = [
        f"notebook: {meta['cells']} cells, {meta['output_bytes'] / 1e6:.1f} MB of outputs, "
        f"file {meta['file_bytes'] / 1e6:.1f} MB; "
        f"{meta['opens']} opens, {meta['keys']} keystrokes each",
        f"Chromium {meta['chromium']}, JupyterLab {meta['jupyterlab']}, {meta['machine']}",
        "",
        "  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)),
        "  ".join("-" * w for w in widths),
    ]
    for r in body:
        lines.append("  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)))
    verdict = []
    if nw and jl and not nw.error and not jl.error:
        o = median(nw.open_ms) / median(jl.open_ms)  # type: ignore[operator]
        verdict.append(f"open ratio {o:.2f}x: {'met' if o <= 0.3 else 'NOT met'} (goal <= 0.3x)")
        for when, keys in (("after open", nw.key_ms), ("after paging", nw.paged_key_ms)):
            k, k95 = median(keys), p95(keys)
            if k is None or k95 is None:
                continue
            met = "met" if k < 10 and k95 < 16 else "NOT met"
            verdict.append(
                f"keystroke {when}: median {k:.1f} ms, p95 {k95:.1f} ms: {met} "
                "(goal median < 10 ms and p95 < 16 ms)"
            )
    for r in (nw, jl):
        if r and (r.keys_unchanged or r.paged_keys_unchanged):
            verdict.append(
                f"{r.name}: {r.keys_unchanged + r.paged_keys_unchanged} keystrokes had not "
                "reached the editor by the next frame"
            )
    return "\n".join(lines + [""] + verdict)


async def run(args: argparse.Namespace) -> int:

    scratch = Path(tempfile.mkdtemp(prefix="notewire-bench-frontend-"))
    shots = Path(args.shots) if args.shots else scratch / "shots"
    shots.mkdir(parents=True, exist_ok=True)
    nb, output_bytes = make_notebook(args.cells, args.output_mb * 1_000_000)
    text = json.dumps(nb, indent=1)
    names = [n for n in ("notewire", "jupyterlab") if not args.only or n in args.only]
    apps = {
        n: App(n, "notewire" if n == "notewire" else "JupyterLab", scratch, args.timeout)
        for n in names
    }
    results: dict[str, AppResult] = {}
    meta: dict[str, Any] = {
        "cells": args.cells,
        "output_bytes": output_bytes,
        "file_bytes": len(text.encode()),
        "opens": args.opens,
        "keys": args.keys,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}",
    }
    try:
        import jupyterlab

        meta["jupyterlab"] = jupyterlab.__version__
    except ImportError:
        meta["jupyterlab"] = "not installed"
    status = 0
    try:
        for app in apps.values():
            app.root.mkdir(parents=True)
            (app.root / NOTEBOOK).write_text(text, encoding="utf-8")
            app.start()
        status = await side_by_side(apps, results, bench_app, AppResult, args, shots, meta)
    finally:
        for app in apps.values():
            app.stop()
    print(table(results, meta))
    await report(apps, results, args, shots, meta)
    if not args.keep:
        shutil.rmtree(scratch / "root-notewire", ignore_errors=True)
        shutil.rmtree(scratch / "root-jupyterlab", ignore_errors=True)
    return status


async def side_by_side(
    apps: dict[str, App],
    results: dict[str, Any],
    bench_app: Callable[..., Awaitable[Any]],
    failed: Callable[..., Any],
    args: argparse.Namespace,
    shots: Path,
    meta: dict[str, Any],
) -> int:
    """Run `bench_app` for each started app in one headless Chromium, into `results`;
    an app that fails is recorded as `failed(name, error=...)` and the other still runs.
    Returns the exit status (2 when an app failed)."""
    from playwright.async_api import async_playwright

    status = 0
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True)
        meta["chromium"] = browser.version
        try:
            for app in apps.values():
                try:
                    results[app.name] = await bench_app(browser, app, args, shots)
                except Exception as e:  # one app failing still reports the other
                    results[app.name] = failed(app.name, error=f"{type(e).__name__}: {e}")
                    status = 2
        finally:
            await browser.close()
    return status


async def report(
    apps: dict[str, App],
    results: dict[str, Any],
    args: argparse.Namespace,
    shots: Path,
    meta: dict[str, Any],
) -> None:
    """What went wrong on either side, where the screenshots are, and the raw samples."""
    for r in results.values():
        if r.error:
            print(f"\n{apps[r.name].title} FAILED: {r.error}\n{apps[r.name].log_tail()}")
        if r.console_errors:
            print(
                f"\n{apps[r.name].title}: {len(r.console_errors)} page errors, "
                f"the first: {r.console_errors[0]}"
            )
    print(f"\nscreenshots: {shots}")
    if args.json:
        raw = {"meta": meta, "results": {k: v.__dict__ for k, v in results.items()}}
        await asyncio.to_thread(Path(args.json).write_text, json.dumps(raw, indent=2))
        print(f"raw samples: {args.json}")


def run_main(run: Callable[[argparse.Namespace], Awaitable[int]], args: argparse.Namespace) -> int:
    """A benchmark's exit status: its own, 1 with the reason for a BenchError, 130 for
    ^C."""
    try:
        return asyncio.run(run(args))
    except BenchError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--quick", action="store_true", help="2 opens, 20 keystrokes")
    p.add_argument("--opens", type=int, help="measured opens per app (default 3, quick 2)")
    p.add_argument("--keys", type=int, help="measured keystrokes (default 50, quick 20)")
    p.add_argument("--cells", type=int, default=500)
    p.add_argument("--output-mb", type=float, default=5.0)
    p.add_argument("--only", action="append", choices=["notewire", "jupyterlab"])
    p.add_argument("--json", metavar="PATH", help="write the raw samples to PATH")
    p.add_argument("--shots", metavar="DIR", help="folder for the screenshots")
    p.add_argument("--timeout", type=float, default=120.0, help="seconds for a start or a load")
    p.add_argument("--keep", action="store_true", help="keep the apps' folders")
    p.add_argument(
        "--trace",
        metavar="DIR",
        help="write a Chromium trace of each app's keys after paging to DIR "
        "(bench/trace_keys.py sums it up)",
    )
    args = p.parse_args(argv)
    args.opens = args.opens or (2 if args.quick else 3)
    args.keys = args.keys or (20 if args.quick else 50)
    args.output_mb = (
        int(args.output_mb) if args.output_mb == int(args.output_mb) else args.output_mb
    )
    return run_main(run, args)


if __name__ == "__main__":
    sys.exit(main())
