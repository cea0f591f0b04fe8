"""Server benchmark: notewire against jupyter_server, both driven through their WebSocket.

    python bench/server.py              # full run (three servers, a few minutes)
    python bench/server.py --quick      # smoke run with few repeats
    python bench/server.py --only jupyter_server --only notewire --json /tmp/srv.json

Three servers, one at a time, each started as a subprocess on 127.0.0.1 with a free
port and a private Jupyter config/data/runtime folder (so user configuration cannot
change a limit and no trust database is touched):

  jupyter_server   `python -m jupyter_server` 2.x with ipykernel's `python3` kernelspec,
                   its defaults kept (the IOPub rate limit included);
  notewire         `python -m notewire.cli ROOT --no-browser --port 0 --kernel python3`,
                   notebooks with kernelspec `python3` (the like-for-like comparison);
  notewire kernel  the same server with `--kernel notewire` and notebooks with
                   kernelspec `notewire` (an extra column).

Both kinds of server are driven by the same client code in this file: a synchronous
WebSocket on a plain socket (websockets' sans-I/O protocol for the framing) with
TCP_NODELAY, and TCP_QUICKACK re-armed after every recv (it is not sticky), so Nagle
and delayed-ACK stalls do not hide the servers' own cost; one `selectors` loop over
every connection. Two adapters behind one interface (`expect`/`done`/`stdout`):

  jupyter_server  `/api/kernels/{id}/channels`, legacy JSON framing (one JSON text
                  frame per message; `--jupyter-protocol v1` for the binary v1 framing);
                  a run is an execute_request on shell, done when its execute_reply
                  (the sending connection only) and its idle status arrived;
  notewire        `/api/notebooks/{path}/ws`: a pycrdt copy of the notebook kept in sync
                  (y-protocols sync), code put in a cell once, a run is `{"type": "run"}`,
                  done when the cell's run started anew (its `iopub.status.busy` time
                  changed) and its `run_state` is `done` in the Yjs document.

Figures, per server, with the ratio notewire / jupyter_server:

  a. execute("pass") round trip through the server, median and p90 of --passes (after
     unmeasured warm-up runs), taken with every server up, in --rounds batches per
     server in turn, so that a change of this machine's load between servers does not
     show as a difference between them; also the SERVER process's CPU time per execute
     (utime+stime of its /proc/<pid>/stat, the server process alone, not its kernels);
  b. `for i in range(100000): print(i)` delivered to one connection: time from sending
     until all of it arrived (or the run ended without it), median of --reps; the lines
     that arrived whole are counted (jupyter_server drops output over its IOPub rate
     limit: what it lost is reported, not hidden); for information, the part of that
     time after the kernel's execute_reply (its header date, the kernel's clock on this
     machine, against the client's clock at delivery): what server and client add;
  c. the same, to --conns connections at once (one of them sends the run): time until
     the last connection has all of it; every connection's lines are counted; and the
     server's CPU per run, and per connection beyond the first ((c - b) / (conns - 1)):
     goal at most jupyter_server's;
  d. "open a notebook" until its kernel is ready to execute, median of --opens opens of
     different notebooks: jupyter_server: POST /api/sessions, then the kernel WebSocket
     until a kernel_info_reply; notewire: the notebook WebSocket until its `kernel`
     status says idle. notewire keeps one kernel per kernelspec started ahead (its
     design): the first open of a kernelspec finds none and is shown apart, and opens
     are spaced by --settle seconds so the pool can refill, as between a user's clicks.
     Each opened notebook is closed (its kernel shut down) before the next open.

Goals: notewire at most 0.5x jupyter_server for every time, server CPU per run of c and
per extra connection at most jupyter_server's, and no output lost.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import re
import selectors
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pycrdt
from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.protocol import State
from websockets.typing import Subprotocol
from websockets.uri import parse_uri

from notewire.protocol.frames import SYNC, JsonFrame, YFrame, decode_all, encode_json

SERVERS = ("jupyter_server", "notewire", "notewire_kernel")
TITLES = {
    "jupyter_server": "jupyter_server",
    "notewire": "notewire",
    "notewire_kernel": "notewire kernel",
}
KERNELSPECS = {"jupyter_server": "python3", "notewire": "python3", "notewire_kernel": "notewire"}

PRINT_N = 100_000
PRINT_CODE = f"for i in range({PRINT_N}): print(i)"
EXPECTED_STDOUT = "".join(f"{i}\n" for i in range(PRINT_N))
assert len(EXPECTED_STDOUT) == 588_890
VALID_LINES = frozenset(str(i) for i in range(PRINT_N))

V1 = "v1.kernel.websocket.jupyter.org"
CLK_TCK = os.sysconf("SC_CLK_TCK")


class BenchError(RuntimeError):
    """A step failed or timed out; the message names the server and the step."""


def now() -> float:
    return time.perf_counter()


# ------------------------------------------------------------------- WebSocket


class WebSocket:
    """A client WebSocket on a blocking socket: NODELAY, QUICKACK re-armed after every
    recv. Reads happen only when the selector says the socket is readable."""

    def __init__(
        self,
        url: str,
        headers: dict[str, str],
        *,
        label: str,
        subprotocols: Sequence[str] = (),
        timeout: float = 60.0,
    ) -> None:
        self.label = label
        uri = parse_uri(url)
        self.sock = socket.create_connection((uri.host, uri.port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._quickack()
        self.proto = ClientProtocol(
            uri,
            subprotocols=[Subprotocol(s) for s in subprotocols] or None,
            max_size=None,
        )
        request = self.proto.connect()
        for name, value in headers.items():
            request.headers[name] = value
        self.proto.send_request(request)
        self._flush()
        self._partial: list[bytes] = []
        self._partial_text = False
        self.inbox: list[str | bytes] = []  # messages that came with the handshake
        self.subprotocol: str | None = None
        deadline = now() + timeout
        while self.proto.state is State.CONNECTING:
            if now() > deadline:
                raise BenchError(f"{label}: WebSocket handshake timed out")
            self.sock.settimeout(max(0.001, deadline - now()))
            self.inbox.extend(self._feed(self._recv()))
            if self.proto.handshake_exc is not None:
                raise BenchError(f"{label}: WebSocket refused: {self.proto.handshake_exc}")
        self.sock.settimeout(None)
        for event in self._response_events:
            self.subprotocol = event.headers.get("Sec-WebSocket-Protocol")

    _response_events: list[Response]

    def _quickack(self) -> None:
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)

    def _recv(self) -> bytes:
        data = self.sock.recv(1 << 20)
        self._quickack()  # QUICKACK is not sticky: re-arm it after every read
        if not data:
            self.proto.receive_eof()
            raise ConnectionError(f"{self.label}: the server closed the connection")
        return data

    def _flush(self) -> None:
        for chunk in self.proto.data_to_send():
            if chunk:
                self.sock.sendall(chunk)

    def _feed(self, data: bytes) -> list[str | bytes]:
        self.proto.receive_data(data)
        self._flush()  # pongs, close replies
        out: list[str | bytes] = []
        self._response_events = []
        for event in self.proto.events_received():
            if not isinstance(event, Frame):
                if isinstance(event, Response):
                    self._response_events.append(event)
                continue
            op = event.opcode
            if op in (Opcode.TEXT, Opcode.BINARY):
                self._partial = [bytes(event.data)]
                self._partial_text = op is Opcode.TEXT
            elif op is Opcode.CONT:
                self._partial.append(bytes(event.data))
            else:
                continue  # ping/pong/close: handled by the protocol
            if event.fin:
                data_ = b"".join(self._partial)
                self._partial = []
                out.append(data_.decode("utf-8") if self._partial_text else data_)
        if self.proto.state is State.CLOSED or self.proto.close_rcvd is not None:
            rcvd = self.proto.close_rcvd
            why = f"{rcvd.code} {rcvd.reason}" if rcvd else "no close frame"
            self.inbox.extend(out)
            raise ConnectionError(f"{self.label}: the server closed the WebSocket ({why})")
        if self.proto.state is State.CONNECTING:
            self.inbox.extend(out)
            return []
        return out

    def read(self) -> list[str | bytes]:
        """The messages completed by one recv (call when the socket is readable)."""
        got = self.inbox + self._feed(self._recv())
        self.inbox = []
        return got

    def send(self, data: str | bytes) -> None:
        if isinstance(data, str):
            self.proto.send_text(data.encode("utf-8"))
        else:
            self.proto.send_binary(data)
        self._flush()

    def close(self) -> None:
        try:
            if self.proto.state is State.OPEN:
                self.proto.send_close(1000)
                self._flush()
        except OSError:
            pass
        finally:
            self.sock.close()

    def fileno(self) -> int:
        return self.sock.fileno()


# --------------------------------------------------------------- the adapters


class Conn:
    """One client connection to a server. A run is started by one connection
    (`send_run`) and watched by any (`expect`, then `done`/`stdout`)."""

    ws: WebSocket
    label: str

    def handle(self, data: str | bytes) -> None:
        raise NotImplementedError

    def prepare(self, code: str) -> str:
        """What `send_run` needs for `code` (notewire: the id of a cell holding it)."""
        raise NotImplementedError

    def has(self, key: str) -> bool:
        """Whether this connection can watch runs of `key` (notewire: has the cell)."""
        return True

    def send_run(self, key: str) -> str:
        raise NotImplementedError

    def expect(self, run: str, key: str, *, sender: bool) -> None:
        raise NotImplementedError

    def done(self, run: str) -> bool:
        raise NotImplementedError

    def stdout(self, run: str) -> tuple[str, int, dict[str, Any]]:
        """(stdout text, characters the server said it dropped, extra info)."""
        raise NotImplementedError

    def reply_epoch(self, run: str) -> float | None:
        """The kernel's execute_reply header date, as a Unix time (the sender only)."""
        raise NotImplementedError

    def forget(self, run: str) -> None:
        pass

    def read(self) -> None:
        for data in self.ws.read():
            self.handle(data)

    def close(self) -> None:
        self.ws.close()


