"""Live figure benchmark: a scripted 5-second drag-pan of an 800×600 figure with a
10,000-point line, in one headless Chromium, on notewire (the real server and kernel,
`%matplotlib notewire`) and on ipympl in JupyterLab (`%matplotlib widget`); and the
limit, 1 / (Agg draw + JPEG encode) of the same figure, measured in notewire's kernel
process right after each of its drags.

    python bench/figures.py                 # both, 3 runs each, medians
    python bench/figures.py --runs 5 --json out.json
    python bench/figures.py --only notewire --profile DIR   # py-spy of the kernel

How it measures (bench/README.md has more). The drag is paced by the wall clock, the
same way on both sides: the pointer position is a function of the time since the button
went down (a triangle wave across 40 % of the width, 1 s per sweep), moves are sent at
up to 60 Hz, and the button goes up 5 s after it went down however many moves the page
took. The same init script in both pages counts every drawImage onto a canvas at least
400 px wide (a frame shown), stamps DOM pointermoves, the pointer messages and frame
acks the page sends, and the binary WebSocket messages it gets. In the kernel, the
benchmark cell counts matplotlib motion events and records, for each frame sent, how
many of them it reflects.

- frames/s = frames drawn between button down and up / that time (measured in the page);
- latency of a DOM pointermove at t: the first pointer message the page sent at or
  after t (it carries that position or a newer one) is motion event k in the kernel
  (one WebSocket, in order); the first frame sent reflecting k or later is frame n; the
  latency is the time that frame (or a later one) was shown, minus t. notewire: shown =
  the view's ack of frame n or later (sent in the animation frame that drew it);
  ipympl: shown = the first drawImage after the page received frame n;
- bytes/frame = binary WebSocket bytes received during the drag / frames drawn;
- limit = 1 / (median Agg draw + median JPEG encode), in notewire's kernel, on the
  benchmark's figure, its x limits moving, after the page closed;
- the same limit timed in the drag: 1 / (draw + encode per frame as the kernel's canvas
  timed them during the drag). On a small machine the browser, the server and the
  harness share the cores and the caches with the kernel, and Agg draws slower then;
  this is what no backend can beat on that machine;
- the kernel per frame in the drag: wall time between frames, its main thread's CPU
  time and the drawing in it; cores used: CPU seconds per second of drag, by process.
"""

# A benchmark script: blocking file, HTTP and process calls between the measurements.
# ruff: noqa: ASYNC210, ASYNC220, ASYNC230, ASYNC240

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import quote

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from figure_scenarios import SCENARIOS, Scenario, pointer, wheel_delta  # noqa: E402

CHROMIUM = os.environ.get("NOTEWIRE_CHROMIUM", "/usr/bin/chromium")
DRAG_S = 5.0
NAN = float("nan")
MOVE_HZ = 60

PRELUDE = """\
import json as _json, os as _os, time as _time
import numpy as np, matplotlib.pyplot as plt
plt.close("all")  # the figure of the run before
"""
HOOKS = """\
_bench = {"pid": _os.getpid(), "moves": 0, "frames": [], "cpu": []}
def _moved(event):
    _bench["moves"] += 1
def _pressed(event):  # the input begins: the kernel's CPU and clock
    _bench["cpu"] = [_time.process_time(), _time.perf_counter()]
def _released(event):  # the input is over: hand the records to the benchmark
    _bench["cpu"] += [_time.process_time(), _time.perf_counter()]
    with open(DUMP, "w") as f:
        _json.dump(_bench, f)
_moved_cid = fig.canvas.mpl_connect(EVENT, _moved)
fig.canvas.mpl_connect("button_press_event", _pressed)
fig.canvas.mpl_connect("button_release_event", _released)
"""
NOTEWIRE_TAIL = """\
plt.show()
_live = fig.canvas.manager.live
# The kernel passes on only the newest of the moves that wait together (canvas.py,
# _on_input): count the input messages it got, which is what the page's records are.
fig.canvas.mpl_disconnect(_moved_cid)
_on_input = _live._on_input
_INPUT = {"motion_notify_event": "pointer_move", "scroll_event": "wheel"}[EVENT]
def _counted(view, event, now):
    if event["type"] == _INPUT:
        _bench["moves"] += 1
    _on_input(view, event, now)
_live._on_input = _counted
_send_frame = _live._send_frame
_stats = _live.stats
def _sent(*args, **kwargs):  # frame number, motion events it reflects; times so far
    _send_frame(*args, **kwargs)
    _bench["frames"].append([_live.flow.sent, _bench["moves"], _stats.render_seconds,
        _stats.encode_seconds, _time.thread_time(), _time.perf_counter()])
_live._send_frame = _sent
"""
IPYMPL_TAIL = """\
fig.canvas.toolbar.pan()
fig.canvas.capture_scroll = True
plt.show()
_send_binary = fig.canvas.send_binary
def _sent(data):
    _send_binary(data)
    _bench["frames"].append([len(_bench["frames"]) + 1, _bench["moves"]])
fig.canvas.send_binary = _sent
"""


