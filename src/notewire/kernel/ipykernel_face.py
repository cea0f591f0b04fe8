"""What libraries written for ipykernel find at `get_ipython().kernel`.

ipywidgets, tqdm and others probe the shell for a kernel and use a handful of its
members: ipywidgets' `Output` widget takes `kernel.get_parent()["header"]["msg_id"]` as
the id of the output it captures (falling back to `kernel._parent_header`), and older
code publishes with `kernel.session.send(kernel.iopub_socket, ...)`. This is that
handful, backed by the notewire kernel; nothing else of ipykernel is imitated.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from comm.base_comm import CommManager
from traitlets.config import Config

from notewire.protocol import Buffer, Header
from notewire.protocol.jsonutil import JSONDict
from notewire.protocol.messages import DEFAULT_USERNAME

from .context import Kernel
from .control import CONTROL_THREAD_NAME
from .shell import KernelShell


class IOPubSocket:
    """Stands for the IOPub socket where ipykernel code names it, as in
    `kernel.session.send(kernel.iopub_socket, "display_data", content)`. It is a token:
    messages reach the real socket through the kernel's publisher."""

    def __repr__(self) -> str:
        return "<notewire IOPub socket>"


def _header_of(parent: Any) -> Header | None:
    """A parent given as a message (ipykernel's usual form) or as a bare header."""
    if not parent:
        return None
    if isinstance(parent, Header):
        return parent
    header = parent.get("header", parent)
    return Header.from_dict(header, "parent header") if header else None


class SessionFace:
    """`kernel.session`: the session id and user name every message carries, and
    `send` for publishing on IOPub."""

    def __init__(self, kernel: Kernel, iopub_socket: IOPubSocket) -> None:
        self._kernel = kernel
        self._iopub_socket = iopub_socket

    @property
    def session(self) -> str:
        return self._kernel.session.id

    @property
    def username(self) -> str:
        return DEFAULT_USERNAME  # what every message the kernel sends carries

    def send(
        self,
        stream: Any,
        msg_or_type: str | JSONDict,
        content: JSONDict | None = None,
        parent: Any = None,
        ident: Any = None,
        buffers: Sequence[Buffer] | None = None,
        track: bool = False,
        header: Any = None,
        metadata: JSONDict | None = None,
    ) -> JSONDict:
        """jupyter_client's `Session.send`, for the IOPub socket only (the kernel owns
        the reply sockets). `ident` (the topic) is chosen by the publisher."""
        if stream is not self._iopub_socket:
            raise ValueError(
                f"the notewire kernel publishes only on kernel.iopub_socket, not {stream!r}"
            )
        if isinstance(msg_or_type, dict):
            msg_type = msg_or_type.get("msg_type") or msg_or_type["header"]["msg_type"]
            content = msg_or_type.get("content", content)
            metadata = msg_or_type.get("metadata", metadata)
            parent = parent or msg_or_type.get("parent_header")
        else:
            msg_type = msg_or_type
        sent = self._kernel.publisher.publish(
            msg_type,
            content or {},
            _header_of(parent),
            metadata=metadata or {},
            buffers=buffers or (),
        )
        return sent.to_dict()


class IPyKernelFace:
    """`get_ipython().kernel` in the notewire kernel."""

    def __init__(self, kernel: Kernel) -> None:
        self._kernel = kernel
        self.iopub_socket = IOPubSocket()
        self.session = SessionFace(kernel, self.iopub_socket)

    @property
    def shell(self) -> KernelShell:
        return self._kernel.shell

    @property
    def comm_manager(self) -> CommManager:
        return self._kernel.comms

    def get_parent(self, channel: str | None = None) -> JSONDict:
        """The request being handled (or last handled) on `channel`, as a message dict;
        `{}` before the first. Without a channel: the control thread's own, else
        shell's (user code, and threads it starts, run for a shell request)."""
        if channel is None:
            on_control = threading.current_thread().name == CONTROL_THREAD_NAME
            channel = "control" if on_control else "shell"
        msg = self._kernel.control_parent if channel == "control" else self._kernel.parent
        return msg.to_dict() if msg is not None else {}

    @property
    def _parent_header(self) -> JSONDict:
        # ipykernel < 6 kept the current request here; ipywidgets still falls back to it.
        return self.get_parent()

    def send_response(
        self,
        stream: Any,
        msg_or_type: str | JSONDict,
        content: JSONDict | None = None,
        ident: Any = None,
        buffers: Sequence[Buffer] | None = None,
        track: bool = False,
        header: Any = None,
        metadata: JSONDict | None = None,
    ) -> JSONDict:
        """Publish for the current request, as ipykernel's `Kernel.send_response`."""
        return self.session.send(
            stream,
            msg_or_type,
            content,
            self.get_parent(),
            ident,
            buffers,
            track,
            header,
            metadata,
        )


def ipkernel_config(connection_file: Path | None) -> Config:
    """Shell configuration with the `IPKernelApp` section that ipykernel's has.

    "Am I in a notebook?" checks (older tqdm.autonotebook, and many a snippet)
    look for `'IPKernelApp' in get_ipython().config`; others read the connection file
    from it to find the kernel's id."""
    section = {"connection_file": str(connection_file.resolve())} if connection_file else {}
    return Config({"IPKernelApp": section})
