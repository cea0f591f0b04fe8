"""Canvas events and matplotlib's names for things, both ways (pure).

Canvas events are in logical px from the top left (docs/canvas-protocol.md, 6);
matplotlib wants display px (physical) from the bottom left, its own button numbers
and key names (Qt's conventions: modifiers in the order ctrl, alt, shift, meta, and
no "shift+" in front of a character that already shows it).
"""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.backend_bases import MouseButton
from matplotlib.backend_tools import Cursors

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
