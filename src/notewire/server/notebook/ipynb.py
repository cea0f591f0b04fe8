"""Reading and writing .ipynb files (nbformat v4 JSON).

`parse_notebook` accepts what Jupyter accepts, upgrading v1-v3 files to v4, and refuses
anything else with a `NotebookFormatError` that says what is wrong and where.
`serialize_notebook` writes exactly what `nbformat.write` writes, so a file that Jupyter
wrote and nobody changed comes back byte for byte; it validates first, so an invalid
document is never saved.

The in-memory form is nbformat's: multi-line strings joined (`source`, stream `text`,
text mime data), transient keys (`metadata.signature`, `orig_nbformat*`, cell
`metadata.trusted`) removed.
"""

from __future__ import annotations

import json
import sys
import uuid
from collections.abc import Iterable
from typing import Any


def _import_nbformat_quickly() -> None:
    """Import nbformat, keeping jsonschema from loading rfc3987_syntax.

    jsonschema (nbformat's validator) imports rfc3987_syntax when it is installed, as
    Jupyter's own packages install it, to check "iri" string formats; that module
    compiles some forty grammars as it loads, over a second of the server's start-up.
    The notebook schema uses no such format. The module is hidden only while nbformat
    loads: anything importing it later gets it.
    """
    hide = "rfc3987_syntax" not in sys.modules and "jsonschema" not in sys.modules
    if hide:
        sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]  # ImportError
    try:
        import nbformat  # noqa: F401
    finally:
        if hide:
            del sys.modules["rfc3987_syntax"]


_import_nbformat_quickly()

import nbformat  # noqa: E402
from nbformat.v4 import nbjson  # noqa: E402
from nbformat.validator import ValidationError, iter_validate  # noqa: E402

from notewire.protocol.jsonutil import nested_too_deep, too_deep_message  # noqa: E402

__all__ = ["NotebookFormatError", "new_cell_id", "parse_notebook", "serialize_notebook"]


class NotebookFormatError(ValueError):
    """The bytes are not a notebook notewire can open, or a notebook is not valid v4."""


def new_cell_id() -> str:
    """A fresh nbformat 4.5 cell id (8 hex digits, as nbformat makes them)."""
    return uuid.uuid4().hex[:8]


