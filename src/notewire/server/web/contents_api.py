"""Jupyter's contents REST API, file downloads, and the kernelspec list.

    GET    /api/contents/{path}    folder listing or file model; ?content=0|1,
                                   ?type=notebook|file|directory, ?format=text|base64,
                                   ?hash=0|1 (files read with content always carry it)
    POST   /api/contents/{folder}  new untitled {"type", "ext"}, or {"copy_from": path}
    PUT    /api/contents/{path}    save or upload {"type", "format", "content"[, "chunk"]};
                                   `If-Match: <sha256>` refuses (409) a file changed since
    PATCH  /api/contents/{path}    rename {"path": new}; open notebooks at or under
                                   the path follow (their browsers get "moved")
    DELETE /api/contents/{path}    ?recursive=1 for a folder that is not empty; open
                                   notebooks at or under it are closed, not saved
                                   (their browsers get "deleted")
    GET|POST /api/contents/{path}/checkpoints; POST|DELETE .../checkpoints/checkpoint
    GET    /files/{path}           the raw file, as an attachment in a CSP sandbox
    GET    /api/kernelspecs        names, display names, languages; never env or keys

Errors are `{"message", "reason"}` with 400 (bad input), 403 (refused path), 404, 409
(conflict) or 413 (too big, from the body limit). File work runs in threads.
"""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from notewire.protocol.jsonutil import too_deep_message

from ..contents import Contents
from ..kernels.errors import KernelError
from ..kernels.specs import KernelSpec, find_kernel_specs
from .security import SANDBOX_CSP

if TYPE_CHECKING:
    from ..session.registry import Notebooks

__all__ = ["contents_routes", "kernelspec_models", "kernelspec_routes"]

T = TypeVar("T")
_FLAGS = {"1": True, "true": True, "0": False, "false": False}


def _flag(request: Request, name: str, default: bool) -> bool:
    value = request.query_params.get(name)
    if value is None:
        return default
    if value.lower() not in _FLAGS:
        raise HTTPException(400, f"{name} must be 0 or 1, got {value!r}")
    return _FLAGS[value.lower()]


