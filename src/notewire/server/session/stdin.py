"""The kernel's questions to the user (`input()`, `getpass()`): at most one at a time,
shown to every browser, answered by any of them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from notewire.protocol import new_id
from notewire.protocol.content import InputRequest, Stream

from ..kernels import Incoming
from ..notebook.outputs import OutputWriter
from .kernel import NotebookKernel, input_request_json
from .peers import Peers


class NoSuchInput(ValueError):
    """An answer to a question that is not (or no longer) asked."""


@dataclass(slots=True)
class _Pending:
    request: str  # our id for it, as browsers know it
    cell: str
    incoming: Incoming

    @property
    def content(self) -> InputRequest:
        assert isinstance(self.incoming.content, InputRequest)
        return self.incoming.content


class InputPrompts:
    """`writer()` is the current document's output writer: the prompt and its answer
    are kept in the cell's output."""

    def __init__(self, peers: Peers, writer: Callable[[], OutputWriter | None]) -> None:
        self._peers = peers
        self._writer = writer
        self._pending: _Pending | None = None

    def ask(self, incoming: Incoming, cell_id: str) -> None:
        """The kernel's input_request, made while `cell_id` runs."""
        assert isinstance(incoming.content, InputRequest)
        self._pending = _Pending(new_id(), cell_id, incoming)
        self._peers.send_json(self.to_json() or {})

    def to_json(self) -> dict[str, Any] | None:
        """The question asked now, for browsers (their hello has it); None: none."""
        pending = self._pending
        if pending is None:
            return None
        return input_request_json(pending.request, pending.cell, pending.content)

    def end(self, cell_id: str) -> None:
        """The cell's run ended: its question, if unanswered, is withdrawn."""
        if self._pending is not None and self._pending.cell == cell_id:
            self._peers.send_json({"type": "input_done", "request": self._pending.request})
            self._pending = None

    async def answer(self, kernel: NotebookKernel, request: Any, value: Any) -> None:
        """A browser's answer to question `request`."""
        pending = self._pending
        if pending is None or request != pending.request:
            raise NoSuchInput("no such input request (already answered?)")
        if not isinstance(value, str):
            raise NoSuchInput("input_reply needs a string 'value'")
        self._pending = None
        handle = await kernel.wait_ready()
        self._echo(pending, value)  # before the reply: it precedes what follows
        await handle.client.input_reply(value, pending.incoming.msg.header)
        self._peers.send_json({"type": "input_done", "request": pending.request})

    def _echo(self, pending: _Pending, value: str) -> None:
        """Keep the prompt and the answer in the cell's output, as the classic notebook
        did (a password shows as dots), so the output reads as the session went."""
        writer = self._writer()
        assert writer is not None
        request = pending.content
        shown = "········" if request.password else value
        writer.apply(pending.cell, Stream(name="stdout", text=f"{request.prompt}{shown}\n"))
