"""JupyterHub benchmark: notewire against JupyterLab as the single-user server, both
spawned by one real JupyterHub and reached through its configurable-http-proxy.

    python bench/hub.py              # full run (a few minutes on 2 vCPU)
    python bench/hub.py --quick      # smoke run: 2 spawns and 20 executes per app

One hub (tests/hub/jupyterhub.py: DummyAuthenticator, SimpleLocalProcessSpawner, CHP
from frontend/node_modules, everything in a temporary folder) spawns, per user:

  notewire    `python -m notewire singleuser --kernel python3` (user `nw`);
  JupyterLab  `python -m jupyterhub.singleuser` (user `lab`): jupyter_server with
              JupyterLab, its defaults, news and update checks off.

Both open the same notebook (one cell, kernelspec `python3`: ipykernel for both).

  a. spawn until the notebook page is usable: a Chromium already logged in at the hub
     opens `/hub/spawn/<user>?next=<the notebook's page>` (what "Start My Server" does);
     the hub spawns, waits for the server's readiness probe and adds its route; the
     browser goes through the server's OAuth login to the notebook page. Usable: the
     kernel reports idle and a key typed into the cell's editor is in its text. Time
     from the navigation's start (wall clock around Playwright's calls). The server is
     stopped through the hub's API between spawns (not timed). The apps take turns
     (alternating order), so a change of this machine's load falls on both alike. The
     first spawn (the browser's cache cold) is shown apart; the median is of the
     --spawns after it.
  b. execute("pass") round trip through the proxy: the clients of bench/server.py
     (notewire: the notebook WebSocket, a run done when the cell's run state is done
     in the Yjs copy; JupyterLab: jupyter_server's kernel WebSocket, done at the
     execute_reply and idle status), each authenticated with the user's hub API token
     and connected to `<hub>/user/<user>/...`. Median and p90 of --passes, taken in
     --rounds batches alternating between the apps, after warm-up runs.

Goal: notewire at most 0.5x JupyterLab on each figure.

The gateway half (bench/gateway.py, issue 14 section 3) runs after these and prints
in the same table: c. execute("pass") with the kernel on a Jupyter Kernel Gateway,
notewire against jupyter_server in front of the same gateway (`--no-gateway` skips it).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import httpx
import nbformat
from playwright.async_api import TimeoutError as PlaywrightTimeout
from server import Group, JupyterConn, NotewireConn, bench_pass, cpu_seconds

from frontend import CHROMIUM, BenchError, run_main

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.hub.jupyterhub import LAB_CMD, NOTEWIRE_CMD, Hub, running_hub  # noqa: E402


@dataclass
class Figure:
    """One row of the table: samples (seconds) of notewire and of its peer."""

    name: str
    notewire: list[float]
    peer: list[float]
    peer_title: str = "JupyterLab"
    unit: str = "ms"
    goal: float = 0.5
    notes: list[str] = field(default_factory=list)


async def gateway_figures(args: argparse.Namespace) -> list[Figure]:
    """bench/gateway.py's execute("pass") round trip, as a row of this table."""
    from gateway import measure_gateway_pass

    results = await asyncio.to_thread(
        measure_gateway_pass, passes=args.passes, rounds=args.rounds, timeout=args.timeout
    )
    nw, js = results["notewire"].get("a"), results["jupyter_server"].get("a")
    if not (nw and js):
        errors = [
            f"{k}: {v['error']}" for k, v in results.items() if isinstance(v, dict) and "error" in v
        ]
        print("gateway half FAILED:", "; ".join(errors))
        return []
    return [
        Figure(
            'c. execute("pass"), kernel on a gateway',
            nw["samples_s"],
            js["samples_s"],
            peer_title="jupyter_server",
            notes=[f"p90: notewire {ms(nw['p90_s'])}, jupyter_server {ms(js['p90_s'])}"],
        )
    ]


@dataclass(frozen=True)
class App:
    name: str
    title: str
    user: str
    cmd: list[str]
    page: str  # the notebook page, below the user's prefix
    editor: str
    kernel_idle: str


ROOT_FLAG = ["--allow-root"] if os.geteuid() == 0 else []
APPS = {
    "notewire": App(
        "notewire",
        "notewire",
        "nw",
        [*NOTEWIRE_CMD, "--kernel", "python3"],
        "notebooks/bench.ipynb",
        ".nw-cells .nw-cell .cm-content",
        ".nw-kernel[data-state='idle']",
    ),
    "jupyterlab": App(
        "jupyterlab",
        "JupyterLab",
        "lab",
        [*LAB_CMD, *ROOT_FLAG],
        "lab/tree/bench.ipynb",
        ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell .cm-content",
        ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator[data-status='idle']",
    ),
}


def prepare_home(hub: Hub, app: App) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [nbformat.v4.new_code_cell("pass")]
    nbformat.write(nb, hub.home(app.user) / "bench.ipynb")
    # JupyterLab's news and update checks would reach the network (and show a toast).
    settings = hub.home(app.user) / ".jupyter/lab/user-settings/@jupyterlab/apputils-extension"
    settings.mkdir(parents=True, exist_ok=True)
    (settings / "notification.jupyterlab-settings").write_text(
        '{"fetchNews": "false", "checkForUpdates": false}'
    )


