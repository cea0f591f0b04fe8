"""The IOPub channel: one thread owns the XPUB socket; any thread may publish.

Why a thread: output comes from the main thread (user code), the control thread
(status for control requests) and the stream flusher, and ZeroMQ sockets must not be
shared. Publishers hand signed frames to the IOPub thread over an inproc PUSH socket
guarded by a lock; the IOPub thread forwards them to the XPUB socket and answers each
new subscription with `iopub_welcome` (JEP 65), so clients know when they will see
output and no longer lose the first messages of a session.

Nothing is dropped: XPUB_NODROP makes a slow subscriber push back instead of losing
messages (ipykernel silently drops past its high-water mark, idle included). A slow
reader therefore slows the publisher down, through the bounded inproc queue, all the
way to user code that prints.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence

import zmq

from notewire.protocol import Buffer, ConnectionInfo, Header
from notewire.protocol.jsonutil import JSONDict

from .interrupts import GATE
from .ports import bind
from .session import Session

log = logging.getLogger(__name__)

# Messages, not bytes. Bounded so a stalled subscriber cannot exhaust memory; with
# NODROP it makes publishers wait instead.
IOPUB_HWM = 10_000
_COPY_THRESHOLD = 64 * 1024  # zero-copy sends pay off only for large frames


class Publisher:
    """Thread-safe publishing onto IOPub. `mute()` drops output for silent requests."""

    def __init__(
        self, context: zmq.Context[zmq.Socket[bytes]], endpoint: str, session: Session
    ) -> None:
        self._session = session
        self._push = context.socket(zmq.PUSH)
        self._push.setsockopt(zmq.SNDHWM, IOPUB_HWM)
        self._push.setsockopt(zmq.LINGER, 2000)
        self._push.connect(endpoint)
        self._lock = threading.Lock()
        self._topic_prefix = f"kernel.{session.id}.".encode()

    def publish(
        self,
        msg_type: str,
        content: JSONDict,
        parent: Header | None,
        *,
        metadata: JSONDict | None = None,
        buffers: Sequence[Buffer] = (),
    ) -> None:
        msg = self._session.message(msg_type, content, parent, metadata=metadata, buffers=buffers)
        topic = (
            b"stream." + content["name"].encode()
            if msg_type == "stream"
            else self._topic_prefix + msg_type.encode()
        )
        frames = self._session.frames(msg, [topic])
        large = any(len(f) > _COPY_THRESHOLD for f in buffers)
        with GATE.shielded(), self._lock:
            self._push.send_multipart(frames, copy=not large)

    def status(self, state: str, parent: Header | None) -> None:
        self.publish("status", {"execution_state": state}, parent)

    def close(self) -> None:
        with self._lock:
            self._push.close()


class IOPubThread(threading.Thread):
    """Owns the XPUB socket. Forwards published frames and welcomes subscribers."""

    def __init__(
        self, context: zmq.Context[zmq.Socket[bytes]], info: ConnectionInfo, session: Session
    ) -> None:
        super().__init__(name="notewire-iopub", daemon=True)
        self.inproc = f"inproc://notewire-iopub-{session.id}"
        self._session = session
        self._xpub = context.socket(zmq.XPUB)
        self._xpub.setsockopt(zmq.XPUB_VERBOSE, 1)  # every subscriber gets its own welcome
        self._xpub.setsockopt(zmq.XPUB_NODROP, 1)
        self._xpub.setsockopt(zmq.SNDHWM, IOPUB_HWM)
        self._xpub.setsockopt(zmq.LINGER, 2000)
        self.port = bind(self._xpub, info, "iopub")
        self._pull = context.socket(zmq.PULL)
        self._pull.setsockopt(zmq.RCVHWM, IOPUB_HWM)
        self._pull.bind(self.inproc)
        self._stop_r = context.socket(zmq.PAIR)
        self._stop_r.bind(self.inproc + "-stop")
        self._stop_w = context.socket(zmq.PAIR)
        self._stop_w.connect(self.inproc + "-stop")

    def run(self) -> None:
        poller = zmq.Poller()
        poller.register(self._pull, zmq.POLLIN)
        poller.register(self._xpub, zmq.POLLIN)
        poller.register(self._stop_r, zmq.POLLIN)
        try:
            while True:
                ready = dict(poller.poll())
                if self._xpub in ready:
                    self._on_subscription(self._xpub.recv())
                if self._pull in ready:
                    # Drain a batch so a burst is forwarded without a poll per message.
                    for _ in range(1000):
                        try:
                            frames = self._pull.recv_multipart(zmq.NOBLOCK, copy=False)
                        except zmq.Again:
                            break
                        self._xpub.send_multipart(frames, copy=False)
                if self._stop_r in ready:
                    self._drain()
                    return
        except zmq.ContextTerminated:
            return
        finally:
            for sock in (self._xpub, self._pull, self._stop_r):
                sock.close()

    def _drain(self) -> None:
        while True:
            try:
                frames = self._pull.recv_multipart(zmq.NOBLOCK, copy=False)
            except zmq.Again:
                return
            self._xpub.send_multipart(frames, copy=False)

    def _on_subscription(self, event: bytes) -> None:
        if not event or event[0] != 1:  # unsubscribe, or not a subscription event
            return
        topic = event[1:].decode("utf-8", "replace")
        msg = self._session.message("iopub_welcome", {"subscription": topic})
        self._xpub.send_multipart(self._session.frames(msg, [b"iopub_welcome"]))

    def stop(self) -> None:
        """Forward what is queued, then end the thread. Call after publishers stop."""
        self._stop_w.send(b"")
        self.join(timeout=5)
        self._stop_w.close()
