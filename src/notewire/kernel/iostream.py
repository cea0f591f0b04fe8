"""sys.stdout / sys.stderr replacements that publish `stream` messages.

The first write after a quiet spell is published at once, so a single print shows up
immediately; later writes within FLUSH_INTERVAL are coalesced into one message, so a
loop of 100,000 prints costs a handful of messages instead of 100,000. Nothing is
dropped; a buffer past MAX_CHUNK is sent right away to bound memory and message size.
"""

from __future__ import annotations

import io
import threading
import time
from collections import deque
from collections.abc import Callable

from notewire.protocol import Header

from .interrupts import GATE

FLUSH_INTERVAL = 0.05  # seconds
MAX_CHUNK = 1 << 20  # characters

PublishStream = Callable[[str, str, Header | None], None]  # (name, text, parent)


class OutStream(io.TextIOBase):
    """A text stream whose writes become `stream` messages for the current parent."""

    def __init__(self, name: str, publish: PublishStream, flusher: Flusher) -> None:
        super().__init__()
        self.name = name  # type: ignore[misc]
        self._publish = publish
        self._flusher = flusher
        # Writers only append and the flusher only pops from the left, both atomic, so
        # print() takes no lock and no write can slip between a swap and a publish.
        self._parts: deque[str] = deque()
        self._size = 0  # approximate under races; it only decides when to flush early
        self._flush_lock = threading.Lock()  # keeps pop-and-publish ordered
        self._parent: Header | None = None
        self._muted = False
        self._last_flush = 0.0
        self._sibling: OutStream | None = None  # stdout's stderr and the other way round

    # --- io.TextIOBase ---
    def writable(self) -> bool:
        return True

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        raise io.UnsupportedOperation(f"{self.name} of the notewire kernel has no file descriptor")

    def write(self, s: str) -> int:
        if not isinstance(s, str):
            raise TypeError(f"write() argument must be str, not {type(s).__name__}")
        if self._muted or not s:
            return len(s)
        parts = self._parts
        first = not parts  # the first write since the last flush
        if first and self._sibling is not None:
            # What the other stream holds was written before this: it goes out first,
            # so stdout and stderr reach the notebook in the order they were written.
            self._sibling.flush()
        parts.append(s)
        self._size += len(s)
        if first:
            self._flusher.schedule(self, self._last_flush + FLUSH_INTERVAL)
        elif self._size >= MAX_CHUNK:
            self.flush()
        return len(s)

    def flush(self) -> None:
        """Publish what is buffered. Blocks until it is handed to IOPub, so output
        published after this call (display data, idle) comes after it."""
        if not self._parts and not self._flush_lock.locked():
            return  # nothing held, nothing on its way (the kernel flushes often)
        # The lock is taken outside the shield: the flusher may hold it while it waits
        # for a slow subscriber, and an interrupt must reach user code waiting here.
        with self._flush_lock, GATE.shielded():
            parts, chunks = self._parts, []
            while parts:
                chunks.append(parts.popleft())
            if not chunks:
                return
            self._size = 0
            self._last_flush = time.monotonic()
            text = "".join(chunks)
            try:
                self._publish(self.name, text, self._parent)
            except KeyboardInterrupt:
                # Interrupted while waiting for a slow subscriber, so not sent: keep
                # the text for the next flush. (One held during the send itself is
                # raised after the shield, once the text is out.)
                parts.appendleft(text)
                self._size += len(text)
                raise

    # --- kernel side ---
    def pair(self, other: OutStream) -> None:
        """Keep the order of writes across this stream and `other` (see write)."""
        self._sibling, other._sibling = other, self

    @property
    def parent_header(self) -> Header | None:
        """The request later writes answer (ipykernel's OutStream has it too)."""
        return self._parent

    def set_parent(self, parent: Header | None, *, muted: bool | None = None) -> None:
        """Route later writes to `parent`; earlier writes go out to the old parent first.
        `muted`: drop later writes (a silent request); None keeps the current setting."""
        self.flush()
        self._parent = parent
        if muted is not None:
            self._muted = muted


class Flusher(threading.Thread):
    """One background thread that flushes streams at their deadlines, so output
    appears while user code holds the main thread."""

    def __init__(self) -> None:
        super().__init__(name="notewire-stream-flush", daemon=True)
        self._cond = threading.Condition()
        self._due: dict[OutStream, float] = {}
        self._stopped = False

    def schedule(self, stream: OutStream, deadline: float) -> None:
        with self._cond:
            if stream not in self._due:
                self._due[stream] = deadline
                self._cond.notify()

    def run(self) -> None:
        while True:
            with self._cond:
                while not self._due and not self._stopped:
                    self._cond.wait()
                if self._stopped:
                    return
                now = time.monotonic()
                stream, deadline = min(self._due.items(), key=lambda item: item[1])
                if deadline > now:
                    self._cond.wait(deadline - now)
                    continue
                del self._due[stream]
            stream.flush()

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify()
