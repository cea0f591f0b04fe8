"""The Jupyter wire protocol as data and pure functions: no sockets, no I/O but
connection files. Kernel and server both stand on this package."""

from .connection import (
    CHANNELS,
    Channel,
    ConnectionInfo,
    new_key,
    read_connection_file,
    write_connection_file,
)
from .content import Content, decode, from_dict
from .errors import (
    InvalidConnectionInfo,
    InvalidSignature,
    MalformedMessage,
    ProtocolError,
    ReplayedMessage,
    UnknownMessageType,
)
from .messages import PROTOCOL_VERSION, Buffer, Header, Message, make_message, new_id, reply_type
from .wire import DELIMITER, ReplayGuard, Signer, from_frames, to_frames

__all__ = [
    "CHANNELS",
    "DELIMITER",
    "PROTOCOL_VERSION",
    "Buffer",
    "Channel",
    "ConnectionInfo",
    "Content",
    "Header",
    "InvalidConnectionInfo",
    "InvalidSignature",
    "MalformedMessage",
    "Message",
    "ProtocolError",
    "ReplayGuard",
    "ReplayedMessage",
    "Signer",
    "UnknownMessageType",
    "decode",
    "from_dict",
    "from_frames",
    "make_message",
    "new_id",
    "new_key",
    "read_connection_file",
    "reply_type",
    "to_frames",
    "write_connection_file",
]
