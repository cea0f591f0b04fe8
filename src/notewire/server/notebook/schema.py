"""The shared notebook document: a notebook dict in, a pycrdt Doc out, and back.

The layout is docs/notebook-protocol.md, section 1: a root Map `meta` (`nbformat`,
`nbformat_minor`, `metadata`, and any other top-level key the file had) and a root
Array `cells` of Maps. A cell's `source` is a Text; its `outputs` an Array of Maps; a
stream output's `text` an Array of str chunks. Every other value is plain JSON held
whole. Keys the document does not interpret are carried through untouched.

Browsers edit cells too, so the readers here accept a cell Map with keys missing and
fill in nbformat's defaults.

Numbers: the document, like JavaScript, does not tell `1.0` from `1`, so a float with an
integral value comes back as an int (and an int beyond 64 bits as a float).
`to_notebook(doc, like=nb)` puts back the number types that `nb` (the notebook the
document was made from, or last saved as) held at the same place with the same value,
so an unchanged file is written back byte for byte.
"""

from __future__ import annotations

import json
from typing import Any

from pycrdt import Array, Doc, Map, Text

from .build import insert_cells, without_dropped_note
from .ipynb import new_cell_id
from .pieces import loads_in_pieces

__all__ = [
    "CELL_TYPES",
    "cell_index",
    "cell_source",
    "cells_array",
    "code_cells",
    "from_snapshot",
    "get_cell",
    "json_safe",
    "meta_map",
    "new_cell",
    "new_document",
    "number_types_matter",
    "output_map",
    "outputs_trusted",
    "from_snapshot_signed",
    "snapshot",
    "to_notebook",
]

CELL_TYPES = ("code", "markdown", "raw")
# Document-only keys: state of this session, never written to the file.
_UNSAVED_CELL_KEYS = frozenset({"run_state", "trusted", "outputs_dropped"})
_UNSAVED_OUTPUT_KEYS = frozenset({"display_id", "dropped_chars"})
_CODE_ONLY_KEYS = ("outputs", "execution_count")
_INT64 = 2**63


def cells_array(doc: Doc) -> Array:
    return doc.get("cells", type=Array)


def meta_map(doc: Doc) -> Map:
    return doc.get("meta", type=Map)


def new_document(nb: dict[str, Any], *, trusted: bool, updates: list[bytes] | None = None) -> Doc:
    """The shared document for a valid v4 notebook (as `parse_notebook` returns it).

    `trusted` marks the code cells' outputs (docs section 4). Cells without an id (a
    4.0-4.4 file) get one in the document; `to_notebook` leaves ids out of such files.
    `updates`, when given, receives the Yjs updates the document was built by, in
    order: applied one after the other to an empty document, they make this one.
    """
    doc = Doc()
    meta, cells = meta_map(doc), cells_array(doc)
    subscription = None if updates is None else doc.observe(lambda e: updates.append(e.update))
    try:
        with doc.transaction():
            meta["nbformat"] = nb["nbformat"]
            meta["nbformat_minor"] = nb["nbformat_minor"]
            meta["metadata"] = json_safe(nb.get("metadata", {}))
            for key, value in nb.items():
                if key not in ("nbformat", "nbformat_minor", "metadata", "cells"):
                    meta[key] = json_safe(value)
        insert_cells(
            doc, cells, nb.get("cells", []), trusted=trusted, unused_id=_unused_id, safe=json_safe
        )
    finally:
        if subscription is not None:
            doc.unobserve(subscription)
    return doc


def new_cell(cell_type: str, source: str = "", *, cell_id: str | None = None) -> Map:
    """A cell Map not yet in a document, as a browser would insert it."""
    if cell_type not in CELL_TYPES:
        raise ValueError(f"cell_type must be one of {CELL_TYPES}, got {cell_type!r}")
    cell: dict[str, Any] = {
        "id": cell_id or new_cell_id(),
        "cell_type": cell_type,
        "source": Text(source),
        "metadata": {},
    }
    if cell_type == "code":
        cell.update(execution_count=None, outputs=Array(), run_state="idle", trusted=True)
    return Map(cell)


def output_map(output: dict[str, Any]) -> Map:
    """An nbformat output as a document Map (a stream's text as one chunk)."""
    fields = {k: json_safe(v) for k, v in output.items() if k != "text"}
    if "text" in output:
        text = output["text"]
        if output.get("output_type") == "stream":
            text = "".join(text) if isinstance(text, list) else text
            dropped, text = without_dropped_note(text)
            if dropped:
                fields["dropped_chars"] = dropped
            fields["text"] = Array([text] if text else [])
        else:
            fields["text"] = json_safe(text)
    return Map(fields)


