"""An asyncio client for one kernel's five channels.

Sockets: shell and control are DEALERs, iopub a SUB subscribed to everything, stdin a
DEALER with the *same* zmq identity as shell (the kernel routes input_request with the
shell request's identity), and heartbeat a REQ.

Incoming messages are verified (signature, replay), decoded once into `Incoming` with
typed content, and handed to *subscriptions*: bounded queues that select by channel and,
optionally, by parent msg_id. A request waits on a subscription to its own msg_id, so
replies and iopub output are matched by parent and concurrent requests never steal each
other's messages. A full queue makes the receive loop wait (back-pressure); a message is
never dropped for a slow reader. Only a message that no subscription selects is
discarded, because nobody asked for it; those are counted in `unclaimed`.

`run()` is the receive side and must run as a task for the client to see any message;
whoever owns the client owns that task (a TaskGroup), and `aclose()` ends it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

import zmq
import zmq.asyncio
from zmq.utils.monitor import parse_monitor_message

from notewire.protocol import (
    ConnectionInfo,
    Header,
    Message,
    ProtocolError,
    ReplayGuard,
    from_frames,
    make_message,
    new_id,
    to_frames,
)
from notewire.protocol.content import InputRequest, KernelInfoReply, Status, Stream

from .errors import KernelClosed, KernelError, KernelTimeout
from .routing import Incoming, MessageChannel, Subscription, decode_content

log = logging.getLogger(__name__)

_MESSAGE_CHANNELS: tuple[MessageChannel, ...] = ("shell", "control", "stdin", "iopub")
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


class KernelClient:
    """Sockets to one kernel, connected on construction (messages sent before the kernel
    binds wait in zmq). Receives only while `run()` runs. Not thread-safe."""

    def __init__(
        self,
        info: ConnectionInfo,
        *,
        context: zmq.asyncio.Context,
        config: ClientConfig = ClientConfig(),
        session: str | None = None,
    ) -> None:
        self.info = info
        self.config = config
        self.session = session or new_id()
        self.unclaimed = 0
        self._signer = info.signer()
        self._replay = ReplayGuard()
        self._by_parent: dict[str, list[Subscription]] = {}
        self._wildcards: list[Subscription] = []
        self._hb_lock = asyncio.Lock()
        self._context = context
        # The kernel's stdin ROUTER silently drops an input_request addressed to an
        # identity it has not seen yet, so readiness must include our stdin handshake
        # (a kernel_info reply proves only shell). Counted, so that a wait can ask for
        # a handshake with a restarted kernel rather than the one before.
        self.stdin_handshakes = 0
        self._stdin_changed = asyncio.Condition()
        self._run_task: asyncio.Task[None] | None = None
        self._closed = False
        identity = new_id().encode("ascii")
        self._sockets: dict[str, zmq.asyncio.Socket] = {}
        for channel, kind in (
            ("shell", zmq.DEALER),
            ("control", zmq.DEALER),
            ("stdin", zmq.DEALER),
            ("iopub", zmq.SUB),
            ("hb", zmq.REQ),
        ):
            sock = context.socket(kind)
            sock.setsockopt(zmq.LINGER, 0)
            if channel in ("shell", "stdin"):
                sock.setsockopt(zmq.IDENTITY, identity)  # spec: stdin shares shell's identity
            if channel == "iopub":
                sock.setsockopt(zmq.RCVHWM, config.iopub_hwm)
                sock.setsockopt(zmq.SUBSCRIBE, b"")
            if channel == "stdin":
                self._stdin_monitor = sock.get_monitor_socket(zmq.EVENT_HANDSHAKE_SUCCEEDED)
            sock.connect(info.endpoint(channel))  # type: ignore[arg-type]
            self._sockets[channel] = sock

    # --- lifetime ------------------------------------------------------------------

    async def run(self) -> None:
        """Receive on all channels until cancelled (by `aclose`). Closes the sockets
        when it ends."""
        if self._run_task is not None or self._closed:
            raise RuntimeError("KernelClient.run() can only run once")
        self._run_task = asyncio.current_task()
        try:
            async with asyncio.TaskGroup() as tg:
                for channel in _MESSAGE_CHANNELS:
                    tg.create_task(self._receive(channel), name=f"kernel-client-{channel}")
                tg.create_task(self._watch_stdin(), name="kernel-client-stdin-monitor")
        finally:
            self._close()

    async def aclose(self) -> None:
        """Stop receiving, close the sockets, and fail every open subscription."""
        task, self._run_task = self._run_task, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            await asyncio.wait([task])
        self._close()

    def _close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._sockets["stdin"].disable_monitor()
        self._stdin_monitor.close(linger=0)
        for sock in self._sockets.values():
            sock.close(linger=0)
        for sub in [*self._wildcards, *(s for subs in self._by_parent.values() for s in subs)]:
            sub.fail(KernelClosed("client closed"))

    @property
    def closed(self) -> bool:
        return self._closed

    # --- receiving -------------------------------------------------------------------

    async def _receive(self, channel: MessageChannel) -> None:
        sock = self._sockets[channel]
        while True:
            frames = await sock.recv_multipart()
            try:
                _, msg = from_frames(frames, self._signer, self._replay)
            except ProtocolError as exc:  # spec: a message that fails checks is dropped
                log.warning("dropping a message on %s: %s", channel, exc)
                continue
            await self._route(Incoming(channel, msg, decode_content(msg)))

    async def _watch_stdin(self) -> None:
        while True:
            event = parse_monitor_message(await self._stdin_monitor.recv_multipart())
            if event["event"] == zmq.EVENT_HANDSHAKE_SUCCEEDED:
                async with self._stdin_changed:
                    self.stdin_handshakes += 1
                    self._stdin_changed.notify_all()

    async def wait_stdin_handshake(self, after: int = 0) -> None:
        """Wait until the stdin socket has completed more than `after` handshakes:
        from then on the kernel can address input_request to us."""
        async with self._stdin_changed:
            await self._stdin_changed.wait_for(lambda: self.stdin_handshakes > after)

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

    def _unsubscribe(self, sub: Subscription) -> None:
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

    # --- sending -------------------------------------------------------------------

    async def send(self, channel: MessageChannel, msg: Message) -> None:
        """Sign and send `msg` on shell, control or stdin."""
        if self._closed:
            raise KernelClosed("client closed")
        if channel == "iopub":
            raise ValueError("iopub is receive-only")
        await self._sockets[channel].send_multipart(to_frames(msg, self._signer))

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

    def _reset_heartbeat(self) -> None:
        self._sockets["hb"].close(linger=0)
        sock = self._context.socket(zmq.REQ)
        sock.setsockopt(zmq.LINGER, 0)
        sock.connect(self.info.endpoint("hb"))
        self._sockets["hb"] = sock

    async def ping(self) -> float:
        """One heartbeat round trip; returns its duration in seconds. Raises
        KernelTimeout when the echo does not come within `config.heartbeat_timeout`."""
        limit = self.config.heartbeat_timeout
        async with self._hb_lock:
            if self._closed:
                raise KernelClosed("client closed")
            sock = self._sockets["hb"]
            payload = b"ping-" + new_id().encode("ascii")
            start = time.perf_counter()
            try:
                async with asyncio.timeout(limit):
                    await sock.send(payload)
                    echo = await sock.recv()
            except BaseException as exc:  # timed out, or the caller gave up
                # A REQ socket that sent without receiving cannot send again, and the
                # late echo must not answer the next ping: start over with a new one.
                # (REQ_RELAXED + REQ_CORRELATE would do this, but pyzmq's asyncio recv
                # then raises zmq.Again when libzmq discards the late echo.)
                self._reset_heartbeat()
                if isinstance(exc, TimeoutError):
                    raise KernelTimeout(f"no heartbeat within {limit}s") from None
                raise
            if echo != payload:
                raise KernelError(f"heartbeat echoed {echo[:40]!r}, expected {payload!r}")
            return time.perf_counter() - start


@asynccontextmanager
async def open_client(
    info: ConnectionInfo,
    *,
    context: zmq.asyncio.Context | None = None,
    config: ClientConfig = ClientConfig(),
) -> AsyncIterator[KernelClient]:
    """A running client for the kernel at `info`, closed on exit. For kernels this
    server did not start; a `KernelHandle` has its own client."""
    ctx = context or zmq.asyncio.Context()
    try:
        async with asyncio.TaskGroup() as tg:
            client = KernelClient(info, context=ctx, config=config)
            tg.create_task(client.run(), name="kernel-client")
            try:
                yield client
            finally:
                await client.aclose()
    finally:
        if context is None:
            ctx.destroy(linger=0)
