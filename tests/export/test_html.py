"""An exported HTML file opened in Chromium with every request but the file itself
blocked: nothing is requested, the math is typeset by the inlined KaTeX, images show,
and the widget, table and error are there."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import nbformat
import pytest
from playwright.async_api import Browser, Request, Route, expect

from notewire.export import export_file
from notewire.export.assets import asset

from .notebooks import IMAGE_OUTPUTS, sample_notebook

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def open_offline(
    browser: Browser, html: Path, color_scheme: Literal["light", "dark"] = "light"
) -> tuple[Any, list[str]]:
    """Opens `html` with the network blocked; returns the page and every URL requested."""
    page = await browser.new_page(color_scheme=color_scheme)
    url = html.as_uri()
    requested: list[str] = []

    def on_request(request: Request) -> None:
        if not request.url.startswith("data:"):
            requested.append(request.url)

    async def block(route: Route) -> None:
        if route.request.url == url:
            await route.continue_()
        else:
            await route.abort()

    page.on("request", on_request)
    await page.route("**/*", block)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    await page.goto(url, wait_until="load")
    await expect(page.locator("html")).to_have_attribute("data-nw-math", "done")
    assert errors == []
    return page, requested


async def test_html_is_self_contained_and_renders(tmp_path: Path, browser: Browser) -> None:
    path = tmp_path / "sample.ipynb"
    nbformat.write(sample_notebook(), path)

    made = export_file(path, "html")

    assert made == tmp_path / "sample.html"
    page, requested = await open_offline(browser, made)
    try:
        assert requested == [made.as_uri()]
        # Both pieces of math, inline and display, are KaTeX's markup, not TeX text.
        await expect(page.locator(".jp-RenderedMarkdown .katex")).to_have_count(2)
        await expect(page.locator(".katex-display")).to_have_count(1)
        assert "$" not in await page.locator(".jp-RenderedMarkdown").inner_text()
        # KaTeX's fonts are inlined and load.
        assert await page.evaluate(
            "document.fonts.ready.then(() => document.fonts.check('16px KaTeX_Main'))"
        )
        images = page.locator(".jp-OutputArea-output img")
        await expect(images).to_have_count(IMAGE_OUTPUTS)
        widths = await images.evaluate_all("imgs => imgs.map(i => i.complete && i.naturalWidth)")
        assert widths == [40, 20]
        # What nbconvert's HTMLExporter adds for accessibility is kept.
        await expect(images.first).to_have_attribute("alt", re.compile("."))
        await expect(page.locator(".jp-Cell-inputWrapper").first).to_have_attribute("tabindex", "0")
        await expect(page.locator("table.t td")).to_have_text(["1", "2"])
        await expect(page.locator(".jp-OutputArea-output")).to_contain_text(
            ["ZeroDivisionError: division by zero"]
        )
        # ipywidgets' own slider, drawn from the saved state in place of the static one.
        await expect(page.locator("html")).to_have_attribute("data-nw-widgets", "done")
        slider = page.locator(".nw-widget-live .widget-slider")
        await expect(slider.locator(".widget-label")).to_have_text("speed")
        await expect(slider.locator(".widget-readout")).to_have_text("7")
        await expect(slider.locator("[role=slider]")).to_have_attribute("aria-valuenow", "7.0")
        await expect(page.locator('.nw-widget[data-model="IntSliderModel"]')).to_be_hidden()
    finally:
        await page.close()


async def test_colours_follow_the_readers_light_or_dark_scheme(
    tmp_path: Path, browser: Browser
) -> None:
    path = tmp_path / "sample.ipynb"
    nbformat.write(sample_notebook(), path)
    made = export_file(path, "html")
    # The notebook page's own colours (frontend/src/style/theme.css).
    for scheme, background, code in (
        ("light", "rgb(255, 255, 255)", "rgb(246, 248, 250)"),
        ("dark", "rgb(13, 17, 23)", "rgb(22, 27, 34)"),
    ):
        page, _ = await open_offline(browser, made, scheme)  # type: ignore[arg-type]
        try:
            await expect(page.locator("body")).to_have_css("background-color", background)
            editor = page.locator(".jp-InputArea-editor").first
            await expect(editor).to_have_css("background-color", code)
        finally:
            await page.close()


async def test_no_input_leaves_out_code(tmp_path: Path, browser: Browser) -> None:
    path = tmp_path / "sample.ipynb"
    nbformat.write(sample_notebook(), path)

    made = export_file(path, "html", no_input=True, out=tmp_path / "out.html")

    text = made.read_text()
    assert "show_image()" not in text
    assert "the first cell of the notebook" in text


async def test_plotly_and_vega_render_offline_and_only_when_present(
    tmp_path: Path, browser: Browser
) -> None:
    plain = tmp_path / "plain.ipynb"
    nbformat.write(sample_notebook(), plain)
    plots = sample_notebook()
    plots.cells[2].outputs = [
        nbformat.v4.new_output(
            "display_data",
            data={"application/vnd.plotly.v1+json": {"data": [{"y": [1, 3, 2]}], "layout": {}}},
        ),
        nbformat.v4.new_output(
            "display_data",
            data={
                "application/vnd.vegalite.v5+json": {
                    "data": {"values": [{"a": 1}, {"a": 2}]},
                    "mark": "bar",
                    "encoding": {"x": {"field": "a", "type": "ordinal"}},
                }
            },
        ),
    ]
    path = tmp_path / "plots.ipynb"
    nbformat.write(plots, path)

    small = export_file(plain, "html")
    made = export_file(path, "html")

    for library in ("plotly", "vega"):  # inlined only where used
        code = asset(f"export-{library}.js")[:2000]
        assert code not in small.read_text() and code in made.read_text()
    page, requested = await open_offline(browser, made)
    try:
        await expect(page.locator("html")).to_have_attribute("data-nw-plots", "done")
        assert requested == [made.as_uri()]
        await expect(page.locator(".nw-export-plot .main-svg").first).to_be_visible()
        await expect(
            page.locator(".nw-export-plot svg.marks, .nw-export-plot canvas")
        ).to_have_count(1)
    finally:
        await page.close()
