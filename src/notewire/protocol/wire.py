"""ZeroMQ framing of Jupyter messages, as data: no sockets here.

    [ident_0 ... ident_n, b"<IDS|MSG>", signature, header, parent_header, metadata,
     content, buffer_0 ... buffer_m]

The signature is the lowercase hex HMAC of the four JSON frames, keyed with the
connection file's key taken as UTF-8 bytes. Buffers are not signed. An empty key means
messages are unsigned and the signature frame is empty.
"""

from __future__ import annotations

import hmac
from collections import OrderedDict
from collections.abc import Sequence

from .errors import InvalidSignature, MalformedMessage, ReplayedMessage
from .jsonutil import dumps, loads_dict
from .messages import Buffer, Header, Message

DELIMITER = b"<IDS|MSG>"


class Signer:
    """Signs and verifies the four JSON frames of a message.

    `scheme` is `hmac-<hashlib name>`, e.g. `hmac-sha256`.
    """

    __slots__ = ("key", "_mac")

    def __init__(self, key: bytes, scheme: str = "hmac-sha256") -> None:
        if not scheme.startswith("hmac-"):
            raise InvalidSignature(f"signature scheme must be hmac-<hash>, got {scheme!r}")
        digest = scheme[len("hmac-") :]
        try:
            hmac.new(b"k", digestmod=digest)  # hashlib.new accepts shake_*, hmac does not
        except (ValueError, TypeError):  # TypeError: empty digest name
            raise InvalidSignature(
                f"unknown hash {digest!r} in signature scheme {scheme!r}"
            ) from None
        self.key = key
        self._mac = hmac.new(key, digestmod=digest) if key else None

    def sign(self, frames: Sequence[Buffer]) -> bytes:
        if self._mac is None:
            return b""
        mac = self._mac.copy()
        for frame in frames:
            mac.update(frame)
        return mac.hexdigest().encode("ascii")

    def verify(self, signature: Buffer, frames: Sequence[Buffer]) -> None:
        """Raise InvalidSignature unless `signature` matches. Constant time."""
        if self._mac is None:
            return
        if not hmac.compare_digest(bytes(signature), self.sign(frames)):
            raise InvalidSignature("message signature does not match its content")


class ReplayGuard:
    """Remembers the last `capacity` signatures and refuses a repeat.

    Every message carries a fresh msg_id, so a repeated signature means the same frames
    were sent again. Memory is bounded: the oldest signatures are forgotten first.
    """

    __slots__ = ("capacity", "_seen")

    def __init__(self, capacity: int = 65536) -> None:
        self.capacity = capacity
        self._seen: OrderedDict[bytes, None] = OrderedDict()

    def check(self, signature: bytes) -> None:
        if not signature:
            return  # unsigned messages cannot be told apart from legitimate repeats
        if signature in self._seen:
            raise ReplayedMessage(
                f"signature {signature[:16].decode('ascii', 'replace')}… seen before"
            )
        self._seen[signature] = None
        if len(self._seen) > self.capacity:
            self._seen.popitem(last=False)


# The last parent header encoded, and its JSON: a request's busy, outputs, reply and
# idle all carry the same one (headers are immutable, so identity means same JSON).
_last_parent: tuple[Header | None, bytes] = (None, b"{}")


def _parent_json(parent: Header | None) -> bytes:
    global _last_parent
    last = _last_parent  # one read: another thread may replace it meanwhile
    if parent is last[0]:
        return last[1]
    encoded = dumps(parent.to_dict()) if parent is not None else b"{}"
    _last_parent = (parent, encoded)
    return encoded


def to_frames(msg: Message, signer: Signer, idents: Sequence[bytes] = ()) -> list[Buffer]:
    """Serialize and sign `msg`. Buffers are appended as given, uncopied."""
    parts = [
        dumps(msg.header.to_dict()),
        _parent_json(msg.parent_header),
        dumps(msg.metadata),
        dumps(msg.content),
    ]
    frames: list[Buffer] = [*idents, DELIMITER, signer.sign(parts), *parts]
    frames.extend(msg.buffers)
    return frames


def split_idents(frames: Sequence[Buffer]) -> tuple[list[bytes], Sequence[Buffer]]:
    """Split routing identities from the rest at the delimiter."""
    for i, frame in enumerate(frames):
        if len(frame) == len(DELIMITER) and bytes(frame) == DELIMITER:
            return [bytes(f) for f in frames[:i]], frames[i + 1 :]
    raise MalformedMessage(f"no {DELIMITER.decode()} delimiter among {len(frames)} frames")


def from_frames(
    frames: Sequence[Buffer], signer: Signer, replay: ReplayGuard | None = None
) -> tuple[list[bytes], Message]:
    """Verify and decode frames into (routing idents, message).

    The signature is checked before any JSON is parsed. Raises InvalidSignature,
    ReplayedMessage or MalformedMessage. Buffers are returned uncopied.
    """
    idents, rest = split_idents(frames)
    if len(rest) < 5:
        raise MalformedMessage(
            f"expected at least 5 frames after the delimiter "
            f"(signature, header, parent, metadata, content), got {len(rest)}"
        )
    signature = bytes(rest[0])
    parts = rest[1:5]
    signer.verify(signature, parts)
    if replay is not None:
        replay.check(signature)
    header = Header.from_dict(loads_dict(parts[0], "header"))
    parent = loads_dict(parts[1], "parent_header")
    msg = Message(
        header=header,
        parent_header=Header.from_dict(parent, "parent_header") if parent else None,
        metadata=loads_dict(parts[2], "metadata"),
        content=loads_dict(parts[3], "content"),
        buffers=tuple(rest[5:]),
    )
    return idents, msg
