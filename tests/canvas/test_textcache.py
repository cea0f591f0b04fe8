"""Draft frames' text from recorded glyph bitmaps (notewire.mpl.textcache): a cached
string is, pixel for pixel, what Agg draws at the position rounded to whole pixels, in
any colour; drafts use it, and the frame the view settles on does not."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties

from notewire.mpl import textcache
from notewire.mpl.incremental import IncrementalDrawer
from notewire.mpl.textcache import TextCache

pytestmark = pytest.mark.timeout(60)


def _canvas() -> Any:
    canvas: Any = FigureCanvasAgg(Figure(figsize=(2, 1), dpi=100))
    return canvas


def _text(
    canvas: Any, x: float, y: float, color: str, angle: float, cache: TextCache | None
) -> Any:
    renderer = canvas.get_renderer()
    renderer.clear()
    gc = renderer.new_gc()
    gc.set_foreground(color)
    prop = FontProperties(size=11)
    if cache is None:
        renderer.draw_text(gc, x, y, "-0.25 Hz", prop, angle)
    else:
        with cache.drawing(renderer):
            renderer.draw_text(gc, x, y, "-0.25 Hz", prop, angle)
    gc.restore()
    return np.asarray(renderer.buffer_rgba()).copy()


@pytest.mark.parametrize("angle", [0.0, 90.0])
def test_a_cached_string_is_agg_at_the_whole_pixel_position(angle: float) -> None:
    canvas, cache = _canvas(), TextCache()
    for x, y, color in ((20.4, 60.6, "black"), (33.2, 70.1, "tab:red"), (33.0, 70.0, "k")):
        cached = _text(canvas, x, y, color, angle, cache)
        assert np.array_equal(cached, _text(canvas, round(x), round(y), color, angle, None))
        assert cached[..., 3].any()
    assert (cache.misses, cache.hits) == (1, 2)


def _drafts() -> tuple[Any, IncrementalDrawer, np.ndarray]:
    x = np.linspace(0, 10, 50)
    fig = Figure(figsize=(4, 3), dpi=100)
    ax = fig.add_subplot()
    ax.plot(x, np.sin(x))
    ax.set_title("kept layouts")
    drawer = IncrementalDrawer(FigureCanvasAgg(fig))
    drawer.full()
    for _ in range(3):
        x0, x1 = ax.get_xlim()
        ax.set_xlim(x0 + 0.13, x1 + 0.13)
        assert drawer.draw(coarse=True)
    return ax, drawer, np.asarray(fig.canvas.get_renderer().buffer_rgba()).copy()  # type: ignore[attr-defined]


def test_drafts_draw_labels_from_the_cache_and_settled_frames_do_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ax, drawer, kept = _drafts()
    assert drawer.text.hits > 0 and drawer.text.misses > 0
    with monkeypatch.context() as patch:  # text laid out afresh: the same picture
        patch.setattr(textcache, "_layout_key", lambda text, renderer: None)
        assert np.array_equal(_drafts()[2], kept)
    before = (drawer.text.hits, drawer.text.misses)
    x0, x1 = ax.get_xlim()
    ax.set_xlim(x0 + 0.13, x1 + 0.13)
    assert drawer.draw(coarse=False)  # a moving frame, not a draft: exact text
    drawer.full()
    assert (drawer.text.hits, drawer.text.misses) == before
