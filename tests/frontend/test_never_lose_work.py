"""What must never go wrong in the browser: a reload during a run loses no output, two
browsers typing into one cell keep both edits, saving and the file on disk (reload,
conflict), untrusted outputs never run code, and the keyboard model's cell operations."""

from __future__ import annotations

import asyncio
import re

import nbformat
import pytest
from playwright.async_api import expect

from notewire.server.session.session import SessionConfig
from tests.server.notebook_server import Server, write_notebook

from .browser import KERNEL_TIMEOUT_MS, Session
from .conftest import ServerFactory

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_reload_during_a_run_shows_every_output_and_the_rest_streams_in(
    server: Server, session: Session
) -> None:
    lines = 120
    write_notebook(
        server.root / "run.ipynb",
        cells=[
            f"import time\nfor i in range({lines}):\n    print('line', i, flush=True)\n    time.sleep(0.04)\nprint('done')"
        ],
    )
    tab = await session.notebook(server, "run.ipynb")
    page = tab.page
    await page.keyboard.press("Control+Enter")
    stream = tab.cell(0).locator(".nw-stream")
    await expect(stream).to_contain_text("line 10", timeout=KERNEL_TIMEOUT_MS)
    await page.reload()
    await tab.connected()
    # Still running after the reload, with what was printed before it already there.
    await expect(tab.cell(0)).to_have_attribute("data-state", "running")
    await expect(stream).to_contain_text("line 10")
    await expect(stream).to_contain_text("done", timeout=KERNEL_TIMEOUT_MS)
    expected = "".join(f"line {i}\n" for i in range(lines)) + "done"
    assert (await stream.inner_text()).strip() == expected
    await expect(tab.cell(0).locator(".nw-prompt")).to_have_text("[1]")
    assert tab.errors == []


async def test_two_browsers_typing_into_one_cell_converge(server: Server, session: Session) -> None:
    write_notebook(server.root / "shared.ipynb", cells=["middle"])
    alice = await session.notebook(server, "shared.ipynb")
    bob = await session.notebook(server, "shared.ipynb")
    await alice.editor(0).click()
    await alice.page.keyboard.press("Control+Home")
    await bob.editor(0).click()
    await bob.page.keyboard.press("Control+End")
    # Each sees the other's cursor.
    await expect(alice.cell(0).locator(".cm-ySelectionCaret")).to_have_count(1)
    await expect(bob.cell(0).locator(".cm-ySelectionCaret")).to_have_count(1)
    # Both type at the same time, a key every 20 ms, at either end of the text.
    await asyncio.gather(
        alice.page.keyboard.type("alice wrote this, ", delay=20),
        bob.page.keyboard.type(" and bob wrote that", delay=20),
    )
    want = "alice wrote this, middle and bob wrote that"
    for tab in (alice, bob):
        await tab.wait_sources([want])
        # The text on screen, without the other browser's cursor label.
        assert (
            await tab.cell(0)
            .locator(".cm-line")
            .evaluate(
                "(l) => [...l.childNodes].filter((n) => !n.classList?.contains('cm-ySelectionCaret')).map((n) => n.textContent).join('')"
            )
            == want
        )
    # And the server has it too: saved to disk.
    await expect(alice.page.locator(".nw-save")).to_have_attribute("data-dirty", "false")
    assert (await server.saved("shared.ipynb")).cells[0].source == want
    # When bob leaves, his cursor goes away at once.
    await bob.page.close()
    await expect(alice.cell(0).locator(".cm-ySelectionCaret")).to_have_count(0)
    assert alice.errors == [] and bob.errors == []


PAYLOAD_HTML = (
    "<b class='shown'>html shown</b>"
    "<script>window.pwned_script = 1; console.log('PWNED script')</script>"
    "<img src='x' onerror=\"window.pwned_img = 1; console.log('PWNED img')\">"
    "<svg><image href='y' onerror=\"window.pwned_svg = 1\"></image></svg>"
    "<form id='notewire'><input name='doc'></form>"
)


def untrusted_notebook() -> str:
    """A notebook with malicious outputs, as if downloaded: written here, never signed."""
    out = nbformat.v4.new_output
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "notewire",
        "display_name": "notewire",
        "language": "python",
    }
    nb.cells = [
        nbformat.v4.new_code_cell(
            "html", outputs=[out("display_data", {"text/html": PAYLOAD_HTML, "text/plain": "html"})]
        ),
        nbformat.v4.new_code_cell(
            "js",
            outputs=[
                out(
                    "display_data",
                    {
                        "application/javascript": "window.pwned_js = 1; console.log('PWNED js')",
                        "text/plain": "js",
                    },
                )
            ],
        ),
        nbformat.v4.new_code_cell(
            "md",
            outputs=[
                out(
                    "execute_result",
                    {"text/markdown": "*md* <img src='z' onerror='window.pwned_md = 1'>"},
                    execution_count=3,
                )
            ],
        ),
        nbformat.v4.new_code_cell(
            "svg",
            outputs=[
                out(
                    "display_data",
                    {
                        "image/svg+xml": "<svg xmlns='http://www.w3.org/2000/svg' onload='window.pwned_svgimg = 1'><script>window.pwned_svgimg = 1</script><rect width='10' height='10'/></svg>"
                    },
                )
            ],
        ),
    ]
    return nbformat.writes(nb)


