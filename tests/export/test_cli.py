"""`notewire export` from the command line: script and markdown, several paths, errors."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from notewire.cli import main

from .notebooks import FIRST_CELL, sample_notebook


def test_script_and_markdown(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a, b = tmp_path / "a.ipynb", tmp_path / "b.ipynb"
    for path in (a, b):
        nbformat.write(sample_notebook(), path)

    assert main(["export", "--to", "script", str(a), str(b)]) == 0
    assert main(["export", "--to", "markdown", str(a)]) == 0

    assert FIRST_CELL in (tmp_path / "a.py").read_text()
    assert (tmp_path / "b.py").is_file()
    markdown = (tmp_path / "a.md").read_text()
    assert FIRST_CELL in markdown and "$e^{i\\pi}+1=0$" in markdown
    # The image outputs are written beside it, and linked.
    images = sorted(p.name for p in (tmp_path / "a_files").iterdir())
    assert len(images) == 2 and all(f"a_files/{name}" in markdown for name in images)
    assert f"{a} -> {tmp_path / 'a.py'}" in capsys.readouterr().out


def test_no_input_in_markdown(tmp_path: Path) -> None:
    path = tmp_path / "a.ipynb"
    nbformat.write(sample_notebook(), path)

    assert main(["export", "--to", "markdown", "--no-input", str(path)]) == 0

    assert FIRST_CELL not in (tmp_path / "a.md").read_text()


def test_an_unreadable_notebook_fails_with_its_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.ipynb"
    bad.write_text("{not json")

    assert main(["export", str(bad)]) == 1

    assert f"notewire export: {bad}: cannot read" in capsys.readouterr().err
