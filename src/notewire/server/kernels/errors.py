"""Errors raised by notewire.server.kernels.

KernelError
 ├── NoSuchKernelSpec     no kernelspec of that name on the data paths
 ├── InvalidKernelSpec    a kernel.json that cannot be used
 ├── KernelLaunchError    the process could not be started, or never became ready
 ├── KernelDied           the kernel was lost while we needed it (carries the cause)
 ├── KernelTimeout        a reply, status or heartbeat did not come in time
 ├── KernelClosed         the client or kernel was shut down by us
 └── UnknownKernel        no running kernel has that id

Messages name the offending value so that a log line says what went wrong.
"""

from __future__ import annotations

from typing import Protocol


class LossCause(Protocol):
    """Why a kernel was lost: a local process's ExitCause, or a gateway's loss."""

    @property
    def requested(self) -> bool:
        """Whether we asked for it (shutdown, restart)."""
        ...

    def describe(self) -> str:
        """For people: "exited with code 1", "is gone from the gateway"."""
        ...


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
    """The kernel was lost (its process exited, its gateway went away) while a request
    or start was waiting on it."""

    def __init__(self, cause: LossCause) -> None:
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
