"""Logging in: the token link, the form, the password, sessions; the token is never
taken from another URL, never logged, never put into a page."""

from __future__ import annotations

import logging

import httpx
import pytest

from notewire.server.web.auth import hash_password, safe_next, verify_password
from notewire.server.web.security import PAGE_CSP

from .conftest import Server, ServerFactory, client, login, raw_request, xsrf


async def test_the_token_link_sets_a_session_cookie_and_leaves_the_url(
    anon: httpx.AsyncClient, server: Server
) -> None:
    r = await anon.get("/login", params={"token": server.token, "next": "/notebooks/a b.ipynb?x=1"})
    assert r.status_code == 303
    assert r.headers["location"] == "/notebooks/a%20b.ipynb?x=1"
    assert server.token not in r.headers["location"]
    cookies = r.headers.get_list("set-cookie")
    session = next(c for c in cookies if c.startswith(server.session_cookie + "="))
    assert "HttpOnly" in session and "SameSite=strict" in session and "Path=/" in session
    assert "Secure" not in session
    assert server.token not in session
    xsrf_cookie = next(c for c in cookies if c.startswith("_xsrf="))
    assert "HttpOnly" not in xsrf_cookie  # the page's script must read it
    r = await anon.get("/api/contents/a.txt")
    assert r.status_code == 200 and r.json()["content"] == "hello\n"


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "///evil.example",
        "http:/evil.example",
        "javascript:alert(1)",
        "/%0d%0aSet-Cookie:x=1",
        "/\r\nSet-Cookie: x=1",
        "evil.example",
        "",
    ],
)
async def test_next_never_leaves_the_server(
    anon: httpx.AsyncClient, server: Server, target: str
) -> None:
    r = await anon.get("/login", params={"token": server.token, "next": target})
    assert r.status_code == 303
    location = r.headers["location"]
    assert location.startswith("/") and not location.startswith("//") and "\\" not in location
    assert "\r" not in location and "\n" not in location
    assert "evil" not in location or location.startswith("/%")


def test_safe_next_drops_a_token_parameter() -> None:
    assert safe_next("/tree?token=abc&x=1") == "/tree?x=1"
    assert safe_next("/tree?token=abc") == "/tree"


async def test_a_wrong_token_gets_no_session(anon: httpx.AsyncClient, server: Server) -> None:
    r = await anon.get("/login", params={"token": "wrong" * 10})
    assert r.status_code == 403
    assert not any(c.startswith(server.session_cookie) for c in r.headers.get_list("set-cookie"))
    assert (await anon.get("/api/contents")).status_code == 401


async def test_no_token_no_entry(anon: httpx.AsyncClient) -> None:
    r = await anon.get("/api/contents")
    assert r.status_code == 401
    assert r.json() == {"message": "authentication required", "reason": "unauthenticated"}
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        r = await anon.request(
            method, "/api/contents/a.txt", json={"type": "file", "content": "x", "format": "text"}
        )
        assert r.status_code == 401, method
    assert (await anon.get("/files/a.txt")).status_code == 303  # to the login page
    assert (await anon.get("/api/kernelspecs")).status_code == 401


async def test_wrong_or_malformed_authorization_headers(server: Server) -> None:
    for value in (
        "token wrong",
        f"token {server.token}x",
        f"Basic {server.token}",
        server.token,
        "token",
        "Bearer x",
    ):
        async with client(server, headers={"Authorization": value}) as c:
            assert (await c.get("/api/contents")).status_code == 401, value
    for scheme in ("token", "Bearer", "bearer"):
        async with client(server, headers={"Authorization": f"{scheme} {server.token}"}) as c:
            assert (await c.get("/api/contents")).status_code == 200, scheme


async def test_a_wrong_authorization_header_fails_even_with_a_good_cookie(
    browser: httpx.AsyncClient,
) -> None:
    r = await browser.get("/api/contents", headers={"Authorization": "token wrong"})
    assert r.status_code == 401


async def test_the_token_in_any_other_url_is_refused(
    anon: httpx.AsyncClient, server: Server
) -> None:
    r = await anon.get("/api/contents", params={"token": server.token})
    assert r.status_code == 401
    r = await anon.get("/api/contents/a.txt", params={"token": server.token})
    assert r.status_code == 401
    r = await anon.get("/files/a.txt", params={"token": server.token})
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")
    assert server.token not in r.headers["location"]
    r = await anon.put(
        "/api/contents/x.txt", params={"token": server.token}, json={"type": "directory"}
    )
    assert r.status_code == 401
    r = await anon.get("/", params={"token": server.token})
    assert r.status_code == 303 and server.token not in r.headers["location"]
    assert not (server.root / "x.txt").exists()
    assert server.session_cookie not in anon.cookies


async def test_unauthenticated_pages_redirect_to_the_login(
    anon: httpx.AsyncClient, server: Server
) -> None:
    r = await anon.get("/notebooks/sub/x.ipynb", params={"a": "1"})
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=%2Fnotebooks%2Fsub%2Fx.ipynb%3Fa%3D1"
    r = await anon.get("/login")
    assert r.status_code == 200 and "<form" in r.text and server.token not in r.text
    assert r.headers["content-security-policy"] == PAGE_CSP
    assert r.headers["referrer-policy"] == "no-referrer"