async def poll(check: Callable[[], Any], within: float, what: str) -> Any:
    deadline = time.monotonic() + within
    while True:
        value = await asyncio.to_thread(check)
        if value:
            return value
        if time.monotonic() > deadline:
            raise BenchError(f"{what}: not within {within:g} s")
        await asyncio.sleep(0.05)


def server_of(hub: Hub, user: str) -> dict[str, Any] | None:
    reply = hub.api("GET", f"/users/{user}")
    reply.raise_for_status()
    model: dict[str, Any] | None = reply.json()["servers"].get("")
    return model


async def stop_server(hub: Hub, user: str) -> None:
    await asyncio.to_thread(hub.api, "DELETE", f"/users/{user}/server")
    await poll(lambda: server_of(hub, user) is None, 60, f"{user}'s server to stop")


async def start_server(hub: Hub, user: str) -> dict[str, Any]:
    await asyncio.to_thread(hub.api, "POST", f"/users/{user}/server")
    ready = await poll(
        lambda: (m := server_of(hub, user)) and m["ready"] and m, 90, f"{user}'s server"
    )
    return dict(ready)


async def spawn_once(page: Any, hub: Hub, app: App, timeout_ms: float) -> float:
    target = f"/user/{app.user}/{app.page}"
    url = f"{hub.url}/hub/spawn/{app.user}?{urlencode({'next': target})}"
    t0 = time.perf_counter()
    await page.goto(url, timeout=timeout_ms)
    await page.wait_for_selector(app.kernel_idle, timeout=timeout_ms)
    editor = page.locator(app.editor).first
    await editor.click(timeout=timeout_ms)
    await page.keyboard.press("End")
    await page.keyboard.type("#")
    await page.wait_for_function(
        "(sel) => document.querySelector(sel)?.textContent.includes('#')",
        arg=app.editor,
        timeout=timeout_ms,
    )
    return time.perf_counter() - t0


async def logged_in_page(browser: Any, hub: Hub, app: App) -> tuple[Any, Any]:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    await page.goto(f"{hub.url}/hub/login?next={quote('/hub/home')}")
    await page.fill("#username_input", app.user)
    await page.fill("#password_input", "any")
    await page.click("#login_submit")
    await page.wait_for_url(f"{hub.url}/hub/home")
    return context, page


async def bench_spawns(browser: Any, hub: Hub, args: argparse.Namespace) -> dict[str, list[float]]:
    """a, for both apps in turn (alternating order each round), so that a change in
    this machine's load falls on both alike."""
    pages = {name: await logged_in_page(browser, hub, app) for name, app in APPS.items()}
    times: dict[str, list[float]] = {name: [] for name in APPS}
    failed = dict.fromkeys(APPS, 0)
    try:
        for i in range(args.spawns + 1):
            order = list(APPS) if i % 2 == 0 else list(reversed(APPS))
            for name in order:
                app, page = APPS[name], pages[name][1]
                prepare_home(hub, app)
                try:
                    t = await spawn_once(page, hub, app, args.timeout * 1000)
                except PlaywrightTimeout as e:  # counted and shown, not hidden
                    failed[name] += 1
                    print(f"  a. {app.title} spawn {i}: FAILED {e.message.splitlines()[0]}")
                else:
                    times[name].append(t)
                    print(f"  a. {app.title} spawn {i}: {t:.2f} s", flush=True)
                await page.goto("about:blank")
                await stop_server(hub, app.user)
        return times, failed
    finally:
        for context, _ in pages.values():
            await context.close()


class _Served:
    """What bench_pass asks of a server: a title and the server process's CPU time."""

    def __init__(self, title: str, pid: int) -> None:
        self.title = title
        self.pid = pid

    def cpu(self) -> float:
        return cpu_seconds(self.pid)


async def serve_for_executes(hub: Hub, app: App) -> tuple[str, str, str | None, _Served]:
    """Start the app's server; its base URL, a hub token of its user, the kernel to
    talk to (JupyterLab; notewire starts the notebook's), and its process."""
    prepare_home(hub, app)
    model = await start_server(hub, app.user)
    reply = await asyncio.to_thread(hub.api, "POST", f"/users/{app.user}/tokens", json={})
    reply.raise_for_status()
    token = reply.json()["token"]
    base = f"{hub.url}/user/{app.user}"
    kernel = None
    if app.name == "jupyterlab":
        started = await asyncio.to_thread(
            hub_request, "POST", f"{base}/api/kernels", token, {"name": "python3"}
        )
        kernel = started["id"]
    return base, token, kernel, _Served(app.title, int(model["state"]["pid"]))