def _iso_now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def _epoch(iso: Any) -> float | None:
    if not isinstance(iso, str):
        return None
    try:
        return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


@dataclass
class JRun:
    sender: bool
    reply: dict[str, Any] | None = None
    reply_type: str = ""
    reply_date: str | None = None
    idle: bool = False
    stdout: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)
    stream_msgs: int = 0
    error: dict[str, Any] | None = None


class JupyterConn(Conn):
    """jupyter_server's kernel WebSocket, `/api/kernels/{id}/channels`."""

    def __init__(
        self, base: str, token: str, kernel_id: str, *, label: str, protocol: str = "json"
    ) -> None:
        self.label = label
        self.session_id = uuid.uuid4().hex
        self.v1 = protocol == "v1"
        url = (
            base.replace("http", "ws", 1)
            + f"/api/kernels/{kernel_id}/channels?session_id={self.session_id}"
        )
        self.ws = WebSocket(
            url,
            {"Authorization": f"token {token}"},
            label=label,
            subprotocols=[V1] if self.v1 else (),
        )
        if self.v1 and self.ws.subprotocol != V1:
            raise BenchError(f"{label}: the server did not accept the {V1} subprotocol")
        self.runs: dict[str, JRun] = {}
        for data in self.ws.inbox:
            self.handle(data)
        self.ws.inbox = []

    def send(self, msg_type: str, content: dict[str, Any]) -> str:
        msg_id = uuid.uuid4().hex
        header = {
            "msg_id": msg_id,
            "username": "bench",
            "session": self.session_id,
            "date": _iso_now(),
            "msg_type": msg_type,
            "version": "5.3",
        }
        if self.v1:
            parts = [json.dumps(p).encode("utf-8") for p in (header, {}, {}, content)]
            channel = b"shell"
            offsets = [8 * (1 + 1 + len(parts) + 1)]
            offsets.append(offsets[-1] + len(channel))
            for p in parts:
                offsets.append(offsets[-1] + len(p))
            head = len(offsets).to_bytes(8, "little") + b"".join(
                o.to_bytes(8, "little") for o in offsets
            )
            self.ws.send(b"".join([head, channel, *parts]))
        else:
            body = {
                "header": header,
                "parent_header": {},
                "metadata": {},
                "content": content,
                "buffers": [],
                "channel": "shell",
            }
            self.ws.send(json.dumps(body))
        return msg_id

    def _parse(self, data: str | bytes) -> tuple[str, dict, dict, dict]:
        if isinstance(data, str):
            msg = json.loads(data)
            return msg["channel"], msg["header"], msg["parent_header"], msg["content"]
        if not self.v1:
            raise BenchError(f"{self.label}: unexpected binary frame in the JSON protocol")
        n = int.from_bytes(data[:8], "little")
        off = [int.from_bytes(data[8 * (i + 1) : 8 * (i + 2)], "little") for i in range(n)]
        channel = data[off[0] : off[1]].decode("utf-8")
        header, parent, _meta, content = (
            json.loads(data[off[i] : off[i + 1]]) for i in range(1, 5)
        )
        return channel, header, parent, content

    def handle(self, data: str | bytes) -> None:
        channel, header, parent, content = self._parse(data)
        run = self.runs.get(parent.get("msg_id", "") if parent else "")
        if run is None:
            return  # e.g. the server's kernel_info nudges
        msg_type = header["msg_type"]
        if channel == "shell":
            run.reply, run.reply_type = content, msg_type
            run.reply_date = header.get("date")
        elif channel == "iopub":
            if msg_type == "status":
                if content.get("execution_state") == "idle":
                    run.idle = True
            elif msg_type == "stream":
                run.stream_msgs += 1
                (run.stdout if content.get("name") == "stdout" else run.stderr).append(
                    content.get("text", "")
                )
            elif msg_type == "error":
                run.error = content

    def prepare(self, code: str) -> str:
        return code

    def send_run(self, key: str) -> str:
        return self.send(
            "execute_request",
            {
                "code": key,
                "silent": False,
                "store_history": True,
                "user_expressions": {},
                "allow_stdin": False,
                "stop_on_error": True,
            },
        )

    def expect(self, run: str, key: str, *, sender: bool) -> None:
        self.runs[run] = JRun(sender=sender)

    def done(self, run: str) -> bool:
        r = self.runs[run]
        finished = r.idle and (r.reply is not None or not r.sender)
        if finished and (r.error or (r.reply and r.reply.get("status") != "ok")):
            e = r.error or r.reply or {}
            raise BenchError(f"{self.label}: the run failed: {e.get('ename')}: {e.get('evalue')}")
        return finished

    def stdout(self, run: str) -> tuple[str, int, dict[str, Any]]:
        r = self.runs[run]
        stderr = "".join(r.stderr)
        info = {
            "stream_msgs": r.stream_msgs,
            "rate_limit_notice": "rate exceeded" in stderr,
        }
        return "".join(r.stdout), 0, info

    def reply_epoch(self, run: str) -> float | None:
        return _epoch(self.runs[run].reply_date)

    def forget(self, run: str) -> None:
        self.runs.pop(run, None)


