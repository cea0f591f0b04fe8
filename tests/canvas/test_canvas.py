"""The Canvas driver against an in-memory host and comm: what browsers receive, when."""

from __future__ import annotations

import io
import logging
from typing import Any

import numpy as np
import pytest
from PIL import Image

from notewire.canvas import MIME, Canvas, FlowConfig, FrameUpdate, toolbar_item
from notewire.canvas.canvas import SNAPSHOT_INTERVAL

from .fakes import FakeComm, FakeHost, Sent, ack, event, view_msg


class Painter:
    """Paints a gray picture of the size it was told; `paint` changes a rectangle."""

    def __init__(self, alpha: int = 255) -> None:
        self.events: list[dict[str, Any]] = []
        self.frames_made = 0
        self.alpha = alpha
        self.pixels = np.zeros((1, 1, 4), np.uint8)
        self.dirty: Any = None
        self.fail_next_frame = False

    def handle_event(self, event: dict[str, Any]) -> None:
        self.events.append(event)
        if event["type"] == "resize":
            self.pixels = np.full((event["pheight"], event["pwidth"], 4), 128, np.uint8)
            self.pixels[:, :, 3] = self.alpha
        if event["type"] == "key_down" and event["key"] == "x":
            raise RuntimeError("the user's handler failed")

    def get_frame(self) -> Any:
        self.frames_made += 1
        if self.fail_next_frame:
            self.fail_next_frame = False
            raise ValueError("no picture today")
        if self.dirty is not None:
            return FrameUpdate(self.pixels, self.dirty)
        return self.pixels

    def paint(self, x: int, y: int, w: int, h: int, value: int = 255) -> None:
        self.pixels[y : y + h, x : x + w, :3] = value


def image(sent: Sent) -> np.ndarray:
    with Image.open(io.BytesIO(sent.buffers[0])) as im:
        return np.asarray(im)


def make(**kwargs: Any) -> tuple[Canvas, Painter, FakeHost, FakeComm]:
    host = FakeHost()
    painter = kwargs.pop("painter", None) or Painter()
    canvas = Canvas(painter, width=80, height=60, host=host, **kwargs)
    canvas.show()
    host.run()
    assert host.comm is not None
    return canvas, painter, host, host.comm


def attach(host: FakeHost, comm: FakeComm, view: str = "v1", ratio: float = 1.0) -> Sent:
    before = len(comm.frames)
    comm.deliver(view_msg(view, True, ratio))
    host.run()
    assert len(comm.frames) == before + 1
    return comm.frames[-1]


def test_show_opens_the_comm_and_displays_the_live_view_with_a_png() -> None:
    canvas, painter, host, comm = make(title="T")
    assert comm.open_data["protocol"] == 1
    assert comm.open_data["state"]["width"] == 80 and comm.open_data["state"]["title"] == "T"
    [(bundle, metadata, display_id, update)] = host.displays
    assert not update and display_id == canvas.display_id
    assert bundle[MIME] == {"comm_id": "comm-1", "protocol": 1, "width": 80, "height": 60}
    with Image.open(io.BytesIO(bundle["image/png"])) as png:
        assert png.size == (80, 60)
    assert metadata == {"image/png": {"width": 80, "height": 60}}
    assert bundle["text/plain"] == "<notewire Canvas 80x60>"
    assert painter.events[0]["type"] == "resize" and painter.events[0]["pwidth"] == 80
    assert comm.frames == []  # nobody is looking yet


def test_a_view_gets_the_full_state_and_a_key_frame_without_a_new_render() -> None:
    _, painter, host, comm = make()
    made = painter.frames_made
    frame = attach(host, comm)
    [state] = comm.of_type("state")
    assert state.data["full"] is True and state.data["width"] == 80
    assert frame.data == {
        "type": "frame",
        "frame": 1,
        "format": "png",
        "key": True,
        "rect": [0, 0, 80, 60],
        "size": [80, 60],
        "ratio": 1.0,
    }
    assert np.array_equal(image(frame), painter.pixels)
    assert painter.frames_made == made


