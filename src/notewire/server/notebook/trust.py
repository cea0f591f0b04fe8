"""Jupyter's notebook trust: a notebook is trusted when its signature is in the database.

`Notary` wraps `nbformat.sign.NotebookNotary`, with its SQLite signature database and
secret key, so a notebook trusted in Jupyter is trusted here and the other way round.
The signature is an HMAC of the notebook as read from its file (`parse_notebook`), so
sign exactly what you write and check exactly what you read.

The database connection belongs to the thread that made the Notary (sqlite3's rule);
close it with `close()` or a `with` block.
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import Any

from jupyter_core.paths import jupyter_data_dir
from nbformat.sign import NotebookNotary

__all__ = ["Notary"]

# Keys nbformat strips when it writes a file, so they are absent when the file is read
# back and checked: leave them out of the signature too.
_TRANSIENT_METADATA = ("signature", "orig_nbformat", "orig_nbformat_minor")


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
        # With data_dir given, NotebookNotary never builds a JupyterApp to find it.
        self._notary = NotebookNotary(
            data_dir=str(db_path.parent), db_file=str(db_path), secret_file=str(secret_path)
        )
        self._closed = False

    def is_trusted(self, nb: dict[str, Any]) -> bool:
        """Whether this notebook's signature is recorded (also refreshes its last use)."""
        return self.is_recorded(self.signature(nb))

    def signature(self, nb: dict[str, Any]) -> str | None:
        """The notebook's signature, None for a notebook that cannot be trusted (before
        nbformat 3). Touches no database: any thread may call it, and a large notebook's
        hash (a walk over all of it) had better run off the event loop."""
        if nb.get("nbformat", 0) < 3:
            return None
        return str(self._notary.compute_signature(_signable(nb)))

    def is_recorded(self, signature: str | None) -> bool:
        """Whether `signature` (from `signature`) is in the database (also refreshes its
        last use). On the Notary's thread."""
        if signature is None:
            return False
        return bool(self._notary.store.check_signature(signature, self._notary.algorithm))

    def sign(self, nb: dict[str, Any]) -> None:
        """Record this notebook as trusted."""
        if nb.get("nbformat", 0) < 3:
            return
        signature = self._notary.compute_signature(_signable(nb))
        self._notary.store.store_signature(signature, self._notary.algorithm)

    def unsign(self, nb: dict[str, Any]) -> None:
        """Forget this notebook's signature."""
        signature = self._notary.compute_signature(_signable(nb))
        self._notary.store.remove_signature(signature, self._notary.algorithm)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._notary.close()

    def __enter__(self) -> Notary:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


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
