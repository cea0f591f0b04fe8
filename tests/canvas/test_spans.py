"""Dense lines painted as pixel-column spans in draft frames (notewire.mpl.spans): the
spans are where the polyline goes, the picture stays close to Agg's, and whatever the
span model cannot draw as Agg does is left to Agg, pixel for pixel. Measured with
matplotlib 3.11 on the 10,000-point line of test_incremental.py: 5.3 % of pixels differ
from Agg's draft (2.4 % by more than 96 of 255), mostly the light edge of a column's
stroke where it reaches the next column."""

from __future__ import annotations

import contextlib
from typing import Any

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

import notewire.mpl.incremental as incremental
from notewire.mpl.incremental import IncrementalDrawer
from notewire.mpl.spans import column_spans, paint

pytestmark = pytest.mark.timeout(120)

SPANS = 0.08  # share of pixels that may differ from Agg's draft (measured: 0.053)
FAR = 0.04  # ... by more than 96 of 255 (measured: 0.024)


def test_column_spans_follow_the_polyline_between_column_edges() -> None:
    # up from (0.5, 0) to (2.5, 4), then straight down at x = 2.5 to -1
    x = np.array([0.5, 2.5, 2.5])
    y = np.array([0.0, 4.0, -1.0])
    spans = column_spans(x, y, 0, 10)
    assert spans is not None
    columns, low, high = spans
    assert columns.tolist() == [0, 1, 2]
    assert low.tolist() == [0.0, 1.0, -1.0]  # column 2: the vertical drop
    assert high.tolist() == [1.0, 3.0, 4.0]
    assert column_spans(x, y, 5, 10) is None  # nothing of it there


def test_paint_fills_a_dense_horizontal_line_and_leaves_sparse_ones_to_agg() -> None:
    buffer = np.zeros((20, 20, 4), np.uint8)
    x = np.linspace(2.0, 12.0, 60)  # six points per column
    y = np.full_like(x, 20 - 10.0)  # rows 10 (top down) and around it
    assert paint(buffer, x, y, (0, 0, 20, 20), 1.0, (1.0, 0.0, 0.0, 1.0))
    red = buffer[..., 0]
    assert (red[9:11, 3:12] == 255).all() and (buffer[9:11, 3:12, 3] == 255).all()
    assert (red[:9] == 0).all() and (red[11:] == 0).all()  # one px either side, exactly
    assert (red[:, 14:] == 0).all()  # past the line's end and its reach
    clipped = np.zeros_like(buffer)
    assert paint(clipped, x, y, (0, 0, 6, 20), 1.0, (1.0, 0.0, 0.0, 1.0))
    assert (clipped[:, 6:] == 0).all() and (clipped[9:11, 3:6, 0] == 255).all()
    sparse = np.zeros_like(buffer)
    assert not paint(sparse, x[::6], y[::6], (0, 0, 20, 20), 1.0, (1.0, 0.0, 0.0, 1.0))
    assert not sparse.any()


def _drafts(fig: Figure, ax: Any, spans: bool) -> np.ndarray:
    """The figure drawn as three pan drafts, with or without spans: the last one."""
    drawer = IncrementalDrawer(FigureCanvasAgg(fig))
    drawer.full()
    saved = incremental.spanned_lines
    if not spans:
        incremental.spanned_lines = lambda artists: contextlib.nullcontext()  # type: ignore[assignment]
    try:
        for _ in range(3):
            x0, x1 = ax.get_xlim()
            ax.set_xlim(x0 + 0.7, x1 + 0.7)
            assert drawer.draw(coarse=True)
    finally:
        incremental.spanned_lines = saved
    return np.asarray(fig.canvas.get_renderer().buffer_rgba()).copy()  # type: ignore[attr-defined]


def _figure(**style: Any) -> tuple[Figure, Any]:
    x = np.linspace(0, 100, 10_000)
    y = np.sin(x) + 0.2 * np.random.default_rng(0).standard_normal(x.size)
    fig = Figure(figsize=(8, 6), dpi=100)
    ax = fig.add_subplot()
    ax.plot(x, y, **style)
    return fig, ax


def test_span_drafts_stay_close_to_agg_and_other_lines_are_agg_exactly() -> None:
    agg = _drafts(*_figure(), spans=False).astype(int)
    spanned = _drafts(*_figure(), spans=True).astype(int)
    difference = np.abs(agg - spanned).max(axis=2)
    assert 0 < (difference > 0).mean() <= SPANS
    assert (difference > 96).mean() <= FAR
    fig, ax = _figure()  # x decreasing on the screen
    ax.invert_xaxis()
    inverted = _drafts(fig, ax, spans=True).astype(int)
    fig, ax = _figure()
    ax.invert_xaxis()
    difference = np.abs(inverted - _drafts(fig, ax, spans=False)).max(axis=2)
    assert 0 < (difference > 96).mean() <= FAR  # painted as spans, close to Agg
    # translucent: blended as Agg blends; dashed or marked lines: not spans at all
    agg = _drafts(*_figure(alpha=0.5), spans=False).astype(int)
    spanned = _drafts(*_figure(alpha=0.5), spans=True).astype(int)
    assert (np.abs(agg - spanned).max(axis=2) > 96).mean() <= FAR
    for style in ({"linestyle": "--"}, {"marker": "."}, {"antialiased": False}):
        assert np.array_equal(
            _drafts(*_figure(**style), spans=False), _drafts(*_figure(**style), spans=True)
        )