def make_cell(scenario: Scenario, dump: Path, magic: str, tail: str) -> str:
    return (
        f"{magic}\nDUMP = {str(dump)!r}\nEVENT = {scenario.event!r}\n"
        + PRELUDE
        + scenario.figure
        + HOOKS
        + tail
    )


LIMIT_CELL = """\
def _limit(samples=40):
    import statistics, time
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from notewire.canvas.encode import as_pixels, encode_jpeg, full_rect
    x0, x1 = ax.get_xlim()
    draws, encodes = [], []
    for i in range(samples + 5):
        shift = (i % 20) * 0.5
        ax.set_xlim(x0 + shift, x1 + shift)
        t = time.perf_counter()
        FigureCanvasAgg.draw(fig.canvas)
        t1 = time.perf_counter()
        pixels = as_pixels(np.asarray(fig.canvas.get_renderer().buffer_rgba()))
        encode_jpeg(pixels, full_rect(pixels))
        t2 = time.perf_counter()
        if i >= 5:
            draws.append((t1 - t) * 1000)
            encodes.append((t2 - t1) * 1000)
    ax.set_xlim(x0, x1)
    draw, enc = statistics.median(draws), statistics.median(encodes)
    return {"draw_ms": draw, "encode_ms": enc, "fps": 1000 / (draw + enc)}
print(_json.dumps(_limit()))
"""

INIT = """
const FRAME_MIN_BYTES = 2000;  // ipympl: a message this big saying "binary" is a frame
(() => {
  const b = (window.__bench = { draws: [], shows: [], moves: [], sent: [], acks: [], bytes: [],
    frames: [] });
  const draw = CanvasRenderingContext2D.prototype.drawImage;
  CanvasRenderingContext2D.prototype.drawImage = function (...a) {
    // True frames: notewire draws them into its true picture (.nw-canvas-truth), then
    // shows it, maybe with a pan predicted over it (.nw-canvas-picture); ipympl draws
    // them on screen (and into an offscreen canvas, left out).
    const c = this.canvas, t = performance.now();
    if (c && c.width >= 400) {
      const truth = c.classList && c.classList.contains('nw-canvas-truth');
      const shown = c.isConnected;
      if (truth || (shown && !c.classList.contains('nw-canvas-picture'))) b.draws.push(t);
      if (shown) b.shows.push([t, c.dataset.predicted === '1']);
    }
    return draw.apply(this, a);
  };
  document.addEventListener('pointermove', () => b.moves.push(performance.now()), true);
  document.addEventListener('wheel', () => b.moves.push(performance.now()), true);
  const text = (data) => {
    if (typeof data === 'string') return data;
    try {
      const bytes = data instanceof ArrayBuffer ? new Uint8Array(data)
        : new Uint8Array(data.buffer, data.byteOffset, Math.min(data.byteLength, 4096));
      return new TextDecoder('latin1').decode(bytes.subarray(0, 4096));
    } catch (e) { return ''; }
  };
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    const t = performance.now();
    const s = text(data);
    if (/pointer_move|motion_notify|"wheel"|\\"wheel|scroll/.test(s)) b.sent.push(t);
    else if (s.includes('"ack"')) {
      const m = /"frame":\s*(\d+)/.exec(s);
      if (m) b.acks.push([Number(m[1]), t]);
    }
    return send.call(this, data);
  };
  const WS = window.WebSocket;
  window.WebSocket = class extends WS {
    constructor(...a) {
      super(...a);
      this.addEventListener('message', (e) => {
        if (typeof e.data === 'string') return;
        const t = performance.now(), size = e.data.byteLength ?? e.data.size;
        b.bytes.push([t, size]);
        // ipympl's frames: a comm message whose data says {"type": "binary"}
        const frame = size >= FRAME_MIN_BYTES && /type\\\\*"?:\\s*\\\\*"binary/.test(text(e.data));
        if (frame) b.frames.push(t);
      });
    }
  };
})();
"""


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.2f} (1 min), {five:.2f} (5 min)"


