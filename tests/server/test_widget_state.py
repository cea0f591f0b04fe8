"""The server's widget models (`session/widgets.py`) and Output widget capture, as units:
merging updates with buffers, what a save keeps, and saved state read back."""

from __future__ import annotations

import asyncio
import json
from importlib.resources import files

import jsonschema
import pytest

from notewire.protocol.content import ClearOutput, DisplayData, Stream
from notewire.protocol.frames import decode
from notewire.server.session.comm_relay import FLUSH_DELAY, CommRelay
from notewire.server.session.output_widgets import OutputCapture
from notewire.server.session.peers import Peers
from notewire.server.session.widgets import STATE_MIME, VIEW_MIME, Widgets, buffer_paths

# ipywidgets' own schema of saved widget state (v2), as the package ships it.
STATE_SCHEMA = files("ipywidgets") / "state.schema.json"


def slider_open(comm_id: str, **state: object) -> dict[str, object]:
    return {
        "comm_id": comm_id,
        "target_name": "jupyter.widget",
        "data": {
            "state": {
                "_model_module": "@jupyter-widgets/controls",
                "_model_module_version": "2.0.0",
                "_model_name": "IntSliderModel",
                "_view_module": "@jupyter-widgets/controls",
                "_view_module_version": "2.0.0",
                "_view_name": "IntSliderView",
                **state,
            },
            "buffer_paths": [],
        },
    }


def test_updates_merge_and_buffers_follow_their_keys() -> None:
    widgets = Widgets()
    content = slider_open("a", value=1)
    content["data"]["buffer_paths"] = [["x"], ["y", "z", 0]]  # type: ignore[index]
    model = widgets.opened(content, [b"x1", b"yz"])
    assert model is not None and model.model_name == "IntSliderModel"
    widgets.message("a", {"method": "echo_update", "state": {"value": 7}, "buffer_paths": []}, [])
    assert model.state["value"] == 7 and set(model.buffers) == {("x",), ("y", "z", 0)}
    # A key sent again replaces its old buffers; other keys keep theirs.
    widgets.message("a", {"method": "update", "state": {"y": {"z": [None]}}}, [])
    assert set(model.buffers) == {("x",)}
    widgets.message("a", {"method": "update", "state": {}, "buffer_paths": [["x"]]}, [b"x2"])
    assert model.buffers == {("x",): b"x2"}
    # Custom messages are not state.
    assert widgets.message("a", {"method": "custom", "content": {"n": 1}}, []) is None


def test_hello_lists_models_with_buffer_indices() -> None:
    widgets = Widgets()
    content = slider_open("a")
    content["data"]["buffer_paths"] = [["x"]]  # type: ignore[index]
    widgets.opened(content, [b"abc"])
    buffers: list[bytes] = [b"other"]
    listed = widgets.to_json(buffers)
    assert listed["a"]["buffer_paths"] == [["x"]]
    assert [buffers[i] for i in listed["a"]["buffers"]] == [b"abc"]
    assert listed["a"]["live"] is True
    widgets.kernel_gone()
    assert widgets.to_json([])["a"]["live"] is False


def test_bad_buffer_paths_are_refused() -> None:
    with pytest.raises(ValueError, match="buffer path"):
        buffer_paths({"buffer_paths": [[]]}, [b""])
    with pytest.raises(ValueError, match="a buffer for each path"):
        buffer_paths({"buffer_paths": [["a"], ["b"]]}, [b""])


def test_save_keeps_only_what_views_reach_and_validates() -> None:
    widgets = Widgets()
    widgets.opened(slider_open("layout"), [])
    widgets.opened(slider_open("child", layout="IPY_MODEL_layout"), [])
    box = slider_open("box", children=["IPY_MODEL_child"])
    widgets.opened(box, [])
    content = slider_open("stale")
    content["data"]["buffer_paths"] = [["data"]]  # type: ignore[index]
    widgets.opened(content, [b"\x00\x01"])
    saved = widgets.saved_state(["box"])
    assert saved is not None
    state = saved[STATE_MIME]
    assert sorted(state["state"]) == ["box", "child", "layout"]
    schema = json.loads(STATE_SCHEMA.read_text())
    jsonschema.validate(state, schema)
    assert widgets.saved_state([]) is None
    # Buffers are saved base64 and read back as bytes.
    saved = widgets.saved_state(["stale"])
    jsonschema.validate(saved[STATE_MIME], schema)  # type: ignore[index]
    again = Widgets()
    again.load_saved(saved)
    model = again.get("stale")
    assert model is not None and not model.live and model.buffers == {("data",): b"\x00\x01"}


def test_malformed_saved_state_is_skipped_not_fatal() -> None:
    widgets = Widgets()
    widgets.load_saved("nonsense")
    widgets.load_saved({STATE_MIME: {"state": {"x": {"state": 3}, "y": []}}})
    widgets.load_saved(
        {
            STATE_MIME: {
                "state": {
                    "z": {
                        "model_name": "M",
                        "model_module": "m",
                        "model_module_version": "1",
                        "state": {},
                        "buffers": [{"path": ["a"], "data": "***", "encoding": "base64"}],
                    }
                }
            }
        }
    )
    assert len(widgets) == 0


