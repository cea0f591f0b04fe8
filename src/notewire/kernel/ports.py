"""Binding a kernel socket to its place in the connection info."""

from __future__ import annotations

import zmq

from notewire.protocol import Channel, ConnectionInfo


def bind(socket: zmq.Socket[bytes], info: ConnectionInfo, channel: Channel) -> int:
    """Bind `socket` for `channel` and return its port. With tcp, port 0 means the
    kernel picks a free port itself, which avoids the race of a launcher choosing
    ports that something else takes before the kernel binds them."""
    port = info.port(channel)
    if info.transport == "tcp" and port == 0:
        host = f"[{info.ip}]" if ":" in info.ip else info.ip
        return socket.bind_to_random_port(f"tcp://{host}")
    socket.bind(info.endpoint(channel))
    return port
