"""The shared document (docs/notebook-protocol.md, section 1): its layout, lossless
round trips, the helpers, and cells a browser made with keys missing."""

from __future__ import annotations

import json
import string
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pycrdt import Array, Doc, Map, Text

from notewire.server.notebook import (
    cell_index,
    cell_source,
    cells_array,
    code_cells,
    get_cell,
    meta_map,
    new_cell,
    new_document,
    parse_notebook,
    serialize_notebook,
    to_notebook,
)

from .samples import full_notebook, jupyter_bytes, old_minor_notebook


def test_layout_follows_the_protocol_doc() -> None:
    nb = parse_notebook(jupyter_bytes(full_notebook()))
    doc = new_document(nb, trusted=False)
    meta = meta_map(doc)
    assert meta["nbformat"] == 4 and meta["nbformat_minor"] == 5
    assert meta["metadata"]["kernelspec"]["name"] == "python3"
    cells = cells_array(doc)
    assert len(cells) == 6
    markdown, code = cells[0], cells[1]
    assert isinstance(markdown, Map) and isinstance(markdown["source"], Text)
    assert markdown["attachments"] == nb["cells"][0]["attachments"]
    assert "outputs" not in markdown and "run_state" not in markdown
    assert isinstance(code["outputs"], Array)
    assert code["run_state"] == "idle" and code["trusted"] is False
    assert code["execution_count"] == 1
    stream = code["outputs"][0]
    assert isinstance(stream["text"], Array) and list(stream["text"]) == ["héllo\n"]
    assert code["outputs"][2]["data"]["application/json"] == {"a": [1, 2, {"b": None}], "c": "ü"}


def test_round_trip_is_lossless_with_and_without_like() -> None:
    nb = parse_notebook(jupyter_bytes(full_notebook()))
    doc = new_document(nb, trusted=True)
    assert to_notebook(doc) == nb
    assert to_notebook(doc, like=nb) == nb


def test_without_like_integral_floats_come_back_as_ints() -> None:
    nb = parse_notebook(jupyter_bytes(full_notebook()))
    back = to_notebook(new_document(nb, trusted=True))
    numbers = back["metadata"]["numbers"]
    assert numbers == nb["metadata"]["numbers"]
    assert type(numbers[0]) is int and type(numbers[6]) is float
    with_like = to_notebook(new_document(nb, trusted=True), like=nb)["metadata"]["numbers"]
    assert [type(n) for n in with_like] == [type(n) for n in nb["metadata"]["numbers"]]


def test_4_4_cells_get_ids_in_the_document_but_not_in_the_file() -> None:
    data = jupyter_bytes(old_minor_notebook())
    nb = parse_notebook(data)
    doc = new_document(nb, trusted=True)
    ids = [cell["id"] for cell in cells_array(doc)]
    assert all(ids) and len(set(ids)) == len(ids)
    back = to_notebook(doc)
    assert all("id" not in cell for cell in back["cells"])
    assert serialize_notebook(to_notebook(doc, like=nb)) == data


def test_document_only_keys_are_not_saved_and_dropped_text_is_noted() -> None:
    nb = parse_notebook(jupyter_bytes(full_notebook()))
    doc = new_document(nb, trusted=True)
    code = cells_array(doc)[1]
    with doc.transaction():
        code["run_state"] = "running"
        code["outputs_dropped"] = 3
        code["outputs"][0]["dropped_chars"] = 1200
        code["outputs"][2]["display_id"] = "abc"
    back = to_notebook(doc)["cells"][1]
    assert set(back) == {"id", "cell_type", "source", "metadata", "outputs", "execution_count"}
    assert back["outputs"][0]["text"] == "[notewire: 1200 earlier characters were dropped]\nhéllo\n"
    assert "display_id" not in back["outputs"][2]
    assert "dropped_chars" not in back["outputs"][0]
    serialize_notebook(to_notebook(doc))


