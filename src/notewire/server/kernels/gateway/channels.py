"""A kernel's channels over a gateway's WebSocket (`/api/kernels/<id>/channels`).

One `GatewayChannels` lives as long as the kernel; the WebSockets under it come and
go (a restart or a lost gateway opens a new one), so subscriptions made above the seam
survive them. Messages are decoded once, here, into the same `Incoming` the ZeroMQ
client produces. The binary v1 subprotocol is asked for and used when the gateway
accepts it, so comm buffers and figure frames stay binary; otherwise the legacy JSON
framing is spoken.
"""

from __future__ import annotations

import contextlib
import logging
import socket as _socket
from collections.abc import Callable
from typing import get_args

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from notewire.protocol import Message, ProtocolError
from notewire.protocol.content import Status
from notewire.protocol.websocket import V1_SUBPROTOCOL, from_legacy, from_v1, to_legacy, to_v1

from ..channels import ClientConfig, KernelChannels
from ..errors import KernelClosed, KernelDied, LossCause
from ..routing import Incoming, MessageChannel, decode_content

log = logging.getLogger(__name__)

_CHANNELS = frozenset(get_args(MessageChannel))
# The gateway's own word that the kernel process died under it: it restarted the
# kernel (`restarting`) or could not (`dead`). Sent on iopub with no parent.
KernelEvent = Callable[[str], None]


async def open_socket(
    url: str, headers: dict[str, str], max_size: int, open_within: float
) -> ClientConnection:
    """Open a kernel WebSocket, offering the v1 subprotocol. Raises OSError,
    TimeoutError or websockets' InvalidHandshake."""
    return await connect(
        url,
        subprotocols=[Subprotocol(V1_SUBPROTOCOL)],
        additional_headers=headers,
        max_size=max_size,
        open_timeout=open_within,
        compression=None,  # kernel traffic is small or already compressed (images)
    )


def _quick_acks(socket: ClientConnection) -> Callable[[], None]:
    """Re-arms TCP_QUICKACK on the socket (Linux; elsewhere a no-op). A gateway's
    Tornado sends a reply's messages in small writes without TCP_NODELAY: each waits
    for the ACK of the one before, and a delayed ACK holds it 40 ms, on every request
    (measured: execute("pass") 48 ms through the server, 5 ms at the gateway itself).
    Quick ACKs are not sticky; each received message re-arms them."""
    sock = socket.transport.get_extra_info("socket")
    option = getattr(_socket, "TCP_QUICKACK", None)
    if sock is None or option is None:
        return lambda: None

    def quick_ack() -> None:
        with contextlib.suppress(OSError):
            sock.setsockopt(_socket.IPPROTO_TCP, option, 1)

    return quick_ack


class GatewayChannels(KernelChannels):
    """`on_kernel_event` hears the gateway's `restarting` and `dead` statuses."""

    def __init__(self, *, config: ClientConfig, on_kernel_event: KernelEvent) -> None:
        super().__init__(config=config)
        self._socket: ClientConnection | None = None
        self._v1 = False
        self._on_kernel_event = on_kernel_event
        self.loss: LossCause | None = None  # why there is no socket now, if known

    @property
    def connected(self) -> bool:
        return self._socket is not None

    @property
    def binary(self) -> bool:
        """Whether the socket speaks the binary v1 subprotocol."""
        return self._v1

    async def send(self, channel: MessageChannel, msg: Message) -> None:
        if self._closed:
            raise KernelClosed("client closed")
        if channel == "iopub":
            raise ValueError("iopub is receive-only")
        socket = self._socket
        if socket is None:
            if self.loss is not None:
                raise KernelDied(self.loss)
            raise KernelClosed("not connected to the gateway")
        data = to_v1(msg, channel) if self._v1 else to_legacy(msg, channel)
        try:
            await socket.send(data)
        except ConnectionClosed as exc:
            # The reader sees the same close and reports the loss; this request is lost.
            raise KernelClosed(f"the gateway connection closed: {exc}") from None

    def attach(self, socket: ClientConnection) -> None:
        """Send on `socket` from now on (replacing any other); `serve` it to receive."""
        self._socket = socket
        self._v1 = socket.subprotocol == V1_SUBPROTOCOL
        self.loss = None

    async def serve(self, socket: ClientConnection) -> str:
        """Route everything the attached `socket` receives until it closes; returns
        why it closed."""
        quick_ack = _quick_acks(socket)
        try:
            async for data in socket:
                quick_ack()
                incoming = self._decode(data)
                if incoming is not None:
                    await self._route(incoming)
        except ConnectionClosed:
            pass
        finally:
            if self._socket is socket:
                self._socket = None
        close = socket.close_reason or ""
        return f"closed with code {socket.close_code}{f' ({close})' if close else ''}"

    def _decode(self, data: str | bytes) -> Incoming | None:
        try:
            if self._v1 and isinstance(data, bytes):
                channel, msg = from_v1(data)
            else:
                channel, msg = from_legacy(data)
        except ProtocolError as exc:
            log.warning("dropping a message from the gateway: %s", exc)
            return None
        if channel not in _CHANNELS:
            log.warning("dropping a %s on unknown channel %r", msg.msg_type, channel)
            return None
        incoming = Incoming(channel, msg, decode_content(msg))  # type: ignore[arg-type]
        status = incoming.content
        if (
            isinstance(status, Status)
            and incoming.parent_id is None
            and status.execution_state in ("restarting", "dead")
        ):
            self._on_kernel_event(status.execution_state)
        return incoming

    async def close_socket(self) -> None:
        """Close the socket being served, if any; subscriptions stay open."""
        socket, self._socket = self._socket, None
        if socket is not None:
            await socket.close()

    async def aclose(self) -> None:
        """Close the socket and end every subscription."""
        await self.close_socket()
        self._fail_all()
