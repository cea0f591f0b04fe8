"""Kernel benchmark: the notewire kernel against ipykernel, same launcher, same client.

    python bench/kernel.py              # full run (both kernels, a couple of minutes)
    python bench/kernel.py --quick      # smoke run with few repeats
    python bench/kernel.py --only notewire --json /tmp/nw.json

Both kernels are launched by `jupyter_client.KernelManager(kernel_name=...)` and driven
by the small synchronous client below (pyzmq + notewire.protocol: a DEALER on shell, a
SUB on iopub subscribed to everything, one zmq.Poller over both so that the order of
execute_reply and idle does not matter). Figures, each per kernel, with the ratio
notewire/ipykernel (the method follows /work/shared/reference/kernel-protocol.md §3):

  a. start_kernel() until a kernel_info_reply arrives on shell (iopub SUB connected
     first), median of --starts starts; for information, also until the reply to a
     first execute("pass") sent right after it (the notewire kernel answers kernel_info
     while IPython is still loading, so this shows when it can run code);
  b. execute("pass") until both its execute_reply and its idle status arrived,
     median and p90 of --passes requests;
  c. `for i in range(100000): print(i)` until idle, median of --reps; the concatenated
     stdout must equal the expected 588,890 characters;
  d. 1000 display() of an object with _repr_png_ (16x16 PNG, 462 B) until idle, median
     of --reps; 1000 display_data messages must arrive;
  e. comm echo: --comm-msgs serial comm_msg round trips with a 100 KiB buffer each,
     echoed payload MB/s (1 MB = 10^6 bytes); every buffer must come back identical.

Goals: notewire at most 0.5x ipykernel for a-d, at least 2x for e.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import platform
import re
import shutil
import statistics
import struct
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import zmq
from jupyter_client import KernelManager

from notewire.protocol import (
    ConnectionInfo,
    Message,
    Signer,
    from_frames,
    make_message,
    new_id,
    to_frames,
)

KERNELS = ("ipykernel", "notewire")
KERNELSPECS = {"ipykernel": "python3", "notewire": "notewire"}

PRINT_N = 100_000
PRINT_CODE = f"for i in range({PRINT_N}): print(i)"
EXPECTED_STDOUT = "".join(f"{i}\n" for i in range(PRINT_N))
assert len(EXPECTED_STDOUT) == 588_890

DISPLAY_N = 1000
COMM_PAYLOAD = 100 * 1024

COMM_SETUP = """\
import comm
def _bench_echo_target(c, msg):
    c.on_msg(lambda m: c.send(m['content']['data'], buffers=m['buffers']))
comm.get_comm_manager().register_target('echo', _bench_echo_target)
"""


class BenchError(RuntimeError):
    """A step failed or timed out; the message names the kernel and the step."""


# --------------------------------------------------------------------------- PNG


def make_png() -> bytes:
    """A valid 16x16 RGB PNG (462 bytes): a red/green gradient on blue 128."""
    w = h = 16
    raw = b"".join(
        b"\x00" + b"".join(bytes((x * 17, y * 17, 128)) for x in range(w)) for y in range(h)
    )

    def chunk(tag: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(tag + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", crc)

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


PNG = make_png()
PNG_B64 = base64.b64encode(PNG).decode("ascii")
DISPLAY_SETUP = f"""\
from IPython.display import display as _bench_display
class _BenchPNG:
    def __init__(self, data):
        self.data = data
    def _repr_png_(self):
        return self.data
