"""When autosave writes a notebook: every interval, and soon after a run ends.

A run that ends with the queue dry is saved `settle` seconds later, so that its output
is on disk (a queue of many cells is saved once, at its end). Not at once: the browsers
are then showing the run's result, which is what the user waits for, and a save (the
document's snapshot, its JSON, the write) would take CPU from them (a cell showing 100
sliders was shown 25-70 ms later on 2 cores, the save holding the GIL the relay needs);
a run that ends within that time is saved with it. Runs that keep ending one after the
other (a user running cells in turn, a client that runs a cell in a loop) are
coalesced: after one such save the next waits `spacing` seconds, or ten times what the
last save cost, whichever is longer, so a big notebook is not rewritten per cell and
saving never takes more than a tenth of the server's time. Output of a finished run is
on disk at most that long after it ended.
"""

from __future__ import annotations

import math
from collections.abc import Callable

COST_FACTOR = 10  # a run-end save waits at least this many times the last save's cost
SETTLE = 0.5  # seconds a run-end save waits after the run ended


class SavePacing:
    def __init__(
        self,
        interval: float,
        spacing: float,
        clock: Callable[[], float],
        settle: float = SETTLE,
    ) -> None:
        self._interval = interval  # seconds between saves of any unsaved change
        self._spacing = spacing  # seconds between saves that follow ends of runs
        self._settle = settle  # seconds between the end of a run and its save
        self._clock = clock
        self._last = clock()  # when the last save began (or the session opened)
        self._last_save = -math.inf  # the same; before any save, `spacing` holds none
        self._cost = 0.0  # how long the last save took
        self._run_pending = False  # a run ended with the queue dry, unsaved since
        self._run_ended = -math.inf  # when the last run ended with the queue dry

    def run_ended(self, queue_idle: bool) -> None:
        if queue_idle:
            self._run_pending = True
            self._run_ended = self._clock()

    def _gap(self) -> float:
        return max(self._spacing, COST_FACTOR * self._cost)

    def _run_save_at(self) -> float:
        return max(self._last_save + self._gap(), self._run_ended + self._settle)

    def next_look(self, longest: float) -> float:
        """Seconds to wait for the next run end before looking again."""
        if not self._run_pending:
            return longest
        return min(longest, max(0.0, self._run_save_at() - self._clock()))

    def due(self) -> bool:
        """Whether unsaved changes are to be written now."""
        now = self._clock()
        if now - self._last >= self._interval:
            return True
        return self._run_pending and now >= self._run_save_at()

    def nothing_to_save(self) -> None:
        self._run_pending = False

    def began(self) -> float:
        """A save begins now (whether it succeeds or not); returns the time."""
        self._run_pending = False
        self._last = self._last_save = self._clock()
        return self._last

    def ended(self, began: float) -> None:
        self._cost = self._clock() - began
