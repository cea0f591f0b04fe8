"""High-level plots on a `Scene`: scatter, line, image, mesh, with matplotlib-like
defaults. Axes, ticks, labels, legend and colour bar are declared in the `axes` op and
drawn by the browser over the GL image (docs/gl-protocol.md, section 3)."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from notewire.protocol.glscene import Op

from . import aggregate, shaders
from .colormaps import CYCLE, css, rgba
from .encode import EncodeError, columns, normalise
from .lod import Answer, Big
from .marks import AXES, Marks
from .messages import View
from .scene import config

_MARGIN = 0.05  # matplotlib's axes.xmargin / ymargin
_BASE_GRID = (512, 512)  # the aggregate a plot beyond the budget opens with
_BASE_COLUMNS = 2048


class Plot(Marks):
    """A figure with one axes. `scatter`, `line`, `image` (2-D) or `mesh` (3-D) add
    marks; `notewire.gl.scatter(...)` and friends make a plot and add the first."""

    def __init__(
        self,
        *,
        width: int = 640,
        height: int = 480,
        title: str = "",
        xlabel: str = "",
        ylabel: str = "",
        kind: str = "2d",
        **scene: Any,
    ) -> None:
        super().__init__(width=width, height=height, **scene)
        self.kind = kind
        self._labels = {"title": title, "xlabel": xlabel, "ylabel": ylabel}
        self._bounds: list[tuple[float, float, float, float]] = []
        self._tight = True  # no margins while the plot holds only images (as imshow)
        self._legend: list[dict[str, Any]] = []
        self._colorbar: dict[str, Any] | None = None
        self._camera: dict[str, Any] | None = None
        self._ids = itertools.count()
        self._big: dict[str, Big] = {}
        self._counts: list[str] = []
        self.on_view(self._answer_view)

    # --- marks -------------------------------------------------------------------------

    def scatter(
        self,
        x: Any,
        y: Any,
        *,
        color: Any = None,
        size: Any = 3.0,
        cmap: str = "viridis",
        vmin: float | None = None,
        vmax: float | None = None,
        alpha: float = 1.0,
        label: str | None = None,
        pickable: bool = True,
    ) -> str:
        """Points at (x, y). `color`: one colour, or one value per point through `cmap`
        (with a colour bar). `size`: diameter in CSS px, one or per point."""
        mark = f"m{next(self._ids)}"
        x, y = np.asarray(x).reshape(-1), np.asarray(y).reshape(-1)
        values = (
            None
            if color is None or isinstance(color, (str, tuple))
            else np.asarray(color).reshape(-1)
        )
        fixed = rgba(color if values is None and color is not None else self._next_colour())
        self._bound(x, y)
        self._counts.append(f"{len(x)} points")
        with self.batch():
            if len(x) > config.max_points:
                self._big[mark] = Big("scatter", x, y, fixed, cmap)
                self._texture_cmap(cmap)
                xr, yr = self._home()
                self._density(mark, x, y, xr, yr, _BASE_GRID, cmap)
            else:
                self._points(mark, x, y, values, size, fixed, alpha, cmap, vmin, vmax, pickable)
            self._finish(label, fixed, "point")
        return mark

    def line(
        self, x: Any, y: Any | None = None, *, color: Any = None, label: str | None = None
    ) -> str:
        """A line through (x, y) in order; `line(y)` uses 0..n-1 for x (never made as
        an array: 10^8 samples cost only their own memory). Above the budget, x must be
        sorted: each browser gets its visible range's per-pixel-column min and max."""
        mark = f"m{next(self._ids)}"
        ys = np.asarray(x if y is None else y).reshape(-1)
        xs = None if y is None else np.asarray(x).reshape(-1)
        if xs is not None and len(xs) != len(ys):
            raise EncodeError(f"line(x, y): {len(xs)} x values for {len(ys)} y values")
        fixed = rgba(color or self._next_colour())
        if xs is None:
            lo, hi = (float(np.nanmin(ys)), float(np.nanmax(ys))) if len(ys) else (0.0, 1.0)
            self._bounds.append((0.0, float(max(len(ys) - 1, 1)), lo, hi))
            self._tight = False
        else:
            self._bound(xs, ys)
        self._counts.append(f"a line of {len(ys)} points")
        with self.batch():
            self.program("line", shaders.LINE_VERTEX, shaders.FLAT_FRAGMENT)
            if len(ys) > config.max_points:
                self._big[mark] = Big("line", xs, ys, fixed, "")
                xr = self._home()[0]
                self._line_draw(mark, aggregate.envelope(xs, ys, xr, _BASE_COLUMNS), fixed)
            else:
                xs = np.arange(len(ys), dtype=np.float64) if xs is None else xs
                self._line_draw(mark, np.stack([xs, ys], axis=1), fixed)
            self._finish(label, fixed, "line")
        return mark

    def image(
        self,
        array: Any,
        *,
        extent: tuple[float, float, float, float] | None = None,
        cmap: str = "viridis",
        vmin: float | None = None,
        vmax: float | None = None,
    ) -> str:
        """An (h, w) array through `cmap` (with a colour bar), or (h, w, 3|4) uint8
        colours; row 0 at the top, as matplotlib's imshow. `extent`: (left, right,
        bottom, top) in data units, default (0, w, 0, h)."""
        mark = f"m{next(self._ids)}"
        a = np.asarray(array)
        h, w = a.shape[:2]
        left, right, bottom, top = extent or (0.0, float(w), 0.0, float(h))
        self._tight = self._tight and not self._bounds
        self._bounds.append((left, right, bottom, top))
        self._counts.append(f"a {w}x{h} image")
        with self.batch():
            if a.ndim == 2:
                values, limits = normalise(
                    a,
                    None
                    if vmin is None and vmax is None
                    else (
                        vmin if vmin is not None else float(np.nanmin(a)),
                        vmax if vmax is not None else float(np.nanmax(a)),
                    ),
                )
                texels = (np.clip(values, 0, 1) * 255 + 0.5).astype(np.uint8).reshape(h, w)
                self._texture_cmap(cmap)
                self._colorbar = {"texture": f"cmap_{cmap}", "range": list(limits), "label": ""}
                defines: tuple[str, ...] = ("CMAP",)
            else:
                texels = a.astype(np.uint8)
                if texels.shape[2] == 3:
                    texels = np.concatenate([texels, np.full((h, w, 1), 255, np.uint8)], axis=2)
                defines = ()
            self.texture(f"{mark}_tex", np.ascontiguousarray(texels[::-1]), filter="nearest")
            self._quad(
                mark,
                (left, right),
                (bottom, top),
                f"{mark}_tex",
                cmap if defines else None,
                defines,
            )
            self._finish(None, None, "")
        return mark

    def mesh(self, vertices: Any, faces: Any, *, color: Any = "#4c9be8") -> str:
        """A triangle mesh, shaded, under an orbit camera. `vertices` (n, 3) floats,
        `faces` (m, 3) vertex indices."""
        mark = f"m{next(self._ids)}"
        v = np.asarray(vertices, dtype=np.float64).reshape(-1, 3)
        f = np.asarray(faces).reshape(-1, 3)
        if f.size and (f.min() < 0 or f.max() >= len(v)):
            raise EncodeError("mesh: a face names a vertex that does not exist")
        self.kind = "3d"
        pos, origin = columns(v[:, 0], v[:, 1], v[:, 2])
        normals = _normals(v, f)
        lo, hi = v.min(axis=0), v.max(axis=0)
        centre = (lo + hi) / 2
        self._camera = {
            "center": [float(c) for c in centre],
            "distance": float(np.linalg.norm(hi - lo)) * 1.3,
            "azimuth": -60.0,
            "elevation": 25.0,
            "fov": 40.0,
        }
        self._counts.append(f"a mesh of {len(f)} triangles")
        with self.batch():
            self.buffer(f"{mark}_pos", pos)
            self.buffer(f"{mark}_normal", normals)
            self.buffer(f"{mark}_faces", f.astype(np.uint32))
            self.program("mesh", shaders.MESH_VERTEX, shaders.MESH_FRAGMENT)
            self.draw(
                mark,
                program="mesh",
                axes=AXES,
                count=f.size,
                primitive="triangles",
                attributes={
                    "a_pos": {"buffer": f"{mark}_pos", "size": 3},
                    "a_normal": {"buffer": f"{mark}_normal", "size": 3},
                },
                uniforms={"u_camera": "camera", "u_eye": "eye", "u_color": list(rgba(color))},
                elements=f"{mark}_faces",
                origin=origin,
                depth=True,
            )
            self._finish(None, None, "")
        return mark

    # --- pieces ------------------------------------------------------------------------

    def _next_colour(self) -> str:
        return (
            CYCLE[len(self._legend) % len(CYCLE)]
            if self._legend
            else CYCLE[len(self._counts) % len(CYCLE)]
        )

    def _bound(self, x: np.ndarray, y: np.ndarray) -> None:
        self._tight = False
        if len(x):
            self._bounds.append(
                (float(np.nanmin(x)), float(np.nanmax(x)), float(np.nanmin(y)), float(np.nanmax(y)))
            )

    def _home(self) -> tuple[tuple[float, float], tuple[float, float]]:
        b = np.asarray(self._bounds or [(0.0, 1.0, 0.0, 1.0)])
        x0, x1, y0, y1 = b[:, 0].min(), b[:, 1].max(), b[:, 2].min(), b[:, 3].max()
        if self._tight:
            return (float(x0), float(x1)), (float(y0), float(y1))
        return _padded(x0, x1), _padded(y0, y1)

    def _finish(self, label: str | None, colour: tuple[float, ...] | None, shape: str) -> None:
        if label is not None and colour is not None:
            self._legend.append({"label": label, "color": css(colour), "shape": shape})
        xr, yr = self._home()
        fields: dict[str, Any] = {
            "kind": self.kind,
            "title": self._labels["title"],
            "legend": self._legend,
        }
        if self.kind == "2d":
            fields["x"] = {"range": list(xr), "label": self._labels["xlabel"]}
            fields["y"] = {"range": list(yr), "label": self._labels["ylabel"]}
        if self._camera is not None:
            fields["camera"] = self._camera
        if self._colorbar is not None:
            fields["colorbar"] = self._colorbar
        self.axes(AXES, **fields)
        self._text = f"<notewire.gl plot: {', '.join(self._counts) or 'empty'}>"

    # --- level of detail ---------------------------------------------------------------

    def _answer_view(self, view: View) -> tuple[list[Op], list[Any]] | None:
        if not self._big or view.x is None or view.y is None:
            return None
        answer = Answer()
        with answer:
            for mark, big in self._big.items():
                big.refine(answer, mark, view)
        return answer.ops, answer.buffers


