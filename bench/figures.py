"""Live figure benchmark: a scripted 5-second drag-pan of an 800×600 figure with a
10,000-point line, in one headless Chromium, on notewire (the real server and kernel,
`%matplotlib notewire`) and on ipympl in JupyterLab (`%matplotlib widget`); and the
limit of this machine, 1 / (Agg draw + JPEG encode), measured in the same run.

    python bench/figures.py            # both, table
    python bench/figures.py --json out.json
    python bench/figures.py --only notewire

How it measures (bench/README.md has more): the same init script in both pages counts
every drawImage onto a canvas at least 400 px wide (a frame shown), stamps every
pointermove (performance.now()), and sums the bytes of binary WebSocket messages.
Frames/s = frames drawn during the drag / drag time. Latency of a pointer event = the
time to the second frame drawn after it (the first may have been rendered before the
event reached the kernel; with a window of 2 frames in flight the second cannot be).
Bytes/frame = binary WebSocket bytes received during the drag / frames drawn.
"""

from __future__ import annotations

import argparse
import asyncio
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

CHROMIUM = os.environ.get("NOTEWIRE_CHROMIUM", "/usr/bin/chromium")
DRAG_S = 5.0
MOVE_HZ = 60

FIGURE = """\
import numpy as np, matplotlib.pyplot as plt
x = np.linspace(0, 100, 10_000)
y = np.sin(x) + 0.2 * np.random.default_rng(0).standard_normal(x.size)
fig, ax = plt.subplots(figsize=(8, 6), dpi=100)
ax.plot(x, y)
"""
NOTEWIRE_CELL = "%matplotlib notewire\n" + FIGURE + "plt.show()\n"
IPYMPL_CELL = "%matplotlib widget\n" + FIGURE + "fig.canvas.toolbar.pan()\nplt.show()\n"

INIT = """
(() => {
  const b = (window.__bench = { draws: [], moves: [], bytes: [] });
  const draw = CanvasRenderingContext2D.prototype.drawImage;
  CanvasRenderingContext2D.prototype.drawImage = function (...a) {
    if (this.canvas && this.canvas.width >= 400) b.draws.push(performance.now());
    return draw.apply(this, a);
  };
  document.addEventListener('pointermove', () => b.moves.push(performance.now()), true);
  const WS = window.WebSocket;
  window.WebSocket = class extends WS {
    constructor(...a) {
      super(...a);
      this.addEventListener('message', (e) => {
        if (typeof e.data === 'string') return;
        b.bytes.push([performance.now(), e.data.byteLength ?? e.data.size]);
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


def machine_limit(samples: int = 40) -> dict[str, float]:
    """Agg draw + JPEG encode of the same figure while panning, in this process."""
    import matplotlib

    matplotlib.use("agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from notewire.canvas.encode import as_pixels, encode_jpeg, full_rect

    ns: dict[str, Any] = {}
    exec(FIGURE, ns)
    fig, ax = ns["fig"], ns["ax"]
    x0, x1 = ax.get_xlim()
    draws, encodes = [], []
    for i in range(samples + 5):
        shift = (i % 20) * 0.5
        ax.set_xlim(x0 + shift, x1 + shift)
        t = time.perf_counter()
        fig.canvas.draw()
        t1 = time.perf_counter()
        pixels = as_pixels(np.asarray(fig.canvas.buffer_rgba()))
        encode_jpeg(pixels, full_rect(pixels))
        t2 = time.perf_counter()
        if i >= 5:
            draws.append((t1 - t) * 1000)
            encodes.append((t2 - t1) * 1000)
    plt.close(fig)
    draw, enc = statistics.median(draws), statistics.median(encodes)
    return {"draw_ms": draw, "encode_ms": enc, "fps": 1000 / (draw + enc)}


async def drag(page: Any, canvas: Any) -> dict[str, Any]:
    """The scripted drag on `canvas`; returns the page's counts over the drag."""
    box = await canvas.bounding_box()
    assert box is not None
    cx, cy = box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5
    amp = box["width"] * 0.2
    m = page.mouse
    await m.move(cx, cy)
    await m.down()
    t0 = await page.evaluate("performance.now()")
    start = time.perf_counter()
    n = int(DRAG_S * MOVE_HZ)
    for i in range(1, n + 1):
        # a triangle wave: left and right across 40 % of the width, 1 s per sweep
        phase = (i / MOVE_HZ) % 1.0
        dx = amp * (4 * phase - 1 if phase < 0.5 else 3 - 4 * phase)
        await m.move(cx + dx, cy)
        delay = start + i / MOVE_HZ - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)  # pacing the scripted input, not waiting on a result
    t1 = await page.evaluate("performance.now()")
    await m.up()
    b = await page.evaluate("window.__bench")
    draws = [t for t in b["draws"] if t0 <= t <= t1]
    moves = [t for t in b["moves"] if t0 <= t <= t1]
    all_draws = sorted(b["draws"])
    latencies = []
    for mv in moves:
        after = [d for d in all_draws if d > mv]
        if len(after) >= 2:
            latencies.append(after[1] - mv)
    nbytes = sum(n for t, n in b["bytes"] if t0 <= t <= t1)
    secs = (t1 - t0) / 1000
    return {
        "seconds": secs,
        "frames": len(draws),
        "fps": len(draws) / secs,
        "latency_median_ms": statistics.median(latencies) if latencies else float("nan"),
        "latency_p95_ms": pct(latencies, 95),
        "bytes_per_frame": nbytes / len(draws) if draws else float("nan"),
        "moves": len(moves),
    }


