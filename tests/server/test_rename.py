"""Renaming, moving and deleting an open notebook through the contents API: the open
session follows its file (same document, same kernel, saved at the new path) and every
browser attached is told; a deleted notebook is closed without being written again."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from notewire.client import NotebookClient

from .notebook_server import Server, write_notebook

pytestmark = pytest.mark.timeout(90)


@pytest.fixture
async def http(server: Server) -> AsyncIterator[httpx.AsyncClient]:
    headers = {"Authorization": f"token {server.token}"}
    async with httpx.AsyncClient(base_url=server.url, headers=headers) as client:
        yield client


def _append(nb: NotebookClient, cell: int, text: str) -> None:
    source = nb.cells[cell]["source"]
    source += text  # in place: assigning the Text back to the map would empty it


async def _saved_clean(nb: NotebookClient, *, after: int) -> None:
    """Wait for a save message, at index `after` or later, that says all is saved."""

    def clean() -> bool:
        return any(
            m["type"] == "save" and not m["dirty"] and m["last_saved"] for m in nb.messages[after:]
        )

    await nb.wait_until(clean)


async def test_rename_keeps_the_session_and_tells_every_browser(
    server: Server, http: httpx.AsyncClient
) -> None:
    write_notebook(server.root / "a.ipynb", cells=["x = 41"])
    async with server.client("a.ipynb") as one, server.client("a.ipynb") as two:
        cell = str(one.cells[0]["id"])
        await one.run_and_wait([cell])
        session = server.app.state.notebooks.get("a.ipynb")
        kernel_id = session.kernel.handle.id
        response = await http.patch("/api/contents/a.ipynb", json={"path": "b.ipynb"})
        assert response.status_code == 200 and response.json()["path"] == "b.ipynb"

        for nb in (one, two):
            moved = await nb.next_message("moved")
            assert moved == {"type": "moved", "path": "b.ipynb"}
        assert server.app.state.notebooks.get("b.ipynb") is session
        assert server.app.state.notebooks.get("a.ipynb") is None
        assert session.store.path == "b.ipynb"

        # An edit is autosaved at the new path; the old file never comes back.
        mark = len(two.messages)
        _append(one, 0, "\ny = x + 1")
        await _saved_clean(two, after=mark)
        assert not (server.root / "a.ipynb").exists()
        saved = await server.saved("b.ipynb")
        assert saved.cells[0].source == "x = 41\ny = x + 1"

        # The kernel kept running: what the cell defined before the rename is there.
        check = one.add_cell("print(x + 1)")
        await one.run_and_wait([check])
        assert one.output_text(check) == "42\n"
        assert session.kernel.handle.id == kernel_id

        # A browser opening the new path joins the same live session ...
        async with server.client("b.ipynb") as three:
            assert three.hello["path"] == "b.ipynb"
            assert three.hello["doc_id"] == one.doc_id
            assert three.output_text(check) == "42\n"
        # ... and the old path serves nothing.
        with pytest.raises(ConnectionError):
            async with server.client("a.ipynb"):
                pass

        # An explicit save writes the new path too.
        _append(one, 0, "\n# saved")
        await one.send({"type": "save"})
        # (A clean-save message alone may be the end of the last run being saved.)
        b_file = server.root / "b.ipynb"
        await one.wait_until(lambda: "# saved" in b_file.read_text(encoding="utf-8"))
        assert (await server.saved("b.ipynb")).cells[0].source.endswith("# saved")
        assert not (server.root / "a.ipynb").exists()

        # The running list follows the rename.
        [listed] = (await http.get("/api/notebooks")).json()
        assert listed["path"] == "b.ipynb"
        [kernel] = (await http.get("/api/kernels")).json()
        assert kernel["notebook"] == "b.ipynb"


async def test_moving_a_folder_moves_the_notebooks_open_inside(
    server: Server, http: httpx.AsyncClient
) -> None:
    (server.root / "dir" / "sub").mkdir(parents=True)
    (server.root / "dirt").mkdir()  # shares a prefix with "dir": must not move
    write_notebook(server.root / "dir" / "one.ipynb", cells=["a = 1"])
    write_notebook(server.root / "dir" / "sub" / "two.ipynb", cells=["b = 2"])
    write_notebook(server.root / "dirt" / "three.ipynb")
    async with (
        server.client("dir/one.ipynb") as one,
        server.client("dir/sub/two.ipynb") as two,
        server.client("dirt/three.ipynb") as three,
    ):
        await one.run_and_wait([str(one.cells[0]["id"])])
        (server.root / "moved").mkdir()
        response = await http.patch("/api/contents/dir", json={"path": "moved/renamed"})
        assert response.status_code == 200

        assert (await one.next_message("moved"))["path"] == "moved/renamed/one.ipynb"
        assert (await two.next_message("moved"))["path"] == "moved/renamed/sub/two.ipynb"
        notebooks = server.app.state.notebooks
        assert notebooks.get("moved/renamed/sub/two.ipynb").store.path == (
            "moved/renamed/sub/two.ipynb"
        )
        assert notebooks.get("dirt/three.ipynb").store.path == "dirt/three.ipynb"

        for nb in (one, two):
            mark = len(nb.messages)
            _append(nb, 0, "  # edited")
            await _saved_clean(nb, after=mark)
        assert not (server.root / "dir").exists()
        assert (await server.saved("moved/renamed/one.ipynb")).cells[0].source == "a = 1  # edited"
        assert (await server.saved("moved/renamed/sub/two.ipynb")).cells[0].source == (
            "b = 2  # edited"
        )
        check = one.add_cell("print(a)")
        await one.run_and_wait([check])
        assert one.output_text(check) == "1\n"
        assert not any(m["type"] == "moved" for m in three.messages)


async def test_a_refused_rename_leaves_the_session_alone(
    server: Server, http: httpx.AsyncClient
) -> None:
    write_notebook(server.root / "a.ipynb")
    write_notebook(server.root / "taken.ipynb")
    async with server.client("a.ipynb") as nb:
        response = await http.patch("/api/contents/a.ipynb", json={"path": "taken.ipynb"})
        assert response.status_code == 409
        session = server.app.state.notebooks.get("a.ipynb")
        assert session is not None and session.store.path == "a.ipynb"
        mark = len(nb.messages)
        nb.add_cell("1")
        await _saved_clean(nb, after=mark)
        assert len((await server.saved("a.ipynb")).cells) == 1
        assert not any(m["type"] == "moved" for m in nb.messages)


async def test_a_notebook_deleted_by_another_program_is_closed_as_a_delete_is(
    server: Server, http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    write_notebook(server.root / "gone.ipynb", cells=["z = 3"])
    async with server.client("gone.ipynb") as one, server.client("gone.ipynb") as two:
        await one.run_and_wait([str(one.cells[0]["id"])])
        # The end of the run is saved: deleted under a save's rename, the file would be
        # written again (as with any program that saves as it is deleted).
        await one.wait_until(lambda: not one.save_status.get("dirty", True))
        await asyncio.to_thread((server.root / "gone.ipynb").unlink)  # not through notewire
        for nb in (one, two):  # told without editing anything
            assert (await nb.next_message("deleted", within=30)) == {"type": "deleted"}
            await asyncio.wait_for(nb.closed, timeout=30)
            assert nb.ws.close_code == 4009 and nb.ws.close_reason == "deleted"
        assert server.app.state.notebooks.get("gone.ipynb") is None
        assert (await http.get("/api/kernels")).json() == []
    assert not (server.root / "gone.ipynb").exists()  # nothing wrote it again
    assert not [r for r in caplog.records if r.exc_info], "no traceback in the log"


async def test_deleting_an_open_notebook_closes_it_without_writing_it_again(
    server: Server, http: httpx.AsyncClient
) -> None:
    write_notebook(server.root / "d.ipynb", cells=["z = 3"])
    async with server.client("d.ipynb") as one, server.client("d.ipynb") as two:
        await one.run_and_wait([str(one.cells[0]["id"])])
        one.add_cell("unsaved = True")  # maybe saved before the delete, maybe not
        assert (await http.delete("/api/contents/d.ipynb")).status_code == 204
        for nb in (one, two):
            assert (await nb.next_message("deleted")) == {"type": "deleted"}
            await asyncio.wait_for(nb.closed, timeout=30)
            assert nb.ws.close_code == 4009
            assert nb.ws.close_reason == "deleted"
        assert server.app.state.notebooks.get("d.ipynb") is None
        assert (await http.get("/api/kernels")).json() == []
        assert (await http.get("/api/notebooks")).json() == []
        assert not (server.root / "d.ipynb").exists()
        # A browser that tries again finds no notebook, and none is created.
        with pytest.raises(ConnectionError):
            async with server.client("d.ipynb"):
                pass
        assert not (server.root / "d.ipynb").exists()


async def test_deleting_a_folder_closes_the_notebooks_open_inside(
    server: Server, http: httpx.AsyncClient
) -> None:
    (server.root / "gone").mkdir()
    (server.root / "kept").mkdir()
    write_notebook(server.root / "gone" / "a.ipynb")
    write_notebook(server.root / "kept" / "b.ipynb")
    async with server.client("gone/a.ipynb") as a, server.client("kept/b.ipynb") as b:
        refused = await http.delete("/api/contents/gone")
        assert refused.status_code == 409  # not empty: nothing happens
        assert server.app.state.notebooks.get("gone/a.ipynb") is not None
        assert (await http.delete("/api/contents/gone?recursive=1")).status_code == 204
        await a.next_message("deleted")
        await asyncio.wait_for(a.closed, timeout=30)
        assert not (server.root / "gone").exists()
        assert [n["path"] for n in (await http.get("/api/notebooks")).json()] == ["kept/b.ipynb"]
        assert not any(m["type"] == "deleted" for m in b.messages)


async def test_a_restarted_kernel_works_next_to_the_notebook_even_after_a_move(
    server: Server, http: httpx.AsyncClient
) -> None:
    (server.root / "sub").mkdir()
    (server.root / "other").mkdir()
    write_notebook(server.root / "sub" / "w.ipynb", cells=["import os\nprint(os.getcwd())"])
    async with server.client("sub/w.ipynb") as nb:
        cell = str(nb.cells[0]["id"])

        async def cwd_after_restart() -> str:
            await nb.send({"type": "restart"})
            await nb.wait_until(lambda: nb.kernel["state"] == "restarting")
            await nb.wait_until(lambda: nb.kernel["state"] == "idle", within=60)
            await nb.run_and_wait([cell])
            return nb.output_text(cell).strip()

        await nb.run_and_wait([cell])
        assert nb.output_text(cell).strip() == str((server.root / "sub").resolve())
        assert await cwd_after_restart() == str((server.root / "sub").resolve())

        response = await http.patch("/api/contents/sub/w.ipynb", json={"path": "other/w.ipynb"})
        assert response.status_code == 200
        await nb.next_message("moved")
        assert await cwd_after_restart() == str((server.root / "other").resolve())


async def test_a_browser_away_during_a_rename_is_sent_on_to_the_new_path(
    server: Server, http: httpx.AsyncClient
) -> None:
    import json

    import websockets

    write_notebook(server.root / "away.ipynb", cells=["x = 1"])
    async with server.client("away.ipynb") as nb:  # open, so a session exists
        await nb.run_and_wait([str(nb.cells[0]["id"])])
    response = await http.patch("/api/contents/away.ipynb", json={"path": "back.ipynb"})
    assert response.status_code == 200
    response = await http.patch("/api/contents/back.ipynb", json={"path": "again.ipynb"})
    assert response.status_code == 200

    headers = {"Authorization": f"token {server.token}"}
    for old in ("away.ipynb", "back.ipynb"):  # a chain of moves is followed to its end
        url = server.url.replace("http", "ws") + f"/api/notebooks/{old}/ws"
        async with websockets.connect(url, additional_headers=headers) as ws:
            assert json.loads(await ws.recv()) == {"type": "moved", "path": "again.ipynb"}
            with pytest.raises(websockets.ConnectionClosed):
                await ws.recv()
            assert (ws.close_code, ws.close_reason) == (4004, "moved")

    async with server.client("again.ipynb") as nb:  # the same session, kernel and all
        check = nb.add_cell("print(x)")
        await nb.run_and_wait([check])
        assert nb.output_text(check) == "1\n"

    # A new file at an old path is that file, not a pointer to the moved one.
    write_notebook(server.root / "away.ipynb", cells=["fresh"])
    async with server.client("away.ipynb") as nb:
        assert str(nb.cells[0]["source"]) == "fresh"
