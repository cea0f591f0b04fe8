"""The kernel's shared state, passed explicitly to every handler (no singletons)."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import FrameType
from typing import Literal

from comm.base_comm import CommManager

from notewire.protocol import Message
from notewire.protocol.content import Content

from .history import HistoryWrites
from .interrupts import GATE
from .iopub import Publisher
from .outputs import Outputs
from .session import Session
from .shell import KernelShell
from .stdin import Stdin

ExecMode = Literal["idle", "sync", "async"]


@dataclass(frozen=True, slots=True)
class Request:
    """A decoded request: who sent it, the envelope, and its typed content."""

    idents: list[bytes]
    msg: Message
    content: Content


@dataclass
class Kernel:
    session: Session
    publisher: Publisher
    outputs: Outputs
    shell: KernelShell
    stdin: Stdin
    comms: CommManager
    request_stop: Callable[[bool], None]  # (restart) -> None; safe from any thread
    history: HistoryWrites | None = None
    # The request being handled, or last handled, per channel: ipykernel's get_parent().
    parent: Message | None = None
    control_parent: Message | None = None
    mode: ExecMode = "idle"
    cancel_async: Callable[[], None] | None = None
    main_thread: int = field(default_factory=threading.get_ident)

    @contextmanager
    def running_user_code(self, mode: ExecMode) -> Iterator[None]:
        """Marks the span in which an interrupt must reach user code."""
        self.mode = mode
        try:
            yield
        finally:
            self.mode = "idle"
            self.cancel_async = None

    def interrupt(self) -> None:
        """Interrupt running user code, from any thread. Does nothing when idle."""
        if self.mode != "idle":
            signal.pthread_kill(self.main_thread, signal.SIGINT)

    def on_sigint(self, signum: int, frame: FrameType | None) -> None:
        """SIGINT handler. Raising only inside user code keeps a stray signal to the
        process group from killing an idle kernel. An awaiting cell is cancelled
        instead, since raising there would unwind the event loop itself."""
        if self.mode == "sync":
            if GATE.hold():  # mid-send: raised when the send is complete
                return
            raise KeyboardInterrupt
        if self.mode == "async" and self.cancel_async is not None:
            self.cancel_async()
