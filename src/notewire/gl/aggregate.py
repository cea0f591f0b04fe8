"""Aggregates of the visible range for plots beyond the GPU budget (docs/gl-protocol.md,
section 6): a density grid for points (datashader when installed, numpy otherwise) and
a per-pixel-column min/max envelope for a line."""

from __future__ import annotations

import numpy as np

Range = tuple[float, float]


def density(
    x: np.ndarray, y: np.ndarray, xr: Range, yr: Range, shape: tuple[int, int]
) -> np.ndarray:
    """Counts of points per bin over the ranges, as an (h, w) uint8 array: 0 for an
    empty bin, 1-255 on a log scale otherwise (row 0 at the bottom)."""
    height, width = shape
    counts = _counts(x, y, xr, yr, width, height)
    out = np.zeros((height, width), dtype=np.uint8)
    filled = counts > 0
    if filled.any():
        logs = np.log1p(counts[filled].astype(np.float64))
        top = logs.max() or 1.0
        out[filled] = (1 + np.rint(254 * logs / top)).astype(np.uint8)
    return out


def _counts(
    x: np.ndarray, y: np.ndarray, xr: Range, yr: Range, width: int, height: int
) -> np.ndarray:
    try:
        import datashader as ds
        import pandas as pd
    except ImportError:
        counts, _, _ = np.histogram2d(y, x, bins=(height, width), range=(yr, xr))
        return counts
    canvas = ds.Canvas(plot_width=width, plot_height=height, x_range=xr, y_range=yr)
    agg = canvas.points(pd.DataFrame({"x": x, "y": y}, copy=False), "x", "y", agg=ds.count())
    return np.asarray(agg.values)  # datashader's rows go up with y, like a texture's


def envelope(x: np.ndarray | None, y: np.ndarray, xr: Range, columns: int) -> np.ndarray:
    """A line with sorted `x` (None: x is the index, never made) reduced to the visible
    range: for each of `columns` pixel columns its min and max, as a zigzag of 2 points
    per column (x, y) in float64 (drawn as one line strip it fills the envelope at pixel
    resolution); also the points just outside, so the line reaches the edges. Where the
    range holds few points, they come back as they are."""
    n = len(y)
    if x is None:
        lo = min(max(int(np.floor(xr[0])) - 1, 0), n)
        hi = max(min(int(np.ceil(xr[1])) + 2, n), lo)
    else:
        lo = max(int(np.searchsorted(x, xr[0], side="left")) - 1, 0)
        hi = min(int(np.searchsorted(x, xr[1], side="right")) + 1, n)
    ys = y[lo:hi]
    xs = np.arange(lo, hi, dtype=np.float64) if x is None else x[lo:hi]
    if len(ys) <= 4 * columns:
        return np.stack([xs, ys], axis=1).astype(np.float64)
    if x is None:
        starts = np.unique(np.linspace(0, len(ys), columns + 1).astype(np.int64)[:-1])
    else:
        edges = np.linspace(xr[0], xr[1], columns + 1)
        starts = np.unique(np.searchsorted(xs, edges[:-1], side="left"))
        starts = starts[starts < len(xs)]
    mins = np.minimum.reduceat(ys, starts)
    maxs = np.maximum.reduceat(ys, starts)
    ends = np.append(starts[1:], len(ys))
    centre = (xs[starts] + xs[ends - 1]) / 2.0
    out = np.empty((2 * len(starts), 2), dtype=np.float64)
    out[0::2, 0] = out[1::2, 0] = centre
    out[0::2, 1], out[1::2, 1] = mins, maxs
    return out
