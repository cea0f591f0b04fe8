"""A notebook page under a base URL (`--base-url /user/alice/`), in Chromium: the tree
page, the notebook, an output frame, a widget frame and a markdown image all load, and
no request the browser makes (the pages, their frames, lazily loaded chunks, fonts,
the socket) leaves the prefix."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import nbformat
import pytest
import pytest_asyncio
from playwright.async_api import Request, expect

from tests.server.notebook_server import Server

from .browser import KERNEL_TIMEOUT_MS, Session
from .conftest import ServerFactory

pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.timeout(120)]

BASE = "/user/alice/"
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
)
HTML = (
    "from IPython.display import HTML\n"
    "HTML(\"<b id='x'>no</b><script>document.getElementById('x').textContent='ran'</script>\")"
)
SLIDER = "import ipywidgets as w\nw.IntSlider(value=3, description='n')"


@pytest_asyncio.fixture(loop_scope="session")
async def prefixed(serve: ServerFactory) -> AsyncIterator[Server]:
    async with serve(base_url=BASE) as running:
        yield running


async def test_a_notebook_under_a_prefix_asks_for_nothing_outside_it(
    prefixed: Server, session: Session
) -> None:
    (prefixed.root / "dot.png").write_bytes(PNG)
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "notewire", "display_name": "notewire"}
    nb.cells = [
        nbformat.v4.new_markdown_cell("![dot](dot.png)"),
        nbformat.v4.new_code_cell(HTML),
        nbformat.v4.new_code_cell(SLIDER),
    ]
    nbformat.write(nb, prefixed.root / "a.ipynb")
    tab = await session.page(prefixed, "tree/")
    requests: list[str] = []

    def record(request: Request) -> None:
        requests.append(request.url)

    tab.page.context.on("request", record)
    tab.page.on("websocket", lambda ws: requests.append(ws.url))
    await expect(tab.page.locator("a", has_text="a.ipynb")).to_be_visible()
    await tab.page.locator("a", has_text="a.ipynb").click()
    await tab.page.wait_for_url(f"**{BASE}notebooks/a.ipynb")
    await tab.connected()
    image = tab.cell(0).locator(".nw-markdown img")
    await expect(image).to_have_js_property("naturalWidth", 1)
    for index in (1, 2):
        await tab.cell(index).click()
        await tab.command_mode()
        await tab.page.keyboard.press("Control+Enter")
    output = tab.cell(1).frame_locator("iframe.nw-frame")
    await expect(output.locator("#x")).to_have_text("ran", timeout=KERNEL_TIMEOUT_MS)
    slider = tab.cell(2).frame_locator("iframe.nw-widget-frame")
    await expect(slider.locator(".widget-readout")).to_have_text("3", timeout=KERNEL_TIMEOUT_MS)

    origin = urlsplit(prefixed.url)
    loaded = [urlsplit(u) for u in requests if not u.startswith(("data:", "blob:", "about:"))]
    outside = [
        u.geturl() for u in loaded if (u.netloc, u.path[: len(BASE)]) != (origin.netloc, BASE)
    ]
    assert outside == []
    paths = {u.path for u in loaded}
    assert f"{BASE}api/notebooks/a.ipynb/ws" in paths  # the socket
    assert any(p.startswith(f"{BASE}static/widget-frame-") for p in paths)
    assert f"{BASE}files/dot.png" in paths
    assert tab.errors == []
