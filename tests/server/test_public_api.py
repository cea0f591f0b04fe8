"""The package's public names are importable, documented in __all__, and the server
side never imports the kernel package."""

from __future__ import annotations

import ast
from pathlib import Path

import notewire.server.kernels as kernels

SERVER = Path(kernels.__file__).resolve().parents[1]


def test_all_lists_every_public_name() -> None:
    public = {name for name in vars(kernels) if not name.startswith("_")}
    modules = {
        "client",
        "errors",
        "handle",
        "launcher",
        "manager",
        "pool",
        "process",
        "routing",
        "specs",
    }
    assert set(kernels.__all__) == public - modules
    for name in kernels.__all__:
        assert getattr(kernels, name) is not None


def test_server_never_imports_the_kernel() -> None:
    for path in SERVER.rglob("*.py"):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert name.split(".")[:2] != ["notewire", "kernel"], path