_DONE = frozenset(("done", "error"))


class NotewireConn(Conn):
    """notewire's notebook WebSocket, `/api/notebooks/{path}/ws`, with a Yjs copy."""

    def __init__(self, base: str, token: str, path: str, *, label: str) -> None:
        self.label = label
        self.doc: pycrdt.Doc[Any] = pycrdt.Doc()
        self.doc_id: str | None = None
        self.kernel: dict[str, Any] = {}
        self.synced = False
        self.errors: list[dict[str, Any]] = []
        self._remote = False
        self._outbox: list[bytes] = []
        self._subscription: Any = None
        self._baseline: dict[str, tuple[str, str | None]] = {}  # run -> (cell, busy time)
        self._found: dict[str, pycrdt.Map] = {}  # cell id -> its map in self.doc
        url = base.replace("http", "ws", 1) + f"/api/notebooks/{quote(path)}/ws"
        self.ws = WebSocket(url, {"Authorization": f"token {token}"}, label=label)
        for data in self.ws.inbox:
            self.handle(data)
        self.ws.inbox = []
        self._flush()

    def _flush(self) -> None:
        out, self._outbox = self._outbox, []
        for data in out:
            self.ws.send(data)

    def read(self) -> None:
        super().read()
        self._flush()

    def handle(self, data: str | bytes) -> None:
        # The server's writer sends what waits for a browser as one batch frame.
        for frame in decode_all(data):
            self._handle_frame(frame)

    def _handle_frame(self, frame: JsonFrame | YFrame) -> None:
        if isinstance(frame, YFrame):
            if frame.kind == SYNC:
                self._remote = True
                try:
                    reply = pycrdt.handle_sync_message(frame.payload, self.doc)
                finally:
                    self._remote = False
                if reply is not None:
                    self._outbox.append(reply)
                if frame.payload[0] == 1:  # SyncStep2: we have the server's document
                    self.synced = True
            return
        assert isinstance(frame, JsonFrame)
        body = frame.body
        kind = body["type"]
        if kind == "hello":
            self.kernel = body["kernel"]
            if body["doc_id"] != self.doc_id:
                self._reset(body["doc_id"])
        elif kind == "kernel":
            self.kernel = body
        elif kind == "error":
            self.errors.append(body)

    def _reset(self, doc_id: str) -> None:
        if self._subscription is not None:
            self.doc.unobserve(self._subscription)
        self.doc = pycrdt.Doc()
        self.doc_id = doc_id
        self._found = {}
        self.synced = False
        self._subscription = self.doc.observe(self._on_local_change)
        self._outbox.append(pycrdt.create_sync_message(self.doc))

    def _on_local_change(self, event: Any) -> None:
        if not self._remote:
            self._outbox.append(pycrdt.create_update_message(event.update))

    # the document

    def _cells(self) -> pycrdt.Array:
        return self.doc.get("cells", type=pycrdt.Array)

    def cell(self, cell_id: str) -> pycrdt.Map | None:
        cell = self._found.get(cell_id)  # checked each time: cells move and go
        if cell is not None and cell.get("id") == cell_id:
            return cell
        for cell in self._cells():
            if cell.get("id") == cell_id:
                self._found[cell_id] = cell
                return cell
        return None

    def _busy(self, cell: pycrdt.Map) -> str | None:
        timing = (cell.get("metadata") or {}).get("execution") or {}
        return timing.get("iopub.status.busy")

    def prepare(self, code: str) -> str:
        for cell in self._cells():
            if cell.get("cell_type") == "code" and str(cell.get("source")) == code:
                return str(cell["id"])
        cell_id = uuid.uuid4().hex[:12]
        fields: dict[str, Any] = {
            "id": cell_id,
            "cell_type": "code",
            "source": pycrdt.Text(code),
            "metadata": {},
            "outputs": pycrdt.Array(),
            "execution_count": None,
            "run_state": "idle",
        }
        cells = self._cells()
        cells.insert(len(cells), pycrdt.Map(fields))
        self._flush()
        return cell_id

    def has(self, key: str) -> bool:
        return self.cell(key) is not None

    def send_run(self, key: str) -> str:
        self.ws.send(encode_json({"type": "run", "cells": [key]}))
        return uuid.uuid4().hex

    def expect(self, run: str, key: str, *, sender: bool) -> None:
        cell = self.cell(key)
        if cell is None:
            raise BenchError(f"{self.label}: cell {key} is not in this connection's document")
        self._baseline[run] = (key, self._busy(cell))

    def done(self, run: str) -> bool:
        if self.errors:
            raise BenchError(f"{self.label}: the server answered an error: {self.errors[-1]}")
        key, before = self._baseline[run]
        cell = self.cell(key)
        if cell is None:
            return False
        state = cell.get("run_state")  # read first: cheaper than the timing metadata
        if state not in _DONE or self._busy(cell) == before:
            return False
        if state == "error":
            raise BenchError(f"{self.label}: the cell's run ended in error")
        return True

    def stdout(self, run: str) -> tuple[str, int, dict[str, Any]]:
        key, _ = self._baseline[run]
        cell = self.cell(key)
        chunks: list[str] = []
        dropped = n = 0
        for output in (cell.get("outputs") if cell is not None else None) or []:
            item = output.to_py()
            if item.get("output_type") == "stream" and item.get("name") == "stdout":
                text = item.get("text") or []
                chunks.extend(text)
                n += len(text)
                dropped += int(item.get("dropped_chars") or 0)
        return "".join(chunks), dropped, {"stream_chunks": n}

    def reply_epoch(self, run: str) -> float | None:
        cell = self.cell(self._baseline[run][0])
        timing = ((cell.get("metadata") if cell is not None else None) or {}).get("execution")
        return _epoch((timing or {}).get("shell.execute_reply"))

    def forget(self, run: str) -> None:
        self._baseline.pop(run, None)


# --------------------------------------------------------------------- driving


