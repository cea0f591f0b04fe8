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
from nbformat.validator import ValidationError, iter_validate  # noqa: E402

from notewire.protocol.jsonutil import nested_too_deep, too_deep_message  # noqa: E402

from .json_text import indented  # noqa: E402
from .pieces import loads_in_pieces  # noqa: E402
from .plain_check import plainly_valid  # noqa: E402

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
        raw = loads_in_pieces(text, parse_constant=_reject_constant)
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
    return _to_memory(raw)


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
    # nbformat.write = writes + a final newline: lines split into lists, transient
    # keys stripped, then json.dumps(indent=1, sort_keys=True, separators=(",", ": "),
    # ensure_ascii=False). nbformat deep-copies the notebook into NotebookNodes first;
    # _to_disk copies only the containers it changes. json_text writes the same text
    # several times faster.
    return (indented(_to_disk(nb), _ascii_bytes) + "\n").encode("utf-8")


def _to_disk(nb: dict[str, Any]) -> dict[str, Any]:
    """nbformat's `split_lines` and `strip_transient` on a copy of the containers they
    change (the rest is shared with `nb`, which is left as it was). `nb` is valid v4."""
    out = dict(nb)
    out["metadata"] = _without(nb["metadata"], _TRANSIENT_METADATA)
    out["cells"] = [_cell_to_disk(cell) for cell in nb["cells"]]
    return out


def _cell_to_disk(cell: dict[str, Any]) -> dict[str, Any]:
    out = dict(cell)
    out["metadata"] = _without(cell["metadata"], ("trusted",))
    source = cell.get("source")
    if isinstance(source, str):
        out["source"] = source.splitlines(True)
    attachments = cell.get("attachments")
    if attachments:
        out["attachments"] = {name: _split_bundle(b) for name, b in attachments.items()}
    if cell["cell_type"] == "code":
        out["outputs"] = [_output_to_disk(o) for o in cell["outputs"]]
    return out


def _output_to_disk(output: dict[str, Any]) -> dict[str, Any]:
    kind = output["output_type"]
    if kind in ("execute_result", "display_data"):
        return {**output, "data": _split_bundle(output.get("data", {}))}
    if kind == "stream" and isinstance(output.get("text"), str):
        return {**output, "text": output["text"].splitlines(True)}
    return output


_SPLIT_NON_TEXT = frozenset(("application/javascript", "image/svg+xml"))


def _split_bundle(data: dict[str, Any]) -> dict[str, Any]:
    return {
        mime: value.splitlines(True)
        if isinstance(value, str) and (mime.startswith("text/") or mime in _SPLIT_NON_TEXT)
        else value
        for mime, value in data.items()
    }


def _without(mapping: dict[str, Any], keys: Iterable[str]) -> dict[str, Any]:
    return {k: v for k, v in mapping.items() if k not in keys}


def _ascii_bytes(value: object) -> str:
    """As nbformat's encoder: bytes (base64 data) are written as ASCII text."""
    if isinstance(value, bytes):
        return value.decode("ascii")
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


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
    if plainly_valid(nb):  # the common case, in a fraction of the schema check's time
        return
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


def _to_memory(nb: dict[str, Any]) -> dict[str, Any]:
    """nbformat's `rejoin_lines` and `strip_transient`, in place on the plain dicts that
    `json.loads` made (nbformat's reader first copies the whole notebook into
    NotebookNodes, and the server then had to copy them back: two walks of a large
    notebook for nothing). `nb` is valid v4."""
    metadata = nb.get("metadata")
    if isinstance(metadata, dict):
        for key in _TRANSIENT_METADATA:
            metadata.pop(key, None)
    for cell in nb["cells"]:
        cell_metadata = cell.get("metadata")
        if isinstance(cell_metadata, dict):
            cell_metadata.pop("trusted", None)
        source = cell.get("source")
        if isinstance(source, list):
            cell["source"] = "".join(source)
        for bundle in (cell.get("attachments") or {}).values():
            _rejoin_bundle(bundle)
        if cell.get("cell_type") != "code":
            continue
        for output in cell.get("outputs", ()):
            kind = output.get("output_type", "")
            if kind in ("execute_result", "display_data"):
                _rejoin_bundle(output.get("data", {}))
            elif kind and isinstance(output.get("text"), list):
                output["text"] = "".join(output["text"])
    return nb


_TRANSIENT_METADATA = ("orig_nbformat", "orig_nbformat_minor", "signature")


def _rejoin_bundle(data: dict[str, Any]) -> None:
    for mime, value in data.items():
        if isinstance(value, list) and not _is_json_mime(mime):
            if all(isinstance(line, str) for line in value):
                data[mime] = "".join(value)


def _is_json_mime(mime: str) -> bool:
    return mime == "application/json" or (
        mime.startswith("application/") and mime.endswith("+json")
    )
