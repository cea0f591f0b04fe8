"""A real notewire kernel subprocess, driven by jupyter_client: Jupyter's own client."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from jupyter_client.blocking.client import BlockingKernelClient
from jupyter_client.manager import KernelManager, start_new_kernel

from tests.kernel.helpers import drain_iopub


@pytest.fixture(scope="module")
def shared_kernel() -> Iterator[tuple[KernelManager, BlockingKernelClient]]:
    """One kernel for tests that leave it usable; cheaper than one per test."""
    km, kc = start_new_kernel(kernel_name="notewire")
    try:
        yield km, kc
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


@pytest.fixture
def kc(shared_kernel: tuple[KernelManager, BlockingKernelClient]) -> BlockingKernelClient:
    client = shared_kernel[1]
    drain_iopub(client)
    return client


@pytest.fixture
def fresh_kernel() -> Iterator[tuple[KernelManager, BlockingKernelClient]]:
    """A kernel of its own, for tests that interrupt, restart or shut it down."""
    km, kc = start_new_kernel(kernel_name="notewire")
    try:
        yield km, kc
    finally:
        kc.stop_channels()
        if km.has_kernel:
            km.shutdown_kernel(now=True)
