"""Many markers of one colour stamped with numpy in draft frames (a scatter, a `'.'` line).

Agg draws markers (`draw_markers`: a scatter of one colour and size, a line's markers)
by rendering the marker once and compositing it at each position rounded to whole
pixels, one marker after the other: about 1 µs a marker, 90 ms for 100,000. Here the
marker is rendered once by Agg (the same picture), the positions are marked in a
boolean image, and each pixel of the marker is laid over that image shifted: a few
whole-image numpy operations per marker pixel, whatever the number of markers. Where
markers overlap, a pixel takes the strongest of their coverages where Agg composites
them one over the other (the same where either covers the pixel fully): drafts only,
the frame the view settles on is a full Agg draw.

Only opaque markers of one colour are stamped (no face, no edge, or both the same
colour; translucent ones show how many overlap, which the strongest coverage loses), at
least `MIN_MARKERS` of them, at most `MAX_STAMP` px across, clipped to a rectangle
without hatch or sketch; anything else goes to Agg's draw_markers.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.path import Path
from matplotlib.transforms import IdentityTransform

from .spans import blend, clip_box

MIN_MARKERS = 1000  # fewer: Agg's own stamping is as quick
MAX_STAMP = 15  # px: larger markers (few fit a plot densely) are left to Agg


def _colour(gc: Any, face: Any) -> tuple[float, ...] | None:
    """The one colour the marker is painted in; None for two."""
    edge = tuple(gc.get_rgb())
    stroked = gc.get_linewidth() > 0 and edge[3] > 0
    if face is None or len(face) < 4 or face[3] == 0:
        return edge if stroked else None
    face = tuple(face)
    if stroked and not np.allclose(edge, face):
        return None
    return face


def _stamp(renderer: Any, gc: Any, marker: Path, transform: Any, face: Any) -> np.ndarray | None:
    """The marker as Agg renders it at a whole-pixel position: its alpha, with the pixel
    the position falls in at the centre; None when it is too large."""
    extents = marker.get_extents(transform)
    reach = int(np.ceil(max(abs(extents.x0), abs(extents.x1), abs(extents.y0), abs(extents.y1))))
    reach += int(np.ceil(renderer.points_to_pixels(gc.get_linewidth()))) + 1
    size = 2 * reach + 1
    if size > MAX_STAMP:
        return None
    scratch = RendererAgg(size, size, renderer.dpi)
    own = scratch.new_gc()
    own.copy_properties(gc)
    own.set_clip_rectangle(None)
    own.set_clip_path(None)
    # Agg puts a marker at (x, y) in column floor(x + 0.5), row floor(height - y + 0.5)
    at = Path(np.array([[reach, reach + 1.0]]))  # the middle pixel
    scratch.draw_markers(own, marker, transform, at, IdentityTransform(), face)
    own.restore()
    return np.asarray(scratch.buffer_rgba())[..., 3].copy()


def stamp(
    buffer: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    alpha: np.ndarray,
    clip: tuple[int, int, int, int],
    rgb: tuple[float, ...],
) -> None:
    """Composite the marker whose alpha is `alpha` (odd square, centred) at each whole
    pixel (x, y) (display px, y up) of `buffer`, in colour `rgb`, within clip =
    (col0, row0, col1, row1)."""
    height = buffer.shape[0]
    col0, row0, col1, row1 = clip
    reach = alpha.shape[0] // 2
    x, y = np.clip(x, -1e6, 1e6), np.clip(y, -1e6, 1e6)  # far off: off the picture
    cols = np.floor(x + 0.5).astype(np.int64) - col0 + reach  # as Agg places markers
    rows = np.floor(height - y + 0.5).astype(np.int64) - row0 + reach
    h, w = row1 - row0, col1 - col0
    near = (cols >= 0) & (cols < w + 2 * reach) & (rows >= 0) & (rows < h + 2 * reach)
    placed = np.zeros((h + 2 * reach, w + 2 * reach), np.uint8)
    placed[rows[near], cols[near]] = 1
    cover = np.zeros((h, w), np.uint8)
    shifted = np.empty_like(cover)
    for i, j in zip(*np.nonzero(alpha), strict=True):
        # buffer pixel (r, c) gets alpha[i, j] from a marker placed at (r - i + reach, ...)
        np.multiply(
            placed[2 * reach - i : 2 * reach - i + h, 2 * reach - j : 2 * reach - j + w],
            alpha[i, j],
            out=shifted,
        )
        np.maximum(cover, shifted, out=cover)
    region = buffer[row0:row1, col0:col1]
    if region[..., 3].min() == 255:  # opaque below: a lerp of the whole region
        weight = cover.astype(np.uint16)[..., None]
        colour = np.rint(np.asarray(rgb[:3]) * 255).astype(np.uint16)
        mixed = region[..., :3] * (255 - weight) + colour * weight + 127
        region[..., :3] = mixed // 255
        return
    hit = np.flatnonzero(cover)
    at = (hit // w + row0) * buffer.shape[1] + hit % w + col0
    alpha_at = cover.reshape(-1)[hit] / np.float32(255)
    blend(buffer.view(np.uint32).reshape(-1), at, alpha_at, (*rgb[:3], 1.0))


def _stamp_markers(
    renderer: Any, gc: Any, marker: Path, transform: Any, path: Path, trans: Any, face: Any
) -> bool:
    if len(path.vertices) < MIN_MARKERS or gc.get_hatch() is not None:
        return False
    if gc.get_sketch_params() is not None or not gc.get_antialiased():
        return False
    colour = _colour(gc, face)
    if colour is None or colour[3] < 1:  # translucent markers add up where they overlap
        return False
    buffer = np.asarray(renderer.buffer_rgba())
    clip = clip_box(gc, buffer.shape[1], buffer.shape[0])
    if clip is None or clip[2] <= clip[0] or clip[3] <= clip[1]:
        return clip is not None
    alpha = _stamp(renderer, gc, marker, transform, face)
    if alpha is None:
        return False
    xy = trans.transform(path.vertices)
    xy = xy[np.isfinite(xy).all(axis=1)]
    stamp(buffer, xy[:, 0], xy[:, 1], alpha, clip, colour)
    return True


@contextlib.contextmanager
def stamped_markers(renderer: Any) -> Iterator[None]:
    """Within it, Agg's draw_markers stamps one-colour markers (the module docstring)."""
    agg_draw_markers = renderer.draw_markers

    def draw_markers(
        gc: Any, marker: Path, transform: Any, path: Path, trans: Any, face: Any = None
    ) -> None:
        if not _stamp_markers(renderer, gc, marker, transform, path, trans, face):
            agg_draw_markers(gc, marker, transform, path, trans, face)

    renderer.draw_markers = draw_markers
    try:
        yield
    finally:
        renderer.draw_markers = agg_draw_markers
