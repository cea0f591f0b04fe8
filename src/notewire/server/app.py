"""The notebook server, assembled: the web app and what lives as long as it does.

The lifespan owns the kernel manager (every kernel dies with it) and a task group in
which every open notebook runs; leaving it saves every notebook and shuts every
kernel down.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute

from .contents.paths import resolve
from .kernels import KernelManager, ManagerConfig
from .notebook.trust import Notary
from .session.registry import Notebooks
from .session.session import SessionConfig
from .web import export_api, kernels_api, pages
from .web.app import ServerConfig, create_app
from .web.auth import Authenticator


@dataclass(frozen=True, slots=True)
class NotebookServerConfig:
    web: ServerConfig
    kernels: ManagerConfig = field(default_factory=ManagerConfig)
    session: SessionConfig = field(default_factory=SessionConfig)
    trust_db: Path | None = None  # None: Jupyter's signature database, shared with Jupyter
    trust_secret: Path | None = None
    chromium: str | None = None  # prints PDF exports; None: found on PATH


def build_app(
    config: NotebookServerConfig,
    *,
    auth: Authenticator | None = None,
    middleware: Sequence[Middleware] = (),
    routes: Sequence[BaseRoute] = (),
) -> Starlette:
    """The notebook server. `auth`, `middleware`: see `web.app.create_app`; `routes`
    come before the built-in ones."""
    root = config.web.root.resolve()
    kernels = config.kernels
    if kernels.cwd is None:  # kernels start next to the notebooks, not where we were run
        kernels = replace(kernels, cwd=root)

    exports = export_api.Exports(config.chromium)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        notary = Notary(config.trust_db, config.trust_secret)
        try:
            async with KernelManager(kernels) as manager, asyncio.TaskGroup() as tasks:
                notebooks = Notebooks(
                    resolve=lambda path: resolve(root, path),
                    manager=manager,
                    notary=notary,
                    config=config.session,
                    tasks=tasks,
                )
                app.state.notebooks = notebooks
                app.state.kernels = manager
                try:
                    yield
                finally:
                    await notebooks.close_all()
        finally:
            notary.close()
            await asyncio.to_thread(exports.close)

    return create_app(
        config.web,
        routes=[
            *routes,
            *kernels_api.routes(),
            *export_api.routes(exports),
            *pages.routes(
                block_remote_content=config.web.block_remote_content,
                base_url=config.web.base_url,
            ),
        ],
        lifespan=lifespan,
        auth=auth,
        middleware=middleware,
    )
