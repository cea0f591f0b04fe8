"""Plots rendered in the browser with WebGL (docs/gl-protocol.md): the kernel sends GL
programs and binary data over a comm, the browser pans, zooms and orbits on its own.

    import notewire.gl as gl
    gl.scatter(x, y, color=z)          # 10 million points pan at screen rate
    p = gl.line(t, v); p.scatter(t[::100], v[::100], label="samples")
    gl.image(array); gl.mesh(vertices, faces)

`Scene` is the low level: programs, buffers, textures, draw calls, by id.
"""

from notewire.protocol.glscene import MIME, TARGET

from .colormaps import names as colormaps
from .encode import EncodeError
from .plots import Plot, image, line, mesh, scatter
from .scene import Config, Scene, config

__all__ = [
    "MIME",
    "TARGET",
    "Config",
    "EncodeError",
    "Plot",
    "Scene",
    "colormaps",
    "config",
    "image",
    "line",
    "mesh",
    "scatter",
]
