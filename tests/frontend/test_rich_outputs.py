"""Charts and remote media in Chromium against the real server and kernel: Plotly and
Altair (Vega-Lite) drawn by their own libraries inside the sandboxed output frame, with
nothing loaded from anywhere but the server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

import nbformat
import pytest
from playwright.async_api import Route, expect

from tests.server.notebook_server import Server, write_notebook

from .browser import KERNEL_TIMEOUT_MS, Session, Tab

pytestmark = pytest.mark.asyncio(loop_scope="session")

PLOTLY = """\
import plotly.graph_objects as go
import plotly.io as pio
pio.renderers.default = "plotly_mimetype"  # what plotly picks under ipykernel
go.Figure(go.Scatter(x=[1, 2, 3], y=[4, 1, 2], mode="lines+markers")).show()
"""

ALTAIR = """\
import altair as alt
alt.renderers.enable("mimetype")  # JupyterLab's renderer: the Vega-Lite mime type
data = alt.Data(values=[{"a": "x", "b": 1}, {"a": "y", "b": 3}, {"a": "z", "b": 2}])
alt.Chart(data).mark_bar().encode(x="a:N", y="b:Q")
"""


@asynccontextmanager
async def local_only(tab: Tab) -> AsyncIterator[list[str]]:
    """Refuses every request that would leave 127.0.0.1; yields the list of them."""
    refused: list[str] = []

    async def handle(route: Route) -> None:
        url = route.request.url
        if urlsplit(url).hostname == "127.0.0.1" or url.startswith(("data:", "blob:")):
            await route.continue_()
        else:
            refused.append(url)
            await route.abort()

    await tab.page.route("**/*", handle)
    try:
        yield refused
    finally:
        await tab.page.unroute_all(behavior="ignoreErrors")


async def test_plotly_and_altair_draw_in_the_sandboxed_frame(
    server: Server, session: Session
) -> None:
    write_notebook(server.root / "charts.ipynb", cells=[PLOTLY, ALTAIR])
    tab = await session.notebook(server, "charts.ipynb")
    async with local_only(tab) as refused:
        page = tab.page
        await page.keyboard.press("Shift+Enter")
        await page.keyboard.press("Shift+Enter")

        plot = tab.cell(0).frame_locator("iframe.nw-frame")
        await expect(plot.locator(".js-plotly-plot .main-svg").first).to_be_visible(
            timeout=KERNEL_TIMEOUT_MS
        )
        # The figure fills the output's width, and the frame is as tall as the figure.
        frame_box = await tab.cell(0).locator("iframe.nw-frame").bounding_box()
        plot_box = await plot.locator(".js-plotly-plot").bounding_box()
        assert frame_box is not None and plot_box is not None
        assert abs(plot_box["width"] - frame_box["width"]) < 2
        assert frame_box["height"] >= plot_box["height"] > 300
        # Interactive: the mouse over a point shows its label (plotly listens on the plot
        # area; the points themselves take no pointer events).
        await tab.cell(0).locator("iframe.nw-frame").scroll_into_view_if_needed(timeout=5000)
        point = await plot.locator(".scatterlayer .point").nth(1).bounding_box(timeout=5000)
        assert point is not None
        await page.mouse.move(point["x"] - 40, point["y"] - 40)
        await page.mouse.move(
            point["x"] + point["width"] / 2, point["y"] + point["height"] / 2, steps=8
        )
        await expect(plot.locator(".hoverlayer .hovertext")).to_have_count(1)

        chart = tab.cell(1).frame_locator("iframe.nw-frame")
        await expect(chart.locator(".vega-embed svg.marks .mark-rect path")).to_have_count(
            3, timeout=KERNEL_TIMEOUT_MS
        )

        # Each frame is an opaque origin; the page itself never loaded a chart library.
        inner = [f for f in page.frames if f.parent_frame is not None]
        assert len(inner) == 2
        assert [await f.evaluate("origin") for f in inner] == ["null", "null"]
        assert not await page.evaluate("'Plotly' in window || 'vega' in window")
        assert refused == []
        assert tab.errors == []


async def test_charts_of_an_untrusted_notebook_draw_too(server: Server, session: Session) -> None:
    figure = {"data": [{"type": "bar", "x": ["a", "b"], "y": [1, 2]}], "layout": {}}
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "fig",
            outputs=[
                nbformat.v4.new_output(
                    "display_data",
                    {"application/vnd.plotly.v1+json": figure, "text/plain": "Figure"},
                )
            ],
        )
    ]
    (server.root / "foreign.ipynb").write_text(nbformat.writes(nb))
    tab = await session.notebook(server, "foreign.ipynb")
    async with local_only(tab) as refused:
        await expect(tab.page.locator(".nw-trust")).to_be_visible()
        plot = tab.cell(0).frame_locator("iframe.nw-frame")
        await expect(plot.locator(".barlayer .point")).to_have_count(2, timeout=KERNEL_TIMEOUT_MS)
        assert refused == []
        assert tab.errors == []
