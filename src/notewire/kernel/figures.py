"""matplotlib in the kernel, without importing it: a default backend chosen when user
code first imports matplotlib, and `%matplotlib`.

The policy (which backend, what each `%matplotlib` name means) is notewire.mpl.ipython;
the kernel reaches it by name and only once matplotlib is in use, so it does not import
matplotlib at start (start-up time) nor depend on it (the import contracts in
pyproject.toml keep the kernel off notewire.mpl and matplotlib).
"""

from __future__ import annotations

import importlib
import logging
import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any

log = logging.getLogger(__name__)

POLICY = "notewire.mpl.ipython"


def _policy() -> Any:
    return importlib.import_module(POLICY)


class AfterImport:
    """A one-shot `sys.meta_path` finder: once module `name` has been executed,
    `callback(module)` runs. It leaves `sys.meta_path` at the first import of `name`;
    until then it costs one string comparison per import."""

    def __init__(self, name: str, callback: Callable[[ModuleType], None]) -> None:
        self.name = name
        self.callback = callback

    def install(self) -> None:
        module = sys.modules.get(self.name)
        if module is not None:  # already imported: too late to hook, not to call
            self._call(module)
        else:
            sys.meta_path.insert(0, self)

    def remove(self) -> None:
        if self in sys.meta_path:
            sys.meta_path.remove(self)

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname != self.name:
            return None
        self.remove()
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None)
            spec = find(fullname, path, target) if find is not None else None
            if spec is not None:
                break
        else:
            return None
        loader = spec.loader
        if loader is None or not hasattr(loader, "exec_module"):
            return spec
        run = loader.exec_module

        def exec_module(module: ModuleType) -> None:
            try:
                run(module)
            finally:
                try:
                    del loader.exec_module  # the loader's own method again
                except AttributeError:
                    pass
            self._call(module)

        try:
            loader.exec_module = exec_module  # this loader instance only (one per module)
        except (AttributeError, TypeError):  # a loader that takes no attributes: no hook
            log.warning("cannot hook the import of %s", self.name)
        return spec

    def _call(self, module: ModuleType) -> None:
        try:
            self.callback(module)
        except Exception:  # a broken hook must not break `import matplotlib`
            log.exception("setting up %s for the notebook failed", self.name)


def _default_backend(matplotlib: ModuleType) -> None:
    _policy().select_default(matplotlib)


def install() -> AfterImport:
    """Choose the default backend when matplotlib is first imported."""
    hook = AfterImport("matplotlib", _default_backend)
    hook.install()
    return hook


def enable_matplotlib(shell: Any, gui: str | None) -> tuple[str | None, str]:
    """`%matplotlib [gui]` and `%pylab`."""
    return _policy().enable_matplotlib(shell, gui)  # type: ignore[no-any-return]
