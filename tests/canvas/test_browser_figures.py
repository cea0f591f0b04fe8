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
if SHOTS:
    Path(SHOTS).mkdir(parents=True, exist_ok=True)

pytestmark = [pytest.mark.timeout(60)]

FIGURE = (
    "%matplotlib notewire\n"
    "import matplotlib.pyplot as plt\n"
    "from matplotlib.widgets import Slider\n"
    "fig, ax = plt.subplots(figsize=(5, 3.5))\n"
    "fig.subplots_adjust(bottom=0.3)\n"
    "line, = ax.plot(range(100), [i % 10 for i in range(100)], picker=True, pickradius=6)\n"
    "picks = []\n"
    "def on_pick(event):\n"
    "    picks.append(int(event.ind[0]))\n"
    "    print('picked', picks[-1])  # to the figure's cell: a test can wait for it\n"
    "fig.canvas.mpl_connect('pick_event', on_pick)\n"
    "releases = [0]\n"
    "def on_release(event):\n"
    "    releases[0] += 1\n"
    "    print('released', releases[0])  # the end of a drag, for the tests to wait on\n"
    "fig.canvas.mpl_connect('button_release_event', on_release)\n"
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
        released = self.client.output_text(self.figure_cell).count("released")
        await m.move(b["x"] + x0 * b["width"], b["y"] + y0 * b["height"])
        await m.down()
        await m.move(b["x"] + x1 * b["width"], b["y"] + y1 * b["height"], steps=steps)
        await m.up()
        # The page's events reach the kernel over its own socket, a probe over the
        # test's: wait until the kernel has handled the release.
        await self.client.wait_until(
            lambda: self.client.output_text(self.figure_cell).count("released") > released,
            within=KERNEL_MS / 1000,
        )

    async def shot(self, name: str) -> None:
        if SHOTS:
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


@pytest.mark.asyncio(loop_scope="module")
async def test_click_picks_the_line(fig: Figure) -> None:
    await fig.show()
    b = await fig.box()
    # The point (5, 5) of the line: axes span x 0.125-0.9, y 0.3-0.88 of the figure.
    fx = 0.125 + (5 + 4.95) / 108.9 * 0.775
    fy = 1 - (0.3 + (5 + 0.45) / 9.9 * 0.58)
    await fig.page.mouse.click(b["x"] + fx * b["width"], b["y"] + fy * b["height"])
    # The page's events reach the kernel over its own socket, the probe over the test's:
    # wait for the pick itself before asking.
    await fig.client.wait_until(
        lambda: "picked" in fig.client.output_text(fig.figure_cell), within=KERNEL_MS / 1000
    )
    _, picks, _, _ = await fig.probe()
    assert picks and 3 <= picks[0] <= 6


@pytest.mark.asyncio(loop_scope="module")
async def test_slider_follows_the_drag(fig: Figure) -> None:
    await fig.show()
    # Slider axes [0.2, 0.08, 0.6, 0.06]: from its knob at 1.0 to 7.0.
    y = 1 - 0.11
    await fig.drag(0.2 + 0.6 * 0.1, y, 0.2 + 0.6 * 0.7, y)
    _, _, value, _ = await fig.probe()
    assert 6.5 < value < 7.5
    await fig.shot("slider")


@pytest.mark.asyncio(loop_scope="module")
async def test_resize_handle_resizes_the_figure(fig: Figure) -> None:
    await fig.show()
    before = await fig.box()
    grip = await fig.page.locator(".nw-canvas-grip").bounding_box()
    assert grip is not None
    m = fig.page.mouse
    await m.move(grip["x"] + grip["width"] / 2, grip["y"] + grip["height"] / 2)
    await m.down()
    await m.move(grip["x"] + 150, grip["y"] + 100, steps=8)
    await m.up()
    # The kernel's frame at the new size: the canvas's pixels (not the CSS preview) grow.
    await fig.page.wait_for_function(
        "(w) => { const c = document.querySelector('.nw-canvas-output[data-live=true] canvas');"
        " return c.width / devicePixelRatio > w + 50; }",
        arg=before["width"],
        timeout=KERNEL_MS,
    )
    *_, (width, height) = await fig.probe()
    assert width > 550 and height > 380


@pytest.mark.asyncio(loop_scope="module")
async def test_reload_finds_the_figure_live(fig: Figure) -> None:
    await fig.show()
    await fig.page.reload()
    await expect(fig.page.locator("#app")).to_have_attribute("data-connection", "connected")
    await expect(fig.live).to_be_visible()
    await fig.wait_drawn()
    (x0, _), *_ = await fig.probe()
    await pan_mode(fig)
    await fig.drag(0.3, 0.4, 0.6, 0.4)
    (p0, _), *_ = await fig.probe()
    assert p0 < x0 - 5
    await fig.shot("reloaded")


@pytest.mark.asyncio(loop_scope="module")
async def test_without_a_kernel_the_last_image_shows(fig: Figure) -> None:
    await fig.show()
    [first] = [o for o in fig.client.outputs(fig.figure_cell) if o["output_type"] == "display_data"]
    await pan_mode(fig)
    await fig.drag(0.6, 0.5, 0.2, 0.5)

    def stored() -> str | None:
        [out] = [
            o for o in fig.client.outputs(fig.figure_cell) if o["output_type"] == "display_data"
        ]
        png: str = out["data"]["image/png"]
        return png if png != first["data"]["image/png"] else None

    last = await fig.client.wait_until(stored, within=15)
    headers = {"Authorization": f"token {fig.server.token}"}
    async with httpx.AsyncClient(base_url=fig.server.url, headers=headers) as http:
        [kernel] = (await http.get("/api/kernels")).json()
        assert (await http.delete(f"/api/kernels/{kernel['id']}")).status_code in (200, 204)
    # The open page stops the live view (keeping its picture); a reload shows the PNG.
    await expect(fig.page.locator(".nw-canvas-grip")).to_be_hidden(timeout=KERNEL_MS)
    await fig.page.reload()
    image = fig.page.locator(".nw-canvas-output[data-live=false] img")
    await expect(image).to_be_visible(timeout=KERNEL_MS)
    assert await image.get_attribute("src") == "data:image/png;base64," + "".join(last.split())
    assert await image.evaluate("(img) => img.complete && img.naturalWidth > 0")
    await fig.shot("no-kernel")


def page_errors(page: Page) -> list[str]:
    """Collects the page's uncaught errors and console errors from now on."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    page.on(
        "console",
        lambda msg: errors.append(f"console: {msg.text}") if msg.type == "error" else None,
    )
    return errors


async def picture_of(canvas: Locator) -> str:
    """A digest of what a canvas shows now (its pixels, sampled)."""
    return await canvas.evaluate(
        """(c) => {
          const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
          let h = 0;
          for (let i = 0; i < d.length; i += 4 * 13) h = (h * 31 + d[i] + d[i + 1] * 7 + d[i + 2] * 13) >>> 0;
          return `${c.width}x${c.height}:${h}`;
        }"""
    )


async def until_picture_changes(canvas: Locator, before: str) -> None:
    await canvas.evaluate(
        """(c, before) => new Promise((resolve) => {
          const digest = () => {
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let h = 0;
            for (let i = 0; i < d.length; i += 4 * 13) h = (h * 31 + d[i] + d[i + 1] * 7 + d[i + 2] * 13) >>> 0;
            return `${c.width}x${c.height}:${h}`;
          };
          // Frames are drawn in animation frames: look once per frame, until it differs.
          const look = () => (digest() !== before ? resolve(true) : requestAnimationFrame(look));
          look();
        })""",
        before,
        timeout=KERNEL_MS,
    )


@pytest.mark.asyncio(loop_scope="module")
async def test_print_in_a_click_handler_shows_in_the_figure_cell(fig: Figure) -> None:
    await fig.show()
    handler = fig.client.add_cell(
        "fig.canvas.mpl_connect('button_press_event', lambda e: print('clicked', e.button))"
    )
    await fig.client.run_and_wait([handler])
    b = await fig.box()
    await fig.page.mouse.click(b["x"] + 0.5 * b["width"], b["y"] + 0.4 * b["height"])
    # The handler was connected by another cell; the figure's cell gets what it prints.
    await fig.client.wait_until(lambda: "clicked 1" in fig.client.output_text(fig.figure_cell))
    cell = fig.page.locator(f".nw-cell[data-id='{fig.figure_cell}'] .nw-stream")
    await expect(cell).to_contain_text("clicked 1", timeout=KERNEL_MS)
    assert "clicked" not in fig.client.output_text(handler)


@pytest.mark.asyncio(loop_scope="module")
async def test_kernel_restart_stops_the_view_and_running_the_cell_again_makes_it_live(
    fig: Figure,
) -> None:
    errors = page_errors(fig.page)
    await fig.show()
    shown = await picture_of(fig.live)
    await pan_mode(fig)
    await fig.drag(0.6, 0.5, 0.3, 0.5)
    await until_picture_changes(fig.live, shown)
    headers = {"Authorization": f"token {fig.server.token}"}
    async with httpx.AsyncClient(base_url=fig.server.url, headers=headers) as http:
        [kernel] = (await http.get("/api/kernels")).json()
        restarted = await http.post(
            f"/api/kernels/{kernel['id']}/restart", timeout=KERNEL_MS / 1000
        )
        assert restarted.status_code == 200, restarted.text
    # The view stops being live: no grip, no close button, buttons disabled; the picture stays.
    view = fig.page.locator(".nw-canvas-output[data-live=true]")
    await expect(view.locator(".nw-canvas-grip")).to_be_hidden(timeout=KERNEL_MS)
    await expect(view.locator(".nw-canvas-close")).to_be_hidden()
    await expect(view.locator(".nw-canvas-button-pan")).to_be_disabled()
    # (the panned picture, not the output's stored image from before the pan)
    assert await picture_of(fig.live) != shown
    await fig.wait_drawn()
    # Running the cell again shows a new live figure that pans in the new kernel.
    await fig.show()
    await expect(fig.live).to_have_count(1)
    await expect(fig.page.locator(".nw-canvas-grip")).to_be_visible()
    (x0, _), *_ = await fig.probe()
    await pan_mode(fig)
    await fig.drag(0.3, 0.5, 0.6, 0.5)
    (p0, _), *_ = await fig.probe()
    assert p0 < x0 - 5
    assert errors == []


@pytest.mark.asyncio(loop_scope="module")
async def test_two_tabs_show_the_figure_and_a_pan_in_one_updates_the_other(
    fig: Figure, browser: Browser
) -> None:
    errors = page_errors(fig.page)
    await fig.show()
    other_context = await browser.new_context(viewport={"width": 1100, "height": 900})
    try:
        other = Figure(fig.server, fig.client, await other_context.new_page())
        errors += page_errors(other.page)
        await other.open()
        await expect(other.live).to_be_visible(timeout=KERNEL_MS)
        await other.wait_drawn()
        before = await picture_of(other.live)
        (x0, _), *_ = await fig.probe()
        await pan_mode(fig)  # in the first tab only
        await fig.drag(0.6, 0.5, 0.3, 0.5)
        await until_picture_changes(other.live, before)
        (p0, _), *_ = await fig.probe()
        assert p0 > x0 + 5
        # ... and the other way round: the second tab's toolbar state is shared too.
        await expect(other.page.locator(".nw-canvas-button-pan")).to_have_attribute(
            "aria-pressed", "true"
        )
        before = await picture_of(fig.live)
        await other.drag(0.3, 0.5, 0.6, 0.5)
        await until_picture_changes(fig.live, before)
        (q0, _), *_ = await fig.probe()
        assert q0 < p0 - 5
    finally:
        await other_context.close()
    assert errors == []


@pytest.mark.asyncio(loop_scope="module")
async def test_the_same_figure_shown_twice_is_one_figure(fig: Figure) -> None:
    await fig.show()
    again = fig.client.add_cell("display(fig)")
    await fig.client.run_and_wait([again])
    views = fig.page.locator(".nw-canvas-output[data-live=true] canvas.nw-canvas-picture")
    await expect(views).to_have_count(2, timeout=KERNEL_MS)
    first, second = views.nth(0), views.nth(1)
    await second.scroll_into_view_if_needed()
    (x0, _), *_ = await fig.probe()
    before = await picture_of(second)
    await first.scroll_into_view_if_needed()
    pan = fig.page.locator(".nw-canvas-button-pan")
    await pan.first.click()
    await expect(pan.nth(1)).to_have_attribute("aria-pressed", "true")  # the state is shared
    b = await first.bounding_box()
    assert b is not None
    await fig.page.mouse.move(b["x"] + 0.6 * b["width"], b["y"] + 0.5 * b["height"])
    await fig.page.mouse.down()
    await fig.page.mouse.move(b["x"] + 0.3 * b["width"], b["y"] + 0.5 * b["height"], steps=10)
    await fig.page.mouse.up()
    (p0, _), *_ = await fig.probe()
    assert p0 > x0 + 5
    await second.scroll_into_view_if_needed()
    await until_picture_changes(second, before)  # a view that comes into sight is current

    # Both outputs carry the canvas's display_id: the stored picture follows in both.
    def stored() -> tuple[str, str] | None:
        pngs = [
            out["data"]["image/png"]
            for cell in (fig.figure_cell, again)
            for out in fig.client.outputs(cell)
            if out["output_type"] == "display_data"
        ]
        return (pngs[0], pngs[1]) if len(pngs) == 2 and pngs[0] == pngs[1] else None

    await fig.client.wait_until(stored, within=15)
    # Closing it in one view closes the figure: both views stop.
    await fig.page.locator(".nw-canvas-close").first.click()
    # (each keeps its picture: the stopped view, or the stored image if re-rendered)
    await expect(fig.page.locator(".nw-canvas-grip:visible")).to_have_count(0, timeout=KERNEL_MS)
    await expect(fig.page.locator(".nw-canvas-output")).to_have_count(2)
