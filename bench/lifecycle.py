"""Lifecycle benchmark: memory over many opens and reloads, and opening big notebooks.

    python bench/lifecycle.py              # full run (a few minutes on 2 vCPU)
    python bench/lifecycle.py --quick      # smoke run: 10 cycles, 3 reloads, 1k and 5k cells
    python bench/lifecycle.py --sizes 1000 20000 --opens 1 --json out.json

One notewire server, started as a subprocess on 127.0.0.1 (`python -m notewire.cli ROOT
--no-browser --port 0 --kernel notewire`, URL and token read from its stdout), with a
private Jupyter config/data/runtime folder and IPYTHONDIR, as bench/server.py does.
Notebooks are opened with `notewire.client.NotebookClient` (the notebook WebSocket and
a pycrdt copy of the document) and closed with `DELETE /api/kernels/{id}`, which closes
the notebook.

  memory   the server's RSS (VmRSS of /proc/<pid>/status) after one open/close of a
           notebook of --memory-cells cells, after --cycles more, and after --reloads
           reloads of it (the file rewritten on disk, the server reloading it: a new
           doc_id reaches the client); goal: within 10 % of the first figure;
  open     for each of --sizes cells: time from connecting until the client's copy of
           the document is complete (median of --opens), and the longest stall another
           client saw meanwhile: a separate process (so that the benchmark's own work
           does not count) sends `GET /api/kernels` on a keep-alive connection as fast
           as the answers come, and the stall is the longest time between two answers
           within the open. The same figure over --idle seconds with nothing opening is
           shown as the machine's own noise. Goals: open time linear in size, 20,000
           cells under 2 s, no stall over 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import nbformat
from server import private_env

from notewire.client import NotebookClient


class BenchError(RuntimeError):
    pass


def make_notebook(n: int, tag: str = "") -> str:
    """`n` cells, half code cells with a stream and a result, half markdown."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "notewire", "display_name": "notewire"}
    cells = []
    for i in range(n):
        if i % 2:
            cell = nbformat.v4.new_code_cell(f"x = {i}\nprint(x){tag}", execution_count=i)
            cell.outputs = [
                nbformat.v4.new_output("stream", text=f"{i}\n"),
                nbformat.v4.new_output(
                    "execute_result", data={"text/plain": str(i)}, execution_count=i
                ),
            ]
        else:
            cell = nbformat.v4.new_markdown_cell(f"# cell {i}\nsome *text*{tag}")
        cell.id = f"cell-{i}"  # random ids of 8 hex digits collide among 20,000
        cells.append(cell)
    nb.cells = cells
    return nbformat.writes(nb)


# ------------------------------------------------------------------------- server


