"""The browser pages: the file browser and the notebook page, and their assets.

The pages are static shells built by the frontend (`frontend/`, bundled into
`notewire/static/`); everything they show comes from the REST API and the notebook
WebSocket. Assets are public (they hold nothing secret); the pages need a login.
"""

from __future__ import annotations

from pathlib import Path

import anyio
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import widget_modules
from .security import output_frame_csp

STATIC = Path(__file__).resolve().parent.parent.parent / "static"

_NOT_BUILT = """<!doctype html><meta charset="utf-8"><title>notewire</title>
<p>The notewire frontend is not built. Run <code>pip install -e .</code> with Node.js
installed, or <code>npm ci &amp;&amp; npm run build</code> in <code>frontend/</code>.</p>"""


# The notebook page's sanitizer drops remote media when the server blocks them (the CSP
# would refuse them anyway); it reads the setting from this tag, put in the page's head.
_REMOTE_CONTENT_META = '<meta name="notewire-remote-content" content="{}">'


def _page(  # type: ignore[no-untyped-def]
    name: str, csp: str | None = None, *, remote_content: str | None = None
):
    headers = {"Cache-Control": "no-cache"}
    if csp is not None:
        headers["Content-Security-Policy"] = csp

    async def endpoint(request: Request) -> Response:
        page = STATIC / name
        if not page.is_file():
            return HTMLResponse(_NOT_BUILT, status_code=503)
        if remote_content is None:
            return FileResponse(page, headers=headers)
        meta = _REMOTE_CONTENT_META.format(remote_content)
        html = await anyio.Path(page).read_text(encoding="utf-8")
        html = html.replace("<head>", f"<head>\n{meta}", 1)
        return HTMLResponse(html, headers=headers)

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


def routes(*, block_remote_content: bool = False) -> list[BaseRoute]:
    """`block_remote_content`: the notebook page's sanitizer and the output frames'
    CSP refuse media and frames from other origins (the pages' CSP is the security
    middleware's)."""
    tree = _page("tree.html")
    notebook = _page("notebook.html", remote_content="block" if block_remote_content else "allow")
    frame_csp = output_frame_csp(block_remote_content=block_remote_content)
    widget_csp = output_frame_csp(block_remote_content=block_remote_content, blob_scripts=True)
    return [
        Route("/", tree, methods=["GET"]),
        Route("/tree/{path:path}", tree, methods=["GET"]),
        Route("/notebooks/{path:path}", notebook, methods=["GET"]),
        # Output frames get a policy of their own: the page's would stop their scripts.
        Route("/static/sandbox.html", _page("sandbox.html", frame_csp), methods=["GET"]),
        Route("/static/widgets.html", _page("widgets.html", widget_csp), methods=["GET"]),
        widget_modules.route(),  # installed third-party widget JavaScript
        Mount(
            "/static", app=_AnyOrigin(StaticFiles(directory=STATIC, check_dir=False)), name="static"
        ),
    ]