def _no_constants(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


async def json_body(request: Request, *, required: bool = True) -> dict[str, Any]:
    """The request's JSON object. 400 for malformed JSON, NaN/Infinity, or anything
    but an object; an empty body is `{}` unless `required`."""
    raw = await request.body()
    if not raw.strip():
        if required:
            raise HTTPException(400, "a JSON body is required")
        return {}
    try:
        body = json.loads(raw, parse_constant=_no_constants)
    except RecursionError:
        raise HTTPException(400, f"the body is {too_deep_message()}") from None
    except ValueError:  # UnicodeDecodeError and JSONDecodeError too
        raise HTTPException(400, "the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise HTTPException(400, "the body must be a JSON object")
    return body


def _string(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str):
        raise HTTPException(400, f"{key!r} must be a string")
    return value


# A file served as it is: never run, sniffed or cached (also outputs_api.py).
DOWNLOAD_HEADERS = {
    "Content-Security-Policy": SANDBOX_CSP,
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


def _notebooks(request: Request) -> Notebooks | None:
    """The open notebooks, when this app has any (the bare contents app has not)."""
    return getattr(request.app.state, "notebooks", None)


def _location(request: Request, api_path: str) -> str:
    return request.scope.get("root_path", "") + "/api/contents/" + quote(api_path)


class _ContentsApi:
    def __init__(self, contents: Contents) -> None:
        self.contents = contents

    async def _run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await asyncio.to_thread(fn, *args, **kwargs)

    async def item(self, request: Request) -> Response:
        path = request.path_params.get("path", "")
        c = self.contents
        match request.method:
            case "GET":
                model = await self._run(
                    c.get,
                    path,
                    content=_flag(request, "content", True),
                    type=request.query_params.get("type"),
                    format=request.query_params.get("format"),
                    hash=_flag(request, "hash", False),
                )
                return JSONResponse(model)
            case "POST":
                body = await json_body(request, required=False)
                if "copy_from" in body:
                    model = await self._run(c.copy, _string(body, "copy_from"), path)
                else:
                    kind, ext = body.get("type", "file"), body.get("ext", "")
                    model = await self._run(c.new_untitled, path, type=kind, ext=ext)
                return JSONResponse(
                    model, status_code=201, headers={"Location": _location(request, model["path"])}
                )
            case "PUT":
                body = await json_body(request)
                expect = request.headers.get("if-match")
                expect = expect.strip().strip('"') if expect else None
                model, created = await self._run(c.save, path, body, expect_hash=expect)
                headers = {"Location": _location(request, model["path"])} if created else None
                return JSONResponse(model, status_code=201 if created else 200, headers=headers)
            case "PATCH":
                body = await json_body(request)
                new_path = _string(body, "path")
                rename = functools.partial(self._run, c.rename, path, new_path)
                notebooks = _notebooks(request)
                if notebooks is None:
                    model = await rename()
                else:  # open notebooks at or under `path` follow it
                    model = await notebooks.move(path, new_path, rename)
                return JSONResponse(model)
            case "DELETE":
                recursive = _flag(request, "recursive", False)
                remove = functools.partial(self._run, c.delete, path, recursive=recursive)
                notebooks = _notebooks(request)
                if notebooks is None:
                    await remove()
                else:  # open notebooks at or under `path` are closed, unsaved
                    await notebooks.delete(path, remove)
                return Response(status_code=204)
        raise HTTPException(405)  # pragma: no cover - the route lists the methods

    async def checkpoints(self, request: Request) -> Response:
        path = request.path_params["path"]
        if request.method == "POST":
            model = await self._run(self.contents.create_checkpoint, path)
            return JSONResponse(model, status_code=201)
        return JSONResponse(await self._run(self.contents.list_checkpoints, path))

    async def checkpoint(self, request: Request) -> Response:
        path, checkpoint_id = request.path_params["path"], request.path_params["checkpoint_id"]
        if request.method == "POST":
            await self._run(self.contents.restore_checkpoint, path, checkpoint_id)
        else:
            await self._run(self.contents.delete_checkpoint, path, checkpoint_id)
        return Response(status_code=204)

    async def download(self, request: Request) -> Response:
        os_path = await self._run(self.contents.download_path, request.path_params["path"])
        return FileResponse(
            os_path,
            filename=os_path.name,
            content_disposition_type="attachment",
            headers=DOWNLOAD_HEADERS,
        )


def contents_routes(contents: Contents) -> list[BaseRoute]:
    api = _ContentsApi(contents)
    methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]
    return [
        # Before the catch-all: `{path:path}` would swallow the /checkpoints suffix.
        Route("/api/contents/{path:path}/checkpoints", api.checkpoints, methods=["GET", "POST"]),
        Route(
            "/api/contents/{path:path}/checkpoints/{checkpoint_id}",
            api.checkpoint,
            methods=["POST", "DELETE"],
        ),
        Route("/api/contents", api.item, methods=methods),
        Route("/api/contents/{path:path}", api.item, methods=methods),
        Route("/files/{path:path}", api.download, methods=["GET", "HEAD"]),
    ]


# --- kernelspecs ---------------------------------------------------------------------


def kernelspec_models(specs: dict[str, KernelSpec], default: str | None = None) -> dict[str, Any]:
    """The `/api/kernelspecs` body. Left out on purpose: `env` (it may hold secrets)."""
    if default not in specs:
        default = "python3" if "python3" in specs else min(specs, default=None)
    return {
        "default": default,
        "kernelspecs": {
            name: {
                "name": name,
                "spec": {
                    "argv": list(spec.argv),
                    "display_name": spec.display_name,
                    "language": spec.language,
                    "interrupt_mode": spec.interrupt_mode,
                    "metadata": dict(spec.metadata),
                },
                "resources": {},
            }
            for name, spec in sorted(specs.items())
        },
    }


def kernelspec_routes(
    *,
    dirs: Sequence[Path] | None = None,
    builtin: Sequence[KernelSpec] = (),
    default: str | None = None,
) -> list[BaseRoute]:
    """`dirs`: the kernels folders (None: Jupyter's data paths). `builtin`: specs
    served when no installed spec has their name. A server with a kernel manager
    (`app.state.kernels`) lists what its manager can start instead: on a gateway,
    the gateway's kernelspecs."""

    async def kernelspecs(request: Request) -> Response:
        manager = getattr(request.app.state, "kernels", None)
        if manager is not None:
            try:
                listing = await manager.kernel_specs()
            except KernelError as exc:
                return JSONResponse({"message": str(exc), "reason": "bad_gateway"}, 502)
            return JSONResponse(kernelspec_models(dict(listing.specs), listing.default))
        found = await asyncio.to_thread(find_kernel_specs, dirs)
        specs = {spec.name: spec for spec in builtin} | found
        return JSONResponse(kernelspec_models(specs, default))

    return [Route("/api/kernelspecs", kernelspecs, methods=["GET"])]
