"""Dispatch tables and the envelope every request goes through.

The envelope: publish `busy` before anything else for the request, run the handler,
flush output, send the reply to the requester's identities, publish `idle`. A handler
that raises gets an error reply; nothing a client sends can end the loop.
"""

from __future__ import annotations

import inspect
import logging
import traceback
from collections.abc import Awaitable, Callable, Mapping, Sequence

from notewire.protocol import (
    Buffer,
    InvalidSignature,
    Message,
    ProtocolError,
    ReplayGuard,
    UnknownMessageType,
    decode,
    reply_type,
)
from notewire.protocol import content as c

from . import handlers as h
from .context import Kernel, Request

log = logging.getLogger(__name__)

Handler = Callable[[Kernel, Request], "c.Content | None | Awaitable[c.Content | None]"]

SHELL: Mapping[str, Handler] = {
    "execute_request": h.execute,
    "kernel_info_request": h.kernel_info,
    "complete_request": h.complete,
    "inspect_request": h.inspect,
    "is_complete_request": h.is_complete,
    "history_request": h.history,
    "comm_info_request": h.comm_info,
    "comm_open": h.comm_open,
    "comm_msg": h.comm_msg,
    "comm_close": h.comm_close,
}

# Served on the control thread while user code runs: nothing here may touch the shell.
CONTROL: Mapping[str, Handler] = {
    "kernel_info_request": h.kernel_info,
    "shutdown_request": h.shutdown,
    "interrupt_request": h.interrupt,
}

Send = Callable[[Message, Sequence[bytes]], None]


def parse(
    k: Kernel, frames: Sequence[Buffer], replay: ReplayGuard, channel: str
) -> tuple[list[bytes], Message] | None:
    """Verify and decode frames; a bad message is logged and dropped (no reply: a
    forged message must not learn anything)."""
    try:
        return k.session.parse(frames, replay)
    except InvalidSignature as exc:
        log.warning("dropped a message with an invalid signature on %s: %s", channel, exc)
    except ProtocolError as exc:
        log.warning("dropped a malformed message on %s: %s", channel, exc)
    return None


def _error_reply(msg: Message, exc: BaseException) -> c.ErrorReply | None:
    if not msg.msg_type.endswith("_request"):
        return None
    return c.ErrorReply(
        msg_type=reply_type(msg.msg_type),
        ename=type(exc).__name__,
        evalue=str(exc),
        traceback=traceback.format_exception(exc),
    )


def _prepare(
    table: Mapping[str, Handler], idents: list[bytes], msg: Message
) -> tuple[Handler | None, Request | c.ErrorReply | None]:
    """Decode the content; unknown types and bad content become error replies."""
    handler = table.get(msg.msg_type)
    try:
        if handler is None:
            raise UnknownMessageType(msg.msg_type)
        return handler, Request(idents, msg, decode(msg))
    except ProtocolError as exc:
        log.warning("cannot handle %s: %s", msg.msg_type, exc)
        return None, _error_reply(msg, exc)


BeforeReply = Callable[[Message, "c.Content | None"], Awaitable[None]]


def _start(
    table: Mapping[str, Handler], k: Kernel, idents: list[bytes], msg: Message
) -> c.Content | None | Awaitable[c.Content | None]:
    """Decode and call the handler; a failure becomes the error reply."""
    handler, request = _prepare(table, idents, msg)
    if handler is None or not isinstance(request, Request):
        return request
    try:
        return handler(k, request)
    except (Exception, KeyboardInterrupt) as exc:
        log.exception("handler for %s failed", msg.msg_type)
        return _error_reply(msg, exc)


def _finish(
    k: Kernel,
    idents: list[bytes],
    msg: Message,
    reply: c.Content | None,
    send: Send,
    *,
    wait: bool = True,
) -> None:
    if reply is not None:
        send(reply_message(k, msg, reply), idents)
    k.publisher.status("idle", msg.header, wait=wait)


async def dispatch_shell(
    k: Kernel,
    idents: list[bytes],
    msg: Message,
    send: Send,
    before_reply: BeforeReply | None = None,
) -> c.Content | None:
    """Run one shell request inside the envelope; returns the reply content sent.

    `before_reply` runs after the handler and before the reply leaves, when nothing the
    client sends in answer to the reply can have arrived yet."""
    k.publisher.status("busy", msg.header)
    k.parent = msg
    k.outputs.begin(msg.header)
    started = _start(SHELL, k, idents, msg)
    reply: c.Content | None
    if inspect.isawaitable(started):
        try:
            reply = await started
        except (Exception, KeyboardInterrupt) as exc:
            log.exception("handler for %s failed", msg.msg_type)
            reply = _error_reply(msg, exc)
    else:
        reply = started
    k.outputs.begin(msg.header)  # end a silent request's mute; flushes what was printed
    if before_reply is not None:
        await before_reply(msg, reply)
    _finish(k, idents, msg, reply, send)
    if k.history is not None:
        k.history.request_done()
    return reply


def dispatch_control(k: Kernel, idents: list[bytes], msg: Message, send: Send) -> c.Content | None:
    """The control-thread envelope: busy/idle and the reply, without touching output
    routing, which belongs to the main thread."""
    # Control must answer even while a stalled IOPub subscriber holds back output:
    # its status is dropped rather than waited for.
    k.publisher.status("busy", msg.header, wait=False)
    k.control_parent = msg
    reply = _start(CONTROL, k, idents, msg)
    assert not inspect.isawaitable(reply), "control handlers are synchronous"
    _finish(k, idents, msg, reply, send, wait=False)
    return reply


def reply_message(k: Kernel, request: Message, reply: c.Content) -> Message:
    msg_type = reply.msg_type if isinstance(reply, c.ErrorReply) else type(reply).msg_type
    return k.session.message(msg_type, reply.to_dict(), request.header)


def abort_reply(k: Kernel, msg: Message) -> Message:
    """The reply to an execute_request skipped because an earlier one failed."""
    reply = c.ErrorReply(
        msg_type="execute_reply",
        ename="ExecutionAborted",
        evalue="not run: an earlier cell failed and stop_on_error was set",
        execution_count=k.shell.execution_count - 1,
    )
    return reply_message(k, msg, reply)
