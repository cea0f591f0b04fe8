"""Files on disk: atomic writes, stamps to notice outside changes, checkpoints.

These functions take file-system paths that `paths.resolve` has already checked; they
know nothing about API paths or the root.

**Atomic writes.** New content goes to a hidden temporary file in the target's folder,
which is written, flushed and fsynced, given the old file's permission bits, and then
renamed over the target with `os.replace`; the folder is fsynced last. A crash at any
moment leaves either the old file or the new one, never a mixture (at worst a stray
hidden `.~NAME.*.tmp` file). Unlike Jupyter's copy-then-overwrite, the file keeps no
inode: hard links to it are broken, but symlinks are written through.

**Checkpoints.** One per file, at `<folder>/.ipynb_checkpoints/<stem>-checkpoint<ext>`,
Jupyter's layout, so both servers see each other's checkpoints.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import shutil
import stat
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .errors import Conflict, Invalid, NotFound

__all__ = [
    "CHECKPOINT_DIR",
    "Conflict",
    "DiskStamp",
    "checkpoint_modified",
    "checkpoint_path",
    "copy_atomic",
    "create_checkpoint",
    "delete_checkpoint",
    "delete_spill",
    "fsync_folder",
    "move_spill",
    "read_checkpoint",
    "read_stamped",
    "restore_checkpoint",
    "spill_file",
    "spill_folder",
    "remove_stale_temps",
    "temp_name",
    "write_atomic",
]

CHECKPOINT_DIR = ".ipynb_checkpoints"
_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class DiskStamp:
    """What a file looked like when it was read or written, to notice later that
    something else changed it. `mtime_ns` and `size` are a quick test; `sha256` (hex)
    decides when the modification time moved but the bytes may be the same."""

    mtime_ns: int
    size: int
    sha256: str

    @classmethod
    def of(cls, path: Path) -> DiskStamp:
        """The stamp of the file at `path` now. Raises NotFound."""
        return read_stamped(path)[1]

    @classmethod
    def of_bytes(cls, path: Path, data: bytes) -> DiskStamp:
        """The stamp of `data`, just read from `path`. The file is stat'ed after the
        read, so if it changed in between, the time test is disabled and `matches`
        compares content only. `read_stamped` has no such gap."""
        st = os.stat(path)
        mtime_ns = st.st_mtime_ns if st.st_size == len(data) else -1
        return cls(mtime_ns, len(data), hashlib.sha256(data).hexdigest())

    def matches(self, path: Path) -> bool:
        """Whether the file at `path` still holds what this stamp describes."""
        try:
            st = os.stat(path)
        except OSError:
            return False
        if not stat.S_ISREG(st.st_mode) or st.st_size != self.size:
            return False
        if st.st_mtime_ns == self.mtime_ns:
            return True
        try:
            return _sha256_file(path) == self.sha256
        except OSError:
            return False


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _open_regular(path: Path) -> tuple[BinaryIO, os.stat_result]:
    """Open a regular file for reading. Non-blocking, so that a named pipe planted in
    the root cannot hang the server; anything but a regular file is Invalid."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except (FileNotFoundError, NotADirectoryError):
        raise NotFound(f"no such file: {path.name!r}") from None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise Invalid(f"{path.name!r} is not a regular file")
    return os.fdopen(fd, "rb"), st


def read_stamped(path: Path) -> tuple[bytes, DiskStamp]:
    """A file's bytes and their stamp, both from one open file. Raises NotFound, or
    Invalid for a folder or anything else that is not a regular file."""
    f, st = _open_regular(path)
    with f:
        data = f.read()
    mtime_ns = st.st_mtime_ns if st.st_size == len(data) else -1
    return data, DiskStamp(mtime_ns, len(data), hashlib.sha256(data).hexdigest())


# Writers in this process take the target's lock around "check the stamp, replace",
# so two saves of one file cannot both pass the check. Other processes can still
# slip in between; no portable lock would stop an editor that ignores it.
_locks: weakref.WeakValueDictionary[Path, threading.Lock] = weakref.WeakValueDictionary()
_locks_guard = threading.Lock()


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with _locks_guard:
        lock = _locks.get(path)
        if lock is None:
            lock = _locks[path] = threading.Lock()
    with lock:
        yield


def temp_name(target: Path, kind: str = "tmp") -> Path:
    """A fresh hidden name next to `target` (never listed, refused by the API)."""
    return target.with_name(f".~{target.name[:180]}.{secrets.token_hex(6)}.{kind}")


STALE_TEMP_AGE = 60.0  # seconds: a temp file this old is no save in progress


def remove_stale_temps(target: Path, *, older_than: float = STALE_TEMP_AGE) -> list[Path]:
    """Remove the temp files a save of `target` left when it was killed mid-write
    (`_replace` removes its own on any error it lives through); returns them. Only
    names `temp_name` makes, and only ones no save is still writing."""
    pattern = re.compile(re.escape(f".~{target.name[:180]}.") + r"[0-9a-f]{12}\.tmp")
    now = time.time()
    removed = []
    try:
        candidates = [p for p in target.parent.iterdir() if pattern.fullmatch(p.name)]
    except OSError:
        return removed
    for path in candidates:
        try:
            st = path.lstat()
            if stat.S_ISREG(st.st_mode) and now - st.st_mtime > older_than:
                path.unlink()
                removed.append(path)
        except OSError:
            continue  # gone already, or not ours to remove
    return removed


