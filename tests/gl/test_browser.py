"""Plots drawn in the page with WebGL (frontend/src/gl/, view/gl-output.ts): headless
Chromium (SwiftShader renders WebGL2 in software) against the real server and a real
kernel. One server, one notebook and one page for the module; the tests run in order
and each leaves the notebook as the next expects (the plot live, panned or not).

The page's own socket is watched (Playwright's frame events): what it sends the kernel
is counted exactly, so "no kernel traffic during a gesture" is observed, not inferred.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
from collections.abc import AsyncIterator
from urllib.parse import quote

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import Browser, Locator, Page, WebSocket, async_playwright, expect

from notewire.client import NotebookClient
from tests.server.notebook_server import Server, running_server, write_notebook

CHROMIUM = os.environ.get("NOTEWIRE_CHROMIUM", "/usr/bin/chromium")
LIMIT_MS = 30_000

pytestmark = [pytest.mark.timeout(90), pytest.mark.asyncio(loop_scope="module")]

PLOT = (
    "import notewire.gl as gl\n"
    "p = gl.scatter([0.0, 1.0], [0.0, 1.0], size=14)\n"
    "picks = []\n"
    "p.on_pick(lambda e: picks.append((e['index'], round(e['x'], 6), round(e['y'], 6))))\n"
    "p"
)
MANY = (
    "import numpy as np\n"
    "from IPython.display import display\n"
    "rng = np.random.default_rng(1)\n"
    "for i in range(20):\n"
    "    display(gl.scatter(rng.random(2000), rng.random(2000), width=260, height=160, size=4))\n"
)
PROBE = "print(repr(picks))"
BLUE = (0x1F, 0x77, 0xB4)  # matplotlib's first colour


class Sent:
    """Comm messages the page sends (its socket's frames), in order."""

    def __init__(self) -> None:
        self.messages: list[dict[str, object]] = []
        self.hello: bytes | str | None = None

    def attach(self, ws: WebSocket) -> None:
        ws.on("framesent", self._sent)
        ws.on("framereceived", self._received)

    def _received(self, payload: bytes | str) -> None:
        body = _json_of(payload)
        if body is not None and body.get("type") == "hello":
            self.hello = payload

    def _sent(self, payload: bytes | str) -> None:
        body = _json_of(payload)
        if body is not None and body.get("type") == "comm_msg":
            data = body.get("content", {}).get("data", {})  # type: ignore[union-attr]
            self.messages.append(data)

    def kinds(self) -> list[str]:
        return [str(m.get("type")) for m in self.messages]


def _json_of(payload: bytes | str) -> dict[str, object] | None:
    if isinstance(payload, str):
        return json.loads(payload) if payload.startswith("{") else None
    if payload[:1] != b"\x02":
        return None
    count = int.from_bytes(payload[1:5], "big")
    lengths = [int.from_bytes(payload[5 + 4 * i : 9 + 4 * i], "big") for i in range(count)]
    return json.loads(payload[5 + 4 * count : len(payload) - sum(lengths)])


class Page_:
    def __init__(self, server: Server, client: NotebookClient, page: Page) -> None:
        self.server, self.client, self.page = server, client, page
        self.plot_cell, self.many_cell, self.probe_cell = (c["id"] for c in client.cells)
        self.sent = Sent()
        page.on("websocket", self.sent.attach)

    @property
    def plot(self) -> Locator:
        return self.page.locator(f'.nw-cell[data-id="{self.plot_cell}"] .nw-gl-output').first

    async def open(self) -> None:
        url = (
            f"{self.server.url}/login?token={self.server.token}&next={quote('/notebooks/gl.ipynb')}"
        )
        await self.page.goto(url)
        await expect(self.page.locator("#app")).to_have_attribute(
            "data-connection", "connected", timeout=LIMIT_MS
        )

    async def drawn(self, output: Locator, frames: int = 1) -> None:
        await output.locator("canvas.nw-gl-canvas").wait_for(timeout=LIMIT_MS)
        await output.evaluate(
            "(el, n) => new Promise((resolve) => { const t = () => Number(el.dataset.frames || 0) >= n"
            " ? resolve() : requestAnimationFrame(t); t(); })",
            frames,
        )

    async def pixel_at(self, output: Locator, fx: float, fy: float) -> tuple[int, int, int]:
        """The colour drawn where data (fx, fy) of the home view [-0.05, 1.05] lands."""
        return tuple(
            await output.evaluate(
                """(el, [fx, fy]) => {
                  const [x, y, w, h] = el.dataset.area.split(',').map(Number);
                  const c = el.querySelector('canvas'); const r = c.width / parseFloat(c.style.width);
                  const px = Math.round((x + (fx + 0.05) / 1.1 * w) * r);
                  const py = Math.round((y + h - (fy + 0.05) / 1.1 * h) * r);
                  return Array.from(c.getContext('2d').getImageData(px, py, 1, 1).data.slice(0, 3));
                }""",
                [fx, fy],
            )
        )  # type: ignore[return-value]

    async def point(self, output: Locator, fx: float, fy: float) -> tuple[float, float]:
        box = await output.locator("canvas").bounding_box()
        area = [float(v) for v in (await output.get_attribute("data-area") or "").split(",")]
        assert box is not None and len(area) == 4
        x, y, w, h = area
        return box["x"] + x + (fx + 0.05) / 1.1 * w, box["y"] + y + h - (fy + 0.05) / 1.1 * h


def near(colour: tuple[int, int, int], want: tuple[int, int, int]) -> bool:
    return all(abs(a - b) <= 24 for a, b in zip(colour, want, strict=True))


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Browser]:
    if shutil.which(CHROMIUM) is None:
        pytest.fail(f"{CHROMIUM} is missing")
    async with async_playwright() as p:
        launched = await p.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield launched
        await launched.close()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def nb(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Page_]:
    tmp = tmp_path_factory.mktemp("gl")
    root = tmp / "root"
    root.mkdir()
    write_notebook(root / "gl.ipynb", cells=[PLOT, MANY, PROBE])
    async with running_server(root, tmp) as server, server.client("gl.ipynb") as client:
        context = await browser.new_context(viewport={"width": 1000, "height": 800})
        # Count the WebGL contexts the page makes (one for every plot).
        await context.add_init_script(
            "window.__glContexts = 0; const get = HTMLCanvasElement.prototype.getContext;"
            "HTMLCanvasElement.prototype.getContext = function (kind, ...rest) {"
            " if (kind === 'webgl2' || kind === 'webgl') window.__glContexts++;"
            " return get.call(this, kind, ...rest); };"
        )
        try:
            page = Page_(server, client, await context.new_page())
            await page.open()
            await client.run_and_wait([page.plot_cell])
            await page.drawn(page.plot)
            yield page
        finally:
            await context.close()


