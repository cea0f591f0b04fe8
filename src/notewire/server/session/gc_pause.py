"""No full garbage collection while a notebook is read and built.

Reading a 20,000-cell notebook makes about a million Python objects that live until the
document is built. Python starts a full collection whenever the objects that survived
the young ones grow by a quarter, and a full collection walks every object of the
process in one go, holding the GIL: 0.1-0.5 s with the parsed notebook in memory, in
which the event loop (waiting for the GIL) answers no one. The parsed notebook holds no
reference cycles (JSON is a tree, and it is dropped by reference counting), so
collecting while it is built finds nothing of it anyway: automatic collection is off
while any notebook is being read or built, and back on when the last one is done.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

_lock = threading.Lock()
_paused = 0  # the number of `gc_paused` blocks running, in any thread
_was_enabled = False  # whether collection was on when the first of them began


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Automatic garbage collection off in the whole process for the block (on again
    at the end of the last such block, if it was on at the start of the first)."""
    global _paused, _was_enabled
    with _lock:
        if _paused == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _paused += 1
    try:
        yield
    finally:
        with _lock:
            _paused -= 1
            if _paused == 0 and _was_enabled:
                gc.enable()
