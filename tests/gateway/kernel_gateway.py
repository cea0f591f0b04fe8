"""A real Jupyter Kernel Gateway on 127.0.0.1 for tests, running the notewire kernel.

The kernelspec lives in a folder of its own on the gateway's JUPYTER_PATH and names
this worktree's sources in its `env`: a gateway gives a kernel only PATH, `KERNEL_*`
and its allow-listed variables when the start request carries an `env`, as every
jupyter_server-style client's does.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import notewire

SRC = Path(notewire.__file__).resolve().parents[1]
KERNEL_NAME = "notewire"
_READY = "is available at"


def install_kernelspec(data_dir: Path) -> None:
    folder = data_dir / "kernels" / KERNEL_NAME
    folder.mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": [sys.executable, "-m", "notewire.kernel", "-f", "{connection_file}"],
        "display_name": "Python 3 (notewire, on the gateway)",
        "language": "python",
        "env": {"PYTHONPATH": str(SRC)},
    }
    (folder / "kernel.json").write_text(json.dumps(spec))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class KernelGateway:
    """One gateway process at a time on a fixed port: `kill()` it and `start()`
    another, and clients configured with `url` reach the new one."""

    data_dir: Path
    port: int = field(default_factory=free_port)
    token: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    process: asyncio.subprocess.Process | None = None
    output: list[str] = field(default_factory=list)
    _reader: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"token {self.token}"}

    async def start(self, within: float = 60.0) -> None:
        env = dict(os.environ)
        env.update(
            JUPYTER_PATH=str(self.data_dir),
            KG_AUTH_TOKEN=self.token,  # not on the command line
            KG_LIST_KERNELS="True",
        )
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "kernel_gateway",
            "--KernelGatewayApp.ip=127.0.0.1",
            f"--KernelGatewayApp.port={self.port}",
            "--KernelGatewayApp.port_retries=0",
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        ready = asyncio.get_running_loop().create_future()
        self._reader = asyncio.create_task(self._read(self.process, ready))
        async with asyncio.timeout(within):
            await ready

    async def _read(self, process: asyncio.subprocess.Process, ready: asyncio.Future[None]) -> None:
        assert process.stdout is not None
        async for raw in process.stdout:
            line = raw.decode(errors="replace").rstrip()
            self.output.append(line)
            if _READY in line and not ready.done():
                ready.set_result(None)
        if not ready.done():
            tail = "\n".join(self.output[-20:])
            ready.set_exception(RuntimeError(f"the kernel gateway exited:\n{tail}"))

    async def kill(self) -> None:
        """SIGKILL: the gateway vanishes without closing anything (its kernels follow,
        watching their parent)."""
        await self._stop(kill=True)

    async def _stop(self, *, kill: bool) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            if kill:
                process.kill()
            else:
                process.terminate()
        await process.wait()
        if self._reader is not None:
            await self._reader

    async def stop(self) -> None:
        await self._stop(kill=False)


@asynccontextmanager
async def kernel_gateway(tmp: Path) -> AsyncIterator[KernelGateway]:
    install_kernelspec(tmp)
    gateway = KernelGateway(tmp)
    await gateway.start()
    try:
        yield gateway
    finally:
        await gateway.stop()
