"""The document's side of running cells: what the run queue writes into a cell.

A run writes its cell in three transactions (queued, started, finished) and only the
keys whose value changes: each change of a map key leaves a tombstone in the Yjs
document and costs every browser a frame. Its old output is cleared before its request
is sent; it is marked started after, while the kernel runs it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pycrdt

from notewire.protocol.content import DisplayData, Error

from ..kernels import Incoming
from ..notebook import schema
from ..notebook.outputs import OutputWriter
from .spill import OutputSpill


def update(cell: pycrdt.Map, **values: Any) -> None:
    """Set the keys whose value differs (an unchanged write still costs a tombstone).
    A missing key counts as None, as `get` has it (a read by key is one transaction
    where `get` takes two)."""
    for key, value in values.items():
        try:
            same = cell[key] == value
        except KeyError:
            same = value is None
        if not same:
            cell[key] = value


def now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


class RunCells:
    """The run queue's view of the document. `on_end(cell_id)` is called when a run
    ends, however it ends. The session hands over each new document (`use`)."""

    def __init__(self, doc: pycrdt.Doc, spill: OutputSpill, on_end: Callable[[str], None]) -> None:
        self._doc = doc
        self._writer: OutputWriter | None = None
        self._spill = spill
        self._on_end = on_end
        self._timing: dict[str, dict[str, str]] = {}  # of the running cell, by cell id
        # The cells found, by id, until the list of cells changes. Each pycrdt access is
        # a transaction; a run looks its cell up four times.
        self._found: dict[str, pycrdt.Map] = {}
        self._watch: tuple[pycrdt.Array, pycrdt.Subscription] | None = None

    def use(self, doc: pycrdt.Doc, writer: OutputWriter | None) -> None:
        self._forget()
        self._doc, self._writer = doc, writer

    def _forget(self) -> None:
        """Drop what was found, and release the document's callback (pycrdt keeps it
        outside the garbage collector)."""
        self._found.clear()
        watch, self._watch = self._watch, None
        if watch is not None:
            watch[0].unobserve(watch[1])

    def _cell(self, cell_id: str) -> pycrdt.Map | None:
        found = self._found.get(cell_id)
        if found is not None:  # a cell's id is given when it is made, and kept
            return found
        cell = schema.get_cell(self._doc, cell_id)
        if cell is None:
            return None
        if self._watch is None:
            # Browsers insert, delete and move cells at any time (a move is a delete
            # and an insert: a new Map); a change inside a cell does not reach the list's
            # own observers. The callback holds nothing but the dict.
            cells = schema.cells_array(self._doc)
            self._watch = (cells, cells.observe(_clear_on_change(self._found)))
        self._found[cell_id] = cell
        return cell

    # Reads are grouped in one transaction: outside one, each pycrdt access (a `get`
    # is three) opens and commits its own.

    def is_code_cell(self, cell_id: str) -> bool:
        with self._doc.transaction():
            cell = self._cell(cell_id)
            return cell is not None and cell.get("cell_type") == "code"

    def cell_source(self, cell_id: str) -> str | None:
        with self._doc.transaction():
            cell = self._cell(cell_id)
            return None if cell is None else schema.cell_source(cell)

    def set_run_state(self, cell_id: str, state: str) -> None:
        cell = self._cell(cell_id)
        if cell is not None:
            update(cell, run_state=state)

    def clear_cell(self, cell_id: str) -> None:
        """Before its execute_request is sent: the cell's old output goes, so that
        nothing of the new run can come before it is cleared."""
        assert self._writer is not None
        with self._doc.transaction():
            cell = self._cell(cell_id)
            if cell is None:
                return
            self._timing[cell_id] = {"iopub.status.busy": now()}
            self._spill.discard(cell_id)
            if len(cell.get("outputs") or ()):
                self._writer.clear(cell_id)

    def start_cell(self, cell_id: str) -> None:
        """Once its execute_request is sent (the kernel starts meanwhile): the cell
        says it runs."""
        cell = self._cell(cell_id)
        timing = self._timing.get(cell_id)
        if cell is None or timing is None:
            return
        with self._doc.transaction():
            update(cell, execution_count=None, run_state="running", trusted=True)
            _set_timing(cell, timing)

    def saw_execute_input(self, cell_id: str, date: str) -> None:
        """Kept until the cell finishes; the count shows then (the cell says running)."""
        timing = self._timing.get(cell_id)
        if timing is not None:
            timing["iopub.execute_input"] = date

    def finish_cell(self, cell_id: str, reply: Incoming | None, state: str) -> None:
        try:
            self._finish(cell_id, reply, state)
        finally:
            # After the cell's last write: the browsers' writers wake before what
            # a run's end sets going (autosave), so the end reaches them sooner.
            self._on_end(cell_id)

    def _finish(self, cell_id: str, reply: Incoming | None, state: str) -> None:
        timing = self._timing.pop(cell_id, {})
        cell = self._cell(cell_id)
        if cell is None:
            return
        with self._doc.transaction():
            update(cell, run_state=state)
            if reply is not None:
                self._show_pages(cell_id, reply)
                count = reply.msg.content.get("execution_count")
                if isinstance(count, int):
                    update(cell, execution_count=count)
                timing["shell.execute_reply"] = reply.msg.header.date
                timing["iopub.status.idle"] = now()
                _set_timing(cell, timing)

    def _show_pages(self, cell_id: str, reply: Incoming) -> None:
        """`?`, `??` and %page send their text as a "page" payload of the reply; like
        JupyterLab, show it as an output of the cell."""
        assert self._writer is not None
        for payload in reply.msg.content.get("payload") or ():
            if isinstance(payload, dict) and payload.get("source") == "page":
                data = payload.get("data")
                if isinstance(data, dict) and data:
                    self._writer.apply(cell_id, DisplayData(data=data))

    def fail_cell(self, cell_id: str, ename: str, evalue: str) -> None:
        assert self._writer is not None
        self._on_end(cell_id)
        self._timing.pop(cell_id, None)
        with self._doc.transaction():
            self._writer.apply(
                cell_id, Error(ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])
            )
            self.set_run_state(cell_id, "error")


def _clear_on_change(found: dict[str, pycrdt.Map]) -> Callable[[Any], None]:
    return lambda _event: found.clear()


def _set_timing(cell: pycrdt.Map, timing: dict[str, str]) -> None:
    metadata = dict(cell.get("metadata") or {})
    metadata["execution"] = dict(timing)
    cell["metadata"] = metadata
