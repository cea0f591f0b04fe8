"""Pictures to image bytes, and what changed between two pictures.

A picture is a uint8 array `H×W` (gray), `H×W×3` (RGB) or `H×W×4` (RGBA), in physical
px, rows top to bottom. Whole pictures are encoded where they lie: Pillow maps an RGBA
buffer as RGBX for JPEG without a copy, and the PNG writer copies rows once into a
reusable buffer to put the filter byte in front of each (measured at 800×600: JPEG
1.3 ms, PNG 10 ms at zlib level 6; matplotlib's own PNG path takes 20 ms).
"""

from __future__ import annotations

import io
import struct
import zlib
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from .messages import Rect

Pixels = NDArray[np.uint8]

JPEG_QUALITY = 80
PNG_LEVEL = 6
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_COLOR_TYPES = {1: 0, 3: 2, 4: 6}  # channels -> PNG colour type


def as_pixels(frame: Any) -> Pixels:
    """`frame` as a picture array, without a copy when it already is one.

    Raises ValueError for anything that is not a uint8 `H×W`, `H×W×3` or `H×W×4`."""
    array = np.asarray(frame)
    if array.dtype != np.uint8:
        raise ValueError(f"a frame must be a uint8 array, got dtype {array.dtype}")
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if not (array.ndim == 2 or (array.ndim == 3 and array.shape[2] in (3, 4))):
        raise ValueError(f"a frame must be H×W, H×W×3 or H×W×4, got shape {array.shape}")
    if array.shape[0] < 1 or array.shape[1] < 1:
        raise ValueError(f"a frame must not be empty, got shape {array.shape}")
    if not array.flags.c_contiguous:
        array = np.ascontiguousarray(array)  # a strided view (a slice): one copy
    return array


def channels(pixels: Pixels) -> int:
    return 1 if pixels.ndim == 2 else int(pixels.shape[2])


def size_of(pixels: Pixels) -> tuple[int, int]:
    """(width, height) in px."""
    return int(pixels.shape[1]), int(pixels.shape[0])


def full_rect(pixels: Pixels) -> Rect:
    width, height = size_of(pixels)
    return (0, 0, width, height)


def is_opaque(pixels: Pixels) -> bool:
    return channels(pixels) != 4 or bool((pixels[:, :, 3] == 255).all())


def _region(pixels: Pixels, rect: Rect) -> Pixels:
    x, y, w, h = rect
    if rect == full_rect(pixels):
        return pixels
    return np.ascontiguousarray(pixels[y : y + h, x : x + w])  # a partial frame: small


def encode_jpeg(pixels: Pixels, rect: Rect, quality: int = JPEG_QUALITY) -> memoryview:
    """JPEG of `rect` (alpha ignored: the picture must be opaque)."""
    region = _region(pixels, rect)
    height, width = region.shape[:2]
    n = channels(region)
    if n == 4:
        image = Image.frombuffer("RGBX", (width, height), region, "raw", "RGBX", 0, 1)
    elif n == 1:
        image = Image.frombuffer("L", (width, height), region, "raw", "L", 0, 1)
    else:
        image = Image.frombuffer("RGB", (width, height), region, "raw", "RGB", 0, 1)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, subsampling=2)  # 4:2:0; the settle frame is exact
    return out.getbuffer()


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(data, zlib.crc32(kind))
    return b"".join((struct.pack(">I", len(data)), kind, data, struct.pack(">I", crc)))


def encode_png(pixels: Pixels, rect: Rect, level: int = PNG_LEVEL) -> bytes:
    """PNG of `rect`: filter type 0 on every row and one zlib stream (2x faster than
    Pillow's adaptive filters on plots, and often smaller)."""
    x, y, w, h = rect
    n = channels(pixels)
    rows = np.empty((h, 1 + w * n), dtype=np.uint8)
    rows[:, 0] = 0
    rows[:, 1:] = pixels[y : y + h, x : x + w].reshape(h, w * n)
    header = struct.pack(">IIBBBBB", w, h, 8, _PNG_COLOR_TYPES[n], 0, 0, 0)
    return b"".join(
        (
            _PNG_SIGNATURE,
            _chunk(b"IHDR", header),
            _chunk(b"IDAT", zlib.compress(rows.data, level)),
            _chunk(b"IEND", b""),
        )
    )


def changed_rect(current: Pixels, previous: Pixels) -> Rect | None:
    """The bounding rectangle of the pixels that differ (None: identical). Both must
    have the same shape."""
    if current.ndim == 3 and current.shape[2] == 4:
        differ = current.view(np.uint32)[:, :, 0] != previous.view(np.uint32)[:, :, 0]
    elif current.ndim == 3:
        differ = (current != previous).any(axis=2)
    else:
        differ = current != previous
    rows = np.flatnonzero(differ.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(differ[rows[0] : rows[-1] + 1].any(axis=0))
    x0, x1, y0, y1 = int(cols[0]), int(cols[-1]) + 1, int(rows[0]), int(rows[-1]) + 1
    return (x0, y0, x1 - x0, y1 - y0)


def union(a: Rect | None, b: Rect | None) -> Rect | None:
    if a is None:
        return b
    if b is None:
        return a
    x0, y0 = min(a[0], b[0]), min(a[1], b[1])
    x1, y1 = max(a[0] + a[2], b[0] + b[2]), max(a[1] + a[3], b[1] + b[3])
    return (x0, y0, x1 - x0, y1 - y0)


def clip(rect: Rect, width: int, height: int) -> Rect | None:
    """`rect` cut to a `width`×`height` picture (None: nothing left)."""
    x0, y0 = max(rect[0], 0), max(rect[1], 0)
    x1, y1 = min(rect[0] + rect[2], width), min(rect[1] + rect[3], height)
    if x1 <= x0 or y1 <= y0:
        return None
    return (x0, y0, x1 - x0, y1 - y0)


def area(rect: Rect) -> int:
    return rect[2] * rect[3]
