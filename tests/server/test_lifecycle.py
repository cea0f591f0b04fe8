"""A server that opens and closes notebooks for months must not grow: closed sessions
and replaced documents are freed (issue 12)."""

from __future__ import annotations

import asyncio
import gc
import weakref

import pytest

from .notebook_server import Server, write_notebook

pytestmark = pytest.mark.timeout(120)


async def test_a_closed_notebook_and_a_replaced_document_are_freed(server: Server) -> None:
    write_notebook(server.root / "m.ipynb", cells=[f"print({i})" for i in range(50)])
    notebooks = server.app.state.notebooks
    session = await notebooks.open("m.ipynb")
    first_doc = weakref.ref(session.doc)
    await session.reload()  # the file read again: a new document replaces the old
    await collected(first_doc)
    freed = weakref.ref(session)
    second_doc = weakref.ref(session.doc)
    await notebooks.close(session)
    del session
    await collected(freed)
    assert second_doc() is None


async def collected(ref: weakref.ref[object], within: float = 30.0) -> None:
    """Wait until `ref`'s object is garbage: callbacks still scheduled on the event loop
    when a session closes may hold it for a few turns of the loop."""
    async with asyncio.timeout(within):
        gc.collect()
        while ref() is not None:
            # Garbage collection sets no event to wait on: look again after a turn.
            await asyncio.sleep(0.05)  # noqa: ASYNC110
            gc.collect()
