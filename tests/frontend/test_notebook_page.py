"""The notebook page in Chromium against the real server and kernel: creating, typing,
running, markdown and math, completion and inspection, interrupting, images."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from tests.server.notebook_server import Server, write_notebook

from .browser import KERNEL_TIMEOUT_MS, Session

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_create_a_notebook_type_run_and_see_the_output(
    server: Server, session: Session
) -> None:
    tab = await session.page(server, "/tree/")
    page = tab.page
    await page.get_by_role("button", name="New notebook").click()
    await page.wait_for_url(re.compile(r"/notebooks/Untitled\.ipynb$"))
    await tab.connected()
    # A new notebook starts with one empty code cell, in command mode.
    await expect(tab.cells).to_have_count(1)
    await expect(tab.cell(0)).to_have_class(re.compile(r"\bnw-active\b"))
    await page.keyboard.press("Enter")
    await tab.edit_mode()
    await page.keyboard.type("x = 6 * 7\nprint(f'answer={x}')")
    await page.keyboard.press("Shift+Enter")
    await expect(tab.cell(0).locator(".nw-stream")).to_have_text(
        "answer=42", timeout=KERNEL_TIMEOUT_MS
    )
    await expect(tab.cell(0).locator(".nw-prompt")).to_have_text("[1]")
    # Shift-Enter on the last cell adds a new one and edits it.
    await expect(tab.cells).to_have_count(2)
    await expect(tab.cell(1).locator(".cm-editor")).to_have_class(re.compile(r"\bcm-focused\b"))
    await page.keyboard.type("x + 1")
    await page.keyboard.press("Control+Enter")
    await expect(tab.cell(1).locator(".nw-execute_result")).to_have_text(
        "43", timeout=KERNEL_TIMEOUT_MS
    )
    assert await tab.sources() == ["x = 6 * 7\nprint(f'answer={x}')", "x + 1"]
    # The trust bar is for notebooks with foreign outputs, not for a new one.
    await expect(page.locator(".nw-trust")).to_be_hidden()
    # The file is on disk, with the outputs (autosave).
    await expect(page.locator(".nw-save")).to_have_attribute("data-dirty", "false")
    saved = await server.saved("Untitled.ipynb")
    assert saved.cells[0].outputs[0].text == "answer=42\n"
    assert tab.errors == []


async def test_markdown_and_math_render(server: Server, session: Session) -> None:
    write_notebook(server.root / "md.ipynb", cells=["1"])
    tab = await session.notebook(server, "md.ipynb")
    page = tab.page
    await expect(tab.cell(0)).to_have_class(re.compile(r"\bnw-active\b"))
    await page.keyboard.press("b")  # a new cell below, in command mode
    await expect(tab.cells).to_have_count(2)
    await page.keyboard.press("m")
    await expect(tab.cell(1)).to_have_attribute("data-type", "markdown")
    await page.keyboard.press("Enter")
    await tab.edit_mode()
    await page.keyboard.type(
        "# A *title*\n\nEuler: $e^{i\\pi} + 1 = 0$, and a_b_c stays.\n\n$$\\int_0^1 x^2\\,dx = \\frac{1}{3}$$\n\n<b>bold</b><script>window.mdran=1</script>"
    )
    await page.keyboard.press("Shift+Enter")
    md = tab.cell(1).locator(".nw-markdown")
    await expect(md.locator("h1")).to_have_text("A title")
    await expect(md.locator("h1 em")).to_have_text("title")
    await expect(md.locator(".katex")).to_have_count(2)
    await expect(md.locator(".nw-math-display .katex-display")).to_have_count(1)
    await expect(md.locator("b")).to_have_text("bold")
    assert "a_b_c stays" in await md.inner_text()
    assert await page.evaluate("window.mdran") is None
    # Shift-Enter went on to a new cell; back up (K) to the rendered one, and Enter
    # shows its source again.
    await expect(tab.cells).to_have_count(3)
    await tab.command_mode()
    await page.keyboard.press("k")
    await expect(tab.cell(1)).to_have_class(re.compile(r"\bnw-active\b"))
    await page.keyboard.press("Enter")
    await expect(tab.cell(1).locator(".cm-editor")).to_be_visible()
    await expect(tab.cell(1).locator(".nw-markdown")).to_have_count(0)
    assert tab.errors == []


async def test_completion_popup_and_inspect_tooltip(server: Server, session: Session) -> None:
    write_notebook(
        server.root / "help.ipynb", cells=["import collections\nvalue_one = 1\nvalue_two = 2"]
    )
    tab = await session.notebook(server, "help.ipynb")
    page = tab.page
    await page.keyboard.press("Shift+Enter")
    await expect(tab.cell(0).locator(".nw-prompt")).to_have_text("[1]", timeout=KERNEL_TIMEOUT_MS)
    await tab.edit_mode()
    await page.keyboard.type("value_")
    await page.keyboard.press("Tab")
    popup = page.locator(".cm-tooltip-autocomplete")
    await expect(popup).to_be_visible(timeout=KERNEL_TIMEOUT_MS)
    await expect(popup.locator("li")).to_have_count(2)
    await expect(popup).to_contain_text("value_one")
    # (A click: CodeMirror ignores keys for 75 ms after the popup opens, by design.)
    await popup.locator("li", has_text="value_two").click()
    await expect(popup).to_be_hidden()
    assert (await tab.sources())[1] == "value_two"
    # Shift-Tab inside a call: the signature and docstring.
    await page.keyboard.press("Control+a")
    await page.keyboard.type("collections.OrderedDict(")
    await page.keyboard.press("Shift+Tab")
    tooltip = page.locator(".nw-inspect")
    await expect(tooltip).to_be_visible(timeout=KERNEL_TIMEOUT_MS)
    await expect(tooltip).to_contain_text("OrderedDict")
    # Esc closes the tooltip and stays in edit mode; a second Esc leaves it.
    await page.keyboard.press("Escape")
    await expect(tooltip).to_be_hidden()
    await tab.edit_mode()
    await tab.command_mode()
    assert tab.errors == []


ENDLESS_ANIMATIONS = """() => document.getAnimations()
    .filter((a) => a.playState === 'running' && a.effect.getTiming().iterations === Infinity)
    .map((a) => a.animationName || a.id || 'unnamed')"""
CURSOR_LAYER = ".nw-cell:nth-child({n}) .cm-cursorLayer"
CURSOR_HIDDEN = "(s) => document.querySelector(s)?.style.visibility === 'hidden'"
CURSOR_SHOWN = "(s) => document.querySelector(s)?.style.visibility === ''"


async def test_the_cursor_blinks_without_an_endless_animation(
    server: Server, session: Session
) -> None:
    """A focused editor's cursor blinks, but no endless animation runs: one would make
    Chromium draw a frame at every display refresh, and every keystroke wait for it."""
    write_notebook(server.root / "blink.ipynb", cells=["first = 1", "second = 2"])
    tab = await session.notebook(server, "blink.ipynb")
    page = tab.page
    await tab.type_in_cell(0, "0")
    await tab.edit_mode()
    assert await page.evaluate(ENDLESS_ANIMATIONS) == []
    first, second = CURSOR_LAYER.format(n=1), CURSOR_LAYER.format(n=2)
    await page.wait_for_function(CURSOR_HIDDEN, arg=first)
    await page.wait_for_function(CURSOR_SHOWN, arg=first)
    # The focus moves on: the first cursor is left shown, the second one blinks.
    await page.wait_for_function(CURSOR_HIDDEN, arg=first)
    await tab.type_in_cell(1, "0")
    await page.wait_for_function(CURSOR_SHOWN, arg=first)
    await page.wait_for_function(CURSOR_HIDDEN, arg=second)
    assert await page.evaluate(ENDLESS_ANIMATIONS) == []
    assert await tab.sources() == ["first = 10", "second = 20"]
    assert tab.errors == []


async def test_interrupt_a_sleeping_loop_with_i_i(server: Server, session: Session) -> None:
    write_notebook(
        server.root / "loop.ipynb",
        cells=[
            "import time\nfor i in range(600):\n    print('tick', i, flush=True)\n    time.sleep(0.1)",
            "print('after')",
        ],
    )
    tab = await session.notebook(server, "loop.ipynb")
    page = tab.page
    await page.keyboard.press("Control+Enter")  # run, stay on the cell, command mode
    await expect(tab.cell(0).locator(".nw-stream")).to_contain_text(
        "tick 2", timeout=KERNEL_TIMEOUT_MS
    )
    await expect(tab.cell(0)).to_have_attribute("data-state", "running")
    await page.keyboard.press("i")
    await page.keyboard.press("i")
    await expect(tab.cell(0).locator(".nw-output.nw-error")).to_contain_text(
        "KeyboardInterrupt", timeout=KERNEL_TIMEOUT_MS
    )
    await expect(tab.cell(0)).to_have_attribute("data-state", "error")
    await tab.kernel_idle()
    text = await tab.cell(0).locator(".nw-stream").inner_text()
    assert "tick 599" not in text
    # The kernel is alive and keeps its state.
    await page.keyboard.press("j")
    await page.keyboard.press("Control+Enter")
    await expect(tab.cell(1).locator(".nw-stream")).to_have_text("after", timeout=KERNEL_TIMEOUT_MS)
    assert tab.errors == []


PNG_CODE = """\
import struct, zlib
from IPython.display import Image, display
def png(w, h):
    def chunk(kind, data):
        return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data))
    rows = b''.join(b'\\x00' + bytes([200, 40, 40]) * w for _ in range(h))
    return (b'\\x89PNG\\r\\n\\x1a\\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0))
            + chunk(b'IDAT', zlib.compress(rows)) + chunk(b'IEND', b''))
