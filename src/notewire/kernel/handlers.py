"""One function per request type. Each takes the kernel and a decoded request and
returns the reply content (or None for messages that get no reply). The dispatcher
owns the envelope: busy/idle, output routing, error replies and sending."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from IPython.core.completer import provisionalcompleter, rectify_completions
from IPython.utils.tokenutil import token_at_cursor

from notewire.protocol import content as c

from . import cursor_window
from .context import Kernel, Request
from .info import kernel_info_reply


def kernel_info(k: Kernel, req: Request) -> c.Content:
    return kernel_info_reply()


async def execute(k: Kernel, req: Request) -> c.Content:
    assert isinstance(req.content, c.ExecuteRequest)
    code = req.content.code
    silent = req.content.silent
    store_history = req.content.store_history and not silent
    # The frontend's cell id (JupyterLab's `cellId` metadata) reaches IPython's
    # ExecutionInfo, where libraries such as the notewire matplotlib backend use it.
    cell_id = req.msg.metadata.get("cellId")
    cell_id = cell_id if isinstance(cell_id, str) else None
    shell = k.shell
    k.outputs.begin(req.msg.header, muted=silent)
    # The count this cell shows; without history the counter does not move, so the
    # cell shares the previous count, as the reply will say.
    count = shell.execution_count if store_history else shell.execution_count - 1
    if not silent:
        k.outputs.emit("execute_input", {"code": code, "execution_count": count})
    shell.last_traceback = None

    with k.stdin.bound(req.idents, req.msg.header, req.content.allow_stdin):
        try:
            transformed: str | None = shell.transform_cell(code)
            preprocessing_error = None
        except Exception:
            transformed, preprocessing_error = None, sys.exc_info()
        if shell.should_run_async(
            code, transformed_cell=transformed, preprocessing_exc_tuple=preprocessing_error
        ):
            task = asyncio.ensure_future(
                shell.run_cell_async(
                    code,
                    store_history=store_history,
                    silent=silent,
                    transformed_cell=transformed,
                    preprocessing_exc_tuple=preprocessing_error,
                    cell_id=cell_id,
                )
            )
            with k.running_user_code("async"):
                k.cancel_async = task.cancel
                result = await task
        else:
            with k.running_user_code("sync"), shell.running_prepared(code, transformed):
                result = shell.run_cell(
                    code, store_history=store_history, silent=silent, cell_id=cell_id
                )

    payload = shell.payload_manager.read_payload()
    shell.payload_manager.clear_payload()
    count = shell.execution_count - 1
    error = result.error_before_exec or result.error_in_exec
    if error is not None:
        return c.ErrorReply(
            msg_type="execute_reply",
            ename=type(error).__name__,
            evalue=str(error),
            traceback=shell.last_traceback or [],
            execution_count=count,
        )
    expressions = shell.user_expressions(req.content.user_expressions) if not silent else {}
    return c.ExecuteReply(execution_count=count, user_expressions=expressions, payload=payload)


def complete(k: Kernel, req: Request) -> c.Content:
    assert isinstance(req.content, c.CompleteRequest)
    code = req.content.code
    cursor = len(code) if req.content.cursor_pos is None else req.content.cursor_pos
    window = cursor_window.around(code, cursor)
    with provisionalcompleter():
        found = list(
            rectify_completions(
                window.text, k.shell.Completer.completions(window.text, window.cursor)
            )
        )
    if not found:
        return c.CompleteReply(matches=[], cursor_start=cursor, cursor_end=cursor)
    shift = window.offset
    types = [
        {
            "start": m.start + shift,
            "end": m.end + shift,
            "text": m.text,
            "type": m.type,
            "signature": m.signature,
        }
        for m in found
    ]
    return c.CompleteReply(
        matches=[m.text for m in found],
        cursor_start=found[0].start + shift,
        cursor_end=found[0].end + shift,
        metadata={"_jupyter_types_experimental": types},
    )


def inspect(k: Kernel, req: Request) -> c.Content:
    assert isinstance(req.content, c.InspectRequest)
    code = req.content.code
    cursor = len(code) if req.content.cursor_pos is None else req.content.cursor_pos
    window = cursor_window.around(code, cursor)
    name = token_at_cursor(window.text, window.cursor)
    try:
        bundle = k.shell.object_inspect_mime(name, detail_level=req.content.detail_level)
    except KeyError:
        return c.InspectReply(found=False)
    return c.InspectReply(found=True, data=bundle)


def is_complete(k: Kernel, req: Request) -> c.Content:
    assert isinstance(req.content, c.IsCompleteRequest)
    status, indent = k.shell.input_transformer_manager.check_complete(req.content.code)
    if status == "incomplete":
        return c.IsCompleteReply(status="incomplete", indent=" " * (indent or 0))
    return c.IsCompleteReply(status=status)


def history(k: Kernel, req: Request) -> c.Content:
    assert isinstance(req.content, c.HistoryRequest)
    r = req.content
    hm = k.shell.history_manager
    rows: Any
    if r.hist_access_type == "tail":
        rows = hm.get_tail(r.n or 10, raw=r.raw, output=r.output, include_latest=True)
    elif r.hist_access_type == "range":
        # Session 0 and negative numbers are relative to this session; answer with
        # the absolute number, as the rows of `tail` do.
        session = r.session if r.session > 0 else hm.session_number + r.session
        rows = hm.get_range(session, r.start, r.stop, raw=r.raw, output=r.output)
    else:
        rows = hm.search(r.pattern, raw=r.raw, output=r.output, n=r.n, unique=r.unique)
    # IPython numbers the live session 0 in some rows; clients need the real number
    # to ask for a range again later.
    current = hm.session_number
    return c.HistoryReply(history=[[s or current, line, entry] for s, line, entry in rows])


def comm_info(k: Kernel, req: Request) -> c.Content:
    assert isinstance(req.content, c.CommInfoRequest)
    target = req.content.target_name
    comms = {
        comm_id: {"target_name": comm.target_name}
        for comm_id, comm in k.comms.comms.items()
        if target is None or comm.target_name == target
    }
    return c.CommInfoReply(comms=comms)


def comm_open(k: Kernel, req: Request) -> None:
    k.comms.comm_open(None, None, req.msg.to_dict())  # type: ignore[arg-type]


def comm_msg(k: Kernel, req: Request) -> None:
    k.comms.comm_msg(None, None, req.msg.to_dict())  # type: ignore[arg-type]


def comm_close(k: Kernel, req: Request) -> None:
    k.comms.comm_close(None, None, req.msg.to_dict())  # type: ignore[arg-type]


def shutdown(k: Kernel, req: Request) -> c.Content:
    # The control loop stops the kernel once this reply is on its way.
    assert isinstance(req.content, c.ShutdownRequest)
    return c.ShutdownReply(restart=req.content.restart)


def interrupt(k: Kernel, req: Request) -> c.Content:
    k.interrupt()
    return c.InterruptReply()
