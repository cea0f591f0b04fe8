"""`RemoteFrameBuffer`: jupyter_rfb's contract on a notewire canvas.

Libraries built on `jupyter_rfb.RemoteFrameBuffer` (vispy, rendercanvas/pygfx,
fastplotlib) subclass it, implement `get_frame()` and `handle_event(event)`, and call
`request_draw()`. Importing this class in their place is the whole adapter: the same
methods, attributes and event dicts (with jupyter_rfb's older field names too).
"""

from __future__ import annotations

import re
from typing import Any

from . import encode as enc
from .canvas import Canvas
from .events import Event
from .flow import FlowConfig
from .host import Host

_PX = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(px)?\s*$")


def _px(css: str, default: int) -> int:
    """A CSS length in px ("640px", "640"); anything else (a percentage) gives the
    default, and the view's container sets the size through a resize."""
    match = _PX.match(css)
    return round(float(match.group(1))) if match else default


class RemoteFrameBuffer:
    """Subclass and implement `get_frame()` and `handle_event(event)`."""

    max_buffered_frames = 2
    quality = enc.JPEG_QUALITY
    css_width = "640px"
    css_height = "480px"
    resizable = True

    def __init__(
        self,
        *,
        css_width: str | None = None,
        css_height: str | None = None,
        resizable: bool | None = None,
        max_buffered_frames: int | None = None,
        quality: int | None = None,
        host: Host | None = None,
    ) -> None:
        if css_width is not None:
            self.css_width = css_width
        if css_height is not None:
            self.css_height = css_height
        if resizable is not None:
            self.resizable = resizable
        if max_buffered_frames is not None:
            self.max_buffered_frames = max_buffered_frames
        if quality is not None:
            self.quality = quality
        self._canvas = Canvas(
            self,
            width=_px(self.css_width, 640),
            height=_px(self.css_height, 480),
            resizable=self.resizable,
            quality=self.quality,
            config=FlowConfig(window=max(1, self.max_buffered_frames), lossy=self.quality < 100),
            text=lambda: f"<{type(self).__name__}>",
            host=host,
        )

    # --- to implement ------------------------------------------------------------------

    def get_frame(self) -> Any:
        """The picture to show: a uint8 `H×W`, `H×W×3` or `H×W×4` array at the physical
        size of the last resize event, or None."""
        return None

    def handle_event(self, event: Event) -> None:
        """An input or resize event (renderview spec, plus `event_type`, `time_stamp`,
        `pixel_ratio`)."""

    # --- jupyter_rfb's API -------------------------------------------------------------------

    @property
    def canvas(self) -> Canvas:
        return self._canvas

    def request_draw(self) -> None:
        """Schedule a call to `get_frame()`; the frame goes to the browsers when they can
        take it. Many calls before then make one frame."""
        self._canvas.request_draw()

    def close(self) -> None:
        self._canvas.close()

    def snapshot(self) -> _Snapshot:
        """The current picture, as an object that displays as a PNG image."""
        png = self._canvas.snapshot_png()
        if png is None:
            raise RuntimeError("get_frame() returned no picture")
        width, height = self._canvas.size
        return _Snapshot(png, width, height)

    def get_stats(self) -> dict[str, Any]:
        stats = self._canvas.stats
        frames = stats.sent_frames or 1
        return {
            "sent_frames": stats.sent_frames,
            "confirmed_frames": min((v.acked for v in self._canvas.flow.views.values()), default=0),
            "img_encoding": stats.encode_seconds / frames,
            "bytes_per_frame": stats.sent_bytes / frames,
        }

    def reset_stats(self) -> None:
        self._canvas.stats = type(self._canvas.stats)()

    def _ipython_display_(self) -> None:
        self._canvas.show()


class _Snapshot:
    def __init__(self, png: bytes, width: int, height: int) -> None:
        self.data, self.width, self.height = png, width, height

    def _repr_png_(self) -> tuple[bytes, dict[str, int]]:
        return self.data, {"width": self.width, "height": self.height}
