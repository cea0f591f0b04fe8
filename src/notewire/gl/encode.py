"""Arrays to wire buffers (docs/gl-protocol.md, section 5): no JSON numbers, no base64.

float64 goes as float32 after subtracting a per-column origin, so time stamps and
large coordinates keep their precision: the browser adds the origin back in float64
when it builds the view transform.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_WIRE_DTYPES = {
    np.dtype(np.float32): "float32",
    np.dtype(np.uint8): "uint8",
    np.dtype(np.int8): "int8",
    np.dtype(np.uint16): "uint16",
    np.dtype(np.int16): "int16",
    np.dtype(np.uint32): "uint32",
    np.dtype(np.int32): "int32",
}


class EncodeError(ValueError):
    """An array that cannot go to the GPU as asked."""


def wire_dtype(array: np.ndarray) -> str:
    name = _WIRE_DTYPES.get(
        array.dtype.newbyteorder("<") if array.dtype.byteorder == ">" else array.dtype
    )
    if name is None:
        raise EncodeError(f"dtype {array.dtype} has no GPU equivalent: cast it first")
    return name


def as_wire(array: Any) -> np.ndarray:
    """A contiguous little-endian array of a GPU dtype: float64 becomes float32 (use
    `columns` to keep precision), int64 becomes int32 when its values fit."""
    a = np.asarray(array)
    if a.dtype.kind == "b":
        a = a.astype(np.uint8)
    elif a.dtype.kind == "f" and a.dtype != np.float32:
        a = a.astype(np.float32)
    elif a.dtype.kind in "iu" and a.dtype.itemsize == 8:
        small = np.int32 if a.dtype.kind == "i" else np.uint32
        info = np.iinfo(small)
        if a.size and (a.min() < info.min or a.max() > info.max):
            a = a.astype(np.float32)
        else:
            a = a.astype(small)
    if a.dtype.byteorder == ">":
        a = a.astype(a.dtype.newbyteorder("<"))
    wire_dtype(a)
    return np.ascontiguousarray(a)


def origin_of(column: np.ndarray) -> float:
    """Where to put a column's zero: its midrange, rounded to a float32 value so that
    the browser's float64 origin is exactly what the kernel subtracted."""
    if column.size == 0:
        return 0.0
    lo, hi = float(np.nanmin(column)), float(np.nanmax(column))
    if not np.isfinite(lo) or not np.isfinite(hi):
        return 0.0
    return float(np.float32((lo + hi) / 2.0))


def columns(*cols: Any) -> tuple[np.ndarray, list[float]]:
    """Interleave equal-length numeric columns into an (n, k) float32 array after
    subtracting each column's origin; returns it and the origins. One pass per
    column, no float64 copy of the whole table."""
    arrays = [np.asarray(c).reshape(-1) for c in cols]
    n = len(arrays[0])
    if any(len(a) != n for a in arrays):
        raise EncodeError(f"columns differ in length: {[len(a) for a in arrays]}")
    out = np.empty((n, len(arrays)), dtype=np.float32)
    origins = []
    for i, a in enumerate(arrays):
        if a.dtype.kind not in "fiub" and not np.issubdtype(a.dtype, np.datetime64):
            raise EncodeError(f"column {i} is not numeric ({a.dtype})")
        if np.issubdtype(a.dtype, np.datetime64):
            a = a.astype("datetime64[ns]").astype(np.int64)
        origin = origin_of(a) if a.dtype.kind == "f" or a.dtype.itemsize >= 4 else 0.0
        origins.append(origin)
        if origin:
            np.subtract(a, origin, out=out[:, i], casting="unsafe")
        else:
            out[:, i] = a
    return out, origins


def normalise(
    values: Any, limits: tuple[float, float] | None = None
) -> tuple[np.ndarray, tuple[float, float]]:
    """Values mapped to [0, 1] float32 over `limits` (default: their finite min, max)."""
    v = np.asarray(values).reshape(-1)
    if limits is None:
        finite = v[np.isfinite(v)] if v.dtype.kind == "f" else v
        limits = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    lo, hi = limits
    span = hi - lo or 1.0
    out = np.empty(v.shape, dtype=np.float32)
    np.subtract(v, lo, out=out, casting="unsafe")
    out *= np.float32(1.0 / span)
    return out, (lo, hi)
