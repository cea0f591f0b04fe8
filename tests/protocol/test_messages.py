"""The envelope: Header, Message, make_message, new_id, reply_type."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notewire.protocol import (
    PROTOCOL_VERSION,
    Header,
    MalformedMessage,
    Message,
    make_message,
    new_id,
    reply_type,
)
from notewire.protocol.messages import DEFAULT_USERNAME

KNOWN = {"msg_id", "msg_type", "session", "username", "date", "version"}

json_leaves = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10)
)
json_values = st.recursive(
    json_leaves,
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=6), c, max_size=3),
    max_leaves=6,
)
extra_fields = st.dictionaries(
    st.text(min_size=1, max_size=12).filter(lambda k: k not in KNOWN), json_values, max_size=4
)
nonempty = st.text(min_size=1, max_size=30)

headers = st.builds(
    Header,
    msg_id=nonempty,
    msg_type=nonempty,
    session=st.text(max_size=30),
    username=nonempty,
    date=st.text(max_size=30),
    version=nonempty,
    extra=extra_fields,
)


def test_new_id_is_fresh_uuid4_hex() -> None:
    ids = {new_id() for _ in range(500)}
    assert len(ids) == 500
    for i in ids:
        assert re.fullmatch(r"[0-9a-f]{32}", i)
        assert uuid.UUID(hex=i).version == 4  # and the RFC 4122 variant


@settings(max_examples=150, deadline=None)
@given(headers)
def test_header_dict_round_trip_keeps_extra_fields(header: Header) -> None:
    d = header.to_dict()
    assert KNOWN <= d.keys()
    for key, value in header.extra.items():
        assert d[key] == value
    assert Header.from_dict(d) == header


def test_header_keeps_subshell_id() -> None:
    d = {
        "msg_id": "m1",
        "msg_type": "execute_request",
        "session": "s",
        "username": "u",
        "date": "2024-01-01T00:00:00+00:00",
        "version": "5.5",
        "subshell_id": "abc",
        "future": {"nested": [1, 2]},
    }
    header = Header.from_dict(d)
    assert header.extra == {"subshell_id": "abc", "future": {"nested": [1, 2]}}
    assert header.to_dict() == d


def test_header_without_extra_has_exactly_the_known_fields() -> None:
    header = Header(msg_id="m", msg_type="status", session="s")
    assert set(header.to_dict()) == KNOWN


def test_header_from_dict_fills_defaults() -> None:
    header = Header.from_dict({"msg_id": "m", "msg_type": "t"})
    assert header.session == ""
    assert header.date == ""
    assert header.username == DEFAULT_USERNAME
    assert header.version == PROTOCOL_VERSION
    assert header.extra == {}


@pytest.mark.parametrize("field", ["msg_id", "msg_type"])
@pytest.mark.parametrize("bad", ["<missing>", "", None, 5, ["x"]])
def test_header_from_dict_requires_msg_id_and_msg_type(field: str, bad: object) -> None:
    d: dict = {"msg_id": "m", "msg_type": "t", "session": "s"}
    if bad == "<missing>":
        del d[field]
    else:
        d[field] = bad
    with pytest.raises(MalformedMessage) as info:
        Header.from_dict(d)
    assert repr(field) in str(info.value)
    assert str(info.value).startswith("header ")


@pytest.mark.parametrize("field", ["session", "username", "date", "version"])
@pytest.mark.parametrize("bad", [None, 1, True, ["x"], {"a": 1}])
def test_header_from_dict_string_fields_must_be_strings(field: str, bad: object) -> None:
    d = {"msg_id": "m", "msg_type": "t", field: bad}
    with pytest.raises(MalformedMessage) as info:
        Header.from_dict(d, "parent_header")
    assert repr(field) in str(info.value)
    assert str(info.value).startswith("parent_header ")


def test_make_message_fills_the_header() -> None:
    before = datetime.now(UTC)
    msg = make_message("execute_request", {"code": "1"}, session="sess", username="alice")
    after = datetime.now(UTC)
    h = msg.header
    assert h.msg_type == "execute_request"
    assert h.session == "sess"
    assert h.username == "alice"
    assert h.version == PROTOCOL_VERSION == "5.5"
    assert re.fullmatch(r"[0-9a-f]{32}", h.msg_id)
    date = datetime.fromisoformat(h.date)
    assert date.tzinfo is not None
    assert date.utcoffset() == timedelta(0)
    assert before <= date <= after
    assert msg.parent_header is None
    assert msg.parent_id is None
    assert msg.metadata == {}
    assert msg.buffers == ()
    assert msg.msg_type == "execute_request"
    assert msg.msg_id == h.msg_id


def test_make_message_ids_are_fresh_and_metadata_not_shared() -> None:
    a = make_message("status", {}, session="s")
    b = make_message("status", {}, session="s")
    assert a.msg_id != b.msg_id
    assert a.metadata is not b.metadata
    a.metadata["x"] = 1
    assert b.metadata == {}


def test_make_message_with_parent_metadata_and_buffers() -> None:
    parent = make_message("execute_request", {"code": "x"}, session="client").header
    view = memoryview(b"view")
    raw = b"raw"
    msg = make_message(
        "execute_reply",
        {"status": "ok"},
        session="kernel",
        parent=parent,
        metadata={"started": "now"},
        buffers=[raw, view],
    )
    assert msg.parent_header is parent
    assert msg.parent_id == parent.msg_id
    assert msg.metadata == {"started": "now"}
    assert isinstance(msg.buffers, tuple)
    assert msg.buffers[0] is raw
    assert msg.buffers[1] is view  # passed through uncopied


def test_message_to_dict_matches_jupyter_client_shape() -> None:
    parent = Header(msg_id="p", msg_type="execute_request", session="c", extra={"subshell_id": "z"})
    msg = make_message(
        "stream",
        {"name": "stdout", "text": "hi"},
        session="k",
        parent=parent,
        metadata={"m": 1},
        buffers=[b"b"],
    )
    d = msg.to_dict()
    assert d == {
        "header": msg.header.to_dict(),
        "msg_id": msg.msg_id,
        "msg_type": "stream",
        "parent_header": parent.to_dict(),
        "metadata": {"m": 1},
        "content": {"name": "stdout", "text": "hi"},
        "buffers": [b"b"],
    }
    assert d["parent_header"]["subshell_id"] == "z"
    orphan = make_message("status", {"execution_state": "idle"}, session="k")
    assert orphan.to_dict()["parent_header"] == {}


def test_message_is_frozen() -> None:
    msg = make_message("status", {}, session="s")
    with pytest.raises(AttributeError):
        msg.content = {}  # type: ignore[misc]
    with pytest.raises(AttributeError):
        msg.header.msg_id = "x"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("request_type", "reply"),
    [
        ("execute_request", "execute_reply"),
        ("kernel_info_request", "kernel_info_reply"),
        ("comm_info_request", "comm_info_reply"),
        ("is_complete_request", "is_complete_reply"),
        ("shutdown_request", "shutdown_reply"),
    ],
)
def test_reply_type(request_type: str, reply: str) -> None:
    assert reply_type(request_type) == reply


@pytest.mark.parametrize(
    "not_a_request", ["execute_reply", "status", "input_reply", "request", "execute_request_", ""]
)
def test_reply_type_refuses_non_requests(not_a_request: str) -> None:
    with pytest.raises(MalformedMessage, match="not a request type"):
        reply_type(not_a_request)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=20))
def test_reply_type_property(stem: str) -> None:
    assert reply_type(stem + "_request") == stem + "_reply"


def test_message_equality_is_by_value() -> None:
    header = Header(msg_id="m", msg_type="t", session="s", date="d")
    a = Message(header=header, content={"a": [1]}, metadata={"x": 1}, buffers=(b"1",))
    b = Message(
        header=Header.from_dict(header.to_dict()),
        content={"a": [1]},
        metadata={"x": 1},
        buffers=(memoryview(b"1"),),
    )
    assert a == b
    assert a != Message(header=header, content={"a": [2]}, metadata={"x": 1}, buffers=(b"1",))
