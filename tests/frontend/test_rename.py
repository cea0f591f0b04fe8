"""An open notebook renamed or deleted from elsewhere, in Chromium against the real
server and kernel: the page follows a rename (URL, title, name; the kernel and its
variables stay), and a delete leaves the page with its copy and a way to save it
again."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.async_api import expect

from tests.server.notebook_server import Server, write_notebook

from .browser import KERNEL_TIMEOUT_MS, Session

pytestmark = pytest.mark.asyncio(loop_scope="session")

POLL_TIMEOUT_MS = 10_000  # the file browser polls the open notebooks every 3 s


async def test_a_notebook_renamed_in_the_file_browser_moves_its_open_page_along(
    server: Server, session: Session
) -> None:
    (server.root / "sub").mkdir()
    write_notebook(server.root / "sub" / "a.ipynb", cells=["x = 41"])
    nb = await session.notebook(server, "sub/a.ipynb")
    page = nb.page
    await nb.type_in_cell(0, "")
    await page.keyboard.press("Control+Enter")
    await expect(nb.cell(0).locator(".nw-prompt")).to_have_text("[1]", timeout=KERNEL_TIMEOUT_MS)

    # Another page, the file browser, shows the kernel running and renames the file.
    tree = await session.page(server, "/tree/sub")
    files = tree.page
    old_row = files.locator('tbody tr[data-path="sub/a.ipynb"]')
    await expect(old_row.locator(".nw-running")).to_contain_text("Running", timeout=POLL_TIMEOUT_MS)
    await old_row.locator("td.nw-col-size").click()
    await files.get_by_role("button", name="Rename").click()
    dialog = files.locator("dialog.nw-name-dialog")
    await dialog.get_by_role("textbox").fill("b c.ipynb")
    await dialog.get_by_role("textbox").press("Enter")
    await expect(dialog).to_be_hidden()
    new_row = files.locator('tbody tr[data-path="sub/b c.ipynb"]')
    await expect(new_row.locator(".nw-running")).to_contain_text("Running")
    await expect(old_row).to_have_count(0)

    # The notebook page follows without a reload: URL, title, name.
    await expect(page).to_have_url(re.compile(r"/notebooks/sub/b%20c\.ipynb$"))
    await expect(page).to_have_title(re.compile(r"^(● )?b c\.ipynb - notewire$"))
    await expect(page.locator(".nw-name")).to_have_text("b c.ipynb")
    assert await page.evaluate("performance.getEntriesByType('navigation').length") == 1
    await nb.connected()

    # The kernel is the same: x is still defined. The edit is saved at the new path.
    await page.get_by_role("button", name="+ code").click()
    await nb.edit_mode()
    await page.keyboard.type("print(x + 1)")
    await page.keyboard.press("Control+Enter")
    await expect(nb.cell(1).locator(".nw-stream")).to_have_text("42", timeout=KERNEL_TIMEOUT_MS)
    await expect(page.locator(".nw-save")).to_have_attribute("data-dirty", "false")
    saved = await server.saved("sub/b c.ipynb")
    assert [c.source for c in saved.cells] == ["x = 41", "print(x + 1)"]
    assert not (server.root / "sub" / "a.ipynb").exists()

    # A reload of the page lands on the same live session.
    await page.reload()
    await nb.connected()
    await expect(nb.cell(1).locator(".nw-stream")).to_have_text("42")
    assert nb.errors == [] and tree.errors == []


async def test_a_deleted_notebook_keeps_its_page_copy_and_can_be_saved_again(
    server: Server, session: Session
) -> None:
    write_notebook(server.root / "d.ipynb", cells=["print('kept')"])
    nb = await session.notebook(server, "d.ipynb")
    page = nb.page
    await nb.type_in_cell(0, "")
    await page.keyboard.press("Control+Enter")
    await expect(nb.cell(0).locator(".nw-stream")).to_have_text("kept", timeout=KERNEL_TIMEOUT_MS)
    headers = {"Authorization": f"token {server.token}"}
    async with httpx.AsyncClient(base_url=server.url, headers=headers) as http:
        assert (await http.delete("/api/contents/d.ipynb")).status_code == 204

    notice = page.locator(".nw-deleted")
    await expect(notice).to_be_visible()
    await expect(notice).to_contain_text("d.ipynb was deleted on the server")
    await expect(
        page.locator(".nw-banner[role=alert]").filter(has_text="reconnecting")
    ).to_be_hidden()
    assert not (server.root / "d.ipynb").exists()
    # Edits go on in the page; nothing writes the file meanwhile.
    await nb.type_in_cell(0, "\nprint('more')")
    assert not (server.root / "d.ipynb").exists()

    await notice.get_by_role("button", name=re.compile("write this page's copy")).click()
    await expect(notice).to_be_hidden()
    await nb.connected()
    saved = await server.saved("d.ipynb")
    assert saved.cells[0].source == "print('kept')\nprint('more')"
    assert saved.cells[0].outputs[0].text == "kept\n"
    # A new kernel runs it.
    await nb.type_in_cell(0, "")
    await page.keyboard.press("Control+Enter")
    await expect(nb.cell(0).locator(".nw-stream")).to_have_text(
        "kept\nmore", timeout=KERNEL_TIMEOUT_MS
    )
    assert nb.errors == []
