"""Reading and writing .ipynb files: byte-identical round trips, upgrades, repairs, and
errors that say what is wrong and where."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import nbformat
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notewire.server.notebook import (
    NotebookFormatError,
    new_document,
    parse_notebook,
    serialize_notebook,
    to_notebook,
)

from .samples import SAMPLES, full_notebook, jupyter_bytes, v3_bytes


@pytest.mark.parametrize("make", SAMPLES.values(), ids=SAMPLES.keys())
def test_unchanged_file_is_written_back_byte_for_byte(make: Callable[[], Any]) -> None:
    data = jupyter_bytes(make())
    nb = parse_notebook(data)
    assert serialize_notebook(nb) == data
    doc = new_document(nb, trusted=False)
    assert serialize_notebook(to_notebook(doc, like=nb)) == data


def test_parsed_form_is_nbformats_in_memory_form() -> None:
    data = jupyter_bytes(full_notebook())
    nb = parse_notebook(data)
    assert nb == nbformat.reads(data.decode(), as_version=4)
    assert type(nb) is dict and type(nb["cells"][0]) is dict  # plain dicts, not NotebookNodes
    assert nb["cells"][1]["source"].startswith("import sys\nprint(")  # lines joined


def test_transient_keys_are_not_read() -> None:
    nb = full_notebook()
    nb["metadata"]["signature"] = "sha256:abc"
    nb["cells"][1]["metadata"]["trusted"] = True
    raw = json.dumps(nb).encode()
    parsed = parse_notebook(raw)
    assert "signature" not in parsed["metadata"]
    assert "trusted" not in parsed["cells"][1]["metadata"]


def test_utf8_bom_is_accepted() -> None:
    data = jupyter_bytes(full_notebook())
    assert parse_notebook(b"\xef\xbb\xbf" + data) == parse_notebook(data)


def test_v3_is_upgraded_to_v4_5() -> None:
    nb = parse_notebook(v3_bytes())
    assert (nb["nbformat"], nb["nbformat_minor"]) == (4, 5)
    assert [c["cell_type"] for c in nb["cells"]] == ["markdown", "code"]
    assert nb["cells"][0]["source"] == "# Old"
    assert nb["cells"][1]["outputs"][1]["output_type"] == "execute_result"
    assert all(c["id"] for c in nb["cells"])
    assert parse_notebook(serialize_notebook(nb)) == nb


def test_missing_and_duplicate_ids_in_4_5_are_repaired() -> None:
    nb = json.loads(jupyter_bytes(full_notebook()))
    del nb["cells"][0]["id"]
    nb["cells"][2]["id"] = nb["cells"][1]["id"]
    parsed = parse_notebook(json.dumps(nb).encode())
    ids = [c["id"] for c in parsed["cells"]]
    assert len(set(ids)) == len(ids)
    assert ids[1] == "code-1" and ids[2] != "code-1"


def test_a_4_4_file_with_cell_ids_is_read_as_4_5() -> None:
    nb = json.loads(jupyter_bytes(full_notebook()))
    nb["nbformat_minor"] = 4
    parsed = parse_notebook(json.dumps(nb).encode())
    assert parsed["nbformat_minor"] == 5
    assert parsed["cells"][0]["id"] == "md-1"


def _notebook_with(**changes: Any) -> bytes:
    nb = json.loads(jupyter_bytes(full_notebook()))
    for path, value in changes.items():
        *parents, last = path.split("__")
        node = nb
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        if value is _DELETE:
            del node[int(last) if isinstance(node, list) else last]
        else:
            node[int(last) if isinstance(node, list) else last] = value
    return json.dumps(nb).encode()


_DELETE = object()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "not valid JSON: Expecting value (line 1, column 1)"),
        (
            b'{\n "nbformat": 4,\n "cells": [\n}',
            "not valid JSON: Expecting value (line 4, column 1)",
        ),
        (b"\x89PNG\r\n", "not UTF-8 text: bad byte at offset 0"),
        (b"[1, 2]", "a notebook is a JSON object, not an array"),
        (b'{"cells": []}', "not a notebook: no integer 'nbformat' version"),
        (b'{"nbformat": "4"}', "not a notebook: no integer 'nbformat' version"),
        (
            b'{"nbformat": 5, "nbformat_minor": 0}',
            "nbformat 5 is newer than this notewire reads (4)",
        ),
        (
            b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {"x": NaN}, "cells": []}',
            "NaN is not a JSON value",
        ),
        (_notebook_with(metadata=_DELETE), "notebook: 'metadata' is a required property"),
        (_notebook_with(cells__1__source=_DELETE), "cells[1]: 'source' is a required property"),
        (_notebook_with(cells__1__cell_type="cod"), "cells[1]: unknown cell_type 'cod'"),
        (
            _notebook_with(cells__1__outputs__0__output_type="bogus"),
            "cells[1].outputs[0]: unknown output_type 'bogus'",
        ),
        (
            _notebook_with(cells__1__outputs__0__name=1),
            "cells[1].outputs[0].name: 1 is not of type 'string'",
        ),
        (
            _notebook_with(metadata__kernelspec={"name": "python3"}),
            "metadata.kernelspec: 'display_name' is a required property",
        ),
        (_notebook_with(cells__0__id="no spaces"), "cells[0].id: 'no spaces' does not match"),
        (
            _notebook_with(cells__1__execution_count="1"),
            "cells[1].execution_count: '1' is not of type 'integer', 'null'",
        ),
        (_notebook_with(cells=5), "cells: 5 is not of type 'array'"),
        (b'{"nbformat": 3, "nbformat_minor": 0}', "cannot upgrade this nbformat 3 notebook"),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_broken_files_say_what_and_where(data: bytes, message: str) -> None:
    with pytest.raises(NotebookFormatError) as caught:
        parse_notebook(data)
    assert message in str(caught.value)
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda nb: nb["cells"][1].update(run_state="idle"), "cells[1]"),
        (
            lambda nb: nb["cells"][2].update(id="code-1"),
            "cell id 'code-1' is used by more than one cell",
        ),
        (
            lambda nb: nb["cells"][1]["outputs"].append({"output_type": "stream"}),
            "cells[1].outputs[4]",
        ),
        (lambda nb: nb.update(nbformat=3), "only nbformat 4 is written, got 3"),
    ],
)
def test_an_invalid_notebook_is_never_written(
    change: Callable[[dict[str, Any]], None], message: str
) -> None:
    nb = parse_notebook(jupyter_bytes(full_notebook()))
    change(nb)
    with pytest.raises(NotebookFormatError, match=message.replace("[", r"\[").replace("]", r"\]")):
        serialize_notebook(nb)


def test_serialize_does_not_change_its_argument() -> None:
    nb = parse_notebook(jupyter_bytes(full_notebook()))
    before = json.dumps(nb, sort_keys=True)
    serialize_notebook(nb)
    assert json.dumps(nb, sort_keys=True) == before


_json_text = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=4),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=10,
)


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(st.sampled_from(["cells", "metadata", "x"]), _json_text),
    st.sampled_from([None, 0, 1, 2]),
    st.sampled_from(["", " ", "\n", ",", "]", "}", "x", "NaN"]),
    st.data(),
)
def test_a_notebook_is_decoded_in_pieces_exactly_as_json_loads_decodes_it(
    obj: dict[str, Any], indent: int | None, junk: str, data: st.DataObject
) -> None:
    """The cells of a notebook are decoded one at a time (the event loop gets the GIL
    between them): same value as json.loads, same error for broken text."""
    from notewire.server.notebook.pieces import loads_in_pieces

    text = json.dumps(obj, indent=indent)
    cut = data.draw(st.integers(0, len(text)))
    for candidate in (text, text[:cut] + junk + text[cut:]):
        try:
            expected: Any = json.loads(candidate, parse_constant=_refuse)
        except ValueError as e:
            with pytest.raises(type(e), match=re.escape(str(e))):
                loads_in_pieces(candidate, parse_constant=_refuse)
        else:
            assert loads_in_pieces(candidate, parse_constant=_refuse) == expected


def _refuse(name: str) -> None:
    raise ValueError(f"{name} is not a JSON value")
