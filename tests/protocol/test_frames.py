"""Batch frames of the browser WebSocket: what one holds comes out whole and in order."""

from __future__ import annotations

import pytest

from notewire.protocol import MalformedMessage
from notewire.protocol.frames import (
    SYNC,
    JsonFrame,
    YFrame,
    decode,
    decode_all,
    encode_batch,
    encode_json,
)


def test_a_batch_gives_back_its_frames_in_order() -> None:
    frames = [
        encode_json({"type": "comm_open", "content": {"comm_id": "a"}}),
        encode_json({"type": "comm_msg", "content": {"comm_id": "a"}}, [b"\x00\x01", b"xyz"]),
        YFrame(SYNC, b"\x02\x05").encode(),
    ]
    assert decode_all(encode_batch(frames)) == [decode(f) for f in frames]
    assert decode_all(frames[0]) == [JsonFrame({"type": "comm_open", "content": {"comm_id": "a"}})]


@pytest.mark.parametrize(
    "data",
    [
        encode_batch([encode_json({"type": "x"})])[:-1],  # cut short
        b"\x03\x00\x00\x00",  # a length cut short
        b"\x03\x00\x00\x00\x00",  # an empty frame
        b"\x03\x00\x00\x00\x02\x03\x00",  # a batch in a batch
    ],
)
def test_a_malformed_batch_is_refused_whole(data: bytes) -> None:
    with pytest.raises(MalformedMessage):
        decode_all(data)


def test_decode_refuses_a_batch() -> None:
    with pytest.raises(MalformedMessage, match="decode_all"):
        decode(encode_batch(["{}", "{}"]))