def connect(app: App, base: str, token: str, kernel: str | None) -> Any:
    if kernel is not None:
        return JupyterConn(base, token, kernel, label=app.title)
    conn = NotewireConn(base, token, "bench.ipynb", label=app.title)
    # The figure is about runs on a ready kernel, not the kernel's start.
    Group([conn]).wait(lambda: conn.kernel.get("state") == "idle", 60, "notewire kernel idle")
    return conn


def hub_request(method: str, url: str, token: str, body: Any) -> Any:
    reply = httpx.request(
        method, url, json=body, headers={"Authorization": f"token {token}"}, timeout=60
    )
    reply.raise_for_status()
    return reply.json()


async def bench_executes(hub: Hub, args: argparse.Namespace) -> dict[str, list[float]]:
    # Both servers first, then both sockets: an unread socket is closed by its
    # server's keepalive while the other server starts.
    served = {name: await serve_for_executes(hub, app) for name, app in APPS.items()}
    conns = {
        name: (await asyncio.to_thread(connect, APPS[name], base, token, kernel), process)
        for name, (base, token, kernel, process) in served.items()
    }
    samples: dict[str, list[float]] = {name: [] for name in APPS}
    per_round = max(1, args.passes // args.rounds)
    try:
        for r in range(args.rounds):
            order = list(APPS) if r % 2 == 0 else list(reversed(APPS))
            for name in order:
                conn, process = conns[name]
                warmup = 10 if r == 0 else 2
                result = await asyncio.to_thread(bench_pass, process, conn, per_round, warmup)
                samples[name].extend(result["samples_s"])
        return samples
    finally:
        for conn, _ in conns.values():
            conn.close()


def ms(x: float) -> str:
    return f"{x * 1000:.1f} ms"


def row(label: str, nw: float, peer: float, unit: str, goal: float | None) -> str:
    fmt = ms if unit == "ms" else (lambda x: f"{x:.2f} s")
    ratio = nw / peer if peer else float("nan")
    verdict = "" if goal is None else ("  met" if ratio <= goal else "  NOT met")
    goal_text = "" if goal is None else f"<= {goal:g}x"
    return f"{label:<58}{fmt(nw):>11}{fmt(peer):>11}{ratio:>7.2f}x  {goal_text}{verdict}"


def table(figures: list[Figure]) -> str:
    head = f"{'medians':<58}{'notewire':>11}{'peer':>11}{'ratio':>8}  goal"
    lines = [head, "-" * len(head)]
    for f in figures:
        nw, peer = statistics.median(f.notewire), statistics.median(f.peer)
        lines.append(row(f"{f.name} (vs {f.peer_title})", nw, peer, f.unit, f.goal))
        for note in f.notes:
            lines.append(f"    {note}")
    return "\n".join(lines)


async def run(args: argparse.Namespace) -> int:
    from playwright.async_api import async_playwright

    folder = Path(tempfile.mkdtemp(prefix="notewire-bench-hub-"))
    print(f"load average: {os.getloadavg()}", flush=True)
    cmd_for = {app.user: app.cmd for app in APPS.values()}
    with running_hub(folder / "hub", cmd_for=cmd_for) as hub:
        print(f"hub up at {hub.url} (log: {hub.log})", flush=True)
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True)
            try:
                spawns, failed = await bench_spawns(browser, hub, args)
            finally:
                await browser.close()
        executes = await bench_executes(hub, args)
    figures = [
        Figure(
            "a. spawn -> notebook usable",
            spawns["notewire"][1:],
            spawns["jupyterlab"][1:],
            unit="s",
            notes=[
                f"first spawn (cold browser cache): notewire {spawns['notewire'][0]:.2f} s, "
                f"JupyterLab {spawns['jupyterlab'][0]:.2f} s",
                f"spawns not usable within --timeout: notewire {failed['notewire']}, "
                f"JupyterLab {failed['jupyterlab']}",
            ],
        ),
        Figure(
            'b. execute("pass") through the proxy',
            executes["notewire"],
            executes["jupyterlab"],
            notes=[
                f"p90: notewire {ms(p90(executes['notewire']))}, "
                f"JupyterLab {ms(p90(executes['jupyterlab']))}"
            ],
        ),
    ]
    if not args.no_gateway:
        figures.extend(await gateway_figures(args))
    print(f"\nload average: {os.getloadavg()}")
    print(table(figures))
    return 0


def p90(xs: list[float]) -> float:
    ordered = sorted(xs)
    return ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="2 spawns, 20 executes per app")
    p.add_argument("--spawns", type=int, default=5, help="timed spawns per app (5)")
    p.add_argument("--passes", type=int, default=200, help="executes per app (200)")
    p.add_argument("--rounds", type=int, default=4, help="alternating batches (4)")
    p.add_argument("--timeout", type=float, default=120, help="seconds per spawn at most")
    p.add_argument("--no-gateway", action="store_true", help="skip the gateway half (c)")
    args = p.parse_args(argv)
    if args.quick:
        args.spawns, args.passes, args.rounds = 2, 20, 2
    return run_main(run, args)


if __name__ == "__main__":
    sys.exit(main())
