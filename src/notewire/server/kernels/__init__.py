"""Kernel management for the server: find kernelspecs, launch kernel processes, talk
to them over ZeroMQ, and keep them (and a pool of ready ones) under control.

    async with KernelManager(ManagerConfig()) as km:
        kernel = await km.start_kernel("python3")
        result = await kernel.client.execute("print(1)")

This package never imports `notewire.kernel`: a kernel is another process.
"""

from .client import ClientConfig, ExecutionResult, KernelClient, open_client
from .errors import (
    InvalidKernelSpec,
    KernelClosed,
    KernelDied,
    KernelError,
    KernelLaunchError,
    KernelTimeout,
    NoSuchKernelSpec,
    UnknownKernel,
)
from .handle import KernelConfig, KernelHandle, KernelState, wait_ready
from .launcher import LaunchConfig
from .manager import KernelManager, ManagerConfig
from .pool import KernelPool
from .process import ExitCause, KernelProcess
from .routing import Incoming, Subscription, decode_content
from .specs import KernelSpec, find_kernel_specs, get_kernel_spec, kernel_dirs, load_kernel_spec

__all__ = [
    "ClientConfig",
    "ExecutionResult",
    "ExitCause",
    "Incoming",
    "InvalidKernelSpec",
    "KernelClient",
    "KernelClosed",
    "KernelConfig",
    "KernelDied",
    "KernelError",
    "KernelHandle",
    "KernelLaunchError",
    "KernelManager",
    "KernelPool",
    "KernelProcess",
    "KernelSpec",
    "KernelState",
    "KernelTimeout",
    "LaunchConfig",
    "ManagerConfig",
    "NoSuchKernelSpec",
    "Subscription",
    "UnknownKernel",
    "decode_content",
    "find_kernel_specs",
    "get_kernel_spec",
    "kernel_dirs",
    "load_kernel_spec",
    "open_client",
    "wait_ready",
]
