"""Kernels on a Kernel Gateway or Enterprise Gateway, as a kernel backend."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path
from typing import Self

from ..backend import KernelSpecs
from ..handle import KernelConfig
from ..specs import KernelSpec
from .config import GatewayConfig
from .kernel import GatewayKernel
from .rest import GatewayREST


class GatewayKernels:
    """Kernelspecs are the gateway's, asked on every listing as jupyter_server does."""

    # Kernels started ahead would sit idle on the gateway, holding cluster resources
    # (Enterprise Gateway starts a pod or a YARN container per kernel) and subject to
    # its culling; starting there is the gateway's job.
    poolable = False

    def __init__(self, config: GatewayConfig, *, kernel: KernelConfig) -> None:
        self.config = config
        self.kernel = kernel
        self._rest: GatewayREST | None = None

    async def __aenter__(self) -> Self:
        self._rest = GatewayREST(self.config)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._rest is not None:
            await self._rest.aclose()

    @property
    def rest(self) -> GatewayREST:
        if self._rest is None:
            raise RuntimeError("GatewayKernels is not entered")
        return self._rest

    async def kernel_specs(self) -> KernelSpecs:
        specs, default = await self.rest.kernel_specs()
        return KernelSpecs(specs, default)

    async def start(
        self,
        spec: KernelSpec,
        *,
        tasks: asyncio.TaskGroup,
        cwd: Path | None,
        env: Mapping[str, str] | None,
    ) -> GatewayKernel:
        return await GatewayKernel.start(
            spec, rest=self.rest, config=self.kernel, tasks=tasks, cwd=cwd, env=env
        )
