"""Who may use the server: the start-up token, an optional password, login sessions.

- The token (`secrets.token_urlsafe(32)` unless configured) is made at start-up and
  printed once as `http://127.0.0.1:PORT/login?token=...`. `GET /login?token=` is the
  only place a token is read from a URL: it is exchanged for a session cookie and the
  browser is redirected (303) to a local page, so the token leaves the address bar.
- Non-browser clients send `Authorization: token <t>` (or `Bearer <t>`) instead.
- A session cookie holds a random id kept server-side (a cookie from another server,
  or from before a restart, means nothing here). It is HttpOnly, SameSite=Strict,
  Path=<base URL>, Secure on https, and named after the server's port, because browsers
  share cookies between ports of one host.
- A password, when configured, is stored only as `scrypt:n:r:p:salt:hash`
  (`hash_password`); the login form accepts it or the token.

Secrets are compared with `hmac.compare_digest` and never logged or put into pages.
The middleware in `security.py` enforces all of this on every route, through the
`Authenticator` seam: `Auth` here, or `hub_auth.HubAuth` under JupyterHub, which logs
users in through the hub and keeps its sessions in an `Auth`.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import html
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from starlette.datastructures import Headers
from starlette.requests import Request, cookie_parser
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import Scope

__all__ = [
    "USER_SCOPE_KEY",
    "XSRF_COOKIE",
    "XSRF_HEADER",
    "Auth",
    "Authenticator",
    "NotAuthenticated",
    "User",
    "hash_password",
    "login_routes",
    "require_auth",
    "safe_next",
    "verify_password",
]

USER_SCOPE_KEY = "notewire.user"
XSRF_COOKIE = "_xsrf"
XSRF_HEADER = "x-xsrftoken"
_SCRYPT = (2**14, 8, 1)  # n, r, p: about 16 MiB and 50 ms per check
_MAX_LOGIN_FORM = 16 * 1024


# --- passwords -----------------------------------------------------------------------


def hash_password(password: str) -> str:
    """`scrypt:n:r:p:salt:hash` (salt and hash in hex) for `ServerConfig.password_hash`."""
    n, r, p = _SCRYPT
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=32)
    return f"scrypt:{n}:{r}:{p}:{salt.hex()}:{digest.hex()}"


def verify_password(stored: str, password: str) -> bool:
    """Whether `password` matches a `hash_password` result. A malformed `stored`
    matches nothing."""
    try:
        scheme, n, r, p, salt, expected = stored.split(":")
        if scheme != "scrypt":
            return False
        want = bytes.fromhex(expected)
        got = hashlib.scrypt(
            password.encode(),
            salt=bytes.fromhex(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(want),
            maxmem=256 * 2**20,
        )
    except ValueError:
        return False
    return hmac.compare_digest(got, want)


# --- sessions ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class User:
    """Who a request comes from: a browser session or a client holding the token."""

    method: Literal["cookie", "token"]
    session_id: str | None = None


class NotAuthenticated(PermissionError):
    pass


class Authenticator(Protocol):
    """What the security middleware asks of an authentication scheme."""

    secure_cookies: bool
    base_url: str

    async def authenticate(self, scope: Scope) -> User | None:
        """The user of an HTTP or WebSocket scope, or None."""
        ...

    def routes(self) -> Sequence[BaseRoute]:
        """Its public `/login` (where unauthenticated pages are sent, with `next=`)
        and its `/logout`."""
        ...


def require_auth(scope: Scope) -> User:
    """The user the security middleware found for this HTTP or WebSocket scope.

    Every non-public route only runs for an authenticated user whose Origin was
    checked, so handlers need not call this; it is a second lock for routes that must
    never run anonymously. Raises NotAuthenticated.
    """
    user = scope.get(USER_SCOPE_KEY)
    if not isinstance(user, User):
        raise NotAuthenticated("authentication required")
    return user


def _server_port(scope: Scope) -> int:
    server = scope.get("server")
    return server[1] if server and server[1] is not None else 0


class Auth:
    """The server's credentials and its login sessions (in memory, per process)."""

    def __init__(
        self,
        *,
        token: str,
        password_hash: str | None = None,
        secure_cookies: bool = False,
        session_lifetime: float = 30 * 24 * 3600.0,
        max_sessions: int = 10_000,
        base_url: str = "/",
    ) -> None:
        if len(token) < 16:
            raise ValueError("the token must be at least 16 characters")
        self._token = token
        self._password_hash = password_hash
        self.secure_cookies = secure_cookies
        self.base_url = base_url
        self._lifetime = session_lifetime
        self._max_sessions = max_sessions
        self._sessions: dict[str, float] = {}  # id -> expiry (time.monotonic)

    def __repr__(self) -> str:  # never show the token
        return f"<Auth sessions={len(self._sessions)} password={self._password_hash is not None}>"

    @property
    def token(self) -> str:
        """The secret token; print it once, never log it."""
        return self._token

    @property
    def has_password(self) -> bool:
        return self._password_hash is not None

    def check_token(self, candidate: str) -> bool:
        return hmac.compare_digest(candidate.encode(), self._token.encode())

    def check_secret(self, candidate: str) -> bool:
        """The login form's field: the password if one is set, or the token."""
        if self.check_token(candidate):
            return True
        return self._password_hash is not None and verify_password(self._password_hash, candidate)

    def session_cookie(self, scope: Scope) -> str:
        return f"notewire-session-{_server_port(scope)}"

    def new_session(self) -> str:
        now = time.monotonic()
        self._sessions = {s: t for s, t in self._sessions.items() if t > now}
        while len(self._sessions) >= self._max_sessions:
            del self._sessions[next(iter(self._sessions))]  # the oldest
        session_id = secrets.token_urlsafe(32)
        self._sessions[session_id] = now + self._lifetime
        return session_id

    def end_session(self, session_id: str) -> None:
        self._sessions.pop(session_id, None)

    def _valid_session(self, session_id: str) -> bool:
        expiry = self._sessions.get(session_id)
        if expiry is None:
            return False
        if expiry <= time.monotonic():
            del self._sessions[session_id]
            return False
        return True

    def routes(self) -> Sequence[BaseRoute]:
        return login_routes(self)

    # The browser's side of a session, for this module's login form and for other
    # ways of logging in that keep their sessions here (hub_auth).

    def secure(self, request: Request) -> bool:
        return self.secure_cookies or request.url.scheme == "https"

    def set_xsrf_cookie(self, request: Request, response: Response, value: str) -> None:
        response.set_cookie(
            XSRF_COOKIE,
            value,
            path=self.base_url,
            samesite="strict",
            secure=self.secure(request),
        )

    def log_in(self, request: Request, next_url: str) -> tuple[Response, str]:
        """A redirect to `next_url` that starts a new session (a fresh id at each
        login: no session fixation); returns it and the session id."""
        response = RedirectResponse(next_url, status_code=303)
        old = request.cookies.get(self.session_cookie(request.scope))
        if old:
            self.end_session(old)
        session_id = self.new_session()
        response.set_cookie(
            self.session_cookie(request.scope),
            session_id,
            path=self.base_url,
            httponly=True,
            samesite="strict",
            secure=self.secure(request),
        )
        xsrf, fresh = _xsrf_value(request)
        if fresh:
            self.set_xsrf_cookie(request, response, xsrf)
        return response, session_id

    def log_out(self, request: Request, session_id: str, to: str) -> Response:
        """A redirect to `to` that ends the session and clears its cookie."""
        self.end_session(session_id)
        response = RedirectResponse(to, status_code=303)
        response.delete_cookie(
            self.session_cookie(request.scope),
            path=self.base_url,
            httponly=True,
            samesite="strict",
            secure=self.secure(request),
        )
        return response

    async def authenticate(self, scope: Scope) -> User | None:
        return self.authenticate_now(scope)

    def authenticate_now(self, scope: Scope) -> User | None:
        """The user of an HTTP or WebSocket scope, from its Authorization header or its
        session cookie; never from the query string. A wrong Authorization header
        fails even beside a good cookie."""
        headers = Headers(scope=scope)
        authorization = headers.get("authorization")
        if authorization is not None:
            scheme, _, credential = authorization.strip().partition(" ")
            if scheme.lower() in ("token", "bearer") and self.check_token(credential.strip()):
                return User("token")
            return None
        session_id = _cookies(headers).get(self.session_cookie(scope))
        if session_id and self._valid_session(session_id):
            return User("cookie", session_id)
        return None


