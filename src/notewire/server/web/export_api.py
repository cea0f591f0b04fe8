"""Notebook exports as downloads (notewire.export behind HTTP):

    GET /api/export/{fmt}/{path}          one notebook as HTML, PDF, script or markdown
    GET /api/export/{fmt}?path=A&path=B   several, as one zip (`notebooks-{fmt}.zip`)
        fmt: html | pdf | script | markdown;  ?no_input=1 leaves the code out

An open notebook is exported as its browsers see it (outputs not yet saved included);
any other is read from its file. Paths are confined to the root like every contents
route, the login is checked by the security middleware, and the answer is an attachment
under the CSP sandbox (as jupyter_server's /nbconvert). Exports run in worker threads,
at most `CONCURRENCY` at once; one Chromium, started on the first PDF, prints them all.

Errors are the server's `{"message", "reason"}`: 400 (unknown format, not a notebook),
404, 403, and 503 when PDF export finds no Chromium or Chromium fails.
"""

from __future__ import annotations

import asyncio
import functools
import io
import tempfile
import threading
import zipfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from notewire.export import FORMATS, ExportError, export_notebook
from notewire.export.pdf import Printer

from ..contents import Contents
from .security import SANDBOX_CSP

if TYPE_CHECKING:
    from ..session.registry import Notebooks

__all__ = ["Exports", "routes"]

T = TypeVar("T")

CONCURRENCY = 2  # exports at once: each holds a notebook and its export in memory
MAX_PATHS = 100  # notebooks in one zip
MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".pdf": "application/pdf",
    ".md": "text/markdown; charset=utf-8",
    ".py": "text/x-python; charset=utf-8",
    ".zip": "application/zip",
}


class Exports:
    """The export routes' state: the bound on concurrent exports and the Chromium that
    prints PDFs. `close` (from a thread) ends that Chromium."""

    def __init__(self, chromium: str | None = None) -> None:
        self._chromium = chromium
        self.limit = asyncio.Semaphore(CONCURRENCY)
        self._lock = threading.Lock()
        self._printer: Printer | None = None

    def printer(self) -> Printer:
        # Made in a worker thread on the first PDF; a missing Chromium raises each time.
        with self._lock:
            if self._printer is None:
                self._printer = Printer(self._chromium)
            return self._printer

    def close(self) -> None:
        with self._lock:
            printer, self._printer = self._printer, None
        if printer is not None:
            printer.close()

    async def run(self, export: Callable[[], T]) -> T:
        """Runs `export` in a worker thread, once a place is free. A failed export
        (Chromium missing or failing) is a 503 that says why."""
        async with self.limit:
            try:
                return await asyncio.to_thread(export)
            except ExportError as e:
                raise HTTPException(503, str(e)) from e


class _ExportApi:
    def __init__(self, exports: Exports) -> None:
        self.exports = exports

    async def one(self, request: Request) -> Response:
        fmt = _format(request)
        path = request.path_params["path"]
        nb = await self._notebook(request, path)
        contents = request.app.state.contents
        name, data = await self.exports.run(
            functools.partial(self._export, contents, path, nb, fmt, _no_input(request))
        )
        return _attachment(name, data)

    async def many(self, request: Request) -> Response:
        fmt = _format(request)
        paths = request.query_params.getlist("path")
        if not paths:
            raise HTTPException(400, "name the notebooks to export: ?path=A&path=B")
        if len(paths) > MAX_PATHS:
            raise HTTPException(400, f"at most {MAX_PATHS} notebooks in one export")
        notebooks = [(path, await self._notebook(request, path)) for path in paths]
        no_input = _no_input(request)
        contents = request.app.state.contents
        # Side by side, as many at once as the bound lets (one Chromium prints the PDFs).
        made = await asyncio.gather(
            *(
                self.exports.run(functools.partial(self._export, contents, path, nb, fmt, no_input))
                for path, nb in notebooks
            )
        )
        entries = []
        for (path, _), (name, data) in zip(notebooks, made, strict=True):
            # Folders kept, so that two notebooks of one name do not collide.
            folder = PurePosixPath(path).parent
            entries.append((str(folder / name) if str(folder) != "." else name, data))
        archive = await asyncio.to_thread(_zip, entries)  # deflating takes a while
        return _attachment(f"notebooks-{fmt}.zip", archive)

    async def _notebook(self, request: Request, path: str) -> Any:
        notebooks: Notebooks | None = getattr(request.app.state, "notebooks", None)
        session = notebooks.get(path) if notebooks is not None else None
        if session is not None:
            notebook, _ = await session.snapshot()
            return notebook
        contents: Contents = request.app.state.contents
        model = await asyncio.to_thread(contents.get, path, type="notebook")
        return model["content"]

    def _export(
        self, contents: Contents, path: str, nb: Any, fmt: str, no_input: bool
    ) -> tuple[str, bytes]:
        import nbformat
        from nbformat.v4.rwbase import rejoin_lines

        folder = contents.download_path(path).parent
        # The document's form is the file's, with sources and texts split in lines.
        node = rejoin_lines(nbformat.from_dict(nb))
        stem = PurePosixPath(path).stem
        printer = self.exports.printer() if fmt == "pdf" else None
        with tempfile.TemporaryDirectory(prefix="notewire-export-") as tmp:
            target = Path(tmp) / f"{stem}{FORMATS[fmt]}"
            made = export_notebook(
                node, fmt, target, folder=folder, no_input=no_input, printer=printer
            )
            extra = [p for p in Path(tmp).rglob("*") if p.is_file() and p != made]
            if not extra:
                return made.name, made.read_bytes()
            # Markdown with images: the file and its folder of images, zipped.
            files = [(str(f.relative_to(tmp)), f.read_bytes()) for f in [made, *extra]]
            return f"{stem}-{fmt}.zip", _zip(files)


def _zip(entries: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


def _format(request: Request) -> str:
    fmt = request.path_params["fmt"]
    if fmt not in FORMATS:
        raise HTTPException(400, f"unknown export format {fmt!r}: one of {', '.join(FORMATS)}")
    return str(fmt)


def _no_input(request: Request) -> bool:
    return request.query_params.get("no_input", "0").lower() in ("1", "true")


def _attachment(name: str, data: bytes) -> Response:
    media = MEDIA_TYPES.get(PurePosixPath(name).suffix, "application/octet-stream")
    return Response(
        data,
        media_type=media,
        headers={
            "Content-Disposition": _disposition(name),
            "Content-Security-Policy": SANDBOX_CSP,
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        },
    )


def _disposition(name: str) -> str:
    ascii_name = name.encode("ascii", "replace").decode().replace('"', "_").replace("?", "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=utf-8''{quote(name)}"


def routes(exports: Exports) -> list[BaseRoute]:
    api = _ExportApi(exports)
    return [
        Route("/api/export/{fmt}", api.many, methods=["GET"]),
        Route("/api/export/{fmt}/{path:path}", api.one, methods=["GET"]),
    ]
