"""The IOPub channel: one XPUB socket that any thread may publish on.

Output comes from the main thread (user code), the control thread (status for control
requests) and the stream flusher. They share the socket under a lock: ZeroMQ allows a
socket to move between threads with a full memory barrier, which the lock provides.
Sending directly, rather than handing frames to a forwarding thread, saves a hop and a
thread wake-up per message.

A small thread answers each new subscription with `iopub_welcome` (JEP 65), so clients
know when they will see output. It waits on the socket's notification descriptor, which
is not a socket operation, and touches the socket only under the lock.

Nothing is dropped: XPUB_NODROP makes a slow subscriber push back instead of losing
messages (ipykernel silently drops past its high-water mark, idle included), so a slow
reader slows down the code that prints.
"""

from __future__ import annotations

import logging
import select
import threading
from collections.abc import Sequence

import zmq

from notewire.protocol import Buffer, ConnectionInfo, Header, Message
from notewire.protocol.jsonutil import JSONDict

from .interrupts import GATE
from .session import Session

log = logging.getLogger(__name__)

# Messages, not bytes. Bounded so a stalled subscriber cannot exhaust memory; with
# NODROP it makes publishers wait instead.
IOPUB_HWM = 10_000
ZERO_COPY_MIN = 64 * 1024  # received frames at least this big stay zero-copy views
# Sending without a copy costs more than it saves below about a megabyte: pyzmq frees
# each such buffer through its garbage-collector thread, which must take the GIL (a
# memcpy of 100 KiB takes microseconds).
ZERO_COPY_SEND_MIN = 1024 * 1024
# The notification descriptor is edge-triggered and a send on another thread can take
# the edge, so the welcomer also looks on its own this often (seconds).
_WELCOME_RECHECK = 0.05


class IOPub:
    """Owns the XPUB socket and the thread that welcomes subscribers."""

    def __init__(
        self, context: zmq.Context[zmq.Socket[bytes]], info: ConnectionInfo, session: Session
    ) -> None:
        self._session = session
        self._lock = threading.Lock()
        self._closed = False
        self._xpub = context.socket(zmq.XPUB)
        self._xpub.setsockopt(zmq.XPUB_VERBOSE, 1)  # every subscriber gets its own welcome
        self._xpub.setsockopt(zmq.XPUB_NODROP, 1)
        self._xpub.setsockopt(zmq.SNDHWM, IOPUB_HWM)
        self._xpub.setsockopt(zmq.LINGER, 2000)
        self._xpub.bind(info.endpoint("iopub"))
        self._fd = self._xpub.getsockopt(zmq.FD)
        self._thread = threading.Thread(target=self._welcome, name="notewire-iopub", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def send(self, frames: Sequence[Buffer], *, copy: bool = True) -> None:
        with GATE.shielded(), self._lock:
            if self._closed:
                return
            self._xpub.send_multipart(frames, copy=copy)

    def _welcome(self) -> None:
        while True:
            select.select([self._fd], [], [], _WELCOME_RECHECK)
            with self._lock:
                if self._closed:
                    return
                while self._xpub.getsockopt(zmq.EVENTS) & zmq.POLLIN:
                    self._on_subscription(self._xpub.recv())

    def _on_subscription(self, event: bytes) -> None:
        if not event or event[0] != 1:  # unsubscribe, or not a subscription event
            return
        topic = event[1:].decode("utf-8", "replace")
        msg = self._session.message("iopub_welcome", {"subscription": topic})
        self._xpub.send_multipart(self._session.frames(msg, [b"iopub_welcome"]))

    def stop(self) -> None:
        """Close the socket after what was sent is flushed (its linger)."""
        with self._lock:
            self._closed = True
        self._thread.join(timeout=2)
        self._xpub.close()


class Publisher:
    """Builds, signs and publishes messages on IOPub, from any thread."""

    def __init__(self, iopub: IOPub, session: Session) -> None:
        self._iopub = iopub
        self._session = session
        self._topic_prefix = f"kernel.{session.id}.".encode()

    def publish(
        self,
        msg_type: str,
        content: JSONDict,
        parent: Header | None,
        *,
        metadata: JSONDict | None = None,
        buffers: Sequence[Buffer] = (),
    ) -> Message:
        msg = self._session.message(msg_type, content, parent, metadata=metadata, buffers=buffers)
        topic = (
            b"stream." + content["name"].encode()
            if msg_type == "stream"
            else self._topic_prefix + msg_type.encode()
        )
        large = any(len(f) >= ZERO_COPY_SEND_MIN for f in buffers)
        self._iopub.send(self._session.frames(msg, [topic]), copy=not large)
        return msg

    def status(self, state: str, parent: Header | None) -> None:
        self.publish("status", {"execution_state": state}, parent)
