"""The browser pages: the file browser and the notebook page, and their assets.

The pages are static shells built by the frontend (`frontend/`, bundled into
`notewire/static/`); everything they show comes from the REST API and the notebook
WebSocket. Assets are public (they hold nothing secret); the pages need a login.
"""

from __future__ import annotations

from pathlib import Path

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import widget_modules
from .security import OUTPUT_FRAME_CSP, WIDGET_FRAME_CSP

STATIC = Path(__file__).resolve().parent.parent.parent / "static"

_NOT_BUILT = """<!doctype html><meta charset="utf-8"><title>notewire</title>
<p>The notewire frontend is not built. Run <code>pip install -e .</code> with Node.js
installed, or <code>npm ci &amp;&amp; npm run build</code> in <code>frontend/</code>.</p>"""


def _page(name: str, csp: str | None = None):  # type: ignore[no-untyped-def]
    headers = {"Cache-Control": "no-cache"}
    if csp is not None:
        headers["Content-Security-Policy"] = csp

    async def endpoint(request: Request) -> Response:
        page = STATIC / name
        if not page.is_file():
            return HTMLResponse(_NOT_BUILT, status_code=503)
        return FileResponse(page, headers=headers)

    return endpoint


class _AnyOrigin:
    """Assets readable from any origin: the output frames have an opaque origin, and a
    module script (the frame's, and the chart renderers it imports) is fetched with CORS.
    They are public files, the same for everyone, fetched without cookies."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).setdefault("access-control-allow-origin", "*")
            await send(message)

        await self.app(scope, receive, send_with_cors)


def routes() -> list[BaseRoute]:
    tree, notebook = _page("tree.html"), _page("notebook.html")
    return [
        Route("/", tree, methods=["GET"]),
        Route("/tree/{path:path}", tree, methods=["GET"]),
        Route("/notebooks/{path:path}", notebook, methods=["GET"]),
        # Output frames get a policy of their own: the page's would stop their scripts.
        Route("/static/sandbox.html", _page("sandbox.html", OUTPUT_FRAME_CSP), methods=["GET"]),
        Route("/static/widgets.html", _page("widgets.html", WIDGET_FRAME_CSP), methods=["GET"]),
        widget_modules.route(),  # installed third-party widget JavaScript
        Mount(
            "/static", app=_AnyOrigin(StaticFiles(directory=STATIC, check_dir=False)), name="static"
        ),
    ]
