"""A Python client for a notebook on a notewire server, as a browser sees it.

Speaks the browser WebSocket protocol (docs/notebook-protocol.md): keeps a Yjs copy of
the notebook in sync, sends edits made to that copy, runs cells and answers input.
Used by the tests and benchmarks, and handy for scripting a running notebook:

    async with NotebookClient.connect(base_url, "analysis.ipynb", token=token) as nb:
        cell = nb.add_cell("print(1 + 1)")
        await nb.run_and_wait([cell])
        print(nb.output_text(cell))
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import quote

import pycrdt
import websockets
from websockets.asyncio.client import ClientConnection

from notewire.protocol.frames import AWARENESS, SYNC, JsonFrame, YFrame, decode_all, encode_json

_SYNC_STEP1 = 0
_DONE = frozenset(("done", "error", "idle"))


class NotebookClient:
    def __init__(
        self, ws: ClientConnection, doc: pycrdt.Doc | None = None, doc_id: str | None = None
    ) -> None:
        self.ws = ws
        self.doc = doc or pycrdt.Doc()
        self.doc_id = doc_id
        self.hello: dict[str, Any] = {}
        self.hello_buffers: tuple[bytes, ...] = ()  # hello's comm and widget buffers
        self.kernel: dict[str, Any] = {}
        self.save_status: dict[str, Any] = {}
        self.messages: list[dict[str, Any]] = []  # every JSON message, in order
        # for each of `messages`, the number of the WebSocket message that brought it
        # (a batch frame brings several under one number)
        self.arrivals: list[int] = []
        self._received = 0  # WebSocket messages received
        self.buffers: list[tuple[bytes, ...]] = []  # the buffers of each of `messages`
        self.synced = asyncio.Event()
        self.step2_sizes: list[int] = []  # bytes of each SyncStep2 received
        self.awareness: list[bytes] = []  # awareness messages from other browsers
        self._changed = asyncio.Condition()
        self._remote = False
        self._reader: asyncio.Task[None] | None = None
        self._sending: set[asyncio.Task[None]] = set()  # document updates on their way
        self._subscription: pycrdt.Subscription | None = None
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    @classmethod
    @asynccontextmanager
    async def connect(
        cls,
        base_url: str,
        path: str,
        *,
        token: str,
        origin: str | None = None,
        max_size: int | None = 2**28,
        resume: NotebookClient | None = None,
        open_timeout: float | None = 10,
    ) -> AsyncIterator[NotebookClient]:
        """Open `path` (relative to the server root) on the server at `base_url`.
        `resume`: a closed client whose copy of the document to keep, as a browser
        does over a reconnect, so that only what it missed is sent. `open_timeout`:
        seconds for the WebSocket handshake, which the server completes once it has
        read the notebook (None: no limit)."""
        url = base_url.replace("http", "ws", 1).rstrip("/") + f"/api/notebooks/{quote(path)}/ws"
        headers = {"Authorization": f"token {token}"}
        async with websockets.connect(
            url,
            additional_headers=headers,
            origin=origin,
            max_size=max_size,  # type: ignore[arg-type]
            open_timeout=open_timeout,
        ) as ws:
            _quick_acks(ws)
            client = cls(ws) if resume is None else cls(ws, resume.doc, resume.doc_id)
            client._reader = asyncio.create_task(client._read())
            try:
                await client.wait_until(lambda: client.synced.is_set())
                yield client
            finally:
                client._reader.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await client._reader
                if client._subscription is not None:  # edits from now on are not sent
                    client.doc.unobserve(client._subscription)
                    client._subscription = None

    # --- receiving -----------------------------------------------------------------

    async def _read(self) -> None:
        try:
            async for data in self.ws:
                self._received += 1
                for frame in decode_all(data):
                    self._receive(frame)
                async with self._changed:
                    self._changed.notify_all()
        except websockets.ConnectionClosed:
            pass  # the close code is on self.ws
        finally:
            if not self.closed.done():
                self.closed.set_result(None)
            async with self._changed:
                self._changed.notify_all()

    def _receive(self, frame: JsonFrame | YFrame) -> None:
        if isinstance(frame, YFrame):
            if frame.kind == SYNC:
                self._remote = True
                try:
                    reply = pycrdt.handle_sync_message(frame.payload, self.doc)
                finally:
                    self._remote = False
                if reply is not None:
                    self._send_soon(reply)
                if frame.payload[0] == 1:  # SyncStep2: we have the server's document
                    self.step2_sizes.append(len(frame.payload))
                    self.synced.set()
            else:
                self.awareness.append(frame.payload)
            return
        body = frame.body
        self.messages.append(body)
        self.arrivals.append(self._received)
        self.buffers.append(frame.buffers)
        kind = body["type"]
        if kind == "hello":
            self.hello = body
            self.hello_buffers = frame.buffers
            self.kernel = body["kernel"]
            self.save_status = body["save"]
            if body["doc_id"] != self.doc_id:
                self._reset(body["doc_id"])
            else:  # the same document: say what we have, get what we lack
                self._observe()
                self._send_soon(pycrdt.create_sync_message(self.doc))
        elif kind == "kernel":
            self.kernel = body
        elif kind == "save":
            self.save_status = body

    def _reset(self, doc_id: str) -> None:
        """A new document on the server: start from an empty copy and sync it."""
        if self._subscription is not None:
            self.doc.unobserve(self._subscription)
            self._subscription = None
        self.doc = pycrdt.Doc()
        self.doc_id = doc_id
        self.synced.clear()
        self._observe()
        self._send_soon(pycrdt.create_sync_message(self.doc))

    def _observe(self) -> None:
        if self._subscription is None:
            self._subscription = self.doc.observe(self._on_local_change)

    def _on_local_change(self, event: Any) -> None:
        if not self._remote:
            self._send_soon(pycrdt.create_update_message(event.update))

    def _send_soon(self, data: bytes | str) -> None:
        task = asyncio.get_running_loop().create_task(self.ws.send(data))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    # --- waiting -------------------------------------------------------------------

    async def wait_until(self, predicate: Callable[[], Any], within: float = 30.0) -> Any:
        """Wait for `predicate()` to be true, re-checked after every frame received."""
        async with asyncio.timeout(within), self._changed:
            while not (result := predicate()):
                if self.closed.done():
                    raise ConnectionError("the server closed the connection")
                await self._changed.wait()
            return result

    async def next_message(
        self, kind: str, *, after: int = 0, within: float = 30.0
    ) -> dict[str, Any]:
        """The first JSON message of type `kind` at index `after` or later."""

        def find() -> dict[str, Any] | None:
            return next((m for m in self.messages[after:] if m["type"] == kind), None)

        return await self.wait_until(find, within)  # type: ignore[no-any-return]

    # --- the document --------------------------------------------------------------

    @property
    def cells(self) -> pycrdt.Array:
        return self.doc.get("cells", type=pycrdt.Array)

    def cell(self, cell_id: str) -> pycrdt.Map:
        for cell in self.cells:
            if cell["id"] == cell_id:
                return cell
        raise KeyError(cell_id)

    def add_cell(self, source: str, cell_type: str = "code", index: int | None = None) -> str:
        """Insert a cell (at the end by default); returns its id."""
        from uuid import uuid4

        cell_id = uuid4().hex[:12]
        fields: dict[str, Any] = {
            "id": cell_id,
            "cell_type": cell_type,
            "source": pycrdt.Text(source),
            "metadata": {},
        }
        if cell_type == "code":
            fields |= {"outputs": pycrdt.Array(), "execution_count": None, "run_state": "idle"}
        cells = self.cells
        cells.insert(len(cells) if index is None else index, pycrdt.Map(fields))
        return cell_id

    def outputs(self, cell_id: str) -> list[dict[str, Any]]:
        """The cell's outputs as nbformat-like dicts (stream text joined)."""
        result = []
        for output in self.cell(cell_id).get("outputs") or []:
            item = dict(output.to_py())
            if item.get("output_type") == "stream":
                item["text"] = "".join(item.get("text") or [])
            result.append(item)
        return result

    def output_text(self, cell_id: str, name: str = "stdout") -> str:
        return "".join(
            o["text"]
            for o in self.outputs(cell_id)
            if o["output_type"] == "stream" and o["name"] == name
        )

    def run_state(self, cell_id: str) -> str | None:
        return self.cell(cell_id).get("run_state")

    # --- commands ------------------------------------------------------------------

    async def send(self, body: dict[str, Any], buffers: Sequence[bytes] = ()) -> None:
        # Document updates made before this command go first: a run of a cell just
        # added must not reach the server before the cell does.
        if self._sending:
            await asyncio.gather(*self._sending)
        await self.ws.send(encode_json(body, buffers))

    async def run(self, cell_ids: Sequence[str]) -> None:
        await self.send({"type": "run", "cells": list(cell_ids)})

    def _started(self, cell_id: str) -> str | None:
        timing = (self.cell(cell_id).get("metadata") or {}).get("execution") or {}
        return timing.get("iopub.status.busy")

    async def run_and_wait(self, cell_ids: Sequence[str], within: float = 60.0) -> None:
        """Run the cells and wait until each has run (started anew, then finished)."""
        before = {c: self._started(c) for c in cell_ids}

        def finished() -> bool:
            return all(
                self._started(c) != before[c] and self.run_state(c) in _DONE for c in cell_ids
            )

        await self.run(cell_ids)
        await self.wait_until(finished, within)

    async def request(self, body: dict[str, Any], within: float = 30.0) -> dict[str, Any]:
        """A request answered by `<type>_reply` (complete, inspect), matched by `req`."""
        from uuid import uuid4

        req = uuid4().hex
        start = len(self.messages)
        await self.send({**body, "req": req})
        reply_type = f"{body['type']}_reply"

        def find() -> dict[str, Any] | None:
            return next(
                (
                    m
                    for m in self.messages[start:]
                    if m.get("req") == req and m["type"] in (reply_type, "error")
                ),
                None,
            )

        return await self.wait_until(find, within)  # type: ignore[no-any-return]

    async def send_awareness(self, payload: bytes) -> None:
        await self.ws.send(YFrame(AWARENESS, payload).encode())


def _quick_acks(ws: ClientConnection) -> None:
    """No Nagle and no delayed ACKs: a benchmark measures the server, not 40 ms stalls."""
    sock = ws.transport.get_extra_info("socket")
    if sock is None:
        return
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if hasattr(socket, "TCP_QUICKACK"):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
