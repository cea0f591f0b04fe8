"""How a scene reaches the browsers: a comm and the display, inside an IPython kernel
(notewire's or ipykernel), through the `comm` package and `IPython.display` only.
Tests give a scene a port of their own."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from notewire.protocol.glscene import TARGET

MessageHandler = Callable[[dict[str, Any], list[bytes]], None]  # (data, buffers)


class Link(Protocol):
    def send(self, data: dict[str, Any], buffers: Sequence[Any]) -> None: ...

    def close(self) -> None: ...


class Port(Protocol):
    def open(
        self, data: dict[str, Any], buffers: Sequence[Any], on_msg: MessageHandler
    ) -> tuple[str, Link]:
        """Open a comm; returns its id and the link to send on."""
        ...

    def display(
        self, bundle: dict[str, Any], metadata: dict[str, Any], display_id: str, *, update: bool
    ) -> None: ...


class _CommLink:
    def __init__(self, comm: Any) -> None:
        self._comm = comm
        self._closed = False

    def send(self, data: dict[str, Any], buffers: Sequence[Any]) -> None:
        self._comm.send(data, buffers=list(buffers))

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._comm.close()


class KernelPort:
    def open(
        self, data: dict[str, Any], buffers: Sequence[Any], on_msg: MessageHandler
    ) -> tuple[str, Link]:
        import comm

        c = comm.create_comm(target_name=TARGET, data=data, buffers=list(buffers))
        c.on_msg(
            lambda msg: on_msg(msg["content"]["data"], [bytes(b) for b in msg.get("buffers") or []])
        )
        return str(c.comm_id), _CommLink(c)

    def display(
        self, bundle: dict[str, Any], metadata: dict[str, Any], display_id: str, *, update: bool
    ) -> None:
        from IPython.display import display

        display(bundle, raw=True, metadata=metadata, display_id=display_id, update=update)  # type: ignore[no-untyped-call]
