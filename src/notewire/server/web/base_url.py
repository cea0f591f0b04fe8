"""Serving under a URL prefix (`--base-url /user/alice/`), as a hub's proxy forwards.

`BaseUrl` is the outermost ASGI layer. A request under the prefix gets it as
`scope["root_path"]` (the ASGI way: `path` keeps the full path and Starlette's router
matches what follows the root path), so the routes themselves are written once, from
`/`. Anything outside the prefix is a 404 before any other layer sees it; the prefix
without its trailing slash is redirected to the prefix.

Everything that builds a URL for the browser (redirects, cookie paths, the pages'
asset links, the `next=` of the login) takes it from `prefixed` and the normalized
base URL, never from the request.
"""

from __future__ import annotations

from starlette.responses import PlainTextResponse, RedirectResponse
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["BaseUrl", "normalize_base_url", "prefixed"]


def normalize_base_url(value: str) -> str:
    """`/user/alice/` from `user/alice`, `/user/alice` or `/user/alice/`; `/` for empty.
    Raises ValueError for anything a browser could read as another host or path
    (`//`, backslashes, `.` or `..` segments, a query, control characters)."""
    value = value.strip()
    if not value or value == "/":
        return "/"
    if "\\" in value or "?" in value or "#" in value or "//" in value:
        raise ValueError(f"base URL {value!r}: no '//', '\\', '?' or '#' allowed")
    if any(ord(c) < 0x21 or c == "\x7f" for c in value):
        raise ValueError(f"base URL {value!r}: no spaces or control characters allowed")
    parts = [p for p in value.strip("/").split("/")]
    if any(p in (".", "..") for p in parts):
        raise ValueError(f"base URL {value!r}: no '.' or '..' segments allowed")
    return "/" + "/".join(parts) + "/"


def prefixed(base_url: str, path: str) -> str:
    """`path` (`/login`, `api/x`, `/`) under `base_url` (normalized)."""
    return base_url + path.lstrip("/")


class BaseUrl:
    """Confines an app to `base_url` (normalized; `/` passes everything through)."""

    def __init__(self, app: ASGIApp, *, base_url: str) -> None:
        self.app = app
        self.base_url = base_url
        self.root_path = base_url.rstrip("/")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or self.base_url == "/":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if path == self.root_path and scope["type"] == "http":
            await RedirectResponse(self.base_url, status_code=302)(scope, receive, send)
            return
        if not path.startswith(self.base_url):
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008, "reason": ""})
            else:
                await PlainTextResponse("Not Found", status_code=404)(scope, receive, send)
            return
        root = scope.get("root_path", "") + self.root_path
        await self.app({**scope, "root_path": root}, receive, send)
