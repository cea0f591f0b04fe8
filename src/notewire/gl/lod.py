"""Level of detail for marks beyond the GPU budget (docs/gl-protocol.md, section 6): the
data stays in the kernel, and each browser's `view` gets an answer for that view alone:
an aggregate of the visible range, or the raw items once they fit."""

from __future__ import annotations

from typing import Any

import numpy as np

from notewire.protocol.glscene import Op

from . import aggregate
from .marks import Marks
from .messages import View
from .scene import config


class Big:
    """A mark beyond the GPU budget: its data stays in the kernel, views get refinements."""

    def __init__(
        self, kind: str, x: np.ndarray | None, y: np.ndarray, colour: tuple[float, ...], cmap: str
    ) -> None:
        self.kind, self.x, self.y, self.colour, self.cmap = kind, x, y, colour, cmap

    def refine(self, plot: Marks, mark: str, view: View) -> None:
        assert view.x is not None
        assert view.y is not None
        if self.kind == "line":
            plot._line_draw(
                mark, aggregate.envelope(self.x, self.y, view.x, max(view.width, 16)), self.colour
            )
            return
        x = self.x if self.x is not None else np.arange(len(self.y), dtype=np.float64)
        inside = (x >= view.x[0]) & (x <= view.x[1]) & (self.y >= view.y[0]) & (self.y <= view.y[1])
        count = int(np.count_nonzero(inside))
        if count <= config.max_points:
            plot._points(
                mark,
                x[inside],
                self.y[inside],
                None,
                2.0,
                self.colour,
                1.0,
                self.cmap,
                None,
                None,
                False,
            )
        else:
            shape = (max(view.height // 2, 16), max(view.width // 2, 16))
            plot._density(mark, x, self.y, view.x, view.y, shape, self.cmap)


class Answer(Marks):
    """Collects the ops of an answer to one view without touching the plot's scene
    (an answer is for one browser: the scene everyone shares stays as it is)."""

    def __init__(self) -> None:  # deliberately not Scene.__init__: no figure, no comm
        self.ops: list[Op] = []
        self.buffers: list[Any] = []

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None

    def _emit(self, op: Op, array: Any = None) -> None:
        if array is not None:
            op["data"] = len(self.buffers)
            self.buffers.append(memoryview(array).cast("B"))
        self.ops.append(op)

    def _texture_cmap(self, cmap: str) -> None:
        pass  # the scene has it
