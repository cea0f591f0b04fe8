"""Nothing on a long page is out of reach because the page has not built it: find (Ctrl-F)
searches every cell's source and outputs in the document and builds the cell of the
match it goes to; replace-all goes through the shared document (another browser sees it,
the notebook's undo takes it back); the table of contents, `#heading` links and error
entries bring their cell to the screen at once; and the browser's own find can reach the
outputs of cells not built yet."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from playwright.async_api import expect

from tests.server.notebook_server import Server

from .browser import Session, Tab

pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.timeout(120)]

CELLS = 120
OUTPUT_AT, SOURCE_AT, ERROR_AT = 60, 100, 110


def code(i: int) -> str:
    # Ten lines a cell: 120 cells are some 30 screens long.
    lines = [f"x{i}_{j} = {j}" for j in range(10)]
    if i == SOURCE_AT:
        lines[4] = "needle_src = 1"
    if i % 40 == 7:
        lines[2] = "foo = foo + 1"
    return "\n".join(lines)


def write(path: Path) -> list[str]:
    """The test notebook; returns its sources."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "notewire", "display_name": "notewire"}
    cells = [nbformat.v4.new_markdown_cell("# Intro\n\nSee [the end](#Far-Away).")]
    for i in range(1, CELLS - 1):
        cell = nbformat.v4.new_code_cell(code(i))
        if i == OUTPUT_AT:
            cell.outputs = [
                nbformat.v4.new_output("stream", name="stdout", text="a needle in output\n")
            ]
        if i == ERROR_AT:
            cell.outputs = [
                nbformat.v4.new_output(
                    "error", ename="ZeroDivisionError", evalue="division by zero", traceback=[]
                )
            ]
        cells.append(cell)
    cells.append(nbformat.v4.new_markdown_cell("## Far Away\n\nthe end"))
    nb.cells = cells
    path.write_text(nbformat.writes(nb), encoding="utf-8")
    return [c.source for c in cells]


async def on_screen(tab: Tab, index: int, inner: str = "") -> None:
    """Waits until cell `index` (or its part `inner`) is in the window's middle part."""
    await tab.page.wait_for_function(
        "([i, inner]) => { const c = document.querySelectorAll('.nw-cells .nw-cell')[i];"
        " const el = inner ? c.querySelector(inner) : c; if (!el) return false;"
        " const r = el.getBoundingClientRect();"
        " return r.bottom > 80 && r.top < innerHeight; }",
        arg=[index, inner],
    )


async def found(tab: Tab) -> str:
    """The text find has marked outside an editor (a CSS highlight)."""
    return str(
        await tab.page.evaluate(
            "() => { const h = CSS.highlights.get('nw-find');"
            " return h ? [...h][0].toString() : ''; }"
        )
    )


async def test_find_reaches_off_screen_sources_and_outputs(
    server: Server, session: Session
) -> None:
    write(server.root / "long.ipynb")
    tab = await session.notebook(server, "long.ipynb")
    await expect(tab.cell(0).locator(".nw-markdown h1")).to_have_text("Intro")
    # Not built: far below the screen.
    await expect(tab.cell(OUTPUT_AT).locator(".nw-outputs")).to_have_count(0)
    await tab.page.locator(".nw-cells").focus()
    await tab.page.keyboard.press("Control+f")
    bar = tab.page.locator(".nw-find")
    query = bar.locator(".nw-find-query")
    await expect(query).to_be_focused()
    status = bar.locator(".nw-find-status")

    await query.fill("needle")
    # The output's match first (cell order), built and shown.
    await expect(status).to_have_text("1 of 2")
    await expect(tab.cell(OUTPUT_AT).locator(".nw-outputs")).to_have_count(1)
    await on_screen(tab, OUTPUT_AT, ".nw-outputs")
    assert await found(tab) == "needle"
    await query.press("Enter")
    await expect(status).to_have_text("2 of 2")
    current = tab.cell(SOURCE_AT).locator(".cm-editor .nw-found-current")
    await expect(current).to_have_text("needle")
    await on_screen(tab, SOURCE_AT, ".nw-found-current")
    await query.press("Shift+Enter")
    await expect(status).to_have_text("1 of 2")

    # Case, whole word and regular expression.
    await bar.get_by_role("button", name="match case").click()
    await expect(status).to_have_text("1 of 2")
    await query.fill("Needle")
    await expect(status).to_have_text("no results")
    await bar.get_by_role("button", name="match case").click()
    await bar.get_by_role("button", name="whole words").click()
    await query.fill("needle")
    await expect(status).to_have_text("1 of 1")
    await bar.get_by_role("button", name="whole words").click()
    await bar.get_by_role("button", name="regular expression").click()
    await query.fill(r"needle_s\w+")
    await expect(status).to_have_text("1 of 1")
    await query.fill("needle(")
    await expect(status).to_have_text("invalid expression")

    # Escape closes the bar and gives the keyboard back.
    await query.press("Escape")
    await expect(bar).to_be_hidden()
    await expect(tab.page.locator(".nw-cells")).to_be_focused()
    assert tab.errors == []


