"""A real notebook server on 127.0.0.1:0 for tests, and notebook files to open in it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import nbformat
from starlette.applications import Starlette

from notewire.client import NotebookClient
from notewire.server.app import NotebookServerConfig, build_app
from notewire.server.kernels import GatewayConfig, ManagerConfig
from notewire.server.main import builtin_kernel_spec
from notewire.server.notebook.outputs import OutputLimits
from notewire.server.session.session import SessionConfig
from notewire.server.web.app import ServerConfig
from notewire.server.web.serve import serve


@dataclass
class Server:
    root: Path
    url: str
    token: str
    app: Starlette
    limits: OutputLimits

    def client(self, path: str, **kwargs: object) -> AbstractAsyncContextManager[NotebookClient]:
        return NotebookClient.connect(self.url, path, token=self.token, **kwargs)  # type: ignore[arg-type]

    async def settled(self, path: str) -> None:
        """Waits until the server's open notebook `path` runs nothing and has saved all
        it holds (what a page shows as saved may be from before its own last edit
        reached the server)."""
        session = self.app.state.notebooks.get(path)
        if session is not None:
            await asyncio.wait_for(session.settled(), 60)

    async def saved(self, path: str) -> nbformat.NotebookNode:
        """The notebook as it is on disk now."""
        text = await asyncio.to_thread((self.root / path).read_text, encoding="utf-8")
        return nbformat.reads(text, as_version=4)


def write_notebook(path: Path, *, cells: Sequence[str] = (), kernel: str = "notewire") -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": kernel, "display_name": kernel, "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    path.write_text(nbformat.writes(nb), encoding="utf-8")


@asynccontextmanager
async def running_server(
    root: Path,
    tmp: Path,
    *,
    session: SessionConfig | None = None,
    pool_size: int = 0,
    limits: OutputLimits | None = None,
    block_remote_content: bool = False,
    gateway: GatewayConfig | None = None,
    chromium: str | None = None,
    base_url: str = "/",
    allow_hosts: tuple[str, ...] = (),
) -> AsyncIterator[Server]:
    """`url` is the server's URL under its base URL, with no trailing slash."""
    limits = limits or OutputLimits(max_stream_chars=1_000_000, max_outputs=5000)
    config = NotebookServerConfig(
        web=ServerConfig(
            root=root,
            ip="127.0.0.1",
            port=0,
            builtin_kernel_specs=(builtin_kernel_spec(),),
            default_kernel="notewire",
            block_remote_content=block_remote_content,
            base_url=base_url,
            allow_hosts=allow_hosts,
        ),
        kernels=ManagerConfig(
            default_kernel="notewire",
            pool_size=pool_size,
            builtin_specs=(builtin_kernel_spec(),),
            gateway=gateway,
        ),
        session=session
        or SessionConfig(autosave_interval=0.2, disk_check_interval=0.1, limits=limits),
        trust_db=tmp / "trust.db",
        trust_secret=tmp / "trust-secret",
        chromium=chromium,
    )
    app = build_app(config)
    async with serve(app, host="127.0.0.1", port=0) as origin:
        url = origin + config.web.base_url.rstrip("/")
        yield Server(root=root, url=url, token=app.state.auth.token, app=app, limits=limits)
