"""User interactions on the notebook page, in Chromium against the real server and
kernel: dragging cells, the cell clipboard (X, C, V) and undo, merge and split, input()
and getpass(), restarting the kernel, the `?` pager, dark and light colours, and the
command-mode keys test_never_lose_work.py's keyboard test leaves out (R, H)."""

from __future__ import annotations

import re
from typing import Literal

import pytest
from playwright.async_api import Locator, Page, expect

from tests.server.notebook_server import Server, write_notebook

from .browser import KERNEL_TIMEOUT_MS, Session, Tab
from .test_never_lose_work import FLAGS, untrusted_notebook

pytestmark = pytest.mark.asyncio(loop_scope="session")

ANSI_GARBAGE = re.compile(r"\x1b|\[\d+(;\d+)*m")


async def server_sources(server: Server, path: str, want: list[str]) -> None:
    """Waits until the server's copy of the document has these cell sources, as seen by
    another client (notewire.client.NotebookClient)."""
    async with server.client(path) as other:
        await other.wait_until(lambda: [str(c["source"]) for c in other.cells] == want)


async def drag(page: Page, handle: Locator, target: Locator, *, after: bool) -> None:
    """Drags `handle` with the mouse onto the lower (after) or upper half of `target`."""
    await handle.hover()
    await page.mouse.down()
    box = await target.bounding_box()
    assert box is not None
    y = box["y"] + box["height"] * (0.75 if after else 0.25)
    await page.mouse.move(box["x"] + box["width"] / 2, y, steps=8)
    await page.mouse.up()


async def test_drag_cells_by_their_handle_to_reorder_them(server: Server, session: Session) -> None:
    write_notebook(server.root / "drag.ipynb", cells=["c0", "c1", "c2", "c3", "c4"])
    tab = await session.notebook(server, "drag.ipynb")
    page = tab.page
    await expect(tab.cells).to_have_count(5)
    # c0 onto the lower half of c2: it lands after c2.
    await drag(page, tab.cell(0).locator(".nw-drag"), tab.cell(2), after=True)
    await tab.wait_sources(["c1", "c2", "c0", "c3", "c4"])
    await expect(tab.cell(2).locator(".cm-content")).to_have_text("c0")
    await expect(tab.cell(2)).to_have_class(re.compile(r"\bnw-active\b"))
    await expect(page.locator(".nw-dragging, .nw-drop-before, .nw-drop-after")).to_have_count(0)
    # c4 onto the upper half of c1: it lands before c1, at the top.
    await drag(page, tab.cell(4).locator(".nw-drag"), tab.cell(0), after=False)
    await tab.wait_sources(["c4", "c1", "c2", "c0", "c3"])
    # The server's document has the new order, and so does the file.
    await server_sources(server, "drag.ipynb", ["c4", "c1", "c2", "c0", "c3"])
    await server.settled("drag.ipynb")
    await expect(page.locator(".nw-save")).to_have_attribute("data-dirty", "false")
    saved = await server.saved("drag.ipynb")
    assert [c.source for c in saved.cells] == ["c4", "c1", "c2", "c0", "c3"]
    # A selection of two cells moves together by either one's handle.
    await tab.command_mode()
    await tab.cell(1).locator(".nw-prompt").click()
    await page.keyboard.press("Shift+j")
    await expect(page.locator(".nw-cell.nw-selected")).to_have_count(2)
    await drag(page, tab.cell(2).locator(".nw-drag"), tab.cell(4), after=True)
    await tab.wait_sources(["c4", "c0", "c3", "c1", "c2"])
    # Z undoes a move.
    await tab.command_mode()
    await page.keyboard.press("z")
    await tab.wait_sources(["c4", "c1", "c2", "c0", "c3"])
    await server_sources(server, "drag.ipynb", ["c4", "c1", "c2", "c0", "c3"])
    # A click on a selected cell's handle, without a drag, selects just that cell.
    assert await tab.active_index() == 2
    await page.keyboard.press("Shift+k")
    await expect(page.locator(".nw-cell.nw-selected")).to_have_count(2)
    await tab.cell(2).locator(".nw-drag").click()
    await expect(page.locator(".nw-cell.nw-selected")).to_have_count(0)
    assert await tab.active_index() == 2
    # The toolbar's arrows move the active cell too.
    await page.get_by_role("button", name="move cells up").click()
    await tab.wait_sources(["c4", "c2", "c1", "c0", "c3"])
    await page.get_by_role("button", name="move cells down").click()
    await page.get_by_role("button", name="move cells down").click()
    await tab.wait_sources(["c4", "c1", "c0", "c2", "c3"])
    assert await tab.active_index() == 3
    assert tab.errors == []


