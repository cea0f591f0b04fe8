"""Figure frames that redraw only what changed, over a cached rendering of the rest.

A pan, a zoom or an animation changes a few of the figure's children (usually one or
two Axes); the rest (other axes, colorbars, the figure's texts and legends) keeps its
pixels. matplotlib marks what changed: an artist's `stale` flag propagates to the
figure child (Axes, Text, Legend, SubFigure...) that holds it. So a frame is:

- the *background*: the figure drawn without the changing children and without the
  later children that overlap them (drawn once, kept as an Agg region);
- then, every frame, the background restored and those children drawn again in the
  figure's own order (zorder), so the composition is the one a full draw makes.

The background is kept while the same children keep changing and nothing else does
(nothing outside them stale, no axes moved, same size and dpi). Anything else is a
full draw. The layout engine (constrained/tight layout) does not run in incremental
frames: positions hold still while the picture moves, and the full draw the view
settles on lays the figure out again.

While the user drags, lines may be drawn with a coarser path simplification (`coarse`):
the draw of a long line is its cost, and at screen rate the difference is a few
antialiased pixels, and long lines from four points per pixel column (decimate.py),
painted as one span per pixel column when they are dense (spans.py); many markers of
one colour are stamped with numpy (stamps.py), and text comes from glyph bitmaps
rendered once per string (textcache.py).
The settle frame is a full draw at full quality.

The redrawn axes' Axis objects skip work whose result is known (`_lean`): an axis whose
limits held still keeps the ticks it had (its labels are in the background, only its
tick lines are drawn), every axis computes its ticks once per frame (matplotlib asks
up to three times), and an axis label is placed again only when it has text and the
frame is not a draft (while the user drags it stays where the last frame put it).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import matplotlib
from matplotlib.axes import Axes
from matplotlib.backend_bases import DrawEvent
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.image import _draw_list_compositing_images  # type: ignore[attr-defined]
from matplotlib.transforms import Bbox

from .decimate import reduced_lines
from .spans import spanned_lines
from .stamps import stamped_markers
from .textcache import TextCache

COARSE_THRESHOLD = 1.0  # px: path.simplify_threshold while the user drags (default 1/9)
_MARGIN = 0.1  # inch around an extent: tick labels change width as the view moves


@dataclass
class _Background:
    key: tuple[Any, ...]  # renderer size and dpi, the figure's children in draw order
    redraw: list[Any]  # drawn every frame, in order (the changing ones and what overlaps)
    positions: dict[int, tuple[float, ...]]  # where each cached axes was (id -> bounds)
    still: frozenset[int]  # ids of the redrawn axes' axes (x, y) whose labels are cached
    region: Any  # the Agg BufferRegion of the whole background
    ticks: dict[int, list[Any]] = field(default_factory=dict)  # a still axis's, by id


def _bounds(artist: Any) -> tuple[float, ...]:
    return tuple(artist.bbox.bounds) if isinstance(artist, Axes) else ()


def _extent(artist: Any, renderer: Any, whole: Bbox, pad: float) -> Bbox:
    """Where an artist may draw, `pad` px around; the whole figure when unknown."""
    try:
        box = artist.get_tightbbox(renderer)
    except Exception:
        box = None
    if box is None or not all(map(_finite, box.bounds)):
        return whole
    return box.padded(pad)


def _axis_state(axis: Any) -> tuple[Any, ...]:
    """What an Axis's ticks and labels depend on (an approximation: a formatter changed
    in place goes unseen until the settle frame, which is a full draw)."""
    axes = axis.axes
    return (
        tuple(axis.get_view_interval()),
        tuple(axes.bbox.bounds),
        id(axis.major.formatter),
        id(axis.major.locator),
        axis.get_scale(),
    )


def _axes_axes(artists: Sequence[Any]) -> list[Any]:
    """The x and y Axis of each plain 2-D Axes among `artists`."""
    return [
        axis
        for a in artists
        if isinstance(a, Axes) and a.name == "rectilinear"
        for axis in (a.xaxis, a.yaxis)
    ]


def _labels(axis: Any) -> list[Any]:
    ticks = axis.majorTicks + axis.minorTicks
    return [t.label1 for t in ticks] + [t.label2 for t in ticks] + [axis.label, axis.offsetText]


def _lines(axis: Any) -> list[Any]:
    ticks = axis.majorTicks + axis.minorTicks
    return [part for t in ticks for part in (t.gridline, t.tick1line, t.tick2line)]


def _finite(v: float) -> bool:
    return v == v and abs(v) != float("inf")


@contextlib.contextmanager
def _hidden(artists: Sequence[Any]) -> Iterator[None]:
    """Leave artists out of a draw without marking them stale (that would make the figure
    look changed)."""
    saved = [a._visible for a in artists]
    for a in artists:
        a._visible = False
    try:
        yield
    finally:
        for a, v in zip(artists, saved, strict=True):
            a._visible = v


@contextlib.contextmanager
def _coarse(artists: Sequence[Any]) -> Iterator[None]:
    """Draw the data lines of these axes with a coarser simplification. The threshold
    is a property of each path, taken from rcParams when matplotlib made it: a line
    whose visible slice changes makes new paths (rcParams), one that does not keeps its
    cached ones (set on them and put back after)."""
    saved = matplotlib.rcParams["path.simplify_threshold"]
    matplotlib.rcParams["path.simplify_threshold"] = COARSE_THRESHOLD
    paths = []
    for artist in artists:
        if not isinstance(artist, Axes):
            continue
        for line in artist.get_lines():
            cached = getattr(line, "_transformed_path", None)
            for path in (getattr(line, "_path", None), getattr(cached, "_transformed_path", None)):
                if path is not None and path.should_simplify:
                    paths.append((path, path.simplify_threshold))
                    path.simplify_threshold = COARSE_THRESHOLD
    try:
        yield
    finally:
        matplotlib.rcParams["path.simplify_threshold"] = saved
        for path, threshold in paths:
            path.simplify_threshold = threshold


@contextlib.contextmanager
def _lean(
    axes: Sequence[Any], still: frozenset[int], kept: dict[int, list[Any]], draft: bool
) -> Iterator[None]:
    """Axis.draw with less work (see the module docstring): instance attributes shadow
    `_update_ticks` and `_update_label_position` of these axes for one frame."""
    no_label = lambda renderer: None  # noqa: E731
    for axis in axes:
        update = axis._update_ticks
        if id(axis) in still:
            ticks = kept.get(id(axis))
            if ticks is None:
                ticks = kept[id(axis)] = update()
            axis._update_ticks = lambda ticks=ticks: ticks
        else:
            axis._update_ticks = _once(update)
        if id(axis) in still or draft or not axis.label.get_text():
            axis._update_label_position = no_label
    try:
        yield
    finally:
        for axis in axes:
            axis.__dict__.pop("_update_ticks", None)
            axis.__dict__.pop("_update_label_position", None)


def _once(update: Any) -> Any:
    """`update()`'s result, computed at the first call (the view does not change within
    a frame)."""
    result: list[Any] = []

    def ticks() -> Any:
        if not result:
            result.append(update())
        return result[0]

    return ticks


class IncrementalDrawer:
    """Draws one figure into its Agg canvas: in full, or only what changed."""

    def __init__(self, canvas: FigureCanvasAgg) -> None:
        self._canvas: Any = canvas
        # Private matplotlib API this relies on (3.11); without it, every frame is full.
        figure: Any = canvas.figure
        self.supported = all(
            hasattr(figure, name) for name in ("_get_draw_artists", "_render_lock", "_localaxes")
        )
        self._background: _Background | None = None
        self._axis_states: dict[int, tuple[Any, ...]] = {}  # as of the last frame
        self.incremental_frames = 0
        self.full_frames = 0
        self.builds = 0  # backgrounds drawn
        self.text = TextCache()  # drafts' labels, at whole pixels

    def invalidate(self) -> None:
        self._background = None

    def full(self) -> None:
        """A full Agg draw (layout, every artist, draw_event)."""
        self._background = None
        FigureCanvasAgg.draw(self._canvas)  # type: ignore[no-untyped-call]
        self.full_frames += 1
        self._remember_axes(self._canvas.figure.get_children())

    def _remember_axes(self, artists: Sequence[Any]) -> None:
        self._axis_states = {id(a): _axis_state(a) for a in _axes_axes(artists)}

    def _still(self, redraw: Sequence[Any]) -> frozenset[int]:
        """The axes' axes (x, y) whose ticks and labels are as in the last frame."""
        return frozenset(
            id(a) for a in _axes_axes(redraw) if self._axis_states.get(id(a)) == _axis_state(a)
        )

    def draw(self, *, coarse: bool = False) -> bool:
        """Redraw what changed over the cached rest when that gives the same picture;
        otherwise a full draw. Returns True when it drew incrementally."""
        canvas, figure = self._canvas, self._canvas.figure
        if not self.supported:
            self.full()
            return False
        renderer = canvas.get_renderer()
        with figure._render_lock:
            # What changed, before apply_aspect (in _get_draw_artists) marks every axes
            # stale; an axes it moves is caught by the positions check.
            stale = {id(a) for a in figure.get_children() if a.stale and a.get_visible()}
            artists = figure._get_draw_artists(renderer)
            for artist in artists:
                if id(artist) not in stale:
                    artist._stale = False  # set by apply_aspect, which moved nothing here
            changing = [a for a in artists if id(a) in stale]
            if figure.patch.stale or not changing:
                self.full()  # the figure itself changed (colour, size)
                return False
            key = (renderer.width, renderer.height, figure.dpi, tuple(map(id, artists)))
            background = self._background
            if background is None or not self._fits(background, key, artists, changing):
                background = self._background = self._build(renderer, key, artists, changing)
            else:
                renderer.restore_region(background.region)
            # An axis whose limits held still keeps the labels the background has: their
            # text is the costly part of an axis (its tick marks and grid are drawn).
            axes = _axes_axes(background.redraw)
            still = [a for a in axes if id(a) in background.still]
            labels = [t for axis in still for t in _labels(axis)]
            with (
                _coarse(background.redraw) if coarse else contextlib.nullcontext(),
                reduced_lines(background.redraw) if coarse else contextlib.nullcontext(),
                spanned_lines(background.redraw) if coarse else contextlib.nullcontext(),
                self.text.drawing(renderer) if coarse else contextlib.nullcontext(),
                stamped_markers(renderer) if coarse else contextlib.nullcontext(),
                _hidden(labels),
                _lean(axes, background.still, background.ticks, coarse),
            ):
                for artist in background.redraw:
                    artist.draw(renderer)
            figure.stale = False
            self._remember_axes(background.redraw)
        self.incremental_frames += 1
        # The buffer holds a whole picture again: blit users (widgets with useblit)
        # take their backgrounds from it, as after a full draw.
        DrawEvent("draw_event", canvas, renderer)._process()
        return True

    def _fits(
        self, background: _Background, key: tuple[Any, ...], artists: list[Any], changing: list[Any]
    ) -> bool:
        # The axes whose labels the background holds must still be where they were; one
        # that holds still only now (a drag turning back) is drawn whole, as before: a
        # new background for it would cost a full draw at every turn.
        if background.key != key or not background.still <= self._still(background.redraw):
            return False
        redrawn = set(map(id, background.redraw))
        if any(id(a) not in redrawn for a in changing):
            return False
        return all(
            background.positions.get(id(a)) == _bounds(a) for a in artists if id(a) not in redrawn
        )

    def _build(
        self, renderer: Any, key: tuple[Any, ...], artists: list[Any], changing: list[Any]
    ) -> _Background:
        figure = self._canvas.figure
        whole = figure.bbox
        changed = set(map(id, changing))
        # What changes may grow (tick labels change width as the view moves); what does
        # not stays where it is (1 px: antialiasing).
        margin = _MARGIN * figure.dpi
        redraw: list[Any] = []
        extents: list[Bbox] = []
        for artist in artists:
            if id(artist) in changed:
                redraw.append(artist)
                extents.append(_extent(artist, renderer, whole, margin))
            elif redraw:  # after a changing one: redrawn too if it lies over one
                extent = _extent(artist, renderer, whole, 1.0)
                if any(extent.overlaps(e) for e in extents):
                    redraw.append(artist)
                    extents.append(extent)
        still = self._still(redraw)
        self.builds += 1
        renderer.clear()
        with _hidden(redraw):
            figure.patch.draw(renderer)
            _draw_list_compositing_images(renderer, figure, artists, figure.suppressComposite)
        # The still axes' labels go into the background (outside their axes' box, where
        # nothing of the axes is drawn over them).
        for axis in _axes_axes(redraw):
            if id(axis) in still:
                axis._update_ticks()  # the tick objects exist before they are hidden
                with _hidden(_lines(axis)):
                    axis.draw(renderer)
        redrawn = set(map(id, redraw))
        positions = {id(a): _bounds(a) for a in artists if id(a) not in redrawn}
        return _Background(key, redraw, positions, still, renderer.copy_from_bbox(whole))
