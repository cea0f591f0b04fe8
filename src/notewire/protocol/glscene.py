"""A `notewire.gl` scene as data (docs/gl-protocol.md): ops folded by resource id.

Both the kernel (to keep a plot in its output) and the server (to give a reloading
browser the scene without asking the kernel) hold a scene this way. Pure: bytes in,
bytes out, no numpy.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Sequence
from typing import Any

TARGET = "notewire.gl"
MIME = "application/vnd.notewire.gl+json"
PROTOCOL = 1

_ITEM_SIZE = {
    "float32": 4,
    "uint8": 1,
    "int8": 1,
    "uint16": 2,
    "int16": 2,
    "uint32": 4,
    "int32": 4,
}
_TEXEL_SIZE = {"r8": 1, "rgba8": 4, "r32f": 4, "rgba32f": 16}


class SceneError(ValueError):
    """An op that cannot apply to the scene (unknown resource, out of bounds)."""


Op = dict[str, Any]


class _Resource:
    __slots__ = ("data", "op")

    def __init__(self, op: Op, data: bytes | bytearray | memoryview | None) -> None:
        self.op = op
        self.data = data


class SceneState:
    """The current resources of a scene, in creation order."""

    def __init__(self) -> None:
        self._resources: dict[str, _Resource] = {}

    def __len__(self) -> int:
        return len(self._resources)

    @property
    def nbytes(self) -> int:
        return sum(len(r.data) for r in self._resources.values() if r.data is not None)

    def apply(self, ops: Sequence[Any], buffers: Sequence[bytes | memoryview]) -> None:
        """Fold one message's ops in. Raises SceneError on the first bad op (those
        before it stay applied)."""
        for op in ops:
            if not isinstance(op, dict) or not isinstance(op.get("op"), str):
                raise SceneError(f"an op must be an object with an 'op': {op!r:.80}")
            self._apply(op, buffers)

    def _apply(self, op: Op, buffers: Sequence[bytes | memoryview]) -> None:
        kind, rid = op["op"], op.get("id")
        if kind == "figure":
            self._resources.pop("", None)
            self._resources[""] = _Resource(op, None)
            return
        if not isinstance(rid, str):
            raise SceneError(f"{kind} needs a string 'id'")
        if kind == "delete":
            self._resources.pop(rid, None)
        elif kind == "uniforms":
            draw = self._resources.get(rid)
            if draw is None or draw.op["op"] != "draw":
                raise SceneError(f"uniforms for an unknown draw {rid!r}")
            values = op.get("values")
            if not isinstance(values, dict):
                raise SceneError("uniforms needs 'values'")
            uniforms = dict(draw.op.get("uniforms") or {})
            uniforms.update(values)
            draw.op = {**draw.op, "uniforms": uniforms}
        elif kind in ("buffer", "texture") and ("offset" in op or "rect" in op):
            self._patch(op, _buffer(op, buffers))
        elif kind in ("buffer", "texture"):
            data = _buffer(op, buffers)
            self._check_size(op, len(data))
            kept = {k: v for k, v in op.items() if k != "data"}
            self._resources.pop(rid, None)
            # Kept as given (no copy of a plot's megabytes); a patch copies it once.
            self._resources[rid] = _Resource(kept, data)
        elif kind in ("program", "draw", "axes"):
            self._resources.pop(rid, None)
            self._resources[rid] = _Resource(dict(op), None)
        else:
            raise SceneError(f"unknown op {kind!r}")

    def _check_size(self, op: Op, size: int) -> None:
        if op["op"] == "buffer":
            item = _ITEM_SIZE.get(op.get("dtype", ""))
            if item is None or size % item:
                raise SceneError(f"buffer {op['id']!r}: bad dtype or length")
        else:
            texel = _TEXEL_SIZE.get(op.get("format", ""))
            width, height = op.get("width"), op.get("height")
            if texel is None or not isinstance(width, int) or not isinstance(height, int):
                raise SceneError(f"texture {op['id']!r}: needs format, width, height")
            if size != width * height * texel:
                raise SceneError(f"texture {op['id']!r}: {size} bytes for {width}x{height}")

    def _patch(self, op: Op, data: bytes | memoryview) -> None:
        kept = self._resources.get(op["id"])
        if kept is None or kept.op["op"] != op["op"] or kept.data is None:
            raise SceneError(f"partial update of an unknown {op['op']} {op['id']!r}")
        if not isinstance(kept.data, bytearray):  # the first patch copies
            kept.data = bytearray(kept.data)
        if op["op"] == "buffer":
            item = _ITEM_SIZE[kept.op["dtype"]]
            start = int(op["offset"]) * item
            if start < 0 or start + len(data) > len(kept.data) or len(data) % item:
                raise SceneError(f"buffer {op['id']!r}: update out of bounds")
            kept.data[start : start + len(data)] = data
            return
        texel = _TEXEL_SIZE[kept.op["format"]]
        x, y, w, h = (int(v) for v in op["rect"])
        width, height = kept.op["width"], kept.op["height"]
        if x < 0 or y < 0 or x + w > width or y + h > height or len(data) != w * h * texel:
            raise SceneError(f"texture {op['id']!r}: update out of bounds")
        row = w * texel
        for r in range(h):
            start = ((y + r) * width + x) * texel
            kept.data[start : start + row] = data[r * row : (r + 1) * row]

    def snapshot(self) -> tuple[list[Op], list[bytes | bytearray | memoryview]]:
        """The ops that make this scene from nothing, with their buffers (not copied)."""
        ops: list[Op] = []
        buffers: list[bytes | bytearray | memoryview] = []
        for resource in self._resources.values():
            op = dict(resource.op)
            if resource.data is not None:
                op["data"] = len(buffers)
                buffers.append(resource.data)
            ops.append(op)
        return ops, buffers


def _buffer(op: Op, buffers: Sequence[bytes | memoryview]) -> bytes | memoryview:
    index = op.get("data")
    if not isinstance(index, int) or not 0 <= index < len(buffers):
        raise SceneError(f"{op['op']} {op.get('id')!r}: 'data' must index a buffer")
    return buffers[index]


def pack(body: dict[str, Any], buffers: Sequence[bytes | memoryview]) -> bytes:
    """A JSON object and buffers as one byte string, laid out as the notebook socket's
    0x02 frames are (without the type byte)."""
    text = json.dumps(body, separators=(",", ":")).encode()
    head = struct.pack(f">I{len(buffers)}I", len(buffers), *(len(b) for b in buffers))
    return b"".join([head, text, *(bytes(b) for b in buffers)])


def unpack(data: bytes) -> tuple[dict[str, Any], list[bytes]]:
    try:
        (count,) = struct.unpack_from(">I", data)
        lengths = struct.unpack_from(f">{count}I", data, 4)
        end = len(data) - sum(lengths)
        body = json.loads(data[4 + 4 * count : end])
    except (struct.error, ValueError) as exc:
        raise SceneError(f"not a packed scene: {exc}") from None
    buffers = []
    for length in lengths:
        buffers.append(data[end : end + length])
        end += length
    if not isinstance(body, dict):
        raise SceneError("a packed scene holds a JSON object")
    return body, buffers
