"""REST for running kernels and open notebooks.

`/api/kernels`: list; `/api/kernels/{id}/interrupt|restart` (POST); DELETE shuts the
kernel down and closes its notebook (saving it first). `/api/notebooks`: the open
notebooks with their kernel's status, for the file browser. Neither ever shows a
connection file or key: those stay between the server and its kernels.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute

from ..kernels import KernelError
from ..session.session import KERNEL_SHUT_DOWN, NotebookSession
from .notebook_ws import notebook_socket
from .outputs_api import full_output


def _kernel_model(session: NotebookSession) -> dict[str, Any] | None:
    handle = session.kernel.handle
    if handle is None:
        return None
    return {
        "id": handle.id,
        "name": handle.spec.name,
        "execution_state": session.kernel.status.state,
        "notebook": session.store.path,
        "connections": len(session.peers),
        "reason": session.kernel.status.cause,
    }


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"message": message}, status_code=status)


async def list_kernels(request: Request) -> Response:
    models = [_kernel_model(s) for s in request.app.state.notebooks]
    return JSONResponse([m for m in models if m is not None])


async def list_notebooks(request: Request) -> Response:
    return JSONResponse(
        [
            {
                "path": s.store.path,
                "kernel": s.kernel.status.to_json(),
                "connections": len(s.peers),
                "dirty": s.dirty,
                "running": s.queue.running,
                "queued": len(s.queue.queued),
            }
            for s in request.app.state.notebooks
        ]
    )


def _session(request: Request) -> NotebookSession | None:
    return request.app.state.notebooks.by_kernel(request.path_params["kernel_id"])


async def kernel(request: Request) -> Response:
    session = _session(request)
    if session is None:
        return _error(404, "no such kernel")
    if request.method == "DELETE":
        # Browsers showing the notebook keep their copy and do not reconnect on their
        # own (that would open it again and start a new kernel): the page offers to.
        session.close_reason = KERNEL_SHUT_DOWN
        await request.app.state.notebooks.close(session)
        return Response(status_code=204)
    return JSONResponse(_kernel_model(session))


async def kernel_action(request: Request) -> Response:
    session = _session(request)
    if session is None:
        return _error(404, "no such kernel")
    action = request.path_params["action"]
    try:
        if action == "interrupt":
            await session.interrupt()
        elif action == "restart":
            await session.restart()
        else:
            return _error(404, f"no kernel action {action!r}")
    except KernelError as exc:
        return _error(409, str(exc))
    return JSONResponse(_kernel_model(session))


def routes() -> list[Route | WebSocketRoute]:
    return [
        Route("/api/kernels", list_kernels, methods=["GET"]),
        Route("/api/kernels/{kernel_id}", kernel, methods=["GET", "DELETE"]),
        Route("/api/kernels/{kernel_id}/{action}", kernel_action, methods=["POST"]),
        Route("/api/notebooks", list_notebooks, methods=["GET"]),
        Route("/api/notebooks/{path:path}/outputs/{cell_id}/full", full_output, methods=["GET"]),
        WebSocketRoute("/api/notebooks/{path:path}/ws", notebook_socket),
    ]
