"""Exports over HTTP (/api/export): the notebook as the server holds it, unsaved outputs
included; several notebooks as one zip; a login and the root's confinement required;
a PDF export without Chromium refused with a message that says so."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import httpx
import pytest

from notewire.server.session.session import SessionConfig

from .notebook_server import Server, running_server, write_notebook

pytestmark = pytest.mark.timeout(120)


def http(server: Server, *, login: bool = True) -> httpx.AsyncClient:
    headers = {"Authorization": f"token {server.token}"} if login else {}
    return httpx.AsyncClient(base_url=server.url, headers=headers, timeout=60)


async def test_an_open_notebook_exports_its_unsaved_outputs(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "sub").mkdir(parents=True)
    # The cell prints, then runs on: its output is in the document, not in the file.
    source = "print('ran-' + 'here', flush=True)\nimport threading\nthreading.Event().wait()"
    write_notebook(root / "sub" / "a.ipynb", cells=[source])
    write_notebook(root / "b.ipynb", cells=["'second notebook'"])
    # No autosave: what the export shows is only in the server's document.
    never = SessionConfig(autosave_interval=3600)
    async with running_server(root, tmp_path, session=never) as server:
        async with server.client("sub/a.ipynb") as nb:
            [cell] = [str(c["id"]) for c in nb.cells]
            await nb.run([cell])
            await nb.wait_until(lambda: nb.output_text(cell) == "ran-here\n", within=60)
            assert "ran-here" not in (root / "sub" / "a.ipynb").read_text()

            async with http(server) as client:
                res = await client.get("/api/export/html/sub/a.ipynb")
                assert res.status_code == 200, res.text
                assert res.headers["content-type"].startswith("text/html")
                assert res.headers["content-disposition"].startswith(
                    'attachment; filename="a.html"'
                )
                assert "sandbox" in res.headers["content-security-policy"]
                assert "ran-here" in res.text and "<script" in res.text

                script = await client.get("/api/export/script/sub/a.ipynb")
                assert script.status_code == 200
                assert "print('ran-' + 'here', flush=True)" in script.text
                assert 'filename="a.py"' in script.headers["content-disposition"]

                both = await client.get(
                    "/api/export/html", params=[("path", "sub/a.ipynb"), ("path", "b.ipynb")]
                )
                assert both.status_code == 200, both.text
                assert 'filename="notebooks-html.zip"' in both.headers["content-disposition"]
                archive = zipfile.ZipFile(io.BytesIO(both.content))
                assert sorted(archive.namelist()) == ["b.html", "sub/a.html"]
                assert b"ran-here" in archive.read("sub/a.html")


async def test_refusals(server: Server, tmp_path: Path) -> None:
    write_notebook(server.root / "a.ipynb")
    (tmp_path / "outside.ipynb").write_text((server.root / "a.ipynb").read_text())
    (server.root / "notes.txt").write_text("not a notebook")
    async with http(server, login=False) as anonymous:
        assert (await anonymous.get("/api/export/html/a.ipynb")).status_code in (401, 403)
    async with http(server) as client:
        res = await client.get("/api/export/docx/a.ipynb")
        assert res.status_code == 400 and "unknown export format" in res.json()["message"]
        res = await client.get("/api/export/html/..%2Foutside.ipynb")
        assert res.status_code in (403, 404)
        assert (await client.get("/api/export/html/missing.ipynb")).status_code == 404
        assert (await client.get("/api/export/html/notes.txt")).status_code == 400
        assert (await client.get("/api/export/html")).status_code == 400


async def test_pdf_without_chromium_is_a_clear_503(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    write_notebook(root / "a.ipynb")
    async with running_server(root, tmp_path, chromium="no-such-chromium") as server:
        async with http(server) as client:
            res = await client.get("/api/export/pdf/a.ipynb")
    assert res.status_code == 503
    assert "no-such-chromium" in res.json()["message"]