def test_frames_wait_for_acks_and_only_the_latest_state_is_rendered() -> None:
    canvas, painter, host, comm = make(config=FlowConfig(window=2))
    attach(host, comm)
    host.advance(5)
    for value in range(10, 60, 10):
        painter.paint(0, 0, 80, 60, value)
        canvas.request_draw()
        host.run()
    assert len(comm.frames) == 2  # the key frame and one more: the window is full
    made = painter.frames_made
    comm.deliver(ack(2))
    host.run()
    assert len(comm.frames) == 3
    assert painter.frames_made == made + 1
    assert image(comm.frames[-1])[0, 0, 0] == pytest.approx(50, abs=3)


def test_a_small_change_is_sent_as_a_partial_frame() -> None:
    canvas, painter, host, comm = make()
    attach(host, comm)
    comm.deliver(ack(1))
    host.advance(5)
    painter.paint(10, 20, 5, 4)
    canvas.request_draw()
    host.run()
    frame = comm.frames[-1]
    assert frame.data["key"] is False and frame.data["rect"] == [10, 20, 5, 4]
    assert frame.data["format"] == "png"
    assert np.array_equal(image(frame), painter.pixels[20:24, 10:15])


def test_a_renderer_may_say_what_it_changed() -> None:
    canvas, painter, host, comm = make()
    attach(host, comm)
    comm.deliver(ack(1))
    host.advance(5)
    painter.paint(0, 0, 2, 2)
    painter.dirty = (0, 0, 30, 30)  # bigger than what changed: taken as it is
    canvas.request_draw()
    host.run()
    assert comm.frames[-1].data["rect"] == [0, 0, 30, 30]
    comm.deliver(ack(2))
    host.advance(5)
    painter.paint(40, 5, 2, 2)
    painter.paint(50, 30, 4, 3)
    painter.dirty = [(40, 5, 2, 2), (50, 30, 4, 3)]  # several regions: their bounds
    canvas.request_draw()
    host.run()
    assert comm.frames[-1].data["rect"] == [40, 5, 14, 28]
    sent = len(comm.frames)
    painter.dirty = []  # nothing changed: no frame
    canvas.request_draw()
    host.run()
    assert len(comm.frames) == sent


def test_no_change_no_frame() -> None:
    canvas, _, host, comm = make()
    attach(host, comm)
    comm.deliver(ack(1))
    host.advance(5)
    canvas.request_draw()
    host.run()
    assert len(comm.frames) == 1


def test_a_change_of_every_pixel_is_a_key_frame() -> None:
    canvas, painter, host, comm = make()
    attach(host, comm)
    comm.deliver(ack(1))
    host.advance(5)
    painter.paint(0, 0, 70, 50)
    canvas.request_draw()
    host.run()
    assert comm.frames[-1].data["key"] is False
    comm.deliver(ack(2))
    painter.paint(0, 0, 80, 60, 3)
    canvas.request_draw()
    host.run()
    assert comm.frames[-1].data["key"] is True


def test_interaction_is_lossy_then_a_lossless_settle_frame_repaints_it() -> None:
    canvas, painter, host, comm = make()
    attach(host, comm)
    comm.deliver(ack(1))
    host.advance(5)
    comm.deliver(event("pointer_move", x=5, y=6, buttons=[1]))
    host.run()
    [moved] = [e for e in painter.events if e["type"] == "pointer_move"]
    assert moved["ratio"] == 1.0 and moved["event_type"] == "pointer_move"
    painter.paint(0, 0, 10, 10)
    canvas.request_draw()
    host.run()
    lossy = comm.frames[-1]
    assert lossy.data["format"] == "jpeg" and lossy.data["rect"] == [0, 0, 10, 10]
    comm.deliver(ack(2))
    host.advance(0.29)
    assert len(comm.frames) == 2
    host.advance(0.02)
    settle = comm.frames[-1]
    assert settle.data["format"] == "png" and settle.data["rect"] == [0, 0, 10, 10]
    assert np.array_equal(image(settle), painter.pixels[:10, :10])


