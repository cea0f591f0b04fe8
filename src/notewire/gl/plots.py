"""High-level plots on a `Scene`: scatter, line, image, mesh, with matplotlib-like
defaults. Axes, ticks, labels, legend and colour bar are declared in the `axes` op and
drawn by the browser over the GL image (docs/gl-protocol.md, section 3)."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from notewire.protocol.glscene import Op

from . import aggregate, shaders
from .colormaps import CYCLE, css, lut, rgba
from .encode import EncodeError, columns, normalise
from .messages import View
from .scene import Scene, config

AXES = "ax"
_MARGIN = 0.05  # matplotlib's axes.xmargin / ymargin
_BASE_GRID = (512, 512)  # the aggregate a plot beyond the budget opens with
_BASE_COLUMNS = 2048


class Plot(Scene):
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
        self._legend: list[dict[str, Any]] = []
        self._colorbar: dict[str, Any] | None = None
        self._camera: dict[str, Any] | None = None
        self._ids = itertools.count()
        self._big: dict[str, _Big] = {}
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
                self._big[mark] = _Big("scatter", x, y, fixed, cmap)
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
        """A line through (x, y) in order (`line(y)` uses 0..n-1 for x). Above the
        budget, x must be sorted: the browser gets each pixel column's min and max."""
        mark = f"m{next(self._ids)}"
        if y is None:
            x, y = np.arange(np.size(x), dtype=np.float64), x
        x, y = np.asarray(x).reshape(-1), np.asarray(y).reshape(-1)
        if len(x) != len(y):
            raise EncodeError("line(x, y): x and y differ in length")
        fixed = rgba(color or self._next_colour())
        self._bound(x, y)
        self._counts.append(f"a line of {len(x)} points")
        with self.batch():
            self.program("line", shaders.LINE_VERTEX, shaders.FLAT_FRAGMENT)
            if len(x) > config.max_points:
                self._big[mark] = _Big("line", x, y, fixed, "")
                self._line_draw(
                    mark, aggregate.envelope(x, y, self._home()[0], _BASE_COLUMNS), fixed
                )
            else:
                self._line_draw(mark, np.stack([x, y], axis=1), fixed)
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
        if len(x):
            self._bounds.append(
                (float(np.nanmin(x)), float(np.nanmax(x)), float(np.nanmin(y)), float(np.nanmax(y)))
            )

    def _home(self) -> tuple[tuple[float, float], tuple[float, float]]:
        b = np.asarray(self._bounds or [(0.0, 1.0, 0.0, 1.0)])
        x0, x1, y0, y1 = b[:, 0].min(), b[:, 1].max(), b[:, 2].min(), b[:, 3].max()
        return _padded(x0, x1), _padded(y0, y1)

    def _points(
        self,
        mark: str,
        x: np.ndarray,
        y: np.ndarray,
        values: np.ndarray | None,
        size: Any,
        fixed: tuple[float, ...],
        alpha: float,
        cmap: str,
        vmin: float | None,
        vmax: float | None,
        pickable: bool,
    ) -> None:
        pos, origin = columns(x, y)
        defines = []
        attributes: dict[str, Any] = {"a_pos": {"buffer": f"{mark}_pos", "size": 2}}
        uniforms: dict[str, Any] = {
            "u_view": "view",
            "u_pixel_ratio": "pixel_ratio",
            "u_color": [*fixed[:3], alpha],
        }
        self.buffer(f"{mark}_pos", pos)
        if values is not None:
            if len(values) != len(x):
                raise EncodeError(f"scatter: {len(values)} colour values for {len(x)} points")
            limits = (
                None
                if vmin is None and vmax is None
                else (
                    vmin if vmin is not None else float(np.nanmin(values)),
                    vmax if vmax is not None else float(np.nanmax(values)),
                )
            )
            norm, limits = normalise(values, limits)
            self.buffer(f"{mark}_value", norm)
            self._texture_cmap(cmap)
            attributes["a_value"] = {"buffer": f"{mark}_value", "size": 1}
            uniforms["u_cmap"] = {"texture": f"cmap_{cmap}"}
            self._colorbar = {"texture": f"cmap_{cmap}", "range": list(limits), "label": ""}
            defines.append("VALUE")
        if np.ndim(size) == 0:
            uniforms["u_size"] = float(size)
        else:
            self.buffer(f"{mark}_size", np.asarray(size, dtype=np.float32).reshape(-1))
            attributes["a_size"] = {"buffer": f"{mark}_size", "size": 1}
            defines.append("SIZE")
        program = "points" + "".join(f"_{d.lower()}" for d in defines)
        self.program(
            program, shaders.variant(shaders.POINTS_VERTEX, *defines), shaders.POINTS_FRAGMENT
        )
        extra = {"pick": {"buffer": f"{mark}_pos", "size": 2}} if pickable else {}
        self.draw(
            mark,
            program=program,
            axes=AXES,
            count=len(x),
            primitive="points",
            attributes=attributes,
            uniforms=uniforms,
            origin=origin,
            blend="alpha",
            **extra,
        )

    def _line_draw(self, mark: str, xy: np.ndarray, colour: tuple[float, ...]) -> None:
        pos, origin = columns(xy[:, 0], xy[:, 1])
        self.buffer(f"{mark}_pos", pos)
        self.draw(
            mark,
            program="line",
            axes=AXES,
            count=len(pos),
            primitive="line_strip",
            attributes={"a_pos": {"buffer": f"{mark}_pos", "size": 2}},
            uniforms={"u_view": "view", "u_color": list(colour)},
            origin=origin,
            blend="alpha",
        )

    def _texture_cmap(self, cmap: str) -> None:
        self.texture(f"cmap_{cmap}", lut(cmap)[None, :, :], filter="linear")

    def _quad(
        self,
        mark: str,
        xr: tuple[float, float],
        yr: tuple[float, float],
        texture: str,
        cmap: str | None,
        defines: tuple[str, ...],
    ) -> None:
        pos, origin = columns([xr[0], xr[1], xr[0], xr[1]], [yr[0], yr[0], yr[1], yr[1]])
        self.buffer(f"{mark}_quad", pos)
        self.buffer(f"{mark}_uv", np.array([[0, 0], [1, 0], [0, 1], [1, 1]], dtype=np.float32))
        program = "image" + "".join(f"_{d.lower()}" for d in defines)
        self.program(
            program, shaders.IMAGE_VERTEX, shaders.variant(shaders.IMAGE_FRAGMENT, *defines)
        )
        uniforms: dict[str, Any] = {"u_view": "view", "u_image": {"texture": texture}}
        if cmap is not None:
            uniforms["u_cmap"] = {"texture": f"cmap_{cmap}"}
        self.draw(
            mark,
            program=program,
            axes=AXES,
            count=4,
            primitive="triangle_strip",
            attributes={
                "a_pos": {"buffer": f"{mark}_quad", "size": 2},
                "a_uv": {"buffer": f"{mark}_uv", "size": 2},
            },
            uniforms=uniforms,
            origin=origin,
            blend="alpha",
        )

    def _density(
        self,
        mark: str,
        x: np.ndarray,
        y: np.ndarray,
        xr: tuple[float, float],
        yr: tuple[float, float],
        shape: tuple[int, int],
        cmap: str,
    ) -> None:
        self.texture(f"{mark}_tex", aggregate.density(x, y, xr, yr, shape), filter="nearest")
        self._quad(mark, xr, yr, f"{mark}_tex", cmap, ("CMAP", "EMPTY"))

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
        answer = _Answer(self)
        with answer:
            for mark, big in self._big.items():
                big.refine(answer, mark, view)
        return answer.ops, answer.buffers


