"""A long notebook in Chromium: only the cells near the screen have an editor and
outputs (each editor's listeners, and every element in the page, cost every keystroke
something), and a cell whose editor or outputs went and came back while the user
scrolled keeps what the user would miss: its text, cursor and undo history, its edits
still reach the other browsers, its outputs are shown as the user left them and stay
where the browser's find reaches them."""

from __future__ import annotations

import re

import nbformat
import pytest
from playwright.async_api import expect

from notewire.server.notebook.build import CELLS_PER_TRANSACTION
from tests.server.notebook_server import Server, write_notebook

from .browser import Session, Tab

pytestmark = pytest.mark.asyncio(loop_scope="session")

CELLS = 150
# Ten lines a cell: about 200 px, so 150 cells are some 40 screens long.
SOURCES = [f"# cell {i}\n" + "\n".join(f"x{i}_{j} = {j}" for j in range(9)) for i in range(CELLS)]
# Near the screen: the 900 px window and 1200 px above and below it are built, and
# they go back beyond 2400 px; about 30 cells of 200 px, with room to spare.
MAX_EDITORS = 45

# Scrolls a screen at a time until the scroll stops, down or up, two frames a screen
# (the page builds in the first what came near); resolves with the most editors the
# page had at any frame.
PAGE = """
async (down) => {
  const frame = () => new Promise((r) => requestAnimationFrame(r));
  const s = document.scrollingElement;
  let most = 0;
  for (let still = 0; still < 3; ) {
    const before = s.scrollTop;
    s.scrollTop = before + (down ? 1 : -1) * innerHeight * 0.8;
    await frame();
    await frame();
    most = Math.max(most, document.querySelectorAll(".cm-editor").length);
    still = s.scrollTop === before ? still + 1 : 0;
  }
  return most;
}
"""


async def detached_nodes(tab: Tab) -> int:
    """DOM nodes alive (after a garbage collection) outside the page's document."""
    cdp = await tab.page.context.new_cdp_session(tab.page)
    try:
        await cdp.send("Performance.enable")
        await cdp.send("HeapProfiler.collectGarbage")
        metrics = (await cdp.send("Performance.getMetrics"))["metrics"]
        alive = next(int(m["value"]) for m in metrics if m["name"] == "Nodes")
    finally:
        await cdp.detach()
    in_document = await tab.page.evaluate(
        "() => { const w = document.createTreeWalker(document, NodeFilter.SHOW_ALL);"
        " let n = 1; while (w.nextNode()) n++; return n; }"
    )
    return alive - int(in_document)


async def head(tab: Tab, index: int) -> int:
    """The cursor's offset in the editor of cell `index`."""
    return int(
        await tab.page.evaluate(
            "(i) => { const p = window.notewire.page;"
            " const id = p.order[i].id;"
            " return p.viewOf(id).getEditor().view.state.selection.main.head; }",
            index,
        )
    )


async def test_editors_far_from_the_screen_go_and_come_back_with_their_history(
    server: Server, session: Session
) -> None:
    write_notebook(server.root / "long.ipynb", cells=SOURCES)
    tab = await session.notebook(server, "long.ipynb")
    other = await session.notebook(server, "long.ipynb")
    await expect(tab.cell(1).locator(".cm-editor")).to_have_count(1)

    # Typed at the end of cell 1 (one edit), the cursor one character back.
    await tab.editor(1).click()
    await tab.page.keyboard.press("Control+End")
    await tab.page.keyboard.insert_text("abc")
    await tab.page.keyboard.press("ArrowLeft")
    typed = SOURCES[1] + "abc"
    await other.wait_sources([SOURCES[0], typed, *SOURCES[2:]])
    await tab.command_mode()

    # Down to the end through every cell: the editors stay few; cell 1 has none.
    most = await tab.page.evaluate(PAGE, True)
    assert most <= MAX_EDITORS, f"{most} editors in the page while scrolling down"
    await expect(tab.cell(CELLS - 1).locator(".cm-editor")).to_have_count(1)
    await expect(tab.cell(1).locator(".cm-editor")).to_have_count(0)
    await expect(tab.cell(1).locator(".nw-static-source")).to_have_text(typed)
    # The editors taken down are gone from memory too, once the page has been idle (a
    # skipped cell's stale layout held on to them: view/cell-list.ts, settle).
    for _ in range(100):
        if await detached_nodes(tab) < 400:
            break
        await tab.page.evaluate("() => new Promise((r) => requestIdleCallback(() => r()))")
    else:
        raise AssertionError(f"{await detached_nodes(tab)} nodes kept out of the page")

    # And back up: cell 1's editor comes back with its cursor and its undo history.
    most = await tab.page.evaluate(PAGE, False)
    assert most <= MAX_EDITORS, f"{most} editors in the page while scrolling up"
    await expect(tab.cell(1).locator(".cm-editor")).to_have_count(1)
    await expect(tab.cell(CELLS - 1).locator(".cm-editor")).to_have_count(0)
    assert await tab.active_index() == 1
    await tab.page.keyboard.press("Enter")
    await tab.edit_mode()
    assert await head(tab, 1) == len(typed) - 1
    await tab.page.keyboard.press("Control+z")
    await tab.wait_sources(SOURCES)
    await other.wait_sources(SOURCES)

    # Typing into it still reaches the other browser.
    await tab.page.keyboard.press("Control+End")
    await tab.page.keyboard.type("zz")
    await other.wait_sources([SOURCES[0], SOURCES[1] + "zz", *SOURCES[2:]])

    # The cell being edited keeps its editor (and the focus) however far the page
    # scrolls.
    await tab.page.evaluate(PAGE, True)
    await expect(tab.cell(CELLS - 1).locator(".cm-editor")).to_have_count(1)
    await expect(tab.editor(1)).to_be_focused()
    await tab.page.keyboard.type("!")
    await other.wait_sources([SOURCES[0], SOURCES[1] + "zz!", *SOURCES[2:]])
    assert tab.errors == [] and other.errors == []


