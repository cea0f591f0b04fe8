"""Comms: the kernel side of the `comm` package.

Installing our factory and manager into the `comm` package makes libraries built on it
(ipywidgets, and others) work unchanged: they call `comm.create_comm(...)`.
"""

from __future__ import annotations

from typing import Any

import comm
from comm.base_comm import BaseComm, BuffersType, CommManager, MaybeDict

from .outputs import Outputs


class Comm(BaseComm):
    """A comm whose messages go out on IOPub, with binary buffers as extra frames."""

    outputs: Outputs

    def publish_msg(
        self,
        msg_type: str,
        data: MaybeDict = None,
        metadata: MaybeDict = None,
        buffers: BuffersType = None,
        **keys: Any,
    ) -> None:
        content = {"data": data or {}, "comm_id": self.comm_id, **keys}
        self.outputs.emit(
            msg_type, content, metadata=metadata or {}, buffers=buffers or (), output=False
        )


def install(outputs: Outputs) -> CommManager:
    """Make this kernel the `comm` package's comm provider; returns the manager."""
    manager = CommManager()

    def create_comm(*args: Any, **kwargs: Any) -> BaseComm:
        instance = Comm.__new__(Comm)
        instance.outputs = outputs  # set before __init__, which may publish comm_open
        Comm.__init__(instance, *args, **kwargs)
        return instance

    comm.create_comm = create_comm
    comm.get_comm_manager = lambda: manager
    return manager
