"""One open notebook on the server: its document, kernel, run queue and browsers.

The session lives as long as the notebook is open on the server, whether or not any
browser is attached: outputs keep arriving in the document, autosave keeps writing
them to disk, and a browser that comes back gets everything by the Yjs sync.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pycrdt

from notewire.protocol import new_id
from notewire.protocol.content import (
    ClearOutput,
    DisplayData,
    Error,
    ExecuteInput,
    ExecuteResult,
    InputRequest,
    Status,
    Stream,
    UpdateDisplayData,
)
from notewire.protocol.frames import JsonFrame

from ..kernels import Incoming, KernelError, KernelManager
from ..notebook import schema
from ..notebook.outputs import OutputLimits, OutputWriter, has_display_ids
from . import awareness
from .comm_relay import CommError, CommRelay
from .freed_memory import release_freed_memory
from .gc_pause import gc_paused
from .kernel import KernelStatus, NotebookKernel, input_request_json
from .peers import Peer, Peers
from .runner import RunQueue
from .spill import OutputSpill, SpillLimits
from .storage import Conflict, NotebookStore
from .update_feed import EMPTY_SYNC_STEP1
from .widget_cells import WidgetCells

log = logging.getLogger(__name__)

BUSY_DELAY = 0.1  # seconds a kernel is busy before browsers are told
DELETE_GRACE = 0.5  # seconds a missing file is looked for again before it counts as deleted
_OUTPUTS = (Stream, DisplayData, UpdateDisplayData, ExecuteResult, Error, ClearOutput)
_COMM_TYPES = frozenset(("comm_open", "comm_msg", "comm_close"))


class CommandError(Exception):
    """A browser's command that cannot be done; the message goes back to it."""


@dataclass(frozen=True, slots=True)
class SessionConfig:
    autosave_interval: float = 10.0  # seconds between saves of unsaved changes
    disk_check_interval: float = 2.0  # seconds between looks at the file on disk
    limits: OutputLimits = field(default_factory=OutputLimits)
    spill: SpillLimits = field(default_factory=SpillLimits)  # the full output kept on disk


# Why a session closed, as the browsers' close frame says it (docs/notebook-protocol.md).
DELETED = "deleted"  # the file was deleted: the page keeps its copy, offers to save it
KERNEL_SHUT_DOWN = "kernel shut down"  # on request: the page offers to start a kernel


def _update(cell: pycrdt.Map, **values: Any) -> None:
    """Set the keys whose value differs (an unchanged write still costs a tombstone)."""
    for key, value in values.items():
        if cell.get(key) != value:
            cell[key] = value


def _consume_error(task: asyncio.Future[Any]) -> None:
    """Mark a shielded task's failure as seen: whoever awaited it got it, or left."""
    if not task.cancelled():
        task.exception()


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class _NewDocument:
    doc: pycrdt.Doc
    writer: OutputWriter  # the doc's
    like: dict[str, Any] | None  # as loaded, without widget state; None: not needed
    has_widgets: bool
    widgets: Any  # the notebook's `metadata.widgets`, when it has one
    built_by: list[bytes]  # the updates that built `doc`: its first browsers get them


async def _new_document(
    notebook: dict[str, Any], trusted: bool, limits: OutputLimits
) -> _NewDocument:
    """The document for `notebook` and its output writer, made in a worker thread: a
    notebook of 20,000 cells takes a second or more, and the event loop serves every
    other notebook meanwhile. A pycrdt Doc may be used on another thread than the one
    that made it; this one is touched by no other thread once made."""
    # Saved widget state is the server's to keep (section 2.2): browsers get it in
    # hello, and each save writes what the displayed views reach.
    metadata = notebook.get("metadata")
    has_widgets = isinstance(metadata, dict) and "widgets" in metadata
    widgets = None
    if isinstance(metadata, dict) and has_widgets:
        metadata = dict(metadata)
        widgets = metadata.pop("widgets")
        notebook = {**notebook, "metadata": metadata}

    def make() -> _NewDocument:
        built_by: list[bytes] = []
        doc = schema.new_document(notebook, trusted=trusted, updates=built_by)
        like = notebook if schema.number_types_matter(notebook) else None
        writer = OutputWriter(doc, limits, holds_displays=has_display_ids(notebook))
        return _NewDocument(doc, writer, like, has_widgets, widgets, built_by)

    return await asyncio.to_thread(make)


