"""The server's kernels: start them by kernelspec name, find them by id, stop them.

`KernelManager` is an async context manager and must be entered and exited in one task
(the server's lifespan task). It owns a TaskGroup in which every kernel's background
work runs, so a bug there surfaces in that task instead of vanishing, and nothing
outlives the `async with`. On the way out every kernel is shut down.

Where kernels run is the backend's business (backend.py): processes on this machine
by default, or a Kernel Gateway when `ManagerConfig.gateway` is set. Local kernels die
with the server however it exits: shut down on a normal exit, SIGKILLed by an atexit
hook if the loop never got to clean up, and SIGKILLed by the kernel (PR_SET_PDEATHSIG,
see process.py) if the server itself is killed. Gateway kernels are deleted on a
normal exit.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Self

from .backend import KernelBackend, KernelSpecs, RunningKernel
from .errors import NoSuchKernelSpec, UnknownKernel
from .gateway import GatewayConfig
from .handle import KernelConfig, shutdown_all
from .local import LocalKernels
from .pool import KernelPool
from .specs import KernelSpec

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ManagerConfig:
    """`pool_size` kernels are kept ready per kernelspec in use (0 turns the pool off;
    always off on a gateway). `kernel_dirs` None means Jupyter's standard search path.
    `cwd` is where kernels start unless asked otherwise (None: the server's own).
    `gateway`: start every kernel on that gateway instead of on this machine."""

    kernel: KernelConfig = field(default_factory=KernelConfig)
    default_kernel: str = "python3"
    pool_size: int = 1
    kernel_dirs: tuple[Path, ...] | None = None
    cwd: Path | None = None
    # Specs available even when not installed (an installed one of the same name wins):
    # the server's own kernel must work straight after `pip install`.
    builtin_specs: tuple[KernelSpec, ...] = ()
    gateway: GatewayConfig | None = None


def make_backend(config: ManagerConfig) -> KernelBackend:
    if config.gateway is not None:
        from .gateway.backend import GatewayKernels  # httpx and websockets: only for one

        return GatewayKernels(config.gateway, kernel=config.kernel)
    return LocalKernels(config.kernel, dirs=config.kernel_dirs, builtin=config.builtin_specs)


class KernelManager:
    def __init__(self, config: ManagerConfig = ManagerConfig()) -> None:
        self.config = config
        self.backend = make_backend(config)
        self._kernels: dict[str, RunningKernel] = {}  # handed out, by id
        self._owned: set[RunningKernel] = set()  # every kernel started here, pooled ones too
        self._tg: asyncio.TaskGroup | None = None
        self._pool: KernelPool | None = None

    async def __aenter__(self) -> Self:
        await self.backend.__aenter__()
        self._tg = asyncio.TaskGroup()
        await self._tg.__aenter__()
        size = self.config.pool_size
        if size and not self.backend.poolable:
            log.info("kernels are not started ahead on a gateway: the pool is off")
            size = 0
        self._pool = KernelPool(size=size, start=self._start, tasks=self._tg)
        atexit.register(self._kill_all)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None:
        assert self._tg is not None
        assert self._pool is not None
        try:
            await self._pool.aclose()
            await self.shutdown_all(now=exc_type is not None)
            await shutdown_all(self._owned, now=True)  # whatever a cancelled caller dropped
        finally:
            try:
                # Every task has been stopped above. The body's own exception is not
                # passed on, so it propagates as itself rather than wrapped in an
                # ExceptionGroup; a failed background task still raises here.
                await self._tg.__aexit__(None, None, None)
            finally:
                atexit.unregister(self._kill_all)
                await self.backend.__aexit__(exc_type, exc, tb)
        return None

    # --- kernelspecs ---------------------------------------------------------------

    async def kernel_specs(self) -> KernelSpecs:
        """The kernelspecs kernels can be started from, asked afresh on every call
        (newly installed kernels appear without a restart), and the default: the
        configured one when offered, else the backend's choice, else python3 or the
        first. Raises KernelError when the gateway cannot be asked."""
        found = await self.backend.kernel_specs()
        specs = found.specs
        for default in (self.config.default_kernel.lower(), found.default, "python3"):
            if default in specs:
                return KernelSpecs(specs, default)
        return KernelSpecs(specs, min(specs, default=None))

    async def kernel_spec(self, name: str | None = None) -> KernelSpec:
        """The kernelspec `name` (default: the default one). Raises NoSuchKernelSpec."""
        found = await self.kernel_specs()
        wanted = (name or found.default or self.config.default_kernel).lower()
        spec = found.specs.get(wanted)
        if spec is None:
            raise NoSuchKernelSpec(wanted)
        return spec

    # --- kernels -------------------------------------------------------------------

    @property
    def kernels(self) -> Mapping[str, RunningKernel]:
        return dict(self._kernels)

    @property
    def pool(self) -> KernelPool:
        if self._pool is None:
            raise RuntimeError("KernelManager is not entered")
        return self._pool

    def get(self, kernel_id: str) -> RunningKernel:
        """Raises UnknownKernel."""
        try:
            return self._kernels[kernel_id]
        except KeyError:
            raise UnknownKernel(kernel_id) from None

    async def _start(
        self, spec: KernelSpec, *, cwd: Path | None = None, env: Mapping[str, str] | None = None
    ) -> RunningKernel:
        if self._tg is None:
            raise RuntimeError("KernelManager is not entered")
        handle = await self.backend.start(spec, tasks=self._tg, cwd=cwd or self.config.cwd, env=env)
        self._owned = {h for h in self._owned if h.state != "shutdown"}
        self._owned.add(handle)
        return handle

    async def start_kernel(
        self,
        spec: str | KernelSpec | None = None,
        *,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
    ) -> RunningKernel:
        """A ready kernel for `spec` (a kernelspec name, default the configured one, or a
        KernelSpec): from the pool when one is waiting and the request needs nothing
        special, else started now. Raises NoSuchKernelSpec or KernelLaunchError."""
        if not isinstance(spec, KernelSpec):
            spec = await self.kernel_spec(spec)
        handle = None
        # Pooled kernels were started in the default folder with the default
        # environment; a request for anything else needs a kernel of its own.
        if not env and (cwd is None or cwd == self.config.cwd):
            handle = self.pool.take(spec)
        if handle is None:
            handle = await self._start(spec, cwd=cwd, env=env)
        self._kernels[handle.id] = handle
        self.pool.replenish(spec)
        return handle

    async def shutdown_kernel(self, kernel_id: str, *, now: bool = False) -> None:
        """Shut the kernel down and forget it. Raises UnknownKernel."""
        handle = self.get(kernel_id)
        try:
            await handle.shutdown(now=now)
        finally:
            self._kernels.pop(kernel_id, None)

    async def shutdown_all(self, *, now: bool = False) -> None:
        handles = list(self._kernels.values())
        self._kernels.clear()
        await shutdown_all(handles, now=now)

    def _kill_all(self) -> None:
        # atexit: the loop is gone, so only synchronous kills are possible here.
        for handle in self._owned:
            handle.kill_now()
