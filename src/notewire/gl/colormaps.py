"""Colour maps as 256-entry RGBA lookup tables (uploaded as 256x1 textures).

matplotlib's tables when it is installed (exact); otherwise the same maps rebuilt from
samples of them at 1/8 steps (within a few units of 255 of matplotlib's values).
"""

from __future__ import annotations

import numpy as np

# matplotlib's maps sampled at 0, 1/8, ..., 1 (RGB, 0-255).
_SAMPLES: dict[str, list[tuple[int, int, int]]] = {
    "viridis": [
        (68, 1, 84),
        (70, 50, 126),
        (54, 92, 141),
        (39, 127, 142),
        (31, 161, 135),
        (74, 193, 109),
        (160, 218, 57),
        (223, 227, 24),
        (253, 231, 37),
    ],
    "plasma": [
        (13, 8, 135),
        (84, 2, 163),
        (139, 10, 165),
        (185, 50, 137),
        (219, 92, 104),
        (244, 136, 73),
        (254, 188, 43),
        (240, 249, 33),
        (240, 249, 33),
    ],
    "inferno": [
        (0, 0, 4),
        (31, 12, 72),
        (85, 15, 109),
        (136, 34, 106),
        (186, 54, 85),
        (227, 89, 51),
        (249, 140, 10),
        (249, 201, 50),
        (252, 255, 164),
    ],
    "magma": [
        (0, 0, 4),
        (28, 16, 68),
        (79, 18, 123),
        (129, 37, 129),
        (181, 54, 122),
        (229, 80, 100),
        (251, 135, 97),
        (254, 194, 135),
        (252, 253, 191),
    ],
    "cividis": [
        (0, 34, 78),
        (35, 62, 108),
        (87, 92, 109),
        (124, 123, 120),
        (161, 155, 116),
        (203, 186, 105),
        (245, 219, 76),
        (254, 232, 56),
        (254, 232, 56),
    ],
    "gray": [(0, 0, 0), (255, 255, 255)],
    "greys": [(255, 255, 255), (0, 0, 0)],
    "coolwarm": [(59, 76, 192), (221, 221, 221), (180, 4, 38)],
}
# matplotlib's default colour cycle (tab10), for series without a colour of their own.
CYCLE = [
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
]


def names() -> list[str]:
    return sorted(_SAMPLES)


def lut(name: str) -> np.ndarray:
    """The map as a (256, 4) uint8 array. Raises ValueError for an unknown name."""
    try:
        import matplotlib

        table = matplotlib.colormaps[name](np.linspace(0.0, 1.0, 256))
        return np.ascontiguousarray((table * 255.0 + 0.5).astype(np.uint8))
    except ImportError:
        pass
    except KeyError:
        raise ValueError(f"unknown colour map {name!r}; try one of {names()}") from None
    samples = _SAMPLES.get(name.lower())
    if samples is None:
        raise ValueError(f"unknown colour map {name!r}; try one of {names()}")
    points = np.asarray(samples, dtype=np.float64)
    at = np.linspace(0.0, 1.0, len(points))
    t = np.linspace(0.0, 1.0, 256)
    rgb = np.stack([np.interp(t, at, points[:, c]) for c in range(3)], axis=1)
    out = np.full((256, 4), 255, dtype=np.uint8)
    out[:, :3] = np.rint(rgb).astype(np.uint8)
    return out


def css(color: str | tuple[float, ...]) -> str:
    """A colour as CSS: names and '#rrggbb' pass; RGB(A) tuples in 0-1 become rgba()."""
    if isinstance(color, str):
        return color
    r, g, b, *a = (float(v) for v in color)
    return f"rgba({r * 255:.0f},{g * 255:.0f},{b * 255:.0f},{a[0] if a else 1.0:g})"


def rgba(color: str | tuple[float, ...]) -> tuple[float, float, float, float]:
    """A colour as four floats in 0-1 (for a uniform): '#rrggbb', '#rgb' or a tuple;
    matplotlib colour names when matplotlib is installed."""
    if isinstance(color, tuple):
        values = [float(v) for v in color] + [1.0]
        return (values[0], values[1], values[2], values[3])
    text = color.strip()
    if text.startswith("#") and len(text) in (4, 7, 9):
        digits = text[1:]
        if len(digits) == 3:
            digits = "".join(c * 2 for c in digits)
        parts = [int(digits[i : i + 2], 16) / 255.0 for i in range(0, len(digits), 2)]
        return (parts[0], parts[1], parts[2], parts[3] if len(parts) > 3 else 1.0)
    try:
        from matplotlib.colors import to_rgba

        r, g, b, a = to_rgba(text)
        return (r, g, b, a)
    except (ImportError, ValueError):
        raise ValueError(f"not a colour: {color!r} (use '#rrggbb' or an RGB tuple)") from None
