"""The full stream output of cells that outgrew the per-cell cap, kept on disk.

The document keeps a bounded stream per output (notebook/outputs.py drops the oldest
text past `max_stream_chars`). So that nothing printed is ever lost, the session also
hands every stream text of a cell to `OutputSpill.stream`: it is held in memory
until the writer first drops text of that cell, then written, with everything that
follows, to `files.spill_file(notebook, cell_id)` (stdout and stderr as they arrived,
raw, but for a line break where one cuts into a line of the other). The REST route
`/api/notebooks/{path}/outputs/{cell_id}/full` serves that file.

Files are written by a thread of this notebook, never on the event loop, behind a
queue bounded in characters: only a disk far behind the kernel makes the loop wait.
All spill files of a notebook together stay under `SpillLimits.disk_cap` bytes; a file
cut there says so at its end. A file goes when its cell is cleared, runs again or
is deleted (at the next save), and with the notebook; it stays across restarts while
the cell still holds stream output.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
import stat
import threading
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..contents import files

__all__ = ["OutputSpill", "SpillLimits"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SpillLimits:
    disk_cap: int = 1 << 30  # bytes of spill files per notebook
    max_pending_chars: int = 64 << 20  # written by the thread yet; past it the loop waits

    def __post_init__(self) -> None:
        if self.disk_cap < 1 or self.max_pending_chars < 1:
            raise ValueError(f"spill limits must be positive: {self}")


def _cut_note(cap: int) -> str:
    return (
        f"\n[notewire: the full output stops here: this notebook's kept output reached "
        f"its limit of {cap} bytes]\n"
    )


class OutputSpill:
    """One notebook's spilled output. The methods but `flush` and `close` never block
    on the disk; call them from the event loop only."""

    def __init__(self, notebook: Path, *, hold_chars: int, limits: SpillLimits | None = None):
        self._limits = limits or SpillLimits()
        self._hold_chars = hold_chars  # past this much held text a cell spills anyway
        self._held: dict[str, list[str]] = {}
        self._held_chars: dict[str, int] = {}
        self._spilling: dict[str, int] = {}  # cell id -> when it began to spill (a mark)
        # cell id -> the stream that wrote last, if its text did not end a line
        self._open_line: dict[str, str] = {}
        self._marks = 0
        self._closed = False
        # Whether a spill folder from before was there when first looked for: a stat
        # per run of a cell would cost more than the rest of the spill's bookkeeping.
        # Only this notebook's writer thread makes one afterwards.
        self._folder_seen: bool | None = None
        # Shared with the writer thread, under `_cond`.
        self._cond = threading.Condition()
        self._ops: deque[tuple[Any, ...]] = deque()
        self._pending = 0
        self._thread: threading.Thread | None = None
        # The writer thread's own.
        self._notebook = notebook
        self._used: int | None = None  # bytes in the folder, counted at the first write
        self._cut: set[str] = set()

    # --- event loop side -------------------------------------------------------------

    def stream(self, cell_id: str, text: str, dropped: bool, name: str) -> None:
        """Stream text for `cell_id` from stream `name`; `dropped`: the document has
        dropped some of the cell's text (the writer says so), so it must be kept here.
        The streams share one file: text of one that follows an unfinished line of the
        other starts a line of its own, as the page shows it in an output of its own."""
        if self._closed or not text:
            return
        if self._open_line.get(cell_id, name) != name:
            text = "\n" + text
        if text.endswith("\n"):
            self._open_line.pop(cell_id, None)
        else:
            self._open_line[cell_id] = name
        if cell_id in self._spilling:
            self._put(("append", cell_id, text), len(text))
            return
        held = self._held.setdefault(cell_id, [])
        held.append(text)
        size = self._held_chars[cell_id] = self._held_chars.get(cell_id, 0) + len(text)
        if dropped or size > self._hold_chars:
            self._marks += 1
            self._spilling[cell_id] = self._marks
            del self._held[cell_id], self._held_chars[cell_id]
            self._put(("append", cell_id, "".join(held)), size)

    def run_ended(self, cell_id: str) -> None:
        """The cell's run ended: what it printed fit in the document; stop holding it."""
        self._held.pop(cell_id, None)
        self._held_chars.pop(cell_id, None)

    def discard(self, cell_id: str) -> None:
        """The cell's outputs were cleared (or it runs again): its file goes."""
        self.run_ended(cell_id)
        self._spilling.pop(cell_id, None)
        self._open_line.pop(cell_id, None)
        if self._has_files():
            self._put(("remove", cell_id), 0)

    def mark(self) -> int:
        """Now, for `keep_only`."""
        return self._marks

    def keep_only(self, cell_ids: set[str], since: int) -> None:
        """Remove the files of cells not in `cell_ids` (deleted, or cleared by a
        browser), as the document was at `mark()` == `since`; a cell that began to
        spill after that keeps its file."""
        keep = cell_ids | {c for c, began in self._spilling.items() if began > since}
        for cell_id in [c for c in self._spilling if c not in keep]:
            del self._spilling[cell_id]
        for cell_id in [c for c in self._open_line if c not in keep]:
            del self._open_line[cell_id]
        if self._has_files():
            self._put(("keep_only", frozenset(keep)), 0)

    def moved(self, notebook: Path) -> None:
        if self._has_files():
            self._put(("move", notebook), 0)
        else:
            self._notebook = notebook  # no writer thread: the attribute is ours
            self._folder_seen = None  # the new name may have a folder of its own

    def delete_all(self) -> None:
        """The notebook was deleted: so are its spill files; nothing is written again."""
        if self._has_files():  # the contents layer removed the folder; we may write still
            self._put(("delete_all",), 0)
        self._closed = True

    async def flush(self) -> None:
        """Wait until everything handed over so far is on disk."""
        if self._thread is None or self._closed:
            return
        done: concurrent.futures.Future[None] = concurrent.futures.Future()
        self._put(("flush", done), 0)
        await asyncio.wrap_future(done)

    async def close(self) -> None:
        self._closed = True
        if self._thread is not None:
            self._put(("stop",), 0)
            await asyncio.to_thread(self._thread.join)

    def _has_files(self) -> bool:
        """Whether there may be files to change: the writer runs, or a folder was there
        from before (one stat, once; most notebooks never spill and start no thread)."""
        if self._closed:
            return False
        if self._thread is not None:
            return True
        if self._folder_seen is None:
            self._folder_seen = os.path.isdir(files.spill_folder(self._notebook))
        return self._folder_seen

    def _put(self, op: tuple[Any, ...], size: int) -> None:
        with self._cond:
            # Back pressure rather than loss, only when the disk is far behind.
            while self._pending > self._limits.max_pending_chars:
                self._cond.wait()
            self._ops.append(op)
            self._pending += size
            self._cond.notify_all()
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._write_loop, name="notewire-spill", daemon=True
                )
                self._thread.start()

    # --- writer thread -----------------------------------------------------------------

    def _write_loop(self) -> None:
        while True:
            with self._cond:
                while not self._ops:
                    self._cond.wait()
                batch = list(self._ops)
                self._ops.clear()
                self._pending = 0
                self._cond.notify_all()
            for op in _coalesced(batch):
                if op[0] == "stop":
                    return
                try:
                    self._do(op)
                except OSError as exc:
                    log.warning("keeping the full output of %s failed: %s", self._notebook, exc)
                except Exception:  # the thread must live on: the event loop may wait on it
                    log.exception("keeping the full output of %s failed", self._notebook)

    def _do(self, op: tuple[Any, ...]) -> None:
        match op:
            case ("append", cell_id, text):
                self._append(cell_id, text)
            case ("remove", cell_id):
                self._remove(files.spill_file(self._notebook, cell_id))
                self._cut.discard(cell_id)
            case ("keep_only", keep):
                folder = files.spill_folder(self._notebook)
                names = os.listdir(folder) if os.path.isdir(folder) else []
                for name in names:
                    if name.endswith(".txt") and name[: -len(".txt")] not in keep:
                        self._remove(folder / name)
            case ("move", notebook):
                files.move_spill(self._notebook, notebook)
                self._notebook = notebook
            case ("delete_all",):
                files.delete_spill(self._notebook)
                self._used = 0
            case ("flush", done):
                done.set_result(None)

    def _folder(self) -> Path:
        """The spill folder, made if need be; a symlink on the way is refused."""
        folder = files.spill_folder(self._notebook)
        os.makedirs(folder, exist_ok=True)
        for part in (folder.parent, folder):
            if not stat.S_ISDIR(os.lstat(part).st_mode):
                raise OSError(f"{part.name} is not a plain folder")
        return folder

    def _append(self, cell_id: str, text: str) -> None:
        if cell_id in self._cut:
            return
        folder = self._folder()
        if self._used is None:
            self._used = sum(
                entry.stat(follow_symlinks=False).st_size
                for entry in os.scandir(folder)
                if entry.is_file(follow_symlinks=False)
            )
        data = text.encode("utf-8", "replace")
        room = self._limits.disk_cap - self._used
        if len(data) > room:
            # Cut at a character boundary: the file stays valid UTF-8.
            data = data[: max(room, 0)].decode("utf-8", "ignore").encode()
            data += _cut_note(self._limits.disk_cap).encode()
            self._cut.add(cell_id)
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW
        fd = os.open(folder / f"{cell_id}.txt", flags, 0o600)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)
        self._used += len(data)

    def _remove(self, path: Path) -> None:
        try:
            size = os.lstat(path).st_size
            os.unlink(path)
        except (FileNotFoundError, NotADirectoryError):
            return
        if self._used is not None:
            self._used = max(0, self._used - size)


def _coalesced(batch: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Consecutive appends to one cell become one write."""
    out: list[tuple[Any, ...]] = []
    parts: list[str] = []
    for op in batch:
        last = out[-1] if out else None
        if op[0] == "append" and last is not None and last[0] == "append" and last[1] == op[1]:
            parts.append(op[2])
            continue
        if parts:
            out[-1] = ("append", out[-1][1], "".join(parts))
        out.append(op)
        parts = [op[2]] if op[0] == "append" else []
    if parts:
        out[-1] = ("append", out[-1][1], "".join(parts))
    return out