async def run_notewire(browser: Any) -> dict[str, Any]:
    from playwright.async_api import expect

    from tests.server.notebook_server import running_server, write_notebook

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "root"
        root.mkdir()
        write_notebook(root / "fig.ipynb", cells=[NOTEWIRE_CELL])
        async with running_server(root, Path(tmp)) as server, server.client("fig.ipynb") as nb:
            context = await browser.new_context(viewport={"width": 1200, "height": 1000})
            try:
                page = await context.new_page()
                await page.add_init_script(INIT)
                await page.goto(f"{server.url}/login?token={server.token}&next={quote('/notebooks/fig.ipynb')}")
                await expect(page.locator("#app")).to_have_attribute("data-connection", "connected", timeout=30_000)
                await nb.run_and_wait([nb.cells[0]["id"]])
                canvas = page.locator(".nw-canvas-output[data-live=true] canvas.nw-canvas-picture")
                await expect(canvas).to_be_visible(timeout=30_000)
                await page.locator(".nw-canvas-button-pan").click()
                await expect(page.locator(".nw-canvas-button-pan")).to_have_attribute("aria-pressed", "true")
                await page.wait_for_function("window.__bench.draws.length > 0", timeout=30_000)
                return await drag(page, canvas)
            finally:
                await context.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def run_ipympl(browser: Any) -> dict[str, Any]:
    from playwright.async_api import expect

    if shutil.which("jupyter") is None:
        raise RuntimeError("jupyter is missing: pip install 'notewire[bench]'")
    with tempfile.TemporaryDirectory() as tmp:
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nb.cells = [nbformat.v4.new_code_cell(IPYMPL_CELL)]
        (Path(tmp) / "fig.ipynb").write_text(nbformat.writes(nb))
        port, token = free_port(), "benchtoken"
        log = open(Path(tmp) / "lab.log", "w")
        proc = subprocess.Popen(
            ["jupyter", "lab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
             f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={tmp}",
             *(["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []), "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
            stdout=log, stderr=subprocess.STDOUT, cwd=tmp,
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
                        raise RuntimeError("jupyter lab did not start:\n" + (Path(tmp) / "lab.log").read_text()[-3000:])
                    await asyncio.sleep(0.2)
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
                await expect(page.locator(".jp-Notebook-ExecutionIndicator[data-status=idle]")).to_have_count(1, timeout=60_000)
                await editor.click()
                await page.keyboard.press("Shift+Enter")
                canvas = page.locator(".jupyter-matplotlib-canvas-div canvas").first
                await expect(canvas).to_be_visible(timeout=60_000)
                await page.wait_for_function("window.__bench.draws.length > 0", timeout=30_000)
                top = page.locator(".jupyter-matplotlib-canvas-div canvas").last
                return await drag(page, top)
            finally:
                await context.close()
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
            log.close()


def table(result: dict[str, Any]) -> str:
    rows = [("", "frames/s", "latency p50 ms", "latency p95 ms", "bytes/frame", "frames")]
    for name in ("notewire", "ipympl"):
        r = result.get(name)
        if isinstance(r, dict) and "fps" in r:
            rows.append((name, f"{r['fps']:.1f}", f"{r['latency_median_ms']:.0f}", f"{r['latency_p95_ms']:.0f}",
                         f"{r['bytes_per_frame']:,.0f}", str(r["frames"])))
        elif r is not None:
            rows.append((name, "FAILED", str(r).splitlines()[0][:40], "", "", ""))
    lim = result["limit"]
    rows.append(("limit 1/(draw+encode)", f"{lim['fps']:.1f}", f"draw {lim['draw_ms']:.1f}", f"jpeg {lim['encode_ms']:.1f}", "", ""))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))) for r in rows]
    lines.insert(1, "-" * len(lines[0]))
    nw, ip = result.get("notewire"), result.get("ipympl")
    if isinstance(nw, dict) and "fps" in nw:
        lines.append(f"notewire / limit: {nw['fps'] / lim['fps']:.0%} (goal ≥ 90%)")
        if isinstance(ip, dict) and "fps" in ip and ip["fps"] > 0:
            lines.append(f"notewire / ipympl: {nw['fps'] / ip['fps']:.1f}× (goal ≥ 3×)")
    return "\n".join(lines)


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    parser.add_argument("--only", choices=("notewire", "ipympl"))
    args = parser.parse_args()
    from playwright.async_api import async_playwright

    result: dict[str, Any] = {"drag_s": DRAG_S, "move_hz": MOVE_HZ, "cpus": os.cpu_count()}
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            for name, run in (("notewire", run_notewire), ("ipympl", run_ipympl)):
                if args.only and args.only != name:
                    continue
                try:
                    result[name] = await run(browser)
                except Exception as e:  # report it, go on with the rest
                    result[name] = f"{type(e).__name__}: {e}"
                    print(f"{name} failed: {result[name]}", file=sys.stderr)
        finally:
            await browser.close()
    result["limit"] = machine_limit()  # same run, after the browsers (no contention)
    print(table(result))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    failed = any(isinstance(result.get(n), str) for n in ("notewire", "ipympl"))
    return 2 if failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