def _xsrf_value(request: Request) -> tuple[str, bool]:
    """The browser's `_xsrf` value, or a new one (and True: set it)."""
    value = request.cookies.get(XSRF_COOKIE)
    if value and len(value) >= 16:
        return value, False
    return secrets.token_urlsafe(32), True


def _cookies(headers: Headers) -> dict[str, str]:
    found: dict[str, str] = {}
    for header in headers.getlist("cookie"):
        found.update(cookie_parser(header))
    return found


# --- the login page ------------------------------------------------------------------


def safe_next(value: str | None, base_url: str = "/") -> str:
    """A redirect target confined to this server and its base URL: a path starting
    with `base_url` (and a single `/`), no scheme, host, backslash, control character
    or dot segment (CVE-2019-10255, CVE-2023-39968, CVE-2025-61669). Anything else
    becomes `base_url`. A `token` query parameter is dropped."""
    if not value or not value.startswith("/") or value.startswith("//"):
        return base_url
    if "\\" in value or any(ord(c) < 0x20 or c == "\x7f" for c in value):
        return base_url
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not parts.path.startswith(base_url):
        return base_url
    if any(p in (".", "..") for p in unquote(parts.path).split("/")):
        return base_url  # the browser would resolve them out of the prefix
    path = quote(parts.path, safe="/%:@!$&'()*+,;=-._~")
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "token"]
    return path + (f"?{urlencode(query)}" if query else "")


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>notewire: log in</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main>
<h1>notewire</h1>
{error}<form method="post" action="{action}">
<input type="hidden" name="_xsrf" value="{xsrf}">
<input type="hidden" name="next" value="{next}">
<label>{label} <input type="password" name="password" autocomplete="current-password"
 autofocus required></label>
