"""Output past the per-cell cap is kept on disk and served in full (session/spill.py,
web/outputs_api.py): a real server, a real kernel, the browser protocol and HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from notewire.server.contents import files
from notewire.server.notebook.outputs import OutputLimits
from notewire.server.session.spill import OutputSpill

from .notebook_server import Server, running_server, write_notebook

pytestmark = pytest.mark.timeout(120)

LINES = 100_000  # 1.2 MB of numbered lines: twelve times the cap below


@pytest.fixture
async def small_cap(tmp_path: Path) -> AsyncIterator[Server]:
    root = tmp_path / "root"
    root.mkdir()
    async with running_server(root, tmp_path, limits=OutputLimits(max_stream_chars=100_000)) as s:
        yield s


def _full_url(path: str, cell: str) -> str:
    return f"/api/notebooks/{path}/outputs/{cell}/full"


async def test_a_burst_past_the_cap_loses_no_line(small_cap: Server) -> None:
    server = small_cap
    write_notebook(server.root / "burst.ipynb")
    headers = {"Authorization": f"token {server.token}"}
    async with (
        server.client("burst.ipynb") as nb,
        httpx.AsyncClient(base_url=server.url, headers=headers) as http,
    ):
        burst = nb.add_cell(
            f"import sys\nfor i in range(globals().get('n', {LINES})):\n    print(f'line {{i:06d}}')\n"
            "print('to stderr', file=sys.stderr)"
        )
        await nb.run_and_wait([burst], within=90)
        outputs = nb.outputs(burst)
        assert int(outputs[0]["dropped_chars"]) > 0  # the document stayed bounded

        response = await http.get(_full_url("burst.ipynb", burst))
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/plain; charset=utf-8"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "sandbox" in response.headers["content-security-policy"]
        assert response.headers["content-disposition"].startswith("attachment")
        lines = response.text.splitlines()
        # Every line, in order (stdout and stderr may interleave at the kernel's flush).
        assert [line for line in lines if line.startswith("line ")] == [
            f"line {i:06d}" for i in range(LINES)
        ]
        assert lines.count("to stderr") == 1
        viewed = await http.get(_full_url("burst.ipynb", burst), params={"view": "1"})
        assert viewed.headers["content-disposition"].startswith("inline")

    # Closed and opened again (as after a restart of the server): the file stays, and
    # the output still says it was trimmed.
    notebooks = server.app.state.notebooks
    await notebooks.close(notebooks.get("burst.ipynb"))
    async with (
        server.client("burst.ipynb") as nb,
        httpx.AsyncClient(base_url=server.url, headers=headers) as http,
    ):
        assert int(nb.outputs(burst)[0]["dropped_chars"]) > 0
        again = await http.get(_full_url("burst.ipynb", burst))
        assert again.text == response.text

        # Running the cell again removes the file; a cell that fits keeps none.
        spilled = files.spill_file(server.root / "burst.ipynb", burst)
        assert spilled.is_file()
        await nb.run_and_wait([nb.add_cell("n = 10")])
        await nb.run_and_wait([burst])
        # The removal, queued when the cell ran again, is the writer thread's to do:
        # done once it has caught up (on a loaded machine, maybe after the run's end).
        await notebooks.get("burst.ipynb").spill.flush()
        assert not spilled.exists()
        assert (await http.get(_full_url("burst.ipynb", burst))).status_code == 404


async def test_the_file_goes_with_the_cleared_output_and_the_notebook(small_cap: Server) -> None:
    server = small_cap
    write_notebook(server.root / "c.ipynb")
    folder = files.spill_folder(server.root / "c.ipynb")
    headers = {"Authorization": f"token {server.token}"}
    async with httpx.AsyncClient(base_url=server.url, headers=headers) as http:
        async with server.client("c.ipynb") as nb:
            spill = server.app.state.notebooks.get("c.ipynb").spill
            flood = "for _ in range(3000):\n    print('y' * 99)\n"
            cleared = nb.add_cell(
                f"from IPython.display import clear_output\n{flood}clear_output()\nprint('ok')"
            )
            kept = nb.add_cell(flood)
            await nb.run_and_wait([cleared, kept], within=90)
            await spill.flush()
            # The kernel's clear_output took the file of its cell along.
            assert sorted(p.name for p in folder.iterdir()) == [f"{kept}.txt"]

            # A browser clears the outputs; the next save removes the file.
            with nb.doc.transaction():
                outputs = nb.cell(kept)["outputs"]
                del outputs[0 : len(outputs)]
            start = len(nb.messages)
            await nb.send({"type": "save"})
            await nb.wait_until(
                lambda: any(m["type"] == "save" and not m["dirty"] for m in nb.messages[start:])
            )
            await spill.flush()
            assert list(folder.iterdir()) == []

            await nb.run_and_wait([kept], within=90)
            await spill.flush()
            assert files.spill_file(server.root / "c.ipynb", kept).is_file()
        deleted = await http.delete("/api/contents/c.ipynb")
        assert deleted.status_code == 204
        assert not folder.exists()


async def test_the_route_refuses_strangers_and_paths_outside_the_root(server: Server) -> None:
    write_notebook(server.root / "a.ipynb")
    outside = server.root.parent / "outside.ipynb"
    write_notebook(outside)
    spilled = files.spill_file(outside, "abc")
    spilled.parent.mkdir(parents=True)
    spilled.write_text("secret\n")
    async with httpx.AsyncClient(base_url=server.url) as anonymous:
        response = await anonymous.get(_full_url("a.ipynb", "abc"))
        assert response.status_code in (401, 403)
    headers = {"Authorization": f"token {server.token}"}
    async with httpx.AsyncClient(base_url=server.url, headers=headers) as http:
        for path in ("../outside.ipynb", "%2E%2E/outside.ipynb", "a.ipynb/../../outside.ipynb"):
            response = await http.get(_full_url(path, "abc"))
            assert response.status_code in (403, 404), path
            assert "secret" not in response.text
        assert (await http.get(_full_url("a.ipynb", "abc"))).status_code == 404
        assert (await http.get(_full_url("a.ipynb", "..%2Fx"))).status_code == 404


async def test_a_stream_that_follows_an_unfinished_line_of_the_other_starts_its_own(
    tmp_path: Path,
) -> None:
    """stdout and stderr share the full output's file; a kernel may send one in the
    middle of the other's line (ipykernel does not keep their order)."""
    notebook = tmp_path / "n.ipynb"
    spill = OutputSpill(notebook, hold_chars=10)
    try:
        spill.stream("c", "line 1\nline 2", True, "stdout")  # spills at once: dropped
        spill.stream("c", "to stderr\n", False, "stderr")
        spill.stream("c", "\nline 3\n", False, "stdout")
        spill.stream("c", "part", False, "stdout")
        spill.stream("c", " of one line\n", False, "stdout")
        await spill.flush()
        text = files.spill_file(notebook, "c").read_text()
    finally:
        await spill.close()
    assert text.splitlines() == ["line 1", "line 2", "to stderr", "", "line 3", "part of one line"]
