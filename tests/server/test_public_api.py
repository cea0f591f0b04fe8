"""The package's public names are importable and documented in __all__. (That the
server never imports the kernel is an import contract, checked by tests/test_layering.py.)"""

from __future__ import annotations

import notewire.server.kernels as kernels


def test_all_lists_every_public_name() -> None:
    public = {name for name in vars(kernels) if not name.startswith("_")}
    modules = {
        "backend",
        "channels",
        "client",
        "errors",
        "gateway",
        "handle",
        "launcher",
        "local",
        "manager",
        "pool",
        "process",
        "routing",
        "specs",
        "zmq_io",
    }
    assert set(kernels.__all__) == public - modules
    for name in kernels.__all__:
        assert getattr(kernels, name) is not None
