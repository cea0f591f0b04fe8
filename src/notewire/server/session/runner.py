"""The queue of cells to run, kept by the server so it survives browsers leaving.

Cells run one at a time, in the order they were queued: the server sends a cell's
execute_request only when the one before has finished, so the queue the user sees is
the real one, and an error stops it here (the kernel never has to abort anything).
A cell's `run_state` in the document follows it: queued, running, then done or error.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable

from notewire.protocol.content import InputRequest

from ..kernels import Incoming, KernelClosed, KernelDied, KernelError
from .kernel import NotebookKernel
from .run_cells import RunCells

log = logging.getLogger(__name__)

InputHandler = Callable[[Incoming, str], None]  # the input_request, its cell id


class RunQueue:
    """`state` is where runs are written into the document."""

    def __init__(self, kernel: NotebookKernel, state: RunCells, on_input: InputHandler) -> None:
        self._kernel = kernel
        self._state = state
        self._on_input = on_input
        self._queue: deque[str] = deque()
        self._wake = asyncio.Event()
        self.running: str | None = None

    @property
    def queued(self) -> tuple[str, ...]:
        return tuple(self._queue)

    def add(self, cell_ids: list[str]) -> None:
        # A cell that will start at once is not marked queued: that write would cost
        # every browser a frame, sent before the execute_request goes to the kernel.
        # (_run_cell marks it queued after all if the kernel is not ready.)
        starts_now = self.running is None and not self._queue
        for cell_id in cell_ids:
            if cell_id in self._queue or not self._state.is_code_cell(cell_id):
                continue
            self._queue.append(cell_id)
            if starts_now:
                starts_now = False
            else:
                self._state.set_run_state(cell_id, "queued")
        self._wake.set()

    def clear(self) -> None:
        """Unqueue every cell that has not started."""
        while self._queue:
            self._state.set_run_state(self._queue.popleft(), "idle")

    async def run(self) -> None:
        """Run queued cells until cancelled."""
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._queue:
                cell_id = self._queue.popleft()
                self.running = cell_id
                try:
                    ok = await self._run_cell(cell_id)
                finally:
                    self.running = None
                if not ok:
                    self.clear()

    async def _run_cell(self, cell_id: str) -> bool:
        code = self._state.cell_source(cell_id)
        if code is None:  # deleted while it waited
            return True
        if not self._kernel.ready:
            self._state.set_run_state(cell_id, "queued")
        try:
            handle = await self._kernel.wait_ready()
        except KernelError as exc:
            self._state.fail_cell(cell_id, "KernelUnavailable", str(exc))
            return False
        client = handle.client
        self._state.clear_cell(cell_id)
        msg = client.new_message(
            "execute_request",
            {
                "code": code,
                "silent": False,
                "store_history": True,
                "user_expressions": {},
                "allow_stdin": True,
                "stop_on_error": True,
            },
        )
        msg.metadata["cellId"] = cell_id  # as JupyterLab sends it: kernels may key on it
        execution = self._kernel.begin_execution(msg.msg_id, cell_id)
        try:
            with client.subscribe(("shell", "stdin"), parent=msg.msg_id) as sub:
                await client.send("shell", msg)
                self._state.start_cell(cell_id)
                while True:
                    incoming = await sub.get()
                    if incoming.channel == "shell":
                        break
                    if isinstance(incoming.content, InputRequest):
                        self._on_input(incoming, cell_id)
            reply = incoming
            status = str(reply.msg.content.get("status", "error"))
            finished = False

            def finish() -> None:
                nonlocal finished
                finished = True
                self._state.finish_cell(cell_id, reply, "done" if status == "ok" else "error")

            if not execution.idle.is_set():
                # The idle's reader ends the cell as it applies the idle: the browsers
                # hear of it without waiting for this task's turn on the loop.
                execution.on_idle = finish
            try:
                await execution.idle.wait()
            finally:
                execution.on_idle = None  # cancelled: the cell is not ours to end now
        except KernelDied as exc:
            if not exc.cause.requested:
                self._state.fail_cell(cell_id, "KernelDied", f"The kernel {exc.cause.describe()}.")
                return False
            self._state.finish_cell(cell_id, None, "idle")  # restarted under it
            return False
        except KernelClosed:  # shut down under it
            self._state.finish_cell(cell_id, None, "idle")
            return False
        if not finished:  # the idle came first, or the kernel died before it
            finish()
        return status == "ok"