# A cell's drag is started and given up (Escape, or let go outside the list: `dragend`
# with no `drop`); then a file dragged in from elsewhere is dropped on a cell.
GIVE_UP_THEN_DROP_A_FILE = """
() => {
  const cells = document.querySelectorAll(".nw-cell");
  const handle = cells[0].querySelector(".nw-drag");
  const own = new DataTransfer();
  handle.dispatchEvent(new DragEvent("dragstart", { bubbles: true, dataTransfer: own }));
  const marked = cells[0].classList.contains("nw-dragging");
  handle.dispatchEvent(new DragEvent("dragend", { bubbles: true, dataTransfer: own }));
  const file = new DataTransfer();
  file.items.add(new File(["x"], "x.txt", { type: "text/plain" }));
  const y = cells[2].getBoundingClientRect().bottom - 2;
  const init = { bubbles: true, cancelable: true, dataTransfer: file, clientY: y };
  const over = new DragEvent("dragover", init);
  cells[2].dispatchEvent(over);
  const drop = new DragEvent("drop", init);
  cells[2].dispatchEvent(drop);
  return {
    marked, overTaken: over.defaultPrevented, dropTaken: drop.defaultPrevented,
    marks: document.querySelectorAll(".nw-dragging, .nw-drop-before, .nw-drop-after").length,
  };
}
"""


async def test_a_drag_given_up_leaves_nothing_for_a_later_drop_to_move(
    server: Server, session: Session
) -> None:
    write_notebook(server.root / "drag-cancel.ipynb", cells=["c0", "c1", "c2", "c3"])
    tab = await session.notebook(server, "drag-cancel.ipynb")
    page = tab.page
    await expect(tab.cells).to_have_count(4)
    seen = await page.evaluate(GIVE_UP_THEN_DROP_A_FILE)
    # The drag had started (its cell marked); the file's drag is not taken for it: not
    # accepted over the list, no marks, and its drop moves nothing.
    assert seen == {"marked": True, "overTaken": False, "dropTaken": False, "marks": 0}
    # A real drag after it moves only its own cell (c1 after c2): had the file's drop
    # moved c0, the order would not be this one.
    await drag(page, tab.cell(1).locator(".nw-drag"), tab.cell(2), after=True)
    await tab.wait_sources(["c0", "c2", "c1", "c3"])
    await server_sources(server, "drag-cancel.ipynb", ["c0", "c2", "c1", "c3"])
    assert tab.errors == []


