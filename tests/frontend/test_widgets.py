"""Jupyter widgets in Chromium against the real server and kernel (issue 11): each widget
view renders in its own sandboxed frame (/static/widgets.html), driven by ipywidgets'
own JavaScript, and talks to the kernel through the page."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import FrameLocator, expect

from tests.server.notebook_server import Server, write_notebook

from .browser import KERNEL_TIMEOUT_MS, Session, Tab

pytestmark = pytest.mark.asyncio(loop_scope="session")


def widget(tab: Tab, cell: int, nth: int = 0) -> FrameLocator:
    return tab.cell(cell).frame_locator("iframe.nw-widget-frame").nth(nth)


async def run_cell(tab: Tab, index: int) -> None:
    await tab.cell(index).click()
    await tab.command_mode()
    await tab.page.keyboard.press("Control+Enter")


async def test_an_int_slider_renders_and_moving_it_changes_the_kernel_value(
    server: Server, session: Session
) -> None:
    write_notebook(
        server.root / "slider.ipynb",
        cells=[
            "import ipywidgets as w\ns = w.IntSlider(value=3, max=10, description='n')\ns",
            "print('value', s.value)",
        ],
    )
    tab = await session.notebook(server, "slider.ipynb")
    await run_cell(tab, 0)
    frame = widget(tab, 0)
    await expect(frame.locator(".widget-readout")).to_have_text("3", timeout=KERNEL_TIMEOUT_MS)
    await expect(frame.locator(".widget-label")).to_have_text("n")
    # The keyboard moves noUiSlider's handle, as a user would.
    handle = frame.locator(".noUi-handle")
    await handle.focus()
    for _ in range(4):
        await handle.press("ArrowRight")
    await expect(frame.locator(".widget-readout")).to_have_text("7")
    await run_cell(tab, 1)
    await expect(tab.cell(1).locator(".nw-stream")).to_have_text(
        "value 7", timeout=KERNEL_TIMEOUT_MS
    )
    assert tab.errors == []
