"""Logging in through JupyterHub (`notewire singleuser`): the `Authenticator` that
replaces the token and password login when the hub spawned us.

The OAuth authorization-code exchange, as jupyterhub-singleuser does it:

1. `GET {prefix}login?next=` (where the security middleware sends an unauthenticated
   page) redirects to the hub's authorize page with `client_id`, `redirect_uri`,
   `state` and a PKCE challenge, and sets the state cookie `<client_id>-oauth-state`.
   A user already logged in at the hub comes straight back: no second login.
2. `GET {prefix}oauth_callback?code=&state=` checks the state against its cookie,
   trades the code for an access token (`POST {api}/oauth2/token`, with the server's
   API token as the client secret), and asks the hub who holds it (`GET {api}/user`).
3. Only a user whose token holds one of `JUPYTERHUB_OAUTH_ACCESS_SCOPES` gets in (a
   session of `auth.Auth`, its cookie at the prefix); anyone else gets 403.

The hub token behind a session is asked about again every `recheck` seconds, so a
user whose access the hub revokes is out within that time. API clients send a hub
token as `Authorization: token <t>` (checked the same way, the answer cached for
`recheck` seconds). `POST {prefix}logout` ends the session, clears its cookie and
sends the browser to the hub's logout. No token is ever logged.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import logging
import secrets
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import Scope

from ..hub.api import HubApi, HubApiError
from ..hub.env import HubEnv
from .auth import USER_SCOPE_KEY, Auth, User, require_auth, safe_next

__all__ = ["HubAuth", "has_access"]

log = logging.getLogger("notewire.hub")
_STATE_LIFETIME = 600.0
_MAX_PENDING = 1000
_MAX_CACHED_TOKENS = 1000


def has_access(required: frozenset[str], held: Sequence[str]) -> bool:
    """Whether the scopes a token holds grant one of the `required` access scopes:
    the scope itself, or the same scope with no filter (`access:servers`)."""
    have = set(held)
    return any(s in have or s.partition("!")[0] in have for s in required)


@dataclass(slots=True)
class _Pending:
    next_url: str
    verifier: str
    expires: float


@dataclass(slots=True)
class _Grant:
    token: str
    user: str
    checked: float


class HubAuth:
    """The `Authenticator` of a server the hub spawned (see the module's text)."""

    def __init__(
        self,
        env: HubEnv,
        api: HubApi,
        *,
        secure_cookies: bool = False,
        recheck: float = 300.0,
    ) -> None:
        self.env = env
        self.api = api
        self.recheck = recheck
        # Sessions and their cookies are the local login's; no token of its own is
        # ever shown, so only the hub lets anyone in.
        self.sessions = Auth(
            token=secrets.token_urlsafe(32), secure_cookies=secure_cookies, base_url=env.prefix
        )
        self._grants: dict[str, _Grant] = {}
        self._pending: OrderedDict[str, _Pending] = OrderedDict()
        self._tokens: OrderedDict[str, tuple[bool, float]] = OrderedDict()

    def __repr__(self) -> str:
        return f"<HubAuth {self.env.client_id} sessions={len(self._grants)}>"

    @property
    def secure_cookies(self) -> bool:
        return self.sessions.secure_cookies

    @property
    def base_url(self) -> str:
        return self.sessions.base_url

    @property
    def state_cookie(self) -> str:
        return f"{self.env.client_id}-oauth-state"

    # --- who is asking -------------------------------------------------------------

    async def authenticate(self, scope: Scope) -> User | None:
        authorization = Headers(scope=scope).get("authorization")
        if authorization is not None:
            kind, _, token = authorization.strip().partition(" ")
            if kind.lower() in ("token", "bearer") and await self._token_allowed(token.strip()):
                return User("token")
            return None
        user = self.sessions.authenticate_now(scope)
        if user is None or user.session_id is None:
            return None
        grant = self._grants.get(user.session_id)
        if grant is None:
            return None
        if time.monotonic() - grant.checked > self.recheck:
            if not await self._still_allowed(grant):
                self._grants.pop(user.session_id, None)
                self.sessions.end_session(user.session_id)
                return None
        return user

    async def _token_allowed(self, token: str) -> bool:
        if not token:
            return False
        key = hashlib.sha256(token.encode()).hexdigest()
        cached = self._tokens.get(key)
        now = time.monotonic()
        if cached is not None and cached[1] > now:
            return cached[0]
        try:
            model = await self.api.user_for_token(token)
        except HubApiError as exc:
            log.warning("could not check a token with the hub: %s", exc)
            return False
        allowed = model is not None and has_access(self.env.access_scopes, _scopes(model))
        self._tokens[key] = (allowed, now + self.recheck)
        self._tokens.move_to_end(key)
        while len(self._tokens) > _MAX_CACHED_TOKENS:
            self._tokens.popitem(last=False)
        return allowed

    async def _still_allowed(self, grant: _Grant) -> bool:
        try:
            model = await self.api.user_for_token(grant.token)
        except HubApiError as exc:  # the hub is down: keep the user working for now
            log.warning("could not recheck %s's login with the hub: %s", grant.user, exc)
            return True
        grant.checked = time.monotonic()
        return model is not None and has_access(self.env.access_scopes, _scopes(model))

    # --- the exchange ----------------------------------------------------------------

    def routes(self) -> Sequence[BaseRoute]:
        return [
            Route("/login", self.login, methods=["GET"]),
            Route("/oauth_callback", self.callback, methods=["GET"]),
            Route("/logout", self.logout, methods=["POST"]),
        ]

    async def login(self, request: Request) -> Response:
        next_url = safe_next(request.query_params.get("next"), self.base_url)
        if isinstance(request.scope.get(USER_SCOPE_KEY), User):
            return RedirectResponse(next_url, status_code=303)
        now = time.monotonic()
        while self._pending and (
            len(self._pending) >= _MAX_PENDING or next(iter(self._pending.values())).expires < now
        ):
            self._pending.popitem(last=False)
        state = secrets.token_urlsafe(24)
        verifier = secrets.token_urlsafe(48)
        self._pending[state] = _Pending(next_url, verifier, now + _STATE_LIFETIME)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        query = urlencode(
            {
                "client_id": self.env.client_id,
                "redirect_uri": self.env.callback_url,
                "response_type": "code",
                "state": state,
                "code_challenge": challenge.decode().rstrip("="),
                "code_challenge_method": "S256",
            }
        )
        response = RedirectResponse(f"{self.env.authorize_url}?{query}", status_code=302)
        response.set_cookie(
            self.state_cookie,
            state,
            max_age=int(_STATE_LIFETIME),
            path=self.base_url,
            httponly=True,
            samesite="lax",  # it must come back on the hub's redirect to the callback
            secure=self.sessions.secure(request),
        )
        return response

    async def callback(self, request: Request) -> Response:
        code = request.query_params.get("code", "")
        state = request.query_params.get("state", "")
        cookie = request.cookies.get(self.state_cookie, "")
        pending = self._pending.pop(state, None) if state else None
        if (
            not code
            or pending is None
            or pending.expires < time.monotonic()
            or not hmac.compare_digest(state.encode(), cookie.encode())
        ):
            return _page(
                400, "This login link is stale or was not started here.", self.base_url + "login"
            )
        try:
            token = await self.api.token_for_code(code, code_verifier=pending.verifier)
            model = await self.api.user_for_token(token)
        except HubApiError as exc:
            log.warning("hub login failed: %s", exc)
            return _page(502, "The hub did not complete the login.", self.base_url + "login")
        name = str((model or {}).get("name", ""))
        if model is None or not has_access(self.env.access_scopes, _scopes(model)):
            log.warning("refused %r: no access to this server", name or "an unknown token")
            return _page(
                403,
                f"{name or 'You'} may not use this server (it belongs to {self.env.user}).",
                self.env.hub_prefix + "home",
            )
        response, session_id = self.sessions.log_in(request, pending.next_url)
        self._grants[session_id] = _Grant(token, name, time.monotonic())
        response.delete_cookie(self.state_cookie, path=self.base_url)
        log.info("%s logged in through the hub", name)
        return response

    async def logout(self, request: Request) -> Response:
        user = require_auth(request.scope)
        if user.session_id is None:
            return Response(status_code=204)
        self._grants.pop(user.session_id, None)
        return self.sessions.log_out(request, user.session_id, self.env.logout_url)


def _scopes(model: dict[str, Any]) -> list[str]:
    scopes = model.get("scopes")
    return [s for s in scopes if isinstance(s, str)] if isinstance(scopes, list) else []


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>notewire</title></head>
<body><main><h1>notewire</h1><p role="alert">{message}</p>
<p><a href="{link}">Continue</a></p></main></body></html>
"""


def _page(status: int, message: str, link: str) -> Response:
    body = _PAGE.format(message=html.escape(message), link=html.escape(link))
    return HTMLResponse(body, status_code=status, headers={"Cache-Control": "no-store"})
