"""The message envelope: header, parent header, metadata, content and buffers.

Content stays a plain JSON dict here because the envelope must carry every message
type, including ones we do not know. `notewire.protocol.content` turns the content of
known types into typed objects; that is done once, where a message enters a process.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from .errors import MalformedMessage
from .jsonutil import JSONDict

PROTOCOL_VERSION = "5.5"

Buffer = bytes | memoryview


def new_id() -> str:
    """A fresh message or session id (uuid4 hex). Made here from 16 random bytes:
    `uuid.uuid4().hex` builds a UUID object on the way and costs ten times as much, on
    every message either process sends."""
    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40  # version 4
    raw[8] = (raw[8] & 0x3F) | 0x80  # the RFC 4122 variant
    return raw.hex()


def _default_username() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry in some containers
        return os.environ.get("USER", "notewire")


DEFAULT_USERNAME = _default_username()


def utc_now_iso() -> str:
    """ISO-8601 with timezone, as the spec requires since 5.1."""
    return datetime.now(UTC).isoformat()


@dataclass(frozen=True, slots=True)
class Header:
    """A message header. `extra` keeps fields we do not model (subshell_id, ...) so
    that a header copied into a reply's parent_header is copied whole."""

    msg_id: str
    msg_type: str
    session: str
    username: str = DEFAULT_USERNAME
    date: str = ""
    version: str = PROTOCOL_VERSION
    extra: JSONDict = field(default_factory=dict)

    def to_dict(self) -> JSONDict:
        d: JSONDict = {
            "msg_id": self.msg_id,
            "msg_type": self.msg_type,
            "session": self.session,
            "username": self.username,
            "date": self.date,
            "version": self.version,
        }
        if self.extra:
            d.update(self.extra)
        return d

    @classmethod
    def from_dict(cls, d: JSONDict, what: str = "header") -> Header:
        """Validate and build a header. Raises MalformedMessage naming the bad field."""
        for name in ("msg_id", "msg_type"):
            if not isinstance(d.get(name), str) or not d[name]:
                raise MalformedMessage(
                    f"{what} needs a non-empty string {name!r}, got {d.get(name)!r}"
                )
        session = d.get("session", "")
        username = d.get("username", "")
        date = d.get("date", "")
        version = d.get("version", "")
        if not (
            type(session) is str
            and type(username) is str
            and type(date) is str
            and type(version) is str
        ):
            for name in ("session", "username", "date", "version"):
                value = d.get(name, "")
                if not isinstance(value, str):
                    raise MalformedMessage(f"{what} field {name!r} must be a string, got {value!r}")
        # Every message passes here: the usual header has no other key to keep.
        extra = (
            {}
            if d.keys() <= _HEADER_FIELDS
            else {k: v for k, v in d.items() if k not in _HEADER_FIELDS}
        )
        return cls(
            msg_id=d["msg_id"],
            msg_type=d["msg_type"],
            session=session,
            username=username or DEFAULT_USERNAME,
            date=date,
            version=version or PROTOCOL_VERSION,
            extra=extra,
        )


_HEADER_FIELDS = frozenset(("msg_id", "msg_type", "session", "username", "date", "version"))


@dataclass(frozen=True, slots=True)
class Message:
    """One Jupyter message. `parent_header` is None when the message has no parent
    (it travels as `{}`). Buffers are not signed and are passed through uncopied."""

    header: Header
    content: JSONDict
    parent_header: Header | None = None
    metadata: JSONDict = field(default_factory=dict)
    buffers: tuple[Buffer, ...] = ()

    @property
    def msg_type(self) -> str:
        return self.header.msg_type

    @property
    def msg_id(self) -> str:
        return self.header.msg_id

    @property
    def parent_id(self) -> str | None:
        return self.parent_header.msg_id if self.parent_header else None

    def to_dict(self) -> JSONDict:
        """The dict form jupyter_client uses (buffers as a list)."""
        return {
            "header": self.header.to_dict(),
            "msg_id": self.header.msg_id,
            "msg_type": self.header.msg_type,
            "parent_header": self.parent_header.to_dict() if self.parent_header else {},
            "metadata": self.metadata,
            "content": self.content,
            "buffers": list(self.buffers),
        }


def make_message(
    msg_type: str,
    content: JSONDict,
    *,
    session: str,
    parent: Header | None = None,
    metadata: JSONDict | None = None,
    buffers: Sequence[Buffer] = (),
    username: str = DEFAULT_USERNAME,
) -> Message:
    """Build a message with a fresh msg_id and the current time."""
    header = Header(
        msg_id=new_id(),
        msg_type=msg_type,
        session=session,
        username=username,
        date=utc_now_iso(),
    )
    return Message(
        header=header,
        content=content,
        parent_header=parent,
        metadata=metadata if metadata is not None else {},
        buffers=tuple(buffers),
    )


def reply_type(request_type: str) -> str:
    """`execute_request` -> `execute_reply`. Raises MalformedMessage for non-requests."""
    if not request_type.endswith("_request"):
        raise MalformedMessage(f"{request_type!r} is not a request type")
    return request_type[: -len("_request")] + "_reply"