display(Image(png(40, 30)))
"""


async def test_an_image_output_shows(server: Server, session: Session) -> None:
    write_notebook(server.root / "img.ipynb", cells=[PNG_CODE])
    tab = await session.notebook(server, "img.ipynb")
    await tab.page.keyboard.press("Control+Enter")
    img = tab.cell(0).locator("img.nw-image")
    await expect(img).to_be_visible(timeout=KERNEL_TIMEOUT_MS)
    await expect(img).to_have_attribute("src", re.compile(r"^data:image/png;base64,"))
    size = await img.evaluate("(i) => i.decode().then(() => [i.naturalWidth, i.naturalHeight])")
    assert size == [40, 30]
    box = await img.bounding_box()
    assert box is not None and round(box["width"]) == 40 and round(box["height"]) == 30
    assert tab.errors == []


async def test_html_that_begins_with_a_script_runs_in_its_frame(
    server: Server, session: Session
) -> None:
    code = (
        "from IPython.display import HTML\n"
        "HTML(\"<script>document.body.insertAdjacentHTML('beforeend', "
        "'<i class=ran>script ran</i>')</script><p class=after>and the rest</p>\")"
    )
    write_notebook(server.root / "script-first.ipynb", cells=[code])
    tab = await session.notebook(server, "script-first.ipynb")
    await tab.page.keyboard.press("Control+Enter")
    frame = tab.cell(0).frame_locator("iframe.nw-frame")
    await expect(frame.locator("p.after")).to_have_text("and the rest", timeout=KERNEL_TIMEOUT_MS)
    await expect(frame.locator("i.ran")).to_have_text("script ran")
    assert tab.errors == []
