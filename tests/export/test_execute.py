"""`--execute`: the notebook runs on its own kernel (here notewire's, which
tests/conftest.py installs) before it is exported."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from notewire.export import ExportError, export_file


def kernel_notebook(*sources: str) -> nbformat.NotebookNode:
    nb = new_notebook(cells=[new_code_cell(s) for s in sources])
    nb.metadata["kernelspec"] = {"name": "notewire", "language": "python", "display_name": "x"}
    return nb


def test_execute_runs_every_cell_first(tmp_path: Path) -> None:
    path = tmp_path / "run.ipynb"
    nbformat.write(kernel_notebook("x = 6 * 7", "print(f'answer={x}')"), path)

    made = export_file(path, "html", run=True, timeout=30)

    assert "answer=42" in made.read_text()
    assert nbformat.read(path, as_version=4).cells[1].outputs == []  # the file is left alone


def test_a_failing_cell_stops_the_export(tmp_path: Path) -> None:
    path = tmp_path / "fail.ipynb"
    nbformat.write(kernel_notebook("raise ValueError('no export')"), path)

    with pytest.raises(ExportError, match="no export"):
        export_file(path, "html", run=True, timeout=30)
    assert not (tmp_path / "fail.html").exists()
