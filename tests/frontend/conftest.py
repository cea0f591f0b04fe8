"""Browser tests: Python Playwright driving Debian's Chromium (/usr/bin/chromium, no
`playwright install`) against the real server (tests/server/notebook_server.py) and a
real kernel.

One browser for the whole session (launching Chromium costs about a second); each test
gets its own server over a fresh folder, and its own browser contexts. Every wait is
Playwright's auto-waiting (`expect`, `wait_for_*`), never a sleep.

When a test fails, every page it opened is saved as a screenshot, with the page's
console log and errors, in `<tmp_path>/browser-failure/`; the path is printed in the
test's report.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Callable, Generator
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Playwright, async_playwright

from tests.server.notebook_server import Server, running_server

from .browser import Session

CHROMIUM = os.environ.get("NOTEWIRE_CHROMIUM", "/usr/bin/chromium")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Any, Any]:
    """Keeps each phase's report on the test item, so fixtures can tell a failure."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def _failed(request: pytest.FixtureRequest) -> bool:
    item = request.node
    return any(
        getattr(item, f"report_{when}", None) is not None and getattr(item, f"report_{when}").failed
        for when in ("setup", "call")
    )


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def playwright() -> AsyncIterator[Playwright]:
    async with async_playwright() as p:
        yield p


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser(playwright: Playwright) -> AsyncIterator[Browser]:
    if shutil.which(CHROMIUM) is None:
        pytest.fail(f"{CHROMIUM} is missing: ./scripts/test.sh installs Debian's chromium")
    browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
    yield browser
    await browser.close()


ServerFactory = Callable[..., AbstractAsyncContextManager[Server]]


@pytest.fixture
def serve(tmp_path: Path) -> ServerFactory:
    """`async with serve(session=SessionConfig(...)) as server:` for a server with other
    settings than the `server` fixture's."""
    root = tmp_path / "root"
    root.mkdir(exist_ok=True)
    return lambda **kwargs: running_server(root, tmp_path, **kwargs)


@pytest_asyncio.fixture(loop_scope="session")
async def server(serve: ServerFactory) -> AsyncIterator[Server]:
    async with serve() as running:
        yield running


@pytest_asyncio.fixture(loop_scope="session")
async def session(
    browser: Browser, request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[Session]:
    """Opens logged-in browser pages (`await session.page(server)`), each in its own
    context (its own cookies and storage: another user or machine)."""
    opened = Session(browser)
    try:
        yield opened
    finally:
        if _failed(request):
            folder = tmp_path / "browser-failure"
            await opened.save_evidence(folder)
            print(f"\nbrowser screenshots and console logs of this failure: {folder}")
        await opened.close()