def test_moves_waiting_together_reach_the_renderer_as_the_newest_in_order() -> None:
    canvas, painter, host, comm = make()
    attach(host, comm)
    for x in (1, 2, 3):  # taken in one go, as while the kernel drew a frame
        comm.deliver(event("pointer_move", x=x, y=0, buttons=[1]))
    comm.deliver(event("pointer_move", x=4, y=0, buttons=[1], modifiers=["Shift"]))
    comm.deliver(event("pointer_move", x=5, y=0, buttons=[1], modifiers=["Shift"]))
    comm.deliver(event("pointer_up", x=5, y=0, button=1, buttons=[]))
    comm.deliver(event("pointer_move", x=6, y=0, buttons=[]))
    comm.deliver(event("pointer_move", "v2", x=7, y=0, buttons=[]))  # another view's
    moves = [(e["type"], e["x"]) for e in painter.events if e["type"] != "resize"]
    assert moves == [
        ("pointer_move", 3),
        ("pointer_move", 5),
        ("pointer_up", 5),
        ("pointer_move", 6),
    ]
    host.run()  # before the next frame: the held one
    moves = [(e["type"], e["x"]) for e in painter.events if e["type"] != "resize"]
    assert moves[-1] == ("pointer_move", 7) and len(moves) == 5
    assert canvas.last_view == "v2"


def test_transparent_pictures_are_never_lossy() -> None:
    canvas, painter, host, comm = make(painter=Painter(alpha=100))
    attach(host, comm)
    comm.deliver(ack(1))
    comm.deliver(event("pointer_down", x=5, y=6, button=1, buttons=[1]))
    painter.paint(0, 0, 10, 10)
    canvas.request_draw()
    host.run()
    assert {f.data["format"] for f in comm.frames} == {"png"}


def test_resize_from_a_view_resizes_for_everybody_and_sends_a_key_frame() -> None:
    _, painter, host, comm = make()
    attach(host, comm)
    comm.deliver(ack(1))
    comm.deliver(event("resize", width=100, height=50))
    host.run()
    resize = painter.events[-1]
    assert (resize["type"], resize["pwidth"], resize["pheight"]) == ("resize", 100, 50)
    assert comm.of_type("state")[-1].data == {
        "type": "state",
        "full": False,
        "width": 100,
        "height": 50,
    }
    frame = comm.frames[-1]
    assert frame.data["key"] is True and frame.data["size"] == [100, 50]


def test_frames_are_rendered_at_the_largest_ratio_of_the_visible_views() -> None:
    canvas, painter, host, comm = make()
    attach(host, comm, "a", ratio=1.0)
    frame = attach(host, comm, "b", ratio=2.0)
    assert painter.events[-1]["pwidth"] == 160
    assert frame.data["size"] == [160, 120] and frame.data["ratio"] == 2.0
    assert canvas.ratio == 2.0 and host.default_ratio == 2.0
    comm.deliver({"type": "detach", "view": "b"})
    host.run()
    assert canvas.ratio == 1.0


def test_hidden_views_get_nothing_and_a_key_frame_when_visible_again() -> None:
    canvas, painter, host, comm = make()
    attach(host, comm)
    comm.deliver(view_msg("v1", False))
    painter.paint(0, 0, 80, 60, 10)
    canvas.request_draw()
    host.advance(5)
    assert len(comm.frames) == 1
    frame = attach(host, comm)
    assert frame.data["key"] is True


def test_frames_while_a_cell_runs_are_paced_key_frames_sent_on_flush() -> None:
    host = FakeHost(busy=True)
    painter = Painter()
    canvas = Canvas(painter, width=80, height=60, host=host, config=FlowConfig(busy_interval=0.1))
    canvas.show()
    assert host.comm is not None
    comm = host.comm
    canvas.flush()
    assert [f.data["key"] for f in comm.frames] == [True]
    painter.paint(0, 0, 5, 5)
    canvas.request_draw()
    canvas.flush()
    assert len(comm.frames) == 1  # 0.1 s has not passed
    host.time += 0.1
    canvas.flush()
    assert len(comm.frames) == 2 and comm.frames[-1].data["format"] == "jpeg"
    host.end_cell()
    assert len(comm.frames) == 2


