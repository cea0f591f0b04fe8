"""`create_app`: the notewire web application, secure by default.

Middleware, outermost first: Starlette's error handler (JSON 500, never a
traceback), the access log, the base URL (`base_url.BaseUrl`: 404 outside it), the
security middleware (Host, authentication, Origin,
XSRF, response headers), the body limit, then the routes: login, contents, files,
kernelspecs, and whatever the caller adds. Every route needs a login except
`ServerConfig.public_paths`.

`app.state` holds `config`, `auth` (the `Authenticator`; the default `Auth`'s `token`
is what the CLI prints once) and `contents`. Routes are written from `/`; under a base
URL the router sees them below it (ASGI's root_path). WebSocket routes passed in are
reached only by authenticated users whose Origin was checked;
`auth.require_auth(websocket.scope)` returns that user.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute
from starlette.types import Lifespan

from ..contents import Contents
from ..kernels.specs import KernelSpec
from .auth import Auth, Authenticator
from .base_url import BaseUrl, normalize_base_url
from .contents_api import contents_routes, kernelspec_routes
from .errors import exception_handlers
from .security import AccessLog, BodyLimit, SecurityMiddleware, SecurityPolicy

__all__ = ["ServerConfig", "create_app"]


@dataclass(frozen=True, slots=True)
class ServerConfig:
    """What the web server needs to know.

    `token`: None makes a random one at start-up. `password_hash`: from
    `auth.hash_password`. `allow_origins`: exact origins (`https://host:port`) allowed
    besides the server's own. `allow_hosts`: Host names allowed besides loopback ones
    (checked when `ip` is loopback, or whenever this is not empty). `public_paths`:
    exact paths, or prefixes ending in `/`, served without a login. `secure_cookies`:
    set when the browser reaches the server over https (a TLS proxy).
    `base_url`: the URL prefix every route, cookie and link is under (`/user/alice/`;
    normalized by `base_url.normalize_base_url`).
    `check_host`: enforce the Host allow-list (None: when `ip` is loopback or
    `allow_hosts` is set). `behind_proxy`: a proxy in front may terminate TLS, so
    an Origin of `https://<Host>` is this server's own too.
    `kernel_dirs`: where to look for kernelspecs (None: Jupyter's data paths).
    `block_remote_content`: pages and output frames load no image, audio, video or
    frame from another origin (offline or locked-down use); by default `https:` ones
    load, as in JupyterLab.
    """

    root: Path
    ip: str = "127.0.0.1"
    port: int = 8888
    token: str | None = None
    password_hash: str | None = None
    allow_origins: tuple[str, ...] = ()
    allow_hosts: tuple[str, ...] = ()
    max_body_bytes: int = 100 * 2**20
    public_paths: tuple[str, ...] = ("/login", "/static/", "/favicon.ico")
    secure_cookies: bool = False
    kernel_dirs: tuple[Path, ...] | None = None
    builtin_kernel_specs: tuple[KernelSpec, ...] = ()
    default_kernel: str | None = None
    block_remote_content: bool = False
    base_url: str = "/"
    check_host: bool | None = None
    behind_proxy: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "base_url", normalize_base_url(self.base_url))


def create_app(
    config: ServerConfig,
    *,
    routes: Sequence[BaseRoute] = (),
    lifespan: Lifespan[Starlette] | None = None,
    auth: Authenticator | None = None,
    middleware: Sequence[Middleware] = (),
) -> Starlette:
    """The app for `config`, with `routes` added after the built-in ones. `lifespan`
    is Starlette's (an async context manager factory taking the app). `auth`: how
    users log in (default: an `Auth` with the token and password of `config`).
    `middleware`: more layers, inside the security middleware (they see only requests
    it let through)."""
    contents = Contents(config.root)
    if auth is None:
        auth = Auth(
            token=config.token or secrets.token_urlsafe(32),
            password_hash=config.password_hash,
            secure_cookies=config.secure_cookies,
            base_url=config.base_url,
        )
    policy = SecurityPolicy.for_server(
        ip=config.ip,
        public_paths=config.public_paths,
        allow_origins=config.allow_origins,
        allow_hosts=config.allow_hosts,
        block_remote_content=config.block_remote_content,
        check_host=config.check_host,
        behind_proxy=config.behind_proxy,
    )
    all_routes = [
        *auth.routes(),
        *contents_routes(contents),
        *kernelspec_routes(
            dirs=config.kernel_dirs,
            builtin=config.builtin_kernel_specs,
            default=config.default_kernel,
        ),
        *routes,
    ]
    app = Starlette(
        routes=all_routes,
        middleware=[
            Middleware(AccessLog),
            Middleware(BaseUrl, base_url=config.base_url),
            Middleware(SecurityMiddleware, auth=auth, policy=policy),
            *middleware,
            Middleware(BodyLimit, max_bytes=config.max_body_bytes),
        ],
        exception_handlers=exception_handlers(),
        lifespan=lifespan,
    )
    # No automatic trailing-slash redirects: every route is spelled out, and a
    # redirect built from the request is one more thing to get wrong.
    app.router.redirect_slashes = False
    app.state.config = config
    app.state.auth = auth
    app.state.contents = contents
    return app
