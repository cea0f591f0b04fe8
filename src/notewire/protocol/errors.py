"""Errors raised by notewire.protocol.

ProtocolError
 ├── MalformedMessage       the bytes or JSON do not form a Jupyter message
 │    └── UnknownMessageType  well-formed, but of a msg_type we have no content type for
 ├── InvalidSignature       the HMAC does not match (wrong key, tampered frames)
 ├── ReplayedMessage        a signature already seen: the same frames sent twice
 └── InvalidConnectionInfo  a connection file that cannot be used

Each message names the offending value, so a log line says what was wrong.
"""

from __future__ import annotations


class ProtocolError(Exception):
    """Base for everything notewire.protocol raises."""


class MalformedMessage(ProtocolError):
    """The frames or their JSON do not form a valid message."""


class UnknownMessageType(MalformedMessage):
    """A message whose msg_type has no content type registered."""

    def __init__(self, msg_type: str) -> None:
        super().__init__(f"unknown message type {msg_type!r}")
        self.msg_type = msg_type


class InvalidSignature(ProtocolError):
    """The message signature does not match its frames."""


class ReplayedMessage(InvalidSignature):
    """A message whose signature has been seen before."""


class InvalidConnectionInfo(ProtocolError):
    """A connection file that is missing fields or holds wrong values."""
