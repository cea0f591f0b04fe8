"""Frames of notewire's browser WebSocket (docs/notebook-protocol.md, section 2).

Text frames carry one JSON object. Binary frames start with a tag byte: a y-protocols
sync or awareness message, a JSON object with binary buffers, or a batch of such
frames. Buffers travel as they are, never base64, so a comm carrying an image or an
array costs its own size. Pure functions, shared by the server and Python clients.

A batch carries the messages that were waiting for one browser together: a browser
handles each WebSocket message as a task of its own (an IPC hop and a wake-up in
Chromium), which for a burst of small ones (a cell making 300 widget models) cost more
than the messages themselves.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import MalformedMessage
from .jsonutil import dumps, loads

SYNC = 0x00
AWARENESS = 0x01
WITH_BUFFERS = 0x02
BATCH = 0x03

_U32 = struct.Struct(">I")
MAX_BUFFERS = 1024  # far more than any comm message uses; bounds the header


@dataclass(frozen=True, slots=True)
class JsonFrame:
    """A JSON message, with the binary buffers that came with it."""

    body: dict[str, Any]
    buffers: tuple[bytes, ...] = field(default=())

    @property
    def type(self) -> str:
        return str(self.body.get("type", ""))


@dataclass(frozen=True, slots=True)
class YFrame:
    """A y-protocols message: `kind` is SYNC or AWARENESS, `payload` the message
    without the tag byte, in y-websocket's layout (its own first varuint is the tag)."""

    kind: int
    payload: bytes

    def encode(self) -> bytes:
        return bytes((self.kind,)) + self.payload


Frame = JsonFrame | YFrame


def encode_json(body: dict[str, Any], buffers: Sequence[bytes | memoryview] = ()) -> str | bytes:
    """A text frame, or a binary WITH_BUFFERS frame when there are buffers."""
    text = dumps(body)
    if not buffers:
        return text.decode("utf-8")
    if len(buffers) > MAX_BUFFERS:
        raise ValueError(f"{len(buffers)} buffers; at most {MAX_BUFFERS}")
    header = [bytes((WITH_BUFFERS,)), _U32.pack(len(buffers))]
    header += [_U32.pack(len(memoryview(b).cast("B"))) for b in buffers]
    return b"".join([*header, text, *(bytes(b) for b in buffers)])


def encode_batch(frames: Sequence[str | bytes]) -> bytes:
    """One BATCH frame holding `frames` in order: each as `u32 BE length` and its bytes,
    a text frame as a WITH_BUFFERS frame without buffers."""
    parts = [bytes((BATCH,))]
    for frame in frames:
        if isinstance(frame, str):
            frame = b"".join([bytes((WITH_BUFFERS,)), _U32.pack(0), frame.encode("utf-8")])
        if frame[0] == BATCH:
            raise ValueError("a batch cannot hold a batch")
        parts += [_U32.pack(len(frame)), frame]
    return b"".join(parts)


def decode_all(data: str | bytes) -> list[Frame]:
    """The frames one WebSocket message holds: a batch's, in order, or itself."""
    if isinstance(data, str) or not data or data[0] != BATCH:
        return [decode(data)]
    view, frames, offset = memoryview(data), [], 1
    while offset < len(view):
        if offset + 4 > len(view):
            raise MalformedMessage("a batch ends inside a frame's length")
        (length,) = _U32.unpack_from(view, offset)
        offset += 4
        if length == 0 or offset + length > len(view):
            raise MalformedMessage("a batch's frame overruns it, or is empty")
        if view[offset] == BATCH:
            raise MalformedMessage("a batch inside a batch")
        frames.append(decode(bytes(view[offset : offset + length])))
        offset += length
    return frames


def decode(data: str | bytes) -> Frame:
    """Decode one WebSocket frame. Raises MalformedMessage saying what is wrong."""
    if isinstance(data, str):
        return JsonFrame(_json_object(data))
    if not data:
        raise MalformedMessage("empty binary frame")
    tag, rest = data[0], data[1:]
    if tag in (SYNC, AWARENESS):
        if not rest:
            raise MalformedMessage("y-protocols frame without a message")
        return YFrame(tag, bytes(rest))
    if tag == BATCH:
        raise MalformedMessage("a batch holds several frames: decode_all reads it")
    if tag != WITH_BUFFERS:
        raise MalformedMessage(f"unknown binary frame tag 0x{tag:02x}")
    view = memoryview(rest)
    if len(view) < 4:
        raise MalformedMessage("buffers frame shorter than its header")
    (count,) = _U32.unpack_from(view)
    if count > MAX_BUFFERS:
        raise MalformedMessage(f"buffers frame claims {count} buffers; at most {MAX_BUFFERS}")
    start = 4 + 4 * count
    if len(view) < start:
        raise MalformedMessage("buffers frame shorter than its header")
    lengths = [_U32.unpack_from(view, 4 + 4 * i)[0] for i in range(count)]
    json_end = len(view) - sum(lengths)
    if json_end < start:
        raise MalformedMessage("buffer lengths exceed the frame")
    try:
        text = bytes(view[start:json_end]).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedMessage(f"buffers frame JSON is not UTF-8: {exc}") from None
    buffers, offset = [], json_end
    for length in lengths:
        buffers.append(bytes(view[offset : offset + length]))
        offset += length
    return JsonFrame(_json_object(text), tuple(buffers))


def _json_object(text: str) -> dict[str, Any]:
    body = loads(text)
    if not isinstance(body, dict):
        raise MalformedMessage(f"a message must be a JSON object, not {type(body).__name__}")
    if not isinstance(body.get("type"), str):
        raise MalformedMessage("a message needs a string 'type'")
    return body