async def wait_for_file(path: Path, within: float = 30.0) -> Any:
    """The kernel writes the records when the button goes up; nothing to wait on but
    the file (a benchmark, not a test)."""
    deadline = time.monotonic() + within
    while True:
        try:
            text = path.read_text()
            if text:
                return json.loads(text)
        except (OSError, ValueError):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"the kernel wrote no records to {path}")
        await asyncio.sleep(0.05)


def cpu_times() -> dict[str, float]:
    """CPU seconds used so far by each process on the machine, by a short name (what
    shares the cores during the drag: kernel, server, Chromium's processes, Playwright)."""
    tick = os.sysconf("SC_CLK_TCK")
    out: dict[str, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmd = (stat.parent / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        args = [a.decode(errors="replace") for a in cmd if a]
        if len(args) == 1:
            args = args[0].split()  # Chromium's children rewrite argv as one string
        if not args:
            continue
        name = Path(args[0]).name
        if name.startswith("playwright_chromium") or name == "chromium":
            name = "chromium"  # Chromium rewrites its argv[0]
        kind = next((a.split("=", 1)[1] for a in args if a.startswith("--type=")), "")
        module = next((args[i + 1] for i, a in enumerate(args[:-1]) if a == "-m"), "")
        label = " ".join(x for x in (name, kind, module) if x)
        out[label] = out.get(label, 0.0) + (int(fields[11]) + int(fields[12])) / tick
    return out


async def page_metrics(cdp: Any) -> dict[str, float]:
    """Chromium's counters for the page (CDP Performance.getMetrics): TaskDuration is
    the time its main thread was busy, in s."""
    reply = await cdp.send("Performance.getMetrics")
    return {m["name"]: float(m["value"]) for m in reply["metrics"]}


async def drag(
    page: Any, canvas: Any, cell_at: float, scenario: Scenario, profile: Any = None
) -> dict[str, Any]:
    """The scripted input on `canvas`, paced by the wall clock; the page's records."""
    await canvas.scroll_into_view_if_needed()  # a long cell puts it below the viewport
    box = await canvas.bounding_box()
    assert box is not None
    cx, cy = pointer(scenario, 0, box)
    m = page.mouse
    cdp = await page.context.new_cdp_session(page)
    await cdp.send("Performance.enable")
    await m.move(cx, cy)
    await m.down()
    t0 = await page.evaluate("performance.now()")
    metrics_before = await page_metrics(cdp)
    cpu_before = cpu_times()
    start = time.perf_counter()
    if profile is not None:
        profile()  # starts py-spy now, for the drag
    tick = 1
    while True:
        elapsed = time.perf_counter() - start
        if elapsed >= DRAG_S:
            break
        if scenario.motion == "wheel":
            await m.wheel(0, wheel_delta(elapsed))
        else:
            await m.move(*pointer(scenario, elapsed, box))
        # the next 1/60 s tick not yet past (a slow page gets fewer moves, not a longer drag)
        tick = max(tick + 1, int((time.perf_counter() - start) * MOVE_HZ) + 1)
        delay = start + tick / MOVE_HZ - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)  # pacing the scripted input, not waiting on a result
    t1 = await page.evaluate("performance.now()")
    wall = time.perf_counter() - start
    cpu_after = cpu_times()
    metrics_after = await page_metrics(cdp)
    await m.up()
    cpu = {
        k: (v - cpu_before.get(k, 0.0)) / wall
        for k, v in cpu_after.items()
        if v - cpu_before.get(k, 0.0) > 0.01 * wall
    }
    b = await page.evaluate("window.__bench")
    trace = await page.evaluate("window.__trace ?? null")  # bench/figure_trace.py's
    main = metrics_after.get("TaskDuration", NAN) - metrics_before.get("TaskDuration", NAN)
    return {
        "t0": t0,
        "t1": t1,
        "cell_at": cell_at,
        "page": b,
        "trace": trace,
        "cpu": cpu,
        "page_main_s": main,
        "width": box["width"],
    }


def analyse(records: dict[str, Any], kernel: dict[str, Any], *, acked: bool) -> dict[str, Any]:
    """Frames/s, latency and bytes from the page's and the kernel's records."""
    t0, t1, b = records["t0"], records["t1"], records["page"]
    secs = (t1 - t0) / 1000
    draws = sorted(t for t in b["draws"] if t0 <= t <= t1)
    # Pointer messages the page sent, in order; the kernel counted motion events from the
    # same point (the page had no figure to send them to before the cell ran), so
    # message i is motion event i + 1 in the kernel. `offset` is 0 when the counts agree.
    sent = b["sent"]
    offset = kernel["moves"] - len(sent)
    if abs(offset) > 2:
        print(
            f"  warning: the page sent {len(sent)} pointer messages, the kernel handled "
            f"{kernel['moves']} motion events",
            file=sys.stderr,
        )
    frames = kernel["frames"]  # [frame number, motion events reflected], in order
    # Only what happened since the cell ran: at load the page may show the figure of the
    # run before (still open until the cell runs again), with its own frame numbers.
    since = records["cell_at"]
    if acked:  # notewire: frame n shown when the view acked n or later
        # (from the button down: until the cell closed it, the run before's figure may
        # still have been acking its own, higher, frame numbers)
        acks = sorted((a for a in b["acks"] if a[1] >= t0), key=lambda a: a[1])

        def shown(n: int) -> float | None:
            return next((t for m, t in acks if m >= n), None)
    else:  # ipympl: frame n shown by the first drawImage after the page received it
        received = sorted(t for t in b["frames"] if t >= since)
        all_draws = sorted(b["draws"])

        def shown(n: int) -> float | None:
            if n > len(received):
                return None
            return next((d for d in all_draws if d >= received[n - 1]), None)

    latencies = []
    move_latencies: list[tuple[float, float]] = []
    for t in b["moves"]:
        if not t0 <= t <= t1:
            continue
        k = next((i for i, s in enumerate(sent) if s >= t), None)
        if k is None:
            continue
        event = k + 1 + offset  # the kernel's count once it handled that message
        n = next((f[0] for f in frames if f[1] >= event), None)
        when = shown(n) if n is not None else None
        if when is not None:
            latencies.append(when - t)
            if when >= t:
                move_latencies.append((t, when - t))
    # The first visible response to a move: the first predicted picture shown after it
    # (notewire, while it predicts a pan), or else the true frame that reflects it.
    predicted = sorted(t for t, p in b["shows"] if p)
    responses = []
    for t, true_latency in move_latencies:
        first = next((p for p in predicted if p >= t), None)
        responses.append(min(true_latency, first - t) if first is not None else true_latency)
    impossible = [v for v in latencies if v < 0]  # a frame shown before the move: misaligned
    if impossible:
        print(
            f"  warning: {len(impossible)} of {len(latencies)} latencies < 0 (records out of"
            " step); left out",
            file=sys.stderr,
        )
        latencies = [v for v in latencies if v >= 0]
    nbytes = sum(n for t, n in b["bytes"] if t0 <= t <= t1)
    kernel_side = {}
    if frames and len(frames[0]) > 2 and len(frames) > 10:
        # the kernel's main thread per frame, over the frames of the drag (cumulative
        # render, encode and CPU seconds at each frame sent)
        first, last = frames[2], frames[-1]
        count = last[0] - first[0]
        kernel_side = {
            "render_ms": (last[2] - first[2]) / count * 1000,
            "encode_ms": (last[3] - first[3]) / count * 1000,
            "main_cpu_ms": (last[4] - first[4]) / count * 1000,
            "wall_ms": (last[5] - first[5]) / count * 1000,
        }
    chromium = sum(v for k, v in records["cpu"].items() if k.startswith("chromium"))
    cpu = kernel.get("cpu") or []
    busy = (cpu[2] - cpu[0]) / (cpu[3] - cpu[1]) if len(cpu) == 4 and cpu[3] > cpu[1] else NAN
    return {
        "seconds": secs,
        "frames": len(draws),
        "fps": len(draws) / secs,
        "response_median_ms": statistics.median(responses) if responses else NAN,
        "response_p95_ms": pct(responses, 95),
        "page_main_ms_per_frame": records["page_main_s"] * 1000 / len(draws) if draws else NAN,
        "chromium_cpu_ms_per_frame": chromium * secs * 1000 / len(draws) if draws else NAN,
        "kernel_busy": busy,
        "latency_median_ms": statistics.median(latencies) if latencies else float("nan"),
        "latency_p95_ms": pct(latencies, 95),
        "latency_samples": len(latencies),
        "latency_left_out": len(impossible),
        "bytes_per_frame": nbytes / len(draws) if draws else float("nan"),
        "moves_sent": len([s for s in sent if t0 <= s <= t1]),
        "pointer_messages": len(sent),
        "kernel_motion_events": kernel["moves"],
        "kernel_frames": len(frames),
        "load": os.getloadavg()[0],
        "cpu": records["cpu"],
        "kernel_per_frame": kernel_side,
    }


def py_spy(pid: int, out: Path, started: list[Any]) -> None:
    """Starts `py-spy record` on the kernel for the drag (into `started`)."""
    started.append(
        subprocess.Popen(
            [
                "py-spy",
                "record",
                "-p",
                str(pid),
                "-r",
                "250",
                "-d",
                str(int(DRAG_S) + 1),
                "-f",
                "raw",
                "-o",
                str(out),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
    )


async def run_notewire(
    browser: Any,
    runs: int,
    profile: Path | None,
    scenario: Scenario,
    *,
    trace: tuple[str, str] = ("", ""),
) -> list[dict[str, Any]]:
    """`trace`: more code for the figure cell and the page's init script
    (bench/figure_trace.py); the raw records then come back in each run's "raw"."""
    from playwright.async_api import expect

    from tests.server.notebook_server import running_server, write_notebook

    results = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "root"
        root.mkdir()
        dump = Path(tmp) / "records.json"
        cell = make_cell(scenario, dump, "%matplotlib notewire", NOTEWIRE_TAIL + trace[0])
        write_notebook(root / "fig.ipynb", cells=[cell, LIMIT_CELL])
        async with running_server(root, Path(tmp)) as server, server.client("fig.ipynb") as nb:
            figure_cell, limit_cell = (c["id"] for c in nb.cells)
            for run in range(runs):
                dump.unlink(missing_ok=True)
                context = await browser.new_context(viewport={"width": 1400, "height": 1100})
                try:
                    page = await context.new_page()
                    await page.add_init_script(INIT + trace[1])
                    await page.goto(
                        f"{server.url}/login?token={server.token}&next={quote('/notebooks/fig.ipynb')}"
                    )
                    await expect(page.locator("#app")).to_have_attribute(
                        "data-connection", "connected", timeout=30_000
                    )
                    cell_at = await page.evaluate("performance.now()")
                    await nb.run_and_wait([figure_cell])
                    canvas = page.locator(
                        ".nw-canvas-output[data-live=true] canvas.nw-canvas-picture"
                    )
                    await expect(canvas).to_be_visible(timeout=30_000)
                    await page.locator(".nw-canvas-button-pan").click()
                    await expect(page.locator(".nw-canvas-button-pan")).to_have_attribute(
                        "aria-pressed", "true"
                    )
                    await page.wait_for_function("window.__bench.draws.length > 0", timeout=30_000)
                    spy: list[Any] = []
                    start_spy = None
                    if profile is not None and run == 0:
                        start_spy = functools.partial(
                            py_spy, await kernel_pid_of(nb), profile / "kernel-drag.txt", spy
                        )
                    records = await drag(page, canvas, cell_at, scenario, start_spy)
                    kernel = await wait_for_file(dump)
                    for p in spy:
                        p.wait(30)
                finally:
                    await context.close()
                await nb.run_and_wait([limit_cell])
                limit = json.loads(nb.output_text(limit_cell).strip().splitlines()[-1])
                result = analyse(records, kernel, acked=True)
                if trace[0] or trace[1]:
                    result["raw"] = {"page": records, "kernel": kernel}
                result["limit"] = limit
                result["of_limit"] = result["fps"] / limit["fps"]
                per = result["kernel_per_frame"]
                # The same limit with the draw and encode times the kernel took during
                # the drag, while the browser, server and harness shared the cores.
                if not per:  # too few frames to time (analyse): report nothing
                    per = dict.fromkeys(("render_ms", "encode_ms", "main_cpu_ms", "wall_ms"), NAN)
                    result["kernel_per_frame"] = per
                result["loaded_limit_fps"] = 1000 / (per["render_ms"] + per["encode_ms"])
                result["of_loaded_limit"] = result["fps"] / result["loaded_limit_fps"]
                results.append(result)
                result["canvas_width"] = records["width"]
                print(f"  notewire {scenario.name} run {run + 1}: {brief(result)}", file=sys.stderr)
                print(f"    CPU during the drag: {cpu_brief(result['cpu'])}", file=sys.stderr)
                print(
                    "    kernel main thread per frame, ms: "
                    + ", ".join(f"{k.removesuffix('_ms')} {v:.1f}" for k, v in per.items()),
                    file=sys.stderr,
                )
    return results


async def kernel_pid_of(nb: Any) -> int:
    """The kernel's pid (the figure cell stored it)."""
    probe = nb.add_cell("print(_bench['pid'])")
    await nb.run_and_wait([probe])
    return int(nb.output_text(probe).strip().splitlines()[-1])


def brief(r: dict[str, Any]) -> str:
    text = (
        f"{r['fps']:.1f} frames/s over {r['seconds']:.2f} s,"
        f" latency p50 {r['latency_median_ms']:.0f} ms p95 {r['latency_p95_ms']:.0f} ms,"
        f" {r['bytes_per_frame']:,.0f} B/frame, load {r['load']:.2f}"
    )
    if "limit" in r:
        text += f", limit {r['limit']['fps']:.1f} ({r['of_limit']:.0%})"
    return text


def cpu_brief(cpu: dict[str, float]) -> str:
    """Cores used per process during the drag, the busiest first."""
    busy = sorted(cpu.items(), key=lambda kv: -kv[1])
    return f"total {sum(cpu.values()):.2f}; " + ", ".join(f"{k} {v:.2f}" for k, v in busy)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def run_ipympl(browser: Any, runs: int, scenario: Scenario) -> list[dict[str, Any]]:
    from playwright.async_api import expect

    if shutil.which("jupyter") is None:
        raise RuntimeError("jupyter is missing: pip install 'notewire[bench]'")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        dump = Path(tmp) / "records.json"
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {
            "name": "python3",
            "display_name": "Python 3",
            "language": "python",
        }
        cell = make_cell(scenario, dump, "%matplotlib widget", IPYMPL_TAIL)
        nb.cells = [nbformat.v4.new_code_cell(cell)]
        (Path(tmp) / "fig.ipynb").write_text(nbformat.writes(nb))
        port, token = free_port(), "benchtoken"
        log = open(Path(tmp) / "lab.log", "w")
        proc = subprocess.Popen(
            [
                "jupyter",
                "lab",
                "--no-browser",
                f"--port={port}",
                "--ip=127.0.0.1",
                f"--IdentityProvider.token={token}",
                f"--ServerApp.root_dir={tmp}",
                *(["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []),
                "--LabApp.news_url=",
                "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=tmp,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:  # the server's start-up: nothing to wait on but its port
                try:
                    urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=1)
                    break
                except OSError:
                    if time.monotonic() > deadline or proc.poll() is not None:
                        raise RuntimeError(
                            "jupyter lab did not start:\n"
                            + (Path(tmp) / "lab.log").read_text()[-3000:]
                        ) from None
                    await asyncio.sleep(0.2)
            for run in range(runs):
                dump.unlink(missing_ok=True)
                context = await browser.new_context(viewport={"width": 1400, "height": 1100})
                try:
                    page = await context.new_page()
                    await page.add_init_script(INIT)
                    await page.goto(f"{url}/lab/tree/fig.ipynb?token={token}")
                    editor = page.locator(".jp-Notebook .jp-Cell .cm-content").first
                    await expect(editor).to_be_visible(timeout=60_000)
                    try:  # JupyterLab may ask which kernel, though the notebook names one
                        await page.get_by_role("button", name="Select Kernel").click(timeout=5_000)
                    except Exception:
                        pass
                    await expect(
                        page.locator(".jp-Notebook-ExecutionIndicator[data-status=idle]")
                    ).to_have_count(1, timeout=60_000)
                    await editor.click()
                    cell_at = await page.evaluate("performance.now()")
                    await page.keyboard.press("Shift+Enter")
                    canvas = page.locator(".jupyter-matplotlib-canvas-div canvas").first
                    await expect(canvas).to_be_visible(timeout=60_000)
                    await page.wait_for_function("window.__bench.draws.length > 0", timeout=30_000)
                    top = page.locator(".jupyter-matplotlib-canvas-div canvas").last
                    records = await drag(page, top, cell_at, scenario)
                    kernel = await wait_for_file(dump)
                finally:
                    await context.close()
                result = analyse(records, kernel, acked=False)
                result["canvas_width"] = records["width"]
                results.append(result)
                print(f"  ipympl {scenario.name} run {run + 1}: {brief(result)}", file=sys.stderr)
                print(f"    CPU during the drag: {cpu_brief(result['cpu'])}", file=sys.stderr)
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
            log.close()
    return results


def median_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    keys = (
        "fps",
        "seconds",
        "frames",
        "latency_median_ms",
        "latency_p95_ms",
        "response_median_ms",
        "response_p95_ms",
        "page_main_ms_per_frame",
        "chromium_cpu_ms_per_frame",
        "kernel_busy",
        "bytes_per_frame",
        "canvas_width",
        "load",
    )
    out = {k: statistics.median(r[k] for r in runs) for k in keys}
    if runs and "limit" in runs[0]:
        out["limit_fps"] = statistics.median(r["limit"]["fps"] for r in runs)
        out["draw_ms"] = statistics.median(r["limit"]["draw_ms"] for r in runs)
        out["encode_ms"] = statistics.median(r["limit"]["encode_ms"] for r in runs)
        out["of_limit"] = statistics.median(r["of_limit"] for r in runs)
        for key in ("loaded_limit_fps", "of_loaded_limit"):
            out[key] = statistics.median(r[key] for r in runs)
        for key in ("render_ms", "encode_ms", "main_cpu_ms", "wall_ms"):
            out[f"drag_{key}"] = statistics.median(r["kernel_per_frame"][key] for r in runs)
    shares: dict[str, list[float]] = {}
    for r in runs:
        for k, v in r["cpu"].items():
            shares.setdefault(k, []).append(v)
    out["cpu"] = {k: statistics.median(v + [0.0] * (len(runs) - len(v))) for k, v in shares.items()}
    return out


COLUMNS = (
    ("frames/s", "fps", "{:.1f}"),
    ("true p50 ms", "latency_median_ms", "{:.0f}"),
    ("true p95 ms", "latency_p95_ms", "{:.0f}"),
    ("response p50 ms", "response_median_ms", "{:.1f}"),
    ("kernel busy", "kernel_busy", "{:.0%}"),
    ("page main ms/frame", "page_main_ms_per_frame", "{:.1f}"),
    ("chromium CPU ms/frame", "chromium_cpu_ms_per_frame", "{:.1f}"),
    ("bytes/frame", "bytes_per_frame", "{:,.0f}"),
    ("width", "canvas_width", "{:.0f}"),
)


def table(result: dict[str, Any]) -> str:
    """One row per scenario and side, then the ratios the goals are about."""
    rows = [("scenario", "side", *(c[0] for c in COLUMNS))]
    goals = []
    for name, sides in result["scenarios"].items():
        for side in ("notewire", "ipympl"):
            r = sides.get(side)
            if isinstance(r, dict):
                m = r["median"]
                label = f"{side} ({len(r['runs'])})"
                rows.append((name, label, *(f.format(m[k]) for _, k, f in COLUMNS)))
            elif r is not None:
                rows.append((name, side, "FAILED " + str(r).splitlines()[0][:60]))
        nw, ip = sides.get("notewire"), sides.get("ipympl")
        if isinstance(nw, dict):
            m = nw["median"]
            text = (
                f"{name}: notewire {m['fps']:.1f} frames/s = {m['of_limit']:.2f}× the full-redraw"
                f" JPEG limit {m['limit_fps']:.1f} (draw {m['draw_ms']:.1f} ms + JPEG"
                f" {m['encode_ms']:.1f}); in the drag the kernel drew {m['drag_render_ms']:.1f} ms"
                f" per frame, {m['drag_wall_ms']:.1f} ms between frames"
            )
            if isinstance(ip, dict) and ip["median"]["fps"] > 0:
                text += f"; {m['fps'] / ip['median']['fps']:.1f}× ipympl"
            goals.append(text)
    widths = [max(len(r[i]) if i < len(r) else 0 for r in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(
            c.ljust(w) if i < 2 else c.rjust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=False))
        )
        for r in rows
    ]
    lines.insert(1, "-" * len(lines[0]))
    lines += goals
    lines.append(
        "goals (line): frames ≥ 1.3× the limit and ≥ 4× ipympl; true p50 ≤ 60 ms;"
        " response p50 ≤ 17 ms"
    )
    lines.append(
        f"cpus: {result['cpus']}; load average before: {result['load_before']},"
        f" after: {result['load_after']}"
    )
    return "\n".join(lines)


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    parser.add_argument("--only", choices=("notewire", "ipympl"))
    parser.add_argument("--runs", type=int, default=1, help="drags per side (default 1)")
    parser.add_argument(
        "--scenarios",
        default=",".join(SCENARIOS),
        help=f"comma-separated, of: {', '.join(SCENARIOS)} (default: all)",
    )
    parser.add_argument(
        "--profile",
        metavar="DIR",
        type=Path,
        help="py-spy record the notewire kernel during the first drag (raw)",
    )
    args = parser.parse_args()
    from playwright.async_api import async_playwright

    if args.profile is not None:
        args.profile.mkdir(parents=True, exist_ok=True)
    names = [n.strip() for n in args.scenarios.split(",") if n.strip()]
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(unknown)}")
    result: dict[str, Any] = {
        "drag_s": DRAG_S,
        "move_hz": MOVE_HZ,
        "cpus": os.cpu_count(),
        "load_before": load(),
        "scenarios": {},
    }
    failed = False
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            for name in names:
                scenario = SCENARIOS[name]
                sides = {
                    "notewire": lambda s=scenario: run_notewire(
                        browser, args.runs, args.profile, s
                    ),
                    "ipympl": lambda s=scenario: run_ipympl(browser, args.runs, s),
                }
                out = result["scenarios"][name] = {}
                for side, run in sides.items():
                    if args.only and args.only != side:
                        continue
                    try:
                        runs = await run()
                        out[side] = {"runs": runs, "median": median_of(runs)}
                    except Exception as e:  # report it, go on with the rest
                        out[side] = f"{type(e).__name__}: {e}"
                        failed = True
                        print(f"{name} {side} failed: {out[side]}", file=sys.stderr)
        finally:
            await browser.close()
    result["load_after"] = load()
    print(table(result))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    return 2 if failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
