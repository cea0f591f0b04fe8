"""Gateway benchmark: execute("pass") round trip with the kernel on a Jupyter Kernel
Gateway, notewire against jupyter_server in front of the same gateway.

    python bench/gateway.py             # 300 runs per server, in 10 alternating batches
    python bench/gateway.py --quick     # smoke run: 30 runs
    python bench/gateway.py --json /tmp/gw.json

One `jupyter-kernel-gateway` (3.x) is started on 127.0.0.1 with a free port and a random
auth token; its kernels are ipykernel's `python3`, for both servers alike. Then:

  jupyter_server  `python -m jupyter_server --GatewayClient.url=URL`, the token in
                  JUPYTER_GATEWAY_AUTH_TOKEN: its GatewayKernelManager starts the
                  kernel on the gateway and relays the kernel WebSocket (legacy JSON
                  framing towards the gateway, whatever the browser speaks);
  notewire        `python -m notewire.cli ROOT --gateway-url URL`, the token in
                  NOTEWIRE_GATEWAY_AUTH_TOKEN: the v1 binary kernel WebSocket to the
                  gateway, the notebook WebSocket to the client.

Both servers are driven by bench/server.py's client code and its interleaved
execute('pass') measurement (`bench_pass_interleaved`): jupyter_server through its
kernel WebSocket (a run is done when its execute_reply and its idle status arrived),
notewire through its notebook WebSocket (done when the cell's run is `done` in the Yjs
document). Both paths have one more hop than bench/server.py's: server -> gateway ->
kernel. Figures: median and p90 of the round trip, ratio notewire / jupyter_server.

Goal (issue 14): notewire at most 0.5x jupyter_server.

`measure_gateway_pass(...)` runs the whole comparison and returns its results, for
other benchmarks (bench/hub.py) to call.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from server import (  # noqa: E402  (bench/ is not a package)
    Bench,
    BenchError,
    JupyterConn,
    Server,
    bench_pass_interleaved,
    cpu_seconds,
    free_port,
    http_json,
    machine,
    private_env,
    stop_group,
)

GOAL = 0.5
_READY = re.compile(r"Kernel Gateway \S+ is available at (http://\S+)")


@dataclass
class Gateway:
    """A jupyter-kernel-gateway subprocess in its own process group."""

    url: str
    token: str
    proc: subprocess.Popen[bytes]
    log_path: Path

    def stop(self) -> None:
        stop_group(self.proc)


@dataclass
class Direct:
    """No notebook server: a client on the gateway's own kernel WebSocket (v1 framing,
    as notewire speaks to it). The floor both servers stand on; stands in for a
    bench/server.py Server in its measurement."""

    gateway: Gateway
    name: str = "gateway"
    title: str = "gateway alone"

    def cpu(self) -> float:
        return cpu_seconds(self.gateway.proc.pid)

    def connect(self) -> JupyterConn:
        status, model = http_json(
            self.gateway.url, "POST", "/api/kernels", self.gateway.token, {"name": "python3"}
        )
        if status != 201:
            raise BenchError(f"the gateway answered {status} to starting a kernel: {model}")
        return JupyterConn(
            self.gateway.url, self.gateway.token, model["id"], label=self.title, protocol="v1"
        )


def start_gateway(scratch: Path, env: dict[str, str], timeout: float) -> Gateway:
    """A kernel gateway on 127.0.0.1; returns once it says it is available."""
    token = secrets.token_urlsafe(24)
    port = free_port()
    log_path = scratch / "gateway.log"
    # The token in the environment, not on the command line. Listing kernels is on:
    # jupyter_server's /api/status and /api/kernels ask the gateway for its list.
    gateway_env = dict(env, KG_AUTH_TOKEN=token, KG_LIST_KERNELS="True")
    argv = [
        sys.executable,
        "-m",
        "kernel_gateway",
        "--KernelGatewayApp.ip=127.0.0.1",
        f"--KernelGatewayApp.port={port}",
        "--KernelGatewayApp.port_retries=0",
    ]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=gateway_env,
            start_new_session=True,
        )
    deadline = time.monotonic() + timeout
    while True:
        found = _READY.search(log_path.read_text(errors="replace"))
        if found:
            return Gateway(found.group(1).rstrip("/"), token, proc, log_path)
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            tail = log_path.read_text(errors="replace")[-2000:]
            raise BenchError(f"the kernel gateway did not start:\n{tail}")
        time.sleep(0.05)  # a subprocess's log file: nothing to wait on but the file


def measure_gateway_pass(
    *,
    passes: int = 300,
    warmup: int = 20,
    rounds: int = 10,
    protocol: str = "json",
    timeout: float = 60.0,
    log: Any = print,
) -> dict[str, Any]:
    """execute('pass') through one gateway, notewire and jupyter_server in turn.

    Returns {"gateway": {...}, "jupyter_server": {...}, "notewire": {...}, "ratio":
    notewire median / jupyter_server median (None when one failed), "goal": 0.5}. Each
    entry holds bench/server.py's figure `a` (median_s, p90_s, samples_s, the server's
    CPU per execute) or `error`; "gateway" is the floor: a client straight on the
    gateway's kernel WebSocket, no server in between. `protocol`: jupyter_server's
    kernel WebSocket framing towards the client. Starts and stops everything itself.
    """
    scratch = Path(tempfile.mkdtemp(prefix="notewire-gwbench-"))
    env = private_env(scratch)
    for var in ("JUPYTER_GATEWAY_URL", "NOTEWIRE_GATEWAY_URL"):  # the one started here only
        env.pop(var, None)
    results: dict[str, Any] = {}
    gateway: Gateway | None = None
    running: list[Server] = []
    try:
        gateway = start_gateway(scratch, env, timeout)
        log(f"[gateway] up at {gateway.url}")
        server_env = dict(
            env,
            JUPYTER_GATEWAY_AUTH_TOKEN=gateway.token,
            NOTEWIRE_GATEWAY_AUTH_TOKEN=gateway.token,
        )
        options = {
            "jupyter_server": [f"--GatewayClient.url={gateway.url}"],
            "notewire": ["--gateway-url", gateway.url],
        }
        direct = Direct(gateway)
        floor = Bench(direct)  # type: ignore[arg-type]
        results["gateway"] = floor.res
        floor.conn = direct.connect()
        benches = [floor]
        for name, extra in options.items():
            srv = Server(name, scratch, server_env, timeout, extra_args=extra)
            running.append(srv)
            bench = Bench(srv)
            results[name] = bench.res
            srv.start()
            srv.write_notebook("bench.ipynb")
            bench.conn, _ = srv.connect("bench.ipynb", f"{srv.title}: conn 0", protocol)
            log(f"[{srv.title}] up at {srv.base}, kernel on the gateway ready")
            benches.append(bench)
        args = argparse.Namespace(passes=passes, warmup=warmup, rounds=rounds)
        bench_pass_interleaved(benches, args)
    except (BenchError, ConnectionError, OSError) as exc:
        for name in ("gateway", "jupyter_server", "notewire"):
            results.setdefault(name, {}).setdefault("error", str(exc))
        log(f"FAILED: {exc}")
        for srv in running:
            log(f"[{srv.title}] log:\n{srv.log_tail()}")
    finally:
        for srv in running:
            for note in srv.stop():
                log("  " + note)
        if gateway is not None:
            gateway.stop()
        shutil.rmtree(scratch, ignore_errors=True)
    js = results.get("jupyter_server", {}).get("a")
    nw = results.get("notewire", {}).get("a")
    ratio = nw["median_s"] / js["median_s"] if js and nw else None
    return {**results, "ratio": ratio, "goal": GOAL}


def table(results: dict[str, Any]) -> str:
    def ms(entry: dict[str, Any], key: str) -> str:
        a = entry.get("a")
        return f"{a[key] * 1000:.2f} ms" if a else "FAILED"

    def added(entry: dict[str, Any]) -> float | None:
        a, floor = entry.get("a"), results["gateway"].get("a")
        return a["median_s"] - floor["median_s"] if a and floor else None

    gw, js, nw = results["gateway"], results["jupyter_server"], results["notewire"]
    ratio = results["ratio"]
    verdict = "n/a" if ratio is None else f"{ratio:.2f}x  " + ("met" if ratio <= GOAL else "MISSED")
    js_added, nw_added = added(js), added(nw)
    added_ratio = f"{nw_added / js_added:.2f}x" if js_added and nw_added is not None else "n/a"

    def fmt(value: float | None) -> str:
        return "n/a" if value is None else f"{value * 1000:.2f} ms"

    lines = [
        f"{'execute(pass), kernel on a gateway':<36}{'jupyter_server':>16}{'notewire':>12}  "
        f"ratio (goal <= {GOAL}x)",
        f"{'  median':<36}{ms(js, 'median_s'):>16}{ms(nw, 'median_s'):>12}  {verdict}",
        f"{'  p90':<36}{ms(js, 'p90_s'):>16}{ms(nw, 'p90_s'):>12}",
        f"{'  server process CPU per execute':<36}{ms(js, 'server_cpu_per_exec_s'):>16}"
        f"{ms(nw, 'server_cpu_per_exec_s'):>12}",
        f"{'  median, over the gateway alone':<36}{fmt(js_added):>16}{fmt(nw_added):>12}  "
        f"{added_ratio}",
        f"(gateway alone, no server: median {ms(gw, 'median_s')}, p90 {ms(gw, 'p90_s')})",
    ]
    for name in ("gateway", "jupyter_server", "notewire"):
        if "error" in results[name]:
            lines.append(f"{name}: {results[name]['error']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--quick", action="store_true", help="30 runs, for a smoke run")
    p.add_argument("--passes", type=int, help="execute('pass') runs per server (default 300)")
    p.add_argument("--warmup", type=int, help="unmeasured runs first (default 20, quick 5)")
    p.add_argument("--rounds", type=int, default=10, help="alternating batches (default 10)")
    p.add_argument(
        "--jupyter-protocol",
        choices=("json", "v1"),
        default="json",
        help="jupyter_server's kernel WebSocket framing to the client (default json)",
    )
    p.add_argument("--timeout", type=float, default=60.0, help="start timeouts, s")
    p.add_argument("--json", metavar="PATH", help="write the raw results to PATH")
    args = p.parse_args(argv)
    passes = args.passes or (30 if args.quick else 300)
    warmup = args.warmup or (5 if args.quick else 20)
    info = machine()
    print(
        f"machine: nproc {info['nproc']}, python {info['python']}, jupyter_server "
        f"{info['jupyter_server']}, ipykernel {info['ipykernel']}, notewire {info['notewire']}"
        f", load average {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    t0 = time.perf_counter()
    results = measure_gateway_pass(
        passes=passes,
        warmup=warmup,
        rounds=args.rounds,
        protocol=args.jupyter_protocol,
        timeout=args.timeout,
        log=lambda line: print(line, flush=True),
    )
    print()
    print(table(results))
    print(
        f"\ntotal wall time {time.perf_counter() - t0:.1f} s, load average {os.getloadavg()[0]:.2f}"
    )
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": info, "results": results}, indent=1))
    failed = any("error" in results[n] for n in ("gateway", "jupyter_server", "notewire"))
    return 2 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
