"""`Scene`: GL resources and draw calls the browser renders, over one comm
(docs/gl-protocol.md). Low level: any library can drive it.

    s = Scene(width=400, height=400)
    s.buffer("xy", points)                         # numpy, sent as one binary buffer
    s.program("p", VERTEX, FRAGMENT)
    s.axes("ax", x=(0, 1), y=(0, 1))
    s.draw("d", program="p", axes="ax", primitive="points", count=len(points),
           attributes={"a_pos": {"buffer": "xy", "size": 2}}, uniforms={"u_view": "view"})
    s                                              # shows it
    s.uniforms("d", u_time=1.5)                    # later: one small message
"""

from __future__ import annotations

import base64
import contextlib
import logging
import uuid
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from notewire.protocol.glscene import MIME, PROTOCOL, Op, SceneState, pack

from . import messages
from .encode import as_wire, wire_dtype
from .host import KernelPort, Link, Port

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Config:
    """`max_points`: raw items a plot ships before it switches to aggregates.
    `keep_bytes`: the most a compressed scene may take in the notebook file."""

    max_points: int = 20_000_000
    keep_bytes: int = 2_000_000


config = Config()

ViewHandler = Callable[[messages.View], "tuple[list[Op], list[Any]] | None"]
PickHandler = Callable[[dict[str, Any]], None]

_TEXTURE_FORMATS = {
    (np.dtype(np.uint8), 1): "r8",
    (np.dtype(np.uint8), 4): "rgba8",
    (np.dtype(np.float32), 1): "r32f",
    (np.dtype(np.float32), 4): "rgba32f",
}


