"""Test-session set-up shared by every test folder.

The notewire kernelspec is installed with our own `notewire kernel install --prefix`
into a temporary folder put on JUPYTER_PATH, so Jupyter's tools (jupyter_client,
jupyter_kernel_test) find the kernel exactly as they would after a user install.
IPython's history and profile go to a temporary IPYTHONDIR.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from notewire.cli import main as notewire_main

_TEMP = Path(tempfile.mkdtemp(prefix="notewire-tests-"))


def pytest_configure(config: pytest.Config) -> None:
    prefix = _TEMP / "prefix"
    with contextlib.redirect_stdout(io.StringIO()):
        assert notewire_main(["kernel", "install", "--prefix", str(prefix)]) == 0
    os.environ["JUPYTER_PATH"] = str(prefix / "share" / "jupyter")
    os.environ["IPYTHONDIR"] = str(_TEMP / "ipython")
    os.environ["JUPYTER_RUNTIME_DIR"] = str(_TEMP / "runtime")
    os.environ.setdefault("JUPYTER_PLATFORM_DIRS", "1")


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(_TEMP, ignore_errors=True)
