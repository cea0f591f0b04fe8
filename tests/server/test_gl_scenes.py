"""The server keeps each open notewire.gl comm as its current scene, so `hello` gives a
late browser the plot as it is now, its data as binary buffers (docs/gl-protocol.md,
section 7)."""

from __future__ import annotations

import struct

import pytest

from notewire.server.session.comms import Comms

pytestmark = pytest.mark.timeout(10)


def f32(*values: float) -> bytes:
    return struct.pack(f"<{len(values)}f", *values)


def test_hello_lists_the_scene_as_it_is_now_without_updates_for_one_view() -> None:
    comms = Comms()
    ops = [{"op": "buffer", "id": "xy", "dtype": "float32", "data": 0}, {"op": "axes", "id": "ax"}]
    content = {"comm_id": "c1", "target_name": "notewire.gl", "data": {"protocol": 1, "ops": ops}}
    comms.track("comm_open", content, {}, (f32(0, 1, 2, 3),))
    comms.track("comm_open", {"comm_id": "other", "target_name": "x", "data": {}}, {}, (b"raw",))
    comms.message(
        "c1",
        {"type": "ops", "ops": [{"op": "buffer", "id": "xy", "offset": 1, "data": 0}]},
        (f32(9),),
    )
    comms.message("c1", {"type": "ops", "ops": [{"op": "delete", "id": "ax"}]}, ())
    # an answer to one browser's view is not the scene
    comms.message("c1", {"type": "ops", "view": "v1", "ops": [{"op": "delete", "id": "xy"}]}, ())
    comms.message(
        "c1",
        {"type": "ops", "ops": [{"op": "buffer", "id": "nope", "offset": 0, "data": 0}]},
        (b"",),
    )

    buffers: list[bytes] = []
    [gl, other] = comms.to_json(buffers)
    assert gl["content"]["data"] == {
        "protocol": 1,
        "ops": [{"op": "buffer", "id": "xy", "dtype": "float32", "data": 0}],
    }
    assert [bytes(buffers[i]) for i in gl["buffers"]] == [f32(0, 9, 2, 3)]
    assert [bytes(buffers[i]) for i in other["buffers"]] == [b"raw"]
    comms.track("comm_close", {"comm_id": "c1"}, {}, ())
    assert len(comms.to_json([])) == 1
