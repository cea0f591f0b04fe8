"""What a kernel client does whatever carries its messages: subscriptions, requests
matched to their replies, execute.

Incoming messages, decoded once into `Incoming` with typed content, are handed to
*subscriptions*: bounded queues that select by channel and, optionally, by parent
msg_id. A request waits on a subscription to its own msg_id, so replies and iopub
output are matched by parent and concurrent requests never steal each other's
messages. A full queue makes the receive loop wait (back-pressure); a message is never
dropped for a slow reader. A *listener* takes every message on its channels in a
callback run by the receive loop (a notebook's iopub reader: no task switch per
message). Only a message that no subscription selects is discarded,
because nobody asked for it; those are counted in `unclaimed`.

A transport subclasses `KernelChannels`, implements `send`, and calls `_route` for
every message it receives: `client.KernelClient` over ZeroMQ, `gateway.channels`
over a gateway's kernel WebSocket.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from notewire.protocol import Header, Message, make_message, new_id
from notewire.protocol.content import InputRequest, KernelInfoReply, Status, Stream

from .errors import KernelClosed, KernelError, KernelTimeout
from .routing import Incoming, Listener, MessageChannel, Subscription

log = logging.getLogger(__name__)

InputHandler = Callable[[InputRequest], Awaitable[str]]
_OUTPUT_TYPES = frozenset(
    ("stream", "display_data", "update_display_data", "execute_result", "error", "clear_output")
)


@dataclass(frozen=True, slots=True)
class ClientConfig:
    """Limits for one client. Timeouts are seconds; None means no limit."""

    request_timeout: float | None = 60.0  # for request(); execute() has no limit
    heartbeat_timeout: float = 1.0  # jupyter_client's time_to_dead
    queue_size: int = 1000  # messages buffered per subscription before back-pressure
    # libzmq drops iopub messages once 1000 wait in the SUB socket, the final idle among
    # them (kernel-protocol.md 3.1). A deep buffer here keeps bursts while our own
    # subscriptions apply back-pressure above it.
    iopub_hwm: int = 100_000


@dataclass(frozen=True, slots=True)
class ExecutionResult:
    """What one execute_request produced: its reply and everything published on iopub
    for it, from busy to idle, in arrival order."""

    request: Message
    reply: Incoming
    iopub: tuple[Incoming, ...] = field(default=())

    @property
    def status(self) -> str:
        """ok, error, or aborted (a request skipped after an earlier error)."""
        return str(self.reply.msg.content.get("status", "ok"))

    @property
    def execution_count(self) -> int | None:
        count = self.reply.msg.content.get("execution_count")
        return count if isinstance(count, int) else None

    @property
    def outputs(self) -> tuple[Incoming, ...]:
        """The iopub messages that belong in an output area."""
        return tuple(m for m in self.iopub if m.msg_type in _OUTPUT_TYPES)

    def stream_text(self, name: Literal["stdout", "stderr"] = "stdout") -> str:
        parts = [m.content for m in self.iopub if isinstance(m.content, Stream)]
        return "".join(p.text for p in parts if p.name == name)


class KernelChannels:
    """The transport-independent half of a kernel client. Not thread-safe."""

    def __init__(self, *, config: ClientConfig = ClientConfig(), session: str | None = None):
        self.config = config
        self.session = session or new_id()
        self.unclaimed = 0
        self._by_parent: dict[str, list[Subscription]] = {}
        self._wildcards: list[Subscription | Listener] = []
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    async def send(self, channel: MessageChannel, msg: Message) -> None:
        """Send `msg` on shell, control or stdin. Raises KernelClosed after close."""
        raise NotImplementedError

    # --- receiving -------------------------------------------------------------------

    async def _route(self, incoming: Incoming) -> None:
        targets = [s for s in self._wildcards if incoming.channel in s.channels]
        parent = incoming.parent_id
        if parent is not None:
            targets += [
                s for s in self._by_parent.get(parent, ()) if incoming.channel in s.channels
            ]
        if not targets:
            self.unclaimed += 1
            level = logging.WARNING if incoming.msg_type == "input_request" else logging.DEBUG
            log.log(level, "no subscriber for %s on %s", incoming.msg_type, incoming.channel)
            return
        for sub in targets:
            await sub.deliver(incoming)

    def subscribe(
        self,
        channels: Iterable[MessageChannel] = ("iopub",),
        *,
        parent: str | None = None,
        maxsize: int | None = None,
    ) -> Subscription:
        """A new subscription to messages on `channels`; with `parent`, only to those
        whose parent_header.msg_id is `parent`. Subscribe before sending the request."""
        if self._closed:
            raise KernelClosed("client closed")
        sub = Subscription(
            frozenset(channels), parent, maxsize or self.config.queue_size, self._unsubscribe
        )
        if parent is None:
            self._wildcards.append(sub)
        else:
            self._by_parent.setdefault(parent, []).append(sub)
        return sub

    def listen(
        self, callback: Callable[[Incoming], None], channels: Iterable[MessageChannel] = ("iopub",)
    ) -> Listener:
        """Call `callback` with every message on `channels` from now on, from the
        receive loop (routing.Listener), until the listener is closed."""
        if self._closed:
            raise KernelClosed("client closed")
        listener = Listener(frozenset(channels), callback, self._unsubscribe)
        self._wildcards.append(listener)
        return listener

    def _unsubscribe(self, sub: Subscription | Listener) -> None:
        if sub.parent is None:
            with contextlib.suppress(ValueError):
                self._wildcards.remove(sub)
            return
        subs = self._by_parent.get(sub.parent, [])
        with contextlib.suppress(ValueError):
            subs.remove(sub)
        if not subs:
            self._by_parent.pop(sub.parent, None)

    def fail_pending(self, exc: KernelError) -> None:
        """Fail every subscription tied to a request (those with a parent), so waiting
        requests raise `exc`: the kernel died or restarted and will not answer them.
        Wildcard subscriptions stay open."""
        for subs in list(self._by_parent.values()):
            for sub in subs:
                sub.fail(exc)

    def _fail_all(self) -> None:
        """Mark the client closed and end every subscription with KernelClosed."""
        self._closed = True
        for sub in [*self._wildcards, *(s for subs in self._by_parent.values() for s in subs)]:
            sub.fail(KernelClosed("client closed"))

    # --- requests ------------------------------------------------------------------

    def new_message(
        self, msg_type: str, content: dict[str, Any] | None = None, *, parent: Header | None = None
    ) -> Message:
        return make_message(msg_type, content or {}, session=self.session, parent=parent)

    async def request(
        self,
        msg_type: str,
        content: dict[str, Any] | None = None,
        *,
        channel: Literal["shell", "control"] = "shell",
    ) -> Incoming:
        """Send a request and return its reply, matched by parent msg_id.

        Raises KernelTimeout after `config.request_timeout` (wrap the call in
        asyncio.timeout for a shorter limit), or KernelDied / KernelClosed if the kernel
        goes away first.
        """
        msg = self.new_message(msg_type, content)
        limit = self.config.request_timeout
        with self.subscribe((channel,), parent=msg.msg_id, maxsize=1) as sub:
            await self.send(channel, msg)
            try:
                async with asyncio.timeout(limit):
                    return await sub.get()
            except TimeoutError:
                raise KernelTimeout(f"no {msg_type} reply on {channel} within {limit}s") from None

    async def kernel_info(self) -> KernelInfoReply:
        reply = await self.request("kernel_info_request")
        if not isinstance(reply.content, KernelInfoReply):
            raise KernelError(f"kernel_info failed: {reply.msg.content!r:.200}")
        return reply.content

    async def input_reply(self, value: str, parent: Header) -> None:
        """Answer an input_request; `parent` is the input_request's header."""
        await self.send("stdin", self.new_message("input_reply", {"value": value}, parent=parent))

    async def execute(
        self,
        code: str,
        *,
        silent: bool = False,
        store_history: bool = True,
        user_expressions: dict[str, str] | None = None,
        stop_on_error: bool = True,
        on_input: InputHandler | None = None,
        on_output: Callable[[Incoming], None] | None = None,
    ) -> ExecutionResult:
        """Run `code` and wait for BOTH its execute_reply and its idle status.

        They travel on different sockets, so either may come first. Stdin is allowed
        only when `on_input` is given; it is awaited for each input_request and its
        result sent as the input_reply. `on_output` sees each iopub message as it comes.
        There is no time limit (code may run for days): wrap the call in asyncio.timeout.
        Raises KernelDied if the kernel dies first.
        """
        content = {
            "code": code,
            "silent": silent,
            "store_history": store_history,
            "user_expressions": user_expressions or {},
            "allow_stdin": on_input is not None,
            "stop_on_error": stop_on_error,
        }
        msg = self.new_message("execute_request", content)
        reply: Incoming | None = None
        idle = False
        iopub: list[Incoming] = []
        with self.subscribe(("shell", "iopub", "stdin"), parent=msg.msg_id) as sub:
            await self.send("shell", msg)
            while reply is None or not idle:
                incoming = await sub.get()
                if incoming.channel == "shell":
                    reply = incoming
                elif incoming.channel == "stdin":
                    if isinstance(incoming.content, InputRequest) and on_input is not None:
                        value = await on_input(incoming.content)
                        await self.input_reply(value, incoming.msg.header)
                else:
                    iopub.append(incoming)
                    if on_output is not None:
                        on_output(incoming)
                    status = incoming.content
                    if isinstance(status, Status) and status.execution_state == "idle":
                        idle = True
        return ExecutionResult(request=msg, reply=reply, iopub=tuple(iopub))