def test_the_dropped_note_reads_back_as_dropped_chars() -> None:
    """A trimmed stream saved and opened again shows its marker (and the link to the
    full output) again, and is saved with one note, not two."""
    nb = parse_notebook(jupyter_bytes(full_notebook()))
    doc = new_document(nb, trusted=True)
    with doc.transaction():
        cells_array(doc)[1]["outputs"][0]["dropped_chars"] = 1200
    saved = to_notebook(doc)
    again = new_document(saved, trusted=True)
    output = cells_array(again)[1]["outputs"][0]
    assert output["dropped_chars"] == 1200
    assert "".join(output["text"]) == "héllo\n"
    assert to_notebook(again)["cells"][1]["outputs"][0] == saved["cells"][1]["outputs"][0]


def test_helpers() -> None:
    nb = parse_notebook(jupyter_bytes(full_notebook()))
    doc = new_document(nb, trusted=True)
    assert cell_index(doc, "code-2") == 2
    assert cell_index(doc, "nope") is None
    assert get_cell(doc, "nope") is None
    cell = get_cell(doc, "code-2")
    assert cell is not None and cell_source(cell) == "1/0"
    assert code_cells(doc) == ["code-1", "code-2", "empty"]


def test_new_cell_makes_a_valid_cell() -> None:
    doc = new_document(parse_notebook(jupyter_bytes(full_notebook())), trusted=True)
    cells = cells_array(doc)
    cells.append(new_cell("code", "x = 1", cell_id="new-code"))
    cells.insert(0, new_cell("markdown", "*hi*"))
    cells.append(new_cell("raw"))
    back = to_notebook(doc)
    assert back["cells"][-2] == {
        "id": "new-code",
        "cell_type": "code",
        "source": "x = 1",
        "metadata": {},
        "outputs": [],
        "execution_count": None,
    }
    assert back["cells"][0]["source"] == "*hi*"
    assert code_cells(doc)[-1] == "new-code"
    serialize_notebook(back)
    with pytest.raises(ValueError, match="cell_type must be one of"):
        new_cell("heading")


def test_cells_a_browser_made_with_keys_missing_read_with_defaults() -> None:
    doc = new_document(parse_notebook(jupyter_bytes(full_notebook())), trusted=True)
    cells = cells_array(doc)
    with doc.transaction():
        cells.append(Map({"id": "bare", "cell_type": "code"}))
        cells.append(Map({"id": "md", "cell_type": "markdown", "source": "plain str"}))
        cells.append(Map({"cell_type": "raw", "source": Text("no id")}))
        cells.append(Map({"id": "bare", "cell_type": "markdown", "source": Text("same id")}))
        cells.append("not a cell")
        # A code cell turned into markdown keeps its outputs in the document.
        cells[1]["cell_type"] = "markdown"
    back = to_notebook(doc)
    assert back["cells"][-4] == {
        "id": "bare",
        "cell_type": "code",
        "source": "",
        "metadata": {},
        "outputs": [],
        "execution_count": None,
    }
    assert back["cells"][-3]["source"] == "plain str"
    assert back["cells"][-2]["id"] and back["cells"][-1]["id"] != "bare"
    assert set(back["cells"][1]) == {"id", "cell_type", "source", "metadata"}
    assert len(back["cells"]) == 10
    assert cell_source(cells[6]) == ""
    serialize_notebook(back)


def test_a_document_synced_to_another_reads_the_same() -> None:
    nb = parse_notebook(jupyter_bytes(full_notebook()))
    doc = new_document(nb, trusted=False)
    replica = Doc()
    replica.apply_update(doc.get_update())
    assert to_notebook(replica, like=nb) == to_notebook(doc, like=nb) == nb


def test_huge_integers_become_floats_in_the_document_and_come_back_with_like() -> None:
    nb = parse_notebook(jupyter_bytes(full_notebook()))
    nb["cells"][1]["outputs"][2]["data"]["application/json"]["big"] = 2**64 + 1
    doc = new_document(nb, trusted=False)
    assert cells_array(doc)[1]["outputs"][2]["data"]["application/json"]["big"] == float(2**64)
    assert type(to_notebook(doc)["metadata"]["numbers"][4]) is float
    assert to_notebook(doc, like=nb)["metadata"]["numbers"][4] == 2**70
    assert type(to_notebook(doc, like=nb)["metadata"]["numbers"][4]) is int


