"""The fast document builder (notebook/build.py) uses pycrdt internals: it must build
exactly what pycrdt's public API builds, types included, so that an upgrade of pycrdt
that changes those internals fails here."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from pycrdt import Array, Doc, Map, Text

from notewire.server.notebook import cells_array, new_document, parse_notebook
from notewire.server.notebook.build import CELLS_PER_TRANSACTION

from .samples import full_notebook, jupyter_bytes
from .test_schema import notebooks


def _public_cell(cell: dict[str, Any], trusted: bool) -> Map:
    """The document's cell layout, built with pycrdt's public API."""
    fields: dict[str, Any] = {}
    for key, value in cell.items():
        if key == "source":
            fields[key] = Text(value)
        elif key == "outputs":
            fields[key] = Array(
                [
                    Map(
                        {
                            k: Array([v] if v else [])
                            if k == "text" and o["output_type"] == "stream"
                            else v
                            for k, v in o.items()
                        }
                    )
                    for o in value
                ]
            )
        else:
            fields[key] = value
    if cell["cell_type"] == "code":
        fields.update(run_state="idle", trusted=trusted)
    return Map(fields)


def _shape(value: Any) -> Any:
    """The document's content with the shared type of every value."""
    if isinstance(value, Map):
        return ("Map", {k: _shape(value[k]) for k in value.keys()})
    if isinstance(value, Array):
        return ("Array", [_shape(v) for v in value])
    if isinstance(value, Text):
        return ("Text", str(value))
    return json.dumps(value, sort_keys=True)


def _assert_same_as_public(nb: dict[str, Any], trusted: bool) -> None:
    built = new_document(nb, trusted=trusted)
    reference = Doc()
    ref_cells = cells_array(reference)
    for cell, made in zip(nb["cells"], cells_array(built), strict=True):
        ref_cells.append(_public_cell({"id": made["id"], **cell}, trusted))  # 4.4: no ids
    assert _shape(cells_array(built)) == _shape(ref_cells)


def test_the_sample_notebook_builds_as_the_public_api_builds_it() -> None:
    nb = parse_notebook(jupyter_bytes(full_notebook()))
    _assert_same_as_public(nb, trusted=True)
    _assert_same_as_public(nb, trusted=False)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(notebooks())
def test_generated_notebooks_build_as_the_public_api_builds_them(nb: dict[str, Any]) -> None:
    _assert_same_as_public(parse_notebook(json.dumps(nb).encode()), trusted=True)


def test_missing_keys_get_defaults_and_repeated_ids_are_replaced() -> None:
    nb = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {},
        "cells": [
            {"cell_type": "code", "id": "a"},
            {"cell_type": "markdown", "id": "a", "source": ["x", "y"]},
        ],
    }
    cells = cells_array(new_document(nb, trusted=False))
    code, markdown = cells[0], cells[1]
    assert code["id"] == "a" and markdown["id"] != "a"
    assert str(code["source"]) == "" and str(markdown["source"]) == "xy"
    assert isinstance(code["outputs"], Array) and len(code["outputs"]) == 0
    assert code["execution_count"] is None and code["metadata"] == {}
    assert (code["run_state"], code["trusted"]) == ("idle", False)
    assert "run_state" not in markdown.keys()


def test_the_updates_a_document_is_built_by_make_it_a_few_hundred_cells_each() -> None:
    """Applied in order to an empty document they make the same one; none holds more
    than CELLS_PER_TRANSACTION cells, so no one call into pycrdt covers the whole."""
    n = 2 * CELLS_PER_TRANSACTION + 7
    nb = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {"k": 1},
        "cells": [
            {"cell_type": "markdown", "id": f"c{i}", "metadata": {}, "source": f"{i}"}
            for i in range(n)
        ],
    }
    updates: list[bytes] = []
    built = new_document(nb, trusted=True, updates=updates)
    assert len(updates) == 1 + 3  # the meta, then three slices of cells
    copy = Doc()
    for update in updates:
        copy.apply_update(update)
    assert cells_array(copy).to_py() == cells_array(built).to_py()
    assert [c["id"] for c in cells_array(copy).to_py()] == [f"c{i}" for i in range(n)]
    assert copy.get("meta", type=Map).to_py() == built.get("meta", type=Map).to_py()