def test_a_save_forgets_static_models_nothing_shows() -> None:
    widgets = Widgets()
    widgets.opened(slider_open("shown"), [])
    widgets.opened(slider_open("gone"), [])
    widgets.opened(slider_open("live-but-hidden"), [])
    widgets.kernel_gone()
    widgets.opened(slider_open("live-but-hidden"), [])  # the kernel came back with it
    widgets.saved_state(["shown"])
    assert {m.model_id for m in widgets.models()} == {"shown", "live-but-hidden"}


def test_views_inside_an_output_widget_count_as_reachable() -> None:
    widgets = Widgets()
    widgets.opened(slider_open("inner"), [])
    view = {"model_id": "inner", "version_major": 2, "version_minor": 0}
    outputs = [{"output_type": "display_data", "data": {VIEW_MIME: view}, "metadata": {}}]
    widgets.opened(slider_open("out", outputs=outputs), [])
    assert widgets.reachable(["out"]) == {"out", "inner"}


def test_holders_find_every_container() -> None:
    widgets = Widgets()
    widgets.opened(slider_open("button"), [])
    widgets.opened(slider_open("vbox", children=["IPY_MODEL_button"]), [])
    widgets.opened(slider_open("tab", children=["IPY_MODEL_vbox"]), [])
    widgets.opened(slider_open("other"), [])
    assert widgets.holders("button") == {"button", "vbox", "tab"}


def output_open(comm_id: str) -> dict[str, object]:
    return {
        "comm_id": comm_id,
        "target_name": "jupyter.widget",
        "data": {
            "state": {
                "_model_module": "@jupyter-widgets/output",
                "_model_module_version": "1.0.0",
                "_model_name": "OutputModel",
                "msg_id": "",
                "outputs": [],
            }
        },
    }


def test_output_widget_captures_its_request_only() -> None:
    widgets = Widgets()
    capture = OutputCapture(widgets)
    model = widgets.opened(output_open("out"), [])
    assert model is not None
    assert capture.target("req-1") is None
    widgets.message("out", {"method": "echo_update", "state": {"msg_id": "req-1"}}, [])
    assert capture.target("req-1") is model and capture.target("req-2") is None
    assert capture.apply(model, Stream(name="stdout", text="a"))
    assert capture.apply(model, Stream(name="stdout", text="b\n"))
    assert capture.apply(model, DisplayData(data={"text/plain": "x"}, metadata={}))
    assert model.state["outputs"] == [
        {"output_type": "stream", "name": "stdout", "text": "ab\n"},
        {"output_type": "display_data", "data": {"text/plain": "x"}, "metadata": {}},
    ]
    # clear_output(wait=True) clears when the next output comes.
    assert not capture.apply(model, ClearOutput(wait=True))
    assert len(model.state["outputs"]) == 2
    capture.apply(model, Stream(name="stdout", text="c"))
    assert model.state["outputs"] == [{"output_type": "stream", "name": "stdout", "text": "c"}]
    widgets.kernel_gone()
    assert capture.target("req-1") is None  # a static widget captures nothing


class RecordingPeer:
    def __init__(self) -> None:
        self.sent: list[dict[str, object]] = []
        self.times: list[float] = []

    def send_json(self, body: dict[str, object], buffers: object = ()) -> None:
        self.sent.append(body)
        self.times.append(asyncio.get_running_loop().time())

    def send_frame(self, frame: str | bytes, *, burst: bool = False) -> None:
        self.send_json(decode(frame).body)  # type: ignore[union-attr]

    def send_awareness(self, payload: bytes) -> None: ...
    def doc_changed(self, update: bytes) -> None: ...
    def doc_replaced(self, hello: dict[str, object], buffers: object = ()) -> None: ...
    def session_closed(self) -> None: ...


async def test_captured_output_goes_out_at_once_then_a_burst_together() -> None:
    peer = RecordingPeer()
    peers = Peers()
    peers.add(peer)
    ids = iter(range(1000))
    relay = CommRelay(peers, lambda *a: None, lambda: f"s{next(ids)}")
    relay.from_kernel("comm_open", output_open("out"), {}, (), None)
    echo = {"method": "echo_update", "state": {"msg_id": "req"}}
    relay.from_kernel("comm_msg", {"comm_id": "out", "data": echo}, {}, (), None)
    peer.sent.clear()
    peer.times.clear()

    def outputs() -> list[object]:
        return [m["content"]["data"]["state"]["outputs"] for m in peer.sent]  # type: ignore[index]

    assert relay.capture_output("req", Stream(name="stdout", text="a"))
    await asyncio.sleep(0)  # with no timer: once the messages at hand are handled
    assert outputs() == [[{"output_type": "stream", "name": "stdout", "text": "a"}]]
    # More right after: together, one delay after the first send.
    for text in "bcd":
        relay.capture_output("req", Stream(name="stdout", text=text))
    # Not sent as they come (checked before the loop runs again: a loop held up for the
    # delay on a busy machine would rightly have flushed by its next turn). That the
    # flush waited the delay is the spacing of the two sends, below, at any speed.
    assert len(outputs()) == 1
    await asyncio.sleep(FLUSH_DELAY + 0.05)
    assert len(outputs()) == 2
    assert peer.times[1] - peer.times[0] >= FLUSH_DELAY
    assert outputs()[1] == [{"output_type": "stream", "name": "stdout", "text": "abcd"}]
