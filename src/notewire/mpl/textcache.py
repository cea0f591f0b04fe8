"""Text in draft frames from glyph bitmaps rendered once, at whole-pixel positions.

While the user pans, an axis's tick labels move and are drawn again every frame: Agg
lays each string out and renders each glyph with FreeType, at the label's sub-pixel
position (a quarter of a draft frame on a plain line plot). The labels are mostly the
same strings frame after frame. In a draft, a string is drawn at its position rounded
to whole pixels: rendered once by Agg there (its glyph bitmaps recorded as Agg draws
them), then the same bitmaps are composited at the new whole-pixel offset, which is
what Agg would draw at that position (FreeType's output does not change under a
whole-pixel shift). So a cached label is Agg's label moved by less than half a pixel;
the frame the view settles on is a full draw, at the exact positions.

The layout of each Text (Text._get_layout: its box and lines relative to its position,
asked twice a frame for each tick label) is kept too, by everything it depends on.

Mathtext and usetex strings, and text drawn by anything but Agg's draw_text, are drawn
as usual; wrapped and usetex text is laid out as usual.
"""

from __future__ import annotations

import contextlib
import functools
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import get_hinting_flag
from matplotlib.text import Text

MAX_STRINGS = 512  # recorded strings kept (tick labels of a few axes, with room)

_Glyphs = list[tuple[np.ndarray, int, int]]  # bitmap, its place from the string's origin


class _Recorder:
    """Stands in for Agg's C++ renderer while a string is drawn: it records the glyph
    bitmaps it is given (and draws them)."""

    def __init__(self, agg: Any, x: int, y: int) -> None:
        self._agg, self._x, self._y = agg, x, y
        self.glyphs: _Glyphs = []

    def draw_text_image(self, image: Any, x: int, y: int, angle: float, gc: Any) -> None:
        self.glyphs.append((np.array(image, copy=True), x - self._x, y - self._y))
        self._agg.draw_text_image(image, x, y, angle, gc)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._agg, name)


class TextCache:
    """Recorded strings, least recently used dropped first."""

    def __init__(self, limit: int = MAX_STRINGS) -> None:
        self._glyphs: OrderedDict[tuple[Any, ...], _Glyphs] = OrderedDict()
        self._limit = limit
        self._layouts: dict[tuple[Any, ...], Any] = {}  # Text._get_layout's, by what it uses
        self.hits = 0
        self.misses = 0

    def draw_text(
        self,
        renderer: Any,
        agg_draw_text: Any,
        gc: Any,
        x: float,
        y: float,
        s: str,
        prop: Any,
        angle: float,
        ismath: Any = False,
        mtext: Any = None,
    ) -> None:
        """Agg's draw_text of `s` at (x, y) rounded to whole pixels (y down); mathtext
        as Agg draws it."""
        if ismath:
            agg_draw_text(gc, x, y, s, prop, angle, ismath, mtext)
            return
        key = (
            s,
            prop,
            angle,
            renderer.dpi,
            gc.get_antialiased(),
            get_hinting_flag(),
            mtext.get_fontfeatures() if mtext is not None else None,
            mtext.get_language() if mtext is not None else None,
        )
        at_x, at_y = round(x), round(y)
        glyphs = self._glyphs.get(key)
        if glyphs is None:
            self.misses += 1
            agg = renderer._renderer
            recorder = renderer._renderer = _Recorder(agg, at_x, at_y)
            try:
                agg_draw_text(gc, at_x, at_y, s, prop, angle, False, mtext)
            finally:
                renderer._renderer = agg
            self._glyphs[(s, prop.copy(), *key[2:])] = recorder.glyphs  # prop may change
            if len(self._glyphs) > self._limit:
                self._glyphs.popitem(last=False)
            return
        self.hits += 1
        self._glyphs.move_to_end(key)
        agg = renderer._renderer
        for image, dx, dy in glyphs:
            agg.draw_text_image(image, at_x + dx, at_y + dy, 0, gc)

    @contextlib.contextmanager
    def drawing(self, renderer: Any) -> Iterator[None]:
        """Within it, plain text `renderer` (Agg's) draws goes through the cache."""
        agg_draw_text = renderer.draw_text
        layouts = self._layouts
        text_layout = Text._get_layout

        def get_layout(text: Text, renderer: Any) -> Any:
            key = _layout_key(text, renderer)
            if key is None:
                return text_layout(text, renderer)
            layout = layouts.get(key)
            if layout is None:
                layout = layouts[key] = text_layout(text, renderer)
                if len(layouts) > self._limit:
                    layouts.pop(next(iter(layouts)))
            return layout

        renderer.draw_text = functools.partial(self.draw_text, renderer, agg_draw_text)
        Text._get_layout = get_layout  # type: ignore[method-assign]
        try:
            yield
        finally:
            del renderer.draw_text
            Text._get_layout = text_layout  # type: ignore[method-assign]


def _layout_key(text: Text, renderer: Any) -> tuple[Any, ...] | None:
    """What Text._get_layout's result (relative to the text's position) depends on;
    None for text it is not kept for (wrapped, usetex)."""
    t: Any = text
    if t._wrap or t.get_usetex():
        return None
    return (
        t._text,
        t._fontproperties.copy(),
        t.get_rotation(),
        t.get_rotation_mode(),
        t._horizontalalignment,
        t._verticalalignment,
        t._multialignment,
        t._linespacing,
        t._parse_math,
        t.get_figure(root=True).dpi,
        id(renderer),
    )