# A page that is never idle: editors near the screen wait for idle time, so none is built.
NEVER_IDLE = "window.requestIdleCallback = () => 1; window.cancelIdleCallback = () => {};"


async def test_code_waiting_for_its_editor_is_coloured_as_the_editor_colours_it(
    server: Server, session: Session
) -> None:
    sources = ["# first\nx = 1", "def f(y):\n    return 'two'"]
    write_notebook(server.root / "colours.ipynb", cells=sources)
    tab = await session.notebook(server, "colours.ipynb", init_script=NEVER_IDLE)
    waiting = tab.cell(1).locator(".nw-static-source")
    await expect(waiting).to_have_text(sources[1])
    await expect(tab.cells.locator(".cm-editor")).to_have_count(0)
    classes = "(el) => [...el.querySelectorAll('span')].map((s) => [s.className, s.textContent])"
    static = await waiting.evaluate(classes)
    assert ["tok-keyword", "def"] in static and ["tok-string", "'two'"] in static, static
    # A click builds its editor, which colours the code the same way.
    await waiting.click()
    editor = tab.editor(1)
    await expect(editor).to_have_text(sources[1].replace("\n", ""))
    coloured = await editor.evaluate(classes)
    assert [c for c in static if c[0]] == [c for c in coloured if c[0].startswith("tok-")]
    assert tab.errors == []


async def test_outputs_far_from_the_screen_go_and_come_back_as_left(
    server: Server, session: Session
) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "notewire", "display_name": "notewire"}
    nb.cells = [nbformat.v4.new_code_cell(source) for source in SOURCES]
    for i, cell in enumerate(nb.cells):
        # Cells 0 and 1 have outputs taller than the output area shows ("show all").
        lines = 200 if i in (0, 1) else 1
        text = "".join(f"out {i} line {j}\n" for j in range(lines))
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
    (server.root / "outs.ipynb").write_text(nbformat.writes(nb), encoding="utf-8")
    tab = await session.notebook(server, "outs.ipynb")
    outputs = tab.cell(1).locator(".nw-outputs")
    await tab.cell(1).locator(".nw-show-all").click()
    await expect(outputs).to_have_class(re.compile("nw-expanded"))
    # Cell 0's are scrolled within their area.
    scrolled = tab.cell(0).locator(".nw-output-list")
    await scrolled.evaluate("(el) => { el.scrollTop = 300; }")
    await tab.page.wait_for_function(
        "(el) => el.scrollTop === 300", arg=await scrolled.element_handle()
    )

    # Down to the end: the outputs in the page stay few; cell 1's are gone, their text
    # left where the browser's find looks.
    most = await tab.page.evaluate(PAGE.replace(".cm-editor", ".nw-outputs"), True)
    assert most <= MAX_EDITORS, f"{most} output areas in the page while scrolling down"
    await expect(outputs).to_have_count(0)
    await expect(scrolled).to_have_count(0)
    await expect(tab.cell(1).locator(".nw-findable[hidden='until-found']")).to_contain_text(
        "out 1 line 199"
    )

    # And back up: shown in full again, and scrolled, as the user left them.
    await tab.page.evaluate(PAGE, False)
    await expect(outputs).to_have_class(re.compile("nw-expanded"))
    await expect(outputs).to_contain_text("out 1 line 199")
    await tab.page.wait_for_function(
        "(el) => el.scrollTop === 300", arg=await scrolled.element_handle()
    )
    await expect(tab.cell(CELLS - 1).locator(".nw-outputs")).to_have_count(0)
    assert tab.errors == []


async def test_a_notebook_built_in_several_slices_is_whole_when_the_page_syncs(
    server: Server, session: Session
) -> None:
    """A page opening a notebook of more cells than the server builds per transaction
    gets it as several updates, the last its SyncStep2 (session/update_feed.py): by
    the time it counts itself in sync it holds every cell, in order."""
    sources = [f"# {i}" for i in range(2 * CELLS_PER_TRANSACTION + 50)]
    write_notebook(server.root / "slices.ipynb", cells=sources)
    tab = await session.notebook(server, "slices.ipynb")
    assert await tab.sources() == sources
    assert not tab.errors
