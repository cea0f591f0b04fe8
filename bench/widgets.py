"""Widget benchmark (issue 11, section 6): ipywidgets on the notewire page against
JupyterLab + jupyterlab_widgets, in one headless Chromium, ipykernel behind both.

    python bench/widgets.py                     # both apps, 3 runs of a and c, 100 moves
    python bench/widgets.py --only jupyterlab   # one app (no ratios)
    python bench/widgets.py --runs 5 --moves 200 --json out.json

Each app runs as a subprocess, started and stopped by `frontend.App` (bench/frontend.py:
private root, config, runtime, settings and IPython folders; notewire as `python -m
notewire.cli ROOT --no-browser --port 0`, JupyterLab with its defaults, news and update
checks off). Both serve copies of the same two notebooks, whose kernelspec is `python3`
(ipykernel) on both sides unless --notewire-kernel says otherwise: the same kernel, so
what differs is the page and the server. Each app gets one browser context, a 1280x900
window; JupyterLab's pages each get a workspace of their own, so that a reload restores
only its notebook.

The cells are run the way a user runs them: a click in the cell's editor, then
Shift+Enter. All input is Playwright's keyboard (trusted events from the browser). An
init script in every document (the page and any frame in it, the sandboxed widget
frames included) stamps the trusted keydowns, counts the sliders that are ready, watches
for printed text and records the messages the document sends on its WebSockets. A time
is taken in the frame that shows the result: the check runs in requestAnimationFrame
(before that frame's paint) and the clock is read in a zero-delay task after it, as
bench/frontend.py does; times are `performance.timeOrigin + performance.now()`, so a
widget frame's clock and the page's compare.

A slider is ready when its `.widget-slider` element has its noUiSlider handle (the
thumb a user drags or focuses; ipywidgets 8 creates it when the view renders), that
handle has a box on the page and, in a child frame, lies within the frame's viewport
(the frame has grown to show it), and it is not hidden.

  a. 100 sliders: `widgets.VBox([widgets.IntSlider(...) for _ in range(100)])` in one
     cell, run with Shift+Enter; from the keydown's timeStamp to the frame in which all
     100 new sliders are ready (the old output's sliders are marked before the run and
     not counted). Median of --runs runs of the cell, after one warm-up cell that shows
     a slider (the widget code is loaded then, not in a measured run). Beside it, the
     CPU time of each run (median), by who spent it: all of Chromium's processes, the
     kernel, the server (`cpu_seconds`). It is read just before the key and when the
     wait ends, up to 0.15 s after the result, so it holds the wait's own polling of
     the frames and what the page starts once the sliders are shown (notewire: the
     next spare frame). No goal: it says how much work a run is, beside how long.
  b. move to print: `interact(moved, v=IntSlider(0, 0, 1000))` where `moved` prints
     `moved to <v>`; its slider's handle is focused and ArrowRight pressed (noUiSlider's
     keyboard step; the same 'slide' path as a drag); from the keydown's timeStamp to
     the frame in which `<v>` (the new value) is shown in the interact's Output widget.
     Each key waits for the one before to be shown, and is pressed at a random moment
     within a frame (as bench/frontend.py types). Median and p95 of --moves moves after
     10 unmeasured ones.
  c. reload: a second notebook whose one cell displays 50 sliders (50 `display` calls:
     50 outputs), run once (then saved, so that JupyterLab, which reads the file,
     finds the outputs); the page is reloaded with the kernel alive, and the time is
     from navigation start (the new document's timeOrigin) to the frame in which all 50
     are ready. Median of --runs reloads. The messages the page sends on its
     WebSockets from the reload until 2 s after that frame are counted by type;
     "comm messages" are those whose type starts with `comm` (comm_open, comm_msg,
     comm_close, comm_info_request), each of which reaches the kernel: JupyterLab
     opens a `jupyter.widget.control` comm and asks for every widget's state
     (`request_states`); notewire's aim is none at all (the state comes with `hello`).

Goals: notewire at most 0.5x JupyterLab's time on a, b (median and p95) and c, and no
comm message to the kernel on a reload.

Exit status: 0 when both apps ran, 2 when one failed (its column shows FAILED, the
reason and the log tail are printed), 1 on a set-up error.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import psutil

# the other benchmarks, beside this file (sys.path[0] when it is run as a script)
from figures import pct

from frontend import (
    FRAME_S,
    NOTEBOOK,
    SELECTORS,
    VIEWPORT,
    App,
    BenchError,
    fmt,
    median,
    report,
    run_main,
    side_by_side,
)

RELOAD_NOTEBOOK = "reload.ipynb"
SLIDERS = 100  # a
RELOAD_WIDGETS = 50  # c
WARMUP_MOVES = 10  # b
SETTLE_S = 2.0  # c: messages are counted until this long after all widgets are ready

# Every selector the benchmark uses for widgets, in one place. The widget DOM is
# ipywidgets 8's own (@jupyter-widgets/controls and output) on both sides: JupyterLab
# renders it in the page, notewire in a sandboxed frame in the cell's output. The
# benchmark looks in every frame of the page, so it does not depend on the frame's
# own selector; `frame` is only used to say what was found.
WIDGET = {
    "slider": ".widget-slider",  # an IntSlider's view
    "handle": ".noUi-handle",  # its thumb (role=slider, tabindex=0): the part a user moves
    "readout": ".widget-readout",
    "output": ".widget-output",  # an Output widget's view (interact prints into one)
    "frame": {"notewire": "iframe.nw-widget-frame, .nw-output iframe", "jupyterlab": None},
}

CELLS = [
    # 0: warm-up; the widget code is loaded when the first widget is shown
    'import ipywidgets as widgets\nwidgets.IntSlider(description="warm-up")',
    # 1: a
    f"widgets.VBox([widgets.IntSlider(value=i, max={SLIDERS}, description=f's{{i}}')\n"
    f"              for i in range({SLIDERS})])",
    # 2: b
    "def moved(v):\n"
    '    print(f"moved to <{v}>")\n'
    'widgets.interact(moved, v=widgets.IntSlider(value=0, min=0, max=1000, description="v"));',
]
RELOAD_CELLS = [
    "import ipywidgets as widgets\n"
    f"for i in range({RELOAD_WIDGETS}):\n"
    f"    display(widgets.IntSlider(value=i, max={RELOAD_WIDGETS}, description=f'w{{i}}'))",
]

# Installed in every document (the page and each frame) before its scripts run.
PROBE = """
(() => {
  // Once per document (a frame's first document may hand its window on to the next).
  if (window.__wb && window.__wb.doc === document) return;
  const SEL = __WIDGET__;
  const abs = () => performance.timeOrigin + performance.now();
  const inFrame = window.top !== window;
  const B = (window.__wb = {
    lastKey: null,          // [absolute time, key] of the last trusted keydown here
    count: 0,               // sliders ready in this document at the last frame checked
    present: 0,             // sliders in its DOM then, ready or not
    timeline: [],           // [absolute time of the frame, count] at each change
    sent: [],               // [absolute time, message type] of each WebSocket message sent
    waiter: null,
    inFrame,
    doc: document,
  });
  addEventListener("keydown", (ev) => {
    if (!ev.isTrusted) return;
    B.lastKey = [performance.timeOrigin + ev.timeStamp, ev.key];
  }, true);

  // Sliders ready: the handle is there, has a box, is not hidden and, in a frame, lies
  // within the frame's viewport (the frame shows it).
  const ready = () => {
    let n = 0;
    B.present = 0;
    for (const s of document.querySelectorAll(SEL.slider)) {
      if (s.hasAttribute("data-wb-old")) continue;
      B.present++;
      const h = s.querySelector(SEL.handle);
      if (!h) continue;
      const r = h.getBoundingClientRect();
      if (r.width <= 0 || r.height <= 0) continue;
      if (inFrame && r.bottom > innerHeight + 1) continue;
      if (getComputedStyle(h).visibility === "hidden") continue;
      n++;
    }
    return n;
  };
  // Printed text shown: the waiter's text is in an Output widget with a box.
  const shown = (text) => {
    for (const o of document.querySelectorAll(SEL.output)) {
      if (!o.textContent.includes(text)) continue;
      const r = o.getBoundingClientRect();
      if (r.width > 0 && r.height > 0) return true;
    }
    return false;
  };
  // A check runs in the next animation frame, before its paint, and its time is read
  // once that frame is produced. A cross-origin frame that is off screen gets no
  // animation frames (Chromium throttles it): a timer checks it after 100 ms then,
  // and the time is that of the change that scheduled the check plus the check's own
  // (layout) time: laid out, not painted. Such checks are counted in B.byTimer.
  let scheduled = false;
  let scheduledAt = 0;
  let timer = 0;
  B.byTimer = 0;
  const check = (late) => {
    if (!scheduled) return;
    scheduled = false;
    clearTimeout(timer);
    const start = abs();
    const stamp = (f) => {
      if (late) f(scheduledAt + (abs() - start));
      else setTimeout(() => f(abs()), 0);  // after the frame is produced
    };
    const n = ready();
    let counted = false;
    if (n !== B.count) {
      B.count = n;
      counted = true;
      stamp((t) => B.timeline.push([t, n]));
    }
    const w = B.waiter;
    if (w && w.text !== null && shown(w.text)) {
      B.waiter = null;
      counted = true;
      stamp((t) => w.resolve(t));
    }
    if (late && counted) B.byTimer++;
  };
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    scheduledAt = abs();
    requestAnimationFrame(() => check(false));
    if (inFrame) timer = setTimeout(() => check(true), 100);  // the page is never throttled
  };
  const observe = () => {
    new MutationObserver(schedule).observe(document, {
      subtree: true, childList: true, attributes: true, characterData: true });
    schedule();  // what came before the observer
  };
  if (document.documentElement) observe();
  else document.addEventListener("DOMContentLoaded", observe);
  addEventListener("resize", schedule);
  schedule();  // installed late (see in_frames): what is there already

  // b: `done()` resolves with the absolute time of the frame showing `text`, or with
  // null when disarmed first (the text was shown in another document).
  B.arm = (text) => {
    B.disarm();
    let resolve;
    B.pending = new Promise((r) => { resolve = r; });
    B.waiter = { text, resolve };
    schedule();
  };
  B.disarm = () => {
    if (B.waiter) B.waiter.resolve(null);
    B.waiter = null;
  };
  B.done = () => B.pending;
  B.markOld = () => {
    for (const s of document.querySelectorAll(SEL.slider)) s.setAttribute("data-wb-old", "1");
    B.count = 0;
    B.timeline = [];
    schedule();
  };

  // c: the type of every message sent (JupyterLab: the kernel message's msg_type, the
  // header's being the first in both its JSON and its binary framing; notewire: "type").
  const typeOf = (data) => {
    let s = "";
    if (typeof data === "string") s = data.slice(0, 4096);
    else {
      try {
        const bytes = data instanceof ArrayBuffer ? new Uint8Array(data)
          : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
        s = new TextDecoder("latin1").decode(bytes.subarray(0, 4096));
      } catch (e) { return "?"; }
    }
    const m = /"msg_type"\\s*:\\s*"(\\w+)"/.exec(s) || /"type"\\s*:\\s*"(\\w+)"/.exec(s);
    return m ? m[1] : (typeof data === "string" ? "text" : "binary");
  };
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    B.sent.push([abs(), typeOf(data)]);
    return send.call(this, data);
  };
})();
"""


@dataclass
class Result:
    name: str
    open_ms: float | None = None
    sliders_ms: list[float] = field(default_factory=list)
    # a: CPU seconds each run took, by who spent them (`cpu_seconds`)
    sliders_cpu: list[dict[str, float]] = field(default_factory=list)
    move_ms: list[float] = field(default_factory=list)
    reload_ms: list[float] = field(default_factory=list)
    reload_comm: list[int] = field(default_factory=list)
    reload_sent: list[dict[str, int]] = field(default_factory=list)
    by_timer: dict[str, int] = field(default_factory=dict)
    frames: list[str] = field(default_factory=list)
    error: str | None = None
    shots: list[str] = field(default_factory=list)
    late_probes: int = 0
    console_errors: list[str] = field(default_factory=list)


def cpu_seconds(app: App) -> dict[str, dict[int, float]]:
    """CPU seconds spent so far by the app's server, by the kernels under it, and by
    every Chromium process on the machine (the benchmark's browser: its renderers, the
    widget frames' included, its GPU and browser processes), by process id. Read before
    and after a run of a (`cpu_spent`), they say where its time went; on a 2-core
    machine the work, not waiting, bounds a run whose CPU time is near twice its wall
    time."""
    out: dict[str, dict[int, float]] = {"Chromium": {}, "kernel": {}, "server": {}}

    def add(who: str, proc: psutil.Process) -> None:
        with contextlib.suppress(psutil.Error):
            times = proc.cpu_times()
            out[who][proc.pid] = times.user + times.system

    if app.proc is not None:
        with contextlib.suppress(psutil.Error):
            server = psutil.Process(app.proc.pid)
            add("server", server)
            for child in server.children(recursive=True):
                add("kernel", child)
    for proc in psutil.process_iter(["name"]):
        if "chrom" in (proc.info["name"] or ""):
            add("Chromium", proc)
    return out


def cpu_spent(
    before: dict[str, dict[int, float]], after: dict[str, dict[int, float]]
) -> dict[str, float]:
    """CPU seconds spent between two `cpu_seconds`, by who: a process that started
    meanwhile counts whole; one that ended meanwhile is left out (what it spent cannot
    be read any more), so its figure may be low, never below zero."""
    return {
        who: sum(t - before[who].get(pid, 0.0) for pid, t in pids.items())
        for who, pids in after.items()
    }


def notebook(cells: list[str], kernel: str) -> str:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": kernel, "display_name": kernel, "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    return nbformat.writes(nb)


def url(app: App, path: str, workspace: str) -> str:
    if app.name == "notewire":
        return f"{app.base}/notebooks/{path}"
    # a workspace of its own: a reload restores this notebook only
    return f"{app.base}/lab/workspaces/{workspace}/tree/{path}"


# Frames in which the init script had not run and the probe was installed late (seen
# with Chromium's out-of-process sandboxed frames now and then): their times may be late
# by up to the polling interval. Reported with the results.
LATE_PROBES: list[str] = []
# The last error of an evaluation in a frame, by the frame's URL (for a failure report).
FRAME_ERRORS: dict[str, str] = {}
# Checks of the last wait made by the timer in off-screen frames (see PROBE).
BY_TIMER = [0]


def probe() -> str:
    return PROBE.replace("__WIDGET__", json.dumps(WIDGET))


async def in_frames(page: Any, script: str, arg: Any = None) -> list[tuple[Any, Any]]:
    """`script` evaluated in every frame of the page: (frame, value), None left out."""
    out = []
    call = f"(a) => window.__wb && window.__wb.doc === document ? ({script})(window.__wb, a) : '-'"
    for frame in page.frames:
        try:
            value = await frame.evaluate(call, arg)
            if value == "-":  # no probe: install it now
                if frame.url in ("", "about:blank"):
                    continue
                await frame.evaluate(probe())
                LATE_PROBES.append(frame.url)
                value = await frame.evaluate(call, arg)
        except Exception as e:  # a frame that went away or is not loaded yet
            FRAME_ERRORS[frame.url] = f"{type(e).__name__}: {str(e)[:300]}"
            continue
        if value is not None:
            out.append((frame, value))
    return out


async def ready_count(page: Any) -> tuple[int, float | None, int]:
    """Sliders ready in all the page's documents, the time of the frame in which the
    last document to change reached its count, and the sliders in the DOM."""
    states = await in_frames(page, "(b) => [b.count, b.timeline, b.present, b.byTimer]")
    total = sum(s[0] for _, s in states)
    times = [s[1][-1][0] for _, s in states if s[0] and s[1]]
    BY_TIMER[0] = sum(s[3] for _, s in states)
    return total, (max(times) if times else None), sum(s[2] for _, s in states)


async def wait_ready(page: Any, want: int, timeout_s: float, what: str) -> float:
    """Polls (every 100 ms, outside the page's frames) until `want` sliders are ready;
    the absolute time of the frame that showed the last of them."""
    deadline = time.monotonic() + timeout_s
    while True:
        total, at, present = await ready_count(page)
        if total >= want and at is not None:
            await asyncio.sleep(0.05)  # the zero-delay task that stamps the frame
            total, at, present = await ready_count(page)
            if total >= want and at is not None:
                return at
        if time.monotonic() > deadline:
            direct = 0  # asked without the probe
            for f in page.frames:
                try:
                    direct += await f.evaluate(
                        "(s) => document.querySelectorAll(s).length", WIDGET["slider"]
                    )
                except Exception:
                    pass
            raise BenchError(
                f"{what}: {total} of {want} sliders ready after {timeout_s:.0f} s "
                f"({direct} in the frames' DOM asked directly) "
                f"({present} `{WIDGET['slider']}` in the DOM, in {len(page.frames)} frames, "
                f"{sum(f.url in ('', 'about:blank') for f in page.frames)} of them not loaded; "
                f"errors in frames: {FRAME_ERRORS or 'none'})"
            )
        await asyncio.sleep(0.1)


async def open_notebook(context: Any, app: App, path: str, result: Result, limit_s: float) -> Any:
    sel = SELECTORS[app.name]
    page = await context.new_page()
    page.on("pageerror", lambda e: result.console_errors.append(f"pageerror: {e}"))
    page.on(
        "console",
        lambda m: m.type == "error" and result.console_errors.append(f"console: {m.text[:200]}"),
    )
    await page.goto(url(app, path, path.split(".")[0]), timeout=limit_s * 1000)
    await page.locator(sel["cell"] + " " + sel["editor"]).first.wait_for(timeout=limit_s * 1000)
    if app.name == "jupyterlab":
        try:  # JupyterLab may ask which kernel, though the notebook names one
            await page.get_by_role("button", name="Select Kernel").click(timeout=3_000)
        except Exception:
            pass
    await page.locator(sel["kernel_idle"]).first.wait_for(timeout=limit_s * 1000)
    return page


async def run_cell(page: Any, app: App, index: int, rng: random.Random) -> float:
    """Clicks cell `index`'s editor, presses Shift+Enter at a random moment within a
    frame; the keydown's absolute time."""
    sel = SELECTORS[app.name]
    await page.locator(sel["cell"]).nth(index).locator(sel["editor"]).click()
    await asyncio.sleep(rng.uniform(0, FRAME_S))
    await page.keyboard.press("Shift+Enter")
    key = await page.evaluate("window.__wb.lastKey")
    if not key or key[1] != "Enter":
        raise BenchError(f"the page saw no Enter keydown (last: {key})")
    return float(key[0])


async def bench_app(browser: Any, app: App, args: argparse.Namespace, shots: Path) -> Result:
    result = Result(app.name)
    rng = random.Random(1)
    t = args.timeout
    LATE_PROBES.clear()
    context = await browser.new_context(viewport=VIEWPORT)
    await context.add_init_script(probe())

    async def shot(page: Any, name: str) -> None:
        path = shots / f"{app.name}-{name}.png"
        await page.screenshot(path=path)
        result.shots.append(str(path))

    try:
        login = await context.new_page()
        await login.goto(app.login_url, timeout=t * 1000)
        await login.close()
        page = await open_notebook(context, app, NOTEBOOK, result, t)

        # warm-up: one slider (the widget code loads)
        await run_cell(page, app, 0, rng)
        await wait_ready(page, 1, t, "warm-up slider")

        # a. 100 sliders in one output
        for run in range(args.runs):
            await in_frames(page, "(b) => { b.markOld(); return true; }")
            before = cpu_seconds(app)
            t0 = await run_cell(page, app, 1, rng)
            t1 = await wait_ready(page, SLIDERS, t, f"run {run + 1} of the {SLIDERS} sliders")
            after = cpu_seconds(app)
            result.sliders_ms.append(t1 - t0)
            result.sliders_cpu.append(cpu_spent(before, after))
            result.by_timer["a"] = result.by_timer.get("a", 0) + BY_TIMER[0]
            print(f"  {app.title} a, run {run + 1}: {t1 - t0:,.0f} ms", file=sys.stderr)
        await shot(page, "a-sliders")
        result.frames = sorted({f.url.split("?")[0] for f in page.frames if f != page.main_frame})

        # b. interact: move, print, shown
        await in_frames(page, "(b) => { b.markOld(); return true; }")
        await run_cell(page, app, 2, rng)
        await wait_ready(page, 1, t, "the interact slider")
        handle = None
        for frame in page.frames:
            loc = frame.locator(f"{WIDGET['slider']}:not([data-wb-old]) {WIDGET['handle']}")
            if await loc.count():
                handle = (frame, loc.first)
        if handle is None:
            raise BenchError("the interact slider's handle is in no frame")
        frame, loc = handle
        await (frame.locator(WIDGET["output"]).filter(has_text="moved to <0>")).first.wait_for(
            timeout=t * 1000
        )
        await loc.focus()
        for i in range(1, WARMUP_MOVES + args.moves + 1):
            await in_frames(page, "(b, text) => { b.arm(text); return true; }", f"<{i}>")
            await asyncio.sleep(rng.uniform(0, FRAME_S))
            await page.keyboard.press("ArrowRight")
            done = [
                asyncio.ensure_future(f.evaluate("() => window.__wb.done()"))
                for f, _ in await in_frames(page, "(b) => true")
            ]
            try:
                finished, _ = await asyncio.wait(
                    done, timeout=t, return_when=asyncio.FIRST_COMPLETED
                )
                shown_at = next((d.result() for d in finished if d.result() is not None), None)
            finally:
                await in_frames(page, "(b) => { b.disarm(); return true; }")
                await asyncio.gather(*done, return_exceptions=True)
            if shown_at is None:
                raise BenchError(f"move {i}: `<{i}>` not shown within {t:.0f} s")
            key = await frame.evaluate("window.__wb.lastKey")
            if not key or key[1] != "ArrowRight":
                raise BenchError(f"move {i}: the slider's frame saw no ArrowRight ({key})")
            if i > WARMUP_MOVES:
                result.move_ms.append(shown_at - key[0])
        print(
            f"  {app.title} b: median {median(result.move_ms):.1f} ms, "
            f"p95 {pct(result.move_ms, 95):.1f} ms",
            file=sys.stderr,
        )
        await shot(page, "b-interact")
        await page.close()

        # c. reload with 50 live widgets
        page = await open_notebook(context, app, RELOAD_NOTEBOOK, result, t)
        await run_cell(page, app, 0, rng)
        await wait_ready(page, RELOAD_WIDGETS, t, "the reload notebook's sliders")
        if app.name == "jupyterlab":  # JupyterLab reloads the file: save the outputs
            await page.keyboard.press("Control+s")
            await page.locator(".jp-mod-dirty").wait_for(state="detached", timeout=t * 1000)
            await page.locator(SELECTORS[app.name]["kernel_idle"]).first.wait_for(timeout=t * 1000)
        await asyncio.sleep(1)
        for run in range(args.runs):
            await page.reload(wait_until="commit", timeout=t * 1000)
            t1 = await wait_ready(page, RELOAD_WIDGETS, t, f"reload {run + 1}")
            await asyncio.sleep(SETTLE_S)
            origin, sent = await page.evaluate(
                "[performance.timeOrigin, window.__wb.sent.map((s) => s[1])]"
            )
            for _, other in await in_frames(
                page, "(b) => (b.inFrame ? b.sent.map((s) => s[1]) : null)"
            ):
                sent += other
            kinds: dict[str, int] = {}
            for k in sent:
                kinds[k] = kinds.get(k, 0) + 1
            result.reload_ms.append(t1 - origin)
            result.by_timer["c"] = result.by_timer.get("c", 0) + BY_TIMER[0]
            result.reload_sent.append(kinds)
            result.reload_comm.append(sum(n for k, n in kinds.items() if k.startswith("comm")))
            print(
                f"  {app.title} c, reload {run + 1}: {t1 - origin:,.0f} ms, "
                f"sent {json.dumps(kinds)}",
                file=sys.stderr,
            )
        await shot(page, "c-reloaded")
        await page.close()
    except Exception:  # what the pages showed, for the report
        for i, page in enumerate(context.pages):
            try:
                await shot(page, f"failed-{i}")
            except Exception:
                pass
        raise
    finally:
        result.late_probes = len(LATE_PROBES)
        await context.close()
    return result


# ------------------------------------------------------------------ report


def table(results: dict[str, Result], meta: dict[str, Any]) -> str:
    nw, jl = results.get("notewire"), results.get("jupyterlab")

    def col(r: Result | None, f: Any, unit: str = "ms") -> str:
        if r is None:
            return "-"
        if r.error:
            return "FAILED"
        v = f(r)
        if v is None:
            return "-"
        return fmt(v, unit) if unit else f"{v:g}"

    def ratio(f: Any) -> str:
        if not nw or not jl or nw.error or jl.error:
            return "-"
        a, b = f(nw), f(jl)
        return f"{a / b:.2f}x" if a is not None and b else "-"

    def p95(xs: list[float]) -> float | None:
        return pct(xs, 95) if xs else None

    runs, moves = meta["runs"], meta["moves"]
    rows = [
        (
            f"a. {SLIDERS} sliders, run key -> all usable (median of {runs})",
            lambda r: median(r.sliders_ms),
            "ms",
            "<= 0.5x",
        ),
        *(
            (
                f"a. CPU time a run: {who} (median)",
                lambda r, who=who: median([c[who] * 1000 for c in r.sliders_cpu]),
                "ms",
                "",
            )
            for who in ("Chromium", "kernel", "server")
        ),
        (
            f"b. slider move -> printed value shown (median of {moves})",
            lambda r: median(r.move_ms),
            "ms",
            "<= 0.5x",
        ),
        ("b. slider move -> printed value shown (p95)", lambda r: p95(r.move_ms), "ms", "<= 0.5x"),
        (
            f"c. reload, {RELOAD_WIDGETS} widgets -> all rendered (median of {runs})",
            lambda r: median(r.reload_ms),
            "ms",
            "<= 0.5x",
        ),
        (
            "c. comm messages to the kernel per reload (max)",
            lambda r: max(r.reload_comm) if r.reload_comm else None,
            "",
            "0",
        ),
    ]
    head = ("", "notewire", "JupyterLab", "notewire/JupyterLab", "goal")
    body = [
        (name, col(nw, f, u), col(jl, f, u), ratio(f) if u else "", g) for name, f, u, g in rows
    ]
    widths = [max(len(str(r[i])) for r in [head, *body]) for i in range(len(head))]
    lines = [
        f"{SLIDERS} sliders in one output; {moves} moves after {WARMUP_MOVES}; "
        f"{RELOAD_WIDGETS} widgets reloaded; kernel {meta['kernel']}",
        f"Chromium {meta['chromium']}, JupyterLab {meta['jupyterlab']}, "
        f"ipywidgets {meta['ipywidgets']}, {meta['machine']}",
        "",
        "  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)),
        "  ".join("-" * w for w in widths),
    ]
    for r in body:
        lines.append("  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)))
    lines.append("")
    for r in (nw, jl):
        if r is None or r.error:
            continue
        title = "notewire" if r.name == "notewire" else "JupyterLab"
        lines.append(
            f"{title} runs: a {', '.join(f'{x:,.0f}' for x in r.sliders_ms)} ms; "
            f"c {', '.join(f'{x:,.0f}' for x in r.reload_ms)} ms"
        )
        if r.reload_sent:
            sent = ", ".join(f"{k} {n}" for k, n in sorted(r.reload_sent[-1].items()))
            lines.append(f"{title} messages sent in the last reload: {sent}")
        if r.frames:
            lines.append(f"{title} frames: {', '.join(r.frames)}")
        if any(r.by_timer.values()):
            lines.append(
                f"{title}: counts taken off screen, laid out but not painted (frames "
                f"Chromium throttles): a {r.by_timer.get('a', 0)}, c {r.by_timer.get('c', 0)}"
            )
        if r.late_probes:
            lines.append(
                f"{title}: the init script had not run in {r.late_probes} frames, the probe "
                "was installed late there (their times may be up to 0.1 s late)"
            )
    if nw and jl and not nw.error and not jl.error:
        verdict = []
        for label, f in (
            ("a", lambda r: median(r.sliders_ms)),
            ("b median", lambda r: median(r.move_ms)),
            ("b p95", lambda r: p95(r.move_ms)),
            ("c", lambda r: median(r.reload_ms)),
        ):
            x = f(nw) / f(jl)
            verdict.append(f"{label} {x:.2f}x {'met' if x <= 0.5 else 'NOT met'}")
        comm = max(nw.reload_comm)
        verdict.append(f"reload comm messages {comm}: {'met' if comm == 0 else 'NOT met'}")
        lines.append("goals: " + "; ".join(verdict))
    one, five, _ = os.getloadavg()
    lines.append(
        f"cpus: {os.cpu_count()}; load average before: {meta['load_before']}, "
        f"after: {one:.2f} (1 min), {five:.2f} (5 min)"
    )
    return "\n".join(lines)


def make_apps(kind: str, args: argparse.Namespace) -> tuple[Path, Path, dict[str, App]]:
    """A scratch folder, its screenshot folder, and the apps `args.only` asks for
    (notewire and JupyterLab by default), not started yet. Also bench/webgl.py's."""
    scratch = Path(tempfile.mkdtemp(prefix=f"notewire-bench-{kind}-"))
    shots = Path(args.shots) if args.shots else scratch / "shots"
    shots.mkdir(parents=True, exist_ok=True)
    names = [n for n in ("notewire", "jupyterlab") if not args.only or n in args.only]
    apps = {
        n: App(n, "notewire" if n == "notewire" else "JupyterLab", scratch, args.timeout)
        for n in names
    }
    return scratch, shots, apps


async def run(args: argparse.Namespace) -> int:
    scratch, shots, apps = make_apps("widgets", args)
    one, five, _ = os.getloadavg()
    meta: dict[str, Any] = {
        "runs": args.runs,
        "moves": args.moves,
        "kernel": "python3 (ipykernel) on both sides"
        if args.notewire_kernel == "python3"
        else f"notewire: {args.notewire_kernel}, JupyterLab: python3 (ipykernel)",
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}",
        "load_before": f"{one:.2f} (1 min), {five:.2f} (5 min)",
    }
    import ipywidgets

    meta["ipywidgets"] = ipywidgets.__version__
    try:
        import jupyterlab

        meta["jupyterlab"] = jupyterlab.__version__
    except ImportError:
        meta["jupyterlab"] = "not installed"
    results: dict[str, Result] = {}
    status = 0
    try:
        for app in apps.values():
            app.root.mkdir(parents=True)
            kernel = args.notewire_kernel if app.name == "notewire" else "python3"
            (app.root / NOTEBOOK).write_text(notebook(CELLS, kernel), encoding="utf-8")
            (app.root / RELOAD_NOTEBOOK).write_text(
                notebook(RELOAD_CELLS, kernel), encoding="utf-8"
            )
            app.start()
        status = await side_by_side(apps, results, bench_app, Result, args, shots, meta)
    finally:
        for app in apps.values():
            app.stop()
    print(table(results, meta))
    await report(apps, results, args, shots, meta)
    if not args.keep:
        for name in apps:
            await asyncio.to_thread(shutil.rmtree, scratch / f"root-{name}", True)
    return status


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--runs", type=int, default=3, help="runs of a and reloads of c (default 3)")
    p.add_argument("--moves", type=int, default=100, help="measured moves in b (default 100)")
    p.add_argument("--only", action="append", choices=["notewire", "jupyterlab"])
    p.add_argument(
        "--notewire-kernel",
        default="python3",
        help="kernelspec of notewire's notebooks (default python3, ipykernel, as JupyterLab's)",
    )
    p.add_argument("--json", metavar="PATH", help="write the raw samples to PATH")
    p.add_argument("--shots", metavar="DIR", help="folder for the screenshots")
    p.add_argument("--timeout", type=float, default=120.0, help="seconds for a start or a wait")
    p.add_argument("--keep", action="store_true", help="keep the apps' folders and logs")
    args = p.parse_args(argv)
    return run_main(run, args)


if __name__ == "__main__":
    sys.exit(main())