class Group:
    """Connections read through one selector."""

    def __init__(self, conns: Iterable[Conn]) -> None:
        self.conns = list(conns)
        self.sel = selectors.DefaultSelector()
        for c in self.conns:
            self.sel.register(c.ws.sock, selectors.EVENT_READ, c)

    def poll(self, timeout: float) -> list[Conn]:
        """Read every connection that becomes readable within `timeout`."""
        ready = []
        for key, _ in self.sel.select(max(0.0, timeout)):
            conn: Conn = key.data
            conn.read()
            ready.append(conn)
        return ready

    def wait(self, predicate: Callable[[], Any], timeout: float, step: str) -> Any:
        deadline = now() + timeout
        while not (result := predicate()):
            remaining = deadline - now()
            if remaining <= 0:
                raise BenchError(f"{step}: timed out after {timeout:g} s")
            self.poll(remaining)
        return result

    def drain(self, quiet: float = 0.2, cap: float = 5.0) -> None:
        """Read until `quiet` seconds pass with nothing to read."""
        end = now() + cap
        while now() < end and self.poll(quiet):
            pass

    def close(self) -> None:
        self.sel.close()
        for c in self.conns:
            c.close()


@dataclass
class Delivery:
    t_done: float | None = None  # the run finished, seen by this connection
    t_complete: float | None = None  # every expected line had arrived
    lines: int = 0
    chars: int = 0
    dropped_chars: int = 0
    after_reply: float | None = None  # from the kernel's execute_reply (its header date)
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def time(self) -> float:
        t = self.t_complete if self.t_complete is not None else self.t_done
        assert t is not None
        return t


def count_lines(text: str) -> int:
    """Lines of the expected output that arrived whole (and each only once)."""
    if text == EXPECTED_STDOUT:
        return PRINT_N
    seen = set()
    for line in text.split("\n")[:-1]:
        if line in VALID_LINES:
            seen.add(line)
    return len(seen)


