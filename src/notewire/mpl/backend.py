"""The matplotlib backend's classes: canvas, manager and timer.

Agg renders in the kernel; a notewire Canvas (made when the figure is first shown)
carries the frames to every view and the views' events back (docs/canvas-protocol.md,
section 8). Lifetimes are explicit: the manager owns the live canvas; closing the figure
closes it, and closing it from a view closes the figure.
"""

from __future__ import annotations

import contextlib
import logging
import math
import time
import traceback
import warnings
import weakref
from collections.abc import Callable
from typing import Any

from matplotlib import _pylab_helpers
from matplotlib.backend_bases import FigureManagerBase, TimerBase
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.transforms import BboxBase

from notewire.canvas import Canvas
from notewire.canvas import encode as enc
from notewire.canvas.host import Host, OutputRoute, TimerHandle, current_host

from . import translate as tr
from .renderer import FigureRenderer
from .toolbar import Toolbar

log = logging.getLogger(__name__)


def _kernel_host() -> Host | None:
    try:
        return current_host()
    except RuntimeError:
        return None  # a script, not a kernel: figures can be saved, not shown live


class TimerNotewire(TimerBase):
    """A matplotlib timer on the kernel's asyncio loop: it fires between cells and while
    a cell awaits. A callback that raises stops the timer and shows the error."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._handle: TimerHandle | None = None
        self._host: Host | None = None
        self._running = False
        self.report: Callable[[str], None] | None = None
        self.output: OutputRoute | None = None  # where its callbacks print
        super().__init__(*args, **kwargs)

    def _timer_start(self) -> None:
        self._timer_stop()
        self._host = self._host or current_host()
        if self.output is None:
            self.output = self._host.cell_output()
        self._running = True
        self._schedule(self._interval_seconds())

    def _timer_stop(self) -> None:
        self._running = False
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def _timer_set_interval(self) -> None:
        if self._running:
            self._timer_start()

    def _interval_seconds(self) -> float:
        return max(self.interval, 1) / 1000.0

    def _schedule(self, delay: float) -> None:
        assert self._host is not None
        self._handle = self._host.call_later(delay, self._tick)

    def _tick(self) -> None:
        self._handle = None
        started = time.monotonic()
        try:
            with self.output() if self.output is not None else contextlib.nullcontext():
                self._on_timer()  # type: ignore[attr-defined]
        except Exception:
            self._timer_stop()
            text = traceback.format_exc()
            if self.report is not None:
                self.report(text)
            else:
                log.error("a matplotlib timer callback failed:\n%s", text)
            return
        if self._running and not self._single and self._handle is None:  # type: ignore[attr-defined]
            elapsed = time.monotonic() - started
            self._schedule(max(0.0, self._interval_seconds() - elapsed))


class FigureCanvasNotewire(FigureCanvasAgg):
    required_interactive_framework = None
    _timer_cls = TimerNotewire
    supports_blit = True

    manager: FigureManagerNotewire | None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.needs_draw = True  # an Agg draw is due before the next frame
        self.needs_full = True  # ... of the whole figure (not only what changed)
        self.drawn = False  # user code drew the whole figure since the last frame
        self.blitted: tuple[int, int, int, int] | None = None  # top-left physical rect
        super().__init__(*args, **kwargs)

    # --- drawing -----------------------------------------------------------------------------

    def draw_idle(self, *args: Any, **kwargs: Any) -> None:
        if getattr(self, "_is_idle_drawing", False):
            return  # asked from inside the draw that is happening
        self.needs_draw = True
        self._request_frame()

    def draw(self) -> None:
        super().draw()  # type: ignore[no-untyped-call]
        self.drawn = True
        self._request_frame()

    def blit(self, bbox: BboxBase | None = None) -> None:
        width, height = self.get_width_height(physical=True)
        if bbox is None:
            rect: tuple[int, int, int, int] | None = (0, 0, width, height)
        else:
            x0, y0 = math.floor(bbox.x0), math.floor(height - bbox.y1)
            x1, y1 = math.ceil(bbox.x1), math.ceil(height - bbox.y0)
            rect = enc.clip((x0, y0, x1 - x0, y1 - y0), width, height)
        self.blitted = enc.union(self.blitted, rect)
        self._request_frame()

    def print_figure(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().print_figure(*args, **kwargs)
        finally:
            # savefig draws into this canvas's buffer with its own settings (facecolor,
            # dpi): the next frame is a fresh draw, never that picture.
            self.needs_draw = self.needs_full = True
            self._request_frame()

    def flush_events(self) -> None:
        """`plt.pause` calls this in a loop: let frames out while the cell runs."""
        live = self._live()
        if live is not None:
            live.flush()

    def new_timer(self, *args: Any, **kwargs: Any) -> TimerBase:
        timer = super().new_timer(*args, **kwargs)
        if isinstance(timer, TimerNotewire):
            ref = weakref.ref(self)

            def report(text: str) -> None:
                canvas = ref()
                live = canvas._live() if canvas is not None else None
                if live is not None:
                    live.report_error(text)
                else:
                    log.error("a matplotlib timer callback failed:\n%s", text)

            timer.report = report
            manager = self.manager
            if isinstance(manager, FigureManagerNotewire):
                timer.output = manager.output  # the figure's cell, as its events
        return timer

    def set_cursor(self, cursor: Any) -> None:
        self.set_live_state(cursor=tr.CURSORS.get(cursor, "default"))

    # --- the live canvas -----------------------------------------------------------------

    def _live(self) -> Canvas | None:
        manager = self.manager
        return manager.live if isinstance(manager, FigureManagerNotewire) else None

    def _request_frame(self) -> None:
        live = self._live()
        if live is not None:
            live.request_draw()

    def set_live_state(self, **changes: Any) -> None:
        live = self._live()
        if live is not None:
            live.set_state(**changes)

    def last_view(self) -> str | None:
        live = self._live()
        return None if live is None else live.last_view

    def send_download(self, view: str, filename: str, data: bytes) -> None:
        live = self._live()
        if live is not None:
            live.download(view, filename, data, "image/png")

    def get_window_title(self) -> str:
        manager = self.manager
        return manager.get_window_title() if manager is not None else ""


class FigureManagerNotewire(FigureManagerBase):
    """One figure's place in the notebook: shown at most once by pyplot, closed with it."""

    _toolbar2_class = Toolbar
    canvas: FigureCanvasNotewire

    def __init__(self, canvas: FigureCanvasNotewire, num: int | str) -> None:
        self.live: Canvas | None = None
        self.displayed = False
        self._window_title = f"Figure {num}"
        super().__init__(canvas, num)
        self._host = _kernel_host()
        self._release = (
            self._host.own(self._close_figure) if self._host is not None else lambda: None
        )
        # What the figure's callbacks print goes to the cell that made the figure.
        self.output: OutputRoute | None = (
            self._host.cell_output() if self._host is not None else None
        )
        from . import notebook

        notebook.install()  # selected by matplotlib.use() after pyplot was imported
        self.cell = notebook.current_cell()

    @classmethod
    def pyplot_show(cls, *, block: bool | None = None) -> None:
        """`plt.show()`: show every figure not shown yet (each once)."""
        for manager in _pylab_helpers.Gcf.get_all_fig_managers():
            if isinstance(manager, FigureManagerNotewire):
                manager.show()

    @property
    def live_possible(self) -> bool:
        """False outside a running kernel."""
        return self._host is not None

    def show(self) -> None:
        """`fig.show()`: show it if it is not shown yet."""
        if self.displayed:
            return
        if not self.live_possible:
            warnings.warn(
                "notewire figures are shown live only in a running kernel; use savefig() here",
                UserWarning,
                stacklevel=3,
            )
            return
        self.display()

    def display(self) -> None:
        """Show a live view of the figure in the current output (another one each call)."""
        if self._host is None:
            raise RuntimeError("notewire figures are shown live only in a running kernel")
        self._make_live(self._host).show()
        self.displayed = True

    def _make_live(self, host: Host) -> Canvas:
        if self.live is None or self.live.closed:
            width, height = self.canvas.get_width_height(physical=False)
            toolbar = self.toolbar if isinstance(self.toolbar, Toolbar) else None
            self.live = Canvas(
                FigureRenderer(self.canvas),
                width=width,
                height=height,
                title=self._window_title,
                toolbar=toolbar.items() if toolbar is not None else (),
                actions=toolbar.actions() if toolbar is not None else {},
                text=lambda: repr(self.canvas.figure),
                on_close=self._closed_from_view,
                owned=False,  # the figure is what the cell owns; it closes this with it
                host=host,
                output=self.output,
            )
            if toolbar is not None:
                toolbar.set_history_buttons()
        return self.live

    def resize(self, w: int, h: int) -> None:
        """The figure was resized from Python (`set_size_inches`): w, h in physical px."""
        if self.live is not None:
            ratio = self.canvas.device_pixel_ratio
            self.live.set_size(round(w / ratio), round(h / ratio))

    def set_window_title(self, title: str) -> None:
        self._window_title = title
        if self.live is not None:
            self.live.set_state(title=title)

    def get_window_title(self) -> str:
        return self._window_title

    def destroy(self) -> None:
        """The figure is closed (plt.close, or its cell ran again): so is every view."""
        self._release()
        live, self.live = self.live, None
        if live is not None:
            live.close()

    def _close_figure(self) -> None:
        if self in _pylab_helpers.Gcf.figs.values():
            _pylab_helpers.Gcf.destroy(self)
        else:
            self.destroy()

    def _closed_from_view(self) -> None:
        self.live = None
        self._close_figure()


FigureCanvasNotewire.manager_class = FigureManagerNotewire  # type: ignore[assignment]
