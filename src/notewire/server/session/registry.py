"""The notebooks open on the server, one session per file.

Opening a notebook that is already open returns its session, so every browser on a
file shares one document and one kernel. Sessions outlive their browsers: a notebook
stays open (its kernel running, its outputs saved) until its kernel is shut down, its
file is deleted, or the server stops.

Renames and deletes through the contents API go through `move` and `delete`, so the
sessions follow their files: one file operation at a time, no notebook being opened
meanwhile (opens wait), the sessions concerned neither saving nor looking at the disk
while the file changes under them, and the registry re-keyed in the same step of the
event loop as the file operation completes. There is never a moment when a renamed
file has two sessions, or when an old path still leads to the moved session.

The last moves of open notebooks are remembered (`moved_to`), so that a browser that
was disconnected while its notebook was renamed, and comes back to the old path, can
be sent on to the new one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from ..kernels import KernelManager
from ..notebook.trust import Notary
from .gc_pause import gc_paused
from .session import NotebookSession, SessionConfig
from .storage import NotebookStore

log = logging.getLogger(__name__)

Resolve = Callable[[str], Path]  # API path -> file; raises for a path outside the root
T = TypeVar("T")

REMEMBERED_MOVES = 256


class Notebooks:
    def __init__(
        self,
        *,
        resolve: Resolve,
        manager: KernelManager,
        notary: Notary,
        config: SessionConfig,
        tasks: asyncio.TaskGroup,
    ) -> None:
        self._resolve = resolve
        self._manager = manager
        self._notary = notary
        self._config = config
        self._tasks = tasks
        self._open: dict[Path, NotebookSession] = {}
        self._opening: dict[Path, asyncio.Task[NotebookSession]] = {}
        self._file_ops = asyncio.Lock()  # one rename or delete at a time
        self._file_op_done: asyncio.Event | None = None  # set while one runs: opens wait
        self._moves: OrderedDict[Path, tuple[Path, str]] = OrderedDict()  # old -> new

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(list(self._open.values()))

    def get(self, path: str) -> NotebookSession | None:
        return self._open.get(self._resolve(path))

    def moved_to(self, path: str) -> str | None:
        """Where an open notebook that was at `path` went (API path), following later
        moves; None if no open notebook was moved away from `path` lately."""
        file = self._resolve(path)
        new_path = None
        for _ in range(len(self._moves)):  # a chain of moves ends; a cycle must too
            step = self._moves.get(file)
            if step is None:
                break
            file, new_path = step
        return new_path

    async def open(self, path: str) -> NotebookSession:
        """The session of the notebook at API path `path`, opened if need be. Raises the
        resolver's refusal, FileNotFoundError or NotebookFormatError."""
        while (busy := self._file_op_done) is not None:  # a rename or delete: wait for it
            await busy.wait()
        os_path = self._resolve(path)
        session = self._open.get(os_path)
        if session is not None:
            return session
        # Two browsers opening one file at once must get one session.
        task = self._opening.get(os_path)
        if task is None:
            task = asyncio.ensure_future(self._load(path, os_path))
            self._opening[os_path] = task
            task.add_done_callback(lambda _: self._opening.pop(os_path, None))
        return await asyncio.shield(task)

    async def _load(self, path: str, os_path: Path) -> NotebookSession:
        store = NotebookStore(path, os_path, self._notary)
        # Until the parsed notebook is dropped, when `open` returns (gc_pause.py).
        with gc_paused():
            session = await NotebookSession.open(
                store, self._manager, self._config, self._tasks, on_deleted=self._deleted_on_disk
            )
        # Registered here, not by whoever awaited: a browser that left meanwhile must
        # not leave a session (and its kernel) running that no one can find.
        self._open[os_path] = session
        return session

    # --- renames and deletes -----------------------------------------------------------

    @contextlib.asynccontextmanager
    async def _file_operation(self, os_path: Path) -> AsyncIterator[list[Path]]:
        """Exclusive: no other file operation, no notebook opening. Yields the open
        files at or under `os_path`, whose sessions neither save nor look at the disk
        until the end of the block."""
        async with self._file_ops:
            done = self._file_op_done = asyncio.Event()
            try:
                if self._opening:  # opened before the operation: let them register
                    await asyncio.wait(list(self._opening.values()))
                files = sorted(p for p in self._open if p == os_path or p.is_relative_to(os_path))
                async with contextlib.AsyncExitStack() as stack:
                    for p in files:
                        await stack.enter_async_context(self._open[p].saves_held())
                    yield files
            finally:
                self._file_op_done = None
                done.set()

    async def move(self, old: str, new: str, rename: Callable[[], Awaitable[T]]) -> T:
        """Rename `old` to `new` (API paths) by awaiting `rename()`, the contents
        layer's rename, and move the sessions of the notebooks at or under `old` with
        it: they save to the new path from now on and tell their browsers. The
        kernels keep running (in the folder they started in). Raises what `rename`
        raises, having moved nothing."""
        return await asyncio.shield(asyncio.ensure_future(self._move(old, new, rename)))

    async def _move(self, old: str, new: str, rename: Callable[[], Awaitable[T]]) -> T:
        old_os, new_os = self._resolve(old), self._resolve(new)
        async with self._file_operation(old_os) as files:
            result = await rename()
            sessions = [(p, self._open.pop(p)) for p in files]
            for p, session in sessions:
                rel = p.relative_to(old_os).parts
                path = "/".join((new.rstrip("/"), *rel))
                self._open[new_os.joinpath(*rel)] = session
                session.file_moved(path, new_os.joinpath(*rel))
                self._moves.pop(p, None)
                self._moves[p] = (new_os.joinpath(*rel), path)
                while len(self._moves) > REMEMBERED_MOVES:
                    self._moves.popitem(last=False)
        return result

    async def delete(self, path: str, remove: Callable[[], Awaitable[None]]) -> None:
        """Delete `path` by awaiting `remove()`, the contents layer's delete, then close
        the sessions of the notebooks that were at or under it without saving them
        (their browsers are told, and keep their copy). Raises what `remove` raises,
        having closed nothing."""
        await asyncio.shield(asyncio.ensure_future(self._delete(path, remove)))

    async def _delete(self, path: str, remove: Callable[[], Awaitable[None]]) -> None:
        os_path = self._resolve(path)
        async with self._file_operation(os_path) as files:
            await remove()
            sessions = [self._open.pop(p) for p in files]
            for session in sessions:
                session.file_deleted()  # before any save can run again
        results = await asyncio.gather(*(s.close() for s in sessions), return_exceptions=True)
        for session, result in zip(sessions, results, strict=True):
            if isinstance(result, Exception):
                log.error("closing deleted %s failed: %r", session.store.path, result)

    def _deleted_on_disk(self, session: NotebookSession) -> None:
        """Another program deleted the file of an open notebook: close it as a delete
        through notewire does (its browsers keep their copy and may save it again)."""
        if session in self._open.values():
            self._tasks.create_task(self.close(session), name=f"close {session.store.path}")

    def by_kernel(self, kernel_id: str) -> NotebookSession | None:
        for session in self._open.values():
            handle = session.kernel.handle
            if handle is not None and handle.id == kernel_id:
                return session
        return None

    async def close(self, session: NotebookSession) -> None:
        self._open = {p: s for p, s in self._open.items() if s is not session}
        await session.close()

    async def close_all(self) -> None:
        sessions, self._open = list(self._open.values()), {}
        results = await asyncio.gather(*(s.close() for s in sessions), return_exceptions=True)
        for session, result in zip(sessions, results, strict=True):
            if isinstance(result, Exception):
                log.error("closing %s failed: %r", session.store.path, result)
