"""Decoding a notebook's JSON a cell at a time.

One json.loads of a large notebook is one C call that holds the GIL for its whole
length (0.1-0.5 s for 20,000 cells): the event loop, waiting for the GIL while a worker
thread reads the file, stalls for every client meanwhile. Decoding the items of the
top-level "cells" array one by one gives the loop its turn between them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

_SPACE = re.compile(r"[ \t\n\r]*")


def loads_in_pieces(text: str, *, parse_constant: Callable[[str], Any] | None) -> Any:
    """`json.loads(text)`, decoding the items of a top-level object's "cells" array one
    at a time. One json.loads of a large notebook is one C call that holds the GIL for
    its whole length (0.1-0.5 s for 20,000 cells), and the event loop, waiting for the
    GIL, stalls for every client meanwhile; between cells the loop gets its turn. On
    any irregularity it leaves the whole text to json.loads, whose error it raises."""
    try:
        return _object_in_pieces(text, json.JSONDecoder(parse_constant=parse_constant))
    except (ValueError, IndexError, RecursionError):
        return json.loads(text, parse_constant=parse_constant)


def _object_in_pieces(text: str, decoder: json.JSONDecoder) -> Any:
    decode, space = decoder.raw_decode, _SPACE.match
    i = space(text, 0).end()
    if text[i] != "{":
        raise ValueError("not an object")
    out: dict[str, Any] = {}
    i = space(text, i + 1).end()
    while text[i] != "}":
        key, i = decode(text, i)
        if not isinstance(key, str):
            raise ValueError("not a key")
        i = space(text, i).end()
        if text[i] != ":":
            raise ValueError("no colon")
        i = space(text, i + 1).end()
        if key == "cells" and text[i] == "[":
            value: Any = []
            i = space(text, i + 1).end()
            while text[i] != "]":
                item, i = decode(text, i)
                value.append(item)
                i = space(text, i).end()
                if text[i] == ",":
                    i = space(text, i + 1).end()
                    if text[i] == "]":
                        raise ValueError("trailing comma")
                elif text[i] != "]":
                    raise ValueError("no comma")
            i += 1
        else:
            value, i = decode(text, i)
        out[key] = value
        i = space(text, i).end()
        if text[i] == ",":
            i = space(text, i + 1).end()
            if text[i] == "}":
                raise ValueError("trailing comma")
        elif text[i] != "}":
            raise ValueError("no comma")
    if space(text, i + 1).end() != len(text):
        raise ValueError("extra data")
    return out
