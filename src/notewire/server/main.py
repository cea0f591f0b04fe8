"""`notewire [PATH]`: run the notebook server until Ctrl-C or SIGTERM.

The login URL with the token is printed once. The browser is opened through a local
redirect file readable only by the user, so the token never appears on a command line
(where other users could read it in the process list).
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import tempfile
import webbrowser
from pathlib import Path
from urllib.parse import quote

from .app import NotebookServerConfig, build_app
from .kernels import KernelSpec, ManagerConfig
from .kernels.gateway import gateway_from_env
from .web.app import ServerConfig
from .web.base_url import normalize_base_url
from .web.security import is_loopback
from .web.serve import serve

log = logging.getLogger("notewire")


def builtin_kernel_spec() -> KernelSpec:
    """The notewire kernel on this interpreter, for when it is not installed."""
    return KernelSpec(
        name="notewire",
        argv=[sys.executable, "-m", "notewire.kernel", "-f", "{connection_file}"],
        display_name="Python 3 (notewire)",
        language="python",
        resource_dir=Path(__file__).resolve().parent,
    )


def run_server(
    *,
    path: str | None,
    root: str | None,
    ip: str,
    port: int,
    open_browser: bool,
    kernel: str,
    pool_size: int,
    password_hash: str | None,
    block_remote_content: bool = False,
    gateway_url: str | None = None,
    gateway_token: str | None = None,
    base_url: str = "/",
    allow_hosts: tuple[str, ...] = (),
) -> int:
    logging.basicConfig(level=logging.INFO, format="[notewire %(asctime)s] %(message)s")
    try:
        gateway = gateway_from_env(gateway_url, gateway_token)
    except ValueError as exc:
        print(f"notewire: {exc}", file=sys.stderr)
        return 2
    target = Path(path or ".").resolve()
    if not target.exists():
        print(f"notewire: {path} does not exist", file=sys.stderr)
        return 2
    base = Path(root).resolve() if root else (target if target.is_dir() else target.parent)
    if not target.is_relative_to(base):
        print(f"notewire: {target} is not inside the root {base}", file=sys.stderr)
        return 2
    if not is_loopback(ip):
        log.warning(
            "listening on %s: other machines can reach this server. Anyone with the "
            "token or password can run code as you; prefer 127.0.0.1 and an SSH tunnel.",
            ip,
        )
    builtin = (builtin_kernel_spec(),)
    try:
        base_url = normalize_base_url(base_url)
    except ValueError as exc:
        print(f"notewire: {exc}", file=sys.stderr)
        return 2
    config = NotebookServerConfig(
        web=ServerConfig(
            root=base,
            ip=ip,
            port=port,
            password_hash=password_hash,
            builtin_kernel_specs=builtin,
            default_kernel=kernel,
            block_remote_content=block_remote_content,
            base_url=base_url,
            allow_hosts=allow_hosts,
        ),
        kernels=ManagerConfig(
            default_kernel=kernel, pool_size=pool_size, builtin_specs=builtin, gateway=gateway
        ),
    )
    if gateway is not None:
        log.info("kernels run on the gateway at %s", gateway.url)
    start = base_url + ("" if target.is_dir() and target == base else _page_for(target, base))
    try:
        asyncio.run(_serve(config, start, open_browser))
    except KeyboardInterrupt:
        pass
    print("notewire: stopped; notebooks saved, kernels shut down.")
    return 0


def _page_for(target: Path, base: Path) -> str:
    relative = target.relative_to(base).as_posix()
    if target.is_dir():
        return "tree/" + quote(relative)
    return "notebooks/" + quote(relative)


async def _serve(config: NotebookServerConfig, start: str, open_browser: bool) -> None:
    app = build_app(config)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with serve(app, host=config.web.ip, port=config.web.port) as origin:
        url = origin + config.web.base_url.rstrip("/")
        token = app.state.auth.token
        login = f"{url}/login?token={token}&next={quote(start)}"
        print(f"notewire is running at {url}", flush=True)
        print(f"Open this link to log in (it holds the secret token):\n    {login}", flush=True)
        print("Press Ctrl-C to stop.", flush=True)
        redirect = await asyncio.to_thread(_open_browser, login) if open_browser else None
        try:
            await stop.wait()
        finally:
            if redirect is not None:
                redirect.unlink(missing_ok=True)
        print("\nnotewire: stopping…", flush=True)


def _open_browser(login: str) -> Path:
    """Open the login link through a redirect file (removed when the server stops)."""
    fd, name = tempfile.mkstemp(prefix="notewire-open-", suffix=".html")
    with os.fdopen(fd, "w") as page:  # mkstemp makes it 0600
        page.write(
            f'<!doctype html><meta http-equiv="refresh" content="0;url={login}">'
            f'<a href="{login}">Open notewire</a>'
        )
    try:
        webbrowser.open(Path(name).as_uri())
    except webbrowser.Error as exc:
        log.info("could not open a browser: %s", exc)
    return Path(name)