def parse_notebook(data: bytes) -> dict[str, Any]:
    """Read an .ipynb file. Raises NotebookFormatError naming the problem and its place.

    v4.5 cells without an id, or with a duplicate one, get a fresh id (as nbformat's
    `normalize` does). A 4.0-4.4 file whose cells carry ids (some tools write them) is
    read as 4.5, as nbformat's upgrade would, since 4.4 forbids the key.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise NotebookFormatError(f"not UTF-8 text: bad byte at offset {e.start}") from None
    try:
        raw = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as e:
        raise NotebookFormatError(
            f"not valid JSON: {e.msg} (line {e.lineno}, column {e.colno})"
        ) from None
    except ValueError as e:  # from _reject_constant
        raise NotebookFormatError(f"not valid JSON: {e}") from None
    except RecursionError:  # the decoder's own limit, near 1,000 levels
        raise NotebookFormatError(too_deep_message()) from None
    if nested_too_deep(raw):
        raise NotebookFormatError(too_deep_message())
    if not isinstance(raw, dict):
        raise NotebookFormatError(f"a notebook is a JSON object, not {_json_type(raw)}")
    major = raw.get("nbformat")
    if not isinstance(major, int) or isinstance(major, bool):
        raise NotebookFormatError("not a notebook: no integer 'nbformat' version")
    if major > 4:
        raise NotebookFormatError(f"nbformat {major} is newer than this notewire reads (4)")
    if major < 4:
        raw = _upgrade(raw, major)
    minor = raw.get("nbformat_minor")
    if isinstance(minor, int) and minor < 5 and _cells_have_ids(raw.get("cells")):
        raw["nbformat_minor"] = minor = 5
    if isinstance(minor, int) and minor >= 5:
        _repair_ids(raw.get("cells"))
    _validate(raw)
    node = nbjson.to_notebook(raw)  # joins multi-line strings, strips transient keys
    return _plain(node)


def serialize_notebook(nb: dict[str, Any]) -> bytes:
    """The .ipynb bytes for `nb`, exactly as `nbformat.write` produces them.

    Raises NotebookFormatError when `nb` is not a valid v4 notebook.
    """
    if nb.get("nbformat") != 4:
        raise NotebookFormatError(f"only nbformat 4 is written, got {nb.get('nbformat')!r}")
    if nested_too_deep(nb):
        raise NotebookFormatError(too_deep_message())
    _validate(nb)
    ids = [c.get("id") for c in nb["cells"] if "id" in c]
    if len(set(ids)) != len(ids):
        dup = next(i for i in ids if ids.count(i) > 1)
        raise NotebookFormatError(f"cell id {dup!r} is used by more than one cell")
    # nbformat.write = writes + a final newline; writes deep-copies, splits lines into
    # lists and strips transient keys, all on NotebookNodes.
    return (nbjson.writes(nbformat.from_dict(nb)) + "\n").encode("utf-8")


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON value")


def _json_type(value: object) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    return "a number" if isinstance(value, int | float) else type(value).__name__


def _upgrade(raw: dict[str, Any], major: int) -> dict[str, Any]:
    """v1-v3 to v4.5 with nbformat's own converters."""
    try:
        node = nbformat.versions[major].to_notebook_json(raw, minor=raw.get("nbformat_minor", 0))
        node = nbformat.convert(node, 4)
    except (ValidationError, ValueError, KeyError, AttributeError, TypeError) as e:
        raise NotebookFormatError(f"cannot upgrade this nbformat {major} notebook: {e}") from None
    # The converters return NotebookNodes in split-line form; a JSON round trip gives
    # the plain dicts the v4 reader expects.
    return json.loads(json.dumps(node))


def _cells_have_ids(cells: object) -> bool:
    return isinstance(cells, list) and any(isinstance(c, dict) and "id" in c for c in cells)


def _repair_ids(cells: object) -> None:
    if not isinstance(cells, list):
        return  # the schema check reports it
    seen: set[str] = set()
    for cell in cells:
        if not isinstance(cell, dict):
            continue
        cell_id = cell.get("id")
        if cell_id is None or cell_id in seen:
            cell_id = new_cell_id()
            while cell_id in seen:
                cell_id = new_cell_id()
            cell["id"] = cell_id
        if isinstance(cell_id, str):  # anything else is for the schema check to report
            seen.add(cell_id)


def _validate(nb: dict[str, Any]) -> None:
    # iter_validate neither mutates nor warns (nbformat.validate adds missing ids and
    # warns); the first error is enough.
    try:
        error = next(iter(iter_validate(nb)), None)
    except ValidationError as e:  # no schema for this version
        raise NotebookFormatError(str(e)) from None
    if error is not None:
        raise NotebookFormatError(_describe(error)) from None


def _describe(error: Any) -> str:
    """`cells[3].outputs[0]: 'output_type' is a required property`, kept short."""
    where = _path(error.relative_path) or "notebook"
    instance = error.instance
    if isinstance(instance, dict) and error.validator == "oneOf":
        if "cell_type" in instance:
            return f"{where}: unknown cell_type {instance['cell_type']!r}"
        if "output_type" in instance:
            return f"{where}: unknown output_type {instance['output_type']!r}"
    message = error.message
    if len(message) > 300:
        message = message[:297] + "..."
    return f"{where}: {message}"


def _path(parts: Iterable[object]) -> str:
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif isinstance(part, str) and part.isidentifier():
            out += f".{part}" if out else part
        else:
            out += f"[{part!r}]"
    return out


def _plain(value: Any) -> Any:
    """NotebookNodes to plain dicts, so that callers get exactly JSON types."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
