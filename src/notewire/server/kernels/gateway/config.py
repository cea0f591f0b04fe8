"""How to reach a Kernel Gateway or Enterprise Gateway."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

# Read when no option is given, in this order; the JUPYTER_ names are jupyter_server's,
# so a deployment configured for JupyterLab's gateway client works unchanged.
URL_ENV = ("NOTEWIRE_GATEWAY_URL", "JUPYTER_GATEWAY_URL")
TOKEN_ENV = ("NOTEWIRE_GATEWAY_AUTH_TOKEN", "JUPYTER_GATEWAY_AUTH_TOKEN")


@dataclass(frozen=True, slots=True)
class GatewayConfig:
    """`url`: the gateway's base URL (http or https, with any path prefix). `token` is
    sent as `Authorization: <auth_scheme> <token>` on every request and WebSocket; it
    never appears in a repr or a log line. Times are seconds. `reconnect_delays`: the
    waits before each try to reach the gateway again after losing it (bounded backoff:
    when they run out, the kernel is reported dead for good). `env`: names of this
    server's environment variables passed to every kernel, besides `KERNEL_*` ones."""

    url: str
    token: str | None = field(default=None, repr=False)
    auth_scheme: str = "token"
    connect_timeout: float = 40.0
    request_timeout: float = 42.0
    reconnect_delays: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0)
    max_message_bytes: int = 256 * 2**20
    env: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(
                f"a gateway URL must be http(s)://host[:port][/path], got {self.url!r}"
            )

    @property
    def base(self) -> str:
        """The URL with exactly one trailing slash, for joining paths onto."""
        return self.url.rstrip("/") + "/"

    @property
    def ws_base(self) -> str:
        return "ws" + self.base[len("http") :]

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"{self.auth_scheme} {self.token}"} if self.token else {}


def gateway_from_env(
    url: str | None, token: str | None, environ: Mapping[str, str] = os.environ
) -> GatewayConfig | None:
    """The gateway named by the options, else by the environment; None for none."""
    url = url or next((environ[name] for name in URL_ENV if environ.get(name)), None)
    if not url:
        return None
    token = token or next((environ[name] for name in TOKEN_ENV if environ.get(name)), None)
    return GatewayConfig(url=url, token=token)