class Server:
    def __init__(self, scratch: Path, env: dict[str, str], timeout: float) -> None:
        self.root = scratch / "root"
        self.root.mkdir()
        self.log_path = scratch / "server.log"
        self.env = env
        self.timeout = timeout
        self.base = self.token = ""
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        argv = [sys.executable, "-m", "notewire.cli", str(self.root), "--no-browser"]
        argv += ["--port", "0", "--kernel", "notewire"]
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.env,
                cwd=self.root,
                start_new_session=True,
            )
        deadline = time.monotonic() + self.timeout
        while not self.token:
            if self.proc.poll() is not None:
                raise BenchError(f"the server exited at start:\n{self.log_tail()}")
            text = self.log_path.read_text(errors="replace")
            url = re.search(r"notewire is running at (http://\S+)", text)
            tok = re.search(r"[?&]token=([A-Za-z0-9_\-]+)", text)
            if url and tok:
                self.base, self.token = url.group(1).rstrip("/"), tok.group(1)
            elif time.monotonic() > deadline:
                raise BenchError("no URL and token on the server's stdout in time")
            else:
                time.sleep(0.05)

    def cpu(self) -> float:
        """The server process's CPU seconds (utime + stime, all its threads)."""
        assert self.proc is not None
        stat = Path(f"/proc/{self.proc.pid}/stat").read_text()
        fields = stat.rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss(self) -> int:
        """The server process's resident memory, bytes."""
        assert self.proc is not None
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        match = re.search(r"VmRSS:\s+(\d+) kB", status)
        if match is None:
            raise BenchError("no VmRSS in the server's /proc status")
        return int(match.group(1)) * 1024

    def request(self, method: str, path: str) -> Any:
        req = urllib.request.Request(
            self.base + path, method=method, headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(req, timeout=60) as resp:
            body = resp.read()
        return json.loads(body) if body else None

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


async def open_notebook(srv: Server, path: str, limit: float) -> tuple[float, float]:
    """Open `path`, wait for its complete document and its kernel; close it. Returns the
    time to the complete document and the server's CPU seconds meanwhile."""
    t0, cpu0 = time.monotonic(), srv.cpu()
    async with asyncio.timeout(limit):
        async with NotebookClient.connect(srv.base, path, token=srv.token, open_timeout=None) as nb:
            opened, cpu = time.monotonic() - t0, srv.cpu() - cpu0
            await nb.wait_until(lambda: nb.kernel.get("state") == "idle", within=limit)
        await close_notebook(srv, path)
    return opened, cpu


async def close_notebook(srv: Server, path: str) -> None:
    kernels = await asyncio.to_thread(srv.request, "GET", "/api/kernels")
    ids = [k["id"] for k in kernels if k.get("notebook") == path]
    if not ids:
        raise BenchError(f"no kernel for {path} to close it by")
    await asyncio.to_thread(srv.request, "DELETE", f"/api/kernels/{ids[0]}")


# ------------------------------------------------------------------------- memory


async def bench_memory(srv: Server, args: argparse.Namespace) -> dict[str, Any]:
    path = srv.root / "memory.ipynb"
    path.write_text(make_notebook(args.memory_cells), encoding="utf-8")
    await open_notebook(srv, "memory.ipynb", args.timeout)
    first = srv.rss()
    print(f"memory: RSS after the first open/close {first / 2**20:.1f} MiB", flush=True)
    for i in range(args.cycles):
        await open_notebook(srv, "memory.ipynb", args.timeout)
        if (i + 1) % 20 == 0:
            print(f"  {i + 1} cycles: {srv.rss() / 2**20:.1f} MiB", flush=True)
    after_cycles = srv.rss()
    async with NotebookClient.connect(srv.base, "memory.ipynb", token=srv.token) as nb:
        for i in range(args.reloads):
            doc_id = nb.doc_id
            text = make_notebook(args.memory_cells, tag=f"  # reload {i}")
            await asyncio.to_thread(path.write_text, text, encoding="utf-8")
            await nb.wait_until(lambda d=doc_id: nb.doc_id != d and nb.synced.is_set(), 120)
        await nb.wait_until(lambda: nb.kernel.get("state") == "idle", within=args.timeout)
    await close_notebook(srv, "memory.ipynb")
    after_reloads = srv.rss()
    return {"first": first, "after_cycles": after_cycles, "after_reloads": after_reloads}


# ----------------------------------------------------------------- open and stalls


def ping(base: str, token: str) -> None:
    """The pinger process: answer times (monotonic, shared by processes on Linux) of
    back-to-back GET /api/kernels, printed as JSON when stdin closes."""
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=120)
    headers = {"Authorization": f"token {token}"}
    stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    times: list[float] = []
    print("ready", flush=True)
    while not stop.is_set():
        conn.request("GET", "/api/kernels", headers=headers)
        conn.getresponse().read()
        times.append(time.monotonic())
    print(json.dumps(times), flush=True)


def start_pinger(srv: Server) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, __file__, "--ping", srv.base, srv.token],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def longest_gap(times: list[float], start: float, end: float) -> float:
    inside = [t for t in times if start < t < end]
    after = next((t for t in times if t >= end), end)
    points = [start, *inside, after]
    return max(b - a for a, b in zip(points, points[1:], strict=False))


async def bench_open(srv: Server, args: argparse.Namespace) -> dict[str, Any]:
    for n in args.sizes:
        (srv.root / f"open-{n}.ipynb").write_text(make_notebook(n), encoding="utf-8")
    pinger = start_pinger(srv)
    assert pinger.stdout is not None
    windows: dict[str, list[tuple[float, float]]] = {}
    opens: dict[int, list[float]] = {}
    cpus: dict[int, list[float]] = {}
    try:
        if (await asyncio.to_thread(pinger.stdout.readline)).strip() != "ready":
            raise BenchError("the pinger did not start")
        start = time.monotonic()
        await asyncio.sleep(args.idle)
        windows["idle"] = [(start, time.monotonic())]
        for n in args.sizes:
            for _ in range(args.opens):
                start = time.monotonic()
                opened, cpu = await open_notebook(srv, f"open-{n}.ipynb", args.timeout)
                opens.setdefault(n, []).append(opened)
                cpus.setdefault(n, []).append(cpu)
                windows.setdefault(str(n), []).append((start, start + opened))
                print(f"open {n} cells: {opened:.3f} s (server CPU {cpu:.2f} s)", flush=True)
    finally:
        out, _ = await asyncio.to_thread(pinger.communicate, None, 60)
    times = json.loads(out.splitlines()[-1])
    stalls = {k: [longest_gap(times, a, b) for a, b in w] for k, w in windows.items()}
    return {"opens": opens, "cpu": cpus, "stalls": stalls, "pings": len(times)}


