"""WebGL plot benchmark (issue 13, section 5): notewire.gl on the notewire page against
jupyter-scatter (regl-scatterplot) and Plotly's scattergl in JupyterLab, in one
headless Chromium, ipykernel behind both, the same data.

    python bench/webgl.py                      # 10^6 and 10^7 points, 2 runs each
    python bench/webgl.py --sizes 1e6 --runs 3 # smaller
    python bench/webgl.py --only notewire      # one app (no ratios)

Each app runs as a subprocess started and stopped by `frontend.App` (bench/frontend.py).
Both notebooks have kernelspec `python3` (ipykernel: notewire.gl works there too), and
a set-up cell makes the data once (float64 normal x, y for each size) and draws a
1,000-point warm-up plot with every library, so no measured run loads code.

An init script in the page wraps WebGL's draw calls (drawArrays, drawElements and their
instanced forms, in WebGL1 and WebGL2, ANGLE_instanced_arrays included) and counts the
vertices (instances for instanced calls) each draws; it wraps WebSocket to count the
bytes the page receives and the messages it sends.

  a. first frame: the plot cell is run with Shift+Enter; from the keydown's timeStamp to
     the next animation frame after the draw call with which the page has drawn at
     least N points since (all the points, once; the GPU's backpressure holds that
     animation frame back until the frame is out). Median of --runs runs per size,
     each run re-running the cell (its old plot goes away). Also the bytes the page
     received over its WebSockets meanwhile.
     Also shown: the time to the draw call itself (the page has the data on the GPU
     and asks for the frame; with a GPU the frame follows within milliseconds, with
     SwiftShader it takes seconds of CPU).
  b. drag: on the 10^6-point plot, the mouse is pressed in the middle of the plot and
     moved 3 px at a time, 20 times: the input-to-frame latency of each move (from the
     pointermove's timeStamp to the next draw of all the points), then 60 moves sent
     without waiting: frames drawn per second over that drag. Messages the page sent
     on its WebSockets during the drag that reach the kernel (notewire: comm_msg;
     JupyterLab: any message on the kernel's channels socket) are counted.

Goals: notewire's first frame for 10^7 points under 2 s on loopback, at least 3x faster
than the better of the peers, and no kernel traffic during a drag. Without a GPU
Chromium renders WebGL with SwiftShader (on the CPU): frame rates are the software
renderer's, reported as such.

Exit status: 0 when both apps ran, 2 when one failed, 1 on a set-up error.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from widgets import make_apps, open_notebook

# the other benchmarks, beside this file (sys.path[0] when it is run as a script)
from frontend import FRAME_S, App, BenchError, median, p95, report, run_main, side_by_side

NOTEBOOK = "webgl.ipynb"
VIEWPORT = {"width": 1280, "height": 900}
PEERS = {"notewire": ["notewire"], "jupyterlab": ["jupyter-scatter", "plotly"]}
PLOT = {
    "notewire": "gl.scatter(*data[{n}], size=1)",
    "jupyter-scatter": "jscatter.Scatter(x=data[{n}][0], y=data[{n}][1], height=480).show()",
    "plotly": "go.Figure(go.Scattergl(x=data[{n}][0],"
    " y=data[{n}][1], mode='markers', marker={{'size': 1}}),"
    " layout={{'width': 640, 'height': 480, 'dragmode': 'pan'}})",
}
IMPORTS = {
    "notewire": "import notewire.gl as gl",
    "jupyter-scatter": "import jscatter",
    "plotly": "import plotly.graph_objects as go",
}
# The element a drag starts in: the last plot of the page.
PLOT_SELECTOR = {
    "notewire": ".nw-gl-output canvas",
    "jupyter-scatter": ".jp-OutputArea-output canvas",
    "plotly": ".jp-OutputArea-output .nsewdrag",
}


# Points a frame must draw to count as showing the plot. Plotly's scattergl
# (regl-scatter2d) snaps points into clusters and never draws all of a large N at once:
# its frame counts from its first draw of 10,000 points (in its favour).
def need(peer: str, n: int) -> int:
    return min(n, 10_000) if peer == "plotly" else n


# Plotly with 10^7 points (a 213 MB figure of base64 in JSON) took Playwright's driver
# down with it here (out of memory), and the JupyterLab results with it.
PEER_MAX = {"plotly": 10**6}

LATENCY_MOVES = 20
FPS_MOVES = 60

PROBE = """
(() => {
  if (window.top !== window || window.__gl) return;
  const g = (window.__gl = { drawn: 0, draws: [], sent: [], received: 0, keys: [] });
  const now = () => performance.timeOrigin + performance.now();
  const count = (n) => {
    g.drawn += n;
    g.draws.push([now(), g.drawn]);
  };
  const wrap = (proto, name, pick) => {
    const f = proto && proto[name];
    if (!f) return;
    proto[name] = function (...a) { const r = f.apply(this, a); count(pick(a)); return r; };
  };
  for (const P of [window.WebGLRenderingContext, window.WebGL2RenderingContext]) {
    if (!P) continue;
    wrap(P.prototype, "drawArrays", (a) => a[2]);
    wrap(P.prototype, "drawElements", (a) => a[1]);
    wrap(P.prototype, "drawArraysInstanced", (a) => Math.max(a[2], a[3]));
    wrap(P.prototype, "drawElementsInstanced", (a) => Math.max(a[1], a[4]));
    const ext = P.prototype.getExtension;
    P.prototype.getExtension = function (name) {
      const e = ext.call(this, name);
      if (e && name === "ANGLE_instanced_arrays" && !e.__wrapped) {
        e.__wrapped = true;
        wrap(e, "drawArraysInstancedANGLE", (a) => Math.max(a[2], a[3]));
        wrap(e, "drawElementsInstancedANGLE", (a) => Math.max(a[1], a[4]));
      }
      return e;
    };
  }
  const WS = window.WebSocket;
  window.WebSocket = function (url, protocols) {
    const ws = protocols === undefined ? new WS(url) : new WS(url, protocols);
    ws.addEventListener("message", (e) => {
      const d = e.data;
      g.received += typeof d === "string" ? d.length : d.byteLength ?? d.size ?? 0;
    });
    const send = ws.send.bind(ws);
    ws.send = (d) => {
      const head = typeof d === "string" ? d : new Uint8Array(d.buffer ?? d).subarray(0, 400);
      const text = typeof head === "string" ? head : new TextDecoder().decode(head);
      const kernel = text.includes('"comm_msg"') || String(url).includes("/channels");
      g.sent.push([now(), String(url), kernel]);
      return send(d);
    };
    return ws;
  };
  window.WebSocket.prototype = WS.prototype;
  Object.assign(window.WebSocket, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
  const at = (e) => performance.timeOrigin + e.timeStamp;
  addEventListener("keydown", (e) => e.isTrusted && g.keys.push([at(e), e.key]), true);
  addEventListener("pointermove", (e) => (g.move = at(e)), true);
})();
"""


@dataclass
class Peer:
    first_frame_ms: dict[str, list[float]] = field(default_factory=dict)
    first_draw_ms: dict[str, list[float]] = field(default_factory=dict)
    received_mb: dict[str, list[float]] = field(default_factory=dict)
    latency_ms: list[float] = field(default_factory=list)
    fps: float | None = None
    kernel_messages_in_drag: int | None = None
    error: str | None = None


@dataclass
class Result:
    name: str
    peers: dict[str, Peer] = field(default_factory=dict)
    error: str | None = None
    console_errors: list[str] = field(default_factory=list)


def notebook(peers: list[str], sizes: list[int]) -> str:
    setup = (
        "import numpy as np\n"
        + "\n".join(IMPORTS[p] for p in peers)
        + "\nrng = np.random.default_rng(0)\n"
        + "data = {n: (rng.standard_normal(n), rng.standard_normal(n))"
        + f" for n in {[*sizes, 1000]}}}"
    )
    warm = [PLOT[p].format(n=1000) for p in peers]
    cells = [setup, *warm] + [PLOT[p].format(n=n) for p in peers for n in sizes]
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "python3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    return nbformat.writes(nb)


async def run_cell(page: Any, app: App, index: int, rng: random.Random) -> float:
    cell = (
        ".nw-cells .nw-cell"
        if app.name == "notewire"
        else ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell"
    )
    await page.locator(cell).nth(index).locator(".cm-content").click()
    await asyncio.sleep(rng.uniform(0, FRAME_S))
    before = await page.evaluate("window.__gl.keys.length")
    await page.keyboard.press("Shift+Enter")
    keys = await page.evaluate("window.__gl.keys")
    if len(keys) <= before or keys[-1][1] != "Enter":
        raise BenchError("the page saw no Enter keydown")
    return float(keys[-1][0])


async def drawn_since(page: Any, t0: float, points: int, limit_s: float) -> tuple[float, float]:
    """When the draw call that brought the vertices drawn since `t0` to `points` was
    made, and when that frame was out: the next animation frame after that call."""
    issued, out = await page.evaluate(
        """([t0, n, limit]) => new Promise((resolve, reject) => {
              const g = window.__gl; const end = performance.now() + limit * 1000;
              const look = () => {
                const before = g.draws.filter((d) => d[0] < t0).pop();
                const base = before ? before[1] : 0;
                const hit = g.draws.find((d) => d[0] >= t0 && d[1] - base >= n);
                // The frame is out when the next one may begin: the next animation frame
                // after the draw (the GPU's backpressure holds it back until then).
                const out = () => resolve([hit[0], performance.timeOrigin + performance.now()]);
                if (hit) requestAnimationFrame(out);
                else if (performance.now() > end) reject(new Error(`${g.drawn - base}/${n} drawn`));
                else setTimeout(look, 20);
              };
              look();
            })""",
        [t0, points, limit_s],
    )
    return float(issued), float(out)


async def bench_app(browser: Any, app: App, args: argparse.Namespace, shots: Path) -> Result:
    result = Result(app.name)
    rng = random.Random(1)
    context = await browser.new_context(viewport=VIEWPORT)
    await context.add_init_script(PROBE)
    try:
        login = await context.new_page()
        await login.goto(app.login_url, timeout=args.timeout * 1000)
        await login.close()
        page = await open_notebook(context, app, NOTEBOOK, result, args.timeout)  # type: ignore[arg-type]
        peers = PEERS[app.name]
        await run_cell(page, app, 0, rng)  # the data
        for i in range(len(peers)):
            await drawn_since(page, await run_cell(page, app, 1 + i, rng), 1000, args.timeout)
        cell = 1 + len(peers)
        for peer in peers:
            r = result.peers.setdefault(peer, Peer())
            try:
                for n in args.sizes:
                    if n > PEER_MAX.get(peer, n) and not args.all_sizes:
                        r.error = f"{n:.0e} points not run (--all-sizes runs it)"
                        cell += 1
                        continue
                    for run in range(args.runs):
                        received = await page.evaluate("window.__gl.received")
                        t0 = await run_cell(page, app, cell, rng)
                        drawn, t1 = await drawn_since(page, t0, need(peer, n), args.timeout)
                        r.first_draw_ms.setdefault(str(n), []).append(drawn - t0)
                        got = (await page.evaluate("window.__gl.received")) - received
                        r.first_frame_ms.setdefault(str(n), []).append(t1 - t0)
                        r.received_mb.setdefault(str(n), []).append(got / 1e6)
                        print(
                            f"  {peer} {n:.0e}, run {run + 1}: {t1 - t0:,.0f} ms,"
                            f" {got / 1e6:.1f} MB",
                            file=sys.stderr,
                        )
                    if n == min(args.sizes) and not args.no_drag:
                        try:  # a drag that fails still leaves the larger sizes to measure
                            await drag(page, peer, n, r, rng)
                        except Exception as e:
                            r.error = f"drag: {type(e).__name__}: {str(e)[:300]}"
                        await page.screenshot(path=shots / f"{peer}-{n:.0e}.png")
                    cell += 1
            except Exception as e:  # one library failing still measures the other
                r.error = f"{type(e).__name__}: {str(e)[:300]}"
                cell = 1 + len(peers) + (peers.index(peer) + 1) * len(args.sizes)
    finally:
        try:
            await context.close()
        except Exception as e:  # the browser died: what was measured still counts
            result.console_errors.append(f"closing the page: {type(e).__name__}: {e}")
    return result


async def drag(page: Any, peer: str, n: int, r: Peer, rng: random.Random) -> None:
    target = page.locator(PLOT_SELECTOR[peer]).last
    await target.scroll_into_view_if_needed()
    box = await target.bounding_box()
    if box is None:
        raise BenchError(f"{peer}: no plot to drag")
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    mouse = page.mouse
    await mouse.move(x, y)
    await mouse.down()
    start = await page.evaluate("performance.timeOrigin + performance.now()")
    for i in range(LATENCY_MOVES):
        await asyncio.sleep(rng.uniform(0, FRAME_S))
        await mouse.move(x + 3 * (i + 1), y + (i % 2))
        moved = await page.evaluate("window.__gl.move")
        r.latency_ms.append((await drawn_since(page, moved, need(peer, n), 30))[1] - moved)
        print(f"    {peer} drag move {i + 1}: {r.latency_ms[-1]:,.0f} ms", file=sys.stderr)
    t0 = await page.evaluate("performance.timeOrigin + performance.now()")
    drawn0 = await page.evaluate("window.__gl.drawn")
    await mouse.move(x, y, steps=FPS_MOVES)
    t1 = await page.evaluate("performance.timeOrigin + performance.now()")
    frames = ((await page.evaluate("window.__gl.drawn")) - drawn0) / need(peer, n)
    await mouse.up()
    end = await page.evaluate("performance.timeOrigin + performance.now()")
    r.fps = frames / ((t1 - t0) / 1000)
    sent = await page.evaluate("window.__gl.sent")
    r.kernel_messages_in_drag = sum(1 for t, _, kernel in sent if start <= t <= end and kernel)


def fmt(x: float | None, unit: str = "ms") -> str:
    if x is None:
        return "-"
    return f"{x:,.0f} {unit}" if unit == "ms" else f"{x:,.1f} {unit}"


def table(results: dict[str, Result], meta: dict[str, Any], sizes: list[int]) -> str:
    peers = {name: peer for r in results.values() for name, peer in r.peers.items()}
    names = list(peers)
    rows = []
    for n in sizes:
        rows.append(
            (
                f"draw call issued, {n:.0e} (median)",
                {p: median(peers[p].first_draw_ms.get(str(n), [])) for p in names},
                "ms",
            )
        )
        rows.append(
            (
                f"first frame, {n:.0e} points (median)",
                {p: median(peers[p].first_frame_ms.get(str(n), [])) for p in names},
                "ms",
            )
        )
        rows.append(
            (
                f"  bytes received, {n:.0e}",
                {p: median(peers[p].received_mb.get(str(n), [])) for p in names},
                "MB",
            )
        )
    rows.append(
        ("drag: input to frame (median)", {p: median(peers[p].latency_ms) for p in names}, "ms")
    )
    rows.append(("drag: input to frame (p95)", {p: p95(peers[p].latency_ms) for p in names}, "ms"))
    rows.append(("drag: frames per second", {p: peers[p].fps for p in names}, "fps"))
    rows.append(
        ("drag: messages to the kernel", {p: peers[p].kernel_messages_in_drag for p in names}, "")
    )
    out = [f"WebGL plots: {', '.join(f'{k}: {v}' for k, v in meta.items())}", ""]
    out.append(f"{'':40}" + "".join(f"{p:>18}" for p in names) + "   notewire / best peer")
    for label, values, unit in rows:
        line = f"{label:40}" + "".join(
            f"{fmt(values[p], unit) if unit else str(values[p]):>18}" for p in names
        )
        mine = values.get("notewire")
        others = [v for p, v in values.items() if p != "notewire" and v]
        if unit == "ms" and mine and others:
            line += f"   {mine / min(others):.2f}x"
        out.append(line)
    for p in names:
        if peers[p].error:
            out.append(f"{p} FAILED: {peers[p].error}")
    return "\n".join(out)


async def run(args: argparse.Namespace) -> int:
    scratch, shots, apps = make_apps("webgl", args)
    one, five, _ = os.getloadavg()
    meta: dict[str, Any] = {
        "runs": args.runs,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs,"
        f" Python {platform.python_version()}",
        "renderer": "SwiftShader (software WebGL; no GPU)",
        "load_before": f"{one:.2f} (1 min), {five:.2f} (5 min)",
    }
    results: dict[str, Result] = {}
    status = 0
    try:
        for app in apps.values():
            app.root.mkdir(parents=True)
            (app.root / NOTEBOOK).write_text(
                notebook(PEERS[app.name], args.sizes), encoding="utf-8"
            )
            app.start()
        status = await side_by_side(apps, results, bench_app, Result, args, shots, meta)
    finally:
        for app in apps.values():
            app.stop()
    one, five, _ = os.getloadavg()
    meta["load_after"] = f"{one:.2f} (1 min), {five:.2f} (5 min)"
    print(table(results, meta, args.sizes))
    await report(apps, results, args, shots, meta)  # type: ignore[arg-type]
    shutil.rmtree(scratch / "root-notewire", ignore_errors=True)
    shutil.rmtree(scratch / "root-jupyterlab", ignore_errors=True)
    return status


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument(
        "--sizes", type=lambda s: [int(float(v)) for v in s.split(",")], default=[10**6, 10**7]
    )
    p.add_argument("--runs", type=int, default=2, help="runs per size (default 2)")
    p.add_argument("--only", action="append", choices=["notewire", "jupyterlab"])
    p.add_argument("--no-drag", action="store_true", help="first frames and bytes only")
    p.add_argument("--all-sizes", action="store_true", help="also plotly above 10^6 points")
    p.add_argument("--json", metavar="PATH", help="write the raw samples to PATH")
    p.add_argument("--shots", metavar="DIR", help="folder for the screenshots")
    p.add_argument("--timeout", type=float, default=180.0, help="seconds for a start or a wait")
    return run_main(run, p.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