class _Big:
    """A mark beyond the GPU budget: its data stays in the kernel, views get refinements."""

    def __init__(
        self, kind: str, x: np.ndarray, y: np.ndarray, colour: tuple[float, ...], cmap: str
    ) -> None:
        self.kind, self.x, self.y, self.colour, self.cmap = kind, x, y, colour, cmap

    def refine(self, plot: Plot, mark: str, view: View) -> None:
        assert view.x is not None
        assert view.y is not None
        if self.kind == "line":
            plot._line_draw(
                mark, aggregate.envelope(self.x, self.y, view.x, max(view.width, 16)), self.colour
            )
            return
        inside = (
            (self.x >= view.x[0])
            & (self.x <= view.x[1])
            & (self.y >= view.y[0])
            & (self.y <= view.y[1])
        )
        count = int(np.count_nonzero(inside))
        if count <= config.max_points:
            plot._points(
                mark,
                self.x[inside],
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
            plot._density(mark, self.x, self.y, view.x, view.y, shape, self.cmap)


class _Answer(Plot):
    """Collects the ops of an answer to one view without touching the plot's scene
    (an answer is for one browser: the scene everyone shares stays as it is)."""

    def __init__(self, plot: Plot) -> None:  # noqa: D107 - deliberately not Plot.__init__
        self.ops: list[Op] = []
        self.buffers: list[Any] = []
        self._plot = plot

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


def _plot(kind: str, width: int, height: int, title: str, xlabel: str, ylabel: str) -> Plot:
    return Plot(width=width, height=height, title=title, xlabel=xlabel, ylabel=ylabel, kind=kind)


def scatter(
    x: Any,
    y: Any,
    *,
    color: Any = None,
    size: Any = 3.0,
    width: int = 640,
    height: int = 480,
    title: str = "",
    xlabel: str = "",
    ylabel: str = "",
    **kw: Any,
) -> Plot:
    plot = _plot("2d", width, height, title, xlabel, ylabel)
    plot.scatter(x, y, color=color, size=size, **kw)
    return plot


def line(
    x: Any,
    y: Any | None = None,
    *,
    width: int = 640,
    height: int = 480,
    title: str = "",
    xlabel: str = "",
    ylabel: str = "",
    **kw: Any,
) -> Plot:
    plot = _plot("2d", width, height, title, xlabel, ylabel)
    plot.line(x, y, **kw)
    return plot


def image(
    array: Any,
    *,
    width: int = 640,
    height: int = 480,
    title: str = "",
    xlabel: str = "",
    ylabel: str = "",
    **kw: Any,
) -> Plot:
    plot = _plot("2d", width, height, title, xlabel, ylabel)
    plot.image(array, **kw)
    return plot


def mesh(
    vertices: Any, faces: Any, *, width: int = 640, height: int = 480, title: str = "", **kw: Any
) -> Plot:
    plot = _plot("3d", width, height, title, "", "")
    plot.mesh(vertices, faces, **kw)
    return plot
