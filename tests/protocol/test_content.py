"""Typed content: decode, from_dict, to_dict, the registry and ErrorReply."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notewire.protocol import (
    Content,
    MalformedMessage,
    Signer,
    UnknownMessageType,
    decode,
    from_dict,
    from_frames,
    make_message,
    to_frames,
)
from notewire.protocol import content as c

# One valid content per registered msg_type, with every field given a non-default value
# where one exists, so decode() has to carry each of them across.
VALID: dict[str, dict[str, Any]] = {
    "kernel_info_request": {},
    "execute_request": {
        "code": "x = 1",
        "silent": True,
        "store_history": False,
        "user_expressions": {"y": "x + 1"},
        "allow_stdin": False,
        "stop_on_error": False,
    },
    "complete_request": {"code": "import o", "cursor_pos": 8},
    "inspect_request": {"code": "len", "cursor_pos": 3, "detail_level": 1},
    "is_complete_request": {"code": "for i in x:"},
    "history_request": {
        "hist_access_type": "range",
        "output": True,
        "raw": False,
        "session": -1,
        "start": 1,
        "stop": 5,
        "n": 10,
        "pattern": "x*",
        "unique": True,
    },
    "comm_info_request": {"target_name": "jupyter.widget"},
    "shutdown_request": {"restart": True},
    "interrupt_request": {},
    "input_reply": {"value": "typed"},
    "comm_open": {
        "comm_id": "c1",
        "target_name": "t",
        "data": {"a": 1},
        "target_module": "mod",
    },
    "comm_msg": {"comm_id": "c1", "data": {"method": "update"}},
    "comm_close": {"comm_id": "c1", "data": {"bye": True}},
    "kernel_info_reply": {
        "protocol_version": "5.5",
        "implementation": "notewire",
        "implementation_version": "0.1.0",
        "language_info": {"name": "python", "version": "3.11"},
        "banner": "hello",
        "help_links": [{"text": "Python", "url": "https://python.org"}],
        "supported_features": ["debugger"],
        "status": "ok",
    },
    "execute_reply": {
        "execution_count": 3,
        "status": "error",
        "user_expressions": {"y": {"status": "ok"}},
        "payload": [{"source": "page"}],
        "ename": "ValueError",
        "evalue": "bad",
        "traceback": ["line 1", "line 2"],
    },
    "complete_reply": {
        "matches": ["os", "operator"],
        "cursor_start": 7,
        "cursor_end": 8,
        "metadata": {"_jupyter_types_experimental": []},
        "status": "ok",
    },
    "inspect_reply": {
        "found": True,
        "data": {"text/plain": "len(obj)"},
        "metadata": {"m": 1},
        "status": "ok",
    },
    "is_complete_reply": {"status": "incomplete", "indent": "    "},
    "history_reply": {"history": [[0, 1, "x = 1"]], "status": "ok"},
    "comm_info_reply": {"comms": {"c1": {"target_name": "t"}}, "status": "ok"},
    "shutdown_reply": {"restart": True, "status": "ok"},
    "interrupt_reply": {"status": "ok"},
    "status": {"execution_state": "busy"},
    "execute_input": {"code": "x = 1", "execution_count": 3},
    "stream": {"name": "stderr", "text": "oops\n"},
    "display_data": {
        "data": {"text/plain": "1"},
        "metadata": {"isolated": True},
        "transient": {"display_id": "d1"},
    },
    "update_display_data": {
        "data": {"text/plain": "2"},
        "metadata": {},
        "transient": {"display_id": "d1"},
    },
    "execute_result": {"execution_count": 3, "data": {"text/plain": "1"}, "metadata": {"a": 1}},
    "error": {"ename": "NameError", "evalue": "x", "traceback": ["tb"]},
    "clear_output": {"wait": True},
    "iopub_welcome": {"subscription": ""},
    "input_request": {"prompt": "name? ", "password": True},
}

ALL_TYPES = sorted(c.REGISTRY)


def _fields(cls: type[Content]) -> dict[str, dataclasses.Field]:
    return {f.name: f for f in dataclasses.fields(cls) if f.name != "msg_type"}


def _required(cls: type[Content]) -> list[str]:
    return [
        name
        for name, f in _fields(cls).items()
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    ]


def _msg(msg_type: str, content: dict) -> Any:
    return make_message(msg_type, content, session="s")


def test_every_registered_type_has_an_example() -> None:
    assert set(VALID) == set(c.REGISTRY)
    for msg_type, cls in c.REGISTRY.items():
        assert cls.msg_type == msg_type
        assert issubclass(cls, Content)
        assert dataclasses.is_dataclass(cls)


def test_error_reply_is_not_registered() -> None:
    assert c.ErrorReply not in c.REGISTRY.values()


@pytest.mark.parametrize("msg_type", ALL_TYPES)
def test_decode_valid_content(msg_type: str) -> None:
    content = VALID[msg_type]
    decoded = decode(_msg(msg_type, content))
    cls = c.REGISTRY[msg_type]
    assert type(decoded) is cls
    assert decoded.msg_type == msg_type
    for name, value in content.items():
        assert getattr(decoded, name) == value
    # every field was given, so to_dict gives the content back exactly
    assert decoded.to_dict() == content
    assert from_dict(cls, decoded.to_dict()) == decoded


@pytest.mark.parametrize("msg_type", ALL_TYPES)
def test_decode_after_the_wire(msg_type: str) -> None:
    signer = Signer(b"key")
    _, msg = from_frames(to_frames(_msg(msg_type, VALID[msg_type]), signer), signer)
    assert decode(msg).to_dict() == VALID[msg_type]


@pytest.mark.parametrize("msg_type", ALL_TYPES)
def test_decode_with_only_required_fields_uses_defaults(msg_type: str) -> None:
    cls = c.REGISTRY[msg_type]
    minimal = {k: v for k, v in VALID[msg_type].items() if k in _required(cls)}
    decoded = decode(_msg(msg_type, minimal))
    for name, f in _fields(cls).items():
        if name in minimal:
            assert getattr(decoded, name) == minimal[name]
        elif f.default is not dataclasses.MISSING:
            assert getattr(decoded, name) == f.default
        else:
            assert getattr(decoded, name) == f.default_factory()


def test_mutable_defaults_are_not_shared() -> None:
    a = decode(_msg("execute_request", {"code": "1"}))
    b = decode(_msg("execute_request", {"code": "2"}))
    assert a.user_expressions == {}
    assert a.user_expressions is not b.user_expressions


@pytest.mark.parametrize(
    ("msg_type", "field"),
    [(t, f) for t in ALL_TYPES for f in _required(c.REGISTRY[t])],
)
def test_missing_required_field_names_it(msg_type: str, field: str) -> None:
    content = dict(VALID[msg_type])
    del content[field]
    with pytest.raises(MalformedMessage) as info:
        decode(_msg(msg_type, content))
    assert type(info.value) is MalformedMessage
    assert str(info.value) == f"{msg_type} content is missing {field!r}"


def _wrong_value(cls: type[Content], name: str) -> object:
    """A value of the wrong JSON type for the field."""
    valid = VALID[cls.msg_type].get(name)
    return "not an object" if isinstance(valid, dict) else {"wrong": "type"}


@pytest.mark.parametrize(
    ("msg_type", "field"),
    [(t, f) for t in ALL_TYPES for f in _fields(c.REGISTRY[t])],
)
def test_wrong_type_names_the_field(msg_type: str, field: str) -> None:
    cls = c.REGISTRY[msg_type]
    content = dict(VALID[msg_type])
    content[field] = _wrong_value(cls, field)
    with pytest.raises(MalformedMessage) as info:
        decode(_msg(msg_type, content))
    assert type(info.value) is MalformedMessage
    assert str(info.value).startswith(f"{msg_type} field {field!r} must be ")


@pytest.mark.parametrize(
    ("msg_type", "field", "bad"),
    [
        ("execute_request", "silent", 1),  # int is not bool
        ("execute_request", "silent", "true"),
        ("execute_request", "code", None),  # None only where the field is optional-typed
        ("execute_request", "code", b"bytes"),
        ("execute_input", "execution_count", True),  # bool is not int
        ("execute_input", "execution_count", 1.0),
        ("complete_request", "cursor_pos", "3"),
        ("complete_reply", "matches", ["a", 1]),  # list of str
        ("complete_reply", "matches", "abc"),
        ("kernel_info_reply", "supported_features", [None]),
        ("execute_reply", "traceback", ["ok", 2]),
        ("status", "execution_state", "sleeping"),  # Literal
        ("status", "execution_state", 1),
        ("stream", "name", "stdin"),
        ("is_complete_reply", "status", "ok"),
        ("history_request", "hist_access_type", "all"),
        ("kernel_info_reply", "help_links", {"not": "a list"}),
        ("display_data", "transient", []),
    ],
)
def test_specific_wrong_types(msg_type: str, field: str, bad: object) -> None:
    content = dict(VALID[msg_type])
    content[field] = bad
    with pytest.raises(MalformedMessage, match=f"{msg_type} field '{field}' must be"):
        from_dict(c.REGISTRY[msg_type], content)


def test_error_message_describes_the_expected_type() -> None:
    with pytest.raises(MalformedMessage) as info:
        decode(_msg("stream", {"name": "stdin", "text": ""}))
    assert "'stderr' | 'stdout'" in str(info.value)
    assert "'stdin'" in str(info.value)
    with pytest.raises(MalformedMessage, match="must be int | null"):
        decode(_msg("complete_request", {"code": "", "cursor_pos": "x"}))


def test_error_message_truncates_huge_values() -> None:
    with pytest.raises(MalformedMessage) as info:
        decode(_msg("stream", {"name": "stdout", "text": ["x" * 10_000]}))
    assert len(str(info.value)) < 200


@pytest.mark.parametrize(
    ("msg_type", "field"),
    [
        ("complete_request", "cursor_pos"),
        ("history_request", "stop"),
        ("history_request", "n"),
        ("comm_info_request", "target_name"),
        ("execute_reply", "traceback"),
        ("display_data", "transient"),
        ("is_complete_reply", "indent"),
    ],
)
def test_null_is_accepted_for_optional_fields_and_omitted_on_output(
    msg_type: str, field: str
) -> None:
    content = dict(VALID[msg_type])
    content[field] = None
    decoded = decode(_msg(msg_type, content))
    assert getattr(decoded, field) is None
    out = decoded.to_dict()
    assert field not in out
    assert out == {k: v for k, v in content.items() if v is not None}


@pytest.mark.parametrize("msg_type", ALL_TYPES)
def test_extra_keys_are_ignored(msg_type: str) -> None:
    content = {**VALID[msg_type], "x_future_field": [1, 2], "another": None}
    decoded = decode(_msg(msg_type, content))
    assert decoded.to_dict() == VALID[msg_type]
    assert not hasattr(decoded, "x_future_field")


@pytest.mark.parametrize("msg_type", ["x_unknown", "debug_request", "execute_request_", "Status"])
def test_unknown_msg_type(msg_type: str) -> None:
    with pytest.raises(UnknownMessageType) as info:
        decode(_msg(msg_type, {}))
    assert info.value.msg_type == msg_type
    assert repr(msg_type) in str(info.value)
    assert isinstance(info.value, MalformedMessage)


def test_to_dict_omits_none_fields() -> None:
    reply = c.ExecuteReply(execution_count=1)
    assert reply.to_dict() == {
        "execution_count": 1,
        "status": "ok",
        "user_expressions": {},
        "payload": [],
    }
    assert c.CompleteRequest(code="x").to_dict() == {"code": "x"}
    assert c.DisplayData(data={"text/plain": "a"}).to_dict() == {
        "data": {"text/plain": "a"},
        "metadata": {},
    }
    assert c.KernelInfoRequest().to_dict() == {}


def test_to_dict_keeps_falsy_values_that_are_not_none() -> None:
    out = c.HistoryRequest(hist_access_type="tail", start=0, pattern="", n=0).to_dict()
    assert out["start"] == 0
    assert out["pattern"] == ""
    assert out["n"] == 0
    assert "stop" not in out
    assert c.ClearOutput(wait=False).to_dict() == {"wait": False}


def test_content_is_frozen() -> None:
    req = c.ExecuteRequest(code="1")
    with pytest.raises(dataclasses.FrozenInstanceError):
        req.code = "2"  # type: ignore[misc]


# --- ErrorReply ----------------------------------------------------------------------------


def test_error_reply_carries_its_msg_type_outside_to_dict() -> None:
    reply = c.ErrorReply(
        msg_type="execute_reply",
        ename="ZeroDivisionError",
        evalue="division by zero",
        traceback=["tb"],
        execution_count=4,
    )
    assert reply.msg_type == "execute_reply"
    d = reply.to_dict()
    assert "msg_type" not in d
    assert d == {
        "ename": "ZeroDivisionError",
        "evalue": "division by zero",
        "traceback": ["tb"],
        "execution_count": 4,
        "status": "error",
    }
    other = c.ErrorReply(msg_type="complete_reply", ename="E", evalue="v")
    assert other.msg_type == "complete_reply"
    assert other.to_dict() == {"ename": "E", "evalue": "v", "traceback": [], "status": "error"}


def test_error_reply_from_dict_takes_msg_type() -> None:
    content = {"ename": "E", "evalue": "v", "traceback": ["a"], "status": "error", "extra": 1}
    reply = from_dict(c.ErrorReply, content, "inspect_reply")
    assert reply.msg_type == "inspect_reply"
    assert reply.to_dict() == {k: v for k, v in content.items() if k != "extra"}
    with pytest.raises(MalformedMessage, match="inspect_reply content is missing 'ename'"):
        from_dict(c.ErrorReply, {"evalue": "v"}, "inspect_reply")
    with pytest.raises(MalformedMessage, match="shutdown_reply field 'traceback'"):
        from_dict(c.ErrorReply, {"ename": "E", "evalue": "v", "traceback": "x"}, "shutdown_reply")


def test_error_reply_from_dict_without_msg_type_is_a_programming_error() -> None:
    with pytest.raises(TypeError, match="msg_type"):
        from_dict(c.ErrorReply, {"ename": "E", "evalue": "v"})


def test_error_reply_round_trips_through_a_message() -> None:
    reply = c.ErrorReply(msg_type="execute_reply", ename="E", evalue="v", execution_count=2)
    msg = make_message(reply.msg_type, reply.to_dict(), session="k")
    decoded = decode(msg)  # an execute_reply in error form still decodes as ExecuteReply
    assert isinstance(decoded, c.ExecuteReply)
    assert decoded.status == "error"
    assert (decoded.ename, decoded.evalue, decoded.traceback) == ("E", "v", [])
    assert from_dict(c.ErrorReply, msg.content, msg.msg_type) == reply


# --- properties --------------------------------------------------------------------------

texts = st.text(max_size=30)
execute_requests = st.builds(
    c.ExecuteRequest,
    code=texts,
    silent=st.booleans(),
    store_history=st.booleans(),
    user_expressions=st.dictionaries(st.text(max_size=5), texts, max_size=3),
    allow_stdin=st.booleans(),
    stop_on_error=st.booleans(),
)
history_requests = st.builds(
    c.HistoryRequest,
    hist_access_type=st.sampled_from(["range", "tail", "search"]),
    output=st.booleans(),
    raw=st.booleans(),
    session=st.integers(-5, 5),
    start=st.integers(0, 100),
    stop=st.none() | st.integers(0, 100),
    n=st.none() | st.integers(0, 100),
    pattern=texts,
    unique=st.booleans(),
)
streams = st.builds(c.Stream, name=st.sampled_from(["stdout", "stderr"]), text=texts)
complete_replies = st.builds(
    c.CompleteReply,
    matches=st.lists(texts, max_size=4),
    cursor_start=st.integers(0, 50),
    cursor_end=st.integers(0, 50),
)
instances = st.one_of(execute_requests, history_requests, streams, complete_replies)


@settings(max_examples=100, deadline=None)
@given(instances)
def test_to_dict_decode_round_trip(obj: Content) -> None:
    signer = Signer(b"k", "hmac-sha512")
    msg = make_message(obj.msg_type, obj.to_dict(), session="s")
    _, received = from_frames(to_frames(msg, signer), signer)
    assert decode(received) == obj
    assert all(v is not None for v in obj.to_dict().values())


@settings(max_examples=150, deadline=None)
@given(
    msg_type=st.sampled_from(ALL_TYPES),
    content=st.dictionaries(
        st.sampled_from(
            [
                "code",
                "name",
                "text",
                "comm_id",
                "data",
                "status",
                "execution_count",
                "matches",
                "silent",
                "cursor_pos",
                "value",
                "ename",
                "evalue",
            ]
        ),
        st.none()
        | st.booleans()
        | st.integers()
        | st.text(max_size=5)
        | st.lists(st.text(max_size=3), max_size=2)
        | st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
        max_size=6,
    ),
)
def test_decode_raises_only_malformed_message(msg_type: str, content: dict) -> None:
    try:
        decoded = decode(_msg(msg_type, content))
    except MalformedMessage:
        return
    # decoding kept exactly the known, non-null keys it was given; the rest are defaults
    cls = c.REGISTRY[msg_type]
    out = decoded.to_dict()
    fields = _fields(cls)
    for name, value in content.items():
        if name in fields and value is not None:
            assert out[name] == value
        elif name not in fields:
            assert not hasattr(decoded, name) or name == "msg_type"
    for name in out.keys() - content.keys():
        f = fields[name]
        default = f.default if f.default is not dataclasses.MISSING else f.default_factory()
        assert out[name] == default