def fsync_folder(folder: Path) -> None:
    """Make a rename or creation in `folder` durable."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_all(fd: int, data: bytes | memoryview) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _replace(target: Path, fill: Callable[[int], None], *, mode: int | None) -> os.stat_result:
    """Write a temp file with `fill(fd)`, fsync it, rename it over `target`. Returns the
    new file's stat. `mode` None: a new file (0666 less the umask)."""
    tmp = temp_name(target)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
    try:
        try:
            if mode is not None:
                os.fchmod(fd, mode)
            fill(fd)
            os.fsync(fd)
            st = os.fstat(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_folder(target.parent)
    return st


def _existing_mode(target: Path) -> int | None:
    try:
        st = os.stat(target)
    except FileNotFoundError:
        return None
    if not stat.S_ISREG(st.st_mode):
        raise Invalid(f"{target.name!r} is not a regular file")
    return stat.S_IMODE(st.st_mode)


def write_atomic(
    path: Path, data: bytes, *, expect: DiskStamp | None = None, follow_symlinks: bool = True
) -> DiskStamp:
    """Replace the file at `path` with `data` atomically; returns the new stamp.

    `expect`: the stamp of the file as the caller last saw it; raises Conflict when the
    file no longer matches it (changed or deleted on disk). A symlink is written
    through to its target unless `follow_symlinks` is false, which replaces the link.
    The folder must exist (NotFound).
    """
    target = Path(os.path.realpath(path)) if follow_symlinks else path
    if not target.parent.is_dir():
        raise NotFound(f"no such folder: {target.parent.name!r}")
    with _locked(target):
        mode = _existing_mode(target)
        if expect is not None and not expect.matches(target):
            what = "deleted" if mode is None else "changed"
            raise Conflict(f"{target.name!r} was {what} on disk since it was read")
        st = _replace(target, lambda fd: _write_all(fd, data), mode=mode)
    return DiskStamp(st.st_mtime_ns, st.st_size, hashlib.sha256(data).hexdigest())


def copy_atomic(source: Path, target: Path) -> None:
    """Copy a regular file's bytes and permission bits to `target` atomically."""
    src, st = _open_regular(source)
    with src:

        def fill(fd: int) -> None:
            with open(fd, "wb", closefd=False) as out:
                shutil.copyfileobj(src, out, _CHUNK)

        with _locked(target):
            _replace(target, fill, mode=stat.S_IMODE(st.st_mode))


# --- checkpoints ---------------------------------------------------------------------


def checkpoint_path(path: Path) -> Path:
    return path.parent / CHECKPOINT_DIR / f"{path.stem}-checkpoint{path.suffix}"


def _checkpoint_folder(path: Path) -> Path:
    """The checkpoint folder of `path`'s folder, created if need be. A symlink there
    is refused: checkpoints must not be written wherever a link points."""
    folder = path.parent / CHECKPOINT_DIR
    with contextlib.suppress(FileExistsError):
        os.mkdir(folder)
    if not stat.S_ISDIR(os.lstat(folder).st_mode):
        raise Invalid(f"{CHECKPOINT_DIR} in {path.parent.name!r} is not a plain folder")
    return folder


def create_checkpoint(path: Path) -> float:
    """Copy the file at `path` to its checkpoint; returns the checkpoint's mtime."""
    if not path.is_file():
        raise NotFound(f"no such file: {path.name!r}")
    _checkpoint_folder(path)
    target = checkpoint_path(path)
    copy_atomic(path, target)
    return os.stat(target).st_mtime


def read_checkpoint(path: Path) -> bytes:
    """The checkpoint of the file at `path`. Raises NotFound (a FileNotFoundError)."""
    cp = checkpoint_path(path)
    try:
        if not stat.S_ISREG(os.lstat(cp).st_mode):
            raise NotFound(f"no checkpoint for {path.name!r}")
        return cp.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        raise NotFound(f"no checkpoint for {path.name!r}") from None


def restore_checkpoint(path: Path) -> DiskStamp:
    """Put the checkpoint's content back into the file at `path`."""
    return write_atomic(path, read_checkpoint(path))


def delete_checkpoint(path: Path) -> None:
    try:
        os.unlink(checkpoint_path(path))
    except (FileNotFoundError, NotADirectoryError):
        raise NotFound(f"no checkpoint for {path.name!r}") from None


# --- spilled output (session/spill.py) -------------------------------------------------

SPILL_SUFFIX = ".outputs"


def spill_folder(path: Path) -> Path:
    """Where the full stream output of the notebook at `path` is kept when its cells
    outgrow the per-cell cap: `<folder>/.ipynb_checkpoints/<stem>.outputs/`."""
    return path.parent / CHECKPOINT_DIR / f"{path.stem}{SPILL_SUFFIX}"


def spill_file(path: Path, cell_id: str) -> Path:
    return spill_folder(path) / f"{cell_id}.txt"


def delete_spill(path: Path) -> None:
    """Remove the spill folder of the notebook at `path` (never through a symlink)."""
    folder = spill_folder(path)
    with contextlib.suppress(FileNotFoundError, NotADirectoryError):
        if stat.S_ISDIR(os.lstat(folder).st_mode):
            shutil.rmtree(folder)


def move_spill(old: Path, new: Path) -> None:
    """The notebook moved from `old` to `new`: its spill folder goes along."""
    folder = spill_folder(old)
    with contextlib.suppress(OSError):
        if stat.S_ISDIR(os.lstat(folder).st_mode):
            os.makedirs(new.parent / CHECKPOINT_DIR, exist_ok=True)
            os.replace(folder, spill_folder(new))


def checkpoint_modified(path: Path) -> float | None:
    """The checkpoint's modification time (seconds since the epoch), None if none."""
    try:
        st = os.lstat(checkpoint_path(path))
    except OSError:
        return None
    return st.st_mtime if stat.S_ISREG(st.st_mode) else None
