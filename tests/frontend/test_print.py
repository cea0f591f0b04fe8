"""Printing the notebook page (Ctrl-P) prints every cell and output, the cells never
scrolled to included, and none of the page's controls."""

from __future__ import annotations

import asyncio
import shutil
from asyncio.subprocess import PIPE

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from tests.server.notebook_server import Server

from .browser import Session

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_print_has_every_cell_and_no_toolbar(server: Server, session: Session) -> None:
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is missing: ./scripts/test.sh installs poppler-utils")
    nb = new_notebook(
        cells=[
            new_code_cell(
                f"print('source-{i}')",
                execution_count=i + 1,
                outputs=[new_output("stream", name="stdout", text=f"printed-{i}\n")],
            )
            for i in range(150)
        ]
    )
    nb.metadata["kernelspec"] = {"name": "notewire", "language": "python", "display_name": "x"}
    nbformat.write(nb, server.root / "long.ipynb")
    tab = await session.notebook(server, "long.ipynb")
    await tab.connected()

    pdf = await tab.page.pdf()

    pdftotext = await asyncio.create_subprocess_exec("pdftotext", "-", "-", stdin=PIPE, stdout=PIPE)
    out, _ = await pdftotext.communicate(pdf)
    text = out.decode()
    for i in (0, 75, 149):
        assert f"source-{i}" in text and f"printed-{i}" in text
    assert "Run ▾" not in text and "Save" not in text and "+ code" not in text
