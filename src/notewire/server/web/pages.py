"""The browser pages: the file browser and the notebook page, and their assets.

The pages are static shells built by the frontend (`frontend/`, bundled into
`notewire/static/`); everything they show comes from the REST API and the notebook
WebSocket. Assets are public (they hold nothing secret); the pages need a login.

The built shells link their assets as `/static/...`; each is served with those links
under the base URL and with the base URL in a `<meta name="notewire-base-url">`, from
which the frontend builds every URL it asks for (frontend/src/net/urls.ts). Scripts
load their chunks, fonts and frames relative to their own URLs.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import os
import re
from html import escape
from pathlib import Path

import anyio
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import PathLike, StaticFiles
from starlette.types import Scope

from . import widget_modules
from .security import output_frame_csp

STATIC = Path(__file__).resolve().parent.parent.parent / "static"

_NOT_BUILT = """<!doctype html><meta charset="utf-8"><title>notewire</title>
<p>The notewire frontend is not built. Run <code>pip install -e .</code> with Node.js
installed, or <code>npm ci &amp;&amp; npm run build</code> in <code>frontend/</code>.</p>"""


# The notebook page's sanitizer drops remote media when the server blocks them (the CSP
# would refuse them anyway); it reads the setting from this tag, put in the page's head.
_REMOTE_CONTENT_META = '<meta name="notewire-remote-content" content="{}">'
_BASE_URL_META = '<meta name="notewire-base-url" content="{}">'
IMMUTABLE = "public, max-age=31536000, immutable"


def shell_hash(content: bytes) -> str:
    """The version of a shell that a page may ask for as `?v=` (frontend/build.mjs
    computes the same)."""
    return hashlib.sha256(content).hexdigest()[:16]


def _current_hash(page: Path) -> str:
    stat = page.stat()
    return _hash_of(page, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=8)
def _hash_of(page: Path, mtime_ns: int, size: int) -> str:
    return shell_hash(page.read_bytes())


def render_shell(html: str, *, base_url: str, remote_content: str | None = None) -> str:
    """A built shell as served: asset links under `base_url`, and the settings the
    page reads in its head."""
    metas = [_BASE_URL_META.format(escape(base_url))]
    if remote_content is not None:
        metas.append(_REMOTE_CONTENT_META.format(remote_content))
    html = html.replace('="/static/', f'="{escape(base_url)}static/')
    return html.replace("<head>", "<head>\n" + "\n".join(metas), 1)


@functools.lru_cache(maxsize=16)
def _rendered(
    page: Path, mtime_ns: int, size: int, base_url: str, remote_content: str | None
) -> str:
    return render_shell(
        page.read_text(encoding="utf-8"), base_url=base_url, remote_content=remote_content
    )


def _page(  # type: ignore[no-untyped-def]
    name: str,
    csp: str | None = None,
    *,
    base_url: str,
    versioned: bool = False,
    remote_content: str | None = None,
):
    """A shell from the build. A `versioned` one asked for under its current hash
    (`?v=`, which the page's script names) may be kept by the browser for good: each
    widget frame loads one, and would otherwise ask the server again every time.
    `remote_content`: put the remote-content setting in the page's head."""
    headers = {"Cache-Control": "no-cache"}
    if csp is not None:
        headers["Content-Security-Policy"] = csp

    async def endpoint(request: Request) -> Response:
        page = STATIC / name
        try:
            stat = await anyio.Path(page).stat()
        except FileNotFoundError:
            return HTMLResponse(_NOT_BUILT, status_code=503)
        html = await asyncio.to_thread(
            _rendered, page, stat.st_mtime_ns, stat.st_size, base_url, remote_content
        )
        wanted = request.query_params.get("v")
        if versioned and wanted and wanted == _current_hash(page):
            return HTMLResponse(html, headers={**headers, "Cache-Control": IMMUTABLE})
        return HTMLResponse(html, headers=headers)

    return endpoint


# A built asset whose name carries esbuild's content hash (`widget-frame-CV3LR74P.js`,
# `fonts/KaTeX_Main-Regular-ABCD1234.woff2`): its content never changes under that name.
_HASHED = re.compile(r"-[A-Z0-9]{8}\.[a-z0-9]+$")


class Assets(StaticFiles):
    """The built assets. Each has two headers more than StaticFiles gives:

    - `Cache-Control: immutable` on a content-hashed name: the browser uses its copy with
      no request at all. That also keeps Chromium's V8 code cache for the script: the
      cache is dropped whenever a revalidation (304) renews the response's time, so
      every widget frame would parse the 1.2 MB frame script again.
    - `Access-Control-Allow-Origin: *`: a widget frame is an opaque origin, and its
      ES module requests (the frame's chunks) are CORS requests. The assets hold
      nothing secret (they are public: no login is needed); no credentials are allowed.
    """

    def file_response(
        self, full_path: PathLike, stat_result: os.stat_result, scope: Scope, status_code: int = 200
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["Access-Control-Allow-Origin"] = "*"
        if _HASHED.search(str(full_path)):
            response.headers["Cache-Control"] = IMMUTABLE
        return response


def routes(*, block_remote_content: bool = False, base_url: str = "/") -> list[BaseRoute]:
    """`block_remote_content`: the notebook page's sanitizer and the output frames'
    CSP refuse media and frames from other origins (the pages' CSP is the security
    middleware's). `base_url`: the prefix the pages link their assets under."""
    tree = _page("tree.html", base_url=base_url)
    notebook = _page(
        "notebook.html",
        base_url=base_url,
        remote_content="block" if block_remote_content else "allow",
    )
    frame_csp = output_frame_csp(block_remote_content=block_remote_content)
    widget_csp = output_frame_csp(block_remote_content=block_remote_content, blob_scripts=True)
    return [
        Route("/", tree, methods=["GET"]),
        Route("/tree/{path:path}", tree, methods=["GET"]),
        Route("/notebooks/{path:path}", notebook, methods=["GET"]),
        # Output frames get a policy of their own: the page's would stop their scripts.
        Route(
            "/static/sandbox.html",
            _page("sandbox.html", frame_csp, base_url=base_url),
            methods=["GET"],
        ),
        Route(
            "/static/widgets.html",
            _page("widgets.html", widget_csp, base_url=base_url, versioned=True),
            methods=["GET"],
        ),
        widget_modules.route(),  # installed third-party widget JavaScript
        Mount("/static", app=Assets(directory=STATIC, check_dir=False), name="static"),
    ]
