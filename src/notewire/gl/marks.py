"""How marks become ops: points, lines, textured quads (images and density
aggregates), each drawn in the axes `AXES` through the view the browser drives."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import aggregate, shaders
from .colormaps import lut
from .encode import EncodeError, columns, normalise
from .scene import Scene

AXES = "ax"


class Marks(Scene):
    """A scene with the mark-drawing helpers of the high-level plots."""

    _colorbar: dict[str, Any] | None = None

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
