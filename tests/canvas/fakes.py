"""An in-memory host and comm for canvas tests: a manual clock, callbacks run when the
test says, every message a browser would get recorded."""

from __future__ import annotations

import contextlib
import heapq
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from notewire.canvas.host import Callback, MessageHandler


@dataclass
class Sent:
    data: dict[str, Any]
    buffers: list[bytes]


class FakeComm:
    def __init__(self, data: dict[str, Any], on_msg: MessageHandler, on_close: Callback) -> None:
        self.open_data = data
        self.sent: list[Sent] = []
        self.closed = False
        self._on_msg = on_msg
        self._on_close = on_close

    @property
    def comm_id(self) -> str:
        return "comm-1"

    def send(self, data: dict[str, Any], buffers: Sequence[Any] = ()) -> None:
        assert not self.closed, "send on a closed comm"
        self.sent.append(Sent(data, [bytes(b) for b in buffers]))

    def close(self) -> None:
        self.closed = True

    # --- the browser side ------------------------------------------------------------------

    def deliver(self, data: dict[str, Any]) -> None:
        self._on_msg(data, [])

    def close_from_browser(self) -> None:
        self._on_close()

    def of_type(self, kind: str) -> list[Sent]:
        return [s for s in self.sent if s.data["type"] == kind]

    @property
    def frames(self) -> list[Sent]:
        return self.of_type("frame")


class _Timer:
    def __init__(self) -> None:
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


@dataclass
class FakeHost:
    time: float = 100.0
    busy: bool = False
    default_ratio: float = 1.0
    comm: FakeComm | None = None
    displays: list[tuple[dict[str, Any], dict[str, Any], str, bool]] = field(default_factory=list)
    _soon: list[Callback] = field(default_factory=list)
    _timers: list[tuple[float, int, _Timer, Callback]] = field(default_factory=list)
    _order: Any = field(default_factory=itertools.count)
    _cell_end: dict[int, Callback] = field(default_factory=dict)
    owned: list[Callback] = field(default_factory=list)

    def now(self) -> float:
        return self.time

    def call_soon(self, callback: Callback) -> None:
        self._soon.append(callback)

    def call_later(self, delay: float, callback: Callback) -> _Timer:
        timer = _Timer()
        heapq.heappush(
            self._timers, (self.time + max(delay, 0.0), next(self._order), timer, callback)
        )
        return timer

    def saw_ratio(self, ratio: float) -> None:
        self.default_ratio = ratio

    def on_cell_end(self, callback: Callback) -> Callback:
        token = next(self._order)
        self._cell_end[token] = callback
        return lambda: self._cell_end.pop(token, None) and None

    def own(self, close: Callback) -> Callback:
        self.owned.append(close)
        return lambda: self.owned.remove(close) if close in self.owned else None

    def open_comm(
        self, data: dict[str, Any], on_msg: MessageHandler, on_close: Callback
    ) -> FakeComm:
        self.comm = FakeComm(data, on_msg, on_close)
        return self.comm

    def display(
        self, bundle: dict[str, Any], metadata: dict[str, Any], display_id: str, *, update: bool
    ) -> None:
        self.displays.append((bundle, metadata, display_id, update))

    def cell_output(self) -> Callable[[], contextlib.AbstractContextManager[None]]:
        return contextlib.nullcontext

    # --- driving -----------------------------------------------------------------------------

    def run(self) -> None:
        """Run the callbacks due now (and those they schedule for now)."""
        for _ in range(10_000):
            if self._soon:
                self._soon.pop(0)()
            elif self._timers and self._timers[0][0] <= self.time:
                _, _, timer, callback = heapq.heappop(self._timers)
                if not timer.cancelled:
                    callback()
            else:
                return
        raise AssertionError("callbacks keep scheduling callbacks: a busy loop")

    def advance(self, seconds: float) -> None:
        """Let time pass, running timers as they come due."""
        end = self.time + seconds
        self.run()
        while self._timers and self._timers[0][0] <= end:
            self.time = max(self.time, self._timers[0][0])
            self.run()
        self.time = end
        self.run()

    def end_cell(self) -> None:
        self.busy = False
        for callback in list(self._cell_end.values()):
            callback()
        self.run()

    def pending_timers(self) -> list[float]:
        return sorted(t for t, _, timer, _ in self._timers if not timer.cancelled)


def view_msg(view: str = "v1", visible: bool = True, ratio: float = 1.0) -> dict[str, Any]:
    return {"type": "view", "view": view, "visible": visible, "ratio": ratio}


def ack(frame: int, view: str = "v1") -> dict[str, Any]:
    return {"type": "ack", "view": view, "frame": frame}


def event(kind: str, view: str = "v1", **fields: Any) -> dict[str, Any]:
    return {"type": "event", "view": view, "event": {"type": kind, "timestamp": 1.0, **fields}}


Handler = Callable[[dict[str, Any]], None]
