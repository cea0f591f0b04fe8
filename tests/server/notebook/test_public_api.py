"""notewire.server.notebook's public surface: __all__. (That it stays free of sockets, the
event loop and the kernel is an import contract in pyproject.toml, checked by
tests/test_layering.py.)"""

from __future__ import annotations

import types

import notewire.server.notebook as notebook


def test_all_lists_every_public_name() -> None:
    public = {
        name
        for name, value in vars(notebook).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public == set(notebook.__all__)
    assert len(notebook.__all__) == len(set(notebook.__all__))
