"""The `JUPYTERHUB_*` environment a spawner gives its single-user server.

Read once at start-up into a frozen `HubEnv`; a missing or malformed variable is a
`HubEnvError` naming it. The API token (the server's hub token, and its OAuth client
secret) is kept out of `repr`, so it can never reach a log line.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

__all__ = ["HubEnv", "HubEnvError"]


class HubEnvError(ValueError):
    """The environment does not describe a JupyterHub single-user server."""


@dataclass(frozen=True, slots=True)
class HubEnv:
    """`ip`/`port`: where to listen (from JUPYTERHUB_SERVICE_URL; None when the hub
    is too old to say). `prefix`: the URL prefix (`/user/alice/`). `hub_prefix`: the
    hub's own pages (`/hub/`), for the browser. `api_url`: the hub's REST API as this
    server reaches it. `public_url`: the deployment's public URL, when configured."""

    api_url: str
    api_token: str = field(repr=False)
    client_id: str
    prefix: str
    callback_url: str
    access_scopes: frozenset[str]
    user: str
    server_name: str = ""
    hub_prefix: str = "/hub/"
    hub_host: str = ""
    ip: str | None = None
    port: int | None = None
    activity_url: str | None = None
    activity_interval: float = 300.0
    public_url: str | None = None
    root_dir: str | None = None

    @classmethod
    def from_environ(cls, env: Mapping[str, str]) -> HubEnv:
        def need(name: str) -> str:
            value = env.get(name, "").strip()
            if not value:
                raise HubEnvError(
                    f"{name} is not set: `notewire singleuser` is started by JupyterHub "
                    "(c.Spawner.cmd = ['notewire', 'singleuser']), which sets it"
                )
            return value

        user = need("JUPYTERHUB_USER")
        prefix = env.get("JUPYTERHUB_SERVICE_PREFIX") or f"/user/{user}/"
        ip, port = _bind(env.get("JUPYTERHUB_SERVICE_URL", ""))
        base = env.get("JUPYTERHUB_BASE_URL", "/") or "/"
        interval = env.get("JUPYTERHUB_ACTIVITY_INTERVAL", "300")
        try:
            activity_interval = float(interval)
        except ValueError:
            message = f"JUPYTERHUB_ACTIVITY_INTERVAL={interval!r} is not a number"
            raise HubEnvError(message) from None
        return cls(
            api_url=need("JUPYTERHUB_API_URL").rstrip("/"),
            api_token=need("JUPYTERHUB_API_TOKEN"),
            client_id=env.get("JUPYTERHUB_CLIENT_ID") or f"jupyterhub-user-{user}",
            prefix=prefix,
            callback_url=env.get("JUPYTERHUB_OAUTH_CALLBACK_URL") or f"{prefix}oauth_callback",
            access_scopes=_scopes(env.get("JUPYTERHUB_OAUTH_ACCESS_SCOPES"), user),
            user=user,
            server_name=env.get("JUPYTERHUB_SERVER_NAME", ""),
            hub_prefix=base.rstrip("/") + "/hub/",
            hub_host=env.get("JUPYTERHUB_HOST", "").rstrip("/"),
            ip=ip,
            port=port,
            activity_url=env.get("JUPYTERHUB_ACTIVITY_URL") or None,
            activity_interval=max(activity_interval, 0.1),
            public_url=env.get("JUPYTERHUB_PUBLIC_URL") or None,
            root_dir=env.get("JUPYTERHUB_ROOT_DIR") or None,
        )

    @property
    def authorize_url(self) -> str:
        """The hub's OAuth authorize page, as the browser reaches it."""
        return f"{self.hub_host}{self.hub_prefix}api/oauth2/authorize"

    @property
    def logout_url(self) -> str:
        return f"{self.hub_host}{self.hub_prefix}logout"

    @property
    def public_hosts(self) -> tuple[str, ...]:
        """Host names the deployment is reached by, when the hub says so."""
        names = (urlsplit(u).hostname for u in (self.public_url, self.hub_host) if u)
        return tuple(n for n in names if n)


def _bind(service_url: str) -> tuple[str | None, int | None]:
    if not service_url:
        return None, None
    parts = urlsplit(service_url)
    if parts.scheme not in ("http", "https") or parts.hostname is None:
        raise HubEnvError(f"JUPYTERHUB_SERVICE_URL={service_url!r} is not an http URL")
    try:
        port = parts.port
    except ValueError:
        raise HubEnvError(f"JUPYTERHUB_SERVICE_URL={service_url!r}: bad port") from None
    if port is None:
        port = 443 if parts.scheme == "https" else 80
    return parts.hostname, port


def _scopes(raw: str | None, user: str) -> frozenset[str]:
    if not raw:
        return frozenset({f"access:servers!user={user}"})
    try:
        scopes = json.loads(raw)
    except json.JSONDecodeError:
        raise HubEnvError(f"JUPYTERHUB_OAUTH_ACCESS_SCOPES={raw!r} is not JSON") from None
    if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
        raise HubEnvError("JUPYTERHUB_OAUTH_ACCESS_SCOPES must be a JSON list of strings")
    return frozenset(scopes)
