"""Live matplotlib figures on the real notebook page (frontend/src/view/canvas-output.ts):
headless Chromium against the real server and a real kernel.

Cells run through a protocol client on the same notebook (what any browser's Run does);
the page shows the figure and the user's pointer drives it; what the kernel then knows
(axis limits, picks, slider values, figure size) is read back by running a cell.
Every wait is Playwright's auto-waiting or the client's wait on messages, never a sleep.
"""

from __future__ import annotations

import ast
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import Browser, Locator, Page, async_playwright, expect

from notewire.client import NotebookClient
from tests.server.notebook_server import Server, running_server, write_notebook

CHROMIUM = os.environ.get("NOTEWIRE_CHROMIUM", "/usr/bin/chromium")
KERNEL_MS = 30_000
SHOTS = os.environ.get("NOTEWIRE_SHOTS")  # a folder: save screenshots there (for people)

pytestmark = [pytest.mark.timeout(60)]

FIGURE = (
    "%matplotlib notewire\n"
    "import matplotlib.pyplot as plt\n"
    "from matplotlib.widgets import Slider\n"
    "fig, ax = plt.subplots(figsize=(5, 3.5))\n"
    "fig.subplots_adjust(bottom=0.3)\n"
    "line, = ax.plot(range(100), [i % 10 for i in range(100)], picker=True, pickradius=6)\n"
    "picks = []\n"
    "fig.canvas.mpl_connect('pick_event', lambda e: picks.append(int(e.ind[0])))\n"
    "slider = Slider(fig.add_axes([0.2, 0.08, 0.6, 0.06]), 'amp', 0.0, 10.0, valinit=1.0)\n"
    "plt.show()\n"
)
PROBE = (
    "print(repr((tuple(float(v) for v in ax.get_xlim()), picks[:], float(slider.val),"
    " tuple(int(v) for v in fig.get_size_inches() * fig.dpi))))"
)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Browser]:
    if shutil.which(CHROMIUM) is None:
        pytest.fail(f"{CHROMIUM} is missing: ./scripts/test.sh installs Debian's chromium")
    async with async_playwright() as p:
        launched = await p.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield launched
        await launched.close()


class Figure:
    """A notebook with the figure cell and a probe cell, its server, a client, a page."""

    def __init__(self, server: Server, client: NotebookClient, page: Page) -> None:
        self.server, self.client, self.page = server, client, page
        self.figure_cell, self.probe_cell = (c["id"] for c in client.cells)

    @property
    def live(self) -> Locator:
        return self.page.locator(".nw-canvas-output[data-live=true] canvas.nw-canvas-picture")

    async def open(self) -> None:
        await self.page.goto(
            f"{self.server.url}/login?token={self.server.token}&next={quote('/notebooks/fig.ipynb')}"
        )
        await expect(self.page.locator("#app")).to_have_attribute(
            "data-connection", "connected", timeout=KERNEL_MS
        )

    async def show(self) -> None:
        await self.client.run_and_wait([self.figure_cell])
        await expect(self.live).to_be_visible(timeout=KERNEL_MS)
        await self.wait_drawn()

    async def wait_drawn(self) -> None:
        """Waits until the live canvas has a picture (some pixel not transparent)."""
        await self.page.wait_for_function(
            """() => {
              const c = document.querySelector('.nw-canvas-output[data-live=true] canvas');
              if (!c || c.width === 0) return false;
              const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
              for (let i = 3; i < d.length; i += 4 * 97) if (d[i] !== 0) return true;
              return false;
            }""",
            timeout=KERNEL_MS,
        )

    async def probe(self) -> tuple[tuple[float, float], list[int], float, tuple[int, int]]:
        await self.client.run_and_wait([self.probe_cell])
        text = self.client.output_text(self.probe_cell).strip().splitlines()[-1]
        return ast.literal_eval(text)  # type: ignore[no-any-return]

    async def box(self) -> dict[str, float]:
        box = await self.live.bounding_box()
        assert box is not None
        return box

    async def drag(self, x0: float, y0: float, x1: float, y1: float, steps: int = 10) -> None:
        """Drags in the canvas, coordinates as fractions of its size."""
        b = await self.box()
        m = self.page.mouse
        await m.move(b["x"] + x0 * b["width"], b["y"] + y0 * b["height"])
        await m.down()
        await m.move(b["x"] + x1 * b["width"], b["y"] + y1 * b["height"], steps=steps)
        await m.up()

    async def shot(self, name: str) -> None:
        if SHOTS:
            Path(SHOTS).mkdir(parents=True, exist_ok=True)
            await self.page.screenshot(path=Path(SHOTS) / f"{name}.png")


@pytest_asyncio.fixture(loop_scope="module")
async def fig(browser: Browser, tmp_path: Path) -> AsyncIterator[Figure]:
    root = tmp_path / "root"
    root.mkdir()
    write_notebook(root / "fig.ipynb", cells=[FIGURE, PROBE])
    async with running_server(root, tmp_path) as server, server.client("fig.ipynb") as client:
        context = await browser.new_context(viewport={"width": 1100, "height": 900})
        try:
            page = await context.new_page()
            figure = Figure(server, client, page)
            await figure.open()
            yield figure
        finally:
            await context.close()


async def pan_mode(fig: Figure) -> None:
    button = fig.page.locator(".nw-canvas-button-pan")
    await button.click()
    await expect(button).to_have_attribute("aria-pressed", "true")


@pytest.mark.asyncio(loop_scope="module")
async def test_drag_pans_and_the_kernel_sees_the_new_limits(fig: Figure) -> None:
    await fig.show()
    await fig.shot("shown")
    (x0, x1), *_ = await fig.probe()
    await pan_mode(fig)
    await fig.drag(0.6, 0.3, 0.3, 0.3)
    await fig.shot("panned")
    (p0, p1), *_ = await fig.probe()
    assert p0 > x0 + 5 and p1 > x1 + 5  # dragged left: the view moved right
    assert abs((p1 - p0) - (x1 - x0)) < 1e-6  # a pan keeps the span
