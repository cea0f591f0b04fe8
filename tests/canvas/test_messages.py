"""Decoding browser messages and events: typed results, and errors that name the value."""

from __future__ import annotations

from typing import Any

import pytest

from notewire.canvas import CanvasProtocolError
from notewire.canvas.events import normalize_event, with_compat_fields
from notewire.canvas.messages import (
    Ack,
    Action,
    Close,
    Detach,
    InputEvent,
    ViewStatus,
    decode,
    frame_message,
)


def test_each_browser_message_decodes_to_its_type() -> None:
    assert decode({"type": "view", "view": "v", "visible": True, "ratio": 2}) == ViewStatus(
        "v", True, 2.0
    )
    assert decode({"type": "detach", "view": "v"}) == Detach("v")
    assert decode({"type": "ack", "view": "v", "frame": 3}) == Ack("v", 3)
    assert decode({"type": "action", "view": "v", "name": "home"}) == Action("v", "home")
    assert decode({"type": "close", "view": "v"}) == Close("v")
    got = decode({"type": "event", "view": "v", "event": {"type": "key_down", "key": "a"}})
    assert got == InputEvent(
        "v", {"type": "key_down", "timestamp": 0.0, "key": "a", "modifiers": []}
    )


@pytest.mark.parametrize(
    ("data", "complaint"),
    [
        ([], "must be an object"),
        ({"type": "nope", "view": "v"}, "unknown canvas message type 'nope'"),
        ({"type": "ack", "frame": 1}, "'view' must be a non-empty string id, got None"),
        ({"type": "ack", "view": "", "frame": 1}, "'view' must be"),
        ({"type": "ack", "view": "v", "frame": -1}, "'frame' must be a frame number, got -1"),
        ({"type": "ack", "view": "v", "frame": True}, "'frame' must be a frame number"),
        (
            {"type": "view", "view": "v", "visible": 1, "ratio": 1},
            "'visible' must be true or false",
        ),
        ({"type": "view", "view": "v", "visible": True, "ratio": 0}, "'ratio' must be a number"),
        ({"type": "view", "view": "v", "visible": True, "ratio": float("nan")}, "'ratio'"),
        ({"type": "action", "view": "v", "name": 3}, "'name' must be a string"),
        ({"type": "event", "view": "v", "event": "click"}, "an event must be an object"),
        ({"type": "event", "view": "v", "event": {"type": "telepathy"}}, "unknown event type"),
    ],
)
def test_malformed_messages_are_refused_naming_the_value(data: Any, complaint: str) -> None:
    with pytest.raises(CanvasProtocolError, match=complaint.replace("(", r"\(")):
        decode(data)


def test_pointer_events_keep_only_spec_fields_in_canonical_form() -> None:
    raw = {
        "type": "pointer_down",
        "x": 10,
        "y": 20.5,
        "button": 1,
        "buttons": [1, 1],
        "modifiers": ["Shift", "Control"],
        "timestamp": 3.5,
        "extra": "dropped",
    }
    assert normalize_event(raw) == {
        "type": "pointer_down",
        "timestamp": 3.5,
        "x": 10.0,
        "y": 20.5,
        "button": 1,
        "buttons": [1],
        "modifiers": ["Control", "Shift"],
    }


def test_wheel_and_resize_events() -> None:
    wheel = normalize_event({"type": "wheel", "x": 1, "y": 2, "dx": 0, "dy": -100})
    assert wheel["dy"] == -100.0 and wheel["buttons"] == [] and wheel["modifiers"] == []
    resize = normalize_event({"type": "resize", "width": 300, "height": 200})
    assert (resize["width"], resize["height"]) == (300.0, 200.0)


@pytest.mark.parametrize(
    ("event", "complaint"),
    [
        ({"type": "pointer_move", "x": "1", "y": 0}, "'x' must be a finite number"),
        ({"type": "pointer_move", "x": float("inf"), "y": 0}, "'x' must be a finite number"),
        ({"type": "pointer_move", "x": 1e9, "y": 0}, "'x' is out of range"),
        ({"type": "pointer_move", "x": 1, "y": 0, "button": 12}, "'button' must be a button"),
        ({"type": "pointer_move", "x": 1, "y": 0, "buttons": 1}, "'buttons' must be a list"),
        ({"type": "pointer_move", "x": 1, "y": 0, "modifiers": ["Hyper"]}, "'modifiers' must be"),
        ({"type": "key_down"}, "'key' must be a KeyboardEvent.key string"),
        ({"type": "key_down", "key": "x" * 100}, "'key' must be"),
        ({"type": "resize", "width": 0, "height": 10}, "needs a positive size"),
        ({"type": "resize", "width": 100000, "height": 10}, "out of range"),
    ],
)
def test_malformed_events_are_refused(event: dict[str, Any], complaint: str) -> None:
    with pytest.raises(CanvasProtocolError, match=complaint):
        normalize_event(event)


def test_renderers_get_the_ratio_and_jupyter_rfb_field_names() -> None:
    event = normalize_event({"type": "key_up", "key": "Escape", "timestamp": 2.0})
    assert with_compat_fields(event, 2.0) == {
        **event,
        "ratio": 2.0,
        "event_type": "key_up",
        "time_stamp": 2.0,
        "pixel_ratio": 2.0,
    }


def test_frame_message_shape() -> None:
    assert frame_message(
        7, fmt="png", key=False, rect=(1, 2, 3, 4), size=(640, 480), ratio=2.0
    ) == {
        "type": "frame",
        "frame": 7,
        "format": "png",
        "key": False,
        "rect": [1, 2, 3, 4],
        "size": [640, 480],
        "ratio": 2.0,
    }