async def test_cut_copy_paste_cells_and_undo_redo(server: Server, session: Session) -> None:
    write_notebook(server.root / "clip.ipynb", cells=["a", "b", "c", "d"])
    tab = await session.notebook(server, "clip.ipynb")
    page = tab.page
    press = page.keyboard.press
    await expect(tab.cell(0)).to_have_class(re.compile(r"\bnw-active\b"))
    # C copies b; V pastes it below the active cell (d), and the copy becomes active.
    await press("j")
    await press("c")
    await press("j")
    await press("j")
    await press("v")
    await tab.wait_sources(["a", "b", "c", "d", "b"])
    assert await tab.active_index() == 4
    # Shift-V pastes above.
    await press("Shift+v")
    await tab.wait_sources(["a", "b", "c", "d", "b", "b"])
    assert await tab.active_index() == 4
    # Every pasted cell is a new cell, with its own id.
    ids = await page.evaluate(
        "window.notewire.doc.getArray('cells').toArray().map((c) => c.get('id'))"
    )
    assert len(set(ids)) == 6
    # X cuts c; the cell below it becomes active; V puts it back below that one.
    for _ in range(2):
        await press("k")
    assert await tab.active_index() == 2
    await press("x")
    await tab.wait_sources(["a", "b", "d", "b", "b"])
    assert await tab.active_index() == 2
    await press("v")
    await tab.wait_sources(["a", "b", "d", "c", "b", "b"])
    # Z undoes the paste, then the cut; Shift-Z redoes the cut.
    await press("z")
    await tab.wait_sources(["a", "b", "d", "b", "b"])
    await press("z")
    await tab.wait_sources(["a", "b", "c", "d", "b", "b"])
    assert await tab.active_index() == 2  # the cell that came back
    await press("Shift+z")
    await tab.wait_sources(["a", "b", "d", "b", "b"])
    # Several cells: Shift-J selects a and b, C copies both, V pastes both after the last.
    for _ in range(4):
        await press("k")
    assert await tab.active_index() == 0
    await press("Shift+j")
    await expect(page.locator(".nw-cell.nw-selected")).to_have_count(2)
    await press("c")
    for _ in range(4):
        await press("j")
    assert await tab.active_index() == 4
    await press("v")
    await tab.wait_sources(["a", "b", "d", "b", "b", "a", "b"])
    # The pasted cells are the new selection.
    await expect(page.locator(".nw-cell.nw-selected")).to_have_count(2)
    await expect(tab.cell(5)).to_have_class(re.compile(r"\bnw-selected\b"))
    await expect(tab.cell(6)).to_have_class(re.compile(r"\bnw-selected\b"))
    # X cuts a selection of two; Z brings both back.
    await press("x")
    await tab.wait_sources(["a", "b", "d", "b", "b"])
    await press("z")
    await tab.wait_sources(["a", "b", "d", "b", "b", "a", "b"])
    await server_sources(server, "clip.ipynb", ["a", "b", "d", "b", "b", "a", "b"])
    assert tab.errors == []


async def test_pasted_outputs_of_an_untrusted_notebook_stay_untrusted(
    server: Server, session: Session
) -> None:
    (server.root / "foreign.ipynb").write_text(untrusted_notebook())
    tab = await session.notebook(server, "foreign.ipynb")
    page = tab.page
    await expect(page.locator(".nw-trust")).to_be_visible()
    await expect(tab.cell(0).locator(".nw-html b.shown")).to_have_text("html shown")
    # Copy the HTML and the JavaScript outputs' cells; paste them at the end.
    await page.keyboard.press("Shift+j")
    await page.keyboard.press("c")
    for _ in range(3):
        await page.keyboard.press("j")
    await page.keyboard.press("v")
    await tab.wait_sources(["html", "js", "md", "svg", "html", "js"])
    # The copies are as untrusted as the originals: sanitized, no frame, nothing run.
    await expect(tab.cell(4).locator(".nw-html b.shown")).to_have_text("html shown")
    await expect(tab.cell(5).locator(".nw-output")).to_have_text("js")
    await expect(tab.cell(4)).to_have_class(re.compile(r"\bnw-untrusted\b"))
    await expect(page.locator("iframe.nw-frame")).to_have_count(0)
    assert len(page.frames) == 1
    assert await page.evaluate(FLAGS) == []
    await expect(page.locator(".nw-trust")).to_be_visible()
    assert tab.errors == []