FLAGS = "['pwned_script', 'pwned_img', 'pwned_svg', 'pwned_js', 'pwned_md', 'pwned_svgimg'].filter((k) => k in window)"


async def test_an_untrusted_notebook_runs_no_script_and_no_event_handler(
    server: Server, session: Session
) -> None:
    (server.root / "foreign.ipynb").write_text(untrusted_notebook())
    tab = await session.notebook(server, "foreign.ipynb")
    page = tab.page
    await expect(page.locator(".nw-trust")).to_be_visible()
    await expect(tab.cell(0).locator(".nw-html b.shown")).to_have_text("html shown")
    await expect(tab.cell(2).locator(".nw-markdown em")).to_have_text("md")
    await expect(tab.cell(3).locator("img.nw-image")).to_be_visible()
    # Every image has loaded or failed, so an onerror handler would have run by now.
    await page.wait_for_function("() => [...document.images].every((i) => i.complete)")
    await page.evaluate("new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)))")
    assert await page.evaluate(FLAGS) == []
    assert not [line for line in tab.console if "PWNED" in line]
    # No handler attributes and no scripts made it into the page; no frame runs anything.
    assert (
        await page.locator(".nw-outputs script, .nw-outputs [onerror], .nw-outputs form").count()
        == 0
    )
    assert len(page.frames) == 1
    # The form could not clobber document.notewire (DOMPurify's named-property guard).
    assert await page.evaluate("document.notewire === undefined")
    # The JavaScript output shows as not run: its text/plain fallback.
    await expect(tab.cell(1).locator(".nw-output")).to_have_text("js")
    assert tab.errors == []


async def test_trusted_html_runs_only_inside_an_opaque_sandbox(
    server: Server, session: Session
) -> None:
    (server.root / "foreign.ipynb").write_text(untrusted_notebook())
    tab = await session.notebook(server, "foreign.ipynb")
    page = tab.page
    await page.locator(".nw-trust button").click()
    await expect(page.locator(".nw-trust")).to_be_hidden()
    frames = page.locator("iframe.nw-frame")
    await expect(frames).to_have_count(2)  # the HTML with a script, and the JavaScript
    html_frame = tab.cell(0).frame_locator("iframe.nw-frame")
    await expect(html_frame.locator("b.shown")).to_have_text("html shown")
    inner = [
        f
        for f in page.frames
        if f.parent_frame is not None and await f.evaluate("!!document.querySelector('b.shown')")
    ][0]
    await inner.wait_for_function("() => window.pwned_script === 1 && window.pwned_img === 1")
    assert await inner.evaluate("origin") == "null"
    # Nothing ran in the page itself.
    assert await page.evaluate(FLAGS) == []
    assert tab.errors == []


async def test_save_reload_from_disk_and_the_conflict_dialog(
    serve: ServerFactory, session: Session
) -> None:
    # No autosave: changes stay unsaved until Ctrl-S.
    async with serve(
        session=SessionConfig(autosave_interval=3600, disk_check_interval=0.1)
    ) as server:
        path = server.root / "disk.ipynb"
        write_notebook(path, cells=["a = 1"])
        tab = await session.notebook(server, "disk.ipynb")
        page = tab.page
        status = page.locator(".nw-save")
        await tab.type_in_cell(0, " + 1")
        await expect(status).to_have_attribute("data-dirty", "true")
        await expect(status).to_have_text("unsaved changes")
        await page.keyboard.press("Control+s")
        await expect(status).to_have_attribute("data-dirty", "false")
        await expect(status).to_have_text(re.compile(r"^saved "))
        assert (await server.saved("disk.ipynb")).cells[0].source == "a = 1 + 1"

        # Changed on disk while the page has nothing unsaved: the page shows the file.
        write_notebook(path, cells=["from disk", "second"])
        await expect(tab.cells).to_have_count(2, timeout=KERNEL_TIMEOUT_MS)
        await expect(tab.editor(0)).to_have_text("from disk")
        assert await tab.sources() == ["from disk", "second"]
        await expect(page.locator(".nw-notice")).to_be_hidden()  # nothing was lost

        # Changed on both sides: the dialog. "Load the file from disk" takes the file.
        await tab.type_in_cell(1, " mine")
        await expect(status).to_have_attribute("data-dirty", "true")
        write_notebook(path, cells=["theirs"])
        dialog = page.locator("dialog.nw-dialog")
        await page.keyboard.press("Control+s")
        await expect(dialog).to_contain_text("The file changed on disk", timeout=KERNEL_TIMEOUT_MS)
        await dialog.get_by_role("button", name="Load the file from disk").click()
        await expect(dialog).to_have_count(0)
        await expect(tab.cells).to_have_count(1)
        await expect(tab.editor(0)).to_have_text("theirs")
        assert (await server.saved("disk.ipynb")).cells[0].source == "theirs"

        # Again, and this time "Keep mine" overwrites the file.
        await tab.type_in_cell(0, " and mine")
        await expect(status).to_have_attribute("data-dirty", "true")
        write_notebook(path, cells=["theirs again"])
        await page.keyboard.press("Control+s")
        await expect(dialog).to_contain_text("The file changed on disk", timeout=KERNEL_TIMEOUT_MS)
        await dialog.get_by_role("button", name="Keep mine (overwrite the file)").click()
        await expect(status).to_have_attribute("data-dirty", "false")
        assert (await server.saved("disk.ipynb")).cells[0].source == "theirs and mine"
        await expect(tab.editor(0)).to_have_text("theirs and mine")
        assert tab.errors == []


