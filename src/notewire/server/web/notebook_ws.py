"""The browser's WebSocket to one notebook (docs/notebook-protocol.md, section 2).

Each connection has a reader (frames in: Yjs edits applied at once, commands carried
out as tasks so a slow kernel request never holds up typing) and a writer (frames
out). The writer sends the Yjs updates of the transactions since its last send, merged
into one frame, so a burst of output is coalesced. They pile up only to a limit: past
it they are dropped and the writer sends the difference between the document and the
state it last sent instead (computing that walks the whole document, so it is the
fallback, not the rule). JSON messages queue up to a limit too; a browser that falls
that far behind is disconnected and catches up exactly by the Yjs sync when it
reconnects.
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
from notewire.protocol.frames import AWARENESS, SYNC, JsonFrame, YFrame, decode, encode_json

from ..session.session import NotebookSession

log = logging.getLogger(__name__)

MAX_PENDING_MESSAGES = 10_000  # JSON messages waiting for one browser
MAX_PENDING_UPDATE_BYTES = 8 * 2**20  # Yjs updates waiting, before a diff replaces them
MAX_CONCURRENT_COMMANDS = 32
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
        self._synced = False  # the browser sent its SyncStep1 for the current document
        self._sent_state = b""  # state vector of the document as last sent
        self._updates: list[bytes] = []  # since the last send
        self._update_bytes = 0
        self._diff_needed = False  # updates were dropped: send a diff from _sent_state
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

    def send_awareness(self, payload: bytes) -> None:
        self._queue(YFrame(AWARENESS, payload).encode())

    def doc_changed(self, update: bytes) -> None:
        if not self._synced:
            return  # its SyncStep2 will carry this
        if self._applying_own:
            return  # this browser's own edit: it has it already
        if self._diff_needed or self._update_bytes > MAX_PENDING_UPDATE_BYTES:
            self._updates.clear()
            self._update_bytes = 0
            self._diff_needed = True
        else:
            self._updates.append(update)
            self._update_bytes += len(update)
        self._wake.set()

    def doc_replaced(self, hello: dict[str, Any], buffers: Sequence[bytes] = ()) -> None:
        self._synced = False  # edits made on the old document must not reach the new one
        self._updates.clear()
        self._update_bytes = 0
        self._diff_needed = False
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

    async def _write(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            if self._close_code == CLOSE_NOTEBOOK_CLOSED:
                await self._send_outbox()  # what the session said last ("deleted") goes first
            if self._close_code is not None:
                await self.ws.close(self._close_code, self._close_reason)
                return
            await self._send_outbox()
            update = self._take_updates()
            if update is not None:
                await self.ws.send_bytes(pycrdt.create_update_message(update))

    async def _send_outbox(self) -> None:
        while self._outbox:
            frame = self._outbox.popleft()
            if isinstance(frame, str):
                await self.ws.send_text(frame)
            else:
                await self.ws.send_bytes(frame)

    def _take_updates(self) -> bytes | None:
        """Everything the browser lacks, as one update; None when it lacks nothing.
        Synchronous, so the state recorded is exactly what the update brings it to."""
        doc = self.session.doc
        if self._diff_needed:
            update = doc.get_update(self._sent_state)
        elif len(self._updates) > 1:
            update = pycrdt.merge_updates(*self._updates)
        elif self._updates:
            update = self._updates[0]
        else:
            return None
        self._updates.clear()
        self._update_bytes = 0
        self._diff_needed = False
        self._sent_state = doc.get_state()
        return update

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
            reply = self.session.apply_sync(frame.payload)
        except Exception as exc:  # pycrdt raises plain exceptions for bad updates
            log.warning("bad Yjs message from a browser on %s: %s", self.session.store.path, exc)
            self.send_json({"type": "error", "message": f"bad Yjs message: {exc}"})
            return
        finally:
            self._applying_own = False
        if reply is not None:  # the browser's SyncStep1: it now gets what it lacks
            doc = self.session.doc
            self._queue(reply)
            self._queue(pycrdt.create_sync_message(doc))
            self._sent_state = doc.get_state()
            self._updates.clear()
            self._update_bytes = 0
            self._diff_needed = False
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
        await websocket.send_text(encode_json({"type": "error", "message": str(exc)}))  # type: ignore[arg-type]
        await websocket.close(4004 if missing else 4000)
        return
    await websocket.accept()
    await Connection(websocket, session).serve()
