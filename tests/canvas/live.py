"""A real notewire kernel, and a browser's side of its canvas comms, over the server's
async kernel client (the same messages the notebook server relays). Every wait is an
awaited message under a time limit; nothing sleeps or polls."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from notewire.server.kernels import (
    ExecutionResult,
    Incoming,
    KernelConfig,
    KernelHandle,
    KernelManager,
    LaunchConfig,
    ManagerConfig,
)
from notewire.server.kernels.routing import Subscription

LIMIT = 15.0


class Live:
    def __init__(self, kernel: KernelHandle, iopub: Subscription) -> None:
        self.kernel = kernel
        self.iopub = iopub
        self.seen: list[Incoming] = []  # every iopub message taken so far, in order

    async def run(self, code: str, *, limit: float = LIMIT) -> ExecutionResult:
        """Run a cell; raise with the traceback if it failed."""
        async with asyncio.timeout(limit):
            result = await self.kernel.client.execute(code)
        if result.status != "ok":
            content = result.reply.msg.content
            raise AssertionError("\n".join(content.get("traceback", [])) or str(content))
        return result

    async def next(
        self, what: str, predicate: Callable[[Incoming], bool], *, limit: float = LIMIT
    ) -> Incoming:
        """The next iopub message (after those already taken) that matches."""
        try:
            async with asyncio.timeout(limit):
                while True:
                    incoming = await self.iopub.get()
                    self.seen.append(incoming)
                    if predicate(incoming):
                        return incoming
        except TimeoutError:
            kinds = [m.msg_type for m in self.seen[-20:]]
            raise AssertionError(f"no {what} within {limit}s; last seen: {kinds}") from None

    async def comm_open(self, target: str = "notewire.canvas") -> str:
        msg = await self.next(
            f"comm_open of {target}",
            lambda m: m.msg_type == "comm_open" and m.msg.content.get("target_name") == target,
        )
        return str(msg.msg.content["comm_id"])

    async def from_comm(
        self, comm_id: str, kind: str, *, limit: float = LIMIT, seen: bool = False
    ) -> Incoming:
        """The next comm_msg of this comm whose data has type `kind`; with `seen`, the
        first one taken already if there is one (a message that may come before or
        after others, depending on the machine's speed)."""

        def matches(m: Incoming) -> bool:
            content = m.msg.content
            return (
                m.msg_type == "comm_msg"
                and content.get("comm_id") == comm_id
                and content.get("data", {}).get("type") == kind
            )

        if seen:
            taken = next((m for m in self.seen if matches(m)), None)
            if taken is not None:
                return taken
        return await self.next(f"{kind!r} on comm {comm_id}", matches, limit=limit)

    async def of_type(self, msg_type: str, *, limit: float = LIMIT) -> Incoming:
        return await self.next(msg_type, lambda m: m.msg_type == msg_type, limit=limit)

    async def send(self, comm_id: str, data: dict[str, Any], buffers: Sequence[bytes] = ()) -> None:
        """What a browser sends: a comm_msg on shell."""
        client = self.kernel.client
        msg = client.new_message("comm_msg", {"comm_id": comm_id, "data": data})
        msg = type(msg)(msg.header, msg.content, None, {}, tuple(buffers))
        await client.send("shell", msg)

    async def close_comm(self, comm_id: str) -> None:
        client = self.kernel.client
        await client.send(
            "shell", client.new_message("comm_close", {"comm_id": comm_id, "data": {}})
        )


def data(incoming: Incoming) -> dict[str, Any]:
    return dict(incoming.msg.content["data"])


def picture(incoming: Incoming) -> np.ndarray:
    """The image in a frame or download message's first buffer."""
    [buffer] = incoming.msg.buffers
    with Image.open(io.BytesIO(bytes(buffer))) as image:
        return np.asarray(image)


def backend_entry_point(folder: Path) -> Path:
    """What `pip install` writes for the `matplotlib.backend` entry point the project
    declares: a distribution whose entry_points.txt names the backend. Put `folder` on
    the kernel's sys.path to make `%matplotlib notewire` work before it is installed."""
    dist = folder / "notewire_backend_probe-1.0.dist-info"
    dist.mkdir(parents=True)
    metadata = "Metadata-Version: 2.1\nName: notewire-backend-probe\nVersion: 1.0\n"
    (dist / "METADATA").write_text(metadata)
    (dist / "entry_points.txt").write_text("[matplotlib.backend]\nnotewire = notewire.mpl\n")
    return folder


@asynccontextmanager
async def live_kernel() -> AsyncIterator[Live]:
    """A notewire kernel of its own (found through its kernelspec, as the server finds
    it), with every iopub message kept for `Live.next`."""
    kernel_config = KernelConfig(
        launch=LaunchConfig(transport="ipc"), startup_timeout=30.0, shutdown_timeout=5.0
    )
    async with KernelManager(ManagerConfig(kernel=kernel_config, pool_size=0)) as manager:
        kernel = await manager.start_kernel("notewire")
        with kernel.client.subscribe(("iopub",), maxsize=100_000) as sub:
            yield Live(kernel, sub)