class Scene:
    def __init__(
        self,
        *,
        width: int = 640,
        height: int = 480,
        background: str = "white",
        foreground: str = "#222",
        title: str = "",
        text: str = "<notewire.gl scene>",
        port: Port | None = None,
    ) -> None:
        self._state = SceneState()
        self._port = port
        self._link: Link | None = None
        self.comm_id: str | None = None
        self._display_id = uuid.uuid4().hex
        self._batch: tuple[list[Op], list[Any]] | None = None
        self._png: tuple[bytes, int, int] | None = None
        self._kept: str | None = None  # the packed scene for the notebook, once made
        self._text = text
        self._on_view: ViewHandler | None = None
        self._on_pick: list[PickHandler] = []
        self.width, self.height = width, height
        self.figure(
            width=width, height=height, background=background, foreground=foreground, title=title
        )

    # --- ops ---------------------------------------------------------------------------

    def figure(self, **fields: Any) -> None:
        self._emit({"op": "figure", **fields})

    def buffer(self, rid: str, array: Any, *, offset: int | None = None) -> None:
        """Create or replace a buffer; with `offset` (elements), overwrite part of it."""
        a = as_wire(array)
        op: Op = {"op": "buffer", "id": rid}
        if offset is None:
            op["dtype"] = wire_dtype(a)
        else:
            op["offset"] = int(offset)
        self._emit(op, a)

    def texture(
        self, rid: str, array: Any, *, filter: str = "linear", rect: Sequence[int] | None = None
    ) -> None:
        """A 2-D texture from an (h, w) or (h, w, 4) uint8 or float32 array, row 0 at
        the bottom; with `rect` ([x, y, w, h]), overwrite part of it."""
        a = np.asarray(array)
        if a.dtype == np.float64:
            a = a.astype(np.float32)
        channels = 1 if a.ndim == 2 else a.shape[2]
        fmt = _TEXTURE_FORMATS.get((a.dtype, channels))
        if fmt is None or a.ndim not in (2, 3):
            raise ValueError(
                f"a texture is (h, w) or (h, w, 4) uint8 or float32, not {a.dtype} {a.shape}"
            )
        op: Op = {"op": "texture", "id": rid}
        if rect is None:
            op.update(width=int(a.shape[1]), height=int(a.shape[0]), format=fmt, filter=filter)
        else:
            op["rect"] = [int(v) for v in rect]
        self._emit(op, np.ascontiguousarray(a))

    def program(self, rid: str, vertex: str, fragment: str) -> None:
        self._emit({"op": "program", "id": rid, "vertex": vertex, "fragment": fragment})

    def draw(
        self,
        rid: str,
        *,
        program: str,
        axes: str,
        count: int,
        attributes: dict[str, Any],
        uniforms: dict[str, Any] | None = None,
        primitive: str = "triangles",
        **extra: Any,
    ) -> None:
        attrs = {
            name: ({"buffer": a} if isinstance(a, str) else dict(a))
            for name, a in attributes.items()
        }
        self._emit(
            {
                "op": "draw",
                "id": rid,
                "program": program,
                "axes": axes,
                "count": int(count),
                "primitive": primitive,
                "attributes": attrs,
                "uniforms": dict(uniforms or {}),
                **extra,
            }
        )

    def uniforms(self, rid: str, **values: Any) -> None:
        self._emit({"op": "uniforms", "id": rid, "values": values})

    def axes(self, rid: str, **fields: Any) -> None:
        self._emit({"op": "axes", "id": rid, "kind": "2d", "rect": [0, 0, 1, 1], **fields})

    def delete(self, rid: str) -> None:
        self._emit({"op": "delete", "id": rid})

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Send the ops made inside as one message (browsers apply it at once)."""
        if self._batch is not None:
            yield
            return
        self._batch = ([], [])
        try:
            yield
        finally:
            ops, buffers = self._batch
            self._batch = None
            if ops:
                self._send(ops, buffers)

    def _emit(self, op: Op, array: Any = None) -> None:
        buffers: list[Any] = []
        if array is not None:
            op["data"] = 0
            buffers.append(memoryview(array).cast("B"))
        if self._batch is not None:
            ops, pending = self._batch
            if array is not None:
                op["data"] = len(pending)
                pending.append(buffers[0])
            ops.append(op)
            return
        self._send([op], buffers)

    def _send(self, ops: list[Op], buffers: list[Any]) -> None:
        self._state.apply(ops, buffers)  # checks them, too
        self._kept = None
        if self._link is not None:
            self._link.send({"type": "ops", "ops": ops}, buffers)

    # --- interaction -------------------------------------------------------------------

    def on_pick(self, callback: PickHandler) -> PickHandler:
        """Call `callback({"draw", "index", "x", "y", "button", "view"})` when a browser
        picks an item of a draw that has `pick`."""
        self._on_pick.append(callback)
        return callback

    def on_view(self, handler: ViewHandler) -> None:
        """`handler(view)` may answer a view's new ranges with ops for that view alone
        (level of detail); None for no answer."""
        self._on_view = handler

    def _message(self, data: dict[str, Any], buffers: list[bytes]) -> None:
        msg = messages.decode(data, buffers)
        if msg is None:
            log.warning("gl scene %s: message not understood: %.200r", self.comm_id, data)
            return
        try:
            if isinstance(msg, messages.Pick):
                for callback in list(self._on_pick):
                    callback(msg.as_dict())
                return
            png = msg.png if isinstance(msg, messages.Picture) else msg.picture
            if png is not None:
                self._png = (
                    png,
                    data.get("css_width", self.width),
                    data.get("css_height", self.height),
                )
                self._show(update=True)
            if isinstance(msg, messages.View) and self._on_view is not None:
                answer = self._on_view(msg)
                if answer is not None and self._link is not None:
                    ops, answer_buffers = answer
                    self._link.send({"type": "ops", "view": msg.view, "ops": ops}, answer_buffers)
        except Exception:  # a broken callback must not break the comm
            log.exception("gl scene %s: handling %s failed", self.comm_id, type(msg).__name__)
            raise

    # --- display -----------------------------------------------------------------------

    def _open(self) -> None:
        if self._link is not None:
            return
        port = self._port or KernelPort()
        ops, buffers = self._state.snapshot()
        self.comm_id, self._link = port.open(
            {"protocol": PROTOCOL, "ops": ops}, buffers, self._message
        )
        self._port = port

    def bundle(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """The output's mime bundle and metadata."""
        spec: dict[str, Any] = {
            "comm_id": self.comm_id,
            "protocol": PROTOCOL,
            "width": self.width,
            "height": self.height,
        }
        kept = self._keep()
        if kept is not None:
            spec["scene"] = kept
        bundle: dict[str, Any] = {MIME: spec, "text/plain": self._text}
        metadata: dict[str, Any] = {}
        if self._png is not None:
            png, width, height = self._png
            bundle["image/png"] = base64.b64encode(png).decode()
            metadata["image/png"] = {"width": width, "height": height}
        return bundle, metadata

    def _keep(self) -> str | None:
        # Float data compresses little: past twice the cap, not worth compressing.
        if self._kept is None and self._state.nbytes <= 2 * config.keep_bytes:
            ops, buffers = self._state.snapshot()
            packed = zlib.compress(pack({"ops": ops}, buffers), 1)
            self._kept = (
                base64.b64encode(packed).decode() if len(packed) <= config.keep_bytes else ""
            )
        return self._kept or None

    def _show(self, *, update: bool) -> None:
        self._open()
        assert self._port is not None
        bundle, metadata = self.bundle()
        self._port.display(bundle, metadata, self._display_id, update=update)

    def show(self) -> None:
        self._show(update=False)

    def _ipython_display_(self) -> None:
        self.show()

    def close(self) -> None:
        if self._link is not None:
            self._link.close()
            self._link = None

    @property
    def nbytes(self) -> int:
        """Bytes of data in the scene (what a browser gets)."""
        return self._state.nbytes
