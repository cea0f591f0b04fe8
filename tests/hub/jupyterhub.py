"""A real JupyterHub on 127.0.0.1 for tests and bench/hub.py: DummyAuthenticator,
SimpleLocalProcessSpawner, configurable-http-proxy from frontend/node_modules, and
all of its state (database, cookie secret, proxy pid file, users' homes) in one
folder. A service token with admin rights drives the hub's REST API.

    with running_hub(folder, cmd=[...]) as hub:
        hub.api("GET", "/users/alice")

Start-up waits for the hub's own "is now running" log line (an event, bounded by
`start_timeout`), never for time. Leaving the block stops the hub, which stops every
server it spawned and its proxy.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[2]
CHP = REPO / "frontend" / "node_modules" / ".bin" / "configurable-http-proxy"
SRC = REPO / "src"
NOTEWIRE_CMD = [sys.executable, "-m", "notewire", "singleuser"]
LAB_CMD = [sys.executable, "-m", "jupyterhub.singleuser"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Hub:
    url: str  # the proxy: what a browser opens
    token: str  # an admin service's API token
    folder: Path
    process: subprocess.Popen[bytes]
    log: Path

    def home(self, user: str) -> Path:
        path = self.folder / "home" / user
        path.mkdir(parents=True, exist_ok=True)
        return path

    def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"token {self.token}"}
        return httpx.request(
            method, f"{self.url}/hub/api{path}", headers=headers, timeout=30, **kwargs
        )

    def log_tail(self, lines: int = 60) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def _config(
    folder: Path,
    *,
    port: int,
    cmd: Sequence[str],
    cmd_for: Mapping[str, Sequence[str]],
    environment: Mapping[str, str],
    token: str,
) -> str:
    settings = {
        "port": port,
        "hub_port": free_port(),
        "proxy_api": f"http://127.0.0.1:{free_port()}",
        "chp": str(CHP),
        "folder": str(folder),
        "cmd": list(cmd),
        "cmd_for": {k: list(v) for k, v in cmd_for.items()},
        "environment": dict(environment),
        "token": token,
    }
    return f"""
settings = {settings!r}
c = get_config()  # noqa
folder = settings["folder"]
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = settings["port"]
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = settings["hub_port"]
c.JupyterHub.db_url = f"sqlite:///{{folder}}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = f"{{folder}}/jupyterhub_cookie_secret"
c.JupyterHub.pid_file = f"{{folder}}/jupyterhub.pid"
c.JupyterHub.cleanup_servers = True
c.JupyterHub.authenticator_class = "dummy"
c.Authenticator.allow_all = True
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = f"{{folder}}/home/{{{{username}}}}"
c.Spawner.cmd = settings["cmd"]
c.Spawner.environment = settings["environment"]
c.Spawner.http_timeout = 60
c.Spawner.start_timeout = 60
c.ConfigurableHTTPProxy.command = [settings["chp"]]
c.ConfigurableHTTPProxy.api_url = settings["proxy_api"]
c.ConfigurableHTTPProxy.pid_file = f"{{folder}}/proxy.pid"
c.ConfigurableHTTPProxy.debug = False
c.JupyterHub.services = [{{"name": "tests", "api_token": settings["token"]}}]
c.JupyterHub.load_roles = [
    {{"name": "tests", "scopes": ["admin:users", "admin:servers", "tokens"], "services": ["tests"]}}
]

def pre_spawn(spawner):
    cmd = settings["cmd_for"].get(spawner.user.name)
    if cmd:
        spawner.cmd = cmd

c.Spawner.pre_spawn_hook = pre_spawn
"""


@contextmanager
def running_hub(
    folder: Path,
    *,
    cmd: Sequence[str] = NOTEWIRE_CMD,
    cmd_for: Mapping[str, Sequence[str]] | None = None,
    environment: Mapping[str, str] | None = None,
    start_timeout: float = 90.0,
) -> Iterator[Hub]:
    """A hub spawning `cmd` (or `cmd_for[user]`) with `environment` added to what the
    spawner passes on. notewire is found from this checkout (PYTHONPATH)."""
    folder.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(16)
    port = free_port()
    env_for_servers = {"PYTHONPATH": str(SRC)}
    for name in ("JUPYTER_PATH", "IPYTHONDIR", "JUPYTER_RUNTIME_DIR", "JUPYTER_PLATFORM_DIRS"):
        if name in os.environ:
            env_for_servers[name] = os.environ[name]
    env_for_servers.update(environment or {})
    config = folder / "jupyterhub_config.py"
    config.write_text(
        _config(
            folder,
            port=port,
            cmd=cmd,
            cmd_for=cmd_for or {},
            environment=env_for_servers,
            token=token,
        )
    )
    hub_env = {**os.environ, "PYTHONPATH": str(SRC)}
    log = folder / "jupyterhub.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyterhub", "-f", str(config)],
        cwd=folder,
        env=hub_env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    up = threading.Event()
    assert process.stdout is not None
    reader = threading.Thread(target=_tee, args=(process.stdout, log, up), daemon=True)
    reader.start()
    hub = Hub(url=f"http://127.0.0.1:{port}", token=token, folder=folder, process=process, log=log)
    try:
        if not up.wait(start_timeout) or process.poll() is not None:
            raise RuntimeError(f"JupyterHub did not start:\n{hub.log_tail()}")
        yield hub
    finally:
        _stop(process)
        reader.join(timeout=10)
        process.stdout.close()


def _tee(stream: Any, log: Path, up: threading.Event) -> None:
    with log.open("wb") as out:
        for line in stream:
            out.write(line)
            out.flush()
            if b"is now running at" in line:
                up.set()


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM: the hub stops its servers (cleanup_servers) and its proxy."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
