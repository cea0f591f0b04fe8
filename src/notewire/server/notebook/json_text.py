"""The .ipynb text of a JSON value, as nbformat writes it, several times faster.

nbformat writes `json.dumps(value, indent=1, sort_keys=True, separators=(",", ": "),
ensure_ascii=False)`. Given an indent, the standard library encodes in pure Python, a
generator per container through which every piece below it passes on its way up: the
widget state of 300 sliders took 20 ms, the 500-cell benchmark notebook 50 ms, all of it
holding the GIL while the server has kernel messages to relay. Here each container
appends its pieces to one list. Scalars are encoded as the standard encoder encodes
them (its C string encoder, `repr` of floats, NaN and Infinity allowed), keys are sorted
and converted as it does, so the text is the same to the byte (tests compare the two).
"""

from __future__ import annotations

import json.encoder
from collections.abc import Callable
from typing import Any

_encode_str: Callable[[str], str] = json.encoder.encode_basestring  # C when available


def _float(value: float) -> str:
    if value != value:
        return "NaN"
    if value == float("inf"):
        return "Infinity"
    if value == float("-inf"):
        return "-Infinity"
    return float.__repr__(value)


def _key(key: object) -> str:
    if isinstance(key, str):
        return key
    if isinstance(key, float):
        return _float(key)
    if key is True:
        return "true"
    if key is False:
        return "false"
    if key is None:
        return "null"
    if isinstance(key, int):
        return int.__repr__(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {key.__class__.__name__}")


def indented(value: Any, default: Callable[[Any], Any]) -> str:
    """`json.dumps(value, indent=1, sort_keys=True, separators=(",", ": "),
    ensure_ascii=False, default=default)`. `value` is a tree (no container twice on a
    path), as a notebook is."""
    out: list[str] = []
    append = out.append
    encode = _encode_str

    def write(o: Any, newline: str) -> None:
        # `newline`: a line break and the indent of the line `o` starts on.
        if isinstance(o, str):
            append(encode(o))
        elif o is None:
            append("null")
        elif o is True:
            append("true")
        elif o is False:
            append("false")
        elif isinstance(o, int):
            append(int.__repr__(o))
        elif isinstance(o, float):
            append(_float(o))
        elif isinstance(o, (list, tuple)):
            if not o:
                append("[]")
                return
            inner = newline + " "
            append("[")
            head = inner
            for item in o:
                append(head)
                write(item, inner)
                head = "," + inner
            append(newline + "]")
        elif isinstance(o, dict):
            if not o:
                append("{}")
                return
            inner = newline + " "
            head = "{" + inner
            for key, item in sorted(o.items()):
                append(head + encode(_key(key)) + ": ")
                write(item, inner)
                head = "," + inner
            append(newline + "}")
        else:
            write(default(o), newline)

    write(value, "\n")
    return "".join(out)
