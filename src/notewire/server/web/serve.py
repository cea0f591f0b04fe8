"""Run an ASGI app under uvicorn inside the current event loop.

    async with serve(app, host="127.0.0.1", port=0) as url:
        ...  # url is "http://127.0.0.1:PORT", the port really bound

The socket is bound here (port 0 picks a free port), so the URL is known before the
first request, and the block is entered only once the app's lifespan has started.
uvicorn installs no signal handlers (the caller owns the process's signals), logs
nothing below WARNING, and writes no access log of its own: uvicorn's puts query
strings into the log, which may hold the login token; `security.AccessLog` does not.
Leaving the block stops the server: open connections are closed, the lifespan ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Generator

import uvicorn
from starlette.types import ASGIApp

__all__ = ["serve"]


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = asyncio.Event()

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self.ready.set()


def _bind(host: str, port: int) -> socket.socket:
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.setblocking(False)
    except BaseException:
        sock.close()
        raise
    return sock


def _url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    if host in ("0.0.0.0", "::"):
        host = "127.0.0.1" if host == "0.0.0.0" else "::1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


@contextlib.asynccontextmanager
async def serve(
    app: ASGIApp,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    log_level: str = "warning",
    shutdown_timeout: int = 5,
    ws_max_size: int = 64 * 2**20,
) -> AsyncIterator[str]:
    """Serve `app` on `host:port` while the block runs; yields the base URL (no
    trailing slash). Raises RuntimeError when the server cannot start (lifespan
    startup failed)."""
    sock = _bind(host, port)
    config = uvicorn.Config(
        app,
        lifespan="on",
        log_config=None,
        log_level=log_level,
        access_log=False,
        proxy_headers=False,  # never believe X-Forwarded-* about scheme or client
        server_header=False,
        timeout_graceful_shutdown=shutdown_timeout,
        ws_max_size=ws_max_size,
        # No per-message deflate: it ran on the event loop, per browser (each
        # connection has its own compressor, so an update sent to ten browsers was
        # compressed ten times), and whole messages at a time (1.5 s for the first
        # sync of a 20,000-cell notebook, every other client waiting); binary frames
        # (plots' data, images) barely shrink (an 80 MB gl scene took 19 s of zlib).
        # jupyter_server does not compress its sockets either.
        ws_per_message_deflate=False,
    )
    server = _Server(config)
    with sock:
        task = asyncio.create_task(server.serve(sockets=[sock]), name=f"uvicorn {host}:{port}")
        ready = asyncio.create_task(server.ready.wait())
        try:
            await asyncio.wait({task, ready}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            ready.cancel()
        if not server.ready.is_set():
            try:
                await task
            except SystemExit:  # uvicorn exits when the lifespan fails to start
                pass
            raise RuntimeError("the server failed to start; see the log")
        try:
            yield _url(sock)
        finally:
            server.should_exit = True
            await task
