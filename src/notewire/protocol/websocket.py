"""Jupyter messages on a kernel WebSocket (`/api/kernels/<id>/channels`), as data.

Two framings exist; a server picks one in the WebSocket handshake:

- `v1.kernel.websocket.jupyter.org` (binary, every message):

      uint64le n, uint64le offsets[n], channel, header, parent_header, metadata,
      content, buffer_0 ... buffer_m

  `offsets[0]` is where the channel name starts and `offsets[n-1]` is the end of the
  message; part i runs from `offsets[i]` to `offsets[i+1]`. The four JSON parts are
  exactly the ZeroMQ frames, so a server relays them without parsing (and signs them).
- the legacy framing (no subprotocol): a text message holding the message as one
  JSON object with a `channel` key; a message with buffers is binary instead:

      uint32be k, uint32be offsets[k], JSON, buffer_0 ... buffer_{k-2}

Messages on a WebSocket are not signed: the server signs what it sends to the kernel.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

from .errors import MalformedMessage
from .jsonutil import JSONDict, dumps, loads, loads_dict
from .messages import Buffer, Header, Message

V1_SUBPROTOCOL = "v1.kernel.websocket.jupyter.org"

_U64 = 8
_U32 = 4
# Channel plus four JSON parts and the end offset: the smallest valid v1 message.
_V1_MIN_OFFSETS = 6
# A bound on the offset table, so a corrupt count cannot make us allocate gigabytes.
_MAX_PARTS = 1 << 16


_PARTS = ("header", "parent_header", "metadata", "content")


def _message(parts: Sequence[JSONDict], buffers: Sequence[Buffer]) -> Message:
    header, parent, metadata, content = parts
    return Message(
        header=Header.from_dict(header),
        parent_header=Header.from_dict(parent, "parent_header") if parent else None,
        metadata=metadata,
        content=content,
        buffers=tuple(buffers),
    )


def _json_parts(msg: Message) -> list[bytes]:
    return [
        dumps(msg.header.to_dict()),
        dumps(msg.parent_header.to_dict()) if msg.parent_header else b"{}",
        dumps(msg.metadata),
        dumps(msg.content),
    ]


def to_v1(msg: Message, channel: str) -> bytes:
    """One binary v1 WebSocket message."""
    parts: list[Buffer] = [channel.encode("utf-8"), *_json_parts(msg), *msg.buffers]
    count = len(parts) + 1
    offsets = [_U64 * (1 + count)]
    for part in parts:
        offsets.append(offsets[-1] + len(part))
    table = struct.pack(f"<{count + 1}Q", count, *offsets)
    return b"".join([table, *(bytes(p) for p in parts)])


def from_v1(data: Buffer) -> tuple[str, Message]:
    """(channel, message) from one binary v1 WebSocket message. Buffers are copied out
    as bytes, as ZeroMQ's receive gives them. Raises MalformedMessage."""
    view = memoryview(data)
    if len(view) < _U64:
        raise MalformedMessage(f"v1 message of {len(view)} bytes has no offset count")
    (count,) = struct.unpack_from("<Q", view)
    if not _V1_MIN_OFFSETS <= count <= _MAX_PARTS or len(view) < _U64 * (1 + count):
        raise MalformedMessage(f"v1 message of {len(view)} bytes cannot hold {count} offsets")
    offsets = struct.unpack_from(f"<{count}Q", view, _U64)
    if offsets[0] != _U64 * (1 + count) or offsets[-1] != len(view):
        raise MalformedMessage(
            f"v1 offsets {offsets[0]}..{offsets[-1]} do not span the {len(view)}-byte message"
        )
    if any(a > b for a, b in zip(offsets, offsets[1:], strict=False)):
        raise MalformedMessage(f"v1 offsets are not in order: {list(offsets)[:12]}")
    parts = [view[a:b] for a, b in zip(offsets, offsets[1:], strict=False)]
    try:
        channel = bytes(parts[0]).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedMessage(f"v1 channel name is not UTF-8: {exc}") from None
    dicts = [loads_dict(part, name) for part, name in zip(parts[1:5], _PARTS, strict=True)]
    return channel, _message(dicts, [bytes(p) for p in parts[5:]])


def to_legacy(msg: Message, channel: str) -> str | bytes:
    """One legacy WebSocket message: JSON text, or binary when `msg` has buffers."""
    body: JSONDict = {
        "channel": channel,
        "header": msg.header.to_dict(),
        "parent_header": msg.parent_header.to_dict() if msg.parent_header else {},
        "metadata": msg.metadata,
        "content": msg.content,
    }
    if not msg.buffers:
        return dumps(body).decode("utf-8")
    parts: list[Buffer] = [dumps(body), *msg.buffers]
    offsets = [_U32 * (1 + len(parts))]
    for part in parts[:-1]:
        offsets.append(offsets[-1] + len(part))
    table = struct.pack(f"!{len(parts) + 1}I", len(parts), *offsets)
    return b"".join([table, *(bytes(p) for p in parts)])


def from_legacy(data: str | Buffer) -> tuple[str, Message]:
    """(channel, message) from one legacy WebSocket message. Raises MalformedMessage."""
    buffers: list[Buffer] = []
    if isinstance(data, str):
        raw = loads(data)
    else:
        view = memoryview(data)
        if len(view) < _U32:
            raise MalformedMessage(f"binary message of {len(view)} bytes has no buffer count")
        (count,) = struct.unpack_from("!I", view)
        if not 1 <= count <= _MAX_PARTS or len(view) < _U32 * (1 + count):
            raise MalformedMessage(f"binary message cannot hold {count} buffers")
        offsets = [*struct.unpack_from(f"!{count}I", view, _U32), len(view)]
        if offsets[0] != _U32 * (1 + count) or any(
            a > b for a, b in zip(offsets, offsets[1:], strict=False)
        ):
            raise MalformedMessage(f"binary message offsets are out of order: {offsets[:12]}")
        raw = loads(view[offsets[0] : offsets[1]])
        buffers = [bytes(view[a:b]) for a, b in zip(offsets[1:], offsets[2:], strict=False)]
    if not isinstance(raw, dict):
        raise MalformedMessage(f"a WebSocket message must be a JSON object, got {type(raw)}")
    channel = raw.get("channel")
    if not isinstance(channel, str):
        raise MalformedMessage(f"a WebSocket message needs a channel, got {channel!r:.40}")
    dicts = [raw.get(name) or {} for name in _PARTS]
    for part, name in zip(dicts, _PARTS, strict=True):
        if not isinstance(part, dict):
            raise MalformedMessage(f"{name} must be a JSON object, got {type(part).__name__}")
    return channel, _message(dicts, buffers)