async def test_the_toolbar_cuts_copies_and_pastes_too(server: Server, session: Session) -> None:
    write_notebook(server.root / "toolbar.ipynb", cells=["one", "two"])
    tab = await session.notebook(server, "toolbar.ipynb")
    page = tab.page
    await page.get_by_role("button", name="copy cells (C)").click()
    await page.get_by_role("button", name="paste cells below (V)").click()
    await tab.wait_sources(["one", "one", "two"])
    await page.get_by_role("button", name="cut cells (X)").click()
    await tab.wait_sources(["one", "two"])
    # The keys still work after the toolbar took the click.
    await page.keyboard.press("v")
    await tab.wait_sources(["one", "two", "one"])
    assert tab.errors == []


async def test_merge_selected_cells_and_split_at_the_cursor(
    server: Server, session: Session
) -> None:
    write_notebook(server.root / "merge.ipynb", cells=["a = 1", "b = 2", "c = 3", "d = 4"])
    tab = await session.notebook(server, "merge.ipynb")
    page = tab.page
    press = page.keyboard.press
    await expect(tab.cell(0)).to_have_class(re.compile(r"\bnw-active\b"))
    # Shift-M merges the selection (joined by a blank line).
    await press("Shift+j")
    await press("Shift+m")
    await tab.wait_sources(["a = 1\n\nb = 2", "c = 3", "d = 4"])
    assert await tab.active_index() == 0
    await expect(page.locator(".nw-cell.nw-selected")).to_have_count(0)
    # With one cell selected, Shift-M merges it with the cell below.
    await press("Shift+m")
    await tab.wait_sources(["a = 1\n\nb = 2\n\nc = 3", "d = 4"])
    # Ctrl-Shift-Minus in edit mode splits at the cursor (at the start of line 3); the
    # cursor goes on in the new cell.
    await press("Enter")
    await tab.edit_mode()
    await press("Control+Home")
    await press("ArrowDown")
    await press("ArrowDown")
    await press("Control+Shift+Minus")
    await tab.wait_sources(["a = 1", "b = 2\n\nc = 3", "d = 4"])
    await tab.edit_mode()
    assert await tab.active_index() == 1
    await expect(tab.cell(1).locator(".cm-editor")).to_have_class(re.compile(r"\bcm-focused\b"))
    await page.keyboard.type("# ")
    await tab.wait_sources(["a = 1", "# b = 2\n\nc = 3", "d = 4"])
    # A selection splits into three: before, the selection, after.
    await press("ArrowDown")
    await press("ArrowDown")
    await press("Home")  # the start of "c = 3"
    for _ in range(3):
        await press("Shift+ArrowRight")  # "c ="
    await press("Control+Shift+Minus")
    await tab.wait_sources(["a = 1", "# b = 2", "c =", " 3", "d = 4"])
    # Z (command mode) undoes the split.
    await tab.command_mode()
    await press("z")
    await tab.wait_sources(["a = 1", "# b = 2\n\nc = 3", "d = 4"])
    await server_sources(server, "merge.ipynb", ["a = 1", "# b = 2\n\nc = 3", "d = 4"])
    # A markdown cell being edited splits into pieces that all show their source; each
    # renders when run.
    for _ in range(2):
        await press("j")
    assert await tab.active_index() == 2
    await press("m")
    await press("Enter")
    await tab.edit_mode()
    await press("Control+End")
    await page.keyboard.type("\n\n*more*")
    await press("Home")
    await press("Control+Shift+Minus")
    await tab.wait_sources(["a = 1", "# b = 2\n\nc = 3", "d = 4", "*more*"])
    await tab.command_mode()
    for i in (2, 3):
        await expect(tab.cell(i)).to_have_attribute("data-type", "markdown")
        await expect(tab.cell(i).locator(".cm-editor")).to_be_visible()
        await expect(tab.cell(i).locator(".nw-markdown")).to_have_count(0)
    await press("Shift+Enter")
    await expect(tab.cell(3).locator(".nw-markdown em")).to_have_text("more")
    await expect(tab.cell(2).locator(".nw-markdown")).to_have_count(0)
    assert tab.errors == []


