"""Errors raised by notewire.server.kernels.

KernelError
 ├── NoSuchKernelSpec     no kernelspec of that name on the data paths
 ├── InvalidKernelSpec    a kernel.json that cannot be used
 ├── KernelLaunchError    the process could not be started, or never became ready
 ├── KernelDied           the kernel process exited while we needed it (carries the cause)
 ├── KernelTimeout        a reply, status or heartbeat did not come in time
 ├── KernelClosed         the client or kernel was shut down by us
 └── UnknownKernel        no running kernel has that id

Messages name the offending value so that a log line says what went wrong.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .process import ExitCause


class KernelError(Exception):
    """Base for everything notewire.server.kernels raises."""


class NoSuchKernelSpec(KernelError):
    def __init__(self, name: str) -> None:
        super().__init__(f"no kernelspec named {name!r}")
        self.name = name


class InvalidKernelSpec(KernelError):
    """A kernel.json that is missing fields or holds wrong values."""


class KernelLaunchError(KernelError):
    """The kernel process could not be started or did not become ready."""


class KernelDied(KernelError):
    """The kernel process exited while a request or start was waiting on it."""

    def __init__(self, cause: ExitCause) -> None:
        super().__init__(f"kernel died: {cause.describe()}")
        self.cause = cause


class KernelTimeout(KernelError):
    """A reply, status or heartbeat did not arrive within its time limit."""


class KernelClosed(KernelError):
    """The client was closed, or the kernel shut down, while something waited on it."""


class UnknownKernel(KernelError):
    def __init__(self, kernel_id: str) -> None:
        super().__init__(f"no running kernel with id {kernel_id!r}")
        self.kernel_id = kernel_id
