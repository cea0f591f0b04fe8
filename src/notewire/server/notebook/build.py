"""Filling a new document's cells at the speed of pycrdt's core.

pycrdt's Python layer costs a transaction enter and exit, ABC checks and a wrapper
object for every key it sets; a cell is some fifteen keys and values, and a 20,000-cell
notebook took 4-5 s to build that way, nearly all of it in that layer. Here the cells
go straight to the Rust types (`_integrated`, `insert_*_prelim`), which builds the same
document in a tenth of the time. They go in a few hundred per transaction: committing
a transaction is one call into pycrdt that holds the GIL, and the commit of a whole
20,000-cell notebook held it (and so the event loop, waiting for it) for 30-100 ms. These are pycrdt
internals (0.14); `tests/server/notebook/test_build.py` checks that the result equals
the public API's, so an upgrade that changes them fails there, not in users' hands.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from pycrdt import Array, Doc

CELLS_PER_TRANSACTION = 500
Unused = Callable[[set[str]], str]  # a fresh cell id not in the set
Safe = Callable[[Any], Any]  # json_safe


def insert_cells(
    doc: Doc,
    cells: Array,
    notebook_cells: Iterable[Any],
    *,
    trusted: bool,
    unused_id: Unused,
    safe: Safe,
) -> None:
    """Append the cells of a parsed notebook to the empty root array `cells`, in the
    document's layout (docs/notebook-protocol.md, section 1): `source` a Text, `outputs`
    an Array of Maps, a stream's `text` an Array of chunks, every other value whole.
    Code cells get `run_state` and `trusted`; missing keys get nbformat's defaults;
    a missing or repeated id is replaced. Call it outside any transaction: it makes its
    own, one per `CELLS_PER_TRANSACTION` cells, last cells first."""
    items = [c for c in notebook_cells if isinstance(c, dict)]
    seen: set[str] = set()
    ids = []
    for cell in items:  # ids in file order: the first of two equal ones keeps it
        cell_id = cell.get("id")
        if not isinstance(cell_id, str) or cell_id in seen:
            cell_id = unused_id(seen)
        seen.add(cell_id)
        ids.append(cell_id)
    # Each insert at index i walks the i items before it (pycrdt 0.14 keeps no index),
    # so appending is quadratic; inserting from the last cell to the first, each at the
    # front, is linear and gives the same array.
    pairs = list(zip(reversed(items), reversed(ids), strict=True))
    for start in range(0, len(pairs), CELLS_PER_TRANSACTION):
        with doc.transaction() as t:
            txn = t._txn
            array = cells._integrated
            for cell, cell_id in pairs[start : start + CELLS_PER_TRANSACTION]:
                _insert_cell(txn, array.insert_map_prelim(txn, 0), cell, cell_id, trusted, safe)


def _insert_cell(
    txn: Any, m: Any, cell: dict[str, Any], cell_id: str, trusted: bool, safe: Safe
) -> None:
    for key, value in cell.items():
        if key == "source":
            text = "".join(value) if isinstance(value, list) else value
            _insert_text(txn, m, key, text if isinstance(text, str) else "")
        elif key == "outputs" and isinstance(value, list):
            outputs = m.insert_array_prelim(txn, key)
            for i, output in enumerate(value):
                _insert_output(txn, outputs.insert_map_prelim(txn, i), output, safe)
        elif key != "id":
            m.insert(txn, key, safe(value))
    m.insert(txn, "id", cell_id)
    if "source" not in cell:
        _insert_text(txn, m, "source", "")
    if "metadata" not in cell:
        m.insert(txn, "metadata", {})
    if cell.get("cell_type") == "code":
        if "outputs" not in cell:
            m.insert_array_prelim(txn, "outputs")
        if "execution_count" not in cell:
            m.insert(txn, "execution_count", None)
        m.insert(txn, "run_state", "idle")
        m.insert(txn, "trusted", trusted)


def _insert_text(txn: Any, m: Any, key: str, text: str) -> None:
    shared = m.insert_text_prelim(txn, key)
    if text:
        shared.insert(txn, 0, text)


# What a save puts before a trimmed stream's text (schema._output_to_file); read back as
# `dropped_chars` on load, so the page shows its marker, and the link to the full output
# the server kept (session/spill.py), again.
_DROPPED_NOTE = re.compile(r"\[notewire: (\d{1,15}) earlier characters were dropped\]\n")


def without_dropped_note(text: Any) -> tuple[int, Any]:
    """`(dropped_chars, text)` from a saved stream text that may begin with that note."""
    note = _DROPPED_NOTE.match(text) if isinstance(text, str) else None
    return (int(note.group(1)), text[note.end() :]) if note else (0, text)


def _insert_output(txn: Any, m: Any, output: Any, safe: Safe) -> None:
    if not isinstance(output, dict):  # the schema check refuses these; never crash here
        return
    stream = output.get("output_type") == "stream"
    for key, value in output.items():
        if key == "text" and stream:
            text = "".join(value) if isinstance(value, list) else value
            dropped, text = without_dropped_note(text)
            if dropped and "dropped_chars" not in output:
                m.insert(txn, "dropped_chars", dropped)
            chunks = m.insert_array_prelim(txn, key)
            if text:
                chunks.insert(txn, 0, text)
        else:
            m.insert(txn, key, safe(value))