async def test_input_and_getpass_are_answered_inline(server: Server, session: Session) -> None:
    write_notebook(
        server.root / "input.ipynb",
        cells=[
            "name = input('Your name: ')\nprint('hello,', name)",
            "import getpass\npw = getpass.getpass('Password: ')\nprint('length', len(pw))",
        ],
    )
    tab = await session.notebook(server, "input.ipynb")
    page = tab.page
    await page.keyboard.press("Control+Enter")
    request = tab.cell(0).locator(".nw-input-request")
    field = request.locator("input.nw-input-field")
    await expect(field).to_be_visible(timeout=KERNEL_TIMEOUT_MS)
    await expect(request).to_contain_text("Your name:")
    await expect(field).to_have_attribute("type", "text")
    await expect(field).to_be_focused()
    await page.keyboard.type("Ada Lovelace")
    await page.keyboard.press("Enter")
    await expect(tab.cell(0).locator(".nw-stream")).to_contain_text(
        "hello, Ada Lovelace", timeout=KERNEL_TIMEOUT_MS
    )
    # The prompt and the answer stay, above what the code printed.
    await expect(tab.cell(0).locator(".nw-stream")).to_contain_text(
        "Your name: Ada Lovelace\nhello, Ada Lovelace"
    )
    await expect(field).to_have_count(0)
    await expect(tab.cell(0)).to_have_attribute("data-state", "done")
    # getpass(): a password field; what is typed never shows.
    await tab.command_mode()
    await page.keyboard.press("j")
    await page.keyboard.press("Control+Enter")
    request = tab.cell(1).locator(".nw-input-request")
    field = request.locator("input.nw-input-field")
    await expect(field).to_be_visible(timeout=KERNEL_TIMEOUT_MS)
    await expect(request).to_contain_text("Password:")
    await expect(field).to_have_attribute("type", "password")
    await expect(field).to_be_focused()
    await page.keyboard.type("s3cret!")
    await page.keyboard.press("Enter")
    await expect(tab.cell(1).locator(".nw-stream")).to_contain_text(
        "length 7", timeout=KERNEL_TIMEOUT_MS
    )
    await expect(tab.cell(1).locator(".nw-stream")).to_contain_text("Password: ········")
    await expect(field).to_have_count(0)
    assert "s3cret!" not in await page.locator(".nw-cells").inner_text()
    # The keyboard is the notebook's again.
    await tab.command_mode()
    await page.keyboard.press("k")
    assert await tab.active_index() == 0
    assert tab.errors == []


WATCH_KERNEL = """() => {
  window.kernelStates = [];
  const el = document.querySelector('.nw-kernel');
  new MutationObserver(() => window.kernelStates.push(el.dataset.state))
    .observe(el, { attributes: true, attributeFilter: ['data-state'] });
}"""


async def restarted(tab: Tab) -> None:
    """Waits until the kernel went through a restart (watched since WATCH_KERNEL) and is
    idle again."""
    await tab.page.wait_for_function(
        "() => window.kernelStates.some((s) => s === 'restarting' || s === 'starting')",
        timeout=KERNEL_TIMEOUT_MS,
    )
    await tab.kernel_idle()


