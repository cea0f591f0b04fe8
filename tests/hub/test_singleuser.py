"""notewire spawned by a real JupyterHub (`notewire singleuser`), through the hub's
configurable-http-proxy, in Chromium: log in once at the hub and land in notewire,
run a cell; another user is refused; activity reaches the hub; stopping the server
from the hub ends notewire and its kernels."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlencode

import httpx
import nbformat
import psutil
import pytest
from playwright.async_api import Browser, Page, expect

from notewire.client import NotebookClient
from tests.frontend.browser import KERNEL_TIMEOUT_MS

from .jupyterhub import Hub

pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.timeout(180)]

T = TypeVar("T")
SPAWN_TIMEOUT_MS = 90_000


async def poll(check: Callable[[], T | None], within: float, what: str) -> T:
    """`check()` until it returns something, at most `within` seconds (a bounded poll of
    the hub's REST API, which has no event to wait on)."""
    deadline = time.monotonic() + within
    while True:
        value = await asyncio.to_thread(check)
        if value is not None and value is not False:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {within} s")
        await asyncio.sleep(0.2)


def server_model(hub: Hub, user: str) -> dict[str, Any] | None:
    reply = hub.api("GET", f"/users/{user}")
    reply.raise_for_status()
    model: dict[str, Any] | None = reply.json()["servers"].get("")
    return model


def write_notebook(hub: Hub, user: str, name: str = "a.ipynb") -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "notewire", "display_name": "notewire"}
    nb.cells = [nbformat.v4.new_code_cell("1 + 1")]
    nbformat.write(nb, hub.home(user) / name)


async def hub_login(page: Page, hub: Hub, user: str, next_path: str) -> None:
    await page.goto(f"{hub.url}/hub/login?{urlencode({'next': next_path})}")
    await page.fill("#username_input", user)
    await page.fill("#password_input", "any")
    await page.click("#login_submit")


async def test_a_hub_user_lands_in_notewire_runs_a_cell_and_is_seen_active(
    hub: Hub, browser: Browser
) -> None:
    write_notebook(hub, "alice")
    context = await browser.new_context()
    try:
        page = await context.new_page()
        visited: list[str] = []
        page.on("framenavigated", lambda f: visited.append(f.url) if f == page.main_frame else None)
        # As "Start My Server" does: the hub spawns, then sends the browser on.
        await hub_login(page, hub, "alice", "/hub/spawn/alice?next=/user/alice/tree/")
        # The hub spawns notewire, the OAuth exchange runs, and the tree page shows.
        await page.wait_for_url(f"{hub.url}/user/alice/tree/", timeout=SPAWN_TIMEOUT_MS)
        await expect(page.locator("a", has_text="a.ipynb")).to_be_visible()
        assert not any("/user/alice/login" in url for url in visited), visited
        assert sum("/hub/login" in url for url in visited) == 1, visited

        await page.locator("a", has_text="a.ipynb").click()
        await expect(page.locator("#app")).to_have_attribute(
            "data-connection", "connected", timeout=KERNEL_TIMEOUT_MS
        )
        model = server_model(hub, "alice")
        assert model is not None and model["ready"]
        before = model["last_activity"]
        await page.locator(".nw-cells .nw-cell").first.click()
        await page.keyboard.press("Escape")
        await page.keyboard.press("Control+Enter")
        result = page.locator(".nw-cells .nw-cell").first.locator(".nw-output")
        await expect(result).to_contain_text("2", timeout=KERNEL_TIMEOUT_MS)

        def moved() -> str | None:
            m = server_model(hub, "alice")
            return m["last_activity"] if m and m["last_activity"] > before else None

        await poll(moved, 30, "last_activity after the cell ran")

        # Logging out clears notewire's cookie and sends the browser to the hub's logout.
        mine = await context.cookies(f"{hub.url}/user/alice/")  # not the hub's _xsrf
        cookies = {c["name"]: c["value"] for c in mine}
        assert any(name.startswith("notewire-session") for name in cookies)
        reply = await context.request.post(
            f"{hub.url}/user/alice/logout",
            headers={"X-XSRFToken": cookies["_xsrf"]},
            max_redirects=0,
        )
        assert reply.status == 303 and reply.headers["location"] == "/hub/logout"
        left = [c["name"] for c in await context.cookies()]
        assert not any(name.startswith("notewire-session") for name in left), left
    finally:
        await context.close()


def _token(hub: Hub, user: str) -> str:
    hub.api("POST", f"/users/{user}")  # 201, or 409: already there
    reply = hub.api("POST", f"/users/{user}/tokens", json={"note": "test"})
    reply.raise_for_status()
    return str(reply.json()["token"])


async def ensure_running(hub: Hub, user: str) -> dict[str, Any]:
    hub.api("POST", f"/users/{user}")
    reply = await asyncio.to_thread(hub.api, "POST", f"/users/{user}/server")
    assert reply.status_code in (201, 202, 400), reply.text  # 400: running already

    def ready() -> dict[str, Any] | None:
        m = server_model(hub, user)
        return m if m and m["ready"] else None

    return await poll(ready, 90, f"{user}'s server ready")


async def test_another_user_is_refused(hub: Hub, browser: Browser) -> None:
    await ensure_running(hub, "alice")
    context = await browser.new_context()
    try:
        page = await context.new_page()
        statuses: dict[str, int] = {}
        page.on("response", lambda r: statuses.setdefault(r.url.split("?")[0], r.status))
        await hub_login(page, hub, "bob", "/user/alice/tree/")
        await page.wait_for_url(f"{hub.url}/hub/**", timeout=SPAWN_TIMEOUT_MS)
        await page.wait_for_load_state()
        assert statuses.get(f"{hub.url}/hub/api/oauth2/authorize") == 403, statuses
        assert page.url.startswith(f"{hub.url}/hub/")
        cookies = await context.cookies()
        assert not any(c["name"].startswith("notewire-session") for c in cookies)
    finally:
        await context.close()
    # API clients with a hub token: alice's gets in, bob's does not.
    api = f"{hub.url}/user/alice/api/contents/"
    for user, status in (("alice", 200), ("bob", 401)):
        headers = {"Authorization": f"token {_token(hub, user)}"}
        reply = await asyncio.to_thread(hub_get, api, headers)
        assert reply == status, user


def hub_get(url: str, headers: dict[str, str]) -> int:
    return httpx.get(url, headers=headers, timeout=30).status_code


async def test_stopping_the_server_from_the_hub_ends_notewire_and_its_kernels(hub: Hub) -> None:
    write_notebook(hub, "alice", "b.ipynb")
    model = await ensure_running(hub, "alice")
    server = psutil.Process(model["state"]["pid"])
    token = _token(hub, "alice")
    async with NotebookClient.connect(f"{hub.url}/user/alice", "b.ipynb", token=token) as nb:
        await nb.wait_until(lambda: nb.kernel.get("state") == "idle", within=60)
        cell = nb.add_cell("import os; print(os.getpid())")
        await nb.run_and_wait([cell])
        kernel = psutil.Process(int(nb.output_text(cell)))
    assert kernel.ppid() == server.pid
    reply = await asyncio.to_thread(hub.api, "DELETE", "/users/alice/server")
    assert reply.status_code in (202, 204)
    await poll(lambda: server_model(hub, "alice") is None, 60, "the hub sees the server stopped")
    gone, alive = await asyncio.to_thread(psutil.wait_procs, [server, kernel], 30)
    assert alive == [], f"still running: {alive}"
    assert token not in hub.log.read_text(errors="replace")  # nobody logged it
