"""The gateway socket acknowledges at once (channels.py, `_quick_acks`): a gateway's
Tornado writes a reply's messages without TCP_NODELAY, and delayed ACKs held each
request 40 ms. The effect is a benchmark's (bench/gateway.py); this is the seam."""

from __future__ import annotations

import socket

import pytest
from websockets.asyncio.server import ServerConnection, serve

from notewire.server.kernels.gateway.channels import _quick_acks, open_socket

pytestmark = pytest.mark.skipif(
    not hasattr(socket, "TCP_QUICKACK"), reason="TCP_QUICKACK is Linux's"
)


async def _echo(connection: ServerConnection) -> None:
    async for message in connection:
        await connection.send(message)


async def test_each_message_received_re_arms_quick_acks() -> None:
    async with serve(_echo, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        connection = await open_socket(f"ws://127.0.0.1:{port}", {}, 1 << 20, 10)
        try:
            sock = connection.transport.get_extra_info("socket")
            for _ in range(20):  # a conversation: Linux leaves quick-ACK mode
                await connection.send("x" * 100)
                await connection.recv()
            _quick_acks(connection)()
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK) == 1
        finally:
            await connection.close()
