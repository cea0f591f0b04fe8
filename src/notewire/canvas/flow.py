"""Frame flow control for one canvas: a pure state machine (no clock, no I/O).

The driver feeds it what happens (a draw request, an input event, a view's status or
ack, a cell starting or ending), with the time, and asks `poll(now)` what to do: render
a frame now, or wait until a time (or until something happens). See
docs/canvas-protocol.md, section 5, for the rules this implements.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class FlowConfig:
    """Times are seconds."""

    window: int = 3  # frames sent and not yet shown by the slowest counted view
    settle: float = 0.3  # quiet time after which the picture is sent lossless
    stall: float = 2.0  # a view that has not shown a frame sent this long ago stops counting
    busy_interval: float = 0.1  # pace of frames while a cell runs (no acks can arrive)
    lossy: bool = True  # False: every frame is lossless
    max_views: int = 64

    def __post_init__(self) -> None:
        if self.window < 1:
            raise ValueError(f"window must be at least 1, got {self.window}")


@dataclass(slots=True)
class ViewState:
    visible: bool
    ratio: float
    acked: int  # the last frame this view has shown


@dataclass(frozen=True, slots=True)
class Render:
    """Render and send one frame now.

    `fresh`: the renderer must produce a new picture (a draw was requested); otherwise
    the last picture may be encoded again (a key frame for a new view, a settle frame).
    `key`: send the whole picture. `lossy`: encode lossy (JPEG)."""

    fresh: bool
    key: bool
    lossy: bool


@dataclass(frozen=True, slots=True)
class Wait:
    """Nothing to do now; poll again at `until` (None: when something happens)."""

    until: float | None = None


Decision = Render | Wait

_SENT_TIMES_KEPT = 128


@dataclass
class Flow:
    config: FlowConfig = field(default_factory=FlowConfig)
    sent: int = 0  # number of the last frame sent
    views: dict[str, ViewState] = field(default_factory=dict)
    pending: bool = False  # a draw was requested and not rendered yet
    need_key: bool = False
    busy: bool = False  # a cell is running: no message from browsers can arrive
    last_input: float = -math.inf
    last_send: float = -math.inf
    settle_due: float | None = None  # a lossless frame is owed at this time
    ratio: float = 1.0  # the render ratio: the largest among visible views (kept while none is)
    _sent_at: deque[tuple[int, float]] = field(default_factory=deque)

    # --- what happens ------------------------------------------------------------------

    def request(self) -> None:
        """The picture changed: a frame is wanted."""
        self.pending = True

    def input(self, now: float) -> None:
        """The user interacts: frames are lossy for a while."""
        self.last_input = now

    def set_busy(self, busy: bool) -> None:
        self.busy = busy

    def view_status(self, view: str, visible: bool, ratio: float) -> bool:
        """A view attached or changed. Returns True when the render ratio changed."""
        state = self.views.get(view)
        if state is None:
            if len(self.views) >= self.config.max_views:
                oldest = min(self.views, key=lambda v: self.views[v].acked)
                del self.views[oldest]
            state = self.views[view] = ViewState(visible, ratio, self.sent)
        if visible and not state.visible:
            state.acked = self.sent  # it showed nothing while hidden; it starts afresh
        state.visible, state.ratio = visible, ratio
        if visible:
            self.need_key = True
        return self._update_ratio()

    def detach(self, view: str) -> bool:
        """A view went away. Returns True when the render ratio changed."""
        self.views.pop(view, None)
        return self._update_ratio()

    def ack(self, view: str, frame: int) -> None:
        state = self.views.get(view)
        if state is not None:
            state.acked = max(state.acked, min(frame, self.sent))

    def sent_frame(self, now: float, render: Render) -> int:
        """A frame was sent; returns its number."""
        self.sent += 1
        self._sent_at.append((self.sent, now))
        if len(self._sent_at) > _SENT_TIMES_KEPT:
            self._sent_at.popleft()
        self.last_send = now
        if render.fresh:
            self.pending = False
        if render.key:
            self.need_key = False
        self.settle_due = now + self.config.settle if render.lossy else None
        return self.sent

    def skipped(self, render: Render) -> None:
        """The renderer had nothing to send for `render` (no picture, or no change)."""
        if render.fresh:
            self.pending = False
        self.need_key = False
        if not render.lossy:
            self.settle_due = None  # nothing left to repaint

    # --- what to do ------------------------------------------------------------------

    def visible(self) -> bool:
        return any(v.visible for v in self.views.values())

    def poll(self, now: float) -> Decision:
        wants_new = self.pending or self.need_key
        if not wants_new and self.settle_due is None:
            return Wait()
        if self.busy:
            return self._poll_busy(now, wants_new)
        if not self.visible():
            return Wait()
        blocked_until = self._blocked_until(now)
        if blocked_until is not None:
            return Wait(None if blocked_until == math.inf else blocked_until)
        if wants_new:
            return Render(fresh=self.pending, key=self.need_key, lossy=self._moving(now))
        assert self.settle_due is not None
        if now < self.settle_due:
            return Wait(self.settle_due)
        return Render(fresh=False, key=False, lossy=False)

    def _poll_busy(self, now: float, wants_new: bool) -> Decision:
        # Acks and view messages wait in the kernel's queue until the cell ends, so the
        # window cannot work: pace instead. Views known to be hidden get nothing; a view
        # mounted during the cell is not known yet, so no views known means send.
        if not wants_new or (self.views and not self.visible()):
            return Wait()
        due = self.last_send + self.config.busy_interval
        if now < due:
            return Wait(due)
        return Render(fresh=self.pending, key=True, lossy=self.config.lossy)

    def interacting(self, now: float) -> bool:
        """The user gave input less than `settle` ago."""
        return now - self.last_input < self.config.settle

    def _moving(self, now: float) -> bool:
        settle = self.config.settle
        recent = now - self.last_input < settle or now - self.last_send < settle
        return self.config.lossy and recent

    def _sent_time(self, frame: int) -> float:
        for index, when in self._sent_at:
            if index == frame:
                return when
        return -math.inf  # forgotten: long ago

    def _stalled_at(self, state: ViewState) -> float:
        """When this view stops (or stopped) counting, if it acks nothing more."""
        if state.acked >= self.sent:
            return math.inf
        return self._sent_time(state.acked + 1) + self.config.stall

    def _blocked_until(self, now: float) -> float | None:
        """None when a frame may be sent now; else when to look again (inf: on an ack)."""
        visible = [v for v in self.views.values() if v.visible]
        counted = [v for v in visible if self._stalled_at(v) > now]
        if counted:
            if self.sent - min(v.acked for v in counted) < self.config.window:
                return None
            return min(self._stalled_at(v) for v in counted)
        # Every visible view is stalled: probe them now and then.
        probe = self.last_send + self.config.stall
        return None if now >= probe else probe

    def _update_ratio(self) -> bool:
        ratios = [v.ratio for v in self.views.values() if v.visible]
        if not ratios:
            return False
        ratio = max(ratios)
        changed = ratio != self.ratio
        self.ratio = ratio
        return changed
