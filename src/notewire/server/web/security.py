"""ASGI middleware that makes every route secure by default.

`SecurityMiddleware`, for HTTP and WebSocket scopes alike, in this order:

1. **Host** (DNS rebinding): when the server listens on loopback, the Host header
   must name a loopback address or `localhost` (any port), or a configured host
   (`--allow-host`: the public names a proxy forwards; every other name stays refused).
2. **Authentication**, deny by default: only `public_paths` (the login page, static
   assets) run without a user. An unauthenticated page request is redirected to
   the authenticator's login (`<base URL>login?next=`), an API request gets a JSON
   401, a WebSocket is refused before accept.
   The user is put in `scope["notewire.user"]` (see `auth.require_auth`).
3. **Origin**: on every WebSocket, and on every request not authenticated by an
   Authorization header, a present Origin must be this server's own origin
   (scheme://Host) or exactly one of `allow_origins`. Foreign origins get 403.
   `Origin: null` is refused too, except on requests with no user at all (which only
   reach public routes): under `Referrer-Policy: no-referrer` browsers send `null`
   for their own form posts, and the login form has its own XSRF check, whose
   SameSite=Strict cookie a cross-site form cannot send.
4. **XSRF**: cookie-authenticated POST/PUT/PATCH/DELETE must send the `_xsrf` cookie's
   value in an `X-XSRFToken` header (double submit). A header token needs none: a
   page on another site cannot make a browser send it.

It also adds nosniff, no-referrer and a Content-Security-Policy to every response,
and the `_xsrf` cookie to a logged-in browser that lacks one.

`BodyLimit` answers 413 to a request body over the limit without reading it whole;
`AccessLog` logs method, path and status, never the query string (which may hold the
login token) nor any header.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.requests import cookie_parser
from starlette.responses import RedirectResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .auth import USER_SCOPE_KEY, XSRF_COOKIE, XSRF_HEADER, Authenticator, User, safe_next
from .errors import error_response

__all__ = [
    "API_CSP",
    "OUTPUT_FRAME_CSP",
    "WIDGET_FRAME_CSP",
    "PAGE_CSP",
    "SANDBOX_CSP",
    "AccessLog",
    "BodyLimit",
    "SecurityMiddleware",
    "SecurityPolicy",
    "host_name",
    "is_loopback",
    "output_frame_csp",
    "page_csp",
]

access_log = logging.getLogger("notewire.access")

# Images, audio, video and frames may come from any https: URL, as in JupyterLab, unless
# the server blocks remote content (`ServerConfig.block_remote_content`). A request to
# another origin never carries the user's cookie (cookies are per origin) nor, under
# `Referrer-Policy: no-referrer`, the notebook's URL.
_REMOTE = " https:"


def page_csp(*, block_remote_content: bool = False) -> str:
    """The pages' policy. Outputs are images as data: URLs; CodeMirror and remote
    cursors style elements inline. Scripts only from our own files; output HTML with
    scripts runs in sandboxed frames (`output_frame_csp`)."""
    remote = "" if block_remote_content else _REMOTE
    return (
        f"default-src 'self'; img-src 'self' data: blob:{remote}; "
        f"media-src 'self' data: blob:{remote}; frame-src 'self'{remote}; "
        "style-src 'self' 'unsafe-inline'; font-src 'self' data:; frame-ancestors 'self'; "
        "object-src 'none'; base-uri 'none'"
    )


def output_frame_csp(*, block_remote_content: bool = False, blob_scripts: bool = False) -> str:
    """The frame that runs trusted output HTML and JavaScript: an opaque origin (sandbox
    without allow-same-origin) that may run inline scripts but reach no server at all,
    save for media and frames it shows. `blob_scripts` is for the widget frame (one
    per run of widget outputs): anywidget imports a widget's ES module given as code from a Blob
    URL."""
    remote = "" if block_remote_content else _REMOTE
    blob = " blob:" if blob_scripts else ""
    frames = remote or " 'none'"
    return (
        "sandbox allow-scripts; default-src 'none'; script-src 'self' 'unsafe-inline' "
        f"'unsafe-eval'{blob}; style-src 'self' 'unsafe-inline'; "
        f"img-src 'self' data: blob:{remote}; media-src 'self' data: blob:{remote}; "
        f"frame-src{frames}; font-src 'self' data:; connect-src 'none'; "
        "frame-ancestors 'self'"
    )


PAGE_CSP = page_csp()
OUTPUT_FRAME_CSP = output_frame_csp()
WIDGET_FRAME_CSP = output_frame_csp(blob_scripts=True)
API_CSP = "default-src 'none'; frame-ancestors 'none'"
SANDBOX_CSP = "default-src 'none'; sandbox; frame-ancestors 'none'"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_HTTP_SCHEME = {"http": "http", "https": "https", "ws": "http", "wss": "https"}


def is_loopback(host: str) -> bool:
    """Whether a listening address or host name is this machine only."""
    name = host.strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def host_name(host: str) -> str | None:
    """The name part of a Host header, lowercased (`[::1]:8888` -> `[::1]`), or None
    when it is malformed."""
    host = host.strip().lower()
    if host.startswith("["):
        name, bracket, port = host.partition("]")
        name += bracket
        if not bracket or (port and not (port.startswith(":") and port[1:].isdigit())):
            return None
        return name
    name, colon, port = host.partition(":")
    if not name or (colon and not port.isdigit()):
        return None
    return name


@dataclass(frozen=True, slots=True)
class SecurityPolicy:
    """`public_paths`: exact paths, or prefixes when they end in `/`. `check_host`:
    enforce the Host allow-list (loopback names plus `allow_hosts`).
    `block_remote_content`: the pages' CSP refuses media and frames from other origins.
    `behind_proxy`: `https://<Host>` is an own origin too (TLS ended at a proxy)."""

    public_paths: tuple[str, ...] = ("/login", "/static/")
    allow_origins: frozenset[str] = frozenset()
    allow_hosts: frozenset[str] = frozenset()
    check_host: bool = True
    block_remote_content: bool = False
    behind_proxy: bool = False

    @classmethod
    def for_server(
        cls,
        *,
        ip: str,
        public_paths: Iterable[str],
        allow_origins: Iterable[str] = (),
        allow_hosts: Iterable[str] = (),
        block_remote_content: bool = False,
        check_host: bool | None = None,
        behind_proxy: bool = False,
    ) -> SecurityPolicy:
        hosts = frozenset(h.lower() for h in allow_hosts)
        return cls(
            public_paths=tuple(public_paths),
            allow_origins=frozenset(allow_origins),
            allow_hosts=hosts,
            check_host=(is_loopback(ip) or bool(hosts)) if check_host is None else check_host,
            block_remote_content=block_remote_content,
            behind_proxy=behind_proxy,
        )

    def is_public(self, path: str) -> bool:
        if any(part in (".", "..") for part in path.split("/")):
            return False
        return any(path.startswith(p) if p.endswith("/") else path == p for p in self.public_paths)

    def host_allowed(self, headers: Headers) -> bool:
        if not self.check_host:
            return True
        hosts = headers.getlist("host")
        if len(hosts) != 1:
            return False
        name = host_name(hosts[0])
        return name is not None and (name in self.allow_hosts or is_loopback(name))

    def origin_allowed(self, scope: Scope, headers: Headers, *, allow_null: bool = False) -> bool:
        origins = headers.getlist("origin")
        if not origins:
            return True  # not a browser, or a same-origin navigation
        if len(origins) > 1:
            return False
        origin = origins[0]
        if origin in self.allow_origins or (allow_null and origin == "null"):
            return True
        host = headers.get("host")
        if host is None:
            return False
        scheme = _HTTP_SCHEME.get(scope.get("scheme", "http"), "http")
        own = {f"{scheme}://{host}".lower()}
        if self.behind_proxy:  # TLS may end at the proxy: the browser saw https
            own.add(f"https://{host}".lower())
        return origin.lower() in own


def _route_path(scope: Scope) -> str:
    """The path the router matches (the decoded path, less any root_path)."""
    path: str = scope["path"]
    root = scope.get("root_path", "")
    if root and path.startswith(root) and path[len(root) : len(root) + 1] in ("", "/"):
        return path[len(root) :]
    return path


def _is_api(path: str) -> bool:
    return path == "/api" or path.startswith("/api/")


def _xsrf_ok(headers: Headers) -> bool:
    cookie = _cookie(headers, XSRF_COOKIE)
    sent = headers.get(XSRF_HEADER)
    if not cookie or not sent:
        return False
    return hmac.compare_digest(cookie.encode(), sent.encode())


def _cookie(headers: Headers, name: str) -> str | None:
    for header in headers.getlist("cookie"):
        value = cookie_parser(header).get(name)
        if value:
            return value
    return None


class SecurityMiddleware:
    def __init__(self, app: ASGIApp, *, auth: Authenticator, policy: SecurityPolicy) -> None:
        self.app = app
        self.auth = auth
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        path = _route_path(scope)
        headers = Headers(scope=scope)
        if kind == "http":
            send = self._add_headers(scope, headers, path, send)
        scope[USER_SCOPE_KEY] = None
        if not self.policy.host_allowed(headers):
            await _deny(scope, receive, send, 403, "this Host is not allowed", "host")
            return
        user = await self.auth.authenticate(scope)
        scope[USER_SCOPE_KEY] = user
        if user is None and not self.policy.is_public(path):
            await self._unauthenticated(scope, receive, send, path)
            return
        by_header = user is not None and user.method == "token"
        anonymous_http = user is None and kind == "http"
        if (kind == "websocket" or not by_header) and not self.policy.origin_allowed(
            scope, headers, allow_null=anonymous_http
        ):
            await _deny(scope, receive, send, 403, "cross-origin request refused", "origin")
            return
        if (
            kind == "http"
            and scope["method"] not in SAFE_METHODS
            and user is not None
            and user.method == "cookie"
            and not _xsrf_ok(headers)
        ):
            await _deny(scope, receive, send, 403, "XSRF check failed", "xsrf")
            return
        await self.app(scope, receive, send)

    async def _unauthenticated(self, scope: Scope, receive: Receive, send: Send, path: str) -> None:
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD") and not _is_api(path):
            query = scope.get("query_string", b"").decode("latin-1")
            base = self.auth.base_url
            target = safe_next(quote(scope["path"]) + (f"?{query}" if query else ""), base)
            login = f"{base}login?{urlencode({'next': target})}"
            response = RedirectResponse(login, status_code=303)
            await response(scope, receive, send)
            return
        await _deny(scope, receive, send, 401, "authentication required", "unauthenticated")

    def _add_headers(self, scope: Scope, headers: Headers, path: str, send: Send) -> Send:
        csp = (
            API_CSP
            if _is_api(path)
            else page_csp(block_remote_content=self.policy.block_remote_content)
        )
        needs_xsrf = _cookie(headers, XSRF_COOKIE) is None

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                out = MutableHeaders(scope=message)
                out.setdefault("x-content-type-options", "nosniff")
                out.setdefault("referrer-policy", "no-referrer")
                out.setdefault("content-security-policy", csp)
                if _is_api(path):
                    out.setdefault("cache-control", "no-store")
                user = scope.get(USER_SCOPE_KEY)
                if (
                    needs_xsrf
                    and isinstance(user, User)
                    and user.method == "cookie"
                    and not any(c.startswith(f"{XSRF_COOKIE}=") for c in out.getlist("set-cookie"))
                ):
                    https = scope.get("scheme") == "https"
                    secure = "; Secure" if self.auth.secure_cookies or https else ""
                    value = secrets.token_urlsafe(32)
                    where = self.auth.base_url
                    cookie = f"{XSRF_COOKIE}={value}; Path={where}; SameSite=Strict{secure}"
                    out.append("set-cookie", cookie)
            await send(message)

        return send_with_headers


async def _deny(
    scope: Scope, receive: Receive, send: Send, status: int, message: str, reason: str
) -> None:
    if scope["type"] == "websocket":
        # Closing before accept makes the server answer the handshake with 403.
        await send({"type": "websocket.close", "code": 1008, "reason": ""})
        return
    await error_response(status, message, reason)(scope, receive, send)


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body over the limit of {limit} bytes")


class BodyLimit:
    """413 for request bodies over `max_bytes`: at once when Content-Length says so,
    else as soon as the streamed body passes the limit."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = Headers(scope=scope).get("content-length")
        if length is not None:
            if not length.isdigit():
                await error_response(400, "bad Content-Length")(scope, receive, send)
                return
            if int(length) > self.max_bytes:
                await error_response(413, str(BodyTooLarge(self.max_bytes).detail))(
                    scope, receive, send
                )
                return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge as exc:
            if started:
                raise
            await error_response(413, str(exc.detail))(scope, receive, send)


class AccessLog:
    """One INFO line per request on `notewire.access`: method, path, status, time.
    The path is re-quoted (no forged log lines); the query string is left out."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 0

        async def logging_send(message: Message) -> None:
            nonlocal status
            kind = message["type"]
            if kind == "http.response.start":
                status = message["status"]
            elif kind == "websocket.accept":
                status = 101
            elif kind == "websocket.close" and status == 0:
                status = 403
            await send(message)

        try:
            await self.app(scope, receive, logging_send)
        finally:
            method = scope["method"] if scope["type"] == "http" else "WS"
            path = quote(scope["path"], safe="/:@!$&'()*+,;=-._~")
            ms = (time.perf_counter() - start) * 1000
            access_log.info("%s %s %d %.1fms", method, path, status or 500, ms)
