"""notewire.protocol's public surface: __all__, the error hierarchy, the layering."""

from __future__ import annotations

import ast
import sys
import types
from pathlib import Path

import notewire.protocol as protocol
from notewire.protocol import errors


def test_every_name_in_all_exists() -> None:
    assert len(protocol.__all__) == len(set(protocol.__all__))
    for name in protocol.__all__:
        assert hasattr(protocol, name), name


def test_every_public_attribute_is_in_all() -> None:
    public = {
        name
        for name, value in vars(protocol).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public == set(protocol.__all__)


def test_star_import_gives_exactly_all() -> None:
    namespace: dict[str, object] = {}
    exec("from notewire.protocol import *", namespace)
    namespace.pop("__builtins__")
    assert set(namespace) == set(protocol.__all__)


def test_submodules_are_the_expected_ones() -> None:
    submodules = {
        name for name, value in vars(protocol).items() if isinstance(value, types.ModuleType)
    }
    assert submodules <= {
        "connection",
        "content",
        "errors",
        "frames",
        "glscene",
        "jsonutil",
        "messages",
        "websocket",
        "wire",
    }


def test_error_hierarchy() -> None:
    assert issubclass(protocol.ProtocolError, Exception)
    for name in ("MalformedMessage", "InvalidSignature", "InvalidConnectionInfo"):
        assert getattr(protocol, name).__bases__ == (protocol.ProtocolError,)
    assert protocol.UnknownMessageType.__bases__ == (protocol.MalformedMessage,)
    assert protocol.ReplayedMessage.__bases__ == (protocol.InvalidSignature,)
    # every error class defined in errors.py is exported
    defined = {
        name
        for name, value in vars(errors).items()
        if isinstance(value, type)
        and issubclass(value, Exception)
        and value.__module__ == errors.__name__
    }
    assert defined <= set(protocol.__all__)


def test_protocol_imports_no_sockets_kernel_or_ipython() -> None:
    """The protocol is the bottom layer: its sources import only the standard library
    and each other."""
    package_dir = Path(protocol.__file__).parent
    allowed = set(sys.stdlib_module_names) | {"__future__"}
    for path in sorted(package_dir.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                roots = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                roots = [(node.module or "").split(".")[0]]
            else:
                continue
            for root in roots:
                assert root in allowed, f"{path.name} imports {root}"
