"""The kernel side of `notewire.gl` without a kernel: what a scene sends (ops and
binary buffers), what it keeps for the notebook, what it does with browsers' messages.
A port stands in for the comm and the display (the browser tests use the real ones)."""

from __future__ import annotations

import base64
import zlib
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest

import notewire.gl as gl
from notewire.gl import aggregate
from notewire.gl.encode import EncodeError, columns
from notewire.protocol.glscene import MIME, SceneError, SceneState, pack, unpack

pytestmark = pytest.mark.timeout(60)


class Port:
    def __init__(self) -> None:
        self.opened: tuple[dict[str, Any], list[Any]] | None = None
        self.sent: list[tuple[dict[str, Any], list[Any]]] = []
        self.shown: list[tuple[dict[str, Any], dict[str, Any], bool]] = []
        self.on_msg: Any = None

    def open(self, data: dict[str, Any], buffers: Sequence[Any], on_msg: Any) -> tuple[str, Any]:
        self.opened, self.on_msg = (data, list(buffers)), on_msg
        port = self

        class Link:
            def send(self, data: dict[str, Any], buffers: Sequence[Any]) -> None:
                port.sent.append((data, list(buffers)))

            def close(self) -> None:
                pass

        return "comm-1", Link()

    def display(
        self, bundle: dict[str, Any], metadata: dict[str, Any], display_id: str, *, update: bool
    ) -> None:
        self.shown.append((bundle, metadata, update))


def nbytes(buffers: list[Any]) -> int:
    return sum(memoryview(b).nbytes for b in buffers)


def test_ten_million_points_are_eighty_megabytes_of_binary_buffers() -> None:
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal(10**7), rng.standard_normal(10**7)
    port = Port()
    plot = gl.Plot(port=port)
    plot.scatter(x, y)
    plot.show()
    assert port.opened is not None
    data, buffers = port.opened
    wire = len(pack(data, []))  # the JSON part, as the socket frames it
    assert nbytes(buffers) + wire <= 8.1e7
    assert nbytes(buffers) == 8 * 10**7  # x, y as float32, nothing else
    bundle = port.shown[0][0]
    assert "scene" not in bundle[MIME]  # far above the cap: the picture is the record


def test_float64_keeps_its_precision_through_the_origin() -> None:
    t = 1.7e9 + np.arange(5) * 0.001  # time stamps in s, ms apart: float32 alone loses them
    table, origins = columns(t, [0.0, 1, 2, 3, 4])
    assert table.dtype == np.float32
    assert np.allclose(table[:, 0].astype(np.float64) + origins[0], t, atol=1e-6, rtol=0)
    assert origins[0] == float(np.float32(origins[0]))
    with pytest.raises(EncodeError):
        columns([1, 2], [1, 2, 3])


def test_partial_updates_and_deletes_fold_into_the_kept_scene() -> None:
    state = SceneState()
    buf = np.arange(6, dtype=np.float32).tobytes()
    state.apply([{"op": "buffer", "id": "b", "dtype": "float32", "data": 0}], [buf])
    state.apply(
        [{"op": "buffer", "id": "b", "offset": 2, "data": 0}], [np.float32([9, 9]).tobytes()]
    )
    state.apply([{"op": "program", "id": "p", "vertex": "", "fragment": ""}], [])
    state.apply([{"op": "draw", "id": "d", "program": "p", "uniforms": {"u": 1}}], [])
    state.apply([{"op": "uniforms", "id": "d", "values": {"v": [1, 2]}}], [])
    state.apply([{"op": "delete", "id": "p"}], [])
    ops, buffers = state.snapshot()
    assert [o["id"] for o in ops] == ["b", "d"]
    assert np.frombuffer(bytes(buffers[0]), np.float32).tolist() == [0, 1, 9, 9, 4, 5]
    assert ops[1]["uniforms"] == {"u": 1, "v": [1, 2]}
    with pytest.raises(SceneError):
        state.apply(
            [{"op": "buffer", "id": "b", "offset": 5, "data": 0}], [np.float32([1, 2]).tobytes()]
        )
    with pytest.raises(SceneError):
        state.apply(
            [{"op": "texture", "id": "t", "width": 2, "height": 2, "format": "r8", "data": 0}],
            [b"abc"],
        )
    body, back = unpack(pack({"ops": ops}, buffers))
    assert body == {"ops": ops} and back == [bytes(b) for b in buffers]


