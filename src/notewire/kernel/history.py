"""When IPython's input history reaches its database: in a batch, off the reply's path.

IPython writes each cell's input to SQLite on its history thread as soon as the cell
starts (its default cache size is 0). That write, and its thread taking the GIL and a
core, lands in the middle of the request: on a busy two-core machine it added about a
millisecond to `execute("pass")`, and a burst of cells paid it once per cell. The kernel
instead lets inputs collect in IPython's cache and wakes the history thread once, a
second after a request finishes, so a burst costs one write, made while nothing waits.

`%history` and history_request read the cache as well as the database, and a normal
shutdown writes the cache out; a killed kernel loses at most the last second's inputs.
A user who configured `HistoryManager.db_cache_size` keeps IPython's own behaviour.
"""

from __future__ import annotations

import asyncio
import sys

from IPython.core.history import HistoryManager

WRITE_DELAY = 1.0  # seconds after a request finishes


class HistoryWrites:
    def __init__(self, history: HistoryManager) -> None:
        self._history = history
        self._deferred = history.db_cache_size <= 1
        if self._deferred:
            history.db_cache_size = sys.maxsize
        self._pending: asyncio.TimerHandle | None = None

    def request_done(self) -> None:
        """Call on the kernel's event loop after each shell request."""
        if self._deferred and self._pending is None:
            self._pending = asyncio.get_running_loop().call_later(WRITE_DELAY, self._write)

    def _write(self) -> None:
        self._pending = None
        history = self._history
        flag = history.save_flag
        if flag is not None and (history.db_input_cache or history.db_output_cache):
            flag.set()