# -------------------------------------------------------------------------- output


def table(res: dict[str, Any], args: argparse.Namespace) -> str:
    out = []
    mem = res.get("memory")
    if mem:
        first = mem["first"]
        out.append(f"memory ({args.memory_cells}-cell notebook)        RSS MiB   vs first")
        out.append("-" * 60)
        for label, key in (
            ("after the first open/close", "first"),
            (f"after {args.cycles} more open/close cycles", "after_cycles"),
            (f"after {args.reloads} reloads", "after_reloads"),
        ):
            pct = (mem[key] - first) / first * 100
            out.append(f"{label:<40} {mem[key] / 2**20:8.1f}   {pct:+6.1f} %")
        worst = max(mem["after_cycles"], mem["after_reloads"])
        out.append(f"goal: within 10 % of the first: {'met' if worst <= first * 1.1 else 'MISSED'}")
        out.append("")
    op = res.get("open")
    if op:
        head = (
            f"{'cells':>7}  {'open s (median)':>15}  {'per 1k cells':>12}  "
            f"{'server CPU s':>12}  {'max stall ms':>12}"
        )
        out += [head, "-" * len(head)]
        idle = max(op["stalls"]["idle"])
        out.append(f"{'idle':>7}  {'-':>15}  {'-':>12}  {'-':>12}  {idle * 1000:12.0f}")
        for n in args.sizes:
            med = statistics.median(op["opens"][n])
            cpu = statistics.median(op["cpu"][n])
            stall = max(op["stalls"][str(n)])
            out.append(
                f"{n:>7}  {med:15.3f}  {med / n * 1000:12.3f}  {cpu:12.2f}  {stall * 1000:12.0f}"
            )
        out.append(
            f"(median of {args.opens} opens; stall: the longest of them; {op['pings']} pings)"
        )
    return "\n".join(out)


async def run(srv: Server, args: argparse.Namespace) -> dict[str, Any]:
    res: dict[str, Any] = {}
    if args.cycles or args.reloads:
        res["memory"] = await bench_memory(srv, args)
    if args.sizes:
        res["open"] = await bench_open(srv, args)
    return res


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--quick", action="store_true", help="few cycles and small notebooks")
    p.add_argument("--cycles", type=int, help="open/close cycles (default 100, quick 10)")
    p.add_argument("--reloads", type=int, help="reloads (default 20, quick 3)")
    p.add_argument("--memory-cells", type=int, default=2000, help="cells (default 2000)")
    p.add_argument("--sizes", type=int, nargs="*", help="cells (default 1k 5k 10k 20k)")
    p.add_argument("--opens", type=int, default=3, help="opens per size (default 3)")
    p.add_argument("--idle", type=float, default=2.0, help="idle stall window, s (default 2)")
    p.add_argument("--timeout", type=float, default=120.0, help="per open, s (default 120)")
    p.add_argument("--json", metavar="PATH", help="write the raw results to PATH")
    p.add_argument(
        "--server-src",
        metavar="DIR",
        help="run the server from this source folder (its PYTHONPATH), e.g. another "
        "worktree's src, to compare with this one's figures",
    )
    p.add_argument("--ping", nargs=2, metavar=("BASE", "TOKEN"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.ping:
        ping(*args.ping)
        return 0
    quick = args.quick
    args.cycles = args.cycles if args.cycles is not None else (10 if quick else 100)
    args.reloads = args.reloads if args.reloads is not None else (3 if quick else 20)
    if args.sizes is None:
        args.sizes = [1000, 5000] if quick else [1000, 5000, 10000, 20000]

    scratch = Path(tempfile.mkdtemp(prefix="notewire-lifebench-"))
    env = private_env(scratch, inherit_bytecode_env=True)
    if args.server_src:
        env["PYTHONPATH"] = str(Path(args.server_src).resolve())
    srv = Server(scratch, env, args.timeout)
    t0 = time.monotonic()
    try:
        srv.start()
        res = asyncio.run(run(srv, args))
    except (BenchError, OSError, TimeoutError) as exc:
        print(f"FAILED: {exc!r}\n--- last lines of the server's log:\n{srv.log_tail()}")
        return 2
    finally:
        srv.stop()
        with contextlib.suppress(OSError):
            shutil.rmtree(scratch)
    print()
    print(table(res, args))
    print(f"\nload average {os.getloadavg()[0]:.2f}; total {time.monotonic() - t0:.1f} s")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"args": vars(args), "results": res}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