async def test_points_land_where_their_data_says_and_a_drag_and_wheel_reach_the_kernel_once(
    nb: Page_,
) -> None:
    plot = nb.plot
    assert near(await nb.pixel_at(plot, 0.0, 0.0), BLUE)
    assert near(await nb.pixel_at(plot, 1.0, 1.0), BLUE)
    assert not near(await nb.pixel_at(plot, 0.5, 0.5), BLUE)
    # The first draw sent the output its picture; from here on, count.
    await nb.client.wait_until(lambda: "image/png" in _display(nb)["data"], within=30)
    before = len(nb.sent.messages)
    x0, y0 = await nb.point(plot, 0.5, 0.5)
    area_w = float((await plot.get_attribute("data-area") or "0,0,1,1").split(",")[2])
    mouse = nb.page.mouse
    await mouse.move(x0, y0)
    await mouse.down()
    await mouse.move(x0 + area_w * 0.25, y0, steps=12)  # a quarter of the width right
    await mouse.up()
    for _ in range(10):  # ten notches in, then ten out: the view ends where the drag left it
        await mouse.wheel(0, -100)
    for _ in range(10):
        await mouse.wheel(0, 100)
    during = nb.sent.kinds()[before:]
    assert during == [], f"the page sent the kernel {during} during the gesture"
    await nb.client.wait_until(lambda: "view" in nb.sent.kinds()[before:], within=30)
    assert nb.sent.kinds()[before:] == ["view"]
    view = nb.sent.messages[-1]
    assert view["x"][0] == pytest.approx(-0.05 - 0.275, abs=0.02)  # type: ignore[index]
    # The points moved with the data: (0, 0) is now a quarter of the width right.
    await nb.drawn(plot)
    assert near(await nb.pixel_at(plot, 0.275, 0.0), BLUE)
    assert not near(await nb.pixel_at(plot, 0.0, 0.0), BLUE)