def run_code(
    group: Group,
    sender: Conn,
    key: str,
    *,
    step: str,
    timeout: float,
    count: bool = False,
    grace: float = 1.0,
) -> list[Delivery]:
    """Send one run from `sender`; wait until every connection of `group` saw it end
    (and, with `count`, has every line or got nothing more for `grace` seconds)."""
    conns = group.conns
    results = {c: Delivery() for c in conns}
    wall0, t0 = time.time(), now()
    run = sender.send_run(key)
    for c in conns:
        c.expect(run, key, sender=c is sender)
    pending = set(conns)
    grace_end: dict[Conn, float] = {}
    deadline = t0 + timeout
    try:
        while pending:
            wake = min([deadline, *grace_end.values()])
            remaining = wake - now()
            if remaining <= 0 and now() >= deadline:
                waiting = ", ".join(sorted(c.label for c in pending))
                raise BenchError(f"{step}: timed out after {timeout:g} s waiting for {waiting}")
            ready = group.poll(remaining) if remaining > 0 else []
            t = now() - t0
            for c in ready:
                if c not in pending:
                    continue
                d = results[c]
                if d.t_done is None and c.done(run):
                    d.t_done = t
                if d.t_done is None:
                    continue
                if not count:
                    pending.discard(c)
                    continue
                text, dropped, info = c.stdout(run)
                d.chars, d.dropped_chars, d.info = len(text), dropped, info
                if text == EXPECTED_STDOUT:
                    d.t_complete, d.lines = t, PRINT_N
                    pending.discard(c)
                else:
                    d.lines = count_lines(text)
                    grace_end.setdefault(c, now() + grace)
            for c, end in list(grace_end.items()):
                if c in pending and now() >= end:
                    pending.discard(c)  # it ended without all of its output
        # The kernel stamps its reply with its wall clock (same machine): what follows it
        # is the server's (and the client's) part of the delivery, not the kernel's.
        reply_at = sender.reply_epoch(run)
        if reply_at is not None:
            for d in results.values():
                d.after_reply = wall0 + d.time - reply_at
    finally:
        for c in conns:
            c.forget(run)
    return [results[c] for c in conns]


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    k = (len(s) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


# ------------------------------------------------------------------ the servers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def proc_stat(pid: int) -> list[str] | None:
    """/proc/<pid>/stat from field 3 (state) on; None when the process is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            text = f.read()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()


def cpu_seconds(pid: int) -> float:
    """utime + stime of the process itself (all its threads, not its children)."""
    fields = proc_stat(pid)
    if fields is None:
        raise BenchError(f"server process {pid} is gone")
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def descendants(pid: int) -> set[tuple[int, str]]:
    """(pid, start time) of every live descendant of `pid`."""
    children: dict[int, list[tuple[int, str]]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        fields = proc_stat(int(entry))
        if fields is None:
            continue
        children.setdefault(int(fields[1]), []).append((int(entry), fields[19]))
    found: set[tuple[int, str]] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child[0])
    return found


def http_json(
    base: str, method: str, path: str, token: str, body: Any = None, timeout: float = 60.0
) -> tuple[int, Any]:
    u = urlsplit(base)
    conn = http.client.HTTPConnection(u.hostname or "127.0.0.1", u.port, timeout=timeout)
    try:
        conn.connect()
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        headers = {"Authorization": f"token {token}"}
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        conn.request(method, path, body=data, headers=headers)
        resp = conn.getresponse()
        raw = resp.read()
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw.decode("utf-8", "replace")
        return resp.status, parsed
    finally:
        conn.close()


class Server:
    """One server subprocess in its own process group, with a private root folder."""

    def __init__(
        self,
        name: str,
        scratch: Path,
        env: dict[str, str],
        timeout: float,
        extra_args: Sequence[str] = (),
    ) -> None:
        """`extra_args` are appended to the server's command line (bench/gateway.py:
        the gateway options)."""
        self.name = name
        self.extra_args = tuple(extra_args)
        self.title = TITLES[name]
        self.kernelspec = KERNELSPECS[name]
        self.root = scratch / f"root-{name}"
        self.root.mkdir()
        self.log_path = scratch / f"{name}.log"
        self.env = env
        self.timeout = timeout
        self.proc: subprocess.Popen[bytes] | None = None
        self.base = ""
        self.token = ""
        self._known: set[tuple[int, str]] = set()

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def write_notebook(self, path: str, cells: Sequence[str] = ()) -> None:
        nb = {
            "cells": [
                {
                    "cell_type": "code",
                    "execution_count": None,
                    "id": uuid.uuid4().hex[:12],
                    "metadata": {},
                    "outputs": [],
                    "source": source,
                }
                for source in cells
            ],
            "metadata": {
                "kernelspec": {
                    "name": self.kernelspec,
                    "display_name": self.kernelspec,
                    "language": "python",
                },
                "language_info": {"name": "python"},
            },
            "nbformat": 4,
            "nbformat_minor": 5,
        }
        (self.root / path).write_text(json.dumps(nb, indent=1), encoding="utf-8")

    def start(self) -> None:
        if self.name == "jupyter_server":
            self.token = uuid.uuid4().hex + uuid.uuid4().hex
            port = free_port()
            argv = [
                sys.executable,
                "-m",
                "jupyter_server",
                "--no-browser",
                f"--port={port}",
                "--ServerApp.port_retries=0",
                "--ServerApp.ip=127.0.0.1",
                f"--IdentityProvider.token={self.token}",  # ServerApp.token is deprecated
                f"--ServerApp.root_dir={self.root}",
            ]
            if os.geteuid() == 0:
                argv.append("--allow-root")
            self.base = f"http://127.0.0.1:{port}"
        else:
            kernel = "python3" if self.name == "notewire" else "notewire"
            argv = [
                sys.executable,
                "-m",
                "notewire.cli",
                str(self.root),
                "--no-browser",
                "--port",
                "0",
                "--kernel",
                kernel,
            ]
        argv += self.extra_args
        log = open(self.log_path, "wb")
        try:
            self.proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.env,
                cwd=self.root,
                start_new_session=True,
            )
        finally:
            log.close()
        deadline = now() + self.timeout
        if self.name != "jupyter_server":
            # notewire prints its URL, then a login URL holding the token.
            while not self.token:
                self._check_alive("start")
                text = self.log_path.read_text(errors="replace")
                url = re.search(r"notewire is running at (http://\S+)", text)
                tok = re.search(r"[?&]token=([A-Za-z0-9_\-]+)", text)
                if url and tok:
                    self.base, self.token = url.group(1).rstrip("/"), tok.group(1)
                    break
                if now() > deadline:
                    raise BenchError(f"{self.title}: no URL and token on stdout in time")
                time.sleep(0.05)
        probe = "/api/status" if self.name == "jupyter_server" else "/api/kernels"
        while True:
            self._check_alive("start")
            try:
                status, _ = http_json(self.base, "GET", probe, self.token, timeout=2)
                if status == 200:
                    return
            except OSError:
                pass
            if now() > deadline:
                raise BenchError(f"{self.title}: GET {probe} not answering 200 in time")
            time.sleep(0.05)

    def _check_alive(self, step: str) -> None:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise BenchError(
                f"{self.title}: {step}: the server exited with status {self.proc.returncode}"
            )

    def cpu(self) -> float:
        return cpu_seconds(self.pid)

    def remember_children(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self._known |= descendants(self.pid)

    def stop(self) -> list[str]:
        """SIGTERM (the servers shut their kernels down), then SIGKILL whatever of the
        server, its process group and its descendants is still there. Returns notes."""
        notes: list[str] = []
        if self.proc is None:
            return notes
        self.remember_children()
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass
            end = now() + 20
            while self.proc.poll() is None and now() < end:
                self.remember_children()  # a pool refill may start one more
                time.sleep(0.1)
            if self.proc.poll() is None:
                notes.append(f"{self.title}: did not stop within 20 s of SIGTERM; killed")
                self.proc.kill()
                self.proc.wait()
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)  # its group: nothing but ours
        except (ProcessLookupError, PermissionError):
            pass
        time.sleep(0.3)  # kernels whose server went away exit on their own; give them a moment
        for pid, started in self._known:
            fields = proc_stat(pid)
            if fields is not None and fields[19] == started and fields[0] != "Z":
                notes.append(f"{self.title}: process {pid} outlived its server; killed")
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        self.proc = None
        return notes

    def log_tail(self, lines: int = 30) -> str:
        try:
            tail = self.log_path.read_text(errors="replace").splitlines()[-lines:]
        except OSError:
            return ""
        return "\n".join("    " + line for line in tail)

    # --- opening a notebook, as each server's own client does

    def connect(self, path: str, label: str, protocol: str) -> tuple[Conn, dict[str, Any]]:
        """A connection on notebook `path` whose kernel is ready; (conn, cleanup info)."""
        if self.name == "jupyter_server":
            session = self.new_session(path)
            kernel_id = session["kernel"]["id"]
            conn: Conn = JupyterConn(
                self.base, self.token, kernel_id, label=label, protocol=protocol
            )
            return conn, {"session": session["id"], "kernel": kernel_id}
        nw = NotewireConn(self.base, self.token, path, label=label)
        Group([nw]).wait(
            lambda: nw.synced and self._kernel_idle(nw), self.timeout, f"{label}: open {path}"
        )
        return nw, {"path": path}

    def attach(self, path: str, kernel_id: str | None, label: str, protocol: str) -> Conn:
        """Another connection to a notebook already open."""
        if self.name == "jupyter_server":
            assert kernel_id is not None
            return JupyterConn(self.base, self.token, kernel_id, label=label, protocol=protocol)
        nw = NotewireConn(self.base, self.token, path, label=label)
        Group([nw]).wait(lambda: nw.synced, self.timeout, f"{label}: sync {path}")
        return nw

    def _kernel_idle(self, nw: NotewireConn) -> bool:
        state = nw.kernel.get("state")
        if state == "dead":
            raise BenchError(f"{self.title}: the notebook's kernel died: {nw.kernel.get('cause')}")
        return state == "idle"

    def new_session(self, path: str) -> dict[str, Any]:
        body = {
            "path": path,
            "name": path,
            "type": "notebook",
            "kernel": {"name": self.kernelspec},
        }
        status, session = http_json(self.base, "POST", "/api/sessions", self.token, body)
        if status != 201:
            raise BenchError(f"{self.title}: POST /api/sessions answered {status}: {session}")
        return session  # type: ignore[no-any-return]

    def close_notebook(self, info: dict[str, Any]) -> None:
        """Shut the notebook's kernel down (jupyter: DELETE the session; notewire:
        DELETE its kernel, which closes the notebook)."""
        if self.name == "jupyter_server":
            status, body = http_json(
                self.base, "DELETE", f"/api/sessions/{info['session']}", self.token
            )
            if status != 204:
                raise BenchError(f"{self.title}: DELETE session answered {status}: {body}")
            return
        status, kernels = http_json(self.base, "GET", "/api/kernels", self.token)
        if status != 200:
            raise BenchError(f"{self.title}: GET /api/kernels answered {status}")
        for k in kernels:
            if k.get("notebook") == info["path"]:
                status, body = http_json(self.base, "DELETE", f"/api/kernels/{k['id']}", self.token)
                if status != 204:
                    raise BenchError(f"{self.title}: DELETE kernel answered {status}: {body}")


# ---------------------------------------------------------------- measurements


def bench_open(srv: Server, i: int, settle: float) -> dict[str, Any]:
    """d. One open of a fresh notebook until its kernel is ready; then close it."""
    path = f"open-{i:02d}.ipynb"
    srv.write_notebook(path, ["1 + 1"])
    label = f"{srv.title}: d open #{i}"
    t0 = now()
    out: dict[str, Any] = {}
    if srv.name == "jupyter_server":
        session = srv.new_session(path)
        out["t_session_s"] = now() - t0
        conn = JupyterConn(srv.base, srv.token, session["kernel"]["id"], label=label)
        out["t_ws_s"] = now() - t0
        try:
            msg_id = conn.send("kernel_info_request", {})
            conn.expect(msg_id, "", sender=True)
            run = conn.runs[msg_id]
            Group([conn]).wait(lambda: run.reply is not None, srv.timeout, label)
            out["ready_s"] = now() - t0
        finally:
            conn.close()
        cleanup = {"session": session["id"]}
    else:
        nw = NotewireConn(srv.base, srv.token, path, label=label)
        out["t_ws_s"] = now() - t0
        try:
            group = Group([nw])
            group.wait(lambda: srv._kernel_idle(nw), srv.timeout, label)
            out["ready_s"] = now() - t0
            group.wait(lambda: nw.synced, srv.timeout, label + " (sync)")
            out["t_synced_s"] = now() - t0
        finally:
            nw.close()
        cleanup = {"path": path}
    srv.close_notebook(cleanup)
    time.sleep(settle)
    return out


def bench_pass(srv: Server, conn: Conn, n: int, warmup: int) -> dict[str, Any]:
    """a. execute('pass') round trips, and the server's CPU time per execute."""
    group = Group([conn])
    key = conn.prepare("pass")
    group.wait(lambda: conn.has(key), 30, f"{srv.title}: a prepare")
    for i in range(warmup):
        run_code(group, conn, key, step=f"{srv.title}: a warm-up {i}", timeout=30)
    group.drain(0.2)
    times: list[float] = []
    cpu0 = srv.cpu()
    for i in range(n):
        (d,) = run_code(group, conn, key, step=f"{srv.title}: a execute('pass') #{i}", timeout=30)
        times.append(d.time)
    cpu1 = srv.cpu()
    return {
        "samples_s": times,
        "median_s": statistics.median(times),
        "p90_s": pct(times, 90),
        "server_cpu_s": cpu1 - cpu0,
        "server_cpu_per_exec_s": (cpu1 - cpu0) / n,
    }


