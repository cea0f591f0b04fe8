"""Input events from the browser: validated and normalized (pure).

Events follow the renderview spec (jupyter_rfb's event spec): plain dicts, so that
renderers written for jupyter_rfb read them unchanged. See docs/canvas-protocol.md, 6.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from .errors import CanvasProtocolError

Event = dict[str, Any]

POINTER_TYPES = frozenset(
    ("pointer_down", "pointer_up", "pointer_move", "pointer_enter", "pointer_leave", "double_click")
)
KEY_TYPES = frozenset(("key_down", "key_up"))
EVENT_TYPES = POINTER_TYPES | KEY_TYPES | {"wheel", "resize"}
MODIFIERS = ("Alt", "Control", "Meta", "Shift")
MAX_BUTTON = 9
MAX_COORD = 1e6  # logical px; anything beyond is a bug or an attack, not a screen
MAX_SIZE = 8192  # logical px per side of a canvas


def _number(event: Mapping[str, Any], name: str, limit: float = MAX_COORD) -> float:
    value = event.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise CanvasProtocolError(
            f"event field {name!r} must be a finite number, got {value!r:.40}"
        )
    if abs(value) > limit:
        raise CanvasProtocolError(f"event field {name!r} is out of range: {value!r}")
    return float(value)


def _modifiers(event: Mapping[str, Any]) -> list[str]:
    value = event.get("modifiers", [])
    if not isinstance(value, list) or not all(m in MODIFIERS for m in value):
        raise CanvasProtocolError(f"'modifiers' must be a list of {MODIFIERS}, got {value!r:.80}")
    return [m for m in MODIFIERS if m in value]  # canonical order, no duplicates


def _button(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_BUTTON:
        raise CanvasProtocolError(
            f"{name!r} must be a button number 0..{MAX_BUTTON}, got {value!r:.40}"
        )
    return value


def _buttons(event: Mapping[str, Any]) -> list[int]:
    value = event.get("buttons", [])
    if not isinstance(value, list):
        raise CanvasProtocolError(f"'buttons' must be a list, got {value!r:.40}")
    return sorted({_button(b, "buttons") for b in value})


def _timestamp(event: Mapping[str, Any]) -> float:
    if "timestamp" not in event:
        return 0.0
    return _number(event, "timestamp", limit=1e12)


def normalize_event(raw: object) -> Event:
    """A clean copy of a browser event, with only the fields the spec defines.

    Raises CanvasProtocolError naming the bad field."""
    if not isinstance(raw, Mapping):
        raise CanvasProtocolError(f"an event must be an object, got {raw!r:.80}")
    kind = raw.get("type")
    if kind not in EVENT_TYPES:
        raise CanvasProtocolError(f"unknown event type {kind!r:.40}")
    event: Event = {"type": kind, "timestamp": _timestamp(raw)}
    if kind in POINTER_TYPES:
        event.update(
            x=_number(raw, "x"),
            y=_number(raw, "y"),
            button=_button(raw.get("button", 0), "button"),
            buttons=_buttons(raw),
            modifiers=_modifiers(raw),
        )
    elif kind == "wheel":
        event.update(
            x=_number(raw, "x"),
            y=_number(raw, "y"),
            dx=_number(raw, "dx"),
            dy=_number(raw, "dy"),
            buttons=_buttons(raw),
            modifiers=_modifiers(raw),
        )
    elif kind in KEY_TYPES:
        key = raw.get("key")
        if not isinstance(key, str) or not 0 < len(key) <= 32:
            raise CanvasProtocolError(f"'key' must be a KeyboardEvent.key string, got {key!r:.40}")
        event.update(key=key, modifiers=_modifiers(raw))
    else:  # resize
        width, height = _number(raw, "width", MAX_SIZE), _number(raw, "height", MAX_SIZE)
        if width < 1 or height < 1:
            raise CanvasProtocolError(f"a resize needs a positive size, got {width!r} x {height!r}")
        event.update(width=width, height=height)
    return event


def with_compat_fields(event: Event, ratio: float) -> Event:
    """The event as handed to a renderer: `ratio` added, and jupyter_rfb's older field
    names (`event_type`, `time_stamp`, `pixel_ratio`) next to the new ones."""
    out = dict(event)
    out["ratio"] = ratio
    out["event_type"] = event["type"]
    out["time_stamp"] = event["timestamp"]
    out["pixel_ratio"] = ratio
    return out
