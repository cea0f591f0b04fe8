"""Exports from the pages: the notebook page's Export menu downloads the notebook as the
server holds it; the file browser exports the selected notebooks as one zip; a PDF
export the server cannot print says why in the page."""

from __future__ import annotations

import io
import zipfile

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output
from playwright.async_api import expect

from tests.server.notebook_server import Server, write_notebook

from .browser import Session
from .conftest import ServerFactory
from .test_tree_page import select, tree

pytestmark = pytest.mark.asyncio(loop_scope="session")


def notebook_with_output(text: str) -> nbformat.NotebookNode:
    nb = new_notebook(
        cells=[
            new_code_cell(
                f"print({text!r})",
                execution_count=1,
                outputs=[new_output("stream", name="stdout", text=text + "\n")],
            )
        ]
    )
    nb.metadata["kernelspec"] = {"name": "notewire", "language": "python", "display_name": "x"}
    return nb


@pytest.mark.timeout(120)
async def test_notebook_page_and_file_browser_export(server: Server, session: Session) -> None:
    nbformat.write(notebook_with_output("first-output"), server.root / "one.ipynb")
    nbformat.write(notebook_with_output("second-output"), server.root / "two.ipynb")
    tab = await session.notebook(server, "one.ipynb")
    page = tab.page

    await page.locator(".nw-export-menu summary").click()
    async with page.expect_download() as waiting:
        await page.locator(".nw-export-menu .nw-export-html").click()
    download = await waiting.value
    assert download.suggested_filename == "one.html"
    html = (await download.path()).read_text()  # type: ignore[union-attr]
    assert "first-output" in html
    assert "KaTeX_Main" in html  # styles and fonts inlined

    browser_tab = await tree(session, server)
    files = browser_tab.page
    await select(files, "one.ipynb")
    await select(files, "two.ipynb", ["Control"])
    await files.locator(".nw-export-menu summary").click()
    async with files.expect_download() as waiting:
        await files.locator(".nw-export-menu .nw-export-html").click()
    download = await waiting.value
    assert download.suggested_filename == "notebooks-html.zip"
    archive = zipfile.ZipFile(io.BytesIO((await download.path()).read_bytes()))  # type: ignore[union-attr]
    assert sorted(archive.namelist()) == ["one.html", "two.html"]
    assert b"second-output" in archive.read("two.html")
    assert tab.errors == [] and browser_tab.errors == []


@pytest.mark.timeout(120)
async def test_pdf_export_without_chromium_says_why(serve: ServerFactory, session: Session) -> None:
    async with serve(chromium="no-such-chromium") as server:
        write_notebook(server.root / "a.ipynb", cells=["1"])
        tab = await session.notebook(server, "a.ipynb")
        await tab.page.locator(".nw-export-menu summary").click()
        await tab.page.locator(".nw-export-menu .nw-export-pdf").click()
        await expect(tab.page.locator(".nw-toast.nw-error")).to_contain_text("no-such-chromium")
        await expect(tab.page.locator(".nw-export-busy")).to_have_count(0)
