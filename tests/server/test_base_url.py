"""The whole server under a base URL (`--base-url /user/alice/`), as a hub's proxy
forwards it: every page, REST route and the notebook socket work under the prefix,
nothing answers outside it, and no redirect leaves it."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import quote, urlsplit

import httpx
import pytest
import pytest_asyncio
import websockets

from tests.server.notebook_server import Server, running_server, write_notebook

pytestmark = pytest.mark.timeout(90)

BASE = "/user/alice/"


@pytest_asyncio.fixture
async def server(tmp_path: Path) -> AsyncIterator[Server]:
    root = tmp_path / "root"
    root.mkdir()
    write_notebook(root / "a.ipynb", cells=["1 + 1"])
    (root / "data.txt").write_text("hello")
    async with running_server(
        root, tmp_path, base_url=BASE, allow_hosts=("notebooks.example.org",)
    ) as running:
        yield running


def origin(server: Server) -> str:
    parts = urlsplit(server.url)
    return f"{parts.scheme}://{parts.netloc}"


@asynccontextmanager
async def logged_in(server: Server) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=origin(server)) as client:
        login = {"token": server.token, "next": f"{BASE}tree/"}
        r = await client.get(f"{BASE}login", params=login)
        assert r.status_code == 303 and r.headers["location"] == f"{BASE}tree/"
        cookies = r.headers.get_list("set-cookie")
        assert cookies and all(f"Path={BASE}" in c for c in cookies), cookies
        yield client


async def test_pages_assets_and_rest_routes_answer_under_the_prefix(server: Server) -> None:
    async with logged_in(server) as client:
        for page in ("", "tree/", "notebooks/a.ipynb"):
            r = await client.get(BASE + page)
            assert r.status_code == 200, page
            assert f'<meta name="notewire-base-url" content="{BASE}">' in r.text
            links = re.findall(r'(?:href|src)="(/[^"]*)"', r.text)
            assert links and all(link.startswith(f"{BASE}static/") for link in links), links
            for link in links:
                assert (await client.get(link)).status_code == 200, link
        frames = [f"{BASE}static/sandbox.html", f"{BASE}static/widgets.html"]
        for frame in frames:
            r = await client.get(frame)
            assert r.status_code == 200 and f'src="{BASE}static/' in r.text
        xsrf = {"X-XSRFToken": client.cookies["_xsrf"]}
        for api in ("api/contents/", "api/kernelspecs", "api/kernels", "api/notebooks"):
            assert (await client.get(BASE + api)).status_code == 200, api
        r = await client.post(f"{BASE}api/contents/", json={"type": "notebook"}, headers=xsrf)
        assert r.status_code == 201 and r.headers["location"].startswith(f"{BASE}api/contents/")
        r = await client.get(f"{BASE}files/data.txt")
        assert r.status_code == 200 and r.text == "hello"
        r = await client.post(f"{BASE}logout", headers=xsrf)
        assert r.status_code == 303 and r.headers["location"] == f"{BASE}login"


async def test_nothing_answers_outside_the_prefix(server: Server) -> None:
    async with logged_in(server) as client:
        outside = ["/", "/tree/", "/login", "/api/contents/", "/static/sandbox.html", "/user/bob/"]
        for path in [*outside, "/user/alice-x/api/contents/", "/user/alicetree/"]:
            assert (await client.get(path)).status_code == 404, path
        r = await client.get(BASE.rstrip("/"))
        assert r.status_code == 302 and r.headers["location"] == BASE
    ws = origin(server).replace("http", "ws") + "/api/notebooks/a.ipynb/ws"
    with pytest.raises(websockets.InvalidStatus):
        await websockets.connect(ws, additional_headers={"Authorization": f"token {server.token}"})


@pytest.mark.parametrize(
    "next_url",
    [
        "/elsewhere",
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
        f"{BASE}../bob/tree/",
        f"{BASE}%2e%2e/bob/",
        "/user/alice",
    ],
)
async def test_login_redirects_stay_in_the_prefix(server: Server, next_url: str) -> None:
    async with httpx.AsyncClient(base_url=origin(server)) as client:
        r = await client.get(f"{BASE}login", params={"token": server.token, "next": next_url})
        assert r.status_code == 303 and r.headers["location"] == BASE


async def test_an_unauthenticated_page_goes_to_the_login_under_the_prefix(server: Server) -> None:
    async with httpx.AsyncClient(base_url=origin(server)) as client:
        r = await client.get(f"{BASE}tree/x?y=1")
        assert r.status_code == 303
        assert r.headers["location"] == f"{BASE}login?next={quote(f'{BASE}tree/x?y=1', safe='')}"
        r = await client.get(f"{BASE}login")
        assert f'action="{BASE}login"' in r.text
        assert (await client.get(f"{BASE}api/contents/")).status_code == 401


async def test_allowed_host_names_pass_and_others_stay_refused(server: Server) -> None:
    headers = {"Authorization": f"token {server.token}"}
    async with httpx.AsyncClient(base_url=origin(server), headers=headers) as client:
        url = f"{BASE}api/kernelspecs"
        ok = await client.get(url, headers={"Host": "notebooks.example.org"})
        assert ok.status_code == 200
        assert (await client.get(url, headers={"Host": "127.0.0.1:1"})).status_code == 200
        refused = await client.get(url, headers={"Host": "attacker.example"})
        assert refused.status_code == 403


async def test_a_cell_runs_through_the_socket_under_the_prefix(server: Server) -> None:
    async with server.client("a.ipynb") as nb:
        cell = nb.cells[0]["id"]
        await nb.run_and_wait([cell])
        assert nb.outputs(cell)[0]["data"]["text/plain"] == "2"
