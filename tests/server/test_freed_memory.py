"""The memory of a closed or replaced document goes back to the system (issue 12: the
server's RSS grew by 40-90 % over 100 open/close cycles of one notebook while Python's
heap stayed flat; glibc kept the freed pages of the pycrdt documents)."""

from __future__ import annotations

import json
import re
import weakref
from pathlib import Path

import pytest

from notewire.server.notebook import new_document, parse_notebook
from notewire.server.session import freed_memory
from notewire.server.session.freed_memory import release_freed_memory

from .notebook_server import Server, write_notebook
from .test_lifecycle import collected

pytestmark = pytest.mark.timeout(120)


def _rss() -> int:
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) * 1024  # type: ignore[union-attr]


@pytest.mark.skipif(freed_memory._TRIM is None, reason="no glibc malloc_trim here")
async def test_a_dropped_document_is_given_back_to_the_system() -> None:
    cells = [
        {"id": f"c{i}", "cell_type": "markdown", "metadata": {}, "source": f"# {i} " * 20}
        for i in range(20_000)
    ]
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells}
    data = json.dumps(nb).encode()
    doc = new_document(parse_notebook(data), trusted=True)
    del data, cells, nb
    held = _rss()
    del doc  # freed by Rust into malloc's heaps, which keep the pages
    await release_freed_memory()
    assert _rss() < held - 8 * 2**20  # most of it is back with the system


async def test_a_closed_session_lets_go_of_its_document_at_once(server: Server) -> None:
    """Whoever still holds the closed session (a browser's connection finishing its
    close) must not hold its document too."""
    write_notebook(server.root / "c.ipynb", cells=["1"])
    notebooks = server.app.state.notebooks
    session = await notebooks.open("c.ipynb")
    doc = weakref.ref(session.doc)
    await notebooks.close(session)
    await collected(doc)
