"""Strict wire JSON: UTF-8, compact, no NaN/Infinity either way, only MalformedMessage."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notewire.protocol import MalformedMessage
from notewire.protocol.jsonutil import dumps, loads, loads_dict

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(json_values)
def test_dumps_loads_round_trip(value: object) -> None:
    data = dumps(value)
    assert isinstance(data, bytes)
    data.decode("utf-8")  # always valid UTF-8
    assert loads(data) == value
    # memoryview and str inputs parse the same
    assert loads(memoryview(data)) == value
    assert loads(data.decode("utf-8")) == value


def test_dumps_is_compact_and_keeps_non_ascii() -> None:
    assert dumps({"a": [1, 2], "b": "é☃"}) == '{"a":[1,2],"b":"é☃"}'.encode()


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
@pytest.mark.parametrize("wrap", [lambda v: v, lambda v: [v], lambda v: {"x": {"y": v}}])
def test_dumps_refuses_nan_and_infinity(value: float, wrap) -> None:
    with pytest.raises(MalformedMessage, match="cannot encode as JSON"):
        dumps(wrap(value))


@pytest.mark.parametrize("value", [object(), {1.5j}, b"bytes", {(1, 2): "tuple key"}])
def test_dumps_refuses_values_json_cannot_hold(value: object) -> None:
    with pytest.raises(MalformedMessage, match="cannot encode as JSON"):
        dumps(value)


def test_dumps_refuses_circular_structures() -> None:
    d: dict = {}
    d["self"] = d
    with pytest.raises(MalformedMessage):
        dumps(d)
    lst: list = []
    lst.append(lst)
    with pytest.raises(MalformedMessage):
        dumps(lst)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        (b"NaN", "NaN"),
        (b"Infinity", "Infinity"),
        (b"-Infinity", "-Infinity"),
        (b'{"a": NaN}', "NaN"),
        (b'{"a": [1, Infinity]}', "Infinity"),
        (b'[{"b": -Infinity}]', "-Infinity"),
    ],
)
def test_loads_refuses_nan_and_infinity_with_a_clear_message(text: bytes, name: str) -> None:
    with pytest.raises(MalformedMessage) as info:
        loads(text)
    assert name in str(info.value)
    assert "standard JSON" in str(info.value)


@pytest.mark.parametrize("text", [b"1e400", b"-1e400", b'{"a": [2.5e999]}'])
def test_loads_refuses_numbers_that_overflow_to_infinity(text: bytes) -> None:
    with pytest.raises(MalformedMessage, match="out of range"):
        loads(text)


def test_loads_keeps_ordinary_floats() -> None:
    assert loads(b"[1.5, -0.25, 1e308, 5e-324]") == [1.5, -0.25, 1e308, 5e-324]


def test_loads_refuses_absurdly_long_integers() -> None:
    with pytest.raises(MalformedMessage):
        loads(b"1" * 10_000)


def test_loads_refuses_absurdly_deep_nesting() -> None:
    with pytest.raises(MalformedMessage, match="nested too deeply"):
        loads(b"[" * 200_000 + b"]" * 200_000)
    with pytest.raises(MalformedMessage):
        loads(b'{"a":' * 200_000)


def test_loads_non_utf8() -> None:
    with pytest.raises(MalformedMessage, match="not UTF-8"):
        loads(b'{"a": "\xff\xfe"}')


@pytest.mark.parametrize("text", [b"", b"{", b"{'a': 1}", b"[1,]", b"{} {}", b"nul"])
def test_loads_non_json(text: bytes) -> None:
    with pytest.raises(MalformedMessage, match="not JSON"):
        loads(text)


@pytest.mark.parametrize(
    ("text", "type_name"),
    [(b"[]", "list"), (b"1", "int"), (b'"s"', "str"), (b"null", "NoneType"), (b"true", "bool")],
)
def test_loads_dict_requires_an_object_and_names_the_frame(text: bytes, type_name: str) -> None:
    with pytest.raises(MalformedMessage) as info:
        loads_dict(text, "metadata")
    assert str(info.value) == f"metadata must be a JSON object, got {type_name}"


def test_loads_dict_accepts_an_object() -> None:
    assert loads_dict(b'{"a": {"b": [null]}}', "content") == {"a": {"b": [None]}}


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=64))
def test_loads_raises_only_malformed_message(data: bytes) -> None:
    try:
        value = loads(data)
    except MalformedMessage:
        return
    # whatever parsed is strict JSON again
    assert json.loads(dumps(value)) == value
