"""A notebook's file: load, save atomically, notice changes on disk, one checkpoint.

The stamp of the file as last loaded or saved is kept; a save refuses to overwrite a
file whose stamp changed since (someone else wrote it), which the session reports as
a conflict for the user to settle. File work and the notebook's signature (a hash over
all of it) run in a worker thread, and the signature database on its own (trust.py), so a
large notebook or a slow disk does not stall every other notebook on the server.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..contents import files
from ..contents.errors import Conflict
from ..contents.files import DiskStamp
from ..notebook.ipynb import parse_notebook, serialize_notebook
from ..notebook.trust import Notary

__all__ = ["Conflict", "NotebookStore"]

log = logging.getLogger(__name__)


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")


class NotebookStore:
    """`path` is the notebook's API path (relative to the root), `os_path` the file."""

    def __init__(self, path: str, os_path: Path, notary: Notary) -> None:
        self.path = path
        self.os_path = os_path
        self.folder = os_path.parent
        self._notary = notary
        self._stamp: DiskStamp | None = None

    def moved(self, path: str, os_path: Path) -> None:
        """The file was renamed to `os_path` (API path `path`): load and save there from
        now on. Its stamp still holds: a rename changes neither bytes nor mtime."""
        self.path = path
        self.os_path = os_path
        self.folder = os_path.parent

    async def load(self) -> tuple[dict[str, Any], bool]:
        """The notebook and whether its outputs are trusted. Raises FileNotFoundError,
        NotebookFormatError."""

        def read() -> tuple[dict[str, Any], DiskStamp, str | None]:
            # Saves killed mid-write (the server was) left their temp files: nothing
            # else will ever remove them, and a save of this notebook comes next.
            for stale in files.remove_stale_temps(self.os_path):
                log.info("removed %s, left by an interrupted save", stale.name)
            data = self.os_path.read_bytes()
            notebook = parse_notebook(data)
            stamp = DiskStamp.of_bytes(self.os_path, data)
            return notebook, stamp, self._notary.signature(notebook)

        notebook, stamp, signature = await asyncio.to_thread(read)
        self._stamp = stamp
        return notebook, await asyncio.wrap_future(self._notary.checking(signature))

    async def save(self, notebook: dict[str, Any], *, force: bool = False, sign: bool) -> None:
        """Write atomically. Raises Conflict when the file changed on disk since it was
        loaded or saved here, unless `force`."""

        def prepare() -> tuple[bytes, str | None]:
            return serialize_notebook(notebook), self._notary.signature(notebook) if sign else None

        data, signature = await asyncio.to_thread(prepare)
        # Recorded before the file is written: a server killed in between leaves a file
        # that is trusted as it should be, never one whose outputs lost their trust.
        await asyncio.wrap_future(self._notary.recording(signature))

        def write() -> DiskStamp:
            return files.write_atomic(self.os_path, data, expect=None if force else self._stamp)

        self._stamp = await asyncio.to_thread(write)

    async def changed_on_disk(self) -> bool:
        """True when the file is no longer what was loaded or saved here."""
        stamp = self._stamp
        if stamp is None:
            return False
        return not await asyncio.to_thread(stamp.matches, self.os_path)

    def disk_modified(self) -> str | None:
        try:
            return _iso(self.os_path.stat().st_mtime)
        except OSError:
            return None

    def checkpoint_time(self) -> str | None:
        modified = files.checkpoint_modified(self.os_path)
        return None if modified is None else _iso(modified)

    async def write_checkpoint(self) -> None:
        await asyncio.to_thread(files.create_checkpoint, self.os_path)

    async def read_checkpoint(self) -> dict[str, Any]:
        """The checkpoint's notebook. Raises FileNotFoundError when there is none."""
        return await asyncio.to_thread(lambda: parse_notebook(files.read_checkpoint(self.os_path)))
