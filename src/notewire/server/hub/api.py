"""The few calls a single-user server makes to the hub's REST API.

Blocking `urllib` in a worker thread (a handful of calls per login and one per
activity interval do not justify an HTTP client dependency), each bounded by a
timeout. Tokens travel only in headers and form bodies; errors name the URL and
status, never a token.
"""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from .env import HubEnv

__all__ = ["HubApi", "HubApiError"]


class HubApiError(Exception):
    """The hub could not be reached or answered with an error."""


class HubApi:
    def __init__(self, env: HubEnv, *, timeout: float = 10.0) -> None:
        self.env = env
        self.timeout = timeout

    async def token_for_code(self, code: str, *, code_verifier: str) -> str:
        """Step 2 of the OAuth exchange: the access token for an authorization code."""
        form = {
            "client_id": self.env.client_id,
            "client_secret": self.env.api_token,
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.env.callback_url,
            "code_verifier": code_verifier,
        }
        status, reply = await self._call(
            "POST",
            f"{self.env.api_url}/oauth2/token",
            data=urlencode(form).encode(),
            content_type="application/x-www-form-urlencoded",
        )
        token = reply.get("access_token") if isinstance(reply, dict) else None
        if status != 200 or not isinstance(token, str) or not token:
            raise HubApiError(f"the hub refused the OAuth code ({status})")
        return token

    async def user_for_token(self, token: str) -> dict[str, Any] | None:
        """Step 3: the hub's model of the token's owner (with its `scopes`), or None
        when the hub does not know the token."""
        status, reply = await self._call(
            "GET", f"{self.env.api_url}/user", authorization=f"token {token}"
        )
        if status in (401, 403, 404):
            return None
        if status != 200 or not isinstance(reply, dict):
            raise HubApiError(f"GET {self.env.api_url}/user answered {status}")
        return reply

    async def hub_version(self) -> str | None:
        """The hub's version (its API root, public), or None when it does not say."""
        try:
            status, reply = await self._call("GET", f"{self.env.api_url}/")
        except HubApiError:
            return None
        version = reply.get("version") if isinstance(reply, dict) else None
        return version if status == 200 and isinstance(version, str) else None

    async def post_activity(self, last_activity: datetime) -> None:
        """Report the server's last activity (`JUPYTERHUB_ACTIVITY_URL`), as
        jupyterhub-singleuser does: for this server and for the user."""
        if self.env.activity_url is None:
            return
        stamp = last_activity.isoformat().replace("+00:00", "Z")
        body = {"servers": {self.env.server_name: {"last_activity": stamp}}, "last_activity": stamp}
        status, _ = await self._call(
            "POST",
            self.env.activity_url,
            data=json.dumps(body).encode(),
            content_type="application/json",
            authorization=f"token {self.env.api_token}",
        )
        if status >= 300:
            raise HubApiError(f"POST {self.env.activity_url} answered {status}")

    async def _call(
        self,
        method: str,
        url: str,
        *,
        data: bytes | None = None,
        content_type: str | None = None,
        authorization: str | None = None,
    ) -> tuple[int, Any]:
        headers = {"Accept": "application/json"}
        if content_type:
            headers["Content-Type"] = content_type
        if authorization:
            headers["Authorization"] = authorization
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        return await asyncio.to_thread(self._send, request)

    def _send(self, request: urllib.request.Request) -> tuple[int, Any]:
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                status, body = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, body = exc.code, exc.read()
        except (OSError, ValueError) as exc:
            raise HubApiError(f"{request.get_method()} {request.full_url}: {exc}") from None
        try:
            return status, json.loads(body) if body else None
        except ValueError:
            return status, None
