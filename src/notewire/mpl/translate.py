"""Canvas events and matplotlib's names for things, both ways (pure).

Canvas events are in logical px from the top left (docs/canvas-protocol.md, 6);
matplotlib wants display px (physical) from the bottom left, its own button numbers
and key names (Qt's conventions: modifiers in the order ctrl, alt, shift, meta, and
no "shift+" in front of a character that already shows it).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from matplotlib.backend_bases import MouseButton
from matplotlib.backend_tools import Cursors
from matplotlib.colors import to_rgba

BUTTONS = {
    1: MouseButton.LEFT,
    2: MouseButton.RIGHT,
    3: MouseButton.MIDDLE,
    4: MouseButton.BACK,
    5: MouseButton.FORWARD,
}
_MODIFIERS = (("Control", "ctrl"), ("Alt", "alt"), ("Shift", "shift"), ("Meta", "meta"))
_SPECIAL_KEYS = {
    "Control": "control",
    "Alt": "alt",
    "AltGraph": "alt",
    "Shift": "shift",
    "Meta": "meta",
    "Super": "super",
    "CapsLock": "caps_lock",
    "NumLock": "num_lock",
    "ScrollLock": "scroll_lock",
    "Enter": "enter",
    "Tab": "tab",
    "ArrowDown": "down",
    "ArrowLeft": "left",
    "ArrowRight": "right",
    "ArrowUp": "up",
    "End": "end",
    "Home": "home",
    "PageDown": "pagedown",
    "PageUp": "pageup",
    "Backspace": "backspace",
    "Delete": "delete",
    "Insert": "insert",
    "Escape": "escape",
    "Pause": "pause",
    "Select": "select",
    "Dead": "dead",
    **{f"F{n}": f"f{n}" for n in range(1, 13)},
}
CURSORS = {
    Cursors.HAND: "pointer",
    Cursors.POINTER: "default",
    Cursors.SELECT_REGION: "crosshair",
    Cursors.MOVE: "move",
    Cursors.WAIT: "wait",
    Cursors.RESIZE_HORIZONTAL: "ew-resize",
    Cursors.RESIZE_VERTICAL: "ns-resize",
}


def to_display(x: float, y: float, ratio: float, height_px: float) -> tuple[float, float]:
    """Logical px from the top left -> matplotlib display px from the bottom left."""
    return x * ratio, height_px - y * ratio


def from_display(x: float, y: float, ratio: float, height_px: float) -> tuple[float, float]:
    """matplotlib display px from the bottom left -> logical px from the top left."""
    return x / ratio, (height_px - y) / ratio


def button(number: int) -> MouseButton | None:
    return BUTTONS.get(number)


def buttons(numbers: Sequence[int]) -> set[MouseButton]:
    return {BUTTONS[n] for n in numbers if n in BUTTONS}


def modifiers(names: Sequence[str], *, exclude: str | None = None) -> list[str]:
    return [mpl for key, mpl in _MODIFIERS if key in names and key != exclude]


def key_name(key: str, names: Sequence[str]) -> str:
    """A KeyboardEvent.key with its modifiers as matplotlib names it: "a", "ctrl+a",
    "A" (shift+a), "ctrl+A", "left", "shift+left", "control" (the key itself)."""
    mods = modifiers(names, exclude=key)
    special = _SPECIAL_KEYS.get(key)
    if special is not None:
        name = special
    elif len(key) == 1:
        name = key
        if "shift" in mods:
            mods.remove("shift")  # the character says it already
    else:
        name = key.lower()
    return "+".join([*mods, name])


def scroll_step(dx: float, dy: float) -> float:
    """matplotlib's scroll step (positive up) from wheel deltas (positive down; about
    100 per notch). Horizontal wheels (shift+wheel on macOS) count when vertical is 0."""
    return -(dy or dx) / 100.0


def pan_regions(figure: Any) -> list[dict[str, Any]]:
    """The axes a view may pan or zoom ahead of the kernel (docs/canvas-protocol.md,
    `regions`): each navigable 2-D Axes's box in logical px from the top left, its
    background colour for the strip a translation uncovers, and whether its zoom keeps
    the aspect. matplotlib pans and zooms in display space, so a drag of d px moves the
    data d px (or zooms by 10^(d / size)) whatever the scales."""
    ratio = figure.canvas.device_pixel_ratio or 1.0
    height = figure.bbox.height
    out = []
    for ax in figure.get_axes():
        pannable = ax.get_navigate() and ax.can_pan() and ax.name == "rectilinear"
        if not (ax.get_visible() and pannable):
            continue
        x0, y0, x1, y1 = ax.bbox.extents
        rect = [x0 / ratio, (height - y1) / ratio, (x1 - x0) / ratio, (y1 - y0) / ratio]
        rgba = to_rgba(ax.get_facecolor())
        out.append(
            {
                "rect": [round(v, 2) for v in rect],
                "background": "rgba({}, {}, {}, {:.3f})".format(
                    *(round(c * 255) for c in rgba[:3]), rgba[3]
                ),
                "locked_aspect": ax.get_aspect() != "auto",  # a zoom scales x and y alike
            }
        )
    return out