def to_notebook(doc: Doc, *, like: dict[str, Any] | None = None) -> dict[str, Any]:
    """The notebook the document holds, as nbformat's in-memory v4 dict.

    Leaves out the document-only keys, joins stream text (prefixed with a note when
    characters were dropped), drops keys that do not belong to a cell's type (a browser
    may change a cell's type and leave them), and writes cell ids only to 4.5+ files.
    `like`: see the module docstring.
    """
    return from_snapshot(snapshot(doc), like=like)


def snapshot(doc: Doc) -> tuple[str, str]:
    """The document as JSON text (its `meta` and its `cells`): one dump of each root,
    in Rust, far faster than walking the shared types from Python. Taken on the event
    loop; `from_snapshot` does the rest anywhere, in a worker thread for a big one."""
    return str(meta_map(doc)), str(cells_array(doc))


def from_snapshot(snap: tuple[str, str], *, like: dict[str, Any] | None = None) -> dict[str, Any]:
    """`to_notebook` of the document `snap` was taken of."""
    return _from_json(json.loads(snap[0]), _load_cells(snap[1]), like)


def from_snapshot_signed(
    snap: tuple[str, str], *, like: dict[str, Any] | None = None
) -> tuple[dict[str, Any], bool]:
    """`from_snapshot`, and `outputs_trusted` of the same document."""
    cells = _load_cells(snap[1])
    trusted = _all_trusted(cells)
    return _from_json(json.loads(snap[0]), cells, like), trusted


def _load_cells(text: str) -> list[Any]:
    # A cell at a time: the thread that does this lets the event loop run between them.
    return loads_in_pieces('{"cells":' + text + "}", parse_constant=None)["cells"]  # type: ignore[no-any-return]


def _from_json(
    meta: dict[str, Any], cells: list[Any], like: dict[str, Any] | None
) -> dict[str, Any]:
    major = meta.pop("nbformat", 4)
    minor = meta.pop("nbformat_minor", 5)
    nb: dict[str, Any] = {
        "nbformat": major,
        "nbformat_minor": minor,
        "metadata": meta.pop("metadata", None) or {},
    }
    nb.update(meta)
    with_ids = (major, minor) >= (4, 5)
    seen: set[str] = set()
    nb["cells"] = [_cell_to_file(cell, with_ids, seen) for cell in cells if isinstance(cell, dict)]
    if like is not None:
        _restore_floats_in_notebook(nb, like)
    return nb


def number_types_matter(nb: Any) -> bool:
    """Whether `to_notebook` needs `nb` as `like` to write it back as it was: it holds
    a float with an integral value or an int beyond 64 bits. Most notebooks hold
    neither, and a session then need not keep the parsed notebook, hundreds of
    thousands of objects that every full garbage collection walks on the event loop."""
    level = [nb]
    while level:
        deeper = []
        for item in level:
            for v in item.values() if isinstance(item, dict) else item:
                kind = type(v)
                if kind is float:
                    if v.is_integer():
                        return True
                elif kind is int:
                    if not -_INT64 <= v < _INT64:
                        return True
                elif kind is dict or kind is list:
                    deeper.append(v)
        level = deeper
    return False


def cell_index(doc: Doc, cell_id: str) -> int | None:
    """The position of the cell with this id, or None."""
    for i, cell in enumerate(cells_array(doc)):
        if isinstance(cell, Map) and cell.get("id") == cell_id:
            return i
    return None


def get_cell(doc: Doc, cell_id: str) -> Map | None:
    index = cell_index(doc, cell_id)
    return None if index is None else cells_array(doc)[index]


def code_cells(doc: Doc) -> list[str]:
    """The ids of the code cells, in order."""
    return [
        cell.get("id")
        for cell in cells_array(doc)
        if isinstance(cell, Map) and cell.get("cell_type", "code") == "code"
    ]


def outputs_trusted(doc: Doc) -> bool:
    """Whether every code cell's outputs are trusted (Jupyter signs only then)."""
    # One JSON dump: iterating the shared cells is quadratic in pycrdt 0.14.
    return _all_trusted(json.loads(str(cells_array(doc))))


def _all_trusted(cells: list[Any]) -> bool:
    return all(
        cell.get("trusted", True)
        for cell in cells
        if isinstance(cell, dict) and cell.get("cell_type") == "code"
    )


