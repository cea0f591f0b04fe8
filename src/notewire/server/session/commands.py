"""What a browser may ask of a notebook session, by command type
(docs/notebook-protocol.md, section 2): each command's frame is checked here and
handed to the session. A failure is answered to that browser alone."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from notewire.protocol.frames import JsonFrame

from ..kernels import KernelError
from .comm_relay import CommError
from .peers import Peer
from .storage import Conflict

if TYPE_CHECKING:
    from .session import NotebookSession


class CommandError(Exception):
    """A browser's command that cannot be done; the message goes back to it."""


Command = Callable[["NotebookSession", Peer, JsonFrame], Awaitable[None]]

# What a command may fail with and the browser be told; anything else is a bug.
_TOLD = (CommandError, CommError, KernelError, Conflict, OSError, ValueError)


async def carry_out(session: NotebookSession, peer: Peer, frame: JsonFrame) -> None:
    command = COMMANDS.get(frame.type)
    req = frame.body.get("req")
    try:
        if command is None:
            raise CommandError(f"unknown message type {frame.type!r}")
        await command(session, peer, frame)
    except _TOLD as exc:
        body: dict[str, Any] = {"type": "error", "message": str(exc), "about": frame.type}
        if req is not None:
            body["req"] = req
        peer.send_json(body)


async def _run(session: NotebookSession, peer: Peer, frame: JsonFrame) -> None:
    cells = frame.body.get("cells")
    if not isinstance(cells, list) or not all(isinstance(c, str) for c in cells):
        raise CommandError("run needs 'cells': a list of cell ids")
    session.queue.add(cells)


async def _interrupt(session: NotebookSession, peer: Peer, frame: JsonFrame) -> None:
    await session.interrupt()


async def _restart(session: NotebookSession, peer: Peer, frame: JsonFrame) -> None:
    await session.restart(run_all=bool(frame.body.get("run_all")))


async def _clear_queue(session: NotebookSession, peer: Peer, frame: JsonFrame) -> None:
    session.queue.clear()


async def _change_kernel(session: NotebookSession, peer: Peer, frame: JsonFrame) -> None:
    name = frame.body.get("name")
    if not isinstance(name, str):
        raise CommandError("change_kernel needs 'name'")
    await session.change_kernel(name)


async def _kernel_request(session: NotebookSession, peer: Peer, frame: JsonFrame) -> None:
    """complete and inspect: asked of the kernel, answered to this browser alone."""
    body = frame.body
    code, cursor = body.get("code"), body.get("cursor_pos")
    if not isinstance(code, str) or not isinstance(cursor, int):
        raise CommandError(f"{frame.type} needs 'code' and 'cursor_pos'")
    content: dict[str, Any] = {"code": code, "cursor_pos": cursor}
    if frame.type == "inspect":
        content["detail_level"] = 1 if body.get("detail_level") == 1 else 0
    handle = await session.kernel.wait_ready()
    reply = await handle.client.request(f"{frame.type}_request", content)
    peer.send_json(
        {"type": f"{frame.type}_reply", "req": body.get("req"), "content": reply.msg.content}
    )


async def _input_reply(session: NotebookSession, peer: Peer, frame: JsonFrame) -> None:
    await session.prompts.answer(session.kernel, frame.body.get("request"), frame.body.get("value"))


async def _comm(session: NotebookSession, peer: Peer, frame: JsonFrame) -> None:
    content = frame.body.get("content")
    metadata = frame.body.get("metadata") or {}
    if not isinstance(content, dict):
        raise CommandError(f"{frame.type} needs 'content' with a 'comm_id'")
    if not isinstance(metadata, dict):
        raise CommandError("'metadata' must be an object")
    await session.kernel.wait_ready()  # nothing is taken in for a kernel that is not there
    content, msg_id = session.comms.from_browser(
        peer, frame.type, content, metadata, tuple(frame.buffers), frame.body.get("msg_id")
    )
    await session.send_to_kernel(frame.type, content, metadata, msg_id, frame.buffers)


async def _save(session: NotebookSession, peer: Peer, frame: JsonFrame) -> None:
    await session.save(checkpoint=bool(frame.body.get("checkpoint")))


async def _resolve_conflict(session: NotebookSession, peer: Peer, frame: JsonFrame) -> None:
    choice = frame.body.get("choice")
    if choice == "overwrite":
        await session.save(force=True)
    elif choice == "reload":
        await session.reload()
    else:
        raise CommandError("resolve_conflict needs 'choice': 'overwrite' or 'reload'")


async def _restore_checkpoint(session: NotebookSession, peer: Peer, frame: JsonFrame) -> None:
    await session.restore_checkpoint()


async def _trust(session: NotebookSession, peer: Peer, frame: JsonFrame) -> None:
    await session.trust()


COMMANDS: Mapping[str, Command] = {
    "run": _run,
    "interrupt": _interrupt,
    "restart": _restart,
    "clear_queue": _clear_queue,
    "change_kernel": _change_kernel,
    "complete": _kernel_request,
    "inspect": _kernel_request,
    "input_reply": _input_reply,
    "comm_open": _comm,
    "comm_msg": _comm,
    "comm_close": _comm,
    "save": _save,
    "resolve_conflict": _resolve_conflict,
    "restore_checkpoint": _restore_checkpoint,
    "trust": _trust,
}
