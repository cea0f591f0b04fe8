"""The control channel, on its own thread so it is served while user code runs."""

from __future__ import annotations

import threading

import zmq

from notewire.protocol import Message, ReplayGuard
from notewire.protocol import content as c

from .context import Kernel
from .dispatch import dispatch_control, parse


class ControlThread(threading.Thread):
    def __init__(self, kernel: Kernel, socket: zmq.Socket[bytes]) -> None:
        super().__init__(name="notewire-control", daemon=True)
        self._kernel = kernel
        self._socket = socket
        self._replay = ReplayGuard()
        self._stopped = threading.Event()

    def _send(self, msg: Message, idents: list[bytes] | tuple[bytes, ...]) -> None:
        self._socket.send_multipart(self._kernel.session.frames(msg, idents))

    def run(self) -> None:
        try:
            while not self._stopped.is_set():
                if not self._socket.poll(100):
                    continue
                frames = self._socket.recv_multipart()
                parsed = parse(self._kernel, frames, self._replay, "control")
                if parsed is None:
                    continue
                reply = dispatch_control(self._kernel, *parsed, self._send)
                if isinstance(reply, c.ShutdownReply):
                    self._kernel.request_stop(reply.restart)
        except zmq.ContextTerminated:
            pass
        finally:
            self._socket.close(linger=1000)

    def stop(self) -> None:
        self._stopped.set()
        self.join(timeout=2)
