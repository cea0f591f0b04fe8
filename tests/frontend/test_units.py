"""The frontend's own unit tests (frontend/test/, node's test runner), run from pytest so
that the README's one test command runs everything. `npm test` type-checks the sources
(tsc --strict), compiles the tests with esbuild and runs them with `node --test`."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

FRONTEND = Path(__file__).resolve().parents[2] / "frontend"


@pytest.mark.timeout(600)
def test_frontend_unit_tests() -> None:
    npm = shutil.which("npm")
    assert npm is not None, "npm is not installed: ./scripts/test.sh installs Node.js and npm"
    assert (FRONTEND / "node_modules").is_dir(), (
        "run `npm ci` in frontend/ (./scripts/test.sh does)"
    )
    result = subprocess.run(
        [npm, "test", "--silent"],
        cwd=FRONTEND,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=540,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, (
        f"`npm test` failed with exit code {result.returncode}:\n{output}"
    )
    ran = re.search(r"^# tests (\d+)$", output, re.MULTILINE)
    assert ran and int(ran.group(1)) > 0, f"`npm test` ran no test:\n{output}"