# --- generated notebooks -----------------------------------------------------------------

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
# Keys the nbformat schema gives a type (a cell's "name" is a string, "tags" a list...)
# are left out: any value under them could make the generated notebook invalid.
SCHEMA_KEYS = frozenset(
    "name tags jupyter collapsed scrolled deletable editable format execution kernelspec "
    "language_info orig_nbformat title authors".split()
)
metadata = st.dictionaries(
    st.text(max_size=6).filter(lambda key: key not in SCHEMA_KEYS), json_values, max_size=3
)
texts = st.text(alphabet=st.characters(codec="utf-8"), max_size=30)
mime_data = st.fixed_dictionaries(
    {"text/plain": texts},
    optional={
        "text/html": texts,
        "image/png": st.text(string.ascii_letters, max_size=12),
        "application/json": json_values,
    },
)


def outputs_() -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(
        st.builds(
            lambda n, t: {"output_type": "stream", "name": n, "text": t},
            st.sampled_from(["stdout", "stderr"]),
            texts,
        ),
        st.builds(
            lambda d, m: {"output_type": "display_data", "data": d, "metadata": m},
            mime_data,
            metadata,
        ),
        st.builds(
            lambda d, m, n: {
                "output_type": "execute_result",
                "data": d,
                "metadata": m,
                "execution_count": n,
            },
            mime_data,
            metadata,
            st.none() | st.integers(0, 10**6),
        ),
        st.builds(
            lambda e, v, tb: {"output_type": "error", "ename": e, "evalue": v, "traceback": tb},
            texts,
            texts,
            st.lists(texts, max_size=3),
        ),
    )


@st.composite
def notebooks(draw: st.DrawFn) -> dict[str, Any]:
    minor = draw(st.sampled_from([4, 5]))
    cells = []
    for i in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["code", "markdown", "raw"]))
        cell: dict[str, Any] = {
            "cell_type": kind,
            "source": draw(texts),
            "metadata": draw(metadata),
        }
        if minor >= 5:
            cell["id"] = f"c{i}-" + draw(
                st.text(string.ascii_letters + string.digits + "-_", max_size=6)
            )
        if kind == "code":
            cell["outputs"] = draw(st.lists(outputs_(), max_size=3))
            cell["execution_count"] = draw(st.none() | st.integers(0, 1000))
        elif draw(st.booleans()):
            cell["attachments"] = {draw(st.text(min_size=1, max_size=5)): draw(mime_data)}
        cells.append(cell)
    return {"nbformat": 4, "nbformat_minor": minor, "metadata": draw(metadata), "cells": cells}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(notebooks())
def test_generated_notebooks_round_trip(nb: dict[str, Any]) -> None:
    data = serialize_notebook(nb)
    parsed = parse_notebook(data)
    assert serialize_notebook(parsed) == data
    doc = new_document(parsed, trusted=True)
    assert to_notebook(doc) == parsed
    assert serialize_notebook(to_notebook(doc, like=parsed)) == data
    # and through a replica, as a browser would hold it
    replica = Doc()
    replica.apply_update(doc.get_update())
    assert json.dumps(to_notebook(replica, like=parsed), sort_keys=True) == json.dumps(
        to_notebook(doc, like=parsed), sort_keys=True
    )


def test_keys_the_document_does_not_interpret_are_carried_through() -> None:
    """nbformat 4.5 allows none outside metadata, but a later minor version may."""
    nb = parse_notebook(jupyter_bytes(full_notebook()))
    nb["x_top"] = {"a": [1, "b"]}
    nb["cells"][0]["x_cell"] = "kept"
    nb["cells"][1]["outputs"][2]["x_output"] = [None]
    assert to_notebook(new_document(nb, trusted=True)) == nb


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(notebooks())
def test_like_is_needed_only_where_number_types_matter(nb: dict[str, Any]) -> None:
    """A session keeps the parsed notebook (to write it back as it was) only when its
    numbers need it; without it the file must come back the same."""
    from notewire.server.notebook import number_types_matter

    parsed = parse_notebook(serialize_notebook(nb))
    doc = new_document(parsed, trusted=True)
    if not number_types_matter(parsed):
        assert serialize_notebook(to_notebook(doc)) == serialize_notebook(parsed)
    assert number_types_matter({"a": [{"b": 1.0}]}) and number_types_matter([2**64])
    assert not number_types_matter({"a": [1, 1.5, "1.0", True, None]})
