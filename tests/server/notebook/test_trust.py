"""Notebook trust through Jupyter's signature database, always in temporary files."""

from __future__ import annotations

import asyncio
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nbformat.sign import NotebookNotary

from notewire.server.notebook import (
    Notary,
    new_document,
    parse_notebook,
    serialize_notebook,
    to_notebook,
)

from .samples import full_notebook, jupyter_bytes


@pytest.fixture
def paths(tmp_path: Path) -> tuple[Path, Path]:
    return tmp_path / "db" / "nbsignatures.db", tmp_path / "secret" / "notebook_secret"


def test_sign_then_trusted_and_unsign(paths: tuple[Path, Path]) -> None:
    nb = parse_notebook(jupyter_bytes(full_notebook()))
    with Notary(*paths) as notary:
        assert not notary.is_trusted(nb)
        notary.sign(nb)
        assert notary.is_trusted(nb)
        changed = parse_notebook(jupyter_bytes(full_notebook()))
        changed["cells"][1]["outputs"][0]["text"] = "tampered\n"
        assert not notary.is_trusted(changed)
        notary.unsign(nb)
        assert not notary.is_trusted(nb)
    assert paths[1].stat().st_mode & 0o077 == 0  # the secret is private


def test_signatures_are_shared_with_jupyter(paths: tuple[Path, Path]) -> None:
    data = jupyter_bytes(full_notebook())
    db, secret = paths
    with Notary(db, secret) as notary:
        notary.sign(parse_notebook(data))
    jupyter = NotebookNotary(db_file=str(db), secret_file=str(secret), data_dir=str(db.parent))
    with jupyter:
        assert jupyter.check_signature(nbformat.reads(data.decode(), as_version=4))
        other = nbformat.reads(data.decode(), as_version=4)
        other.cells[0].source = "signed by Jupyter"
        jupyter.sign(other)
    with Notary(db, secret) as notary:
        assert notary.is_trusted(parse_notebook(jupyter_bytes(other)))


def test_what_is_signed_on_save_is_trusted_when_read_back(paths: tuple[Path, Path]) -> None:
    nb = parse_notebook(jupyter_bytes(full_notebook()))
    doc = new_document(nb, trusted=True)
    saved = to_notebook(doc)  # integral floats are ints now: the file will say so too
    saved["metadata"]["orig_nbformat"] = 3  # nbformat strips this when writing
    saved["cells"][1]["metadata"]["trusted"] = True  # and this
    with Notary(*paths) as notary:
        notary.sign(saved)
        assert notary.is_trusted(parse_notebook(serialize_notebook(saved)))
    assert saved["metadata"]["orig_nbformat"] == 3  # the argument is left alone


def test_closing_closes_the_database(paths: tuple[Path, Path]) -> None:
    notary = Notary(*paths)
    notary.close()
    notary.close()  # twice is fine
    with pytest.raises(sqlite3.ProgrammingError):
        notary.is_trusted(parse_notebook(jupyter_bytes(full_notebook())))


def test_default_paths_are_jupyters_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "jupyter"))
    with Notary() as notary:
        notary.sign(parse_notebook(jupyter_bytes(full_notebook())))
    assert (tmp_path / "jupyter" / "nbsignatures.db").is_file()
    assert (tmp_path / "jupyter" / "notebook_secret").is_file()


@pytest.mark.asyncio
async def test_the_database_works_off_the_callers_thread(paths: tuple[Path, Path]) -> None:
    # sqlite binds a connection to the thread that opened it; the Notary's lives on a
    # thread of its own, so the event loop awaits its commits and any thread may ask.
    nb = parse_notebook(jupyter_bytes(full_notebook()))
    with Notary(*paths) as notary:
        signature = await asyncio.to_thread(notary.signature, nb)
        await asyncio.wrap_future(notary.recording(signature))
        assert await asyncio.wrap_future(notary.checking(signature))
        with ThreadPoolExecutor(1) as other:
            assert other.submit(notary.is_trusted, nb).result()
        assert not await asyncio.wrap_future(notary.checking(None))


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@pytest.mark.timeout(60)
def test_the_signature_is_nbformats(paths: tuple[Path, Path]) -> None:
    """The same HMAC as nbformat's own, a few times faster (trust.py, `_compute`)."""
    db, secret = paths
    with Notary(db, secret) as notary:
        jupyter = NotebookNotary(
            db_file=":memory:", secret_file=str(secret), data_dir=str(db.parent)
        )

        @settings(max_examples=60, deadline=None)
        @given(
            metadata=st.dictionaries(st.text(), _json),
            cells=st.lists(st.dictionaries(st.text(), _json, max_size=4), max_size=3),
        )
        def same(metadata: dict[str, object], cells: list[dict[str, object]]) -> None:
            nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": metadata, "cells": cells}
            assert notary.signature(nb) == jupyter.compute_signature(nb)

        with jupyter:
            same()