async def test_the_login_form_needs_xsrf_and_takes_the_token(
    anon: httpx.AsyncClient, server: Server
) -> None:
    await anon.get("/login")
    form = {"password": server.token, "next": "/tree"}
    r = await anon.post("/login", data=form)  # no _xsrf field
    assert r.status_code == 403 and server.session_cookie not in anon.cookies
    r = await anon.post("/login", data={**form, "_xsrf": "forged" * 8})
    assert r.status_code == 403 and server.session_cookie not in anon.cookies
    r = await anon.post("/login", data={**form, "_xsrf": anon.cookies["_xsrf"]})
    assert r.status_code == 303 and r.headers["location"] == "/tree"
    assert (await anon.get("/api/contents")).status_code == 200
    assert server.token not in r.text


async def test_login_form_from_a_foreign_origin_is_refused(
    anon: httpx.AsyncClient, server: Server
) -> None:
    await anon.get("/login")
    form = {"password": server.token, "_xsrf": anon.cookies["_xsrf"]}
    r = await anon.post("/login", data=form, headers={"Origin": "http://evil.example"})
    assert r.status_code == 403 and server.session_cookie not in anon.cookies


async def test_the_login_form_from_the_own_page_may_send_a_null_origin(
    anon: httpx.AsyncClient, server: Server
) -> None:
    # Under Referrer-Policy: no-referrer a browser posts its own forms with Origin: null.
    await anon.get("/login")
    form = {"password": server.token, "_xsrf": anon.cookies["_xsrf"]}
    r = await anon.post("/login", data=form, headers={"Origin": "null"})
    assert r.status_code == 303 and server.session_cookie in anon.cookies
    # ...but a logged-in browser's requests with Origin: null are refused
    r = await anon.get("/api/contents", headers={"Origin": "null"})
    assert r.status_code == 403


async def test_password_login(server_factory: ServerFactory) -> None:
    async with (
        server_factory(password_hash=hash_password("correct horse")) as server,
        client(server) as c,
    ):
        page = await c.get("/login")
        assert "Password or token" in page.text and server.token not in page.text
        r = await c.post("/login", data={"password": "wrong", "_xsrf": c.cookies["_xsrf"]})
        assert r.status_code == 403 and server.session_cookie not in c.cookies
        r = await c.post(
            "/login", data={"password": "correct horse", "_xsrf": c.cookies["_xsrf"], "next": "/x"}
        )
        assert r.status_code == 303 and r.headers["location"] == "/x"
        assert (await c.get("/api/contents")).status_code == 200


def test_password_hashes() -> None:
    stored = hash_password("s3cret")
    scheme, n, r, p, salt, digest = stored.split(":")
    assert (scheme, n, r, p) == ("scrypt", "16384", "8", "1")
    assert len(bytes.fromhex(salt)) == 16 and len(bytes.fromhex(digest)) == 32
    assert "s3cret" not in stored
    assert verify_password(stored, "s3cret")
    assert not verify_password(stored, "s3cret ")
    assert hash_password("s3cret") != stored  # salted
    for broken in (
        "",
        "scrypt",
        "argon2:1:1:1:00:00",
        "scrypt:x:8:1:00:00",
        "scrypt:16384:8:1:zz:00",
    ):
        assert not verify_password(broken, "s3cret")


async def test_a_login_cookie_from_another_server_is_refused(server_factory: ServerFactory) -> None:
    async with server_factory() as a, server_factory() as b, client(a) as ca, client(b) as cb:
        await login(ca, a)
        session = ca.cookies[a.session_cookie]
        for name in (a.session_cookie, b.session_cookie):
            cb.cookies.set(name, session)
            assert (await cb.get("/api/contents")).status_code == 401, name
        r = await cb.get("/api/contents", headers={"Authorization": f"token {a.token}"})
        assert r.status_code == 401


async def test_logout_ends_the_session(browser: httpx.AsyncClient, server: Server) -> None:
    session = browser.cookies[server.session_cookie]
    assert (await browser.post("/logout")).status_code == 403  # XSRF applies
    r = await browser.post("/logout", headers=xsrf(browser))
    assert r.status_code == 303 and r.headers["location"] == "/login"
    async with client(server) as other:
        other.cookies.set(server.session_cookie, session)
        assert (await other.get("/api/contents")).status_code == 401


async def test_secure_cookies_on_https(server_factory: ServerFactory) -> None:
    async with server_factory(secure_cookies=True) as server, client(server) as c:
        r = await c.get("/login", params={"token": server.token})
        assert all("Secure" in cookie for cookie in r.headers.get_list("set-cookie"))


async def test_the_token_is_never_logged(server: Server, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    # raw requests, so that the test's own HTTP client logs no URL either
    r = await raw_request(server, "GET", f"/login?token={server.token}&next=/tree", auth=False)
    assert r.status == 303 and server.token not in r.headers["location"]
    r = await raw_request(server, "GET", f"/api/contents?token={server.token}", auth=False)
    assert r.status == 401
    r = await raw_request(server, "GET", f"/login?token={server.token}x", auth=False)
    assert r.status == 403 and server.token.encode() not in r.body
    r = await raw_request(server, "GET", "/api/contents/nope")  # with the header
    assert r.status == 404
    access = [rec.getMessage() for rec in caplog.records if rec.name == "notewire.access"]
    assert "GET /login 303" in "\n".join(access)
    assert "GET /api/contents 401" in "\n".join(access)
    for record in caplog.records:
        assert server.token not in record.getMessage(), record.name
        assert server.token not in str(record.args), record.name
    assert server.token not in caplog.text
    assert "token=" not in caplog.text
