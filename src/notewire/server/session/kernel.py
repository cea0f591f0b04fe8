"""One notebook's kernel: starting it, its status, and the routing of what it says.

Everything the kernel publishes on iopub goes through one subscription read by one
task (`pump`), in order: outputs are sent to the cell whose execute_request they answer
(by parent msg_id, also after the cell finished, as threads may still print), comm
traffic to the comms registry and every browser, status to the kernel status. The run
queue only sends requests and waits for their replies and idle.

The kernel can be replaced (restart, change of kernelspec) or be lost at any time;
each kernel gets a watcher that reports a loss nobody asked for, with its cause, and
its return where a kernel can come back by itself (a gateway reconnected).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from notewire.protocol.content import InputRequest, Status

from ..kernels import (
    Incoming,
    KernelClosed,
    KernelDied,
    KernelError,
    KernelManager,
    Listener,
    NoSuchKernelSpec,
    RunningKernel,
)

log = logging.getLogger(__name__)

# How many recent execute requests keep routing late output to their cell.
_REMEMBERED_PARENTS = 1000


@dataclass(frozen=True, slots=True)
class KernelStatus:
    """What browsers show about the kernel (docs/notebook-protocol.md, `kernel`)."""

    state: str = "none"  # starting, idle, busy, restarting, dead, none
    name: str = ""
    display_name: str = ""
    language: str = ""
    cause: str | None = None

    def to_json(self) -> dict[str, Any]:
        body = {
            "state": self.state,
            "name": self.name,
            "display_name": self.display_name,
            "language": self.language,
        }
        if self.cause:
            body["cause"] = self.cause
        return body


@dataclass(slots=True)
class Execution:
    """An execute_request in flight, and the cell its output belongs to. `on_idle`, if
    set, is called when its idle status arrives, after that status has been applied
    (not when the kernel dies: then only `idle` is set)."""

    msg_id: str
    cell_id: str
    idle: asyncio.Event
    on_idle: Callable[[], None] | None = None


IopubHandler = Callable[[Incoming, str | None], None]  # message, the cell it belongs to
StatusHandler = Callable[[KernelStatus], None]


class NotebookKernel:
    """The kernel behind one notebook. `on_iopub` gets every iopub message with the cell
    it belongs to (or None); `on_status` every change of status. Background work runs
    in `tasks`."""

    def __init__(
        self,
        manager: KernelManager,
        *,
        cwd: Path,
        tasks: asyncio.TaskGroup,
        on_iopub: IopubHandler,
        on_status: StatusHandler,
    ) -> None:
        self._manager = manager
        self.cwd = cwd  # where kernels start; follows the notebook when its file moves
        self._tasks = tasks
        self._on_iopub = on_iopub
        self._on_status = on_status
        self.handle: RunningKernel | None = None
        self.status = KernelStatus()
        self._ready = asyncio.Event()
        self._parents: OrderedDict[str, str] = OrderedDict()  # msg_id -> cell id
        self._executions: dict[str, Execution] = {}
        self._background: list[asyncio.Task[None]] = []
        self._listener: Listener | None = None

    # --- status --------------------------------------------------------------------

    def _set_status(self, **changes: Any) -> None:
        status = replace(self.status, **changes)
        if status != self.status:
            self.status = status
            self._on_status(status)

    @property
    def alive(self) -> bool:
        return self.handle is not None and self.handle.is_alive

    @property
    def ready(self) -> bool:
        """Whether `wait_ready` would return at once."""
        return self._ready.is_set()

    async def wait_ready(self) -> RunningKernel:
        """The kernel, once it is started and alive. Raises KernelDied or KernelClosed
        when there is none to use (dead, failed to start, shut down)."""
        await self._ready.wait()
        handle = self.handle
        if handle is not None and handle.is_alive:
            return handle
        if handle is not None and handle.death is not None:
            raise KernelDied(handle.death)
        raise KernelClosed(self.status.cause or "this notebook has no kernel")

    # --- lifecycle -----------------------------------------------------------------

    async def start(self, name: str | None) -> None:
        """Start a kernel from kernelspec `name` (the default one when None or not
        installed). A failure to start is reported in the status, not raised."""
        self._ready.clear()
        try:
            try:
                spec = await self._manager.kernel_spec(name)
            except NoSuchKernelSpec:
                log.info("kernelspec %r is not installed; using the default", name)
                spec = await self._manager.kernel_spec(None)
        except KernelError as exc:  # none at all, or the gateway cannot be asked
            log.warning("no kernel to start: %s", exc)
            self._set_status(state="dead", cause=str(exc))
            self._ready.set()
            return
        self._set_status(
            state="starting",
            name=spec.name,
            display_name=spec.display_name,
            language=spec.language,
            cause=None,
        )
        root = self._manager.config.cwd
        # Without a pool, a kernel starts in the notebook's folder straight away.
        pooled = self._manager.pool.size > 0 and (spec.language == "python" or self.cwd == root)
        try:
            handle = await self._manager.start_kernel(spec, cwd=None if pooled else self.cwd)
            if pooled and self.cwd != root:
                # A pooled kernel started in the root folder; move it next to the notebook.
                await handle.client.execute(
                    f"import os as __nw_os; __nw_os.chdir({str(self.cwd)!r}); del __nw_os",
                    silent=True,
                    store_history=False,
                )
        except KernelError as exc:
            log.warning("kernel %s failed to start: %s", spec.name, exc)
            self._set_status(state="dead", cause=str(exc))
            self._ready.set()
            return
        self.handle = handle
        self._attach(handle)
        self._set_status(state="idle")
        self._ready.set()

    def _attach(self, handle: RunningKernel) -> None:
        """Start reading the kernel's iopub and watching its process."""
        self._stop_background()
        # Applied on the client's receive loop, message by message: a queue and a task
        # of our own would cost a task switch per message, on every execute's path.
        self._listener = handle.client.listen(self._route, ("iopub",))
        self._background = [
            self._tasks.create_task(self._watch(handle), name=f"watch-{handle.id[:8]}"),
        ]

    def _stop_background(self) -> None:
        for task in self._background:
            task.cancel()
        if self._listener is not None:
            self._listener.close()
            self._listener = None

    async def _watch(self, handle: RunningKernel) -> None:
        while True:
            try:
                cause = await handle.wait_exit()
            except KernelClosed:
                return
            if cause.requested:
                return
            self._fail_executions()
            self._set_status(state="dead", cause=cause.describe())
            try:
                await handle.wait_recovered()
            except KernelDied as exc:
                self._set_status(state="dead", cause=exc.cause.describe())
                return
            except KernelClosed:
                return
            self._set_status(state="idle", cause=None)

    def _fail_executions(self) -> None:
        for execution in self._executions.values():
            execution.idle.set()  # their replies fail with KernelDied; nothing waits on idle
        self._executions.clear()

    async def restart(self) -> None:
        handle = await self._require_handle()
        self._ready.clear()
        self._set_status(state="restarting", cause=None)
        self._fail_executions()
        # The new process starts next to the notebook: a pooled kernel was launched in
        # the root and moved by chdir, and the notebook itself may have moved since.
        handle.cwd = self.cwd
        try:
            await handle.restart(now=not handle.is_alive)
        except KernelError as exc:
            self._set_status(state="dead", cause=str(exc))
            raise
        finally:
            self._ready.set()
        self._attach(handle)
        self._set_status(state="idle")

    async def interrupt(self) -> None:
        handle = await self._require_handle()
        await handle.interrupt()

    async def shutdown(self) -> None:
        self._stop_background()
        handle, self.handle = self.handle, None
        self._fail_executions()
        if handle is not None:
            with contextlib.suppress(KernelError):
                await self._manager.shutdown_kernel(handle.id)
        self._set_status(state="none", cause=None)

    async def _require_handle(self) -> RunningKernel:
        if self.handle is None:
            raise KernelClosed("this notebook has no kernel")
        return self.handle

    # --- iopub ---------------------------------------------------------------------

    def _route(self, incoming: Incoming) -> None:
        parent = incoming.parent_id
        cell_id = self._parents.get(parent) if parent else None
        content = incoming.content
        if isinstance(content, Status):
            # Only busy and idle come from the kernel's own word. Its `starting` (one per
            # process) may overtake nothing: ipykernel's reaches us after the first
            # replies, and taken as the state it would close every widget comm.
            if self.status.state in ("idle", "busy") and content.execution_state in (
                "idle",
                "busy",
            ):
                self._set_status(state=content.execution_state)
            execution = self._executions.get(parent or "")
            if execution is not None and content.execution_state == "idle":
                del self._executions[execution.msg_id]
                execution.idle.set()
                self._on_iopub(incoming, cell_id)
                if execution.on_idle is not None:
                    execution.on_idle()
                return
        self._on_iopub(incoming, cell_id)

    # --- requests ------------------------------------------------------------------

    def begin_execution(self, msg_id: str, cell_id: str) -> Execution:
        """Route the output of request `msg_id` to `cell_id`; call before sending it."""
        execution = Execution(msg_id, cell_id, asyncio.Event())
        self._executions[msg_id] = execution
        self._parents[msg_id] = cell_id
        while len(self._parents) > _REMEMBERED_PARENTS:
            self._parents.popitem(last=False)
        return execution


def input_request_json(
    request_id: str, cell_id: str | None, content: InputRequest
) -> dict[str, Any]:
    return {
        "type": "input_request",
        "request": request_id,
        "cell": cell_id,
        "prompt": content.prompt,
        "password": content.password,
    }
