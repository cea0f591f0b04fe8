"""A matplotlib figure as a canvas renderer: Agg pictures out, canvas events in."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib.backend_bases import KeyEvent, LocationEvent, MouseEvent, ResizeEvent

from notewire.canvas import Event, FrameRequest, FrameUpdate

from . import translate as tr
from .incremental import IncrementalDrawer

if TYPE_CHECKING:
    from .backend import FigureCanvasNotewire

_MOUSE_PRESS = {"pointer_down": "button_press_event", "double_click": "button_press_event"}


def _fire(event_class: Any, *args: Any, **kwargs: Any) -> None:
    """Make a matplotlib event and run its callbacks (`_process` is what matplotlib's
    own backends call; its type stubs leave it out)."""
    event_class(*args, **kwargs)._process()


class FigureRenderer:
    """Drives one FigureCanvasNotewire for a notewire Canvas."""

    def __init__(self, canvas: FigureCanvasNotewire) -> None:
        self.canvas: Any = canvas  # matplotlib's stubs lack the private API used here
        self.drawer = IncrementalDrawer(canvas)
        self._draft = False  # the buffer holds an incremental draw: a still frame redraws
        self._last_xy: tuple[float, float] | None = None

    # --- pictures ----------------------------------------------------------------------

    def get_frame(self) -> Any:
        return self.get_update(FrameRequest())

    def get_update(self, request: FrameRequest) -> Any:
        """A full draw when the picture is still; while it moves, only what changed
        (incremental.py), with lines coarser while the user drags. Such a picture is a
        draft: the canvas asks again, still, once it settles, and gets a full draw."""
        canvas = self.canvas
        redraw = canvas.needs_draw or canvas.figure.stale or (self._draft and not request.moving)
        draft = False
        if canvas.drawn or canvas.needs_full:
            self.drawer.invalidate()  # the buffer holds another picture than the cache's
        if redraw:
            canvas.needs_draw = False
            with canvas._idle_draw_cntx():  # a draw_event handler's draw_idle is this draw
                if request.moving and not canvas.needs_full:
                    draft = self.drawer.draw(coarse=request.interacting)
                else:
                    self.drawer.full()
                    canvas.set_live_state(regions=tr.pan_regions(canvas.figure))
            canvas.needs_full = False
            self._draft = draft
        pixels = np.asarray(canvas.get_renderer().buffer_rgba())
        blitted, canvas.blitted = canvas.blitted, None
        if redraw or canvas.drawn or blitted is None:
            canvas.drawn = False
            return FrameUpdate(pixels, draft=draft)  # the canvas finds what changed
        return FrameUpdate(pixels, blitted)

    # --- events ------------------------------------------------------------------------

    def handle_event(self, event: Event) -> None:
        kind = event["type"]
        if kind == "resize":
            self._resize(event)
        elif kind in ("key_down", "key_up"):
            self._key(event)
        else:
            self._mouse(event)

    def _resize(self, event: Event) -> None:
        canvas, figure = self.canvas, self.canvas.figure
        changed = bool(canvas._set_device_pixel_ratio(event["ratio"]))
        own_dpi = figure.dpi / canvas.device_pixel_ratio
        width, height = event["width"] / own_dpi, event["height"] / own_dpi
        current = figure.get_size_inches()
        if abs(current[0] - width) * own_dpi >= 0.5 or abs(current[1] - height) * own_dpi >= 0.5:
            figure.set_size_inches(width, height, forward=False)
            changed = True
        if changed:
            _fire(ResizeEvent, "resize_event", canvas)
            canvas.needs_full = True
            canvas.draw_idle()

    def _position(self, event: Event) -> tuple[float, float]:
        height_px = self.canvas.figure.bbox.height
        return tr.to_display(event["x"], event["y"], event["ratio"], height_px)

    def _mouse(self, event: Event) -> None:
        canvas = self.canvas
        kind = event["type"]
        x, y = self._position(event)
        self._last_xy = (x, y)
        mods = tr.modifiers(event["modifiers"])
        if kind in _MOUSE_PRESS or kind == "pointer_up":
            name = _MOUSE_PRESS.get(kind, "button_release_event")
            _fire(
                MouseEvent,
                name,
                canvas,
                x,
                y,
                tr.button(event["button"]),
                dblclick=kind == "double_click",
                modifiers=mods,
            )
        elif kind == "pointer_move":
            _fire(
                MouseEvent,
                "motion_notify_event",
                canvas,
                x,
                y,
                buttons=tr.buttons(event["buttons"]),
                modifiers=mods,
            )
        elif kind == "wheel":
            step = tr.scroll_step(event["dx"], event["dy"])
            if step:
                _fire(MouseEvent, "scroll_event", canvas, x, y, step=step, modifiers=mods)
        elif kind == "pointer_enter":
            _fire(LocationEvent, "figure_enter_event", canvas, x, y, modifiers=mods)
        elif kind == "pointer_leave":
            _fire(LocationEvent, "figure_leave_event", canvas, x, y, modifiers=mods)
            self._last_xy = None

    def _key(self, event: Event) -> None:
        name = "key_press_event" if event["type"] == "key_down" else "key_release_event"
        x, y = self._last_xy if self._last_xy is not None else (None, None)
        key = tr.key_name(event["key"], event["modifiers"])
        _fire(KeyEvent, name, self.canvas, key, x, y)