def test_the_stored_image_follows_the_settled_picture_at_most_every_two_seconds() -> None:
    canvas, painter, host, comm = make()
    attach(host, comm)
    comm.deliver(ack(1))
    host.advance(SNAPSHOT_INTERVAL)
    painter.paint(0, 0, 50, 50, 7)
    canvas.request_draw()
    host.run()
    comm.deliver(ack(2))
    updates = [d for d in host.displays if d[3]]
    assert len(updates) >= 1
    bundle, metadata, display_id, _ = updates[-1]
    assert display_id == canvas.display_id and MIME in bundle
    with Image.open(io.BytesIO(bundle["image/png"])) as png:
        assert np.asarray(png)[0, 0, 0] == 7
    count = len(updates)
    painter.paint(0, 0, 50, 50, 9)
    canvas.request_draw()
    host.run()
    assert len([d for d in host.displays if d[3]]) == count  # too soon
    host.advance(SNAPSHOT_INTERVAL)
    assert len([d for d in host.displays if d[3]]) == count + 1


def test_errors_in_user_code_are_shown_in_the_views(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.CRITICAL)
    canvas, painter, host, comm = make()
    attach(host, comm)
    comm.deliver(event("key_down", key="x"))
    [error] = comm.of_type("error")
    assert "the user's handler failed" in error.data["text"]
    painter.fail_next_frame = True
    painter.paint(0, 0, 80, 60, 1)
    canvas.request_draw()
    host.run()
    assert "no picture today" in comm.of_type("error")[-1].data["text"]
    comm.deliver(ack(1))
    canvas.request_draw()
    host.advance(1)
    assert [f.data["frame"] for f in comm.frames][:2] == [1, 2]  # and it goes on


def test_malformed_messages_are_logged_and_ignored(caplog: pytest.LogCaptureFixture) -> None:
    _, _, _, comm = make()
    with caplog.at_level(logging.WARNING, logger="notewire.canvas.canvas"):
        comm.deliver({"type": "ack", "view": "v1", "frame": "x"})
    assert "'frame' must be a frame number" in caplog.text


def test_toolbar_actions_go_through_the_declared_table(caplog: pytest.LogCaptureFixture) -> None:
    pressed: list[str] = []
    _, _, _, comm = make(toolbar=[toolbar_item("home", "Home")], actions={"home": pressed.append})
    comm.deliver({"type": "action", "view": "v9", "name": "home"})
    with caplog.at_level(logging.WARNING, logger="notewire.canvas.canvas"):
        comm.deliver({"type": "action", "view": "v9", "name": "__init__"})
    assert pressed == ["v9"]
    assert "not a toolbar button" in caplog.text
    with pytest.raises(ValueError, match="without an action"):
        Canvas(Painter(), host=FakeHost(), toolbar=[toolbar_item("zoom", "Zoom")])


def test_close_from_a_view_stores_the_last_picture_then_closes_for_everybody() -> None:
    closed: list[bool] = []
    canvas, painter, host, comm = make(on_close=lambda: closed.append(True))
    attach(host, comm)
    painter.paint(0, 0, 80, 60, 33)
    canvas.request_draw()
    comm.deliver({"type": "close", "view": "v1"})
    assert canvas.closed and comm.closed and closed == [True]
    bundle = host.displays[-1][0]
    with Image.open(io.BytesIO(bundle["image/png"])) as png:
        assert np.asarray(png)[0, 0, 0] == 33
    canvas.request_draw()
    host.advance(5)
    canvas.close()


def test_a_comm_closed_by_the_browser_closes_the_canvas() -> None:
    canvas, _, host, comm = make()
    comm.close_from_browser()
    assert canvas.closed
    assert host.owned == []


def test_a_canvas_belongs_to_the_cell_that_made_it() -> None:
    host = FakeHost()
    canvas = Canvas(Painter(), host=host)
    assert host.owned == [canvas.close]
    host.owned[0]()
    assert canvas.closed and host.owned == []
