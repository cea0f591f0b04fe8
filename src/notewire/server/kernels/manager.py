"""The server's kernels: start them by kernelspec name, find them by id, stop them.

`KernelManager` is an async context manager and must be entered and exited in one task
(the server's lifespan task). It owns a TaskGroup in which every kernel's background
work runs, so a bug there surfaces in that task instead of vanishing, and nothing
outlives the `async with`. On the way out every kernel is shut down.

Kernels die with the server however it exits: shut down on a normal exit, SIGKILLed
by an atexit hook if the loop never got to clean up, and SIGKILLed by the kernel
(PR_SET_PDEATHSIG, see process.py) if the server itself is killed.
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

import zmq.asyncio

from .errors import NoSuchKernelSpec, UnknownKernel
from .handle import KernelConfig, KernelHandle, shutdown_all
from .pool import KernelPool
from .specs import KernelSpec, find_kernel_specs

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ManagerConfig:
    """`pool_size` kernels are kept ready per kernelspec in use (0 turns the pool off).
    `kernel_dirs` None means Jupyter's standard search path. `cwd` is where kernels
    start unless asked otherwise (None: the server's own)."""

    kernel: KernelConfig = field(default_factory=KernelConfig)
    default_kernel: str = "python3"
    pool_size: int = 1
    kernel_dirs: tuple[Path, ...] | None = None
    cwd: Path | None = None
    # Specs available even when not installed (an installed one of the same name wins):
    # the server's own kernel must work straight after `pip install`.
    builtin_specs: tuple[KernelSpec, ...] = ()


class KernelManager:
    def __init__(self, config: ManagerConfig = ManagerConfig()) -> None:
        self.config = config
        self._kernels: dict[str, KernelHandle] = {}  # handed out, by id
        self._owned: set[KernelHandle] = set()  # every kernel started here, pooled ones too
        self._tg: asyncio.TaskGroup | None = None
        self._context: zmq.asyncio.Context | None = None
        self._pool: KernelPool | None = None

    async def __aenter__(self) -> Self:
        self._context = zmq.asyncio.Context()
        self._tg = asyncio.TaskGroup()
        await self._tg.__aenter__()
        self._pool = KernelPool(size=self.config.pool_size, start=self._start, tasks=self._tg)
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
        assert self._context is not None
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
                self._context.destroy(linger=0)
        return None

    # --- kernelspecs ---------------------------------------------------------------

    def kernel_specs(self) -> dict[str, KernelSpec]:
        """Installed kernelspecs by name; read from disk on every call, as Jupyter does,
        so that newly installed kernels appear without a restart."""
        builtin = {spec.name: spec for spec in self.config.builtin_specs}
        return builtin | find_kernel_specs(self.config.kernel_dirs)

    def kernel_spec(self, name: str | None = None) -> KernelSpec:
        """The kernelspec `name` (default: the configured default). Raises NoSuchKernelSpec."""
        wanted = (name or self.config.default_kernel).lower()
        spec = self.kernel_specs().get(wanted)
        if spec is None:
            raise NoSuchKernelSpec(wanted)
        return spec

    # --- kernels -------------------------------------------------------------------

    @property
    def kernels(self) -> Mapping[str, KernelHandle]:
        return dict(self._kernels)

    @property
    def pool(self) -> KernelPool:
        if self._pool is None:
            raise RuntimeError("KernelManager is not entered")
        return self._pool

    def get(self, kernel_id: str) -> KernelHandle:
        """Raises UnknownKernel."""
        try:
            return self._kernels[kernel_id]
        except KeyError:
            raise UnknownKernel(kernel_id) from None

    async def _start(
        self, spec: KernelSpec, *, cwd: Path | None = None, env: Mapping[str, str] | None = None
    ) -> KernelHandle:
        if self._tg is None or self._context is None:
            raise RuntimeError("KernelManager is not entered")
        handle = await KernelHandle.start(
            spec,
            tasks=self._tg,
            context=self._context,
            config=self.config.kernel,
            cwd=cwd or self.config.cwd,
            env=env,
        )
        self._owned = {h for h in self._owned if h.state != "shutdown"}
        self._owned.add(handle)
        return handle

    async def start_kernel(
        self,
        spec: str | KernelSpec | None = None,
        *,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
    ) -> KernelHandle:
        """A ready kernel for `spec` (a kernelspec name, default the configured one, or a
        KernelSpec): from the pool when one is waiting and the request needs nothing
        special, else started now. Raises NoSuchKernelSpec or KernelLaunchError."""
        if not isinstance(spec, KernelSpec):
            spec = self.kernel_spec(spec)
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
