"""`notewire singleuser`: the notebook server as JupyterHub spawns it.

Everything comes from the spawner's environment (`env.HubEnv`): the address to listen
on, the prefix to serve under, the OAuth client to log users in with. The hub's
readiness probe (`GET {prefix}api`, any answer below 500 within `Spawner.http_timeout`)
gets a public JSON answer. Activity goes to the hub while the server runs
(`activity.report_activity`). SIGTERM or SIGINT (the spawner's stop) saves every
notebook and shuts every kernel down before the process exits.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..app import NotebookServerConfig, build_app
from ..kernels import ManagerConfig
from ..kernels.gateway import gateway_from_env
from ..main import builtin_kernel_spec
from ..web.app import ServerConfig
from ..web.base_url import normalize_base_url
from ..web.hub_auth import HubAuth
from ..web.serve import serve
from .activity import Activity, ActivityMiddleware, report_activity
from .api import HubApi
from .env import HubEnv, HubEnvError

__all__ = ["SingleUserOptions", "run_singleuser"]

log = logging.getLogger("notewire")
PROBE = "/api"


@dataclass(frozen=True, slots=True)
class SingleUserOptions:
    """What the command line may add to the hub's environment."""

    root: str | None = None
    ip: str | None = None
    port: int | None = None
    kernel: str = "notewire"
    pool_size: int = 1
    allow_hosts: tuple[str, ...] = ()
    block_remote_content: bool = False
    gateway_url: str | None = None  # else NOTEWIRE_GATEWAY_URL / JUPYTER_GATEWAY_URL
    gateway_token: str | None = None


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("notewire")
    except PackageNotFoundError:
        return "0"


class _Probe:
    """`GET {prefix}api`: the hub's readiness probe (public, like jupyter_server's).
    Its `X-JupyterHub-Version` is the hub's own (asked once), so that the hub does not
    warn of a version mismatch: the contract is the hub's, whatever notewire's version."""

    def __init__(self, api: HubApi) -> None:
        self.api = api
        self.hub_version: str | None = None
        self.asked = False

    async def answer(self, request: Request) -> Response:
        if not self.asked:
            self.asked = True
            self.hub_version = await self.api.hub_version()
        headers = {"X-JupyterHub-Version": self.hub_version} if self.hub_version else None
        return JSONResponse({"version": _version(), "server": "notewire"}, headers=headers)


def run_singleuser(options: SingleUserOptions) -> int:
    logging.basicConfig(level=logging.INFO, format="[notewire %(asctime)s] %(message)s")
    try:
        env = HubEnv.from_environ(os.environ)
        base_url = normalize_base_url(env.prefix)
        gateway = gateway_from_env(options.gateway_url, options.gateway_token)
    except (HubEnvError, ValueError) as exc:
        print(f"notewire singleuser: {exc}", file=sys.stderr)
        return 2
    root = Path(options.root or env.root_dir or ".").expanduser().resolve()
    if not root.is_dir():
        print(f"notewire singleuser: {root} is not a folder", file=sys.stderr)
        return 2
    hosts = (*options.allow_hosts, *env.public_hosts)
    if not hosts:
        log.info(
            "the deployment's host name is unknown (no JUPYTERHUB_PUBLIC_URL, no "
            "--allow-host): any Host is accepted; every page still needs a hub login"
        )
    public = env.public_url or env.hub_host
    builtin = (builtin_kernel_spec(),)
    config = NotebookServerConfig(
        web=ServerConfig(
            root=root,
            ip=options.ip or env.ip or "127.0.0.1",
            port=options.port if options.port is not None else env.port or 8888,
            builtin_kernel_specs=builtin,
            default_kernel=options.kernel,
            block_remote_content=options.block_remote_content,
            base_url=base_url,
            allow_hosts=hosts,
            check_host=bool(hosts),
            behind_proxy=True,
            secure_cookies=public.startswith("https:"),
            public_paths=("/login", "/oauth_callback", "/static/", PROBE),
        ),
        kernels=ManagerConfig(
            default_kernel=options.kernel,
            pool_size=options.pool_size,
            builtin_specs=builtin,
            gateway=gateway,
        ),
    )
    try:
        asyncio.run(_serve(config, env))
    except KeyboardInterrupt:
        pass
    log.info("stopped; notebooks saved, kernels shut down")
    return 0


async def _serve(config: NotebookServerConfig, env: HubEnv) -> None:
    api = HubApi(env)
    activity = Activity()
    app = build_app(
        config,
        auth=HubAuth(env, api, secure_cookies=config.web.secure_cookies),
        middleware=[Middleware(ActivityMiddleware, activity=activity, ignore=frozenset({PROBE}))],
        routes=[Route(PROBE, _Probe(api).answer, methods=["GET"])],
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    def busy() -> bool:
        return any(s.kernel.status.state == "busy" for s in app.state.notebooks)

    async with (
        serve(app, host=config.web.ip, port=config.web.port) as origin,
        asyncio.TaskGroup() as tasks,
    ):
        log.info("notewire for %s at %s%s", env.user, origin, config.web.base_url)
        reporter = tasks.create_task(
            report_activity(api, activity, interval=env.activity_interval, busy=busy)
        )
        await stop.wait()
        log.info("stopping…")
        reporter.cancel()