async def test_restart_the_kernel_from_the_page(server: Server, session: Session) -> None:
    write_notebook(server.root / "restart.ipynb", cells=["x = 41", "x + 1"])
    tab = await session.notebook(server, "restart.ipynb")
    page = tab.page
    press = page.keyboard.press
    await press("Shift+Enter")
    await press("Control+Enter")
    await expect(tab.cell(1).locator(".nw-execute_result")).to_have_text(
        "42", timeout=KERNEL_TIMEOUT_MS
    )
    await tab.kernel_idle()
    # 0, 0 asks first; Cancel keeps the kernel.
    dialog = page.locator("dialog.nw-dialog")
    await press("0")
    await press("0")
    await expect(dialog).to_contain_text("Restart the kernel?")
    await dialog.get_by_role("button", name="Cancel").click()
    await expect(dialog).to_have_count(0)
    # 0, 0 and Restart: the variable is gone.
    await page.evaluate(WATCH_KERNEL)
    await press("0")
    await press("0")
    await dialog.get_by_role("button", name="Restart", exact=True).click()
    await expect(dialog).to_have_count(0)
    await restarted(tab)
    await press("Control+Enter")  # the active cell: x + 1
    await expect(tab.cell(1).locator(".nw-output.nw-error")).to_contain_text(
        "NameError", timeout=KERNEL_TIMEOUT_MS
    )
    await expect(tab.cell(1).locator(".nw-prompt")).to_have_text("[1]")
    await tab.kernel_idle()
    # The toolbar's restart button does the same.
    await page.evaluate(WATCH_KERNEL)
    await page.get_by_role("button", name="restart the kernel (0, 0)").click()
    await dialog.get_by_role("button", name="Restart", exact=True).click()
    await restarted(tab)
    # Restart and run all (the toolbar button, and the Run menu's item).
    await page.evaluate(WATCH_KERNEL)
    await page.get_by_role("button", name="restart the kernel and run all cells").click()
    await expect(dialog).to_contain_text("Restart and run all?")
    await dialog.get_by_role("button", name="Restart and run all").click()
    await restarted(tab)
    await expect(tab.cell(1).locator(".nw-execute_result")).to_have_text(
        "42", timeout=KERNEL_TIMEOUT_MS
    )
    await expect(tab.cell(0).locator(".nw-prompt")).to_have_text("[1]")
    await expect(tab.cell(1).locator(".nw-prompt")).to_have_text("[2]")
    await expect(tab.cell(1).locator(".nw-error")).to_have_count(0)
    await tab.kernel_idle()
    await page.locator(".nw-menu summary", has_text="Run").click()
    await page.evaluate(WATCH_KERNEL)
    await page.get_by_role("button", name="restart the kernel, then run all cells").click()
    await dialog.get_by_role("button", name="Restart and run all").click()
    await restarted(tab)
    await expect(tab.cell(1).locator(".nw-prompt")).to_have_text("[2]", timeout=KERNEL_TIMEOUT_MS)
    await expect(tab.cell(1).locator(".nw-execute_result")).to_have_text("42")
    assert tab.errors == []


async def test_question_mark_shows_the_docstring_without_ansi_codes(
    server: Server, session: Session
) -> None:
    write_notebook(server.root / "pager.ipynb", cells=["len?"])
    tab = await session.notebook(server, "pager.ipynb")
    await tab.page.keyboard.press("Control+Enter")
    output = tab.cell(0).locator(".nw-output")
    await expect(output).to_contain_text(
        "Return the number of items in a container", timeout=KERNEL_TIMEOUT_MS
    )
    text = await output.inner_text()
    assert "Signature:" in text and "len(obj, /)" in text
    assert not ANSI_GARBAGE.search(text), text
    assert tab.errors == []


def luminance(css: str) -> float:
    """The relative luminance (0 black, 1 white) of a computed `rgb(...)` colour."""
    match = re.match(r"rgba?\((\d+), (\d+), (\d+)", css)
    assert match, css

    def channel(v: str) -> float:
        c = int(v) / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in match.groups())
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


async def colours(locator: Locator) -> tuple[float, float]:
    """The luminance of the element's text and of the background behind it."""
    fg, bg = await locator.evaluate(
        """(el) => {
          let bg = 'rgba(0, 0, 0, 0)';
          for (let e = el; e; e = e.parentElement) {
            const c = getComputedStyle(e).backgroundColor;
            if (c !== 'rgba(0, 0, 0, 0)' && c !== 'transparent') { bg = c; break; }
          }
          return [getComputedStyle(el).color, bg];
        }"""
    )
    return luminance(fg), luminance(bg)


