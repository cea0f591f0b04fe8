"""Kernels started ahead of need, so opening a notebook does not wait for a kernel.

The pool keeps `size` ready kernels for each kernelspec that has been asked for at least
once: asking shows the spec is in use, and starting kernels for every installed spec
would waste memory on ones nobody opens. A kernel handed out is replaced in the
background, one start at a time per spec. A pooled kernel that dies is discarded when
it would have been handed out. The manager turns the pool off for backends that say
kernels must not be started ahead (a gateway).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from .backend import RunningKernel
from .errors import KernelError
from .handle import shutdown_all
from .specs import KernelSpec

log = logging.getLogger(__name__)

StartKernel = Callable[[KernelSpec], Awaitable[RunningKernel]]


class KernelPool:
    """Ready kernels per kernelspec name. Fill tasks run in `tasks`; `aclose()` stops
    them and shuts down the kernels still waiting."""

    def __init__(self, *, size: int, start: StartKernel, tasks: asyncio.TaskGroup) -> None:
        self.size = size
        self._start = start
        self._tasks = tasks
        self._ready: dict[str, list[RunningKernel]] = {}
        self._filling: dict[str, asyncio.Task[None]] = {}
        self._closed = False

    def ready(self, name: str) -> tuple[RunningKernel, ...]:
        """The kernels now waiting for `name`."""
        return tuple(self._ready.get(name, ()))

    def all_ready(self) -> list[RunningKernel]:
        return [k for ks in self._ready.values() for k in ks]

    def take(self, spec: KernelSpec) -> RunningKernel | None:
        """A ready, live kernel started from `spec`, removed from the pool; None if
        there is none. A spec changed on disk since the kernel started does not match."""
        waiting = self._ready.get(spec.name, [])
        for handle in list(waiting):
            if handle.is_alive and handle.spec != spec:
                continue
            waiting.remove(handle)
            if handle.is_alive:
                return handle
            log.info(
                "discarding pooled kernel %s: %s",
                handle.id[:8],
                handle.death and handle.death.describe(),
            )
            self._tasks.create_task(
                shutdown_all([handle], now=True), name=f"discard-{handle.id[:8]}"
            )
        return None

    def replenish(self, spec: KernelSpec) -> None:
        """Start filling the pool for `spec` in the background, if it is not full."""
        if self._closed or self.size <= 0 or spec.name in self._filling:
            return
        waiting = self._ready.setdefault(spec.name, [])
        stale = [h for h in waiting if h.spec != spec]  # the kernelspec changed on disk
        if stale:
            waiting[:] = [h for h in waiting if h.spec == spec]
            self._tasks.create_task(shutdown_all(stale), name=f"pool-stale-{spec.name}")
        if len(waiting) >= self.size:
            return
        self._filling[spec.name] = self._tasks.create_task(
            self._fill(spec), name=f"pool-fill-{spec.name}"
        )

    async def _fill(self, spec: KernelSpec) -> None:
        try:
            waiting = self._ready.setdefault(spec.name, [])
            while len(waiting) < self.size and not self._closed:
                try:
                    handle = await self._start(spec)
                except KernelError as exc:
                    # Do not retry in a loop: the next request for this spec tries again.
                    log.warning("could not pre-start a %r kernel: %s", spec.name, exc)
                    return
                waiting.append(handle)
        finally:
            self._filling.pop(spec.name, None)

    async def wait_filled(self, name: str) -> None:
        """Wait for the fill now running for `name`, if any, to finish."""
        task = self._filling.get(name)
        if task is not None:
            await asyncio.wait({task})

    async def aclose(self) -> None:
        """Stop filling and shut down every waiting kernel."""
        self._closed = True
        fills = list(self._filling.values())
        for task in fills:
            task.cancel()
        if fills:
            await asyncio.wait(fills)
        waiting = self.all_ready()
        self._ready.clear()
        await shutdown_all(waiting)
