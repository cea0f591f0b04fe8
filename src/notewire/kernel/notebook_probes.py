"""Answers to the "am I in a Jupyter notebook?" checks that libraries make.

Libraries pick their notebook output (tqdm's widget bars, rich's HTML, plotly's
renderer) by probing for ipykernel rather than asking the frontend:

- rich and plotly compare the shell's class name with ipykernel's, `ZMQInteractiveShell`:
  the notewire kernel's shell class carries that name (`shell.ZMQInteractiveShell`);
- tqdm (`tqdm.autonotebook`, so `tqdm.auto`, which most libraries use) looks for the
  module `ipykernel.zmqshell` in `sys.modules`; ipywidgets looks at ipykernel's version
  only if `ipykernel` itself is imported.

ipykernel need not be installed, and importing it would cost the kernel's start-up
about 140 ms, so the notewire kernel registers a small module under that name: it
offers the shell class and says plainly what it is when asked for anything else. If
ipykernel's module is already imported, it is left as it is.
"""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Any

PROBED_MODULE = "ipykernel.zmqshell"


class _ZMQShellMarker(ModuleType):
    def __getattr__(self, name: str) -> Any:
        raise AttributeError(
            f"{PROBED_MODULE}.{name}: in the notewire kernel, {PROBED_MODULE} only marks a "
            "notebook kernel for libraries that look for it (it holds ZMQInteractiveShell)"
        )


def install(shell_class: type) -> None:
    """Make the notebook probes find a notebook kernel."""
    if PROBED_MODULE in sys.modules:
        return
    marker = _ZMQShellMarker(PROBED_MODULE, __doc__)
    marker.ZMQInteractiveShell = shell_class  # type: ignore[attr-defined]
    sys.modules[PROBED_MODULE] = marker
