"""Browser -> kernel messages of a gl comm (docs/gl-protocol.md, section 4), decoded
once at the boundary into typed values; anything malformed is None."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class View:
    view: str
    axes: str
    x: tuple[float, float] | None
    y: tuple[float, float] | None
    width: int
    height: int
    picture: bytes | None


@dataclass(frozen=True, slots=True)
class Picture:
    view: str
    width: int
    height: int
    png: bytes


@dataclass(frozen=True, slots=True)
class Pick:
    view: str
    draw: str
    index: int
    x: float
    y: float
    button: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "view": self.view,
            "draw": self.draw,
            "index": self.index,
            "x": self.x,
            "y": self.y,
            "button": self.button,
        }


Message = View | Picture | Pick

_PNG = b"\x89PNG\r\n\x1a\n"


def _range(value: Any) -> tuple[float, float] | None:
    if (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, (int, float)) for v in value)
    ):
        return (float(value[0]), float(value[1]))
    return None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def decode(data: Any, buffers: list[bytes]) -> Message | None:
    if not isinstance(data, dict) or not isinstance(data.get("view"), str):
        return None
    kind, view = data.get("type"), data["view"]
    png = buffers[0] if buffers and bytes(buffers[0][:8]) == _PNG else None
    width, height = _int(data.get("width")), _int(data.get("height"))
    if (
        kind == "view"
        and isinstance(data.get("axes"), str)
        and width is not None
        and height is not None
    ):
        return View(
            view, data["axes"], _range(data.get("x")), _range(data.get("y")), width, height, png
        )
    if kind == "picture" and png is not None and width and height:
        return Picture(view, width, height, png)
    if kind == "pick":
        index, x, y = _int(data.get("index")), data.get("x"), data.get("y")
        if (
            isinstance(data.get("draw"), str)
            and index is not None
            and isinstance(x, (int, float))
            and isinstance(y, (int, float))
        ):
            return Pick(
                view, data["draw"], index, float(x), float(y), _int(data.get("button")) or 0
            )
    return None
