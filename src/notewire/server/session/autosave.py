"""Keeping a notebook's file and its document in step: saves (one at a time),
autosave, and the file changed or deleted on disk by another program.

A file changed on disk is reloaded when nothing here is unsaved, and is a conflict for
the user to settle when something is; a file deleted on disk closes the notebook as a
delete through notewire does.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any, Protocol

from .peers import Peers
from .run_cells import now
from .runner import RunQueue
from .save_pacing import SavePacing
from .spill import OutputSpill
from .storage import Conflict, NotebookStore

log = logging.getLogger(__name__)

DELETE_GRACE = 0.5  # seconds a missing file is looked for again before it counts as deleted


class SavedSession(Protocol):
    """What the keeper needs of the session it saves."""

    store: NotebookStore
    spill: OutputSpill
    peers: Peers

    @property
    def version(self) -> int: ...  # bumped by every change of the document

    queue: RunQueue

    async def snapshot(self) -> tuple[dict[str, Any], bool]: ...

    async def reload(self) -> None: ...

    def gone_on_disk(self) -> None: ...


def _consume_error(task: asyncio.Future[Any]) -> None:
    """Mark a shielded task's failure as seen: whoever awaited it got it, or left."""
    if not task.cancelled():
        task.exception()


class FileKeeper:
    """`on_saved()` is called after each save, once the browsers know."""

    def __init__(
        self,
        session: SavedSession,
        *,
        autosave_interval: float,
        disk_check_interval: float,
        run_save_spacing: float,
        on_saved: Callable[[], None],
    ) -> None:
        self._session = session
        self._autosave_interval = autosave_interval
        self._disk_check_interval = disk_check_interval
        self._run_save_spacing = run_save_spacing
        self._on_saved = on_saved
        self.saved_version = 0
        self.last_saved: str | None = None
        self.conflict = False
        self.deleted = False  # the file was deleted: never write it again
        self._saving = asyncio.Lock()
        self._run_ended = asyncio.Event()  # a cell finished since autosave last looked

    @property
    def dirty(self) -> bool:
        return self._session.version != self.saved_version

    def status(self) -> dict[str, Any]:
        return {
            "type": "save",
            "dirty": self.dirty,
            "last_saved": self.last_saved,
            "checkpoint": self._session.store.checkpoint_time(),
        }

    def new_document(self) -> None:
        """The document was replaced by the file's content: nothing is unsaved."""
        self.saved_version = 0
        self.conflict = False

    def run_ended(self) -> None:
        self._run_ended.set()

    @contextlib.asynccontextmanager
    async def saves_held(self) -> AsyncIterator[None]:
        """No save, autosave or look at the disk meanwhile."""
        async with self._saving:
            yield

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
        session = self._session
        store = session.store
        if self.deleted:
            raise FileNotFoundError(f"{store.path} was deleted")
        if not (self.dirty or force or checkpoint):
            return
        version = session.version
        # The spill's mark and the document's dump are taken in one step (no await between).
        mark = session.spill.mark()
        notebook, sign = await session.snapshot()
        try:
            await store.save(notebook, force=force, sign=sign)
        except Conflict:
            if not force and await self._deleted_on_disk():
                # Not a change to settle: the file is gone, as if deleted through notewire.
                self._gone_on_disk()
                raise FileNotFoundError(f"{store.path} was deleted") from None
            self._report_conflict()
            raise
        self.conflict = False
        self.saved_version = version
        _sweep_spill(session.spill, notebook, mark)
        self.last_saved = now()
        if checkpoint:
            await store.write_checkpoint()
        session.peers.send_json(self.status())
        self._on_saved()

    def _report_conflict(self) -> None:
        self.conflict = True
        store = self._session.store
        self._session.peers.send_json({"type": "conflict", "disk_modified": store.disk_modified()})

    def _gone_on_disk(self) -> None:
        log.info("%s was deleted on disk; closing it", self._session.store.path)
        self._session.gone_on_disk()

    async def _deleted_on_disk(self) -> bool:
        """Whether the file is gone, and still gone a moment later (a program that
        rewrites a file by deleting it first is not deleting the notebook)."""
        for look in range(2):
            if await asyncio.to_thread(self._session.store.os_path.exists):
                return False
            if look == 0:
                await asyncio.sleep(DELETE_GRACE)
        return True

    async def run(self) -> None:
        """Save unsaved changes every `autosave_interval`, and soon after the queue runs
        dry (save_pacing.py: the output of a finished run is on disk within about a
        second, not an interval later; runs that keep ending are saved together);
        reload a file that changed on disk while nothing here is unsaved; report a
        conflict when both changed."""
        clock = asyncio.get_running_loop().time
        pacing = SavePacing(self._autosave_interval, self._run_save_spacing, clock)
        last_look = clock()
        path = self._session.store.path
        queue = self._session.queue
        while True:
            if await self._run_end_within(pacing.next_look(self._disk_check_interval)):
                pacing.run_ended(queue.running is None and not queue.queued)
            if self.conflict or self.deleted:
                pacing.nothing_to_save()  # until the conflict is settled
                continue
            due = pacing.due()
            if not due and clock() - last_look < self._disk_check_interval:
                continue  # a run ended, its save waits: the disk was looked at lately
            try:
                async with self._saving:  # never look at the file while we write it
                    if self.deleted:
                        continue
                    last_look = clock()
                    await self._look_at_disk()
                    if self.deleted or self.conflict or not due:
                        continue
                    if not self.dirty:
                        pacing.nothing_to_save()
                        continue
                    began = pacing.began()
                    await self._save(force=False, checkpoint=False)
                    pacing.ended(began)
            except Conflict:
                continue
            except FileNotFoundError:
                if not self.deleted:  # else: the browsers were told, the session closes
                    log.exception("autosave of %s failed", path)
            except Exception:  # a full disk must not stop autosave for good
                log.exception("autosave of %s failed", path)

    async def _run_end_within(self, seconds: float) -> bool:
        """Wait `seconds`, or less if a cell finishes; returns whether one did."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._run_ended.wait()
        ended = self._run_ended.is_set()
        self._run_ended.clear()
        return ended

    async def _look_at_disk(self) -> None:
        session = self._session
        if self.conflict or not await session.store.changed_on_disk():
            return
        if await self._deleted_on_disk():
            self._gone_on_disk()
            return
        if self.dirty:
            self._report_conflict()
        elif session.queue.running is None:  # not while a cell runs: its output would go
            log.info("%s changed on disk; reloading", session.store.path)
            await session.reload()


def _sweep_spill(spill: OutputSpill, notebook: dict[str, Any], mark: int) -> None:
    """Spill files of cells deleted or cleared (by a browser) go with the save."""
    keep = set()
    for cell in notebook.get("cells", ()):
        if "id" not in cell:
            return  # nbformat < 4.5: no ids to tell the cells by; keep all
        if any(o.get("output_type") == "stream" for o in cell.get("outputs", ())):
            keep.add(cell["id"])
    spill.keep_only(keep, since=mark)
