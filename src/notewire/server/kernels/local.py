"""Kernels as processes on this machine: kernelspecs from Jupyter's data paths,
started by `KernelHandle` and spoken to over ZeroMQ."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Self

import zmq.asyncio

from .backend import KernelSpecs
from .handle import KernelConfig, KernelHandle
from .specs import KernelSpec, find_kernel_specs


class LocalKernels:
    """`builtin` specs are offered when no installed spec has their name. `dirs` are
    the kernels folders (None: Jupyter's search path)."""

    poolable = True

    def __init__(
        self,
        config: KernelConfig,
        *,
        dirs: Sequence[Path] | None = None,
        builtin: Sequence[KernelSpec] = (),
    ) -> None:
        self.config = config
        self._dirs = dirs
        self._builtin = tuple(builtin)
        self._context: zmq.asyncio.Context | None = None

    async def __aenter__(self) -> Self:
        self._context = zmq.asyncio.Context()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._context is not None:
            self._context.destroy(linger=0)

    async def kernel_specs(self) -> KernelSpecs:
        """Read from disk on every call, as Jupyter does, so that newly installed
        kernels appear without a restart."""
        builtin = {spec.name: spec for spec in self._builtin}
        return KernelSpecs(builtin | find_kernel_specs(self._dirs))

    async def start(
        self,
        spec: KernelSpec,
        *,
        tasks: asyncio.TaskGroup,
        cwd: Path | None,
        env: Mapping[str, str] | None,
    ) -> KernelHandle:
        if self._context is None:
            raise RuntimeError("LocalKernels is not entered")
        return await KernelHandle.start(
            spec, tasks=tasks, context=self._context, config=self.config, cwd=cwd, env=env
        )
