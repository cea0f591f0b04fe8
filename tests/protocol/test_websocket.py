"""The kernel WebSocket framings (v1 binary and legacy JSON), against jupyter_server's
own serializers: what a gateway sends, we read; what we send, it reads."""

from __future__ import annotations

import json
import struct

import pytest
from jupyter_server.services.kernels.connection.base import (
    deserialize_binary_message,
    deserialize_msg_from_ws_v1,
    serialize_binary_message,
    serialize_msg_to_ws_v1,
)

from notewire.protocol import MalformedMessage, make_message
from notewire.protocol.jsonutil import dumps
from notewire.protocol.websocket import from_legacy, from_v1, to_legacy, to_v1

BUFFERS = (b"\x00\x01binary", b"", b"\xff" * 1000)


def message(buffers: tuple[bytes, ...] = ()):  # type: ignore[no-untyped-def]
    parent = make_message("execute_request", {"code": "1"}, session="s").header
    return make_message(
        "comm_msg",
        {"comm_id": "c", "data": {"x": "é"}},
        session="s",
        parent=parent,
        metadata={"m": 1},
        buffers=buffers,
    )


@pytest.mark.parametrize("buffers", [(), BUFFERS])
def test_v1_round_trips_and_matches_jupyter_server(buffers: tuple[bytes, ...]) -> None:
    msg = message(buffers)
    data = to_v1(msg, "shell")
    channel, parts = deserialize_msg_from_ws_v1(data)
    assert channel == "shell"
    assert json.loads(parts[0])["msg_id"] == msg.msg_id
    assert [bytes(p) for p in parts[4:]] == list(buffers)
    assert from_v1(data) == ("shell", msg)
    theirs = serialize_msg_to_ws_v1([dumps(msg.header.to_dict()), *parts[1:]], "iopub")
    assert from_v1(theirs) == ("iopub", msg)


@pytest.mark.parametrize("buffers", [(), BUFFERS])
def test_legacy_round_trips_and_matches_jupyter_server(buffers: tuple[bytes, ...]) -> None:
    msg = message(buffers)
    data = to_legacy(msg, "stdin")
    assert isinstance(data, bytes if buffers else str)
    theirs = deserialize_binary_message(data) if buffers else json.loads(data)
    assert theirs["channel"] == "stdin" and theirs["content"] == msg.content
    assert from_legacy(data) == ("stdin", msg)
    body = msg.to_dict() | {"channel": "iopub", "buffers": list(buffers)}
    sent = serialize_binary_message(body) if buffers else json.dumps(body)
    assert from_legacy(sent) == ("iopub", msg)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        struct.pack("<Q", 2) + b"\x00" * 16,  # too few parts
        struct.pack("<Q", 1 << 40),  # an absurd count
        struct.pack("<7Q", 6, 56, 60, 58, 60, 60, 60) + b"shel",  # offsets out of order
        to_v1(message(), "shell")[:-1],  # truncated
    ],
)
def test_v1_refuses_malformed_frames(data: bytes) -> None:
    with pytest.raises(MalformedMessage):
        from_v1(data)


@pytest.mark.parametrize(
    "data", ["[]", '{"header": {}}', '{"channel": "shell", "content": []}', b"\x00\x00", "{"]
)
def test_legacy_refuses_malformed_messages(data: str | bytes) -> None:
    with pytest.raises(MalformedMessage):
        from_legacy(data)
