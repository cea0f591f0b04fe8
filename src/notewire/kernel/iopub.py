"""The IOPub channel: one XPUB socket that any thread may publish on.

Output comes from the main thread (user code), the control thread (status for control
requests) and the stream flusher. They share the socket under a lock: ZeroMQ allows a
socket to move between threads with a full memory barrier, which the lock provides.
Sending directly, rather than handing frames to a forwarding thread, saves a hop and a
thread wake-up per message.

A small thread answers each new subscription with `iopub_welcome` (JEP 65), so clients
know when they will see output. It waits on the socket's notification descriptor, which
is not a socket operation, and touches the socket only under the lock.

Output is not dropped: XPUB_NODROP makes a slow subscriber push back instead of losing
messages (ipykernel silently drops past its high-water mark, idle included), so a slow
reader slows down the code that prints. That push-back must never freeze the kernel,
though: a subscriber that stops reading would otherwise hold every thread that
publishes. So the socket is only ever used without blocking, under the lock for
microseconds. A publisher that may wait (output of the main thread) waits outside the
lock and outside the interrupt shield, so SIGINT still interrupts user code stuck
printing; one that must not wait (the control thread's status) is dropped instead while
a subscriber is that far behind. Welcomes are kept until they can be sent.
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
# the edge, so those waiting on it also look on their own this often (seconds).
_RECHECK = 0.05


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

    def send(self, frames: Sequence[Buffer], *, copy: bool = True, wait: bool = True) -> bool:
        """Publish `frames`; False if not sent: the socket is closed, or `wait` is False
        and a subscriber is a high-water mark behind. A KeyboardInterrupt while waiting
        means the message was not sent."""
        while True:
            with GATE.shielded(), self._lock:
                if self._closed:
                    return False
                if self._try_send(frames, copy):
                    return True
            if not wait:
                return False
            with GATE.unshielded():
                select.select([self._fd], [], [], _RECHECK)

    def _try_send(self, frames: Sequence[Buffer], copy: bool) -> bool:
        # With NODROP a full subscriber refuses the first frame, and then nothing of
        # the message is sent; once the first frame is in, the rest follow.
        try:
            self._xpub.send_multipart(frames, copy=copy, flags=zmq.NOBLOCK)
        except zmq.Again:
            return False
        return True

    def _welcome(self) -> None:
        pending: list[list[Buffer]] = []
        while True:
            select.select([self._fd], [], [], _RECHECK)
            with self._lock:
                if self._closed:
                    return
                while self._xpub.getsockopt(zmq.EVENTS) & zmq.POLLIN:
                    welcome = self._welcome_for(self._xpub.recv())
                    if welcome is not None:
                        pending.append(welcome)
                while pending and self._try_send(pending[0], copy=True):
                    pending.pop(0)

    def _welcome_for(self, event: bytes) -> list[Buffer] | None:
        if not event or event[0] != 1:  # unsubscribe, or not a subscription event
            return None
        topic = event[1:].decode("utf-8", "replace")
        msg = self._session.message("iopub_welcome", {"subscription": topic})
        return self._session.frames(msg, [b"iopub_welcome"])

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
        wait: bool = True,
    ) -> Message:
        """Build and publish a message. `wait=False`: drop it rather than wait while
        a subscriber is a high-water mark behind (see IOPub.send)."""
        msg = self._session.message(msg_type, content, parent, metadata=metadata, buffers=buffers)
        topic = (
            b"stream." + content["name"].encode()
            if msg_type == "stream"
            else self._topic_prefix + msg_type.encode()
        )
        large = any(len(f) >= ZERO_COPY_SEND_MIN for f in buffers)
        self._iopub.send(self._session.frames(msg, [topic]), copy=not large, wait=wait)
        return msg

    def status(self, state: str, parent: Header | None, *, wait: bool = True) -> None:
        self.publish("status", {"execution_state": state}, parent, wait=wait)
