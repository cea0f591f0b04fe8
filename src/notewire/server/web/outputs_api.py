"""`GET /api/notebooks/{path}/outputs/{cell_id}/full`: the full stream output of a cell
whose output outgrew the per-cell cap, as session/spill.py kept it on disk.

text/plain, as an attachment unless `?view=1` (the page's "show all" opens it in a
tab); sandboxed, never sniffed. 404 when the cell kept no full output. Authenticated
and confined to the root like every route (the contents layer resolves the path).
"""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import FileResponse, Response

from .contents_api import DOWNLOAD_HEADERS


async def full_output(request: Request) -> Response:
    path, cell_id = request.path_params["path"], request.path_params["cell_id"]
    session = request.app.state.notebooks.get(path)
    if session is not None:
        await session.spill.flush()  # what the kernel printed so far is all there
    os_path = await asyncio.to_thread(request.app.state.contents.spill_path, path, cell_id)
    inline = request.query_params.get("view") == "1"
    return FileResponse(
        os_path,
        media_type="text/plain; charset=utf-8",
        filename=f"{os_path.parent.name.removesuffix('.outputs')}-{cell_id}-output.txt",
        content_disposition_type="inline" if inline else "attachment",
        headers=DOWNLOAD_HEADERS,
    )