<button type="submit">Log in</button>
</form>
<p>Or open the link with the token that notewire printed when it started.</p>
</main></body></html>
"""


class _Login:
    def __init__(self, auth: Auth) -> None:
        self.auth = auth
        self.label = "Password or token" if auth.has_password else "Token"

    def _form(
        self, request: Request, next_url: str, error: str = "", status: int = 200
    ) -> Response:
        xsrf, fresh = _xsrf_value(request)
        body = _PAGE.format(
            error=f'<p role="alert">{html.escape(error)}</p>\n' if error else "",
            xsrf=html.escape(xsrf),
            next=html.escape(next_url),
            label=self.label,
            action=html.escape(self.auth.base_url + "login"),
        )
        response = HTMLResponse(body, status_code=status, headers={"Cache-Control": "no-store"})
        if fresh:
            self.auth.set_xsrf_cookie(request, response, xsrf)
        return response

    def _logged_in(self, request: Request, next_url: str) -> Response:
        return self.auth.log_in(request, next_url)[0]

    async def get(self, request: Request) -> Response:
        next_url = safe_next(request.query_params.get("next"), self.auth.base_url)
        token = request.query_params.get("token")
        if token is not None:
            if self.auth.check_token(token):
                return self._logged_in(request, next_url)
            return self._form(request, next_url, "That link's token is not valid.", 403)
        if isinstance(request.scope.get(USER_SCOPE_KEY), User):
            return RedirectResponse(next_url, status_code=303)
        return self._form(request, next_url)

    async def post(self, request: Request) -> Response:
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > _MAX_LOGIN_FORM:
                return self._form(request, self.auth.base_url, "The form is too large.", 413)
        try:
            fields = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        except (UnicodeDecodeError, ValueError):
            return self._form(request, self.auth.base_url, "The form could not be read.", 400)
        next_url = safe_next(fields.get("next"), self.auth.base_url)
        cookie = request.cookies.get(XSRF_COOKIE, "")
        sent = fields.get("_xsrf", "")
        if not (cookie and sent and hmac.compare_digest(cookie.encode(), sent.encode())):
            return self._form(request, next_url, "The form expired; please try again.", 403)
        secret = fields.get("password", "")
        if secret and await asyncio.to_thread(self.auth.check_secret, secret):
            return self._logged_in(request, next_url)
        return self._form(request, next_url, "Wrong password or token.", 403)

    async def logout(self, request: Request) -> Response:
        user = require_auth(request.scope)
        if user.session_id is None:
            return Response(status_code=204)
        return self.auth.log_out(request, user.session_id, self.auth.base_url + "login")


def login_routes(auth: Auth) -> Sequence[BaseRoute]:
    """`GET /login` (form, or `?token=` exchange), `POST /login` (the form, with XSRF),
    `POST /logout`. /login must be public; /logout must not be."""
    login = _Login(auth)
    return [
        Route("/login", login.get, methods=["GET"]),
        Route("/login", login.post, methods=["POST"]),
        Route("/logout", login.logout, methods=["POST"]),
    ]
