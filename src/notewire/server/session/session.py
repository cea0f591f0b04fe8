"""One open notebook on the server: its document, kernel, run queue and browsers.

The session lives as long as the notebook is open on the server, whether or not any
browser is attached: outputs keep arriving in the document, autosave keeps writing
them to disk, and a browser that comes back gets everything by the Yjs sync.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
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
    Status,
    Stream,
    UpdateDisplayData,
)
from notewire.protocol.frames import JsonFrame

from ..kernels import Incoming, KernelManager
from ..notebook import schema
from ..notebook.outputs import OutputLimits, OutputWriter, has_display_ids
from . import awareness, commands
from .autosave import FileKeeper
from .comm_relay import CommRelay
from .freed_memory import release_freed_memory
from .gc_pause import gc_paused
from .kernel import KernelStatus, NotebookKernel
from .peers import Peer, Peers
from .run_cells import RunCells
from .runner import RunQueue
from .spill import OutputSpill, SpillLimits
from .stdin import InputPrompts
from .storage import Conflict, NotebookStore
from .update_feed import EMPTY_SYNC_STEP1
from .widget_cells import WidgetCells

log = logging.getLogger(__name__)

BUSY_DELAY = 0.1  # seconds a kernel is busy before browsers are told
_OUTPUTS = (Stream, DisplayData, UpdateDisplayData, ExecuteResult, Error, ClearOutput)
_COMM_TYPES = frozenset(("comm_open", "comm_msg", "comm_close"))


@dataclass(frozen=True, slots=True)
class SessionConfig:
    autosave_interval: float = 10.0  # seconds between saves of unsaved changes
    disk_check_interval: float = 2.0  # seconds between looks at the file on disk
    run_save_spacing: float = 1.0  # seconds at least between saves at the ends of runs
    limits: OutputLimits = field(default_factory=OutputLimits)
    spill: SpillLimits = field(default_factory=SpillLimits)  # the full output kept on disk


# Why a session closed, as the browsers' close frame says it (docs/notebook-protocol.md).
DELETED = "deleted"  # the file was deleted: the page keeps its copy, offers to save it
KERNEL_SHUT_DOWN = "kernel shut down"  # on request: the page offers to start a kernel


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
        self.version = 0  # bumped by every change of the document
        self.close_reason = ""  # for the browsers' close frame: "", DELETED, KERNEL_SHUT_DOWN
        self._awareness: dict[Peer, dict[int, int]] = {}  # clients each browser announced
        self._busy_pending: asyncio.TimerHandle | None = None
        self._progress = asyncio.Event()  # set (and replaced) when a cell ends or a save is done
        self._tasks = asyncio.TaskGroup()
        self._main: asyncio.Task[None] | None = None
        self.kernel = NotebookKernel(
            manager,
            cwd=store.folder,
            tasks=self._tasks,
            on_iopub=self._on_iopub,
            on_status=self._on_kernel_status,
        )
        # A stream may hold up to twice the cap raw (`\r`, ANSI) before it spills anyway.
        self.spill = OutputSpill(
            store.os_path, hold_chars=2 * config.limits.max_stream_chars, limits=config.spill
        )
        self.prompts = InputPrompts(self.peers, lambda: self._writer)
        self.cells = RunCells(self.doc, self.spill, self._run_ended)
        self.queue = RunQueue(self.kernel, self.cells, self.prompts.ask)
        self.file = FileKeeper(
            self,
            autosave_interval=config.autosave_interval,
            disk_check_interval=config.disk_check_interval,
            run_save_spacing=config.run_save_spacing,
            on_saved=self._notify_progress,
        )

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
                self._tasks.create_task(self.file.run(), name="autosave")
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
        self.cells.use(self.doc, None)
        await release_freed_memory()

    # --- the file renamed or deleted (through the registry or on disk) ---------------

    def saves_held(self) -> contextlib.AbstractAsyncContextManager[None]:
        """No save, autosave or look at the disk while the file is renamed or deleted
        under this session."""
        return self.file.saves_held()

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
        self.file.deleted = True
        self.close_reason = DELETED
        self.spill.delete_all()
        self.peers.send_json({"type": "deleted"})

    def gone_on_disk(self) -> None:
        """Another program deleted the file: close as a delete through notewire does."""
        self.file_deleted()  # the browsers are told at once; nothing polls or writes
        if self._on_deleted is not None:
            self._on_deleted(self)

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
        self.cells.use(new.doc, new.writer)
        self.version = 0
        self.file.new_document()
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
        self.version += 1
        self.peers.doc_changed(event.update)
        if was_clean:
            self.peers.send_json(self.save_status())

    @property
    def dirty(self) -> bool:
        return self.file.dirty

    def hello(self) -> tuple[dict[str, Any], list[bytes]]:
        """The hello for a browser, and its buffers (those of comms and widgets)."""
        buffers: list[bytes] = []
        body = {
            "type": "hello",
            "doc_id": self.doc_id,
            "path": self.store.path,
            "kernel": self.kernel.status.to_json(),
            "input": self.prompts.to_json(),
            **self.comms.hello(buffers),
            "save": self.save_status(),
            "trusted": self.trusted,
        }
        return body, buffers

    def save_status(self) -> dict[str, Any]:
        return self.file.status()

    def _metadata(self) -> dict[str, Any]:
        return dict(schema.meta_map(self.doc).get("metadata") or {})

    def _code_cells(self) -> list[pycrdt.Map]:
        return [c for c in schema.cells_array(self.doc) if c.get("cell_type") == "code"]

    def _run_ended(self, cell_id: str) -> None:
        self.prompts.end(cell_id)
        self.spill.run_ended(cell_id)
        self._notify_progress()
        self.file.run_ended()

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
            self.cells.saw_execute_input(cell_id, incoming.msg.header.date)
        elif isinstance(content, Status):
            if content.execution_state == "idle":
                self.comms.kernel_idle(parent)
            elif content.execution_state == "restarting":
                self.comms.kernel_gone()

    def _spill_output(self, cell_id: str, content: object) -> None:
        assert self._writer is not None
        if isinstance(content, Stream):
            dropped = self._writer.dropped_text(cell_id)
            self.spill.stream(cell_id, content.text, dropped, content.name)
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
            self._tasks.create_task(self.send_to_kernel(msg_type, content, {}, msg_id, buffers))

    async def send_to_kernel(
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
        """Carry out one browser command (commands.py); a failure is answered with an
        error message to that browser alone."""
        await commands.carry_out(self, peer, frame)

    # --- what browsers and the REST API ask for --------------------------------------

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

    async def change_kernel(self, name: str) -> None:
        """Shut the kernel down and start kernelspec `name` (kept in the metadata)."""
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

    async def trust(self) -> None:
        """The user trusts every output: HTML and scripts run, and the save signs it."""
        self.trusted = True
        with self.doc.transaction():
            for cell in self._code_cells():
                cell["trusted"] = True
        await self.save()

    async def restore_checkpoint(self) -> None:
        notebook = await self.store.read_checkpoint()
        await self._swap(notebook, trusted=self.trusted)
        self.version += 1  # the restored content is not on disk yet

    # --- saving (autosave.py) --------------------------------------------------------

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
        await self.file.save(force=force, checkpoint=checkpoint)

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
        self._replace_document(new, trusted)
        self.peers.doc_replaced(*self.hello())
        await release_freed_memory()
