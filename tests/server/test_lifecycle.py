"""A server that opens and closes notebooks for months must not grow: closed sessions
and replaced documents are freed (issue 12)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import itertools
import json
import os
import platform
import time
import weakref
from pathlib import Path

import httpx
import nbformat
import pytest

from notewire.client import NotebookClient
from notewire.server.contents import files
from notewire.server.notebook import schema
from notewire.server.session.session import SessionConfig

from .notebook_server import Server, running_server, write_notebook

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


async def test_opening_a_notebook_removes_temp_files_of_interrupted_saves(
    server: Server,
) -> None:
    write_notebook(server.root / "t.ipynb")
    target = server.root / "t.ipynb"
    stale = files.temp_name(target)  # as a save killed mid-write leaves it
    stale.write_bytes(b'{"cells": [')
    old = time.time() - 3600
    os.utime(stale, (old, old))
    writing = files.temp_name(target)  # a save still writing: recent
    writing.write_bytes(b"{")
    others = [server.root / ".~other.ipynb.0123456789ab.tmp", server.root / ".~t.ipynb.notes.tmp"]
    for path in others:
        path.write_bytes(b"not ours")
        os.utime(path, (old, old))
    async with server.client("t.ipynb"):
        pass
    assert not stale.exists()
    assert writing.exists() and all(p.exists() for p in others)


async def test_a_finished_run_is_saved_soon_and_a_queue_once(tmp_path: Path) -> None:
    # Autosave's interval is an hour here: only the end of a run can save.
    config = SessionConfig(autosave_interval=3600, disk_check_interval=0.1)
    root = tmp_path / "root"
    root.mkdir()
    cells = ["for i in range(100):\n    print('line', i)"] + [f"x{i} = {i}" for i in range(20)]
    write_notebook(root / "p.ipynb", cells=cells)
    async with running_server(root, tmp_path, session=config) as server:
        async with server.client("p.ipynb") as nb:
            first = str(nb.cells[0]["id"])
            start = len(nb.messages)
            await nb.run_and_wait([first])
            await nb.wait_until(lambda: saves(nb, start) >= 1)
            saved = await server.saved("p.ipynb")
            assert saved.cells[0].outputs[0].text.count("line") == 100
            # Twenty short cells run as one queue are written once, when it runs dry.
            start = len(nb.messages)
            await nb.run_and_wait([str(c["id"]) for c in list(nb.cells)[1:]])
            await nb.wait_until(lambda: saves(nb, start) >= 1)
            saved = await server.saved("p.ipynb")
            assert all(c.execution_count is not None for c in saved.cells)
            assert saves(nb, start) == 1


async def test_runs_that_keep_ending_are_saved_together(tmp_path: Path) -> None:
    # After the save of a finished run, the next run-end save waits `run_save_spacing`
    # (an hour here): the runs after the first are only on disk when saved by hand.
    config = SessionConfig(autosave_interval=3600, disk_check_interval=0.1, run_save_spacing=3600)
    root = tmp_path / "root"
    root.mkdir()
    write_notebook(root / "r.ipynb", cells=["print('run')"])
    async with running_server(root, tmp_path, session=config) as server:
        async with server.client("r.ipynb") as nb:
            cell = str(nb.cells[0]["id"])
            start = len(nb.messages)
            await nb.run_and_wait([cell])
            await nb.wait_until(lambda: saves(nb, start) >= 1)  # the first: at once
            start = len(nb.messages)
            for _ in range(5):
                await nb.run_and_wait([cell])
            await nb.send({"type": "save"})
            await nb.wait_until(lambda: saves(nb, start) >= 1)
            assert saves(nb, start) == 1  # the save by hand alone
            saved = await server.saved("r.ipynb")
            assert saved.cells[0].execution_count == 6


def saves(nb: NotebookClient, start: int) -> int:
    """Saves done since message `start` (each ends with a clean save status)."""
    return sum(1 for m in nb.messages[start:] if m["type"] == "save" and not m["dirty"])


@pytest.mark.parametrize("kernel", ["notewire", "python3"])
async def test_the_kernels_language_info_is_saved(server: Server, kernel: str) -> None:
    path = server.root / "li.ipynb"
    write_notebook(path, kernel=kernel)
    nb_file = nbformat.read(path, as_version=4)
    nb_file.metadata["language_info"] = {"name": "python", "version": "3.4.2"}
    nbformat.write(nb_file, path)
    async with server.client("li.ipynb") as nb:
        await nb.wait_until(lambda: nb.kernel.get("state") == "idle", within=60)
        nb.add_cell("1")  # something to save
        await nb.wait_until(lambda: nb.save_status.get("dirty"))
        await nb.send({"type": "save"})
        await nb.wait_until(lambda: not nb.save_status.get("dirty", True))
    info = (await server.saved("li.ipynb")).metadata["language_info"]
    assert info["name"] == "python"
    assert info["version"] == platform.python_version()
    assert info["file_extension"] == ".py"


async def test_other_clients_are_answered_while_a_large_notebook_opens(server: Server) -> None:
    """Reading, checking and building a 10,000-cell notebook takes seconds; the event
    loop must keep serving everyone else meanwhile (issue 12: it was held 4 s)."""
    cells = []
    for i in range(10_000):
        cell: dict[str, object] = {"id": f"c{i}", "metadata": {}, "source": f"x = {i}"}
        if i % 2:
            cell["cell_type"] = "markdown"
        else:
            stream = {"output_type": "stream", "name": "stdout", "text": f"{i}\n"}
            cell.update(cell_type="code", execution_count=1, outputs=[stream])
        cells.append(cell)
    notebook = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells}
    (server.root / "big.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    clock = asyncio.get_running_loop().time
    answered: list[float] = []
    first = asyncio.Event()

    async def ping(http: httpx.AsyncClient) -> None:
        while True:
            response = await http.get("/api/kernels")
            assert response.status_code == 200
            answered.append(clock())
            first.set()

    headers = {"Authorization": f"token {server.token}"}
    async with httpx.AsyncClient(base_url=server.url, headers=headers) as http:
        pinging = asyncio.create_task(ping(http))
        await first.wait()
        start = clock()
        session = await server.app.state.notebooks.open("big.ipynb")
        end = clock()
        pinging.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await pinging
    assert len(schema.cells_array(session.doc)) == 10_000
    times = [start, *(t for t in answered if start < t < end), end]
    longest = max(b - a for a, b in itertools.pairwise(times))
    # The goal is 50 ms, and bench/lifecycle.py measures it. Here the bound only has to
    # tell a loop held by the open (4 s unloaded and 16 s loaded, without the fix) from
    # one whose thread waits for a core: 0.58 s was seen with two busy loops beside a
    # full test run on the 2 cores.
    assert longest < 2.0, f"no answer for {longest:.2f} s of an open of {end - start:.1f} s"
