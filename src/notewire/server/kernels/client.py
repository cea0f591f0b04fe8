"""An asyncio client for one kernel's five channels.

Sockets: shell and control are DEALERs, iopub a SUB subscribed to everything, stdin a
DEALER with the *same* zmq identity as shell (the kernel routes input_request with the
shell request's identity), and heartbeat a REQ.

Incoming messages are verified (signature, replay), decoded once into `Incoming` with
typed content, and handed to subscriptions (channels.py: requests, execute, routing).

`run()` is the receive side and must run as a task for the client to see any message;
whoever owns the client owns that task (a TaskGroup), and `aclose()` ends it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import zmq
import zmq.asyncio
from zmq.utils.monitor import parse_monitor_message

from notewire.protocol import (
    ConnectionInfo,
    Message,
    ProtocolError,
    ReplayGuard,
    from_frames,
    new_id,
    to_frames,
)

from .channels import ClientConfig, ExecutionResult, InputHandler, KernelChannels
from .errors import KernelClosed, KernelError, KernelTimeout
from .routing import Incoming, MessageChannel, decode_content
from .zmq_io import LoopSocket

__all__ = [
    "ClientConfig",
    "ExecutionResult",
    "InputHandler",
    "KernelClient",
    "open_client",
]

log = logging.getLogger(__name__)

DEFAULT_CONFIG = ClientConfig()
_MESSAGE_CHANNELS: tuple[MessageChannel, ...] = ("shell", "control", "stdin", "iopub")


class KernelClient(KernelChannels):
    """Sockets to one kernel, connected on construction (messages sent before the kernel
    binds wait in zmq). Receives only while `run()` runs. Not thread-safe."""

    def __init__(
        self,
        info: ConnectionInfo,
        *,
        context: zmq.asyncio.Context,
        config: ClientConfig = DEFAULT_CONFIG,
        session: str | None = None,
    ) -> None:
        super().__init__(config=config, session=session)
        self.info = info
        self._signer = info.signer()
        self._replay = ReplayGuard()
        self._hb_lock = asyncio.Lock()
        self._context = context
        # The kernel's stdin ROUTER silently drops an input_request addressed to an
        # identity it has not seen yet, so readiness must include our stdin handshake
        # (a kernel_info reply proves only shell). Counted, so that a wait can ask for
        # a handshake with a restarted kernel rather than the one before.
        self.stdin_handshakes = 0
        self._stdin_changed = asyncio.Condition()
        self._run_task: asyncio.Task[None] | None = None
        identity = new_id().encode("ascii")
        loop = asyncio.get_running_loop()
        # The message sockets are plain ones on the loop (zmq_io.py); the heartbeat's
        # REQ keeps pyzmq's asyncio socket, which its timeouts rely on.
        self._sockets: dict[str, LoopSocket] = {}
        for channel, kind in (
            ("shell", zmq.DEALER),
            ("control", zmq.DEALER),
            ("stdin", zmq.DEALER),
            ("iopub", zmq.SUB),
        ):
            sock: zmq.Socket[bytes] = zmq.Socket(context, kind)
            sock.setsockopt(zmq.LINGER, 0)
            if channel in ("shell", "stdin"):
                sock.setsockopt(zmq.IDENTITY, identity)  # spec: stdin shares shell's identity
            if channel == "iopub":
                sock.setsockopt(zmq.RCVHWM, config.iopub_hwm)
                sock.setsockopt(zmq.SUBSCRIBE, b"")
            if channel == "stdin":
                # An asyncio socket: the monitor is made in the (asyncio) context.
                self._stdin_monitor = sock.get_monitor_socket(zmq.EVENT_HANDSHAKE_SUCCEEDED)
            sock.connect(info.endpoint(channel))  # type: ignore[arg-type]
            self._sockets[channel] = LoopSocket(sock, loop)
        self._hb = self._new_heartbeat()

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
        self._sockets["stdin"].sock.disable_monitor()
        self._stdin_monitor.close(linger=0)
        for sock in self._sockets.values():
            sock.close()
        self._hb.close(linger=0)
        self._fail_all()

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

    # --- sending -------------------------------------------------------------------

    async def send(self, channel: MessageChannel, msg: Message) -> None:
        """Sign and send `msg` on shell, control or stdin."""
        if self._closed:
            raise KernelClosed("client closed")
        if channel == "iopub":
            raise ValueError("iopub is receive-only")
        await self._sockets[channel].send_multipart(to_frames(msg, self._signer))

    def _new_heartbeat(self) -> zmq.asyncio.Socket:
        sock = self._context.socket(zmq.REQ)
        sock.setsockopt(zmq.LINGER, 0)
        sock.connect(self.info.endpoint("hb"))
        return sock

    def _reset_heartbeat(self) -> None:
        self._hb.close(linger=0)
        self._hb = self._new_heartbeat()

    async def ping(self) -> float:
        """One heartbeat round trip; returns its duration in seconds. Raises
        KernelTimeout when the echo does not come within `config.heartbeat_timeout`."""
        limit = self.config.heartbeat_timeout
        async with self._hb_lock:
            if self._closed:
                raise KernelClosed("client closed")
            sock = self._hb
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
    config: ClientConfig = DEFAULT_CONFIG,
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