def _padded(lo: float, hi: float) -> tuple[float, float]:
    if not np.isfinite(lo) or not np.isfinite(hi):
        return (0.0, 1.0)
    if hi == lo:
        return (lo - 0.5, hi + 0.5)
    pad = (hi - lo) * _MARGIN
    return (float(lo - pad), float(hi + pad))


def _normals(v: np.ndarray, f: np.ndarray) -> np.ndarray:
    """Per-vertex normals: the area-weighted sum of the faces' normals."""
    a, b, c = v[f[:, 0]], v[f[:, 1]], v[f[:, 2]]
    face = np.cross(b - a, c - a)
    n = np.zeros_like(v)
    for k in range(3):
        np.add.at(n, f[:, k], face)
    length = np.linalg.norm(n, axis=1, keepdims=True)
    return (n / np.where(length == 0, 1, length)).astype(np.float32)


# What the module-level functions pass to the figure; every other keyword is the mark's.
_FIGURE = ("width", "height", "title", "xlabel", "ylabel", "background", "foreground")


def _figure(kw: dict[str, Any], kind: str = "2d") -> Plot:
    return Plot(kind=kind, **{k: kw.pop(k) for k in _FIGURE if k in kw})


def scatter(x: Any, y: Any, **kw: Any) -> Plot:
    """A new plot with `Plot.scatter(x, y, ...)`; figure keywords: width, height, title,
    xlabel, ylabel, background, foreground."""
    plot = _figure(kw)
    plot.scatter(x, y, **kw)
    return plot


def line(x: Any, y: Any | None = None, **kw: Any) -> Plot:
    """A new plot with `Plot.line(x, y, ...)` (figure keywords as `scatter`)."""
    plot = _figure(kw)
    plot.line(x, y, **kw)
    return plot


def image(array: Any, **kw: Any) -> Plot:
    """A new plot with `Plot.image(array, ...)` (figure keywords as `scatter`)."""
    plot = _figure(kw)
    plot.image(array, **kw)
    return plot


def mesh(vertices: Any, faces: Any, **kw: Any) -> Plot:
    """A new 3-D plot with `Plot.mesh(vertices, faces, ...)` (figure keywords as
    `scatter`)."""
    plot = _figure(kw, "3d")
    plot.mesh(vertices, faces, **kw)
    return plot
