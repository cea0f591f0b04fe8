"""Everything needed to start a kernel process: a private folder, a connection file with
a fresh key, the command line and the environment.

Each kernel gets its own folder, mode 0700, holding its connection file (mode 0600) and,
with the default `ipc` transport, its Unix sockets. So no other local user can read the
signing key or connect to the kernel's sockets. The `tcp` transport listens on loopback
only; its ports are picked free just before launch, which leaves a window in which
another process may take one, so the caller retries with new ports when the kernel dies
early with "address in use" (`is_port_conflict`).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import string
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from notewire.protocol import ConnectionInfo, new_key, write_connection_file

from .errors import KernelLaunchError
from .process import KernelProcess
from .specs import KernelSpec, python_argv

Transport = Literal["ipc", "tcp"]

# Unix socket paths are limited to 108 bytes (sun_path), including the final NUL.
_MAX_IPC_PATH = 100
_PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_]+)\}")
_PORT_CONFLICT = re.compile(r"address already in use|EADDRINUSE|errno 98", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class LaunchConfig:
    """Where and how kernels listen.

    `runtime_dir` is the parent of each kernel's private folder (None: the system temp
    folder; ipc socket paths must stay short). `ip` is used by tcp only.
    """

    transport: Transport = "ipc"
    ip: str = "127.0.0.1"
    runtime_dir: Path | None = None
    output_tail_lines: int = 100


class KernelFiles:
    """A kernel's private folder and connection file. Lives as long as the kernel,
    across restarts; `remove()` deletes the folder with everything in it."""

    def __init__(self, config: LaunchConfig, kernel_id: str) -> None:
        if config.runtime_dir is not None:
            config.runtime_dir.mkdir(parents=True, exist_ok=True)
        # mkdtemp already creates 0700; chmod anyway so a umask or a reused path cannot
        # widen it.
        self.dir = Path(tempfile.mkdtemp(prefix="nw-", dir=config.runtime_dir))
        os.chmod(self.dir, 0o700)
        self.connection_file = self.dir / f"kernel-{kernel_id}.json"
        self._config = config
        self._key = new_key()

    def new_connection(self, kernel_name: str = "") -> ConnectionInfo:
        """Fresh endpoints (new tcp ports; ipc paths are fixed) with this kernel's key,
        written to the connection file."""
        if self._config.transport == "ipc":
            prefix = str(self.dir / "k")
            if len(prefix) + 3 > _MAX_IPC_PATH:
                raise KernelLaunchError(
                    f"ipc socket path {prefix!r} is too long for a Unix socket; "
                    "use a shorter runtime_dir or the tcp transport"
                )
            ports = [1, 2, 3, 4, 5]
            ip = prefix
        else:
            ports = free_tcp_ports(self._config.ip, 5)
            ip = self._config.ip
        info = ConnectionInfo(
            transport=self._config.transport,
            ip=ip,
            shell_port=ports[0],
            iopub_port=ports[1],
            stdin_port=ports[2],
            control_port=ports[3],
            hb_port=ports[4],
            key=self._key,
            kernel_name=kernel_name,
        )
        write_connection_file(self.connection_file, info)
        return info

    def remove(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


def free_tcp_ports(ip: str, count: int) -> list[int]:
    """`count` distinct ports that were free on `ip` a moment ago. All sockets are held
    open until every port is chosen, so the kernel never gets the same port twice."""
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    socks = []
    try:
        for _ in range(count):
            s = socket.socket(family, socket.SOCK_STREAM)
            socks.append(s)
            s.bind((ip, 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def is_port_conflict(output: Sequence[str]) -> bool:
    """Whether a dead kernel's last output says it lost the race for a port."""
    return any(_PORT_CONFLICT.search(line) for line in output)


def launch_argv(spec: KernelSpec, connection_file: Path) -> list[str]:
    """The kernel's command line: `{connection_file}`, `{prefix}` and `{resource_dir}`
    substituted as jupyter_client does; unknown placeholders are left alone."""
    ns = {
        "connection_file": str(connection_file),
        "prefix": sys.prefix,
        "resource_dir": str(spec.resource_dir),
    }

    def fill(arg: str) -> str:
        return _PLACEHOLDER.sub(lambda m: ns.get(m.group(1), m.group(0)), arg)

    # jupyter_client also expands ~ so that specs can name per-user interpreters.
    return [os.path.expanduser(fill(arg)) for arg in python_argv(spec.argv)]


def launch_env(
    spec: KernelSpec, extra: Mapping[str, str] | None = None, base: Mapping[str, str] = os.environ
) -> dict[str, str]:
    """The server's environment, plus the spec's `env` with `${VAR}` expanded from it
    (unknown variables stay as written), plus `extra`."""
    env = dict(base)
    # As jupyter_client: kernels that watch their parent (ipykernel) exit when it goes.
    env["JPY_PARENT_PID"] = str(os.getpid())
    for name, value in spec.env.items():
        env[name] = string.Template(value).safe_substitute(base)
    if extra:
        env.update(extra)
    return env


def start_process(
    spec: KernelSpec,
    files: KernelFiles,
    config: LaunchConfig,
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    label: str = "kernel",
) -> KernelProcess:
    """Start the kernel on the connection file already written by `files`."""
    return KernelProcess.spawn(
        launch_argv(spec, files.connection_file),
        env=launch_env(spec, env),
        cwd=cwd,
        tail_lines=config.output_tail_lines,
        label=label,
    )
