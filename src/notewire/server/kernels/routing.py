"""Incoming kernel messages and the subscriptions that deliver them.

A message is decoded once, where it enters the server, into an `Incoming` with typed
content. A `Subscription` is a bounded queue that selects messages by channel and,
optionally, by parent msg_id; a full queue holds the sender back instead of dropping.
A `Listener` selects by channel and takes each message in a callback, on the receive
loop itself: no queue and no task switch per message, and the loop reads the next
message only once the callback has returned.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from notewire.protocol import (
    Content,
    MalformedMessage,
    Message,
    UnknownMessageType,
    decode,
    from_dict,
)
from notewire.protocol.content import ErrorReply

from .errors import KernelClosed

log = logging.getLogger(__name__)

MessageChannel = Literal["shell", "control", "iopub", "stdin"]


@dataclass(frozen=True, slots=True)
class Incoming:
    """A message received from the kernel. `content` is the typed content, or None for
    message types notewire.protocol does not model and for content that failed
    validation (logged); `msg.content` always holds the raw dict."""

    channel: MessageChannel
    msg: Message
    content: Content | None

    @property
    def msg_type(self) -> str:
        return self.msg.msg_type

    @property
    def parent_id(self) -> str | None:
        return self.msg.parent_id


def decode_content(msg: Message) -> Content | None:
    """Typed content for `msg`; None when its type is unknown or its content invalid.

    Replies with `status: error` decode as ErrorReply when their own type does not fit
    (a kernel_info_reply error has no protocol_version). ipykernel's `status: aborted`
    replies carry no other field, so they stay untyped.
    """
    try:
        return decode(msg)
    except UnknownMessageType:
        return None
    except MalformedMessage as exc:
        status = msg.content.get("status")
        if status == "error" and msg.msg_type.endswith("_reply"):
            with contextlib.suppress(MalformedMessage):
                return from_dict(ErrorReply, msg.content, msg.msg_type)
        if status != "aborted":
            log.warning("kernel sent invalid %s content: %s", msg.msg_type, exc)
        return None


class Subscription:
    """A bounded queue of incoming messages selected by channel and parent msg_id.

    Iterate it or call `get()`; use it as a context manager (or call `close()`) so the
    client stops delivering to it. After `fail(exc)`, messages already queued are still
    returned, then `exc` is raised.
    """

    _FAILED: Any = object()

    def __init__(
        self,
        channels: frozenset[MessageChannel],
        parent: str | None,
        maxsize: int,
        unsubscribe: Callable[[Subscription], None],
    ) -> None:
        self.channels = channels
        self.parent = parent
        self._unsubscribe = unsubscribe
        self._queue: asyncio.Queue[Any] = asyncio.Queue(maxsize)
        self._failure: BaseException | None = None
        self.closed = False

    async def deliver(self, incoming: Incoming) -> None:
        """Queue `incoming`, waiting while the queue is full. Dropped once closed."""
        if not self.closed and self._failure is None:
            await self._queue.put(incoming)

    def fail(self, exc: BaseException) -> None:
        """End the subscription with `exc`, raised by `get` once the queue is empty."""
        if self._failure is None:
            self._failure = exc
            if self._queue.empty():
                self._queue.put_nowait(self._FAILED)  # wake a reader blocked in get()

    async def get(self) -> Incoming:
        """The next message. Raises the failure given to `fail`, or KernelClosed."""
        if self._queue.empty() and self._failure is not None:
            raise self._failure
        if self.closed and self._queue.empty():
            raise KernelClosed("subscription closed")
        item = await self._queue.get()
        if item is self._FAILED:
            assert self._failure is not None
            raise self._failure
        return item  # type: ignore[no-any-return]

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> Incoming:
        try:
            return await self.get()
        except KernelClosed:
            raise StopAsyncIteration from None

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self._unsubscribe(self)
        # Release a receive loop blocked on our full queue; nobody will read it now.
        while not self._queue.empty():
            self._queue.get_nowait()

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Listener:
    """Calls `callback` with every message on `channels`, in arrival order, from the
    receive loop: the callback must not block, and reading waits while it runs (that
    is its back-pressure). A callback that raises is logged; later messages still
    come. Use it as a context manager (or call `close()`) to stop the calls."""

    parent: str | None = None  # listeners take messages whatever their parent

    def __init__(
        self,
        channels: frozenset[MessageChannel],
        callback: Callable[[Incoming], None],
        unsubscribe: Callable[[Listener], None],
    ) -> None:
        self.channels = channels
        self._callback = callback
        self._unsubscribe = unsubscribe
        self.closed = False

    async def deliver(self, incoming: Incoming) -> None:
        if self.closed:
            return
        try:
            self._callback(incoming)
        except Exception:  # one bad message must not stop the receive loop
            log.exception("handling %s from the kernel failed", incoming.msg_type)

    def fail(self, exc: BaseException) -> None:
        """The client closed: nothing more will come."""
        self.closed = True

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._unsubscribe(self)

    def __enter__(self) -> Listener:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
