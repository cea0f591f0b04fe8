"""Jupyter's notebook trust: a notebook is trusted when its signature is in the database.

`Notary` wraps `nbformat.sign.NotebookNotary`, with its SQLite signature database and
secret key, so a notebook trusted in Jupyter is trusted here and the other way round.
The signature is an HMAC of the notebook as read from its file (`parse_notebook`), so
sign exactly what you write and check exactly what you read.

The signature database is an sqlite connection, which belongs to the thread that made it,
and whose every write commits with an fsync (tens of ms on a busy disk). It lives on a
thread of its own, so no caller, the event loop least of all, waits for the disk: the
blocking methods may be called from any thread, and the event loop awaits the futures of
`checking` and `recording` (asyncio.wrap_future). Close the Notary with `close()` or a `with` block.
"""

from __future__ import annotations

import hmac
import sqlite3
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from jupyter_core.paths import jupyter_data_dir
from nbformat.sign import NotebookNotary

__all__ = ["Notary"]

# Keys nbformat strips when it writes a file, so they are absent when the file is read
# back and checked: leave them out of the signature too.
_TRANSIENT_METADATA = ("signature", "orig_nbformat", "orig_nbformat_minor")

T = TypeVar("T")


class Notary:
    """Checks and records notebook signatures.

    `db_path` and `secret_path` default to Jupyter's own (`nbsignatures.db` and
    `notebook_secret` in the Jupyter data directory). The secret is created when
    missing, readable by its owner only.
    """

    def __init__(self, db_path: Path | None = None, secret_path: Path | None = None) -> None:
        if db_path is None or secret_path is None:
            data_dir = Path(jupyter_data_dir())
            db_path = db_path or data_dir / "nbsignatures.db"
            secret_path = secret_path or data_dir / "notebook_secret"
        for path in (db_path, secret_path):
            path.parent.mkdir(parents=True, exist_ok=True)
        self._closed = False
        self._db_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="notewire-trust")
        # With data_dir given, NotebookNotary never builds a JupyterApp to find it. Made on
        # the database's thread: its sqlite connection is bound to the thread that opens it.
        self._notary = self._on_db(
            NotebookNotary,
            data_dir=str(db_path.parent),
            db_file=str(db_path),
            secret_file=str(secret_path),
        ).result()

    def _on_db(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> Future[T]:
        if self._closed:  # what sqlite says of a closed connection, as before the thread
            raise sqlite3.ProgrammingError("Cannot operate on a closed database.")
        return self._db_thread.submit(fn, *args, **kwargs)

    def is_trusted(self, nb: dict[str, Any]) -> bool:
        """Whether this notebook's signature is recorded (also refreshes its last use)."""
        return self.is_recorded(self.signature(nb))

    def signature(self, nb: dict[str, Any]) -> str | None:
        """The notebook's signature, None for a notebook that cannot be trusted (before
        nbformat 3). Touches no database: any thread may call it, and a large notebook's
        hash (a walk over all of it) had better run off the event loop."""
        if nb.get("nbformat", 0) < 3:
            return None
        return self._compute(nb)

    def _compute(self, nb: dict[str, Any]) -> str:
        """nbformat's `compute_signature`, the same HMAC over the same bytes, a few times
        faster: it feeds the HMAC every key and value of the notebook one by one, from a
        chain of generators (some 300,000 updates for 20,000 cells, most of the CPU time
        of opening a big notebook); here they are joined first, a block at a time."""
        notary = self._notary
        digest = hmac.new(notary.secret, digestmod=notary.digestmod)
        pieces: list[str] = []

        def flush() -> None:
            digest.update("".join(pieces).encode("utf8"))
            pieces.clear()

        _hashed_text(_signable(nb), pieces, flush)
        flush()
        return digest.hexdigest()

    def is_recorded(self, signature: str | None) -> bool:
        """Whether `signature` (from `signature`) is in the database (also refreshes its
        last use). Blocks: on the event loop, await `checking`."""
        return self.checking(signature).result()

    def checking(self, signature: str | None) -> Future[bool]:
        """`is_recorded`'s answer, to come from the database thread."""
        return _resolved(False) if signature is None else self._on_db(self._check, signature)

    def sign(self, nb: dict[str, Any]) -> None:
        """Record this notebook as trusted. Blocks: on the event loop, compute the
        signature in a worker thread and await `recording`."""
        self.recording(self.signature(nb)).result()

    def recording(self, signature: str | None) -> Future[None]:
        """Records `signature` (from `signature`) as trusted on the database thread: done
        when committed."""
        return _resolved(None) if signature is None else self._on_db(self._store, signature)

    def unsign(self, nb: dict[str, Any]) -> None:
        """Forget this notebook's signature."""
        signature = self._compute(nb)
        self._on_db(self._notary.store.remove_signature, signature, self._notary.algorithm).result()

    def _check(self, signature: str) -> bool:
        return bool(self._notary.store.check_signature(signature, self._notary.algorithm))

    def _store(self, signature: str) -> None:
        self._notary.store.store_signature(signature, self._notary.algorithm)

    def close(self) -> None:
        if not self._closed:
            self._on_db(self._notary.close).result()
            self._closed = True
            self._db_thread.shutdown()

    def __enter__(self) -> Notary:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _resolved(value: T) -> Future[T]:
    done: Future[T] = Future()
    done.set_result(value)
    return done


def _signable(nb: dict[str, Any]) -> dict[str, Any]:
    """`nb` as it will read back from its file: without the keys nbformat strips on
    writing. Copies only the dicts it changes."""
    metadata = nb.get("metadata") or {}
    if any(key in metadata for key in _TRANSIENT_METADATA):
        metadata = {k: v for k, v in metadata.items() if k not in _TRANSIENT_METADATA}
    cells = nb.get("cells", [])
    if any("trusted" in (cell.get("metadata") or {}) for cell in cells):
        cells = [_without_trusted(cell) for cell in cells]
    return {**nb, "metadata": metadata, "cells": cells}


def _without_trusted(cell: dict[str, Any]) -> dict[str, Any]:
    metadata = cell.get("metadata") or {}
    if "trusted" not in metadata:
        return cell
    return {**cell, "metadata": {k: v for k, v in metadata.items() if k != "trusted"}}


_FLUSH_PIECES = 4096  # pieces joined per HMAC update: memory stays small, calls few


def _hashed_text(obj: Any, pieces: list[str], flush: Callable[[], None]) -> None:
    """Append to `pieces` the text nbformat's `yield_everything` hashes for `obj`:
    a dict's keys in sorted order, each followed by its value's text; a list's items
    in order; a str as itself; any other value as `str(value)`."""
    if isinstance(obj, dict):
        for key in sorted(obj):
            pieces.append(key)
            _hashed_text(obj[key], pieces, flush)
    elif isinstance(obj, list | tuple):
        for item in obj:
            _hashed_text(item, pieces, flush)
    else:
        pieces.append(obj if isinstance(obj, str) else str(obj))
        if len(pieces) >= _FLUSH_PIECES:
            flush()
