"""Keeping an interrupt out of the middle of a send.

A KeyboardInterrupt raised between the frames of a multipart send would leave half a
message in the socket, and the next message would be glued onto it: a corrupt message,
with the reply or idle inside it lost. So on the main thread, an interrupt that arrives
inside a shielded section is held and raised when the section ends.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class InterruptGate:
    def __init__(self) -> None:
        self._main = threading.main_thread().ident
        self._depth = 0
        self._pending = False

    @contextmanager
    def shielded(self) -> Iterator[None]:
        if threading.get_ident() != self._main:  # Python runs signal handlers on main only
            yield
            return
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
            if self._depth == 0 and self._pending:
                self._pending = False
                raise KeyboardInterrupt

    @contextmanager
    def unshielded(self) -> Iterator[None]:
        """Lift the shield for a wait that must stay interruptible, such as waiting for
        a slow IOPub subscriber: nothing is half-sent meanwhile. An interrupt held
        earlier in the section is raised here, on entry."""
        if threading.get_ident() != self._main:
            yield
            return
        depth, self._depth = self._depth, 0
        try:
            if self._pending:
                self._pending = False
                raise KeyboardInterrupt
            yield
        finally:
            self._depth = depth

    def hold(self) -> bool:
        """Called by the SIGINT handler: True if the interrupt was held for later."""
        if self._depth:
            self._pending = True
            return True
        return False


GATE = InterruptGate()
