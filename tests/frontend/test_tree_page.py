"""The file browser (/tree/...) in Chromium against the real server: the listing and
its order, folders and breadcrumbs, new folder / file / notebook, rename, duplicate,
delete, upload (chunked, dropped, replacing), download, the running-kernel indicator
and shutting a kernel down, hidden files, awkward names in every action, the keyboard,
and errors. Every action is checked on the page and on disk."""

from __future__ import annotations

import asyncio
import json
import os
import re
from pathlib import Path

import pytest
from playwright.async_api import Locator, Page, Route, expect

from tests.server.notebook_server import Server, write_notebook

from .browser import KERNEL_TIMEOUT_MS, Session, Tab

pytestmark = pytest.mark.asyncio(loop_scope="session")

# The page polls the listing and the open notebooks every 3 s.
POLL_TIMEOUT_MS = 10_000
# The frontend's upload piece (frontend/src/view/api.ts UPLOAD_CHUNK_BYTES).
CHUNK = 1024 * 1024
# Characters that URLs and CSS selectors get wrong.
AWKWARD = "a #1 ?q %20 & é 数据"


def _css(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def row(page: Page, path: str) -> Locator:
    return page.locator(f'tbody tr[data-path="{_css(path)}"]')


def names(page: Page) -> Locator:
    return page.locator("tbody tr[data-path] .nw-item-name")


def url_of(*parts: str) -> re.Pattern[str]:
    """A pattern for a page URL whose path ends with `parts`, each encoded as the page
    encodes them (encodeURIComponent)."""
    from urllib.parse import quote

    return re.compile(re.escape("/".join(quote(p, safe="!'()*~") for p in parts)) + "$")


async def tree(session: Session, server: Server, folder: str = "") -> Tab:
    from urllib.parse import quote

    tab = await session.page(
        server, "/tree/" + "/".join(quote(p, safe="") for p in folder.split("/") if p)
    )
    await expect(tab.page.locator(".nw-tree-status")).to_have_text(re.compile(r"\d+ items?"))
    return tab


async def select(page: Page, path: str, modifiers: list[str] | None = None) -> None:
    """Clicks a row outside its name link (selecting it, as in JupyterLab)."""
    await row(page, path).locator("td.nw-col-size").click(modifiers=modifiers or [])  # type: ignore[arg-type]


async def name_dialog(page: Page) -> Locator:
    dialog = page.locator("dialog.nw-name-dialog")
    await expect(dialog).to_be_visible()
    return dialog


async def answer(page: Page, name: str) -> Locator:
    """Types `name` into the open name dialog and submits it with Enter."""
    dialog = await name_dialog(page)
    await dialog.get_by_role("textbox").fill(name)
    await dialog.get_by_role("textbox").press("Enter")
    return dialog


async def read(path: Path) -> bytes:
    return await asyncio.to_thread(path.read_bytes)


# --- the listing ---------------------------------------------------------------------


async def test_listing_folders_first_natural_order_hidden_left_out_and_sorting(
    server: Server, session: Session
) -> None:
    root = server.root
    for d in ("b folder", "A dir", "data", ".hidden dir"):
        (root / d).mkdir()
    write_notebook(root / "Zeta.ipynb")
    write_notebook(root / "analysis.ipynb")
    (root / "file10.txt").write_text("ten")
    (root / "file2.txt").write_bytes(b"x" * 5000)
    (root / ".secret").write_text("hidden")
    tab = await tree(session, server)
    page = tab.page
    await expect(names(page)).to_have_text(
        ["A dir", "b folder", "data", "analysis.ipynb", "file2.txt", "file10.txt", "Zeta.ipynb"]
    )
    await expect(row(page, "data")).to_have_attribute("data-type", "directory")
    await expect(row(page, "Zeta.ipynb")).to_have_attribute("data-type", "notebook")
    await expect(row(page, "file2.txt")).to_have_attribute("data-type", "file")
    await expect(row(page, "file2.txt").locator(".nw-col-size")).to_have_text("4.9 KB")
    await expect(page.locator(".nw-tree-status")).to_have_text("7 items")
    # Hidden files and folders are not listed.
    await expect(page.get_by_text(".secret")).to_have_count(0)
    await expect(page.get_by_text(".hidden dir")).to_have_count(0)
    # Sorting by a column keeps folders first (size: largest first, as in JupyterLab);
    # a second click reverses it; ties go by name.
    await page.get_by_role("button", name="Size").click()
    await expect(page.locator("th.nw-col-size")).to_have_attribute("aria-sort", "descending")
    await expect(names(page)).to_have_text(
        ["A dir", "b folder", "data", "file2.txt", "analysis.ipynb", "Zeta.ipynb", "file10.txt"]
    )
    await page.get_by_role("button", name="Size").click()
    await expect(page.locator("th.nw-col-size")).to_have_attribute("aria-sort", "ascending")
    await expect(names(page)).to_have_text(
        ["A dir", "b folder", "data", "file10.txt", "analysis.ipynb", "Zeta.ipynb", "file2.txt"]
    )
    await page.get_by_role("button", name="Name", exact=True).click()
    await page.get_by_role("button", name="Name", exact=True).click()
    await expect(page.locator("th.nw-col-name")).to_have_attribute("aria-sort", "descending")
    await expect(names(page)).to_have_text(
        ["data", "b folder", "A dir", "Zeta.ipynb", "file10.txt", "file2.txt", "analysis.ipynb"]
    )
    # A file made by someone else shows up without a reload.
    (root / "later.txt").write_text("new")
    await expect(row(page, "later.txt")).to_be_visible(timeout=POLL_TIMEOUT_MS)
    assert tab.errors == []


async def test_folders_breadcrumbs_back_button_and_deep_links(
    server: Server, session: Session
) -> None:
    (server.root / "sub" / "dir").mkdir(parents=True)
    (server.root / "sub" / "dir" / "deep.txt").write_text("deep")
    (server.root / "sub" / "mid.txt").write_text("mid")
    tab = await tree(session, server)
    page = tab.page
    await expect(page.locator(".nw-crumbs")).to_have_text("Home")
    await row(page, "sub").get_by_role("link").click()
    await page.wait_for_url(re.compile(r"/tree/sub$"))
    await expect(names(page)).to_have_text(["dir", "mid.txt"])
    await row(page, "sub/dir").get_by_role("link").click()
    await page.wait_for_url(re.compile(r"/tree/sub/dir$"))
    await expect(names(page)).to_have_text(["deep.txt"])
    crumbs = page.locator(".nw-crumbs")
    await expect(crumbs).to_have_text("Home/sub/dir")
    await expect(crumbs.locator('[aria-current="page"]')).to_have_text("dir")
    await expect(page).to_have_title("dir - notewire")
    # Up through the breadcrumbs.
    await crumbs.get_by_role("link", name="sub").click()
    await page.wait_for_url(re.compile(r"/tree/sub$"))
    await expect(names(page)).to_have_text(["dir", "mid.txt"])
    # The browser's Back and Forward buttons.
    await page.go_back()
    await page.wait_for_url(re.compile(r"/tree/sub/dir$"))
    await expect(names(page)).to_have_text(["deep.txt"])
    await page.go_forward()
    await expect(names(page)).to_have_text(["dir", "mid.txt"])
    await crumbs.get_by_role("link", name="Home").click()
    await page.wait_for_url(re.compile(r"/tree/$"))
    await expect(names(page)).to_have_text(["sub"])
    # A deep link, in a fresh page.
    deep = await tree(session, server, "sub/dir")
    await expect(names(deep.page)).to_have_text(["deep.txt"])
    # A folder that is not there says so, and offers the way up.
    missing = await session.page(server, "/tree/sub/nowhere")
    alert = missing.page.get_by_role("alert")
    await expect(alert).to_contain_text("“sub/nowhere” does not exist")
    await alert.get_by_role("link", name="Go up a folder").click()
    await missing.page.wait_for_url(re.compile(r"/tree/sub$"))
    await expect(names(missing.page)).to_have_text(["dir", "mid.txt"])
    assert tab.errors == deep.errors == []


# --- creating ------------------------------------------------------------------------


async def test_new_folder_and_new_file_are_named_as_they_are_made(
    server: Server, session: Session
) -> None:
    tab = await tree(session, server)
    page = tab.page
    await page.get_by_role("button", name="New folder").click()
    dialog = await name_dialog(page)
    await expect(dialog.get_by_role("textbox")).to_have_value("Untitled Folder")
    await answer(page, "My data")
    await expect(dialog).to_be_hidden()
    await expect(row(page, "My data")).to_have_class(re.compile(r"\bnw-selected\b"))
    assert (server.root / "My data").is_dir()
    assert not (server.root / "Untitled Folder").exists()
    # Esc keeps the untitled name.
    await page.get_by_role("button", name="New file").click()
    dialog = await name_dialog(page)
    await expect(dialog.get_by_role("textbox")).to_have_value("untitled.txt")
    await page.keyboard.press("Escape")
    await expect(dialog).to_be_hidden()
    await expect(row(page, "untitled.txt")).to_be_visible()
    assert (server.root / "untitled.txt").read_bytes() == b""
    await expect(names(page)).to_have_text(["My data", "untitled.txt"])
    assert tab.errors == []


async def test_new_notebook_in_a_folder_with_an_awkward_name_opens_it(
    server: Server, session: Session
) -> None:
    (server.root / AWKWARD).mkdir()
    tab = await tree(session, server, AWKWARD)
    page = tab.page
    await expect(page.locator(".nw-crumbs [aria-current]")).to_have_text(AWKWARD)
    await page.get_by_role("button", name="New notebook").click()
    await page.wait_for_url(url_of("notebooks", AWKWARD, "Untitled.ipynb"))
    await tab.connected()
    saved = json.loads((server.root / AWKWARD / "Untitled.ipynb").read_text())
    assert saved["nbformat"] == 4
    assert tab.errors == []


# --- rename, duplicate, delete -------------------------------------------------------


async def test_rename_a_file_and_a_folder_refusing_names_that_exist(
    server: Server, session: Session
) -> None:
    root = server.root
    (root / "a.txt").write_text("A")
    (root / "b.txt").write_text("B")
    (root / "old dir").mkdir()
    (root / "old dir" / "inside.txt").write_text("in")
    tab = await tree(session, server)
    page = tab.page
    await select(page, "a.txt")
    await page.get_by_role("button", name="Rename").click()
    dialog = await name_dialog(page)
    # The name is selected without its extension.
    assert (
        await dialog.get_by_role("textbox").evaluate(
            "(i) => i.value.slice(i.selectionStart, i.selectionEnd)"
        )
        == "a"
    )
    await answer(page, "b.txt")
    await expect(dialog.get_by_role("alert")).to_have_text("“b.txt” already exists in this folder.")
    await expect(dialog).to_be_visible()
    # A name the page has not seen yet, refused by the server, says the same.
    (root / "c.txt").write_text("C")
    await answer(page, "c.txt")
    await expect(dialog.get_by_role("alert")).to_have_text("“c.txt” already exists in this folder.")
    await answer(page, "sub/x.txt")
    await expect(dialog.get_by_role("alert")).to_contain_text("cannot contain")
    await answer(page, "renamed.txt")
    await expect(dialog).to_be_hidden()
    await expect(row(page, "renamed.txt")).to_have_class(re.compile(r"\bnw-selected\b"))
    await expect(row(page, "a.txt")).to_have_count(0)
    assert (root / "renamed.txt").read_text() == "A"
    assert (root / "b.txt").read_text() == "B" and (root / "c.txt").read_text() == "C"
    assert not (root / "a.txt").exists()
    # A folder, with what is in it.
    await select(page, "old dir")
    await page.get_by_role("button", name="Rename").click()
    await answer(page, "new dir")
    await expect(row(page, "new dir")).to_be_visible()
    await expect(row(page, "old dir")).to_have_count(0)
    assert (root / "new dir" / "inside.txt").read_text() == "in"
    assert not (root / "old dir").exists()
    await row(page, "new dir").get_by_role("link").click()
    await expect(names(page)).to_have_text(["inside.txt"])
    assert tab.errors == []


async def test_duplicate_files(server: Server, session: Session) -> None:
    write_notebook(server.root / "analysis.ipynb", cells=["1 + 1"])
    (server.root / "notes.md").write_text("# notes")
    tab = await tree(session, server)
    page = tab.page
    await select(page, "analysis.ipynb")
    await select(page, "notes.md", ["Control"])
    await expect(page.locator(".nw-tree-status")).to_have_text("2 of 2 selected")
    await page.get_by_role("button", name="Duplicate").click()
    await expect(names(page)).to_have_text(
        ["analysis-Copy1.ipynb", "analysis.ipynb", "notes-Copy1.md", "notes.md"]
    )
    # The copies are selected, and their bytes are the originals'.
    await expect(page.locator("tr.nw-selected .nw-item-name")).to_have_text(
        ["analysis-Copy1.ipynb", "notes-Copy1.md"]
    )
    root = server.root
    assert (root / "analysis-Copy1.ipynb").read_bytes() == (root / "analysis.ipynb").read_bytes()
    assert (root / "notes-Copy1.md").read_text() == "# notes"
    # Folders cannot be duplicated: the button says so by being off.
    (root / "folder").mkdir()
    await page.get_by_role("button", name="Refresh").click()
    await select(page, "folder")
    await expect(page.get_by_role("button", name="Duplicate")).to_be_disabled()
    assert tab.errors == []


async def test_delete_asks_first_and_deletes_files_and_folders(
    server: Server, session: Session
) -> None:
    root = server.root
    (root / "keep.txt").write_text("keep")
    (root / "gone.txt").write_text("gone")
    (root / "full").mkdir()
    (root / "full" / "x.txt").write_text("x")
    (root / "empty").mkdir()
    tab = await tree(session, server)
    page = tab.page
    await select(page, "gone.txt")
    await page.get_by_role("button", name="Delete").click()
    confirm = page.locator("dialog.nw-dialog")
    await expect(confirm.get_by_role("heading")).to_have_text("Delete “gone.txt”?")
    await confirm.get_by_role("button", name="Cancel").click()
    await expect(confirm).to_be_hidden()
    assert (root / "gone.txt").exists()
    await page.get_by_role("button", name="Delete").click()
    await confirm.get_by_role("button", name="Delete").click()
    await expect(row(page, "gone.txt")).to_have_count(0)
    assert not (root / "gone.txt").exists()
    # Two folders at once (Shift-click for the range), one of them not empty.
    await select(page, "empty")
    await select(page, "full", ["Shift"])
    await page.get_by_role("button", name="Delete").click()
    await expect(confirm.get_by_role("heading")).to_have_text("Delete 2 items?")
    await expect(confirm).to_contain_text("Folders are deleted with everything in them.")
    await confirm.get_by_role("button", name="Delete").click()
    await expect(names(page)).to_have_text(["keep.txt"])
    assert sorted(os.listdir(root)) == ["keep.txt"]
    assert tab.errors == []


async def test_deleting_what_someone_else_deleted_says_so(server: Server, session: Session) -> None:
    (server.root / "shared.txt").write_text("s")
    tab = await tree(session, server)
    page = tab.page
    await select(page, "shared.txt")
    await page.get_by_role("button", name="Delete").click()
    confirm = page.locator("dialog.nw-dialog")
    await expect(confirm).to_be_visible()
    (server.root / "shared.txt").unlink()
    await confirm.get_by_role("button", name="Delete").click()
    await expect(page.locator(".nw-toast.nw-error")).to_have_text(
        "Cannot delete “shared.txt”: “shared.txt” is no longer there: it was deleted or moved."
    )
    await expect(row(page, "shared.txt")).to_have_count(0)
    # Renaming and downloading something gone say so too.
    (server.root / "other.txt").write_text("o")
    await page.get_by_role("button", name="Refresh").click()
    await select(page, "other.txt")
    (server.root / "other.txt").unlink()
    await page.get_by_role("button", name="Download").click()
    await expect(page.locator(".nw-toast.nw-error").last).to_have_text(
        "Cannot download “other.txt”: “other.txt” is no longer there: it was deleted or moved."
    )
    await expect(page).to_have_url(re.compile(r"/tree/$"))
    assert tab.errors == []


# --- upload and download -------------------------------------------------------------


async def test_upload_small_large_and_notebook_files(server: Server, session: Session) -> None:
    tab = await tree(session, server)
    page = tab.page
    puts: list[str] = []
    page.on("request", lambda r: puts.append(r.url) if r.method == "PUT" else None)
    big = os.urandom(2 * CHUNK + 12345)
    nb_path = server.root.parent / "made-elsewhere.ipynb"
    write_notebook(nb_path, cells=["print('uploaded')"])
    notebook = nb_path.read_bytes()
    await page.locator("input.nw-upload-input").set_input_files(
        [
            {"name": "hello.txt", "mimeType": "text/plain", "buffer": "héllo\n".encode()},
            {"name": "big.bin", "mimeType": "application/octet-stream", "buffer": big},
            {"name": "made-elsewhere.ipynb", "mimeType": "application/json", "buffer": notebook},
            {"name": "empty.txt", "mimeType": "text/plain", "buffer": b""},
        ]
    )
    await expect(page.locator(".nw-tree-status")).to_have_text("Uploaded 4 files.")
    await expect(names(page)).to_have_text(
        ["big.bin", "empty.txt", "hello.txt", "made-elsewhere.ipynb"]
    )
    await expect(page.locator("tr.nw-selected")).to_have_count(4)
    root = server.root
    assert await read(root / "big.bin") == big
    assert (root / "hello.txt").read_bytes() == "héllo\n".encode()
    assert (root / "made-elsewhere.ipynb").read_bytes() == notebook
    assert (root / "empty.txt").read_bytes() == b""
    # The big file went up in pieces, and no partial file is left behind.
    assert sum(u.endswith("/big.bin") for u in puts) == 3
    assert sorted(os.listdir(root)) == ["big.bin", "empty.txt", "hello.txt", "made-elsewhere.ipynb"]
    await expect(row(page, "made-elsewhere.ipynb")).to_have_attribute("data-type", "notebook")
    await row(page, "made-elsewhere.ipynb").get_by_role("link").click()
    await page.wait_for_url(re.compile(r"/notebooks/made-elsewhere\.ipynb$"))
    await tab.connected()
    assert await tab.sources() == ["print('uploaded')"]
    assert tab.errors == []


async def test_upload_over_a_file_asks_before_replacing(server: Server, session: Session) -> None:
    (server.root / "data.csv").write_text("old")
    (server.root / "sub").mkdir()
    tab = await tree(session, server)
    page = tab.page
    upload = page.locator("input.nw-upload-input")
    confirm = page.locator("dialog.nw-dialog")
    new = {"name": "data.csv", "mimeType": "text/csv", "buffer": b"new"}
    await upload.set_input_files([new])  # type: ignore[list-item]
    await expect(confirm.get_by_role("heading")).to_have_text("Replace “data.csv”?")
    await confirm.get_by_role("button", name="Cancel").click()
    await expect(confirm).to_be_hidden()
    assert (server.root / "data.csv").read_text() == "old"
    await upload.set_input_files([new])  # type: ignore[list-item]  # the same file again
    await confirm.get_by_role("button", name="Replace").click()
    await expect(page.locator(".nw-tree-status")).to_have_text("Uploaded “data.csv”.")
    assert (server.root / "data.csv").read_text() == "new"
    # A file with a folder's name is refused, clearly.
    await upload.set_input_files([{"name": "sub", "mimeType": "text/plain", "buffer": b"x"}])
    await expect(page.locator(".nw-toast.nw-error")).to_have_text(
        "Cannot upload “sub”: a folder of that name is here."
    )
    assert (server.root / "sub").is_dir()
    assert tab.errors == []


async def test_upload_asks_even_when_the_listing_has_not_caught_up(
    server: Server, session: Session
) -> None:
    """The page checks with the server, not with its listing: a file made since the last
    poll, or an upload before the listing has loaded at all, is not replaced unasked."""
    tab = await tree(session, server)
    page = tab.page
    upload = page.locator("input.nw-upload-input")
    confirm = page.locator("dialog.nw-dialog")
    status = page.locator(".nw-tree-status")
    (server.root / "late.txt").write_text("someone else's")  # after the listing was drawn
    await upload.set_input_files(
        [{"name": "late.txt", "mimeType": "text/plain", "buffer": b"mine"}]
    )
    await expect(confirm.get_by_role("heading")).to_have_text("Replace “late.txt”?")
    await confirm.get_by_role("button", name="Cancel").click()
    assert (server.root / "late.txt").read_text() == "someone else's"
    # Hold the listing back: until it comes the page says it is loading, not "0 items".
    release = asyncio.Event()

    async def hold(route: Route) -> None:
        await release.wait()
        await route.continue_()

    await page.route(re.compile(r"/api/contents/\?content=1$"), hold)
    await page.reload()
    await expect(status).to_have_text("Loading…")
    await upload.set_input_files(
        [{"name": "late.txt", "mimeType": "text/plain", "buffer": b"mine"}]
    )
    await expect(confirm.get_by_role("heading")).to_have_text("Replace “late.txt”?")
    await confirm.get_by_role("button", name="Cancel").click()
    release.set()
    await expect(status).to_have_text("1 item")
    assert (server.root / "late.txt").read_text() == "someone else's"
    assert tab.errors == []


async def test_files_dropped_on_the_listing_are_uploaded(server: Server, session: Session) -> None:
    (server.root / "in here").mkdir()
    tab = await tree(session, server, "in here")
    page = tab.page
    transfer = await page.evaluate_handle(
        """() => {
            const dt = new DataTransfer();
            dt.items.add(new File(["dropped ✓"], "dropped #1.txt", { type: "text/plain" }));
            return dt;
        }"""
    )
    await page.dispatch_event("main.nw-tree", "dragover", {"dataTransfer": transfer})
    await expect(page.locator("main.nw-tree")).to_have_class(re.compile(r"\bnw-drop\b"))
    await page.dispatch_event("main.nw-tree", "drop", {"dataTransfer": transfer})
    await expect(row(page, "in here/dropped #1.txt")).to_be_visible()
    await expect(page.locator("main.nw-tree")).not_to_have_class(re.compile(r"\bnw-drop\b"))
    assert (server.root / "in here" / "dropped #1.txt").read_text() == "dropped ✓"
    assert tab.errors == []


async def test_download_gives_the_bytes_on_disk(server: Server, session: Session) -> None:
    data = os.urandom(300_000)
    (server.root / "blob.bin").write_bytes(data)
    (server.root / "été #2.txt").write_text("unicode ✓")
    write_notebook(server.root / "nb.ipynb", cells=["x = 1"])
    tab = await tree(session, server)
    page = tab.page
    # Clicking a file's name downloads it.
    async with page.expect_download() as info:
        await row(page, "blob.bin").get_by_role("link").click()
    download = await info.value
    assert download.suggested_filename == "blob.bin"
    assert await read(Path(await download.path())) == data
    # The Download button, for a name that needs encoding and for a notebook.
    await select(page, "été #2.txt")
    async with page.expect_download() as info:
        await page.get_by_role("button", name="Download").click()
    download = await info.value
    assert download.suggested_filename == "été #2.txt"
    assert await read(Path(await download.path())) == "unicode ✓".encode()
    await select(page, "nb.ipynb")
    async with page.expect_download() as info:
        await page.get_by_role("button", name="Download").click()
    download = await info.value
    assert download.suggested_filename == "nb.ipynb"
    assert await read(Path(await download.path())) == (server.root / "nb.ipynb").read_bytes()
    await expect(page).to_have_url(re.compile(r"/tree/$"))
    assert tab.errors == []


# --- kernels -------------------------------------------------------------------------


async def test_running_kernels_are_shown_and_can_be_shut_down(
    server: Server, session: Session
) -> None:
    write_notebook(server.root / "live.ipynb", cells=["1"])
    write_notebook(server.root / "idle.ipynb")
    tab = await tree(session, server)
    page = tab.page
    await expect(page.locator(".nw-running")).to_have_count(0)
    notebook = await session.notebook(server, "live.ipynb")
    await notebook.kernel_idle()
    indicator = row(page, "live.ipynb").locator(".nw-running")
    await expect(indicator).to_contain_text("Running", timeout=POLL_TIMEOUT_MS)
    await expect(row(page, "idle.ipynb").locator(".nw-running")).to_have_count(0)
    # Busy shows as busy.
    await notebook.type_in_cell(0, "\nimport time; time.sleep(3)")
    await notebook.page.keyboard.press("Control+Enter")
    await expect(indicator).to_have_attribute("data-state", "busy", timeout=POLL_TIMEOUT_MS)
    await expect(indicator).to_contain_text("Running (busy)")
    await expect(indicator).to_have_attribute("data-state", "idle", timeout=KERNEL_TIMEOUT_MS)
    # Shut down is only for a notebook whose kernel runs.
    await select(page, "idle.ipynb")
    await expect(page.get_by_role("button", name="Shut down")).to_be_disabled()
    await select(page, "live.ipynb")
    await expect(indicator).to_be_visible()
    await page.get_by_role("button", name="Shut down").click()
    await expect(indicator).to_have_count(0)
    res = await page.request.get(f"{server.url}/api/notebooks")
    assert [n["path"] for n in await res.json()] == []
    # The notebook's page, still open, says so and keeps its notebook; it does not
    # reconnect on its own (that would start a new kernel) ...
    banner = notebook.page.get_by_text("kernel was shut down")
    await expect(banner).to_be_visible(timeout=KERNEL_TIMEOUT_MS)
    # ... so it stays off (the next polls agree).
    await page.get_by_role("button", name="Refresh").click()
    await expect(page.locator(".nw-tree-status")).to_have_text("Refreshed.")
    await expect(indicator).to_have_count(0)
    res = await page.request.get(f"{server.url}/api/notebooks")
    assert [n["path"] for n in await res.json()] == []
    # Until the user starts one from that page: a fresh kernel, the notebook as it was.
    await notebook.page.get_by_role("button", name="Start a kernel").click()
    await expect(banner).to_be_hidden()
    await notebook.kernel_idle()
    await expect(indicator).to_contain_text("Running", timeout=POLL_TIMEOUT_MS)
    assert tab.errors == []
    assert notebook.errors == []


# --- names, keyboard -----------------------------------------------------------------


async def test_awkward_names_work_in_every_action(server: Server, session: Session) -> None:
    folder = server.root / AWKWARD
    folder.mkdir()
    name = "f #?% ü.txt"
    (folder / name).write_text("content")
    tab = await tree(session, server)
    page = tab.page
    await row(page, AWKWARD).get_by_role("link").click()
    await page.wait_for_url(url_of("tree", AWKWARD))
    await expect(names(page)).to_have_text([name])
    path = f"{AWKWARD}/{name}"
    # Download.
    async with page.expect_download() as info:
        await row(page, path).get_by_role("link").click()
    assert await read(Path(await (await info.value).path())) == b"content"
    # Rename.
    await select(page, path)
    await page.get_by_role("button", name="Rename").click()
    await answer(page, "g #?% 数据.txt")
    renamed = f"{AWKWARD}/g #?% 数据.txt"
    await expect(row(page, renamed)).to_be_visible()
    assert (folder / "g #?% 数据.txt").read_text() == "content"
    # Duplicate.
    await page.get_by_role("button", name="Duplicate").click()
    await expect(row(page, f"{AWKWARD}/g #?% 数据-Copy1.txt")).to_be_visible()
    assert (folder / "g #?% 数据-Copy1.txt").read_text() == "content"
    # Upload.
    await page.locator("input.nw-upload-input").set_input_files(
        [{"name": "up %41 #?.txt", "mimeType": "text/plain", "buffer": b"up"}]
    )
    await expect(row(page, f"{AWKWARD}/up %41 #?.txt")).to_be_visible()
    assert (folder / "up %41 #?.txt").read_bytes() == b"up"
    # New folder, and into it.
    await page.get_by_role("button", name="New folder").click()
    await answer(page, "in #2 ?")
    await row(page, f"{AWKWARD}/in #2 ?").get_by_role("link").click()
    await page.wait_for_url(url_of("tree", AWKWARD, "in #2 ?"))
    await expect(page.locator(".nw-crumbs")).to_have_text(f"Home/{AWKWARD}/in #2 ?")
    await page.go_back()
    # Delete.
    await select(page, renamed)
    await page.get_by_role("button", name="Delete").click()
    await page.locator("dialog.nw-dialog").get_by_role("button", name="Delete").click()
    await expect(row(page, renamed)).to_have_count(0)
    assert sorted(os.listdir(folder)) == ["g #?% 数据-Copy1.txt", "in #2 ?", "up %41 #?.txt"]
    # A notebook with such a name opens, and a deep link to the folder works.
    write_notebook(folder / "n #?%.ipynb", cells=["2"])
    deep = await tree(session, server, AWKWARD)
    await row(deep.page, f"{AWKWARD}/n #?%.ipynb").get_by_role("link").click()
    await deep.page.wait_for_url(url_of("notebooks", AWKWARD, "n #?%.ipynb"))
    await deep.connected()
    assert await deep.sources() == ["2"]
    assert tab.errors == deep.errors == []


async def test_the_keyboard_alone(server: Server, session: Session) -> None:
    root = server.root
    (root / "folder").mkdir()
    (root / "folder" / "in.txt").write_text("in")
    for n in ("a.txt", "b.txt", "c.txt"):
        (root / n).write_text(n)
    tab = await tree(session, server)
    page = tab.page
    kb = page.keyboard
    selected = page.locator("tr.nw-selected .nw-item-name")
    await page.bring_to_front()
    # The arrows reach the listing from anywhere; the focused row's name has focus.
    await kb.press("ArrowDown")
    await expect(row(page, "folder").get_by_role("link")).to_be_focused()
    await kb.press("ArrowDown")
    await expect(selected).to_have_text(["a.txt"])
    await kb.press("Shift+ArrowDown")
    await expect(selected).to_have_text(["a.txt", "b.txt"])
    await kb.press("End")
    await expect(selected).to_have_text(["c.txt"])
    await kb.press("Control+a")
    await expect(selected).to_have_count(4)
    await kb.press("Escape")
    await expect(selected).to_have_count(0)
    await kb.press("Home")
    await expect(selected).to_have_text(["folder"])
    await kb.press("Space")
    await expect(selected).to_have_count(0)
    await kb.press("Space")
    await expect(selected).to_have_text(["folder"])
    # F2 renames; focus comes back to the renamed row.
    await kb.press("ArrowDown")
    await expect(selected).to_have_text(["a.txt"])
    await kb.press("F2")
    dialog = await name_dialog(page)
    await expect(dialog.get_by_role("textbox")).to_be_focused()
    await kb.press("Control+a")
    await kb.type("z.txt")
    await kb.press("Enter")
    await expect(row(page, "z.txt").get_by_role("link")).to_be_focused()
    assert (root / "z.txt").read_text() == "a.txt"
    # Delete asks, with the Delete button focused; Enter confirms.
    await kb.press("Delete")
    confirm = page.locator("dialog.nw-dialog")
    await expect(confirm.get_by_role("button", name="Delete")).to_be_focused()
    await kb.press("Enter")
    await expect(row(page, "z.txt")).to_have_count(0)
    assert not (root / "z.txt").exists()
    await expect(page.locator("tbody a:focus")).to_have_count(1)  # focus stays in the list
    # Tab order: one stop in the listing (roving focus), after the toolbar.
    await kb.press("Home")
    await expect(row(page, "folder").get_by_role("link")).to_be_focused()
    # Enter opens a folder; Backspace goes back up.
    await kb.press("Enter")
    await page.wait_for_url(re.compile(r"/tree/folder$"))
    await expect(names(page)).to_have_text(["in.txt"])
    await kb.press("ArrowDown")
    await kb.press("Backspace")
    await page.wait_for_url(re.compile(r"/tree/$"))
    await expect(names(page)).to_have_text(["folder", "b.txt", "c.txt"])
    # The toolbar's buttons are reachable with Tab.
    await page.get_by_role("button", name="New notebook").focus()
    await kb.press("Tab")
    await expect(page.get_by_role("button", name="New folder")).to_be_focused()
    assert tab.errors == []