def bench_print(srv: Server, conns: list[Conn], reps: int, step: str) -> dict[str, Any]:
    """b/c. 100k printed lines to every connection; conns[0] sends the run."""
    group = Group(conns)
    sender = conns[0]
    key = sender.prepare(PRINT_CODE)
    group.wait(lambda: all(c.has(key) for c in conns), 30, f"{srv.title}: {step} prepare")
    group.drain(0.3)
    times, cpus, lost, per_conn, details, after = [], [], [], [], [], []
    for r in range(reps):
        cpu0 = srv.cpu()
        got = run_code(
            group, sender, key, step=f"{srv.title}: {step} rep {r}", timeout=180, count=True
        )
        cpu1 = srv.cpu()
        times.append(max(d.time for d in got))
        if all(d.after_reply is not None for d in got):
            after.append(max(d.after_reply for d in got if d.after_reply is not None))
        cpus.append(cpu1 - cpu0)
        lines = [d.lines for d in got]
        per_conn.append(lines)
        lost.append(sum(PRINT_N - n for n in lines))
        details.append(
            [
                {
                    "t_done_s": d.t_done,
                    "t_complete_s": d.t_complete,
                    "lines": d.lines,
                    "chars": d.chars,
                    "dropped_chars": d.dropped_chars,
                    "after_reply_s": d.after_reply,
                    **d.info,
                }
                for d in got
            ]
        )
        group.drain(0.3)
    return {
        "times_s": times,
        "median_s": statistics.median(times),
        "after_reply_s": after,
        "after_reply_median_s": statistics.median(after) if after else None,
        "server_cpu_s": cpus,
        "server_cpu_median_s": statistics.median(cpus),
        "server_cpu_mean_s": sum(cpus) / len(cpus),
        "lines_per_conn": per_conn,
        "lost_lines_per_rep": lost,
        "lost": sum(lost),
        "min_lines": min(min(x) for x in per_conn),
        "conns": len(conns),
        "details": details,
    }


@dataclass
class Bench:
    """One server under test, between its phases."""

    srv: Server
    res: dict[str, Any] = field(default_factory=dict)
    conn: Conn | None = None
    kernel_id: str | None = None


def setup_server(b: Bench, args: argparse.Namespace) -> None:
    """Start the server, measure d, and connect to bench.ipynb for a and b."""
    srv, res = b.srv, b.res
    t0 = now()
    srv.start()
    res["start_s"] = now() - t0
    print(f"[{srv.title}] up at {srv.base} (pid {srv.pid}) in {res['start_s']:.2f} s", flush=True)

    # d. The first open of a kernelspec (no pooled kernel yet; for jupyter_server the
    # first session), then spaced opens of other notebooks.
    first = bench_open(srv, 0, 0.0)
    srv.remember_children()
    settle = max(args.settle, 2 * first["ready_s"])
    time.sleep(settle)
    opens = []
    for i in range(1, args.opens + 1):
        opens.append(bench_open(srv, i, settle))
        srv.remember_children()
    res["d"] = {
        "first_ready_s": first["ready_s"],
        "first": first,
        "samples": opens,
        "samples_s": [o["ready_s"] for o in opens],
        "median_s": statistics.median(o["ready_s"] for o in opens),
        "settle_s": settle,
    }
    print(
        f"  d: first open {first['ready_s'] * 1000:.0f} ms; opens "
        f"{[round(o['ready_s'] * 1000) for o in opens]} ms (spaced {settle:.1f} s)",
        flush=True,
    )
    srv.write_notebook("bench.ipynb")
    b.conn, info = srv.connect("bench.ipynb", f"{srv.title}: conn 0", args.jupyter_protocol)
    srv.remember_children()
    b.kernel_id = info.get("kernel")
    time.sleep(args.settle)  # let a pool refill finish before measuring
    Group([b.conn]).drain(0.2)