async def test_a_picked_point_reaches_the_python_callback(nb: Page_) -> None:
    x, y = await nb.point(nb.plot, 0.275, 0.0)  # where (0, 0) is after the pan
    await nb.page.mouse.click(x, y)
    await nb.client.wait_until(lambda: "pick" in nb.sent.kinds(), within=30)

    async def picked() -> list[tuple[int, float, float]]:
        await nb.client.run_and_wait([nb.probe_cell])
        return ast.literal_eval(nb.client.output_text(nb.probe_cell).strip().splitlines()[-1])

    assert await picked() == [(0, 0.0, 0.0)]


def _display(nb: Page_) -> dict[str, object]:
    [out] = [o for o in nb.client.outputs(nb.plot_cell) if o["output_type"] == "display_data"]
    return out


async def test_twenty_plots_all_draw_on_one_context(nb: Page_) -> None:
    await nb.client.run_and_wait([nb.many_cell])
    outputs = nb.page.locator(f'.nw-cell[data-id="{nb.many_cell}"] .nw-gl-output')
    await expect(outputs).to_have_count(20, timeout=LIMIT_MS)
    for i in range(20):
        one = outputs.nth(i)
        await one.scroll_into_view_if_needed()
        await nb.drawn(one)
        blue = await one.evaluate(
            """(el) => { const c = el.querySelector('canvas');
              const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;
              for (let i = 0; i < d.length; i += 4) if (d[i] < 80 && d[i + 2] > 140) n++; return n; }"""
        )
        assert blue > 200, f"plot {i} drew {blue} blue pixels"
    assert await nb.page.evaluate("window.__glContexts") == 1


async def test_reload_gets_the_scene_from_the_server_without_a_kernel_request(nb: Page_) -> None:
    before = len(nb.sent.messages)
    nb.sent.hello = None
    await nb.page.reload()
    await expect(nb.page.locator("#app")).to_have_attribute(
        "data-connection", "connected", timeout=LIMIT_MS
    )
    await nb.plot.scroll_into_view_if_needed()
    await nb.drawn(nb.plot)
    assert (await nb.plot.get_attribute("data-live")) == "true"
    assert near(await nb.pixel_at(nb.plot, 0.0, 0.0), BLUE)  # the scene is back, at home
    hello = nb.sent.hello
    assert isinstance(hello, bytes) and hello[:1] == b"\x02"  # its buffers binary
    assert nb.sent.kinds()[before:] == []


async def test_without_a_kernel_the_saved_notebook_shows_the_last_view(nb: Page_) -> None:
    await nb.client.wait_until(lambda: "image/png" in _display(nb)["data"], within=30)  # type: ignore[operator]
    stored = "".join(str(_display(nb)["data"]["image/png"]).split())  # type: ignore[index]

    async def saved_png() -> str:
        nbfile = await nb.server.saved("gl.ipynb")
        [out] = [o for o in nbfile.cells[0].outputs if o.output_type == "display_data"]
        return "".join(out.data.get("image/png", "").split())

    after = len(nb.client.messages)
    await nb.client.send({"type": "save", "checkpoint": True})  # answered even if clean
    await nb.client.next_message("save", after=after)
    headers = {"Authorization": f"token {nb.server.token}"}
    async with httpx.AsyncClient(base_url=nb.server.url, headers=headers) as http:
        [kernel] = (await http.get("/api/kernels")).json()
        assert (await http.delete(f"/api/kernels/{kernel['id']}")).status_code in (200, 204)
    await nb.page.reload()
    await expect(nb.page.locator("#app")).to_have_attribute(
        "data-connection", "connected", timeout=LIMIT_MS
    )
    await expect(nb.plot).to_have_attribute("data-live", "kept", timeout=LIMIT_MS)
    await nb.drawn(nb.plot)  # interactive from the data kept in the notebook
    assert near(await nb.pixel_at(nb.plot, 0.0, 0.0), BLUE)
    assert await saved_png() == stored
