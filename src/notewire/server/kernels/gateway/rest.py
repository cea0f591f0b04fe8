"""The gateway's REST API, as jupyter_server's GatewayClient calls it:

    GET    /api/kernelspecs                       {default, kernelspecs: {name: model}}
    POST   /api/kernels          {name, env}      the new kernel's model {id, name, ...}
    GET    /api/kernels/<id>                      its model; 404 once it is gone
    POST   /api/kernels/<id>/interrupt|restart
    DELETE /api/kernels/<id>

Failures become GatewayError: GatewayUnreachable when no answer came (refused, reset,
timed out), GatewayRefused with the status when the gateway said no.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from ..errors import KernelError
from ..specs import KernelSpec
from .config import GatewayConfig

log = logging.getLogger(__name__)


class GatewayError(KernelError):
    """A call to the gateway failed."""


class GatewayUnreachable(GatewayError):
    """No answer from the gateway: connection refused or reset, or a timeout."""


class GatewayRefused(GatewayError):
    def __init__(self, what: str, status: int, message: str) -> None:
        super().__init__(f"the gateway refused to {what}: {status} {message}".rstrip())
        self.status = status


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase
    if isinstance(body, dict):
        return str(body.get("message") or body.get("reason") or response.reason_phrase)[:500]
    return response.reason_phrase


def _spec(name: str, model: Any) -> KernelSpec | None:
    spec = model.get("spec") if isinstance(model, dict) else None
    if not isinstance(spec, dict):
        log.warning("ignoring the gateway's kernelspec %r: it has no spec", name)
        return None
    argv = spec.get("argv")
    mode = spec.get("interrupt_mode")
    metadata = spec.get("metadata")
    return KernelSpec(
        name=name.lower(),
        argv=tuple(a for a in argv if isinstance(a, str)) if isinstance(argv, list) else (),
        display_name=str(spec.get("display_name") or name),
        language=str(spec.get("language") or ""),
        resource_dir=Path(),  # resources stay on the gateway
        interrupt_mode=mode if mode in ("signal", "message") else "signal",
        metadata=metadata if isinstance(metadata, dict) else {},
    )


class GatewayREST:
    """An HTTP connection pool to one gateway. Close with `aclose()`."""

    def __init__(self, config: GatewayConfig) -> None:
        self.config = config
        self._http = httpx.AsyncClient(
            base_url=config.base,
            headers=config.headers,
            timeout=httpx.Timeout(config.request_timeout, connect=config.connect_timeout),
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _call(
        self, what: str, method: str, path: str, body: Any = None, *, missing_ok: bool = False
    ) -> Any:
        """The JSON answer (None for none, or for a 404 when `missing_ok`)."""
        try:
            response = await self._http.request(method, path, json=body)
        except httpx.TransportError as exc:
            raise GatewayUnreachable(
                f"cannot reach the gateway at {self.config.url} to {what}: {exc!r}"
            ) from None
        if response.status_code == 404 and missing_ok:
            return None
        if response.is_error:
            raise GatewayRefused(what, response.status_code, _message(response))
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise GatewayError(f"the gateway's answer to {what} is not JSON") from None

    async def kernel_specs(self) -> tuple[dict[str, KernelSpec], str | None]:
        """The gateway's kernelspecs by lowercase name, and its default."""
        body = await self._call("list kernelspecs", "GET", "api/kernelspecs")
        models = body.get("kernelspecs") if isinstance(body, dict) else None
        if not isinstance(models, dict):
            raise GatewayError(f"the gateway's kernelspec list is malformed: {body!r:.200}")
        specs = {}
        for name, model in models.items():
            spec = _spec(str(name), model)
            if spec is not None:
                specs[spec.name] = spec
        default = body.get("default")
        return specs, default.lower() if isinstance(default, str) else None

    def kernel_env(self, extra: Mapping[str, str] | None, cwd: Path | None) -> dict[str, str]:
        """As jupyter_server sends it: this server's `KERNEL_*` variables and the allowed
        ones, then `extra`; the notebook's folder as KERNEL_WORKING_DIR, which
        Enterprise Gateway honours when it mirrors folders."""
        env = {
            k: v for k, v in os.environ.items() if k.startswith("KERNEL_") or k in self.config.env
        }
        env.update(extra or {})
        if cwd is not None:
            env.setdefault("KERNEL_WORKING_DIR", str(cwd))
        return env

    async def start_kernel(self, name: str, env: Mapping[str, str]) -> str:
        """Start a kernel; returns the gateway's id for it."""
        body = {"name": name, "env": dict(env)}
        model = await self._call(f"start a {name!r} kernel", "POST", "api/kernels", body)
        kernel_id = model.get("id") if isinstance(model, dict) else None
        if not isinstance(kernel_id, str) or not kernel_id:
            raise GatewayError(f"the gateway started a kernel but sent no id: {model!r:.200}")
        return kernel_id

    def kernel_path(self, kernel_id: str, action: str = "") -> str:
        return f"api/kernels/{quote(kernel_id, safe='')}" + (f"/{action}" if action else "")

    async def kernel(self, kernel_id: str) -> dict[str, Any] | None:
        """The kernel's model; None once the gateway does not know it."""
        model = await self._call(
            "look up a kernel", "GET", self.kernel_path(kernel_id), missing_ok=True
        )
        return model if isinstance(model, dict) else None

    async def interrupt(self, kernel_id: str) -> None:
        await self._call("interrupt a kernel", "POST", self.kernel_path(kernel_id, "interrupt"))

    async def restart(self, kernel_id: str) -> bool:
        """Restart the kernel; False when the gateway does not know it (any more)."""
        path = self.kernel_path(kernel_id, "restart")
        found = await self._call("restart a kernel", "POST", path, {}, missing_ok=True)
        return found is not None

    async def delete(self, kernel_id: str) -> None:
        """Shut the kernel down; one already gone is fine."""
        await self._call(
            "shut a kernel down", "DELETE", self.kernel_path(kernel_id), missing_ok=True
        )

    def channels_url(self, kernel_id: str, session: str) -> str:
        path = self.kernel_path(kernel_id, "channels")
        return f"{self.config.ws_base}{path}?session_id={quote(session)}"
