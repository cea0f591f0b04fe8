"""The browser's WebSocket to one notebook (docs/notebook-protocol.md, section 2).

Each connection has a reader (frames in: Yjs edits applied at once, commands carried
out as tasks so a slow kernel request never holds up typing) and a writer (frames
out). The writer sends the Yjs updates of the transactions since its last send, merged
into one frame, so a burst of output is coalesced; the session's update feed keeps them
once for all browsers and encodes each merged frame once. They pile up only to a limit:
past it they are dropped and the writer sends the difference between the document and
the state it last sent instead (computing that walks the whole document, so it is the
fallback, not the rule). JSON messages queue up to a limit too (a broadcast is encoded
once); a browser that falls that far behind is disconnected and catches up exactly by
the Yjs sync when it reconnects. Those waiting when the writer runs go out together in
one batch frame (a burst of widget comm messages: one WebSocket message, not 300).

A kernel that publishes each message the moment it is made (notewire's does) sends a
cell's 302 comm_opens as a trickle, one every few tenths of a millisecond, which the
writer would otherwise send as 302 WebSocket messages, each costing the browser a task
in the page and one in the widget frame (together more than the kernel's own work). So
a message the session marks as part of a burst (a comm_open) holds the writer for
BURST_HOLD, and what came meanwhile goes with it in one frame; the rest of the queue,
the document's updates included, waits with it, so order is kept. Other messages, the
replies to what a user does among them, go out at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Sequence
from typing import Any

import pycrdt
from starlette.websockets import WebSocket, WebSocketDisconnect

from notewire.protocol import ProtocolError
from notewire.protocol.frames import (
    AWARENESS,
    SYNC,
    JsonFrame,
    YFrame,
    decode,
    encode_batch,
    encode_json,
)

from ..session.session import NotebookSession

log = logging.getLogger(__name__)

MAX_PENDING_MESSAGES = 10_000  # JSON messages waiting for one browser
MAX_CONCURRENT_COMMANDS = 32
BATCH_BYTES = 1 << 20  # a batch frame takes frames while it is smaller than this
# Seconds a burst (comm_opens) is gathered for: a cell of 100 sliders then reaches the
# browser in some 25 frames rather than 300, and one widget shows at most this later.
BURST_HOLD = 0.004
CLOSE_TOO_SLOW = 4008  # application code: reconnect and resync
CLOSE_NOTEBOOK_CLOSED = 4009  # the notebook was closed on the server (its kernel shut down)
_SYNC_STEP1 = 0


class Connection:
    """One browser on one notebook; implements the session's Peer."""

    def __init__(self, websocket: WebSocket, session: NotebookSession) -> None:
        self.ws = websocket
        self.session = session
        self._outbox: deque[str | bytes] = deque()
        self._wake = asyncio.Event()
        self._burst = False  # a message of a burst is queued: gather the rest first
        self._synced = False  # the browser sent its SyncStep1 for the current document
        self._sent_state = b""  # state vector of the document as last sent
        self._feed = session.peers.feed
        self._cursor = self._feed.cursor()  # its place among the document's updates
        self._applying_own = False  # the document changes by this browser's message
        self._close_code: int | None = None  # set: close the socket with this code
        self._close_reason = ""
        self._commands = asyncio.Semaphore(MAX_CONCURRENT_COMMANDS)

    # --- Peer ----------------------------------------------------------------------

    def _queue(self, frame: str | bytes) -> None:
        if len(self._outbox) >= MAX_PENDING_MESSAGES:
            self._close_code = CLOSE_TOO_SLOW
        else:
            self._outbox.append(frame)
        self._wake.set()

    def send_json(self, body: dict[str, Any], buffers: Sequence[bytes] = ()) -> None:
        self._queue(encode_json(body, buffers))

    def send_frame(self, frame: str | bytes, *, burst: bool = False) -> None:
        self._burst |= burst
        self._queue(frame)

    def send_awareness(self, payload: bytes) -> None:
        self._queue(YFrame(AWARENESS, payload).encode())

    def doc_changed(self, update: bytes) -> None:
        # The feed holds `update` now (the last one).
        if not self._synced:
            self._feed.skip_to_head(self._cursor)  # its SyncStep2 will carry this
            return
        if self._applying_own and self._cursor.seq == self._feed.head - 1:
            self._feed.skip_to_head(self._cursor)  # its own edit: it has it already
            return
        self._wake.set()

    def doc_replaced(self, hello: dict[str, Any], buffers: Sequence[bytes] = ()) -> None:
        self._synced = False  # edits made on the old document must not reach the new one
        self.send_json(hello, buffers)

    def session_closed(self) -> None:
        self._close_code = CLOSE_NOTEBOOK_CLOSED
        self._close_reason = self.session.close_reason  # "deleted" when the file was
        self._wake.set()

    # --- serving -------------------------------------------------------------------

    async def serve(self) -> None:
        """Until the browser goes away."""
        self.send_json(*self.session.attach(self))
        try:
            async with asyncio.TaskGroup() as tg:
                writer = tg.create_task(self._write(), name="ws-writer")
                try:
                    await self._read(tg)
                finally:
                    writer.cancel()
        except* (WebSocketDisconnect, ConnectionError):
            pass
        finally:
            self.session.detach(self)
            self._feed.release(self._cursor)

    async def _write(self) -> None:
        while True:
            await self._wake.wait()
            if self._burst:
                await asyncio.sleep(BURST_HOLD)
                self._burst = False
            self._wake.clear()
            if self._close_code == CLOSE_NOTEBOOK_CLOSED:
                await self._send_outbox()  # what the session said last ("deleted") goes first
            if self._close_code is not None:
                await self.ws.close(self._close_code, self._close_reason)
                return
            await self._send_outbox()
            frame = self._take_updates()
            if frame is not None:
                await self.ws.send_bytes(frame)

    async def _send_outbox(self) -> None:
        while self._outbox:
            frames = [self._outbox.popleft()]
            size = len(frames[0])
            while self._outbox and size < BATCH_BYTES:
                frames.append(self._outbox.popleft())
                size += len(frames[-1])
            frame = frames[0] if len(frames) == 1 else encode_batch(frames)
            if isinstance(frame, str):
                await self.ws.send_text(frame)
            else:
                await self.ws.send_bytes(frame)

    def _take_updates(self) -> bytes | None:
        """Everything the browser lacks, as one sync frame; None when it lacks nothing.
        Synchronous, so the state recorded is exactly what the frame brings it to."""
        if not self._synced:
            return None
        doc = self.session.doc
        if self._cursor.diff_needed:
            frame = pycrdt.create_update_message(doc.get_update(self._sent_state))
            self._feed.skip_to_head(self._cursor)
        else:
            frame = self._feed.take(self._cursor)
            if frame is None:
                return None
        self._sent_state = doc.get_state()
        return frame

    async def _read(self, tg: asyncio.TaskGroup) -> None:
        while True:
            message = await self.ws.receive()
            if message["type"] == "websocket.disconnect":
                return
            data = message.get("text")
            if data is None:
                data = message.get("bytes") or b""
            try:
                frame = decode(data)
            except ProtocolError as exc:
                self.send_json({"type": "error", "message": f"bad frame: {exc}"})
                continue
            if isinstance(frame, YFrame):
                self._on_yjs(frame)
            else:
                await self._commands.acquire()
                tg.create_task(self._command(frame), name=f"command-{frame.type}")

    def _on_yjs(self, frame: YFrame) -> None:
        if frame.kind == AWARENESS:
            self.session.relay_awareness(self, frame.payload)
            return
        assert frame.kind == SYNC
        if frame.payload[0] != _SYNC_STEP1 and not self._synced:
            return  # an edit to a document that has since been replaced
        self._applying_own = True
        try:
            replies = self.session.apply_sync(frame.payload)
        except Exception as exc:  # pycrdt raises plain exceptions for bad updates
            log.warning("bad Yjs message from a browser on %s: %s", self.session.store.path, exc)
            self.send_json({"type": "error", "message": f"bad Yjs message: {exc}"})
            return
        finally:
            self._applying_own = False
        if replies is not None:  # the browser's SyncStep1: it now gets what it lacks
            doc = self.session.doc
            for reply in replies:
                self._queue(reply)
            self._queue(pycrdt.create_sync_message(doc))
            self._sent_state = doc.get_state()
            self._feed.skip_to_head(self._cursor)
            self._synced = True

    async def _command(self, frame: JsonFrame) -> None:
        try:
            await self.session.command(self, frame)
        finally:
            self._commands.release()


async def notebook_socket(websocket: WebSocket) -> None:
    """`/api/notebooks/{path}/ws`. Authentication and Origin are checked before this."""
    notebooks = websocket.app.state.notebooks
    path = websocket.path_params["path"]
    try:
        session = await notebooks.open(path)
    except (OSError, ValueError) as exc:  # missing, refused, or not a valid notebook
        missing = isinstance(exc, FileNotFoundError)
        moved_to = notebooks.moved_to(path) if missing else None
        await websocket.accept()  # accepted only to say why, then closed
        if moved_to is not None:  # renamed while this browser was away: send it on
            await websocket.send_text(encode_json({"type": "moved", "path": moved_to}))  # type: ignore[arg-type]
            await websocket.close(4004, "moved")
            return
        # An OSError names the file by its path on this machine: name it as the API
        # does, relative to the root (the server's folders are nobody's business).
        message = (
            f"{exc.strerror}: {path}" if isinstance(exc, OSError) and exc.strerror else str(exc)
        )
        await websocket.send_text(encode_json({"type": "error", "message": message}))  # type: ignore[arg-type]
        await websocket.close(4004 if missing else 4000)
        return
    await websocket.accept()
    await Connection(websocket, session).serve()