async def test_keyboard_model_basics(server: Server, session: Session) -> None:
    write_notebook(server.root / "keys.ipynb", cells=["c0", "c1", "c2"])
    tab = await session.notebook(server, "keys.ipynb")
    page = tab.page
    press = page.keyboard.press

    async def active() -> int:
        return await tab.active_index()

    await expect(tab.cell(0)).to_have_class(re.compile(r"\bnw-active\b"))
    await press("j")
    await press("j")
    assert await active() == 2
    await press("k")
    assert await active() == 1
    # A inserts above and B below the active cell, and select the new cell.
    await press("a")
    assert await tab.sources() == ["c0", "", "c1", "c2"]
    assert await active() == 1
    await press("b")
    assert await tab.sources() == ["c0", "", "", "c1", "c2"]
    assert await active() == 2
    # D, D deletes; Z brings it back.
    await press("j")
    await press("d")
    await press("d")
    assert await tab.sources() == ["c0", "", "", "c2"]
    assert await active() == 3
    await press("z")
    assert await tab.sources() == ["c0", "", "", "c1", "c2"]
    assert await active() == 3  # the cell that came back
    # M makes markdown, Y code again.
    for _ in range(3):
        await press("k")
    assert await active() == 0
    await press("m")
    await expect(tab.cell(0)).to_have_attribute("data-type", "markdown")
    assert (await tab.types())[0] == "markdown"
    await press("y")
    await expect(tab.cell(0)).to_have_attribute("data-type", "code")
    assert await tab.types() == ["code"] * 5
    # Enter edits, Esc leaves; the typing went to the active cell only.
    await press("Enter")
    await tab.edit_mode()
    await page.keyboard.type("!")
    await tab.command_mode()
    assert await tab.sources() == [
        "!c0",
        "",
        "",
        "c1",
        "c2",
    ]  # as in Jupyter: the cursor starts at the top
    # Shift-J extends the selection; D, D deletes both.
    await press("j")
    await press("Shift+j")
    await expect(page.locator(".nw-cell.nw-selected")).to_have_count(2)
    await press("d")
    await press("d")
    assert await tab.sources() == ["!c0", "c1", "c2"]
    assert tab.errors == []


async def test_edits_made_offline_on_a_notebook_reloaded_meanwhile_are_reported_lost(
    server: Server, session: Session
) -> None:
    path = server.root / "offline.ipynb"
    write_notebook(path, cells=["online"])
    tab = await session.notebook(server, "offline.ipynb")
    page = tab.page
    # The connection drops, and the page waits long before it tries again.
    await page.evaluate(
        "() => { const c = window.notewire.page.client;"
        " c.opts.backoff = { base: 600000, max: 600000 }; c.socket.close(); }"
    )
    banner = page.locator(".nw-banner[role=alert]").filter(has_text="Disconnected")
    await expect(banner).to_be_visible()
    await expect(page.locator("#app")).to_have_attribute("data-connection", "disconnected")
    await tab.type_in_cell(0, " and offline")
    await tab.wait_sources(["online and offline"])
    # Meanwhile the file changes on disk; the server, with nothing unsaved, reloads it.
    write_notebook(path, cells=["from disk"])
    async with server.client("offline.ipynb") as other:
        await other.wait_until(lambda: [str(c["source"]) for c in other.cells] == ["from disk"])
    await banner.get_by_role("button", name="reconnect now").click()
    await tab.connected()
    await tab.wait_sources(["from disk"])
    notice = page.locator(".nw-notice")
    await expect(notice).to_contain_text("could not be kept")
    await notice.get_by_role("button", name="hide this notice").click()
    await expect(notice).to_be_hidden()
    assert tab.errors == []
