"""The kernel state browsers see: the lifecycle owns starting, restarting and dead;
the kernel's own status messages move it only between busy and idle."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from notewire.protocol import make_message
from notewire.protocol.content import Status
from notewire.server.kernels.routing import Incoming
from notewire.server.session.kernel import KernelStatus, NotebookKernel


def _status(state: str) -> Incoming:
    msg = make_message("status", {"execution_state": state}, session="k")
    return Incoming("iopub", msg, Status(execution_state=state))


async def test_a_late_starting_from_the_kernel_leaves_a_running_kernel_running() -> None:
    seen: list[KernelStatus] = []
    outputs: list[Any] = []
    async with asyncio.TaskGroup() as tasks:
        kernel = NotebookKernel(
            None,  # type: ignore[arg-type]  # no kernel is started here
            cwd=Path("."),
            tasks=tasks,
            on_iopub=lambda incoming, cell: outputs.append(incoming),
            on_status=seen.append,
        )
        kernel._set_status(state="idle")
        # ipykernel publishes `starting` once, from another thread: it can arrive
        # after the replies that made the server call the kernel ready.
        kernel._route(_status("starting"))
        assert kernel.status.state == "idle"
        kernel._route(_status("busy"))
        kernel._route(_status("idle"))
    assert [s.state for s in seen] == ["idle", "busy", "idle"]
    assert len(outputs) == 3  # every status is still passed on
