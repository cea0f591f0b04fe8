"""Notebooks for the tests, as Jupyter writes them (`nbformat.write`: `writes` and a
final newline)."""

from __future__ import annotations

import json
from typing import Any

import nbformat
from nbformat import v4

PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==\n"


def jupyter_bytes(nb: Any) -> bytes:
    return (nbformat.writes(nbformat.from_dict(nb)) + "\n").encode("utf-8")


def full_notebook() -> dict[str, Any]:
    """Every cell and output type, attachments, unicode, and metadata nbformat does not
    know (with floats that look like ints, which a JSON round trip through JavaScript
    would turn into ints)."""
    nb = v4.new_notebook(
        metadata={
            "kernelspec": {
                "name": "python3",
                "display_name": "Python 3 (ipykernel)",
                "language": "python",
            },
            "language_info": {
                "name": "python",
                "version": "3.11.7",
                "codemirror_mode": {"name": "ipython", "version": 3},
            },
            "widgets": {
                "application/vnd.jupyter.widget-state+json": {
                    "state": {
                        "abc": {
                            "model_name": "FloatSliderModel",
                            "state": {"value": 5.0, "max": 10.0, "step": 0.1},
                        }
                    },
                    "version_major": 2,
                    "version_minor": 0,
                }
            },
            "title": "Ünïcödé ✓ 数据 🚀",
            "numbers": [1.0, -0.0, 1e16, 1.5e300, 2**70, -(2**63), 0.1, 7],
            "empty": {},
            "null": None,
        }
    )
    nb.cells = [
        v4.new_markdown_cell(
            "# Title ✓\n\n![img](attachment:a.png)\nline\u2028separator",
            id="md-1",
            attachments={"a.png": {"image/png": PNG}},
            metadata={"tags": ["intro"], "jupyter": {"source_hidden": True}},
        ),
        v4.new_code_cell(
            "import sys\nprint('héllo')\nprint('err', file=sys.stderr)\n1 + 1",
            id="code-1",
            execution_count=1,
            metadata={
                "ExecuteTime": {"start_time": "2024-01-01T00:00:00.000Z"},
                "collapsed": False,
                "scrolled": "auto",
            },
            outputs=[
                v4.new_output("stream", name="stdout", text="héllo\n"),
                v4.new_output("stream", name="stderr", text="err\n"),
                v4.new_output(
                    "display_data",
                    data={
                        "text/plain": "<Figure>",
                        "image/png": PNG,
                        "image/svg+xml": "<svg>\n<rect/>\n</svg>",
                        "text/html": "<b>bold</b>\n<i>x</i>",
                        "application/json": {"a": [1, 2.0, {"b": None}], "c": "ü"},
                        "application/vnd.plotly.v1+json": {"data": [{"y": [1.0, 2.0, 3.5]}]},
                    },
                    metadata={"image/png": {"width": 640.0, "height": 480}},
                ),
                v4.new_output("execute_result", execution_count=1, data={"text/plain": "2"}),
            ],
        ),
        v4.new_code_cell(
            "1/0",
            id="code-2",
            execution_count=2,
            outputs=[
                v4.new_output(
                    "error",
                    ename="ZeroDivisionError",
                    evalue="division by zero",
                    traceback=["\x1b[0;31m---\x1b[0m", "ZeroDivisionError: division by zero"],
                )
            ],
        ),
        v4.new_raw_cell("raw \\n text\n", id="raw-1", metadata={"format": "text/x-rst"}),
        v4.new_code_cell("", id="empty", execution_count=None),
        v4.new_markdown_cell("", id="md-empty"),
    ]
    return nb


def old_minor_notebook() -> dict[str, Any]:
    """An nbformat 4.4 file: no cell ids."""
    nb = full_notebook()
    nb["nbformat_minor"] = 4
    for cell in nb["cells"]:
        del cell["id"]
    return nb


def empty_notebook() -> dict[str, Any]:
    return v4.new_notebook()


def v3_bytes() -> bytes:
    nb = {
        "nbformat": 3,
        "nbformat_minor": 0,
        "metadata": {"name": "old"},
        "worksheets": [
            {
                "metadata": {},
                "cells": [
                    {"cell_type": "heading", "level": 1, "source": "Old", "metadata": {}},
                    {
                        "cell_type": "code",
                        "collapsed": False,
                        "input": "print(1)\n1",
                        "language": "python",
                        "metadata": {},
                        "prompt_number": 1,
                        "outputs": [
                            {"output_type": "stream", "stream": "stdout", "text": "1\n"},
                            {
                                "output_type": "pyout",
                                "prompt_number": 1,
                                "text": "1",
                                "metadata": {},
                            },
                        ],
                    },
                ],
            }
        ],
    }
    return json.dumps(nb, indent=1).encode()


SAMPLES = {
    "full": full_notebook,
    "minor4-no-ids": old_minor_notebook,
    "empty": empty_notebook,
}


def deeply_nested_notebook(depth: int) -> str:
    """A notebook whose one cell's metadata nests `depth` lists (hostile input)."""
    deep = "[" * depth + "]" * depth
    cell = {
        "cell_type": "code",
        "id": "a",
        "metadata": {"x": "DEEP"},
        "source": "",
        "outputs": [],
        "execution_count": None,
    }
    notebook = {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(notebook).replace('"DEEP"', deep)
