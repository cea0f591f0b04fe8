"""The truncation marker of a stream past the cap links to the full output the server
kept (session/spill.py): shown in a tab as text, or downloaded."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from notewire.server.notebook.outputs import OutputLimits
from tests.server.notebook_server import write_notebook

from .browser import Session
from .conftest import ServerFactory

pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.timeout(120)]


async def test_the_marker_links_to_the_full_output(serve: ServerFactory, session: Session) -> None:
    async with serve(limits=OutputLimits(max_stream_chars=10_000)) as server:
        write_notebook(server.root / "big.ipynb", cells=["for i in range(5000):\n    print(i)"])
        async with server.client("big.ipynb") as nb:
            cell = str(nb.cells[0]["id"])
            await nb.run_and_wait([cell])
        tab = await session.notebook(server, "big.ipynb")
        marker = tab.cell(0).locator(".nw-stream .nw-dropped")
        await expect(marker).to_contain_text("earlier characters not shown")
        show = marker.get_by_role("link", name="show all")
        download = marker.get_by_role("link", name="download full output")
        await expect(show).to_have_attribute("target", "_blank")
        await expect(download).to_have_attribute("download", "")
        href = await show.get_attribute("href")
        assert href == f"/api/notebooks/big.ipynb/outputs/{cell}/full?view=1"

        # The page's own session (its cookie) gets every line, as plain text.
        async with tab.page.context.expect_page() as opened:
            await show.click()
        shown = await opened.value
        await shown.wait_for_load_state()
        text = await shown.locator("body").inner_text()
        assert text.split() == [str(i) for i in range(5000)]
        response = await tab.page.request.get(f"{server.url}{href}")
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["content-type"] == "text/plain; charset=utf-8"
