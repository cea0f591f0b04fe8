"""The built assets under /static/: cached for good under a content-hashed name, and
readable by the opaque-origin widget frames' module requests (CORS)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from notewire.server.web import pages
from notewire.server.web.pages import Assets
from notewire.server.web.security import WIDGET_FRAME_CSP


def client(folder: Path) -> httpx.AsyncClient:
    app = Starlette(routes=[Mount("/static", app=Assets(directory=folder), name="static")])
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


async def test_a_hashed_asset_is_immutable_and_any_origin_may_read_it(tmp_path: Path) -> None:
    (tmp_path / "widget-frame-CV3LR74P.js").write_text("1")
    (tmp_path / "fonts").mkdir()
    (tmp_path / "fonts" / "KaTeX_Main-Regular-ABCD1234.woff2").write_bytes(b"f")
    async with client(tmp_path) as http:
        for path in ("widget-frame-CV3LR74P.js", "fonts/KaTeX_Main-Regular-ABCD1234.woff2"):
            r = await http.get(f"/static/{path}", headers={"Origin": "null"})
            assert r.status_code == 200
            assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
            assert r.headers["access-control-allow-origin"] == "*"
            assert "access-control-allow-credentials" not in r.headers


async def test_an_asset_without_a_hash_is_revalidated(tmp_path: Path) -> None:
    (tmp_path / "build-info.json").write_text("{}")
    async with client(tmp_path) as http:
        r = await http.get("/static/build-info.json")
        assert r.status_code == 200
        assert "cache-control" not in r.headers
        assert r.headers["access-control-allow-origin"] == "*"
        again = await http.get(
            "/static/build-info.json", headers={"If-None-Match": r.headers["etag"]}
        )
        assert again.status_code == 304


async def test_the_widget_frame_shell_is_kept_for_good_only_under_its_current_hash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shell = b"<!doctype html><title>widget</title>"
    (tmp_path / "widgets.html").write_bytes(shell)
    monkeypatch.setattr(pages, "STATIC", tmp_path)
    app = Starlette(routes=pages.routes())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        current = await http.get(f"/static/widgets.html?v={pages.shell_hash(shell)}")
        old = await http.get("/static/widgets.html?v=0123456789abcdef")
        plain = await http.get("/static/widgets.html")
    assert current.content == old.content == plain.content == shell
    assert current.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert old.headers["cache-control"] == plain.headers["cache-control"] == "no-cache"
    for r in (current, old, plain):  # the frame's policy either way
        assert r.headers["content-security-policy"] == WIDGET_FRAME_CSP
