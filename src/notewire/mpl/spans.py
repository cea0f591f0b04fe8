"""Dense lines painted as pixel-column spans in draft frames, straight into the buffer.

A line with several points per pixel column covers, in each column, every row between
the lowest and the highest place the line reaches there (a polyline is continuous, so
what it reaches within a column is one interval), widened by half the line width.
Painting those spans costs a few numpy operations over the painted pixels (3-4 ms for
the 10,000-point noisy line of bench/figures.py across 640 px), where Agg strokes every
segment (10-16 ms for the 2,000 segments decimate.py leaves of it, most of a draft).
The picture differs from Agg's at antialiased edges and where a column's stroke reaches
its neighbours (taken as drawn from the column's centre): a draft is shown while the
user drags, and the frame the view settles on is a full Agg draw.

Only what this paints as Agg would is painted so: solid, antialiased, unhatched strokes
clipped to a rectangle (no clip path), x monotonic in display space, at least
`MIN_POINTS_PER_COLUMN` points per column, at most `MAX_HALF_WIDTH` px half-width.
Anything else goes to Agg's draw_path unchanged.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
from matplotlib.lines import Line2D
from matplotlib.path import Path

from .decimate import long_lines

MIN_POINTS_PER_COLUMN = 2.0  # sparser lines: Agg (slanted segments need its geometry)
MAX_HALF_WIDTH = 2.5  # px; wider strokes reach too far for the column model


def column_spans(
    x: np.ndarray, y: np.ndarray, first: int, stop: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """For the polyline through (x, y) (display px, x non-decreasing), in each pixel
    column k in [first, stop) it reaches: k, and the lowest and highest y there (each
    segment interpolated to the column's edges). None if no column is reached."""
    x0, x1, y0, y1 = x[:-1], x[1:], y[:-1], y[1:]
    inside = (x1 >= first) & (x0 < stop)
    x0, x1, y0, y1 = x0[inside], x1[inside], y0[inside], y1[inside]
    c0 = np.maximum(np.floor(np.maximum(x0, first)), first).astype(np.int64)
    c1 = np.minimum(np.floor(np.minimum(x1, stop - 1)), stop - 1).astype(np.int64)
    seg, k = _runs(c0, c1 + 1)  # each segment's columns
    if len(k) == 0:
        return None
    sx0, sx1, sy0, sy1 = x0[seg], x1[seg], y0[seg], y1[seg]
    dx = sx1 - sx0
    flat = dx == 0  # a vertical segment: both ends
    slope = np.where(flat, 0.0, (sy1 - sy0) / np.where(flat, 1.0, dx))
    ya = np.where(flat, sy0, sy0 + (np.clip(k, sx0, sx1) - sx0) * slope)
    yb = np.where(flat, sy1, sy0 + (np.clip(k + 1, sx0, sx1) - sx0) * slope)
    starts = np.flatnonzero(np.diff(k, prepend=k[0] - 1))
    low = np.minimum.reduceat(np.minimum(ya, yb), starts)
    high = np.maximum.reduceat(np.maximum(ya, yb), starts)
    return k[starts], low, high


def _reach(half: float) -> list[float]:
    """The share of column k + d a stroke centred in column k covers, for d = 0, 1, ..."""
    shares = [min(1.0, 2 * half)]
    d = 1
    while half + 0.5 - d > 0:
        shares.append(min(1.0, half + 0.5 - d))
        d += 1
    return shares


def paint(
    buffer: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    clip: tuple[int, int, int, int],
    half: float,
    rgba: Sequence[float],
) -> bool:
    """Paint the polyline (x, y) (display px, y up) into `buffer` (rows top down,
    straight RGBA) as column spans, within clip = (col0, row0, col1, row1); False,
    painting nothing, when it is not dense enough or not drawable so."""
    height = buffer.shape[0]
    col0, row0, col1, row1 = clip
    if col1 <= col0 or row1 <= row0 or len(x) < 2 or half > MAX_HALF_WIDTH:
        return False
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        return False
    if x[-1] < x[0]:
        x, y = x[::-1], y[::-1]
    if (np.diff(x) < 0).any():
        return False
    spans = column_spans(x, height - y, col0, col1)  # rows, top down
    if spans is None:
        return True  # nothing of it inside the clip
    columns, low, high = spans
    visible = ((x >= col0) & (x < col1)).sum()
    if visible < MIN_POINTS_PER_COLUMN * len(columns):
        return False
    reach = _reach(half)
    pad = len(reach) - 1
    width = col1 - col0 + 2 * pad
    top = np.full(width, np.inf)
    bottom = np.full(width, -np.inf)
    top[columns - col0 + pad] = low - half
    bottom[columns - col0 + pad] = high + half
    # each column's rows: the union of its own span and its neighbours' within reach
    near_top, near_bottom = top[pad : width - pad].copy(), bottom[pad : width - pad].copy()
    for d in range(1, pad + 1):
        for s in (-d, d):
            np.minimum(near_top, top[pad + s : width - pad + s], out=near_top)
            np.maximum(near_bottom, bottom[pad + s : width - pad + s], out=near_bottom)
    drawn = np.isfinite(near_top)
    r0 = np.full(len(near_top), row0, np.int64)
    r1 = r0.copy()
    r0[drawn] = np.clip(np.floor(near_top[drawn]), row0, row1)
    r1[drawn] = np.clip(np.ceil(near_bottom[drawn]), row0, row1)
    # The rows a column's own span covers whole are the bulk of a dense line: they
    # take the colour as it is; only the rest (antialiased ends, what neighbours reach)
    # has its coverage worked out.
    own_top, own_bottom = top[pad : width - pad], bottom[pad : width - pad]
    core0, core1 = r0.copy(), r0.copy()
    if reach[0] >= 1.0:
        whole = np.isfinite(own_top)
        core0[whole] = np.clip(np.ceil(own_top[whole]), r0[whole], r1[whole])
        core1[whole] = np.clip(np.floor(own_bottom[whole]), core0[whole], r1[whole])
    pixels = buffer.view(np.uint32).reshape(-1)
    stride = buffer.shape[1]
    j, rows = _runs(core0, core1)
    blend(pixels, rows * stride + j + col0, rgba[3], rgba)
    j, rows = _runs(np.concatenate((r0, core1)), np.concatenate((core0, r1)))
    j %= len(r0)
    # float32 and in place: these rows are a third of a dense line's pixels
    upper = rows.astype(np.float32)
    lower = upper + 1
    top32, bottom32 = top.astype(np.float32), bottom.astype(np.float32)
    cover = np.zeros(len(j), np.float32)
    share = np.empty_like(cover)
    for d in range(-pad, pad + 1):
        np.minimum(bottom32[j + pad + d], lower, out=share)
        share -= np.maximum(top32[j + pad + d], upper)
        np.minimum(share, 1.0, out=share)
        share *= reach[abs(d)]
        np.maximum(cover, share, out=cover)  # cover >= 0: negative shares drop out
    cover *= rgba[3]
    blend(pixels, rows * stride + j + col0, cover, rgba)
    return True


def _runs(starts: np.ndarray, stops: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every (i, r) with starts[i] <= r < stops[i], as two arrays."""
    count = np.maximum(stops - starts, 0)
    total = int(count.sum())
    i = np.repeat(np.arange(len(count)), count)
    return i, starts[i] + np.arange(total) - np.repeat(np.cumsum(count) - count, count)


def blend(
    pixels: np.ndarray, at: np.ndarray, alpha: float | np.ndarray, rgba: Sequence[float]
) -> None:
    """Agg's plain RGBA blend (the colour over straight, not premultiplied, pixels) at
    the indices `at` of the buffer seen as one uint32 per pixel."""
    color = np.asarray(rgba[:3], np.float32) * 255
    alpha = np.broadcast_to(np.asarray(alpha, np.float32), at.shape)
    solid = alpha >= 1.0
    if solid.all():  # the colour replaces the pixels (the bulk of an opaque line)
        pixels[at] = np.rint(np.append(color, 255)).astype(np.uint8).view(np.uint32)[0]
        return
    if solid.any():
        blend(pixels, at[solid], 1.0, rgba)
    keep = (alpha > 0) & ~solid
    at, alpha = at[keep], alpha[keep]
    under = pixels[at].view(np.uint8).reshape(-1, 4).astype(np.float32)
    under_alpha = under[:, 3] / 255.0
    out_alpha = alpha + under_alpha * (1.0 - alpha)  # > 0: alpha > 0
    own = (alpha / out_alpha)[:, None]
    result = under  # in place: colour + (under - colour) * (1 - own)
    result[:, :3] -= color
    result[:, :3] *= 1.0 - own
    result[:, :3] += color
    result[:, 3] = out_alpha * 255.0
    result += 0.5  # round (all >= 0)
    pixels[at] = result.astype(np.uint8).view(np.uint32).reshape(-1)


def clip_box(gc: Any, width: int, height: int) -> tuple[int, int, int, int] | None:
    """The clip as pixel columns and rows (top down), rounded as Agg rounds it; None
    when it is not a rectangle."""
    path, _ = gc.get_clip_path()
    if path is not None:
        return None
    box = gc.get_clip_rectangle()
    if box is None:
        return 0, 0, width, height
    left, bottom, right, top = box.extents
    return (
        max(math.floor(left + 0.5), 0),
        max(math.floor(height - top + 0.5), 0),
        min(math.floor(right + 0.5), width),
        min(math.floor(height - bottom + 0.5), height),
    )


def _paint_path(renderer: Any, gc: Any, path: Path, transform: Any, face: Any) -> bool:
    if face is not None or gc.get_hatch() is not None or gc.get_sketch_params() is not None:
        return False
    if not gc.get_antialiased() or gc.get_dashes()[1] is not None:
        return False
    codes = path.codes
    if codes is not None and (codes[1:] != Path.LINETO).any():
        return False
    buffer = np.asarray(renderer.buffer_rgba())
    height, width = buffer.shape[:2]
    clip = clip_box(gc, width, height)
    if clip is None:
        return False
    xy = transform.transform(path.vertices)
    half = renderer.points_to_pixels(gc.get_linewidth()) / 2
    return paint(buffer, xy[:, 0], xy[:, 1], clip, half, gc.get_rgb())


def _spanned_draw(line: Line2D) -> Any:
    """Line2D.draw for one frame, its stroke painted as spans where it can be."""

    def draw(renderer: Any) -> None:
        agg_draw_path = renderer.draw_path

        def draw_path(gc: Any, path: Path, transform: Any, face: Any = None) -> None:
            if not _paint_path(renderer, gc, path, transform, face):
                agg_draw_path(gc, path, transform, face)

        renderer.draw_path = draw_path
        try:
            type(line).draw(line, renderer)  # a subclass keeps its own
        finally:
            del renderer.draw_path

    return draw


@contextlib.contextmanager
def spanned_lines(artists: Sequence[Any]) -> Iterator[None]:
    """Within it, the dense lines of these axes are painted as spans (the module
    docstring); the renderer must be Agg's."""
    lines = long_lines(artists)
    for line in lines:
        line.draw = _spanned_draw(line)  # type: ignore[method-assign]
    try:
        yield
    finally:
        for line in lines:
            line.__dict__.pop("draw", None)
