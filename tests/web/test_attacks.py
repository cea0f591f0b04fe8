"""Cross-site and protocol attacks: missing XSRF, foreign Origin (REST and WebSocket),
foreign Host (DNS rebinding), oversized and malformed bodies, error bodies."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from notewire.server.contents import Contents, files

from .conftest import Server, ServerFactory, client, login, raw_request, xsrf

WRITES = [
    ("POST", "/api/contents", {"type": "notebook"}),
    ("PUT", "/api/contents/new.txt", {"type": "file", "format": "text", "content": "x"}),
    ("PATCH", "/api/contents/a.txt", {"path": "moved.txt"}),
    ("DELETE", "/api/contents/a.txt", None),
    ("POST", "/api/contents/a.txt/checkpoints", None),
]


def untouched(server: Server) -> bool:
    names = sorted(p.name for p in server.root.iterdir())
    return names == [
        ".ssh",
        "a.txt",
        "escape.txt",
        "escape_dir",
        "hidden_link.txt",
        "inside_link.txt",
        "prefix_dir",
        "sub",
    ]


@pytest.mark.parametrize(("method", "url", "body"), WRITES)
async def test_cookie_writes_need_the_xsrf_header(
    browser: httpx.AsyncClient, server: Server, method: str, url: str, body: object
) -> None:
    for headers in ({}, {"X-XSRFToken": ""}, {"X-XSRFToken": "forged" * 8}):
        r = await browser.request(method, url, json=body, headers=headers)
        assert r.status_code == 403, headers
        assert r.json() == {"message": "XSRF check failed", "reason": "xsrf"}
        assert untouched(server)
    r = await browser.request(method, url, json=body, headers=xsrf(browser))
    assert r.status_code in (200, 201, 204)


async def test_the_xsrf_header_must_match_the_cookie_not_just_exist(server: Server) -> None:
    async with client(server) as c:
        await login(c, server)
        c.cookies.set("_xsrf", "attacker-chosen-value-0123456789")
        r = await c.put(
            "/api/contents/x.txt",
            json={"type": "directory"},
            headers={"X-XSRFToken": "other-value-0123456789abcdef"},
        )
        assert r.status_code == 403


async def test_token_header_requests_need_no_xsrf(api: httpx.AsyncClient) -> None:
    r = await api.put(
        "/api/contents/new.txt", json={"type": "file", "format": "text", "content": "x"}
    )
    assert r.status_code == 201


async def test_a_logged_in_browser_gets_an_xsrf_cookie_when_it_lacks_one(
    browser: httpx.AsyncClient,
) -> None:
    del browser.cookies["_xsrf"]
    r = await browser.get("/api/contents")
    assert r.status_code == 200
    assert any(c.startswith("_xsrf=") for c in r.headers.get_list("set-cookie"))
    assert (await browser.post("/api/contents", headers=xsrf(browser))).status_code == 201


@pytest.mark.parametrize(
    "origin",
    [
        "http://evil.example",
        "null",
        "http://127.0.0.1:1",
        "https://127.0.0.1:{port}",
        "http://127.0.0.1:{port}.evil.example",
    ],
)
async def test_cookie_requests_from_a_foreign_origin_are_refused(
    browser: httpx.AsyncClient, server: Server, origin: str
) -> None:
    headers = {"Origin": origin.format(port=server.port), **xsrf(browser)}
    for method, url, body in [("GET", "/api/contents/a.txt", None), *WRITES]:
        r = await browser.request(method, url, json=body, headers=headers)
        assert r.status_code == 403, (method, url)
        assert r.json()["reason"] == "origin"
        assert "hello" not in r.text
    assert untouched(server)


async def test_cookie_requests_from_the_own_origin_pass(
    browser: httpx.AsyncClient, server: Server
) -> None:
    r = await browser.get("/api/contents", headers={"Origin": server.origin})
    assert r.status_code == 200
    r = await browser.post("/api/contents", headers={"Origin": server.origin, **xsrf(browser)})
    assert r.status_code == 201


async def test_allowed_origins_match_exactly(server_factory: ServerFactory) -> None:
    async with (
        server_factory(allow_origins=("https://lab.example",)) as server,
        client(server) as c,
    ):
        await login(c, server)
        assert (
            await c.get("/api/contents", headers={"Origin": "https://lab.example"})
        ).status_code == 200
        for near in (
            "https://lab.example.evil",
            "https://lab.example:443",
            "http://lab.example",
            "https://LAB.example/",
        ):
            assert (await c.get("/api/contents", headers={"Origin": near})).status_code == 403, near


@pytest.mark.parametrize(
    "host",
    [
        "evil.example",
        "evil.example:{port}",
        "127.0.0.1.evil.example:{port}",
        "localhost.:{port}",
        "",
        "bad host:x",
    ],
)
async def test_a_foreign_host_header_is_refused(server: Server, host: str) -> None:
    r = await raw_request(
        server, "GET", "/api/contents", headers={"Host": host.format(port=server.port)}
    )
    assert r.status == 403 if host else r.status in (400, 403)
    assert b"a.txt" not in r.body


@pytest.mark.parametrize(
    "host", ["localhost:{port}", "127.0.0.1:{port}", "[::1]:{port}", "LOCALHOST", "127.0.0.2:80"]
)
async def test_loopback_host_headers_pass(server: Server, host: str) -> None:
    r = await raw_request(
        server, "GET", "/api/contents", headers={"Host": host.format(port=server.port)}
    )
    assert r.status == 200


async def test_configured_hosts_pass(server_factory: ServerFactory) -> None:
    async with server_factory(allow_hosts=("notebook.example",)) as server:
        r = await raw_request(
            server, "GET", "/api/contents", headers={"Host": "notebook.example:8000"}
        )
        assert r.status == 200
        r = await raw_request(server, "GET", "/api/contents", headers={"Host": "other.example"})
        assert r.status == 403


async def test_a_foreign_host_cannot_reach_the_login_page(server: Server) -> None:
    r = await raw_request(
        server, "GET", f"/login?token={server.token}", headers={"Host": "evil.example"}, auth=False
    )
    assert r.status == 403 and "set-cookie" not in r.headers


# --- bodies --------------------------------------------------------------------------


@pytest.fixture
async def small(server_factory: ServerFactory) -> AsyncIterator[tuple[Server, httpx.AsyncClient]]:
    async with server_factory(max_body_bytes=1000) as server:
        async with client(server, headers={"Authorization": f"token {server.token}"}) as c:
            yield server, c


async def test_a_body_over_the_limit_is_413(small: tuple[Server, httpx.AsyncClient]) -> None:
    server, c = small
    model = {"type": "file", "format": "text", "content": "x" * 2000}
    r = await c.put("/api/contents/big.txt", json=model)
    assert r.status_code == 413 and r.json()["reason"] == "too_large"
    assert not (server.root / "big.txt").exists()
    ok = {"type": "file", "format": "text", "content": "x" * 100}
    assert (await c.put("/api/contents/ok.txt", json=ok)).status_code == 201


async def test_a_streamed_body_over_the_limit_is_413(
    small: tuple[Server, httpx.AsyncClient],
) -> None:
    server, c = small

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: chunked encoding
        yield b'{"type": "file", "format": "text", "content": "'
        for _ in range(20):
            yield b"x" * 100
        yield b'"}'

    r = await c.put("/api/contents/big.txt", content=chunks())
    assert r.status_code == 413
    assert not (server.root / "big.txt").exists()


async def test_a_lying_content_length_is_refused_before_reading(
    small: tuple[Server, httpx.AsyncClient],
) -> None:
    server, _ = small
    r = await raw_request(
        server, "PUT", "/api/contents/big.txt", headers={"Content-Length": "999999999"}
    )
    assert r.status == 413
    r = await raw_request(server, "PUT", "/api/contents/big.txt", headers={"Content-Length": "-1"})
    assert r.status == 400


@pytest.mark.parametrize(
    "body",
    [
        b"{",
        b"not json",
        b"[1, 2]",
        b'"text"',
        b"\xff\xfe",
        b'{"type": NaN}',
        b"[" * 100_000,
        b"null",
    ],
)
@pytest.mark.parametrize(
    ("method", "url"),
    [("PUT", "/api/contents/x.txt"), ("PATCH", "/api/contents/a.txt"), ("POST", "/api/contents")],
)
async def test_malformed_json_is_400(server: Server, body: bytes, method: str, url: str) -> None:
    r = await raw_request(server, method, url, body=body)
    assert r.status == 400, r.body
    assert set(r.json()) == {"message", "reason"}
    assert b"Traceback" not in r.body
    assert untouched(server)


async def test_a_server_error_shows_no_traceback(
    api: httpx.AsyncClient, server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(self: Contents, *args: object, **kwargs: object) -> None:
        raise RuntimeError(f"boom at {server.root}")

    monkeypatch.setattr(Contents, "get", explode)
    r = await api.get("/api/contents/a.txt")
    assert r.status_code == 500
    assert r.json() == {"message": "internal server error", "reason": "server_error"}
    assert str(server.root) not in r.text


@pytest.mark.parametrize(("errno_", "status"), [(13, 403), (28, 500), (2, 404)])
async def test_an_os_error_names_no_path(
    api: httpx.AsyncClient,
    server: Server,
    monkeypatch: pytest.MonkeyPatch,
    errno_: int,
    status: int,
) -> None:
    def refuse(path: object, *args: object, **kwargs: object) -> None:
        raise OSError(errno_, os.strerror(errno_), str(path))

    monkeypatch.setattr(files, "write_atomic", refuse)
    r = await api.put(
        "/api/contents/x.txt", json={"type": "file", "format": "text", "content": "x"}
    )
    assert r.status_code == status
    assert r.json()["message"] == os.strerror(errno_)
    assert str(server.root) not in r.text


# --- WebSockets ----------------------------------------------------------------------


async def ws_hello(url: str, **kwargs: object) -> dict[str, object]:
    async with connect(url, proxy=None, open_timeout=10, **kwargs) as ws:  # type: ignore[arg-type]
        return json.loads(await ws.recv())


async def ws_refused(url: str, **kwargs: object) -> int:
    with pytest.raises(InvalidStatus) as caught:
        await ws_hello(url, **kwargs)
    return caught.value.response.status_code


async def test_a_websocket_needs_a_login(server: Server) -> None:
    assert await ws_refused(server.ws_url) == 403
    assert (
        await ws_refused(server.ws_url, additional_headers={"Authorization": "token wrong"}) == 403
    )
    assert await ws_refused(f"{server.ws_url}?token={server.token}") == 403
    auth = {"Authorization": f"token {server.token}"}
    assert await ws_hello(server.ws_url, additional_headers=auth) == {"method": "token"}


async def test_a_websocket_from_a_foreign_origin_is_refused(
    browser: httpx.AsyncClient, server: Server
) -> None:
    cookie = f"{server.session_cookie}={browser.cookies[server.session_cookie]}"
    headers = {"Cookie": cookie}
    assert await ws_hello(server.ws_url, additional_headers=headers, origin=server.origin) == {
        "method": "cookie"
    }
    for origin in ("http://evil.example", "null", f"http://localhost:{server.port}"):
        assert await ws_refused(server.ws_url, additional_headers=headers, origin=origin) == 403, (
            origin
        )
    # Origin is checked on every WebSocket, even one authenticated by the token header
    auth = {"Authorization": f"token {server.token}"}
    assert (
        await ws_refused(server.ws_url, additional_headers=auth, origin="http://evil.example")
        == 403
    )


async def test_a_websocket_with_a_foreign_host_is_refused(server: Server) -> None:
    handshake = {
        "Host": f"evil.example:{server.port}",
        "Connection": "Upgrade",
        "Upgrade": "websocket",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version": "13",
    }
    r = await raw_request(server, "GET", "/api/test-ws", headers=handshake)
    assert r.status == 403
