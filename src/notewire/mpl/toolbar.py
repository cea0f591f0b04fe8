"""matplotlib's navigation toolbar, shown by the canvas view from `state` messages."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from matplotlib.backend_bases import NavigationToolbar2

from notewire.canvas import toolbar_item

from . import translate as tr

if TYPE_CHECKING:
    from .backend import FigureCanvasNotewire

# (name in the protocol, NavigationToolbar2 method, toggles)
_BUTTONS = (
    ("home", "home", False),
    ("back", "back", False),
    ("forward", "forward", False),
    ("pan", "pan", True),
    ("zoom", "zoom", True),
    ("save", "save_figure", False),
)
_LABELS = {"save": "Save"}
_UNSAFE_FILENAME = re.compile(r"[^\w .()-]+")


class Toolbar(NavigationToolbar2):
    """Home, back, forward, pan, zoom and save; the rest of NavigationToolbar2 (the
    pan/zoom machinery, the coordinates message, the history) is matplotlib's."""

    canvas: FigureCanvasNotewire

    toolitems = tuple(item for item in NavigationToolbar2.toolitems if item[0] is not None)

    def __init__(self, canvas: FigureCanvasNotewire) -> None:
        self.message = ""
        super().__init__(canvas)

    # --- what the view shows -----------------------------------------------------------------

    def items(self) -> list[dict[str, Any]]:
        tips = {method: tip or "" for _, tip, _, method in self.toolitems if method}
        return [
            toolbar_item(
                name, _LABELS.get(name, method.title()), tips.get(method, ""), toggle=toggle
            )
            for name, method, toggle in _BUTTONS
        ]

    def actions(self) -> dict[str, Callable[[str], None]]:
        """The buttons' table: each gets the id of the view that pressed it."""
        return {
            "home": lambda view: self.home(),
            "back": lambda view: self.back(),
            "forward": lambda view: self.forward(),
            "pan": lambda view: self.pan(),
            "zoom": lambda view: self.zoom(),
            "save": self._save_for,
        }

    def set_message(self, s: str) -> None:
        if s != self.message:
            self.message = s
            self.canvas.set_live_state(message=s)

    def draw_rubberband(self, event: Any, x0: float, y0: float, x1: float, y1: float) -> None:
        ratio = self.canvas.device_pixel_ratio
        height = self.canvas.figure.bbox.height
        (ax, ay), (bx, by) = (
            tr.from_display(x0, y0, ratio, height),
            tr.from_display(x1, y1, ratio, height),
        )
        rect = [min(ax, bx), min(ay, by), max(ax, bx), max(ay, by)]
        self.canvas.set_live_state(rubberband=[round(v, 1) for v in rect])

    def remove_rubberband(self) -> None:
        self.canvas.set_live_state(rubberband=None)

    def set_history_buttons(self) -> None:
        stack: Any = getattr(self, "_nav_stack")  # noqa: B009 (private, as WebAgg reads it)
        disabled = []
        if stack._pos <= 0:
            disabled.append("back")
        if stack._pos >= len(stack) - 1:
            disabled.append("forward")
        self.canvas.set_live_state(disabled=disabled)

    def pan(self, *args: Any) -> None:
        super().pan(*args)
        self._show_mode()

    def zoom(self, *args: Any) -> None:
        super().zoom(*args)
        self._show_mode()

    def _show_mode(self) -> None:
        active = {"PAN": "pan", "ZOOM": "zoom"}.get(self.mode.name)
        self.canvas.set_live_state(active=active)

    # --- saving ----------------------------------------------------------------------

    def save_figure(self, *args: Any) -> None:
        """The `s` key, or the button: a full-resolution PNG for the view that asked."""
        self._save_for(self.canvas.last_view())

    def _save_for(self, view: str | None) -> None:
        if view is None:
            return
        figure = self.canvas.figure
        out = io.BytesIO()
        figure.savefig(out, format="png", dpi=figure.dpi)  # physical px: HiDPI stays sharp
        title = self.canvas.get_window_title() or "figure"
        filename = (_UNSAFE_FILENAME.sub("_", title).strip() or "figure")[:100] + ".png"
        self.canvas.send_download(view, filename, out.getvalue())
