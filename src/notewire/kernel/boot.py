"""The kernel's first phase: every socket bound, and kernel_info answered, while IPython
loads.

Importing IPython and building its shell is most of a kernel's start-up (about 60 of
its 150 ms here). None of it is needed to say what the kernel is, so the sockets are
bound first and a thread answers kernel_info on shell and control meanwhile: a client
waiting for the kernel to be ready hears back as soon as the process is up. Any other
request is kept, in order, for the kernel proper, which takes over the sockets when the
shell exists (`KernelApp`); the first execute_request simply waits for it, as it would
have waited for the process. Once one request on a channel is kept, every later one on
it is kept too, so replies never overtake each other.

This module must not import IPython (or anything that does): that is its point.
"""

from __future__ import annotations

import logging
import signal
import threading

import zmq

from notewire.protocol import ConnectionInfo, Message, ProtocolError, ReplayGuard

from .info import kernel_info_reply
from .iopub import IOPub, Publisher
from .session import Session

log = logging.getLogger("notewire.kernel")

Kept = list[tuple[list[bytes], Message]]


def _echo_heartbeats(socket: zmq.Socket[bytes]) -> None:
    try:
        zmq.proxy(socket, socket)  # echoes every ping, in C, without the GIL
    except zmq.ZMQError:
        pass  # the context was destroyed at exit, taking this socket with it


class Boot:
    """Owns the context and sockets until `hand_over()`; then the kernel does."""

    def __init__(self, info: ConnectionInfo) -> None:
        self.info = info
        self.context: zmq.Context[zmq.Socket[bytes]] = zmq.Context()
        self.session = Session(info.signer())
        self.iopub = IOPub(self.context, info, self.session)
        self.publisher = Publisher(self.iopub, self.session)
        self.shell = self._bind(zmq.ROUTER, "shell")
        self.control = self._bind(zmq.ROUTER, "control")
        self.stdin = self._bind(zmq.ROUTER, "stdin")
        self.replay = {"shell": ReplayGuard(), "control": ReplayGuard()}
        self.kept: dict[str, Kept] = {"shell": [], "control": []}
        heartbeat = self._bind(zmq.ROUTER, "hb")
        heartbeat.setsockopt(zmq.LINGER, 0)
        self._heartbeat = threading.Thread(
            target=_echo_heartbeats, args=(heartbeat,), daemon=True, name="notewire-heartbeat"
        )
        # The main thread wakes the answering thread through this pair to end it.
        address = f"inproc://notewire-boot-{id(self)}"
        self._wake_receiver = self.context.socket(zmq.PAIR)
        self._wake_receiver.bind(address)
        self._wake_sender = self.context.socket(zmq.PAIR)
        self._wake_sender.connect(address)
        self._thread = threading.Thread(target=self._answer, daemon=True, name="notewire-boot")

    def _bind(self, kind: int, channel: str) -> zmq.Socket[bytes]:
        socket = self.context.socket(kind)
        socket.bind(self.info.endpoint(channel))  # type: ignore[arg-type]
        return socket

    def start(self) -> None:
        """Call on the main thread."""
        # The kernel looks ready before it has a shell: an interrupt now finds nothing
        # running, so it does what it does to an idle kernel (nothing) instead of
        # raising KeyboardInterrupt in the middle of an import. KernelApp installs the
        # real handler.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        self.iopub.start()
        self._heartbeat.start()
        self.publisher.status("starting", None)
        self._thread.start()

    def hand_over(self) -> None:
        """Stop answering; from now on the caller's thread owns the sockets, and
        `kept` holds the requests still to handle, per channel, in arrival order."""
        self._wake_sender.send(b"")
        self._thread.join()
        self._wake_sender.close(linger=0)
        self._wake_receiver.close(linger=0)

    def _answer(self) -> None:
        poller = zmq.Poller()
        channels = {self.shell: "shell", self.control: "control"}
        for socket in (*channels, self._wake_receiver):
            poller.register(socket, zmq.POLLIN)
        while True:
            for socket, _ in poller.poll():
                if socket is self._wake_receiver:
                    return
                self._take(channels[socket], socket)

    def _take(self, channel: str, socket: zmq.Socket[bytes]) -> None:
        frames = socket.recv_multipart()
        try:
            idents, msg = self.session.parse(frames, self.replay[channel])
        except ProtocolError as exc:  # as the kernel proper: dropped, never answered
            log.warning("dropped a message on %s during start-up: %s", channel, exc)
            return
        kept = self.kept[channel]
        if kept or msg.msg_type != "kernel_info_request":
            kept.append((idents, msg))
            return
        self.publisher.status("busy", msg.header)
        reply = kernel_info_reply()
        socket.send_multipart(
            self.session.frames(
                self.session.message(reply.msg_type, reply.to_dict(), msg.header), idents
            )
        )
        self.publisher.status("idle", msg.header)
