"""The notebooks open on the server, one session per file.

Opening a notebook that is already open returns its session, so every browser on a
file shares one document and one kernel. Sessions outlive their browsers: a notebook
stays open (its kernel running, its outputs saved) until its kernel is shut down or
the server stops.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path

from ..kernels import KernelManager
from ..notebook.trust import Notary
from .session import NotebookSession, SessionConfig
from .storage import NotebookStore

log = logging.getLogger(__name__)

Resolve = Callable[[str], Path]  # API path -> file; raises for a path outside the root


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

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(list(self._open.values()))

    def get(self, path: str) -> NotebookSession | None:
        return self._open.get(self._resolve(path))

    async def open(self, path: str) -> NotebookSession:
        """The session of the notebook at API path `path`, opened if need be. Raises the
        resolver's refusal, FileNotFoundError or NotebookFormatError."""
        os_path = self._resolve(path)
        session = self._open.get(os_path)
        if session is not None:
            return session
        # Two browsers opening one file at once must get one session.
        task = self._opening.get(os_path)
        if task is None:
            store = NotebookStore(path, os_path, self._notary)
            task = asyncio.ensure_future(
                NotebookSession.open(store, self._manager, self._config, self._tasks)
            )
            self._opening[os_path] = task
            task.add_done_callback(lambda _: self._opening.pop(os_path, None))
        session = await asyncio.shield(task)
        self._open[os_path] = session
        return session

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