def bench_pass_interleaved(benches: list[Bench], args: argparse.Namespace) -> None:
    """a, for every server at once: batches of runs taken in turn (in alternating
    order), so that a change in this machine's load falls on every server alike."""
    rounds = max(1, min(args.rounds, args.passes))
    sizes = [args.passes // rounds + (i < args.passes % rounds) for i in range(rounds)]
    samples: dict[str, list[float]] = {b.srv.name: [] for b in benches}
    cpu: dict[str, float] = {b.srv.name: 0.0 for b in benches}
    for i, size in enumerate(sizes):
        for b in benches if i % 2 == 0 else reversed(benches):
            assert b.conn is not None
            part = bench_pass(b.srv, b.conn, size, args.warmup if i == 0 else 2)
            samples[b.srv.name] += part["samples_s"]
            cpu[b.srv.name] += part["server_cpu_s"]
    for b in benches:
        # Closed now: an idle connection left unread while the other servers run would
        # miss its server's pings and be closed under it (uvicorn: after 40 s).
        assert b.conn is not None
        b.conn.close()
        b.conn = None
        times = samples[b.srv.name]
        a = b.res["a"] = {
            "samples_s": times,
            "median_s": statistics.median(times),
            "p90_s": pct(times, 90),
            "server_cpu_s": cpu[b.srv.name],
            "server_cpu_per_exec_s": cpu[b.srv.name] / len(times),
            "rounds": rounds,
        }
        print(
            f"[{b.srv.title}] a: median {a['median_s'] * 1000:.2f} ms, p90 "
            f"{a['p90_s'] * 1000:.2f} ms, server CPU {a['server_cpu_per_exec_s'] * 1000:.2f} "
            f"ms/execute ({len(times)} runs in {rounds} rounds)",
            flush=True,
        )


def finish_server(b: Bench, args: argparse.Namespace) -> None:
    """b on a new connection, then c on --conns new ones."""
    srv, res = b.srv, b.res
    try:
        label = f"{srv.title}: conn 0"
        b.conn = srv.attach("bench.ipynb", b.kernel_id, label, args.jupyter_protocol)
        Group([b.conn]).drain(0.2)
        res["b"] = bench_print(srv, [b.conn], args.reps, "b")
        r = res["b"]
        print(
            f"[{srv.title}] b: median {r['median_s']:.3f} s (after the kernel's reply "
            f"{fmt_s(r['after_reply_median_s'])}), lines {r['lines_per_conn']}, "
            f"server CPU {r['server_cpu_mean_s']:.3f} s/run",
            flush=True,
        )
    finally:
        if b.conn is not None:
            b.conn.close()
            b.conn = None

    # c. --conns connections on the same notebook at once.
    conns: list[Conn] = []
    try:
        for i in range(args.conns):
            conns.append(
                srv.attach(
                    "bench.ipynb", b.kernel_id, f"{srv.title}: conn {i}", args.jupyter_protocol
                )
            )
        Group(conns).drain(0.5)
        res["c"] = bench_print(srv, conns, args.reps, "c")
        c = res["c"]
        if "b" in res and args.conns > 1:
            # What each browser beyond the first costs the server for the same output.
            extra = (c["server_cpu_mean_s"] - res["b"]["server_cpu_mean_s"]) / (args.conns - 1)
            c["server_cpu_per_extra_conn_s"] = max(extra, 0.0)
        print(
            f"[{srv.title}] c: median {c['median_s']:.3f} s (after the kernel's reply "
            f"{fmt_s(c['after_reply_median_s'])}), min lines per conn {c['min_lines']}, "
            f"lost {c['lost_lines_per_rep']}, server CPU {c['server_cpu_mean_s']:.3f} s/run",
            flush=True,
        )
    finally:
        for conn in conns:
            conn.close()


# ------------------------------------------------------------------------ output


def machine() -> dict[str, Any]:
    from importlib.metadata import version

    def v(name: str) -> str:
        try:
            return version(name)
        except Exception:
            return "?"

    return {
        "nproc": os.cpu_count(),
        "affinity": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        **{
            name: v(name)
            for name in (
                "jupyter_server",
                "ipykernel",
                "jupyter_client",
                "tornado",
                "notewire",
                "starlette",
                "uvicorn",
                "websockets",
                "pycrdt",
            )
        },
    }


def fmt_s(v: float | None) -> str:
    if v is None:
        return "-"
    return f"{v * 1000:.2f} ms" if v < 1 else f"{v:.3f} s"


def get(r: dict[str, Any] | None, path: str) -> Any:
    v: Any = r
    for p in path.split("."):
        v = v.get(p) if isinstance(v, dict) else None
    return v


def table(results: dict[str, Any], args: argparse.Namespace) -> str:
    js = results.get("jupyter_server")
    nws = [
        ("notewire", results.get("notewire")),
        ("notewire_kernel", results.get("notewire_kernel")),
    ]
    rows: list[tuple[str, ...]] = []

    def ratio(a: Any, b: Any, goal: str) -> str:
        if not a or b is None:
            return "n/a"
        r = b / a
        s = f"{r:.2f}x"
        if goal.startswith("<="):
            s += "  met" if r <= float(goal[2:-1]) else "  MISSED"
        return s

    def row(label: str, path: str, goal: str, lost: str | None = None) -> None:
        key = path.split(".")[0]
        a = get(js, path)
        cells = [label, "FAILED" if get(js, key + ".error") else fmt_s(a)]
        for _, r in nws:
            failed = get(r, key + ".error")
            b = None if failed else get(r, path)
            cells += ["FAILED" if failed else fmt_s(b), "n/a" if failed else ratio(a, b, goal)]
        cells.insert(4, goal)
        if lost:
            parts = []
            for r in (js, *(r for _, r in nws)):
                v = get(r, lost)
                parts.append(
                    "?"
                    if r is not None and get(r, key + ".error")
                    else ("-" if v is None else str(v))
                )
            cells.append(" / ".join(parts))
        else:
            cells.append("")
        rows.append(tuple(cells))

    row(f"a. execute('pass') round trip (median of {args.passes})", "a.median_s", "<=0.5x")
    row("   execute('pass') p90", "a.p90_s", "<=0.5x")
    row("   server process CPU per execute", "a.server_cpu_per_exec_s", "<=0.5x")
    row(
        f"b. print x100k -> all delivered, 1 conn (median of {args.reps})",
        "b.median_s",
        "<=0.5x",
        lost="b.lost",
    )
    row("   of which after the kernel's execute_reply (info)", "b.after_reply_median_s", "-")
    row("   server process CPU per run, mean (info)", "b.server_cpu_mean_s", "-")
    row(
        f"c. print x100k -> all delivered to {args.conns} conns (median of {args.reps})",
        "c.median_s",
        "<=0.5x",
        lost="c.lost",
    )
    row("   of which after the kernel's execute_reply (info)", "c.after_reply_median_s", "-")
    row("   server process CPU per run, mean", "c.server_cpu_mean_s", "<=1.0x")
    row(
        "   server CPU per extra conn ((c - b) / (conns - 1))",
        "c.server_cpu_per_extra_conn_s",
        "<=1.0x",
    )
    row(f"d. open notebook -> kernel ready (median of {args.opens})", "d.median_s", "<=0.5x")
    row("   first open of the kernelspec (info)", "d.first_ready_s", "-")

    head = (
        "metric",
        "jupyter_server",
        "notewire",
        "nw/js",
        "goal",
        "notewire kernel",
        "nwk/js",
        "lines lost js / nw / nwk",
    )
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]

    def line(cells: Sequence[str]) -> str:
        return " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    out = [line(head), "-+-".join("-" * w for w in widths)]
    out += [line(r) for r in rows]
    out.append("")
    lost_goal = []
    for name in SERVERS:
        r = results.get(name)
        if not r:
            continue
        for key in "bc":
            lost = get(r, key + ".lost")
            if lost and name != "jupyter_server":
                lost_goal.append(f"{TITLES[name]} LOST {lost} lines in {key}")
    ran = [n for n in SERVERS[1:] if get(results.get(n), "c.lost") is not None]
    if lost_goal:
        out.append("goal 'no output lost': MISSED: " + "; ".join(lost_goal))
    elif ran:
        out.append("goal 'no output lost': met by " + ", ".join(TITLES[n] for n in ran))
    for name in SERVERS:
        r = results.get(name)
        if not r:
            continue
        parts = [f"{TITLES[name]}: started in {r.get('start_s', 0):.2f} s"]
        if "error" in r:
            parts.append(f"FAILED: {r['error'].splitlines()[0]}")
        if get(r, "b.lines_per_conn"):
            parts.append(f"b lines {get(r, 'b.lines_per_conn')}")
        if get(r, "c.lines_per_conn"):
            per = get(r, "c.lines_per_conn")
            parts.append(
                f"c lines per conn: min {min(min(x) for x in per)}, max {max(max(x) for x in per)}"
            )
            if name == "jupyter_server":
                notices = sum(
                    1 for rep in get(r, "c.details") for d in rep if d.get("rate_limit_notice")
                )
                msgs = [d.get("stream_msgs") for d in get(r, "c.details")[0]]
                parts.append(
                    f"rate-limit notices {notices}/{len(per) * len(per[0])} deliveries, "
                    f"stream msgs per conn (rep 0) {min(msgs)}-{max(msgs)}"
                )
        if get(r, "d.samples_s"):
            parts.append(
                f"d opens {[round(x * 1000) for x in get(r, 'd.samples_s')]} ms "
                f"(spaced {get(r, 'd.settle_s'):.1f} s)"
            )
        out.append("; ".join(parts))
    return "\n".join(out)