@dataclass(slots=True)
class _Input:
    request: str
    cell: str
    incoming: Incoming


class NotebookSession:
    """Use `await NotebookSession.open(...)` inside the server's task group; `close()`
    saves and stops everything."""

    def __init__(
        self,
        store: NotebookStore,
        manager: KernelManager,
        config: SessionConfig,
        on_deleted: Callable[[NotebookSession], None] | None = None,
    ) -> None:
        self.store = store
        self._on_deleted = on_deleted  # the file vanished on disk: close this session
        self.config = config
        self.peers = Peers()
        self.comms = CommRelay(self.peers, self._send_comm, new_id)
        self._widget_cells = WidgetCells(self.comms, self._code_cells)
        self.doc = pycrdt.Doc()
        self._doc_subscription: pycrdt.Subscription | None = None
        self.doc_id = ""
        self._loaded: dict[str, Any] | None = None  # as read, if to_notebook needs it
        self.trusted = True
        self._manager = manager
        self._writer: OutputWriter | None = None
        self._version = 0  # bumped by every change of the document
        self._saved_version = 0
        self._last_saved: str | None = None
        self._conflict = False
        self._file_deleted = False  # the file was deleted: never write it again
        self.close_reason = ""  # for the browsers' close frame: "", DELETED, KERNEL_SHUT_DOWN
        self._input: _Input | None = None
        self._timing: dict[str, dict[str, str]] = {}  # of the running cell, by cell id
        self._awareness: dict[Peer, dict[int, int]] = {}  # clients each browser announced
        self._busy_pending: asyncio.TimerHandle | None = None
        self._saving = asyncio.Lock()
        self._cell_index: dict[str, int] = {}  # where each cell was last found
        self._progress = asyncio.Event()  # set (and replaced) when a cell ends or a save is done
        self._run_ended = asyncio.Event()  # a cell finished since autosave last looked
        self._tasks = asyncio.TaskGroup()
        self._main: asyncio.Task[None] | None = None
        self.kernel = NotebookKernel(
            manager,
            cwd=store.folder,
            tasks=self._tasks,
            on_iopub=self._on_iopub,
            on_status=self._on_kernel_status,
        )
        self.queue = RunQueue(self.kernel, self, self._on_input_request)
        # A stream may hold up to twice the cap raw (`\r`, ANSI) before it spills anyway.
        self.spill = OutputSpill(
            store.os_path, hold_chars=2 * config.limits.max_stream_chars, limits=config.spill
        )
        self._commands: dict[str, Callable[[Peer, JsonFrame], Awaitable[None]]] = {
            "run": self._cmd_run,
            "interrupt": self._cmd_interrupt,
            "restart": self._cmd_restart,
            "clear_queue": self._cmd_clear_queue,
            "change_kernel": self._cmd_change_kernel,
            "complete": self._cmd_kernel_request,
            "inspect": self._cmd_kernel_request,
            "input_reply": self._cmd_input_reply,
            "comm_open": self._cmd_comm,
            "comm_msg": self._cmd_comm,
            "comm_close": self._cmd_comm,
            "save": self._cmd_save,
            "resolve_conflict": self._cmd_resolve_conflict,
            "restore_checkpoint": self._cmd_restore_checkpoint,
            "trust": self._cmd_trust,
        }

    # --- lifetime ------------------------------------------------------------------

    @classmethod
    async def open(
        cls,
        store: NotebookStore,
        manager: KernelManager,
        config: SessionConfig,
        tasks: asyncio.TaskGroup,
        on_deleted: Callable[[NotebookSession], None] | None = None,
    ) -> NotebookSession:
        """Load the notebook (raises the store's errors for a missing or broken file)
        and start its kernel in the background. `on_deleted` is called when the file
        is found deleted by another program (the session has told its browsers)."""
        session = cls(store, manager, config, on_deleted)
        notebook, trusted = await store.load()
        new = await _new_document(notebook, trusted, config.limits)
        session._replace_document(new, trusted)
        started = asyncio.Event()
        session._main = tasks.create_task(session._run(started), name=f"notebook {store.path}")
        await started.wait()
        return session

    async def _run(self, started: asyncio.Event) -> None:
        try:
            async with self._tasks:
                started.set()
                self._tasks.create_task(self.kernel.start(self._kernel_name()), name="kernel-start")
                self._tasks.create_task(self.queue.run(), name="run-queue")
                self._tasks.create_task(self._autosave(), name="autosave")
        except* Exception:
            # A bug here ends this notebook's session, never the server or other notebooks.
            log.exception("the session of %s failed", self.store.path)
            self.peers.send_json({"type": "error", "message": "this notebook's session failed"})
        finally:
            started.set()

    async def close(self) -> None:
        """Save what is unsaved (unless the file was deleted), shut the kernel down,
        stop, and let the browsers know."""
        with contextlib.suppress(Conflict, OSError):
            await self.save()
        await self.kernel.shutdown()
        for peer in self.peers:
            peer.session_closed()
        main, self._main = self._main, None
        if main is not None:
            main.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await main
        self._stop_observing()
        await self.spill.close()
        # The document is freed now, not when the last reference to this session goes.
        self.doc, self._writer, self._loaded = pycrdt.Doc(), None, None
        await release_freed_memory()

    # --- the file renamed or deleted (through the registry) ---------------------------

    @contextlib.asynccontextmanager
    async def saves_held(self) -> AsyncIterator[None]:
        """No save, autosave or look at the disk while the file is renamed or deleted
        under this session."""
        async with self._saving:
            yield

    def file_moved(self, path: str, os_path: Path) -> None:
        """The file is now at `os_path` (API path `path`): save there, and tell the
        browsers so they show the new name. The kernel keeps running and its working
        folder is left alone (docs/notebook-protocol.md, section 2.1); a kernel started
        later (restart, change of kernel) starts in the new folder."""
        self.store.moved(path, os_path)
        self.spill.moved(os_path)
        self.kernel.cwd = self.store.folder
        self.peers.send_json({"type": "moved", "path": path})

    def file_deleted(self) -> None:
        """The file was deleted: nothing here writes it again, and the browsers are
        told (they keep their copy, and can save it again). `close()` comes next."""
        self._file_deleted = True
        self.close_reason = DELETED
        self.spill.delete_all()
        self.peers.send_json({"type": "deleted"})

    def _kernel_name(self) -> str | None:
        spec = self._metadata().get("kernelspec")
        name = spec.get("name") if isinstance(spec, dict) else None
        return name if isinstance(name, str) else None

    # --- the document --------------------------------------------------------------

    def _replace_document(self, new: _NewDocument, trusted: bool) -> None:
        if new.has_widgets:
            self.comms.widgets.load_saved(new.widgets)
        self._stop_observing()
        self.doc = new.doc
        self._loaded = new.like
        self.doc_id = new_id()
        self.trusted = trusted
        self._writer = new.writer
        self._cell_index = {}
        self._version = self._saved_version = 0
        self.peers.feed.reset(new.built_by)
        self._doc_subscription = self.doc.observe(self._on_doc_change)

    def _stop_observing(self) -> None:
        """Release the document's callback. pycrdt holds it outside Python's garbage
        collector, so an unreleased one keeps this session and every document it ever
        had alive for the life of the server."""
        subscription, self._doc_subscription = self._doc_subscription, None
        if subscription is not None:
            self.doc.unobserve(subscription)

    def _on_doc_change(self, event: Any) -> None:
        was_clean = not self.dirty
        self._version += 1
        self.peers.doc_changed(event.update)
        if was_clean:
            self.peers.send_json(self.save_status())

    @property
    def dirty(self) -> bool:
        return self._version != self._saved_version

    def hello(self) -> tuple[dict[str, Any], list[bytes]]:
        """The hello for a browser, and its buffers (those of comms and widgets)."""
        buffers: list[bytes] = []
        body = {
            "type": "hello",
            "doc_id": self.doc_id,
            "path": self.store.path,
            "kernel": self.kernel.status.to_json(),
            "input": self._input_json(),
            **self.comms.hello(buffers),
            "save": self.save_status(),
            "trusted": self.trusted,
        }
        return body, buffers

    def save_status(self) -> dict[str, Any]:
        return {
            "type": "save",
            "dirty": self.dirty,
            "last_saved": self._last_saved,
            "checkpoint": self.store.checkpoint_time(),
        }

    def _metadata(self) -> dict[str, Any]:
        return dict(schema.meta_map(self.doc).get("metadata") or {})

    def _code_cells(self) -> list[pycrdt.Map]:
        return [c for c in schema.cells_array(self.doc) if c.get("cell_type") == "code"]

    def _cell(self, cell_id: str) -> pycrdt.Map | None:
        # Browsers insert, delete and move cells at any time: check the remembered
        # place, and search only when the cell is no longer there.
        cells = schema.cells_array(self.doc)
        index = self._cell_index.get(cell_id)
        if index is not None and index < len(cells):
            cell = cells[index]
            if cell.get("id") == cell_id:
                return cell
        index = schema.cell_index(self.doc, cell_id)
        if index is None:
            self._cell_index.pop(cell_id, None)
            return None
        self._cell_index[cell_id] = index
        return cells[index]

    # RunQueue's view of the document.

    def is_code_cell(self, cell_id: str) -> bool:
        cell = self._cell(cell_id)
        return cell is not None and cell.get("cell_type") == "code"

    def cell_source(self, cell_id: str) -> str | None:
        cell = self._cell(cell_id)
        return None if cell is None else schema.cell_source(cell)

    def set_run_state(self, cell_id: str, state: str) -> None:
        cell = self._cell(cell_id)
        if cell is not None:
            _update(cell, run_state=state)

    # Each change of a map key leaves a tombstone in the Yjs document and costs every
    # browser a frame, so a run writes in three transactions (queued, started,
    # finished) and only the keys whose value changes.

    def start_cell(self, cell_id: str) -> None:
        assert self._writer is not None
        cell = self._cell(cell_id)
        if cell is None:
            return
        timing = {"iopub.status.busy": _now()}
        self._timing[cell_id] = timing
        self.spill.discard(cell_id)
        with self.doc.transaction():
            if len(cell.get("outputs") or ()):
                self._writer.clear(cell_id)
            _update(cell, execution_count=None, run_state="running", trusted=True)
            self._set_timing(cell, timing)

    def finish_cell(self, cell_id: str, reply: Incoming | None, state: str) -> None:
        self._end_input(cell_id)
        self.spill.run_ended(cell_id)
        self._notify_progress()
        self._run_ended.set()
        timing = self._timing.pop(cell_id, {})
        cell = self._cell(cell_id)
        if cell is None:
            return
        with self.doc.transaction():
            _update(cell, run_state=state)
            if reply is not None:
                self._show_pages(cell_id, reply)
                count = reply.msg.content.get("execution_count")
                if isinstance(count, int):
                    _update(cell, execution_count=count)
                timing["shell.execute_reply"] = reply.msg.header.date
                timing["iopub.status.idle"] = _now()
                self._set_timing(cell, timing)

    def _show_pages(self, cell_id: str, reply: Incoming) -> None:
        """`?`, `??` and %page send their text as a "page" payload of the reply; like
        JupyterLab, show it as an output of the cell."""
        assert self._writer is not None
        for payload in reply.msg.content.get("payload") or ():
            if isinstance(payload, dict) and payload.get("source") == "page":
                data = payload.get("data")
                if isinstance(data, dict) and data:
                    self._writer.apply(cell_id, DisplayData(data=data))

    def fail_cell(self, cell_id: str, ename: str, evalue: str) -> None:
        assert self._writer is not None
        self._end_input(cell_id)
        self.spill.run_ended(cell_id)
        self._notify_progress()
        self._run_ended.set()
        with self.doc.transaction():
            self._writer.apply(
                cell_id, Error(ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])
            )
            self.set_run_state(cell_id, "error")

    def _set_timing(self, cell: pycrdt.Map, timing: dict[str, str]) -> None:
        metadata = dict(cell.get("metadata") or {})
        metadata["execution"] = dict(timing)
        cell["metadata"] = metadata

    # --- kernel events -------------------------------------------------------------

    def _on_iopub(self, incoming: Incoming, cell_id: str | None) -> None:
        content = incoming.content
        parent = incoming.parent_id
        if incoming.msg_type in _COMM_TYPES:
            msg = incoming.msg
            buffers = tuple(bytes(b) for b in msg.buffers)
            self.comms.from_kernel(msg.msg_type, msg.content, msg.metadata, buffers, parent)
        elif isinstance(content, _OUTPUTS):
            if self.comms.capture_output(parent, content):
                return  # an Output widget's (`with out:`)
            if cell_id is None and parent is not None:
                # Output of a browser's widget message (a button's callback) goes to
                # the cell that shows the widget, as the classic notebook did.
                cell_id = self._widget_cells.cell_for(parent)
            if cell_id is not None or isinstance(content, UpdateDisplayData):
                assert self._writer is not None
                self._writer.apply(cell_id or "", content)
                if cell_id is not None:
                    self._spill_output(cell_id, content)
        elif isinstance(content, ExecuteInput) and cell_id is not None:
            # Kept until the cell finishes; the count shows then (the cell says running).
            timing = self._timing.get(cell_id)
            if timing is not None:
                timing["iopub.execute_input"] = incoming.msg.header.date
        elif isinstance(content, Status):
            if content.execution_state == "idle":
                self.comms.kernel_idle(parent)
            elif content.execution_state == "restarting":
                self.comms.kernel_gone()

    def _spill_output(self, cell_id: str, content: object) -> None:
        assert self._writer is not None
        if isinstance(content, Stream):
            self.spill.stream(cell_id, content.text, self._writer.dropped_text(cell_id))
        elif isinstance(content, ClearOutput):
            self.spill.discard(cell_id)

    def _add_language_info(self, notebook: dict[str, Any]) -> None:
        """Save the running kernel's `language_info` in the notebook's metadata, as
        Jupyter does (files run on Python 3.11 said 3.4.2; a Scheme notebook had none).
        Written at save time, not into the document: a change of its own would make a
        notebook just opened unsaved, and a file changed on disk then a conflict."""
        handle = self.kernel.handle
        info = handle.kernel_info if handle is not None else None
        if info is not None and info.language_info:
            notebook.setdefault("metadata", {})["language_info"] = info.language_info

    def _send_comm(
        self, msg_type: str, content: dict[str, Any], msg_id: str, buffers: Sequence[bytes]
    ) -> None:
        """Send the kernel a comm message of the server's own (an Output widget's
        outputs), when it is running."""
        if self.kernel.ready and self.kernel.alive:
            self._tasks.create_task(self._send_to_kernel(msg_type, content, {}, msg_id, buffers))

    async def _send_to_kernel(
        self,
        msg_type: str,
        content: dict[str, Any],
        metadata: dict[str, Any],
        msg_id: str,
        buffers: Sequence[bytes],
    ) -> None:
        handle = await self.kernel.wait_ready()
        client = handle.client
        msg = client.new_message(msg_type, content)
        header = replace(msg.header, msg_id=msg_id)
        await client.send("shell", type(msg)(header, content, None, metadata, tuple(buffers)))

    def _on_kernel_status(self, status: KernelStatus) -> None:
        if status.state in ("restarting", "dead", "starting", "none"):
            self.comms.kernel_gone()
        pending, self._busy_pending = self._busy_pending, None
        if pending is not None:
            pending.cancel()
        if status.state == "busy":
            # A short run is busy for a few milliseconds: telling browsers only when it
            # lasts spares two frames per run and a flickering indicator.
            self._busy_pending = asyncio.get_running_loop().call_later(
                BUSY_DELAY, self._broadcast_status, status
            )
        elif not (pending is not None and status.state == "idle"):
            self._broadcast_status(status)

    def _broadcast_status(self, status: KernelStatus) -> None:
        self._busy_pending = None
        self.peers.send_json({"type": "kernel", **status.to_json()})

    def _on_input_request(self, incoming: Incoming, cell_id: str) -> None:
        assert isinstance(incoming.content, InputRequest)
        self._input = _Input(new_id(), cell_id, incoming)
        self.peers.send_json(self._input_json() or {})

    def _input_json(self) -> dict[str, Any] | None:
        pending = self._input
        if pending is None:
            return None
        assert isinstance(pending.incoming.content, InputRequest)
        return input_request_json(pending.request, pending.cell, pending.incoming.content)

    def _end_input(self, cell_id: str) -> None:
        if self._input is not None and self._input.cell == cell_id:
            self.peers.send_json({"type": "input_done", "request": self._input.request})
            self._input = None

    # --- browsers ------------------------------------------------------------------

    def attach(self, peer: Peer) -> tuple[dict[str, Any], list[bytes]]:
        """Add a browser; returns the hello to send it first, and its buffers."""
        self.peers.add(peer)
        return self.hello()

    def detach(self, peer: Peer) -> None:
        self.peers.remove(peer)
        self.comms.forget_peer(peer)
        gone = self._awareness.pop(peer, None)
        if gone:  # its cursors vanish from the other browsers now, not in 30 s
            for other in self.peers:
                other.send_awareness(awareness.removal(gone))

    def apply_sync(self, payload: bytes) -> Sequence[bytes] | None:
        """Apply a y-protocols sync message (without its tag byte); returns the reply
        frames for a SyncStep1. The update is the browser's edit: sources, cells,
        metadata."""
        if payload == EMPTY_SYNC_STEP1:  # a new browser: the whole document, encoded once
            return self.peers.feed.whole_document(self.doc)
        reply = pycrdt.handle_sync_message(payload, self.doc)
        return None if reply is None else [reply]

    def relay_awareness(self, sender: Peer, payload: bytes) -> None:
        try:
            clients = awareness.announced(payload)
        except ValueError:
            return  # not relayed: other browsers must not choke on it
        self._awareness.setdefault(sender, {}).update(clients)
        for peer in self.peers:
            if peer is not sender:
                peer.send_awareness(payload)

    async def command(self, peer: Peer, frame: JsonFrame) -> None:
        """Carry out one browser command; a failure is answered with an error message
        to that browser alone."""
        handler = self._commands.get(frame.type)
        req = frame.body.get("req")
        try:
            if handler is None:
                raise CommandError(f"unknown message type {frame.type!r}")
            await handler(peer, frame)
        except (CommandError, CommError, KernelError, Conflict, OSError, ValueError) as exc:
            body: dict[str, Any] = {"type": "error", "message": str(exc), "about": frame.type}
            if req is not None:
                body["req"] = req
            peer.send_json(body)

    # --- commands ------------------------------------------------------------------

    async def _cmd_run(self, peer: Peer, frame: JsonFrame) -> None:
        cells = frame.body.get("cells")
        if not isinstance(cells, list) or not all(isinstance(c, str) for c in cells):
            raise CommandError("run needs 'cells': a list of cell ids")
        self.queue.add(cells)

    async def interrupt(self) -> None:
        """Stop the running cell and unqueue the rest (from a browser or REST)."""
        self.queue.clear()
        await self.kernel.interrupt()

    async def restart(self, *, run_all: bool = False) -> None:
        """Restart the kernel with an empty queue; with `run_all`, queue every code cell."""
        self.queue.clear()
        await self.kernel.restart()
        if run_all:
            self.queue.add(schema.code_cells(self.doc))

    async def _cmd_interrupt(self, peer: Peer, frame: JsonFrame) -> None:
        await self.interrupt()

    async def _cmd_restart(self, peer: Peer, frame: JsonFrame) -> None:
        await self.restart(run_all=bool(frame.body.get("run_all")))

    async def _cmd_clear_queue(self, peer: Peer, frame: JsonFrame) -> None:
        self.queue.clear()

    async def _cmd_change_kernel(self, peer: Peer, frame: JsonFrame) -> None:
        name = frame.body.get("name")
        if not isinstance(name, str):
            raise CommandError("change_kernel needs 'name'")
        spec = await self._manager.kernel_spec(name)  # NoSuchKernelSpec is a KernelError
        self.queue.clear()
        await self.kernel.shutdown()
        metadata = self._metadata()
        metadata["kernelspec"] = {
            "name": spec.name,
            "display_name": spec.display_name,
            "language": spec.language,
        }
        schema.meta_map(self.doc)["metadata"] = metadata
        await self.kernel.start(spec.name)

    async def _cmd_kernel_request(self, peer: Peer, frame: JsonFrame) -> None:
        body = frame.body
        code, cursor = body.get("code"), body.get("cursor_pos")
        if not isinstance(code, str) or not isinstance(cursor, int):
            raise CommandError(f"{frame.type} needs 'code' and 'cursor_pos'")
        content: dict[str, Any] = {"code": code, "cursor_pos": cursor}
        if frame.type == "inspect":
            content["detail_level"] = 1 if body.get("detail_level") == 1 else 0
        handle = await self.kernel.wait_ready()
        reply = await handle.client.request(f"{frame.type}_request", content)
        peer.send_json(
            {"type": f"{frame.type}_reply", "req": body.get("req"), "content": reply.msg.content}
        )

    async def _cmd_input_reply(self, peer: Peer, frame: JsonFrame) -> None:
        pending = self._input
        value = frame.body.get("value")
        if pending is None or frame.body.get("request") != pending.request:
            raise CommandError("no such input request (already answered?)")
        if not isinstance(value, str):
            raise CommandError("input_reply needs a string 'value'")
        self._input = None
        handle = await self.kernel.wait_ready()
        self._echo_input(pending, value)  # before the reply: it precedes what follows
        await handle.client.input_reply(value, pending.incoming.msg.header)
        self.peers.send_json({"type": "input_done", "request": pending.request})

    def _echo_input(self, pending: _Input, value: str) -> None:
        """Keep the prompt and the answer in the cell's output, as the classic notebook
        did (a password shows as dots), so the output reads as the session went."""
        assert self._writer is not None
        assert isinstance(pending.incoming.content, InputRequest)
        request = pending.incoming.content
        shown = "········" if request.password else value
        self._writer.apply(pending.cell, Stream(name="stdout", text=f"{request.prompt}{shown}\n"))

    async def _cmd_comm(self, peer: Peer, frame: JsonFrame) -> None:
        content = frame.body.get("content")
        metadata = frame.body.get("metadata") or {}
        if not isinstance(content, dict):
            raise CommandError(f"{frame.type} needs 'content' with a 'comm_id'")
        if not isinstance(metadata, dict):
            raise CommandError("'metadata' must be an object")
        await self.kernel.wait_ready()  # nothing is taken in for a kernel that is not there
        content, msg_id = self.comms.from_browser(
            peer, frame.type, content, metadata, tuple(frame.buffers), frame.body.get("msg_id")
        )
        await self._send_to_kernel(frame.type, content, metadata, msg_id, frame.buffers)

    async def _cmd_save(self, peer: Peer, frame: JsonFrame) -> None:
        await self.save(checkpoint=bool(frame.body.get("checkpoint")))

    async def _cmd_resolve_conflict(self, peer: Peer, frame: JsonFrame) -> None:
        choice = frame.body.get("choice")
        if choice == "overwrite":
            await self.save(force=True)
        elif choice == "reload":
            await self.reload()
        else:
            raise CommandError("resolve_conflict needs 'choice': 'overwrite' or 'reload'")

    async def _cmd_restore_checkpoint(self, peer: Peer, frame: JsonFrame) -> None:
        notebook = await self.store.read_checkpoint()
        await self._swap(notebook, trusted=self.trusted)
        self._version += 1  # the restored content is not on disk yet

    async def _cmd_trust(self, peer: Peer, frame: JsonFrame) -> None:
        self.trusted = True
        with self.doc.transaction():
            for cell in self._code_cells():
                cell["trusted"] = True
        await self.save()

    # --- saving --------------------------------------------------------------------

    async def snapshot(self) -> tuple[dict[str, Any], bool]:
        """The notebook as a save would write it now (its widget state included), for a
        save or an export of what the browsers see, saved or not; and whether every
        output is trusted (Jupyter's rule: a save signs only then). Only the dump is on
        the event loop; the notebook is made from it in a thread (a second or more of
        Python for 20,000 cells)."""
        snap, like = schema.snapshot(self.doc), self._loaded
        notebook, trusted = await asyncio.to_thread(schema.from_snapshot_signed, snap, like=like)
        self.comms.widgets.save_into(notebook)
        self._add_language_info(notebook)
        return notebook, trusted

    async def save(self, *, force: bool = False, checkpoint: bool = False) -> None:
        """Write the document to its file, atomically. Raises Conflict (and tells the
        browsers) when the file changed on disk since it was loaded, unless `force`."""
        # A save is not cancelled with whoever asked for it (a browser that leaves takes
        # its socket's tasks along): cut short after the file was written, the session
        # would not know what it wrote, and take its own save for a change on disk.
        saving = asyncio.ensure_future(self._save_alone(force=force, checkpoint=checkpoint))
        saving.add_done_callback(_consume_error)  # its caller may be gone; it reports
        await asyncio.shield(saving)

    async def _save_alone(self, *, force: bool, checkpoint: bool) -> None:
        # One save at a time: a second one running beside an autosave would find the
        # file changed under it (by the first) and report a conflict with ourselves.
        async with self._saving:
            await self._save(force=force, checkpoint=checkpoint)

    async def _save(self, *, force: bool, checkpoint: bool) -> None:
        if self._file_deleted:
            raise FileNotFoundError(f"{self.store.path} was deleted")
        if not (self.dirty or force or checkpoint):
            return
        version = self._version
        # The spill's mark and the document's dump are taken in one step (no await between).
        mark = self.spill.mark()
        notebook, sign = await self.snapshot()
        try:
            await self.store.save(notebook, force=force, sign=sign)
        except Conflict:
            if not force and await self._deleted_on_disk():
                # Not a change to settle: the file is gone, as if deleted through notewire.
                self._gone_on_disk()
                raise FileNotFoundError(f"{self.store.path} was deleted") from None
            self._conflict = True
            self.peers.send_json({"type": "conflict", "disk_modified": self.store.disk_modified()})
            raise
        self._conflict = False
        self._saved_version = version
        self._sweep_spill(notebook, mark)
        self._last_saved = _now()
        if checkpoint:
            await self.store.write_checkpoint()
        self.peers.send_json(self.save_status())
        self._notify_progress()

    def _sweep_spill(self, notebook: dict[str, Any], mark: int) -> None:
        """Spill files of cells deleted or cleared (by a browser) go with the save."""
        keep = set()
        for cell in notebook.get("cells", ()):
            if "id" not in cell:
                return  # nbformat < 4.5: no ids to tell the cells by; keep all
            if any(o.get("output_type") == "stream" for o in cell.get("outputs", ())):
                keep.add(cell["id"])
        self.spill.keep_only(keep, since=mark)

    def _gone_on_disk(self) -> None:
        """Another program deleted the file: close as a delete through notewire does."""
        log.info("%s was deleted on disk; closing it", self.store.path)
        self.file_deleted()  # the browsers are told at once; nothing polls or writes
        if self._on_deleted is not None:
            self._on_deleted(self)

    async def _deleted_on_disk(self) -> bool:
        """Whether the file is gone, and still gone a moment later (a program that
        rewrites a file by deleting it first is not deleting the notebook)."""
        for look in range(2):
            if await asyncio.to_thread(self.store.os_path.exists):
                return False
            if look == 0:
                await asyncio.sleep(DELETE_GRACE)
        return True

    def _notify_progress(self) -> None:
        self._progress.set()
        self._progress = asyncio.Event()

    async def settled(self) -> None:
        """Wait until no cell is queued or running and everything is saved."""
        while self.dirty or self.queue.running is not None or self.queue.queued:
            await self._progress.wait()

    async def reload(self) -> None:
        """Replace the document with the file on disk (a new doc_id: browsers resync)."""
        with gc_paused():  # ends once the parsed notebook is dropped (gc_pause.py)
            await self._swap(*await self.store.load())

    async def _swap(self, notebook: dict[str, Any], trusted: bool) -> None:
        new = await _new_document(notebook, trusted, self.config.limits)
        self.queue.clear()
        self._conflict = False
        self._replace_document(new, trusted)
        self.peers.doc_replaced(*self.hello())
        await release_freed_memory()

    async def _autosave(self) -> None:
        """Save unsaved changes every `autosave_interval`, and as soon as the queue runs
        dry (the output of a finished run is on disk at once, not up to an interval
        later; a queue of many cells is saved once, at its end); reload a file that
        changed on disk while nothing here is unsaved; report a conflict when both
        changed."""
        clock = asyncio.get_running_loop().time
        last_save = clock()
        while True:
            run_ended = await self._run_end_within(self.config.disk_check_interval)
            queue_idle = self.queue.running is None and not self.queue.queued
            due = clock() - last_save >= self.config.autosave_interval or (run_ended and queue_idle)
            if self._conflict or self._file_deleted:
                continue
            try:
                async with self._saving:  # never look at the file while we write it
                    if self._file_deleted:
                        continue
                    await self._look_at_disk()
                    if not self._file_deleted and self.dirty and not self._conflict and due:
                        last_save = clock()
                        await self._save(force=False, checkpoint=False)
            except Conflict:
                continue
            except FileNotFoundError:
                if not self._file_deleted:  # else: the browsers were told, the session closes
                    log.exception("autosave of %s failed", self.store.path)
            except Exception:  # a full disk must not stop autosave for good
                log.exception("autosave of %s failed", self.store.path)

    async def _run_end_within(self, seconds: float) -> bool:
        """Wait `seconds`, or less if a cell finishes; returns whether one did."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._run_ended.wait()
        ended = self._run_ended.is_set()
        self._run_ended.clear()
        return ended

    async def _look_at_disk(self) -> None:
        """A file changed on disk is reloaded when nothing here is unsaved, and is a
        conflict for the user to settle when something is."""
        if self._conflict or not await self.store.changed_on_disk():
            return
        if await self._deleted_on_disk():
            self._gone_on_disk()
            return
        if self.dirty:
            self._conflict = True
            self.peers.send_json({"type": "conflict", "disk_modified": self.store.disk_modified()})
        elif self.queue.running is None:
            log.info("%s changed on disk; reloading", self.store.path)
            await self.reload()