def cell_source(cell: Map) -> str:
    source = cell.get("source")
    if isinstance(source, Text):
        return str(source)
    if isinstance(source, list):
        return "".join(source)
    return source if isinstance(source, str) else ""


def json_safe(value: Any) -> Any:
    """`value` with integers beyond 64 bits made floats: the document (like JavaScript)
    cannot hold them, and pycrdt aborts on them. Returns `value` itself when unchanged."""
    if type(value) is int:
        return value if -_INT64 <= value < _INT64 else float(value)
    if isinstance(value, dict):
        changed = {}
        for k, v in value.items():
            new = json_safe(v)
            if new is not v:
                changed[k] = new
        return {**value, **changed} if changed else value
    if isinstance(value, list):
        new_items = [json_safe(v) for v in value]
        if any(a is not b for a, b in zip(new_items, value, strict=True)):
            return new_items
        return value
    return value


def _unused_id(seen: set[str]) -> str:
    cell_id = new_cell_id()
    while cell_id in seen:
        cell_id = new_cell_id()
    return cell_id


def _cell_to_file(cell: dict[str, Any], with_ids: bool, seen: set[str]) -> dict[str, Any]:
    for key in _UNSAVED_CELL_KEYS:
        cell.pop(key, None)
    cell_type = cell.setdefault("cell_type", "code")
    source = cell.get("source")
    if not isinstance(source, str):
        cell["source"] = "".join(source) if isinstance(source, list) else ""
    if not isinstance(cell.get("metadata"), dict):
        cell["metadata"] = {}
    if with_ids:
        cell_id = cell.get("id")
        if not isinstance(cell_id, str) or cell_id in seen:  # a browser's copy or bug
            cell_id = cell["id"] = _unused_id(seen)
        seen.add(cell_id)
    else:
        cell.pop("id", None)
    if cell_type == "code":
        cell.pop("attachments", None)
        outputs = cell.get("outputs")
        cell["outputs"] = (
            [_output_to_file(o) for o in outputs if isinstance(o, dict)]
            if isinstance(outputs, list)
            else []
        )
        cell.setdefault("execution_count", None)
    else:
        for key in _CODE_ONLY_KEYS:
            cell.pop(key, None)
    return cell


def _output_to_file(output: dict[str, Any]) -> dict[str, Any]:
    dropped = output.get("dropped_chars") or 0
    for key in _UNSAVED_OUTPUT_KEYS:
        output.pop(key, None)
    kind = output.get("output_type")
    if kind == "stream":
        text = output.get("text", "")
        text = "".join(text) if isinstance(text, list) else text
        if dropped:
            text = f"[notewire: {dropped} earlier characters were dropped]\n" + text
        output["text"] = text
        output.setdefault("name", "stdout")
    elif kind in ("display_data", "execute_result"):
        output.setdefault("data", {})
        output.setdefault("metadata", {})
        if kind == "execute_result":
            output.setdefault("execution_count", None)
    elif kind == "error":
        output.setdefault("ename", "")
        output.setdefault("evalue", "")
        output.setdefault("traceback", [])
    return output


def _restore_floats_in_notebook(nb: dict[str, Any], like: dict[str, Any]) -> None:
    for key, value in nb.items():
        if key != "cells" and key in like:
            nb[key] = _restore_floats(value, like[key])
    like_cells = like.get("cells")
    if not isinstance(like_cells, list):
        return
    by_id = {c["id"]: c for c in like_cells if isinstance(c, dict) and "id" in c}
    for i, cell in enumerate(nb["cells"]):
        if by_id:
            old = by_id.get(cell.get("id"))
        else:  # a 4.4 file has no ids: match by place (a wrong match only costs a float)
            old = like_cells[i] if i < len(like_cells) else None
        if old is not None:
            _restore_floats(cell, old)


def _restore_floats(value: Any, like: Any) -> Any:
    """`value`, with each number that `like` holds at the same place with the same value
    but another type replaced by `like`'s. Dicts and lists are updated in place."""
    if type(like) is float:
        return like if type(value) is int and value == like else value
    if type(like) is int and type(value) is float:  # an int beyond 64 bits (json_safe)
        return like if value == float(like) else value
    if isinstance(value, dict) and isinstance(like, dict):
        for key, item in value.items():
            if key in like:
                new = _restore_floats(item, like[key])
                if new is not item:
                    value[key] = new
    elif isinstance(value, list) and isinstance(like, list):
        for i in range(min(len(value), len(like))):
            new = _restore_floats(value[i], like[i])
            if new is not value[i]:
                value[i] = new
    return value