# -------------------------------------------------------------------------- main


def guarded(bench: Bench, step: Callable[[Bench, argparse.Namespace], None], args: Any) -> bool:
    """Run one phase of one server; a failure is recorded, and that server stopped."""
    try:
        step(bench, args)
        return True
    except (BenchError, ConnectionError, OSError) as exc:
        srv = bench.srv
        bench.res["error"] = str(exc)
        print(f"[{srv.title}] FAILED: {exc}", flush=True)
        tail = srv.log_tail()
        if tail:
            print(f"--- last lines of {srv.title}'s log:\n{tail}", flush=True)
        if bench.conn is not None:
            bench.conn.close()
            bench.conn = None
        return False


def stop_group(proc: subprocess.Popen[bytes]) -> None:
    """Stops a server started in its own process group: SIGTERM, then SIGKILL after 20 s,
    then the group, so that its kernels go too."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # its own group: nothing but its kernels
    except (ProcessLookupError, PermissionError):
        pass


def private_env(scratch: Path, *, inherit_bytecode_env: bool = False) -> dict[str, str]:
    """This environment with private Jupyter folders under `scratch`: no user config can
    change a limit, no trust database or runtime file of the user's is touched.
    Kernelspecs still come from sys.prefix."""
    env = dict(os.environ)
    for var, sub in (
        ("JUPYTER_CONFIG_DIR", "config"),
        ("JUPYTER_DATA_DIR", "data"),
        ("JUPYTER_RUNTIME_DIR", "runtime"),
        ("IPYTHONDIR", "ipython"),
    ):
        env[var] = str(scratch / sub)
    env.pop("JUPYTER_TOKEN", None)
    if not inherit_bytecode_env:
        # As bench/kernel.py: under PYTHONDONTWRITEBYTECODE=1 an editable install would
        # recompile at every start while site-packages have their .pyc.
        env["PYTHONPYCACHEPREFIX"] = str(scratch / "pycache")
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--quick", action="store_true", help="few repeats, for a smoke run")
    p.add_argument(
        "--only", action="append", choices=SERVERS, help="benchmark this server (repeatable)"
    )
    p.add_argument("--json", metavar="PATH", help="write the raw results to PATH")
    p.add_argument("--passes", type=int, help="execute('pass') runs for a (default 300, quick 30)")
    p.add_argument("--warmup", type=int, help="unmeasured runs before a (default 20, quick 5)")
    p.add_argument(
        "--rounds",
        type=int,
        default=10,
        help="a is taken in this many batches per server, in turn (default 10)",
    )
    p.add_argument("--reps", type=int, help="repetitions of b and c (default 5, quick 1)")
    p.add_argument("--opens", type=int, help="measured opens for d (default 7, quick 2)")
    p.add_argument("--conns", type=int, default=10, help="connections for c (default 10)")
    p.add_argument(
        "--settle",
        type=float,
        default=3.0,
        help="seconds between opens in d, and before a (default 3; at least twice the "
        "first open's time)",
    )
    p.add_argument(
        "--jupyter-protocol",
        choices=("json", "v1"),
        default="json",
        help="jupyter_server's kernel WebSocket framing (default json, the legacy one; "
        "v1 is what JupyterLab 4 negotiates)",
    )
    p.add_argument("--timeout", type=float, default=60.0, help="server/kernel start timeout, s")
    p.add_argument(
        "--inherit-bytecode-env",
        action="store_true",
        help="run the servers with this process's PYTHONDONTWRITEBYTECODE/PYTHONPYCACHEPREFIX "
        "instead of a private bytecode cache",
    )
    args = p.parse_args(argv)
    defaults = (300, 20, 5, 7) if not args.quick else (30, 5, 1, 2)
    for name, d in zip(("passes", "warmup", "reps", "opens"), defaults, strict=True):
        if getattr(args, name) is None:
            setattr(args, name, d)
    servers = [s for s in SERVERS if not args.only or s in args.only]

    info = machine()
    print(
        f"machine: nproc {info['nproc']} (affinity {info['affinity']}), {info['platform']}\n"
        f"python {info['python']}, jupyter_server {info['jupyter_server']} (tornado "
        f"{info['tornado']}), ipykernel {info['ipykernel']}, jupyter_client "
        f"{info['jupyter_client']}, notewire {info['notewire']} (starlette {info['starlette']}, "
        f"uvicorn {info['uvicorn']}), websockets {info['websockets']}, pycrdt {info['pycrdt']}\n"
        f"jupyter_server kernel WebSocket framing: {args.jupyter_protocol}",
        flush=True,
    )

    scratch = Path(tempfile.mkdtemp(prefix="notewire-srvbench-"))
    env = private_env(scratch, inherit_bytecode_env=args.inherit_bytecode_env)

    # However the run ends (Ctrl-C, SIGTERM, an error), every server is stopped.
    def on_term(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_term)
    results: dict[str, Any] = {}
    running: list[Server] = []
    t0 = now()
    interrupted = False
    try:
        benches: list[Bench] = []
        for name in servers:
            srv = Server(name, scratch, env, args.timeout)
            running.append(srv)
            bench = Bench(srv)
            results[name] = bench.res
            if guarded(bench, setup_server, args):
                benches.append(bench)
            else:
                for note in srv.stop():
                    print("  " + note, flush=True)
                running.remove(srv)
        if benches:
            try:
                bench_pass_interleaved(benches, args)
            except (BenchError, ConnectionError, OSError) as exc:
                for bench in benches:
                    bench.res["error"] = f"a: {exc}"
                print(f"a FAILED: {exc}", flush=True)
        for bench in benches:
            if "error" not in bench.res:
                guarded(bench, finish_server, args)
            for note in bench.srv.stop():
                print("  " + note, flush=True)
            running.remove(bench.srv)
    except KeyboardInterrupt:
        interrupted = True
        print("\ninterrupted; stopping the servers", file=sys.stderr)
    finally:
        for srv in running:
            for note in srv.stop():
                print("  " + note, file=sys.stderr)
        signal.signal(signal.SIGTERM, previous)
        shutil.rmtree(scratch, ignore_errors=True)
    if interrupted:
        return 130
    total = now() - t0

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
    return 2 if any("error" in r for r in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
