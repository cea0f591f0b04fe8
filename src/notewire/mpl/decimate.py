"""Long lines drawn from fewer points while the user drags: per pixel column, the first,
lowest, highest and last point (the "M4" reduction).

A 10,000-point line across 640 px puts 15 points in each column; Agg strokes every
segment, and the segments inside a column only paint that column between its lowest
and highest point. Four points per column paint nearly the same pixels (the extremes
are exact; only where a column's segments meet its neighbours' moves by a fraction of a
pixel), for a quarter of the segments. It is used in draft frames only: the frame the
view settles on is a full draw of every point.

Only lines matplotlib itself slices to the view each draw qualify (`Line2D._subslice`:
x sorted without NaN, a linear x axis, data coordinates, clipped, no `markevery`), so
the reduced path lives for that one draw. Markers, dashes, steps, path effects and gaps
(non-finite y) leave a line as it is.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.path import Path
from matplotlib.transforms import TransformedPath

POINTS_PER_COLUMN = 4  # what the reduction keeps; a line with fewer is drawn as it is


def reduce_columns(xy: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """The indices (sorted) of the first, lowest, highest and last point of each run of
    equal `columns` (non-decreasing ints, one per point of `xy`)."""
    n = len(columns)
    starts = np.flatnonzero(np.diff(columns)) + 1
    starts = np.concatenate(([0], starts))
    ends = np.concatenate((starts[1:], [n])) - 1
    run = np.repeat(np.arange(len(starts)), np.diff(np.concatenate((starts, [n]))))
    y = xy[:, 1]
    lowest = np.minimum.reduceat(y, starts)
    highest = np.maximum.reduceat(y, starts)
    # the first point of each run that reaches its extreme
    at_low = np.flatnonzero(y == lowest[run])
    at_high = np.flatnonzero(y == highest[run])
    low = at_low[np.unique(run[at_low], return_index=True)[1]]
    high = at_high[np.unique(run[at_high], return_index=True)[1]]
    return np.unique(np.concatenate((starts, ends, low, high)))


def _qualifies(line: Any) -> bool:
    return bool(
        getattr(line, "_subslice", False)
        and line.get_drawstyle() == "default"
        and line.get_linestyle() == "-"
        and line.get_marker() in ("None", "none", "", " ", None)
        and not line.get_path_effects()
    )


def _reduced_transform_path(line: Any, kept: list[tuple[Any, Any]]) -> Any:
    """Line2D._transform_path for one draw, building the reduced path (the full one
    goes into `kept`, to be put back after the draw)."""
    original = type(line)._transform_path

    def transform_path(subslice: slice | None = None) -> None:
        original(line, subslice)
        if subslice is None:
            return
        xy = line._xy[subslice]
        transform = line.get_transform()
        if len(xy) < 2 or not np.isfinite(xy[:, 1]).all():
            return
        columns = np.floor(transform.transform(xy)[:, 0]).astype(np.int64)
        if len(xy) <= POINTS_PER_COLUMN * (columns[-1] - columns[0] + 1):
            return
        keep = reduce_columns(xy, columns)
        path = Path(xy[keep], _interpolation_steps=line._path._interpolation_steps)
        kept.append((line, line._transformed_path))
        line._transformed_path = TransformedPath(path, transform)

    return transform_path


def long_lines(artists: Sequence[Any]) -> list[Line2D]:
    """The lines of these axes that are drawn reduced (and, dense, as spans: spans.py)."""
    return [
        line for a in artists if isinstance(a, Axes) for line in a.get_lines() if _qualifies(line)
    ]


@contextlib.contextmanager
def reduced_lines(artists: Sequence[Any]) -> Iterator[None]:
    """Within it, the long lines of these axes are drawn reduced (the module docstring)."""
    lines = long_lines(artists)
    kept: list[tuple[Any, Any]] = []
    for line in lines:
        line._transform_path = _reduced_transform_path(line, kept)
    try:
        yield
    finally:
        for line in lines:
            line.__dict__.pop("_transform_path", None)
        for line, full in kept:  # what hit tests and the next draw find
            line._transformed_path = full