@pytest.mark.parametrize("scheme", ["dark", "light"])
async def test_dark_and_light_colour_schemes(
    server: Server, session: Session, scheme: Literal["dark", "light"]
) -> None:
    write_notebook(server.root / "colours.ipynb", cells=["x = 1  # a comment"])
    tab = await session.notebook(server, "colours.ipynb", color_scheme=scheme)
    page = tab.page
    dark = scheme == "dark"
    await page.keyboard.press("b")
    await page.keyboard.press("m")
    await page.keyboard.press("Enter")
    await page.keyboard.type("# Title\n\nSome *text*.")
    await page.keyboard.press("Control+Enter")
    await expect(tab.cell(1).locator(".nw-markdown h1")).to_have_text("Title")
    page_fg, page_bg = await colours(page.locator("body"))
    for what, locator in [
        ("page", page.locator("body")),
        ("header", page.locator(".nw-name")),
        ("toolbar button", page.get_by_role("button", name="save (Ctrl-S)")),
        ("code", tab.cell(0).locator(".cm-line").first),
        ("markdown", tab.cell(1).locator(".nw-markdown p")),
        ("kernel picker", page.locator(".nw-kernel-select")),
    ]:
        fg, bg = await colours(locator)
        if dark:
            assert bg < 0.05 and fg > 0.6, f"{what}: text {fg:.2f} on {bg:.2f}"
        else:
            assert bg > 0.85 and fg < 0.1, f"{what}: text {fg:.2f} on {bg:.2f}"
    # A dialog (H) follows the scheme too.
    await page.keyboard.press("h")
    dialog = page.locator("dialog.nw-dialog")
    await expect(dialog).to_be_visible()
    fg, bg = await colours(dialog.locator("h2"))
    assert (bg < 0.05 and fg > 0.6) if dark else (bg > 0.85 and fg < 0.1)
    assert (page_bg < page_fg) is dark
    assert tab.errors == []


async def test_r_makes_a_raw_cell_and_h_shows_the_shortcuts(
    server: Server, session: Session
) -> None:
    write_notebook(server.root / "raw.ipynb", cells=["plain text", "print(1)"])
    tab = await session.notebook(server, "raw.ipynb")
    page = tab.page
    press = page.keyboard.press
    await expect(tab.cell(0)).to_have_class(re.compile(r"\bnw-active\b"))
    await press("r")
    await expect(tab.cell(0)).to_have_attribute("data-type", "raw")
    assert await tab.types() == ["raw", "code"]
    await expect(page.locator(".nw-type-select")).to_have_value("raw")
    await expect(tab.cell(0).locator(".nw-prompt")).to_have_text("")
    # A raw cell is not run: Shift-Enter moves on without output.
    await press("Shift+Enter")
    assert await tab.active_index() == 1
    await expect(tab.cell(0).locator(".nw-output")).to_have_count(0)
    async with server.client("raw.ipynb") as other:  # the server has the change
        await other.wait_until(lambda: [c["cell_type"] for c in other.cells] == ["raw", "code"])
    await server.settled("raw.ipynb")
    await expect(page.locator(".nw-save")).to_have_attribute("data-dirty", "false")
    saved = await server.saved("raw.ipynb")
    assert [c.cell_type for c in saved.cells] == ["raw", "code"]
    # H lists the shortcuts; Esc closes the list and the keys work again.
    await press("h")
    dialog = page.locator("dialog.nw-dialog")
    await expect(dialog).to_contain_text("Keyboard shortcuts")
    await expect(
        dialog.locator("tr").filter(has=page.get_by_text("Shift-M", exact=True))
    ).to_contain_text("merge")
    await press("j")  # the dialog has the keyboard
    assert await tab.active_index() == 1
    await press("Escape")
    await expect(dialog).to_have_count(0)
    await press("k")
    assert await tab.active_index() == 0
    # The toolbar's ? button opens it too, and Close closes it.
    await page.get_by_role("button", name="keyboard shortcuts (H)").click()
    await dialog.get_by_role("button", name="Close").click()
    await expect(dialog).to_have_count(0)
    await press("j")
    assert await tab.active_index() == 1
    assert tab.errors == []
