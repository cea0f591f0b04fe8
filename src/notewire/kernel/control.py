"""The control channel, on its own thread so it is served while user code runs."""

from __future__ import annotations

import threading

import zmq

from notewire.protocol import Message, ReplayGuard
from notewire.protocol import content as c

from .boot import Kept
from .context import Kernel
from .dispatch import dispatch_control, parse

CONTROL_THREAD_NAME = "notewire-control"


class ControlThread(threading.Thread):
    def __init__(
        self,
        kernel: Kernel,
        socket: zmq.Socket[bytes],
        replay: ReplayGuard,
        kept: Kept,
    ) -> None:
        """`kept`: requests that arrived while the kernel was starting, handled first."""
        super().__init__(name=CONTROL_THREAD_NAME, daemon=True)
        self._kernel = kernel
        self._socket = socket
        self._replay = replay
        self._kept = kept
        self._stopped = threading.Event()

    def _send(self, msg: Message, idents: list[bytes] | tuple[bytes, ...]) -> None:
        self._socket.send_multipart(self._kernel.session.frames(msg, idents))

    def run(self) -> None:
        try:
            for idents, msg in self._kept:
                self._handle(idents, msg)
            while not self._stopped.is_set():
                if not self._socket.poll(100):
                    continue
                frames = self._socket.recv_multipart()
                parsed = parse(self._kernel, frames, self._replay, "control")
                if parsed is not None:
                    self._handle(*parsed)
        except zmq.ContextTerminated:
            pass
        finally:
            self._socket.close(linger=1000)

    def _handle(self, idents: list[bytes], msg: Message) -> None:
        reply = dispatch_control(self._kernel, idents, msg, self._send)
        if isinstance(reply, c.ShutdownReply):
            self._kernel.request_stop(reply.restart)

    def stop(self) -> None:
        self._stopped.set()
        self.join(timeout=2)
