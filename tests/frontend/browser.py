"""Pages of a test's browser session, with what a failure report needs: each page's
console messages and uncaught errors, and a screenshot on demand."""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import quote, urlsplit

from playwright.async_api import Browser, BrowserContext, ConsoleMessage, Locator, Page, expect
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from tests.server.notebook_server import Server

# Chromium waits up to this long for a kernel's first reply (its start included).
KERNEL_TIMEOUT_MS = 30_000


@dataclass
class Tab:
    """One page and what it logged."""

    page: Page
    name: str
    console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    # --- the notebook page -------------------------------------------------------

    @property
    def cells(self) -> Locator:
        return self.page.locator(".nw-cells .nw-cell")

    def cell(self, index: int) -> Locator:
        return self.cells.nth(index)

    def editor(self, index: int) -> Locator:
        return self.cell(index).locator(".cm-content")

    async def connected(self) -> None:
        """Waits until the document is in sync with the server."""
        await expect(self.page.locator("#app")).to_have_attribute(
            "data-connection", "connected", timeout=KERNEL_TIMEOUT_MS
        )

    async def kernel_idle(self) -> None:
        await expect(self.page.locator(".nw-kernel")).to_have_attribute(
            "data-state", "idle", timeout=KERNEL_TIMEOUT_MS
        )

    async def command_mode(self) -> None:
        await self.page.keyboard.press("Escape")
        await expect(self.page.locator("#app")).to_have_class(re.compile(r"\bnw-command-mode\b"))

    async def edit_mode(self) -> None:
        await expect(self.page.locator("#app")).to_have_class(re.compile(r"\bnw-edit-mode\b"))

    async def active_index(self) -> int:
        return int(
            await self.page.evaluate(
                "[...document.querySelectorAll('.nw-cells .nw-cell')]"
                ".findIndex((c) => c.classList.contains('nw-active'))"
            )
        )

    async def sources(self) -> list[str]:
        """Every cell's source, read from the page's shared document."""
        return list(
            await self.page.evaluate(
                "window.notewire.doc.getArray('cells').toArray().map((c) => c.get('source').toString())"
            )
        )

    async def wait_sources(self, want: list[str]) -> None:
        """Waits until the cells' sources in the page's document are `want` (and says
        what they are when they never get there)."""
        try:
            await self.page.wait_for_function(
                "(want) => JSON.stringify(window.notewire.doc.getArray('cells').toArray()"
                ".map((c) => c.get('source').toString())) === JSON.stringify(want)",
                arg=want,
            )
        except PlaywrightTimeoutError:
            raise AssertionError(f"sources {await self.sources()!r}, not {want!r}") from None

    async def types(self) -> list[str]:
        return list(
            await self.page.evaluate(
                "window.notewire.doc.getArray('cells').toArray().map((c) => c.get('cell_type'))"
            )
        )

    async def type_in_cell(self, index: int, text: str) -> None:
        """Clicks into the cell's editor and types at the end of its text."""
        editor = self.editor(index)
        await editor.click()
        await self.page.keyboard.press("Control+End")
        await self.page.keyboard.type(text)


class Session:
    """The pages one test opened, each in its own browser context."""

    def __init__(self, browser: Browser) -> None:
        self.browser = browser
        self.contexts: list[BrowserContext] = []
        self.tabs: list[Tab] = []

    async def page(
        self,
        server: Server,
        path: str = "/tree/",
        *,
        color_scheme: Literal["light", "dark"] | None = None,
        init_script: str | None = None,
    ) -> Tab:
        """A new context, logged in with the server's token, showing `path` (in the
        system colour scheme `color_scheme`, when given; `init_script` runs in every
        document before its own scripts)."""
        context = await self.browser.new_context(
            viewport={"width": 1200, "height": 900}, color_scheme=color_scheme
        )
        if init_script:
            await context.add_init_script(init_script)
        self.contexts.append(context)
        page = await context.new_page()
        tab = Tab(page, f"page{len(self.tabs) + 1}")
        self.tabs.append(tab)
        page.on("console", lambda m: tab.console.append(_console_line(m)))
        page.on("pageerror", lambda e: tab.errors.append(f"{e.name}: {e.message}\n{e.stack}"))
        base = urlsplit(server.url).path  # the server's base URL, less its last "/"
        await page.goto(f"{server.url}/login?token={server.token}&next={quote(base + path)}")
        return tab

    async def notebook(
        self,
        server: Server,
        path: str,
        *,
        color_scheme: Literal["light", "dark"] | None = None,
        init_script: str | None = None,
    ) -> Tab:
        """A new context showing the notebook at `path`, in sync with the server."""
        tab = await self.page(
            server,
            "/notebooks/" + "/".join(quote(p) for p in path.split("/")),
            color_scheme=color_scheme,
            init_script=init_script,
        )
        await tab.connected()
        return tab

    async def save_evidence(self, folder: Path) -> None:
        await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
        for tab in self.tabs:
            try:
                await tab.page.screenshot(path=folder / f"{tab.name}.png", full_page=True)
            except Exception as e:  # a crashed or closed page: the log still helps
                tab.errors.append(f"(no screenshot: {e})")
            log = {"url": tab.page.url, "console": tab.console, "errors": tab.errors}
            path = folder / f"{tab.name}.log.json"
            await asyncio.to_thread(path.write_text, json.dumps(log, indent=2))

    async def close(self) -> None:
        for context in self.contexts:
            await context.close()


def _console_line(m: ConsoleMessage) -> str:
    where = m.location
    return f"[{m.type}] {m.text} ({where.get('url', '')}:{where.get('lineNumber', '')})"