def test_a_small_plot_is_kept_in_the_notebook_and_pictures_update_the_output() -> None:
    port = Port()
    plot = gl.Plot(port=port)
    plot.scatter([0.0, 1.0, 2.0], [1.0, 0.0, 1.0], color=[0.1, 0.5, 0.9], label="a")
    plot.show()
    bundle, metadata, update = port.shown[-1]
    assert not update and "image/png" not in bundle
    kept = bundle[MIME]["scene"]
    body, _ = unpack(zlib.decompress(base64.b64decode(kept)))
    assert {o["op"] for o in body["ops"]} >= {
        "figure",
        "buffer",
        "texture",
        "program",
        "draw",
        "axes",
    }
    png = b"\x89PNG\r\n\x1a\n" + b"rest"
    port.on_msg({"type": "picture", "view": "ab" * 8, "width": 640, "height": 480}, [png])
    bundle, metadata, update = port.shown[-1]
    assert update and base64.b64decode(bundle["image/png"]) == png
    port.on_msg({"type": "nonsense"}, [])  # logged, ignored
    assert len(port.shown) == 2


def test_a_pick_calls_the_callbacks_and_a_uniform_update_is_one_small_message() -> None:
    port = Port()
    plot = gl.Plot(port=port)
    plot.scatter([0.0, 1.0], [0.0, 1.0])
    picks: list[dict[str, Any]] = []
    plot.on_pick(picks.append)
    plot.show()
    port.on_msg(
        {
            "type": "pick",
            "view": "v" * 16,
            "draw": "m0",
            "index": 1,
            "x": 1.0,
            "y": 1.0,
            "button": 1,
        },
        [],
    )
    assert picks == [{"view": "v" * 16, "draw": "m0", "index": 1, "x": 1.0, "y": 1.0, "button": 1}]
    plot.uniforms("m0", u_size=8.0)
    [(data, buffers)] = port.sent
    assert data == {
        "type": "ops",
        "ops": [{"op": "uniforms", "id": "m0", "values": {"u_size": 8.0}}],
    }
    assert buffers == []


def test_beyond_the_budget_a_view_gets_an_aggregate_then_raw_points_when_they_fit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(gl.config, "max_points", 1000)
    rng = np.random.default_rng(1)
    x, y = rng.random(5000), rng.random(5000)
    port = Port()
    plot = gl.Plot(port=port)
    plot.scatter(x, y)
    plot.show()
    assert port.opened is not None
    draws = [o for o in port.opened[0]["ops"] if o["op"] == "draw"]
    assert draws[0]["program"].startswith("image")  # the density, not 5000 points
    view = {"type": "view", "view": "a" * 16, "axes": "ax", "width": 200, "height": 100}
    port.on_msg({**view, "x": [0.0, 1.0], "y": [0.0, 1.0]}, [])
    data, buffers = port.sent[-1]
    assert data["view"] == "a" * 16
    assert {o["op"] for o in data["ops"]} >= {"texture", "draw"}
    port.on_msg({**view, "x": [0.0, 0.1], "y": [0.0, 1.0]}, [])  # about 500 points: raw
    data, buffers = port.sent[-1]
    [draw] = [o for o in data["ops"] if o["op"] == "draw"]
    assert draw["primitive"] == "points" and 300 < draw["count"] <= 1000
    assert sum(memoryview(b).nbytes for b in buffers) == draw["count"] * 8


def test_envelope_keeps_each_columns_extremes() -> None:
    x = np.arange(100_000, dtype=np.float64)
    y = np.sin(x / 1000.0)
    y[50_123] = 5.0
    env = aggregate.envelope(x, y, (0.0, 99_999.0), 100)
    assert len(env) <= 2 * 101 and env[:, 1].max() == 5.0 and env[:, 1].min() >= -1.0
    by_index = aggregate.envelope(None, y, (40_000.0, 60_000.0), 50)  # x is the index
    assert len(by_index) == 100 and by_index[:, 1].max() == 5.0
    assert 39_999 <= by_index[:, 0].min() and by_index[:, 0].max() <= 60_001
    grid = aggregate.density(
        np.array([0.1, 0.1, 0.9]), np.array([0.1, 0.1, 0.9]), (0, 1), (0, 1), (4, 4)
    )
    assert grid[0, 0] == 255 and 0 < grid[3, 3] < 255 and int(grid.sum()) == 255 + int(grid[3, 3])


def test_mesh_and_image_make_3d_and_colour_mapped_scenes() -> None:
    port = Port()
    v = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]], dtype=np.float64)
    f = np.array([[0, 1, 2], [0, 1, 3], [0, 2, 3], [1, 2, 3]])
    plot = gl.Plot(port=port)
    plot.mesh(v, f)
    plot.show()
    assert port.opened is not None
    [axes] = [o for o in port.opened[0]["ops"] if o["op"] == "axes"]
    assert axes["kind"] == "3d" and axes["camera"]["distance"] > 0
    with pytest.raises(EncodeError):
        plot.mesh(v, [[0, 1, 7]])
    image = gl.Plot(port=Port())
    image.image(np.arange(12.0).reshape(3, 4))
    ops, buffers = image._state.snapshot()
    [tex] = [o for o in ops if o["op"] == "texture" and o["id"] == "m0_tex"]
    assert (tex["width"], tex["height"], tex["format"]) == (4, 3, "r8")
