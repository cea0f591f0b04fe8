"""A quick yes to "is this a valid nbformat 4.5 notebook?" for the notebooks people have.

The schema validator (nbformat's, on fastjsonschema) took a second of a 20,000-cell
notebook's open, checking each cell against every cell type and each output against
every output type. `plainly_valid` walks the notebook once with the schema's rules
written out for the common case: nbformat 4.5, the metadata keys the schema defines
holding plain values. It answers True only when the schema would accept the
notebook; for anything it does not recognise it answers False, and the caller runs the
full validator, which names the problem. So it can be wrong only by being too strict,
which costs time, never correctness (`tests/server/notebook/test_plain_check.py`
checks it against the schema on generated notebooks).
"""

from __future__ import annotations

import re
from typing import Any

# The schema's patterns, matched as its validators match them (re.search).
_CELL_ID = re.compile(r"^[a-zA-Z0-9-_]+$")
_JSON_MIME = re.compile(r"^application/(.*\+)?json$")

_TOP_KEYS = frozenset(("metadata", "nbformat_minor", "nbformat", "cells"))
_CELL_KEYS = {
    "code": frozenset(("id", "cell_type", "metadata", "source", "outputs", "execution_count")),
    "markdown": frozenset(("id", "cell_type", "metadata", "source", "attachments")),
    "raw": frozenset(("id", "cell_type", "metadata", "source", "attachments")),
}
_REQUIRED = {
    "code": _CELL_KEYS["code"],
    "markdown": frozenset(("id", "cell_type", "metadata", "source")),
    "raw": frozenset(("id", "cell_type", "metadata", "source")),
}
_OUTPUT_KEYS = {
    "stream": frozenset(("output_type", "name", "text")),
    "display_data": frozenset(("output_type", "data", "metadata")),
    "execute_result": frozenset(("output_type", "data", "metadata", "execution_count")),
    "error": frozenset(("output_type", "ename", "evalue", "traceback")),
}


def plainly_valid(nb: Any) -> bool:
    """True only if `nb` is valid against the nbformat 4.5 schema; False means "not
    known here", not "invalid"."""
    if type(nb) is not dict or nb.keys() != _TOP_KEYS:
        return False
    if type(nb["nbformat"]) is not int or nb["nbformat"] != 4:
        return False
    if type(nb["nbformat_minor"]) is not int or nb["nbformat_minor"] != 5:
        return False
    cells = nb["cells"]
    if not _notebook_metadata(nb["metadata"]) or type(cells) is not list:
        return False
    return all(_cell(cell) for cell in cells)


def _notebook_metadata(md: Any) -> bool:
    if type(md) is not dict:
        return False
    # A key present with null is refused by the schema as much as a wrong type: `in`,
    # not `.get(...) is not None`.
    if "kernelspec" in md:
        spec = md["kernelspec"]
        if not (type(spec) is dict and _str(spec.get("name")) and _str(spec.get("display_name"))):
            return False
    if "language_info" in md:
        info = md["language_info"]
        if type(info) is not dict or not _str(info.get("name")):
            return False
        for key in ("file_extension", "mimetype", "pygments_lexer"):
            if key in info and not _str(info[key]):
                return False
        if "codemirror_mode" in info and type(info["codemirror_mode"]) not in (str, dict):
            return False
    if "orig_nbformat" in md:  # transient; rare: left to the schema
        return False
    if "title" in md and not _str(md["title"]):
        return False
    return "authors" not in md or type(md["authors"]) is list


def _cell(cell: Any) -> bool:
    if type(cell) is not dict:
        return False
    kind = cell.get("cell_type")
    allowed = _CELL_KEYS.get(kind) if type(kind) is str else None
    if allowed is None or not cell.keys() <= allowed or not _REQUIRED[kind] <= cell.keys():
        return False
    cell_id = cell["id"]
    if not (_str(cell_id) and 0 < len(cell_id) <= 64 and _CELL_ID.search(cell_id)):
        return False
    if not _multiline(cell["source"]) or not _cell_metadata(cell["metadata"]):
        return False
    if kind != "code":
        attachments = cell.get("attachments")
        return attachments is None or (
            type(attachments) is dict and all(_bundle(b) for b in attachments.values())
        )
    count = cell["execution_count"]
    if count is not None and not (type(count) is int and count >= 0):
        return False
    outputs = cell["outputs"]
    return type(outputs) is list and all(_output(o) for o in outputs)


def _cell_metadata(md: Any) -> bool:
    if type(md) is not dict:
        return False
    if not md:
        return True
    if "jupyter" in md and type(md["jupyter"]) is not dict:
        return False
    if "execution" in md:
        execution = md["execution"]
        if type(execution) is not dict or not all(_str(v) for v in execution.values()):
            return False
    if "collapsed" in md and type(md["collapsed"]) is not bool:
        return False
    if "scrolled" in md and not (type(md["scrolled"]) is bool or md["scrolled"] == "auto"):
        return False
    if "name" in md and not _line(md["name"]):
        return False
    if "format" in md and not _str(md["format"]):
        return False
    tags = md.get("tags")
    if tags is None:
        return "tags" not in md
    return (
        type(tags) is list
        and all(_line(t) and "," not in t for t in tags)
        and len(set(tags)) == len(tags)
    )


def _output(output: Any) -> bool:
    if type(output) is not dict:
        return False
    kind = output.get("output_type")
    keys = _OUTPUT_KEYS.get(kind) if type(kind) is str else None
    if keys is None or output.keys() != keys:
        return False
    if kind == "stream":
        return _str(output["name"]) and _multiline(output["text"])
    if kind == "error":
        tb = output["traceback"]
        return (
            _str(output["ename"])
            and _str(output["evalue"])
            and type(tb) is list
            and all(_str(line) for line in tb)
        )
    if type(output["metadata"]) is not dict or not _bundle(output["data"]):
        return False
    if kind == "execute_result":
        count = output["execution_count"]
        return count is None or (type(count) is int and count >= 0)
    return True


def _bundle(data: Any) -> bool:
    if type(data) is not dict:
        return False
    for mime, value in data.items():
        if not _multiline(value) and not _JSON_MIME.search(mime):
            return False
    return True


def _multiline(value: Any) -> bool:
    if type(value) is str:
        return True
    return type(value) is list and all(type(line) is str for line in value)


def _str(value: Any) -> bool:
    return type(value) is str


def _line(value: Any) -> bool:
    """A string the schema's `^.+$` (or `^[^,]+$`) accepts: not empty, no line break."""
    return type(value) is str and value != "" and "\n" not in value and "\r" not in value
