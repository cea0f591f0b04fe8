"""The canvas comm's messages (docs/canvas-protocol.md): pure data, no I/O.

Browser messages are decoded once, here, into frozen dataclasses; anything malformed
raises `CanvasProtocolError` naming the offending value. Kernel messages are built by
the functions at the end.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from .errors import CanvasProtocolError
from .events import Event, normalize_event

TARGET = "notewire.canvas"
MIME = "application/vnd.notewire.canvas+json"
PROTOCOL = 1

Rect = tuple[int, int, int, int]  # x, y, width, height; physical px, origin top left


@dataclass(frozen=True, slots=True)
class ViewStatus:
    view: str
    visible: bool
    ratio: float


@dataclass(frozen=True, slots=True)
class Detach:
    view: str


@dataclass(frozen=True, slots=True)
class Ack:
    view: str
    frame: int


@dataclass(frozen=True, slots=True)
class InputEvent:
    view: str
    event: Event


@dataclass(frozen=True, slots=True)
class Action:
    view: str
    name: str


@dataclass(frozen=True, slots=True)
class Close:
    view: str


BrowserMessage = ViewStatus | Detach | Ack | InputEvent | Action | Close

MAX_RATIO = 8.0


def _view(data: Mapping[str, Any]) -> str:
    view = data.get("view")
    if not isinstance(view, str) or not 0 < len(view) <= 64:
        raise CanvasProtocolError(f"'view' must be a non-empty string id, got {view!r:.80}")
    return view


def _ratio(value: object) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or not 0 < value <= MAX_RATIO
    ):
        raise CanvasProtocolError(f"'ratio' must be a number in (0, {MAX_RATIO}], got {value!r}")
    return float(value)


def decode(data: object) -> BrowserMessage:
    """The typed form of a browser's comm_msg `data`."""
    if not isinstance(data, Mapping):
        raise CanvasProtocolError(f"a canvas message must be an object, got {data!r:.80}")
    kind = data.get("type")
    if kind == "view":
        visible = data.get("visible")
        if not isinstance(visible, bool):
            raise CanvasProtocolError(f"'visible' must be true or false, got {visible!r}")
        return ViewStatus(_view(data), visible, _ratio(data.get("ratio")))
    if kind == "detach":
        return Detach(_view(data))
    if kind == "ack":
        frame = data.get("frame")
        if isinstance(frame, bool) or not isinstance(frame, int) or frame < 0:
            raise CanvasProtocolError(f"'frame' must be a frame number, got {frame!r}")
        return Ack(_view(data), frame)
    if kind == "event":
        return InputEvent(_view(data), normalize_event(data.get("event")))
    if kind == "action":
        name = data.get("name")
        if not isinstance(name, str):
            raise CanvasProtocolError(f"'name' must be a string, got {name!r:.80}")
        return Action(_view(data), name)
    if kind == "close":
        return Close(_view(data))
    raise CanvasProtocolError(f"unknown canvas message type {kind!r:.80}")


# --- kernel -> browser ----------------------------------------------------------------

FrameFormat = Literal["jpeg", "png"]


def frame_message(
    index: int,
    *,
    fmt: FrameFormat,
    key: bool,
    rect: Rect,
    size: tuple[int, int],
    ratio: float,
    reflects: tuple[str, float] | None = None,
) -> dict[str, Any]:
    """`reflects`: the view and timestamp of the last input event the picture shows (the
    view replaces its prediction of that input by the frame)."""
    message: dict[str, Any] = {
        "type": "frame",
        "frame": index,
        "format": fmt,
        "key": key,
        "rect": list(rect),
        "size": list(size),
        "ratio": ratio,
    }
    if reflects is not None:
        message["input"] = {"view": reflects[0], "timestamp": reflects[1]}
    return message


def state_message(changes: Mapping[str, Any], *, full: bool = False) -> dict[str, Any]:
    return {"type": "state", "full": full, **changes}


def download_message(view: str, filename: str, mimetype: str) -> dict[str, Any]:
    return {"type": "download", "view": view, "filename": filename, "mimetype": mimetype}


def error_message(text: str) -> dict[str, Any]:
    return {"type": "error", "text": text}


def output_data(comm_id: str, width: int, height: int) -> dict[str, Any]:
    """The value of the canvas mime type in an output."""
    return {"comm_id": comm_id, "protocol": PROTOCOL, "width": width, "height": height}


def toolbar_item(
    name: str, label: str, tooltip: str = "", *, toggle: bool = False
) -> dict[str, Any]:
    return {"name": name, "label": label, "tooltip": tooltip, "toggle": toggle}


def toolbar_names(items: Sequence[Mapping[str, Any]]) -> frozenset[str]:
    return frozenset(str(item["name"]) for item in items)
