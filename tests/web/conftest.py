"""The real web app under uvicorn on 127.0.0.1:0 over a temporary root, and clients:
`api` (the token in an Authorization header), `browser` (logged in with a session
cookie, sending the XSRF header on writes), `anon` (no credentials), and `raw_request`
for request targets no HTTP client would send as written (`..`, `%2e%2e`)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket

from notewire.server.web.app import ServerConfig, create_app
from notewire.server.web.auth import require_auth
from notewire.server.web.serve import serve

SECRET = "TOPSECRET-outside-the-root"
HIDDEN = "HIDDEN-ssh-key"


async def whoami_socket(websocket: WebSocket) -> None:
    """The test app's only WebSocket: says who connected, then closes."""
    user = require_auth(websocket.scope)
    await websocket.accept()
    await websocket.send_json({"method": user.method})
    await websocket.close()


@dataclass
class Server:
    url: str
    token: str
    root: Path
    outside: Path
    app: Starlette

    @property
    def port(self) -> int:
        port = urlsplit(self.url).port
        assert port is not None
        return port

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://") + "/api/test-ws"

    @property
    def session_cookie(self) -> str:
        return f"notewire-session-{self.port}"

    @property
    def origin(self) -> str:
        return self.url


def make_tree(tmp_path: Path) -> tuple[Path, Path]:
    """A root with files, a hidden folder and symlinks out of it; a secret outside."""
    root, outside = tmp_path / "root", tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(SECRET)
    (tmp_path / "root-secret").mkdir()  # a sibling whose name has the root as a prefix
    (tmp_path / "root-secret" / "x.txt").write_text(SECRET)
    root.mkdir()
    (root / "a.txt").write_text("hello\n")
    (root / "sub").mkdir()
    (root / "sub" / "b.txt").write_text("in sub\n")
    (root / ".ssh").mkdir()
    (root / ".ssh" / "id_rsa").write_text(HIDDEN)
    (root / "escape.txt").symlink_to(outside / "secret.txt")
    (root / "escape_dir").symlink_to(outside)
    (root / "prefix_dir").symlink_to(tmp_path / "root-secret")
    (root / "hidden_link.txt").symlink_to(root / ".ssh" / "id_rsa")
    (root / "inside_link.txt").symlink_to(root / "a.txt")
    return root, outside


ServerFactory = Callable[..., AbstractAsyncContextManager[Server]]


@pytest.fixture
def server_factory(tmp_path: Path) -> ServerFactory:
    """`async with server_factory(**ServerConfig fields) as server:` another server
    over the same tree."""
    made: list[tuple[Path, Path]] = []

    @asynccontextmanager
    async def start(**config: Any) -> AsyncIterator[Server]:
        if not made:
            made.append(make_tree(tmp_path))
        root, outside = made[0]
        kernels = tmp_path / "kernels"
        kernels.mkdir(exist_ok=True)
        settings: dict[str, Any] = {"root": root, "port": 0, "kernel_dirs": (kernels,)}
        settings.update(config)
        app = create_app(
            ServerConfig(**settings), routes=[WebSocketRoute("/api/test-ws", whoami_socket)]
        )
        async with serve(app, host="127.0.0.1", port=0) as url:
            yield Server(url, app.state.auth.token, root, outside, app)

    return start


@pytest.fixture
async def server(server_factory: ServerFactory) -> AsyncIterator[Server]:
    async with server_factory() as s:
        yield s


def client(server: Server, **kwargs: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=server.url, trust_env=False, timeout=10, **kwargs)


@pytest.fixture
async def api(server: Server) -> AsyncIterator[httpx.AsyncClient]:
    async with client(server, headers={"Authorization": f"token {server.token}"}) as c:
        yield c


@pytest.fixture
async def anon(server: Server) -> AsyncIterator[httpx.AsyncClient]:
    async with client(server) as c:
        yield c


async def login(c: httpx.AsyncClient, server: Server) -> None:
    """Log a client in with the token link, as a browser does: the token goes in one
    GET /login, and the session cookie and _xsrf cookie come back."""
    r = await c.get("/login", params={"token": server.token, "next": "/"})
    assert r.status_code == 303, r.text
    assert server.session_cookie in c.cookies
    assert "_xsrf" in c.cookies


def xsrf(c: httpx.AsyncClient) -> dict[str, str]:
    return {"X-XSRFToken": c.cookies["_xsrf"]}


@pytest.fixture
async def browser(server: Server) -> AsyncIterator[httpx.AsyncClient]:
    async with client(server) as c:
        await login(c, server)
        yield c


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


async def raw_request(
    server: Server,
    method: str,
    target: str,
    *,
    headers: dict[str, str] | None = None,
    body: bytes = b"",
    auth: bool = True,
) -> RawResponse:
    """One HTTP/1.1 request with `target` sent byte for byte (no normalising of
    `..` or percent-escapes, unlike httpx)."""
    all_headers = {"Host": f"127.0.0.1:{server.port}", "Connection": "close"}
    if auth:
        all_headers["Authorization"] = f"token {server.token}"
    if body or method in ("POST", "PUT", "PATCH"):
        all_headers["Content-Length"] = str(len(body))
        all_headers["Content-Type"] = "application/json"
    all_headers.update(headers or {})
    head = f"{method} {target} HTTP/1.1\r\n" + "".join(
        f"{k}: {v}\r\n" for k, v in all_headers.items()
    )
    async with asyncio.timeout(10):
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        try:
            writer.write(head.encode("latin-1") + b"\r\n" + body)
            await writer.drain()
            data = await reader.read()
        finally:
            writer.close()
            await writer.wait_closed()
    header_block, _, content = data.partition(b"\r\n\r\n")
    lines = header_block.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    parsed = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        parsed[name.strip().lower()] = value.strip()
    return RawResponse(status, parsed, content)
