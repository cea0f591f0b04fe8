"""ruff's lint rules and formatting (pyproject.toml) hold for every Python file and
notebook in the repository, so CI catches what a forgotten `ruff check` would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "argv", [["check", "--no-cache"], ["format", "--check", "--no-cache"]], ids=["lint", "format"]
)
def test_ruff_finds_nothing(argv: list[str]) -> None:
    # `python -m ruff`: the interpreter's own ruff, whether or not its scripts are on PATH
    command = [sys.executable, "-m", "ruff", *argv, "."]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
