"""jupyter_rfb's RemoteFrameBuffer contract on a notewire canvas."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from notewire.canvas import RemoteFrameBuffer

from .fakes import FakeHost, ack, event, view_msg


class Gradient(RemoteFrameBuffer):
    """Written as for jupyter_rfb: size from resize events, old field names read."""

    def __init__(self, **kwargs: Any) -> None:
        self.shape = (1, 1)
        self.seen: list[dict[str, Any]] = []
        super().__init__(**kwargs)

    def handle_event(self, event: dict[str, Any]) -> None:
        self.seen.append(event)
        if event["event_type"] == "resize":
            self.shape = (event["pheight"], event["pwidth"])
        elif event["event_type"] == "pointer_down":
            self.request_draw()

    def get_frame(self) -> np.ndarray:
        height, width = self.shape
        return np.tile(np.linspace(0, 255, width, dtype=np.uint8), (height, 1))


def test_a_jupyter_rfb_style_subclass_runs_unchanged() -> None:
    host = FakeHost(default_ratio=2.0)
    rfb = Gradient(css_width="200px", css_height="100px", max_buffered_frames=1, host=host)
    assert rfb.seen[0]["pixel_ratio"] == 2.0 and rfb.shape == (200, 400)
    rfb._ipython_display_()
    assert host.comm is not None
    comm = host.comm
    comm.deliver(view_msg("v", True, 2.0))
    host.run()
    [frame] = comm.frames
    assert frame.data["size"] == [400, 200]
    comm.deliver(ack(1, "v"))
    comm.deliver(event("pointer_down", "v", x=3, y=4, button=1, buttons=[1]))
    host.run()
    assert rfb.seen[-1]["time_stamp"] == 1.0
    assert rfb.get_stats()["sent_frames"] >= 1
    snapshot = rfb.snapshot()
    png, size = snapshot._repr_png_()
    assert png.startswith(b"\x89PNG") and size == {"width": 200, "height": 100}
    rfb.close()
    assert comm.closed


def test_quality_100_means_lossless_only_and_percent_sizes_fall_back() -> None:
    host = FakeHost()
    rfb = Gradient(css_width="100%", quality=100, host=host)
    assert rfb.canvas.size == (640, 480)
    assert rfb.canvas.flow.config.lossy is False


def test_the_base_class_has_no_picture() -> None:
    rfb = RemoteFrameBuffer(host=FakeHost())
    with pytest.raises(RuntimeError, match="no picture"):
        rfb.snapshot()
    rfb.reset_stats()