_bench_png = _BenchPNG({PNG!r})
"""
DISPLAY_CODE = f"for _ in range({DISPLAY_N}): _bench_display(_bench_png)"


# ------------------------------------------------------------------------ client


@dataclass
class Exchange:
    """The outcome of one request: its reply, the iopub messages it caused, times."""

    reply: Message | None  # None for comm_open/comm_msg, which have no reply
    t_reply: float  # seconds from send to execute_reply
    t_idle: float  # seconds from send to idle status
    reply_first: bool
    iopub: list[Message] = field(default_factory=list)


class Client:
    """A minimal synchronous Jupyter client on pyzmq and notewire.protocol."""

    def __init__(self, ctx: zmq.Context, info: ConnectionInfo, label: str) -> None:
        self.label = label
        self.signer: Signer = info.signer()
        self.session = new_id()
        self.iopub = ctx.socket(zmq.SUB)
        self.iopub.setsockopt(zmq.LINGER, 0)
        self.iopub.setsockopt(zmq.RCVHWM, 0)  # never drop on the client side
        # Reconnect quickly while the kernel is still binding (default 100 ms would
        # quantize the start-up figure); the same for both kernels.
        self.iopub.setsockopt(zmq.RECONNECT_IVL, 10)
        self.iopub.setsockopt(zmq.SUBSCRIBE, b"")
        self.iopub.connect(info.endpoint("iopub"))
        self.shell = ctx.socket(zmq.DEALER)
        self.shell.setsockopt(zmq.LINGER, 0)
        self.shell.setsockopt(zmq.RCVHWM, 0)
        self.shell.setsockopt(zmq.RECONNECT_IVL, 10)
        self.shell.connect(info.endpoint("shell"))
        self.poller = zmq.Poller()
        self.poller.register(self.shell, zmq.POLLIN)
        self.poller.register(self.iopub, zmq.POLLIN)
        self.first_iopub_at: float | None = None

    def close(self) -> None:
        self.shell.close(0)
        self.iopub.close(0)

    def send(self, msg_type: str, content: dict[str, Any], buffers: tuple = ()) -> str:
        msg = make_message(msg_type, content, session=self.session, buffers=buffers)
        self.shell.send_multipart(to_frames(msg, self.signer), copy=len(buffers) == 0)
        return msg.msg_id

    def recv(self, deadline: float, step: str) -> tuple[str, Message]:
        """The next message from shell or iopub; raises BenchError at the deadline."""
        while True:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise BenchError(f"{self.label}: {step}: timed out")
            events = dict(self.poller.poll(max(1, int(remaining * 1000))))
            if self.shell in events:
                _, msg = from_frames(self.shell.recv_multipart(copy=False), self.signer)
                return "shell", msg
            if self.iopub in events:
                _, msg = from_frames(self.iopub.recv_multipart(copy=False), self.signer)
                if self.first_iopub_at is None:
                    self.first_iopub_at = time.perf_counter()
                return "iopub", msg

    def request(
        self,
        msg_type: str,
        content: dict[str, Any],
        *,
        step: str,
        timeout: float,
        on_iopub: Callable[[Message], None] | None = None,
        keep_iopub: bool = False,
        buffers: tuple = (),
        expect_reply: bool = True,
    ) -> Exchange:
        """Send a shell request, wait for its reply AND its idle status, in any order.
        comm_open/comm_msg have no reply: pass expect_reply=False to wait for idle only."""
        t0 = time.perf_counter()
        msg_id = self.send(msg_type, content, buffers)
        deadline = t0 + timeout
        reply: Message | None = None  # type: ignore[assignment]
        t_reply = t_idle = 0.0
        kept: list[Message] = []
        while (expect_reply and reply is None) or not t_idle:
            try:
                channel, msg = self.recv(deadline, step)
            except BenchError:
                got = f"reply {'yes' if reply else 'no'}, idle {'yes' if t_idle else 'no'}"
                raise BenchError(
                    f"{self.label}: {step}: timed out after {timeout:g} s ({got})"
                ) from None
            if msg.parent_id != msg_id:
                continue  # e.g. iopub_welcome, or the idle of an earlier comm_msg
            if channel == "shell":
                reply, t_reply = msg, time.perf_counter() - t0
            elif msg.msg_type == "status" and msg.content.get("execution_state") == "idle":
                t_idle = time.perf_counter() - t0
            else:
                if on_iopub is not None:
                    on_iopub(msg)
                if keep_iopub:
                    kept.append(msg)
        return Exchange(reply, t_reply, t_idle, reply is not None and t_reply <= t_idle, kept)

    def execute(self, code: str, *, step: str, timeout: float, **kw: Any) -> Exchange:
        content = {
            "code": code,
            "silent": False,
            "store_history": True,
            "user_expressions": {},
            "allow_stdin": False,
            "stop_on_error": True,
        }
        ex = self.request("execute_request", content, step=step, timeout=timeout, **kw)
        assert ex.reply is not None
        if ex.reply.content.get("status") != "ok":
            c = ex.reply.content
            tb = ANSI.sub("", "\n".join(c.get("traceback", [])))
            raise BenchError(
                f"{self.label}: {step}: execute failed: {c.get('ename')}: {c.get('evalue')}\n{tb}"
            )
        return ex

    def drain(self, quiet: float = 0.05) -> int:
        """Read and drop messages until `quiet` seconds pass without one."""
        n = 0
        while dict(self.poller.poll(int(quiet * 1000))):
            for sock in (self.shell, self.iopub):
                while True:
                    try:
                        sock.recv_multipart(zmq.NOBLOCK, copy=False)
                        n += 1
                    except zmq.Again:
                        break
        return n


# ------------------------------------------------------------------ the kernels


class Running:
    """One started kernel with a connected client; use as a context manager."""

    serial = 0

    def __init__(
        self,
        ctx: zmq.Context,
        name: str,
        timeout: float,
        log_dir: str,
        *,
        first_execute: bool = False,
    ) -> None:
        self.name = name
        self.km = KernelManager(kernel_name=KERNELSPECS[name])
        self.client: Client | None = None
        # Kernel stdout/stderr go to a log file (shown when a step fails), not the table.
        Running.serial += 1
        self.log_path = os.path.join(log_dir, f"{Running.serial:02d}-{name}.log")
        self.log = open(self.log_path, "wb")
        self.t_start = 0.0
        self.t_first_iopub: float | None = None
        self.t_first_execute: float | None = None
        t0 = time.perf_counter()
        try:
            self.km.start_kernel(stdout=self.log, stderr=self.log)
            raw = dict(self.km.get_connection_info(session=False))
            key = raw.get("key")
            if isinstance(key, bytes):  # jupyter_client keeps the key as bytes
                raw["key"] = key.decode("utf-8")
            info = ConnectionInfo.from_dict(raw)
            self.client = Client(ctx, info, name)
            # kernel_info: only the shell reply marks the start (idle waited for later).
            self.client.send("kernel_info_request", {})
            deadline = t0 + timeout
            while True:
                try:
                    channel, msg = self.client.recv(deadline, "start")
                except BenchError:
                    alive = self.km.is_alive()
                    raise BenchError(
                        f"{name}: start: no kernel_info_reply within {timeout:g} s "
                        f"(kernel process alive: {alive})"
                    ) from None
                if channel == "shell" and msg.msg_type == "kernel_info_reply":
                    self.t_start = time.perf_counter() - t0
                    break
            if self.client.first_iopub_at is not None:
                self.t_first_iopub = self.client.first_iopub_at - t0
            if first_execute:
                # For information: when the kernel can run code, not only answer.
                msg_id = self.client.send("execute_request", {"code": "pass", "silent": False})
                while True:
                    channel, msg = self.client.recv(deadline, "first execute")
                    if channel == "shell" and msg.parent_id == msg_id:
                        self.t_first_execute = time.perf_counter() - t0
                        break
        except BaseException:
            self.shutdown()
            self.show_log()
            raise

    def shutdown(self) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None
        try:
            if self.km.has_kernel:
                self.km.shutdown_kernel(now=False)
        except Exception as exc:  # keep going: never leave a kernel behind
            print(f"  [{self.name}] graceful shutdown failed ({exc!r}); killing", file=sys.stderr)
            try:
                self.km.shutdown_kernel(now=True)
            except Exception:
                pass
        finally:
            try:
                self.km.cleanup_resources()
            except Exception:
                pass
            self.log.close()

    def show_log(self, lines: int = 40) -> None:
        try:
            with open(self.log_path, errors="replace") as f:
                tail = f.read().splitlines()[-lines:]
        except OSError:
            return
        if not tail:
            return
        print(
            f"--- last {len(tail)} lines of {self.name}'s output ({self.log_path}):",
            file=sys.stderr,
        )
        for line in tail:
            print("    " + line, file=sys.stderr)

    def __enter__(self) -> Running:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        self.shutdown()
        if exc_type is not None:
            self.show_log()


# ---------------------------------------------------------------- measurements


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    k = (len(s) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def bench_pass(cl: Client, n: int) -> dict[str, Any]:
    for i in range(20):  # warm-up, not measured
        cl.execute("pass", step=f"b warm-up {i}", timeout=30)
    both, reply_only, reply_first = [], [], 0
    for i in range(n):
        ex = cl.execute("pass", step=f"b execute('pass') #{i}", timeout=30)
        both.append(max(ex.t_idle, ex.t_reply))
        reply_only.append(ex.t_reply)
        reply_first += ex.reply_first
    return {
        "reply_and_idle_s": both,
        "reply_only_s": reply_only,
        "median_s": statistics.median(both),
        "p90_s": pct(both, 90),
        "reply_only_median_s": statistics.median(reply_only),
        "reply_first_share": reply_first / n,
    }


def bench_print(cl: Client, reps: int) -> dict[str, Any]:
    times, lost, stream_msgs, mismatched = [], [], [], 0
    for r in range(reps):
        chunks: list[str] = []

        def on_iopub(msg: Message, chunks: list[str] = chunks) -> None:
            if msg.msg_type == "stream" and msg.content.get("name") == "stdout":
                chunks.append(msg.content["text"])

        ex = cl.execute(PRINT_CODE, step=f"c print 100k rep {r}", timeout=120, on_iopub=on_iopub)
        t = max(ex.t_reply, ex.t_idle)
        text = "".join(chunks)
        if text != EXPECTED_STDOUT:
            mismatched += 1
        times.append(t)
        lost.append(len(EXPECTED_STDOUT) - len(text))
        stream_msgs.append(len(chunks))
    return {
        "times_s": times,
        "median_s": statistics.median(times),
        "lost_chars": lost,
        "mismatched_reps": mismatched,
        "stream_msgs": stream_msgs,
        "lost": sum(abs(x) for x in lost) + mismatched,
    }


def bench_display(cl: Client, reps: int) -> dict[str, Any]:
    cl.execute(DISPLAY_SETUP, step="d setup", timeout=30)
    times, counts, bad = [], [], 0
    for r in range(reps):
        got = [0, 0]  # display_data messages, of which with the wrong image

        def on_iopub(msg: Message, got: list[int] = got) -> None:
            if msg.msg_type == "display_data":
                got[0] += 1
                if msg.content.get("data", {}).get("image/png", "").strip() != PNG_B64:
                    got[1] += 1

        ex = cl.execute(
            DISPLAY_CODE, step=f"d display x{DISPLAY_N} rep {r}", timeout=120, on_iopub=on_iopub
        )
        times.append(max(ex.t_reply, ex.t_idle))
        counts.append(got[0])
        bad += got[1]
    return {
        "times_s": times,
        "median_s": statistics.median(times),
        "display_data_msgs": counts,
        "wrong_png": bad,
        "lost": sum(DISPLAY_N - c for c in counts) + bad,
    }


def bench_comm(cl: Client, n: int) -> dict[str, Any]:
    cl.execute(COMM_SETUP, step="e register echo target", timeout=30)
    comm_id = new_id()
    cl.request(
        "comm_open",
        {"comm_id": comm_id, "target_name": "echo", "data": {}},
        step="e comm_open",
        timeout=30,
        expect_reply=False,
    )
    payloads = [os.urandom(COMM_PAYLOAD) for _ in range(8)]
    lost = corrupted = other_iopub = 0
    rtts: list[float] = []
    t_all = time.perf_counter()
    for i in range(n):
        payload = payloads[i % len(payloads)]
        t0 = time.perf_counter()
        cl.send("comm_msg", {"comm_id": comm_id, "data": {"seq": i}}, buffers=(payload,))
        deadline = t0 + 10
        while True:
            try:
                channel, msg = cl.recv(deadline, f"e comm echo #{i}")
            except BenchError:
                lost += 1
                if lost > 10:
                    raise BenchError(
                        f"{cl.label}: e comm echo: more than 10 echoes lost (at #{i})"
                    ) from None
                break
            if channel == "iopub" and msg.msg_type != "comm_msg":
                other_iopub += 1  # e.g. busy/idle around each comm_msg
            if (
                channel == "iopub"
                and msg.msg_type == "comm_msg"
                and msg.content.get("comm_id") == comm_id
                and msg.content.get("data", {}).get("seq") == i
            ):
                if len(msg.buffers) != 1 or len(msg.buffers[0]) != COMM_PAYLOAD:
                    corrupted += 1
                elif bytes(msg.buffers[0]) != payload:
                    corrupted += 1
                rtts.append(time.perf_counter() - t0)
                break
    elapsed = time.perf_counter() - t_all
    echoed = len(rtts) - corrupted
    cl.send("comm_close", {"comm_id": comm_id, "data": {}})
    cl.drain()
    return {
        "elapsed_s": elapsed,
        "mb_per_s": echoed * COMM_PAYLOAD / elapsed / 1e6,
        "msgs_per_s": len(rtts) / elapsed,
        "rtt_median_s": statistics.median(rtts) if rtts else None,
        "other_iopub_per_msg": other_iopub / n,
        "lost_echoes": lost,
        "corrupted_echoes": corrupted,
        "lost": lost + corrupted,
    }


# ------------------------------------------------------------------------- main


def machine() -> dict[str, Any]:
    import ipykernel
    import jupyter_client

    try:
        from importlib.metadata import version

        nw = version("notewire")
    except Exception:
        nw = "?"
    return {
        "nproc": os.cpu_count(),
        "affinity": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "pyzmq": zmq.__version__,
        "libzmq": zmq.zmq_version(),
        "jupyter_client": jupyter_client.__version__,
        "ipykernel": ipykernel.__version__,
        "notewire": nw,
    }


def describe(key: str, x: dict[str, Any]) -> str:
    """One progress line for a finished metric."""
    if key == "b":
        return f"median {x['median_s'] * 1000:.2f} ms, p90 {x['p90_s'] * 1000:.2f} ms"
    if key == "c":
        return (
            f"median {x['median_s']:.3f} s, stream msgs {x['stream_msgs']}, "
            f"lost chars {x['lost_chars']}"
        )
    if key == "d":
        return f"median {x['median_s']:.3f} s, display_data {x['display_data_msgs']}"
    return (
        f"{x['mb_per_s']:.1f} MB/s, lost {x['lost_echoes']}, corrupted {x['corrupted_echoes']}, "
        f"other iopub msgs per comm_msg {x['other_iopub_per_msg']:.2f}"
    )


def run(args: argparse.Namespace, log_dir: str) -> dict[str, Any]:
    kernels = [args.only] if args.only else list(KERNELS)
    ctx = zmq.Context()
    results: dict[str, Any] = {k: {} for k in kernels}
    try:
        # a. start-up: one unmeasured warm-up start each, then interleaved measured starts.
        for name in kernels:
            print(f"[{name}] warm-up start ...", flush=True)
            with Running(ctx, name, args.timeout, log_dir):
                pass
        starts: dict[str, list[float]] = {k: [] for k in kernels}
        first_iopub: dict[str, list[float]] = {k: [] for k in kernels}
        first_execute: dict[str, list[float]] = {k: [] for k in kernels}
        for i in range(args.starts):
            for name in kernels:
                with Running(ctx, name, args.timeout, log_dir, first_execute=True) as k:
                    starts[name].append(k.t_start)
                    if k.t_first_iopub is not None:
                        first_iopub[name].append(k.t_first_iopub)
                    if k.t_first_execute is not None:
                        first_execute[name].append(k.t_first_execute)
            print(
                f"  start {i + 1}/{args.starts}: "
                + ", ".join(f"{n} {starts[n][-1] * 1000:.0f} ms" for n in kernels),
                flush=True,
            )
        for name in kernels:
            results[name]["a"] = {
                "samples_s": starts[name],
                "median_s": statistics.median(starts[name]),
                "first_iopub_samples_s": first_iopub[name],
                "first_iopub_median_s": statistics.median(first_iopub[name])
                if first_iopub[name]
                else None,
                "first_execute_samples_s": first_execute[name],
                "first_execute_median_s": statistics.median(first_execute[name])
                if first_execute[name]
                else None,
            }

        # b-e: one kernel at a time, the other not running.
        for name in kernels:
            print(f"[{name}] b-e ...", flush=True)
            with Running(ctx, name, args.timeout, log_dir) as k:
                cl = k.client
                assert cl is not None
                cl.drain(0.3)
                r = results[name]
                steps = (
                    ("b", bench_pass, args.passes),
                    ("c", bench_print, args.reps),
                    ("d", bench_display, args.reps),
                    ("e", bench_comm, args.comm_msgs),
                )
                for key, fn, count in steps:
                    if not k.km.is_alive():
                        r[key] = {"error": f"{name}: kernel process died before step {key}"}
                        print(f"  {key}: SKIPPED, kernel died", flush=True)
                        continue
                    try:
                        r[key] = fn(cl, count)
                        print(f"  {key}: {describe(key, r[key])}", flush=True)
                    except BenchError as exc:
                        # Record and go on with the next metric; the table shows FAILED.
                        r[key] = {"error": str(exc)}
                        print(f"  {key}: FAILED: {short(str(exc))}", flush=True)
                        tail = str(exc).strip().splitlines()[1:][-8:]
                        if tail:
                            print("      " + "\n      ".join(tail), flush=True)
                        cl.drain(1.0)
    finally:
        ctx.destroy(linger=0)
    return results


ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def short(text: str, lines: int = 1) -> str:
    return "\n".join(ANSI.sub("", text).strip().splitlines()[:lines])


def fmt_s(v: float | None) -> str:
    if v is None:
        return "-"
    return f"{v * 1000:.2f} ms" if v < 1 else f"{v:.3f} s"


def table(results: dict[str, Any], args: argparse.Namespace) -> str:
    ipy, nw = results.get("ipykernel"), results.get("notewire")

    def get(r: dict | None, path: str) -> Any:
        if r is None:
            return None
        v: Any = r
        for p in path.split("."):
            v = v.get(p) if isinstance(v, dict) else None
        return v

    rows: list[tuple[str, str, str, str, str, str]] = []

    def row(
        label: str,
        path: str,
        goal: str,
        lower_is_better: bool = True,
        lost: str | None = None,
        fmt: Callable[[Any], str] = fmt_s,
    ) -> None:
        a, b = get(ipy, path), get(nw, path)
        key = path.split(".")[0]
        fa, fb = get(ipy, key + ".error"), get(nw, key + ".error")
        if a and b is not None:
            ratio = b / a
            if goal.startswith("<="):
                ok = ratio <= float(goal[2:-1])
            elif goal.startswith(">="):
                ok = ratio >= float(goal[2:-1])
            else:
                ok = None
            rs = f"{ratio:.2f}x" + ("" if lower_is_better else " (higher is better)")
            if ok is not None:
                rs += "  met" if ok else "  MISSED"
        else:
            rs = "n/a"
        lost_s = "-"
        if lost:
            la = "?" if fa else get(ipy, lost)
            lb = "?" if fb else get(nw, lost)
            lost_s = f"ipy {'-' if la is None else la} / nw {'-' if lb is None else lb}"
        if fa or fb:
            rs = "n/a"
        cell_a = "FAILED" if fa else (fmt(a) if a is not None else "-")
        cell_b = "FAILED" if fb else (fmt(b) if b is not None else "-")
        rows.append((label, cell_a, cell_b, rs, goal, lost_s))

    row(f"a. start -> kernel_info_reply (median of {args.starts})", "a.median_s", "<=0.5x")
    row("   start -> first iopub message (info)", "a.first_iopub_median_s", "-")
    row("   start -> first execute('pass') reply (info)", "a.first_execute_median_s", "-")
    row(f"b. execute('pass') -> reply+idle (median of {args.passes})", "b.median_s", "<=0.5x")
    row("   execute('pass') p90", "b.p90_s", "<=0.5x")
    row("   execute('pass') -> reply only (info)", "b.reply_only_median_s", "-")
    row(f"c. print x100k -> idle (median of {args.reps})", "c.median_s", "<=0.5x", lost="c.lost")
    row(
        f"d. display(PNG) x{DISPLAY_N} -> idle (median of {args.reps})",
        "d.median_s",
        "<=0.5x",
        lost="d.lost",
    )
    row(
        f"e. comm echo {args.comm_msgs} x 100 KiB, MB/s",
        "e.mb_per_s",
        ">=2x",
        lower_is_better=False,
        lost="e.lost",
        fmt=lambda v: f"{v:.1f} MB/s",
    )
    row("   comm echo RTT median (info)", "e.rtt_median_s", "-")

    head = ("metric", "ipykernel", "notewire", "ratio nw/ipy", "goal", "lost msgs")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    line = lambda cells: " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True))  # noqa: E731
    out = [line(head), "-+-".join("-" * w for w in widths)]
    out += [line(r) for r in rows]
    extra = []
    for name in KERNELS:
        r = results.get(name)
        if not r:
            continue
        extra.append(
            f"{name}: starts {[round(x * 1000) for x in get(r, 'a.samples_s') or []]} ms; "
            f"reply-before-idle {get(r, 'b.reply_first_share') or 0:.0%}; "
            f"c stream msgs {get(r, 'c.stream_msgs')}, lost chars {get(r, 'c.lost_chars')}; "
            f"d display_data {get(r, 'd.display_data_msgs')}; "
            f"e lost {get(r, 'e.lost_echoes')} corrupted {get(r, 'e.corrupted_echoes')}, "
            f"{(get(r, 'e.msgs_per_s') or 0):.0f} msgs/s"
        )
    errors = [
        f"{key} FAILED on {name}: {short(r[key]['error'])}"
        for name in KERNELS
        for key in "abcde"
        if isinstance((r := results.get(name) or {}).get(key), dict) and "error" in r[key]
    ]
    return "\n".join(out + [""] + extra + ([""] + errors if errors else []))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--quick", action="store_true", help="few repeats, for a smoke run")
    p.add_argument("--only", choices=KERNELS, help="benchmark one kernel only")
    p.add_argument("--json", metavar="PATH", help="write the raw results to PATH")
    p.add_argument("--starts", type=int, help="kernel starts for a (default 5, quick 2)")
    p.add_argument(
        "--passes", type=int, help="execute('pass') requests for b (default 500, quick 50)"
    )
    p.add_argument("--reps", type=int, help="repetitions of c and d (default 5, quick 1)")
    p.add_argument("--comm-msgs", type=int, help="comm round trips for e (default 1000, quick 100)")
    p.add_argument(
        "--timeout", type=float, default=60.0, help="kernel start timeout, s (default 60)"
    )
    p.add_argument(
        "--inherit-bytecode-env",
        action="store_true",
        help="run the kernels with this process's PYTHONDONTWRITEBYTECODE/PYTHONPYCACHEPREFIX "
        "instead of a private, warmed bytecode cache",
    )
    args = p.parse_args(argv)
    defaults = (2, 50, 1, 100) if args.quick else (5, 500, 5, 1000)
    for name, d in zip(("starts", "passes", "reps", "comm_msgs"), defaults, strict=True):
        if getattr(args, name) is None:
            setattr(args, name, d)

    info = machine()
    print(
        f"machine: nproc {info['nproc']} (affinity {info['affinity']}), {info['platform']}\n"
        f"python {info['python']}, pyzmq {info['pyzmq']} (libzmq {info['libzmq']}), "
        f"jupyter_client {info['jupyter_client']}, ipykernel {info['ipykernel']}, "
        f"notewire {info['notewire']}",
        flush=True,
    )

    # The kernels inherit this environment. They get a private IPYTHONDIR so their
    # history does not touch the user's, and (unless --inherit-bytecode-env) a private
    # bytecode cache with writing enabled: under PYTHONDONTWRITEBYTECODE=1 an editable
    # install recompiles its sources at every start while pip-installed packages have
    # their .pyc, which would skew (a). The warm-up start fills the cache for both kernels.
    scratch = tempfile.mkdtemp(prefix="notewire-bench-")
    log_dir = os.path.join(scratch, "logs")
    os.mkdir(log_dir)
    env: dict[str, str | None] = {"IPYTHONDIR": os.path.join(scratch, "ipython")}
    if not args.inherit_bytecode_env:
        env["PYTHONPYCACHEPREFIX"] = os.path.join(scratch, "pycache")
        env["PYTHONDONTWRITEBYTECODE"] = None
    saved = {name: os.environ.get(name) for name in env}
    for name, value in env.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    bytecode = (
        "caller's environment"
        if args.inherit_bytecode_env
        else "private cache, warmed by the warm-up start"
    )
    print(f"kernel bytecode: {bytecode}", flush=True)
    failed = True
    t0 = time.perf_counter()
    try:
        results = run(args, log_dir)
        failed = False
    except BenchError as exc:
        print(f"\nBENCHMARK FAILED: {exc}\nkernel logs kept in {log_dir}", file=sys.stderr)
        return 1
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        if failed:
            shutil.rmtree(os.path.join(scratch, "pycache"), ignore_errors=True)
            shutil.rmtree(os.path.join(scratch, "ipython"), ignore_errors=True)
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    total = time.perf_counter() - t0

    print()
    print(table(results, args))
    print(f"\ntotal wall time {total:.1f} s")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(
                {"machine": info, "args": vars(args), "results": results, "total_s": total},
                f,
                indent=1,
            )
        print(f"raw results written to {args.json}")
    failed_metrics = any(
        "error" in m for r in results.values() for m in r.values() if isinstance(m, dict)
    )
    return 2 if failed_metrics else 0


if __name__ == "__main__":
    sys.exit(main())
