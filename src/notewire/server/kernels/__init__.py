"""Kernel management for the server: find kernelspecs, launch kernel processes, talk
to them over ZeroMQ, and keep them (and a pool of ready ones) under control; or do the
same through a Kernel Gateway (gateway/), behind one seam (backend.py).

    async with KernelManager(ManagerConfig()) as km:
        kernel = await km.start_kernel("python3")
        result = await kernel.client.execute("print(1)")

This package never imports `notewire.kernel`: a kernel is another process.
"""

from .backend import KernelBackend, KernelSpecs, RunningKernel
from .channels import ClientConfig, ExecutionResult, KernelChannels
from .client import KernelClient, open_client
from .errors import (
    InvalidKernelSpec,
    KernelClosed,
    KernelDied,
    KernelError,
    KernelLaunchError,
    KernelTimeout,
    LossCause,
    NoSuchKernelSpec,
    UnknownKernel,
)
from .gateway import GatewayConfig
from .handle import KernelConfig, KernelHandle, KernelState, wait_ready
from .launcher import LaunchConfig
from .local import LocalKernels
from .manager import KernelManager, ManagerConfig
from .pool import KernelPool
from .process import ExitCause, KernelProcess
from .routing import Incoming, Listener, Subscription, decode_content
from .specs import KernelSpec, find_kernel_specs, get_kernel_spec, kernel_dirs, load_kernel_spec

__all__ = [
    "ClientConfig",
    "ExecutionResult",
    "ExitCause",
    "GatewayConfig",
    "Incoming",
    "InvalidKernelSpec",
    "KernelBackend",
    "KernelChannels",
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
    "KernelSpecs",
    "KernelState",
    "KernelTimeout",
    "LaunchConfig",
    "Listener",
    "LocalKernels",
    "LossCause",
    "ManagerConfig",
    "NoSuchKernelSpec",
    "RunningKernel",
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
