"""notewire.server.notebook's public surface: __all__, and no I/O layers underneath."""

from __future__ import annotations

import ast
import types
from pathlib import Path

import notewire.server.notebook as notebook

PACKAGE = Path(notebook.__file__).resolve().parent


def test_all_lists_every_public_name() -> None:
    public = {
        name
        for name, value in vars(notebook).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public == set(notebook.__all__)
    assert len(notebook.__all__) == len(set(notebook.__all__))


def test_the_document_is_pure() -> None:
    """No sockets, no asyncio, no kernel: only the document, files' bytes and nbformat."""
    forbidden = {
        "asyncio",
        "socket",
        "zmq",
        "starlette",
        "uvicorn",
        "websockets",
        "notewire.kernel",
    }
    for path in PACKAGE.glob("*.py"):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert name.split(".")[0] not in forbidden and not name.startswith(
                    "notewire.kernel"
                ), f"{path.name} imports {name}"
