"""The kernel seam: what the server needs from a running kernel, and from whatever
starts kernels. Everything above it (sessions, the run queue, comms, the web API) sees
only these two shapes, so where a kernel runs is decided once, by the manager's
backend: `local.LocalKernels` (processes on this machine, over ZeroMQ) or
`gateway.GatewayKernels` (a Jupyter Kernel Gateway or Enterprise Gateway, over REST
and one WebSocket per kernel).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol, Self

from notewire.protocol.content import KernelInfoReply

from .channels import KernelChannels
from .errors import LossCause
from .specs import KernelSpec

KernelState = Literal["starting", "running", "restarting", "dead", "shutdown"]


class RunningKernel(Protocol):
    """One kernel the server started. `client` stays the same object for the kernel's
    life unless a restart had to replace it; read it from the kernel, do not keep it."""

    id: str
    spec: KernelSpec
    cwd: Path | None  # where a restart starts it (ignored where kernels run remotely)
    state: KernelState
    kernel_info: KernelInfoReply | None
    death: LossCause | None  # the last loss nobody asked for

    @property
    def client(self) -> KernelChannels: ...

    @property
    def is_alive(self) -> bool: ...

    async def wait_exit(self) -> LossCause:
        """Wait until the kernel is lost, for any reason, and say why."""
        ...

    async def wait_recovered(self) -> None:
        """After a loss: wait until the kernel is usable again without a restart (a
        remote kernel whose connection came back). Raises KernelDied with the final
        cause when it will not be; a local process never comes back by itself."""
        ...

    async def interrupt(self) -> None: ...

    async def restart(self, *, now: bool = False) -> None: ...

    async def shutdown(self, *, now: bool = False) -> None: ...

    def kill_now(self) -> None:
        """Last resort at interpreter exit: synchronous, best effort."""
        ...


@dataclass(frozen=True, slots=True)
class KernelSpecs:
    """The kernelspecs a backend offers, and the one it would pick (None: no opinion)."""

    specs: Mapping[str, KernelSpec]
    default: str | None = None


class KernelBackend(Protocol):
    """Where kernels come from. Entered once, by the manager, for the server's life."""

    # Whether kernels may be started ahead of need (pool.py). A remote backend says no:
    # idle kernels there hold someone's cluster resources.
    poolable: bool

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, *exc: object) -> None: ...

    async def kernel_specs(self) -> KernelSpecs: ...

    async def start(
        self,
        spec: KernelSpec,
        *,
        tasks: asyncio.TaskGroup,
        cwd: Path | None,
        env: Mapping[str, str] | None,
    ) -> RunningKernel:
        """A ready kernel; its background work runs in `tasks`. Raises
        KernelLaunchError (or another KernelError); nothing is left running then."""
        ...
