"""Strict JSON for the wire: UTF-8, compact, and no NaN or Infinity.

The Jupyter spec requires standard JSON, which has no NaN or Infinity. Python's json
module accepts and emits them by default, so both directions are locked down here.
"""

from __future__ import annotations

import json
import math
from typing import Any

from .errors import MalformedMessage

JSONDict = dict[str, Any]

# Everything that walks JSON recursively (validation, the document, serialization)
# stays far below Python's stack with this; real notebooks, Plotly and Vega specs
# included, nest a few dozen levels.
MAX_DEPTH = 200

_encoder = json.JSONEncoder(
    ensure_ascii=False, allow_nan=False, separators=(",", ":"), check_circular=False
)


def _refuse_constant(name: str) -> Any:
    raise MalformedMessage(f"JSON holds {name}, which standard JSON does not allow")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e400 overflows to inf
        raise MalformedMessage(f"JSON number {text[:40]} is out of range for a float")
    return value


_decoder = json.JSONDecoder(parse_constant=_refuse_constant, parse_float=_finite_float)


def dumps(obj: Any) -> bytes:
    """Serialize to UTF-8 JSON bytes. Raises MalformedMessage for NaN, Infinity or
    values JSON cannot hold (the caller built a bad message)."""
    try:
        return _encoder.encode(obj).encode("utf-8", "replace")
    except ValueError as exc:  # NaN / Infinity
        raise MalformedMessage(f"cannot encode as JSON: {exc}") from None
    except TypeError as exc:
        raise MalformedMessage(f"cannot encode as JSON: {exc}") from None
    except RecursionError:  # circular (check_circular is off) or absurdly deep
        raise MalformedMessage("cannot encode as JSON: nested too deeply or circular") from None


def loads(data: bytes | memoryview | str) -> Any:
    """Parse UTF-8 JSON. Raises MalformedMessage with the reason."""
    try:
        text = data if isinstance(data, str) else bytes(data).decode("utf-8")
        return _decoder.decode(text)
    except UnicodeDecodeError as exc:
        raise MalformedMessage(f"frame is not UTF-8: {exc}") from None
    except json.JSONDecodeError as exc:
        raise MalformedMessage(f"frame is not JSON: {exc}") from None
    except ValueError as exc:  # an integer longer than sys.get_int_max_str_digits()
        raise MalformedMessage(f"frame holds an unusable JSON number: {exc}") from None
    except RecursionError:
        raise MalformedMessage("frame is not usable JSON: nested too deeply") from None


def loads_dict(data: bytes | memoryview, what: str) -> JSONDict:
    """Parse a frame that must hold a JSON object; `what` names it in errors."""
    value = loads(data)
    if not isinstance(value, dict):
        raise MalformedMessage(f"{what} must be a JSON object, got {type(value).__name__}")
    return value


def nested_too_deep(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether `value` nests lists and objects more than `limit` levels deep. Walks
    without recursion, so that hostile input cannot exhaust the stack here either."""
    level = [value] if isinstance(value, dict | list) else []
    depth = 0
    while level:  # breadth first: one list per level, no tuple per value
        depth += 1
        if depth > limit:
            return True
        deeper = []
        for item in level:
            for child in item.values() if isinstance(item, dict) else item:
                if isinstance(child, dict | list):  # most values of a notebook are strings
                    deeper.append(child)
        level = deeper
    return False


def too_deep_message(limit: int = MAX_DEPTH) -> str:
    return f"JSON nested more than {limit} levels deep"