async def test_replace_all_reaches_the_other_browser_and_undoes(
    server: Server, session: Session
) -> None:
    sources = write(server.root / "long.ipynb")
    tab = await session.notebook(server, "long.ipynb")
    other = await session.notebook(server, "long.ipynb")
    await tab.page.locator(".nw-cells").focus()
    await tab.page.keyboard.press("Control+f")
    bar = tab.page.locator(".nw-find")
    await bar.locator(".nw-find-query").fill("foo")
    # Three cells (7, 47, 87), two a cell.
    await expect(bar.locator(".nw-find-status")).to_have_text(re.compile(r"^\d of 6$"))
    await bar.locator(".nw-find-replace").fill("bar")
    await bar.get_by_role("button", name="replace every match").click()
    await expect(bar.locator(".nw-find-status")).to_have_text("6 replaced")
    replaced = [s.replace("foo", "bar") for s in sources]
    await other.wait_sources(replaced)

    # One step of the notebook's undo (Z in command mode) takes it all back, everywhere.
    await bar.locator(".nw-find-query").press("Escape")
    await expect(tab.page.locator(".nw-cells")).to_be_focused()
    await tab.page.keyboard.press("z")
    await tab.wait_sources(sources)
    await other.wait_sources(sources)
    assert tab.errors == [] and other.errors == []


async def test_contents_links_and_errors_bring_their_cell(server: Server, session: Session) -> None:
    write(server.root / "long.ipynb")
    tab = await session.notebook(server, "long.ipynb")
    await tab.page.locator(".nw-cells").focus()
    await tab.page.keyboard.press("Control+Shift+K")
    toc = tab.page.locator(".nw-toc")
    items = toc.locator(".nw-toc-item")
    await expect(items).to_have_text(["Intro", "⚠ ZeroDivisionError: division by zero", "Far Away"])
    await expect(items.first).to_be_focused()

    # By keyboard: End, then Enter on "Far Away".
    await tab.page.keyboard.press("End")
    await expect(items.last).to_be_focused()
    await tab.page.keyboard.press("Enter")
    await on_screen(tab, CELLS - 1, "h2")
    # The error entry: the cell's error output, built.
    await tab.page.keyboard.press("ArrowUp")
    await tab.page.keyboard.press("Enter")
    await on_screen(tab, ERROR_AT, ".nw-error")
    assert await tab.active_index() == ERROR_AT

    # A #heading link in a markdown cell.
    await items.first.click()
    await on_screen(tab, 0, "h1")
    await tab.cell(0).get_by_role("link", name="the end").click()
    await on_screen(tab, CELLS - 1, "h2")
    assert tab.page.url.endswith("#Far-Away")

    # The table follows the document: a new heading, typed in another browser.
    other = await session.notebook(server, "long.ipynb")
    await other.page.evaluate(
        "() => window.notewire.doc.getArray('cells').get(0).get('source').insert(0, '# New\\n')"
    )
    await expect(items.first).to_have_text("New")
    assert tab.errors == []


async def test_an_address_with_a_heading_opens_there(server: Server, session: Session) -> None:
    write(server.root / "long.ipynb")
    logged_in = await session.notebook(server, "long.ipynb")
    tab = Tab(await logged_in.page.context.new_page(), "with-hash")
    await tab.page.goto(f"{server.url}/notebooks/long.ipynb#Far-Away")
    await tab.connected()
    await on_screen(tab, CELLS - 1, "h2")


async def test_the_browsers_find_reaches_outputs_not_built(
    server: Server, session: Session
) -> None:
    write(server.root / "long.ipynb")
    tab = await session.notebook(server, "long.ipynb")
    cell = tab.cell(OUTPUT_AT)
    # The output's text waits, hidden until found, where the browser's find looks.
    findable = cell.locator(".nw-findable[hidden='until-found']")
    await expect(findable).to_have_text("a needle in output\n")
    await expect(cell.locator(".nw-outputs")).to_have_count(0)
    # The browser's find-in-page (here through window.find, the same search) reveals
    # it, firing beforematch: the cell's outputs are built in its place.
    assert await tab.page.evaluate("window.find('needle in output')")
    await expect(cell.locator(".nw-outputs")).to_have_count(1)
    await expect(findable).to_have_count(0)
