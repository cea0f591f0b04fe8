"""Third-party Jupyter widget modules, from what is installed on this server.

A widget frame (/static/widgets.html) that meets a model module it does not carry
(ipympl's `jupyter-matplotlib`, bqplot...) loads the package's classic-notebook build,
`share/jupyter/nbextensions/<package>/index.js` (an AMD module), from here: never from a
CDN, so widgets work offline and tell no third party what is open. Like /static/, it is
public: installed packages' JavaScript holds nothing secret, and the frame, an opaque
origin, sends no login cookie.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route

from ..kernels.specs import data_paths

# One path segment of an npm package name (unscoped): nothing that walks folders.
_PACKAGE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,213}$")


def find_module(package: str, roots: list[Path]) -> Path | None:
    """The first `nbextensions/<package>/index.js` under `roots`, or None."""
    if not _PACKAGE.fullmatch(package):
        return None
    for root in roots:
        candidate = root / "nbextensions" / package / "index.js"
        if candidate.is_file():
            return candidate
    return None


def route(roots: Callable[[], list[Path]] = data_paths) -> Route:
    async def endpoint(request: Request) -> Response:
        found = find_module(request.path_params["package"], roots())
        if found is None:
            return PlainTextResponse("no such widget module installed", status_code=404)
        return FileResponse(
            found, media_type="text/javascript", headers={"Cache-Control": "no-cache"}
        )

    return Route("/static/nbextensions/{package}/index.js", endpoint, methods=["GET"])
