"""matplotlib in the notewire kernel: the default backend and what `%matplotlib` names.

The kernel calls in here by name (src/notewire/kernel/figures.py), so it never imports
matplotlib itself: not at start (start-up time), and not as a dependency.

- **Default**: when user code first imports matplotlib and MPLBACKEND names no backend,
  the backend is `notewire.mpl.inline`: static PNGs at the end of the cell, as
  ipykernel does (ipykernel sets MPLBACKEND for that, which every subprocess inherits;
  here nothing leaks into `!python script.py`). A matplotlibrc `backend` is overridden,
  as under ipykernel: a GUI backend cannot show anything in a web notebook.
- **`%matplotlib notewire`, `widget`, `ipympl`, `notebook`, `nbagg`**: the live canvas
  (`notewire.mpl`). These are the names people use for "interactive figures in the
  notebook"; ipympl's and nbagg's own front-end code does not run in notewire, so the
  live canvas is what they can mean here.
- **`%matplotlib` with no name**: IPython's meaning is "turn on interactive figures with
  matplotlib's default interactive backend" (a GUI window in a terminal); the
  notebook's interactive backend is the live canvas, so that is what it gives, unless
  MPLBACKEND names a backend (then that one, as IPython does). Under ipykernel it
  gives the inline backend, which is already on, so the bare magic would do nothing.
- **`%matplotlib inline`**: `notewire.mpl.inline` (no matplotlib-inline needed;
  `%config InlineBackend` settings are not read).
- Anything else (`agg`, `module://...`, GUI names): resolved as IPython does; GUI event
  loops are not supported by the notewire kernel (its `enable_gui` refuses them).

Changing the backend closes the open pyplot figures (live views keep their picture).
"""

from __future__ import annotations

import os
import sys
from typing import Any

LIVE = "module://notewire.mpl"
INLINE = "module://notewire.mpl.inline"
LIVE_NAMES = frozenset({"notewire", "widget", "ipympl", "notebook", "nbagg"})
INLINE_NAMES = frozenset({"inline"})


def select_default(matplotlib: Any) -> None:
    """Called once `import matplotlib` has run in the kernel: the default backend."""
    if not os.environ.get("MPLBACKEND"):
        matplotlib.rcParams["backend"] = INLINE


def resolve(gui: str | None, gui_select: str | None = None) -> tuple[str | None, str]:
    """(GUI event loop or None, backend) for `%matplotlib gui`."""
    name = gui.lower() if gui is not None and not gui.startswith("module://") else gui
    if name in (None, "auto"):
        chosen = os.environ.get("MPLBACKEND")
        if not chosen:
            return None, LIVE
        name = gui = chosen
    if name in LIVE_NAMES or name == LIVE:
        return None, LIVE
    if name in INLINE_NAMES or name == INLINE:
        return None, INLINE
    from IPython.core.pylabtools import find_gui_and_backend

    return find_gui_and_backend(gui, gui_select)  # type: ignore[no-any-return]


def enable_matplotlib(shell: Any, gui: str | None = None) -> tuple[str | None, str]:
    """`InteractiveShell.enable_matplotlib` for the notewire kernel (`%matplotlib`,
    `%pylab`): the same steps, with the names above, and without matplotlib-inline."""
    from IPython.core import pylabtools as pt

    gui, backend = resolve(gui, shell.pylab_gui_select)
    if gui is not None:
        if shell.pylab_gui_select is None:
            shell.pylab_gui_select = gui
        elif gui != shell.pylab_gui_select:
            print(
                f"Warning: Cannot change to a different GUI toolkit: {gui}."
                f" Using {shell.pylab_gui_select} instead."
            )
            gui, backend = resolve(shell.pylab_gui_select)
    import matplotlib

    if backend != matplotlib.rcParams._get_backend_or_none() and "matplotlib.pyplot" in sys.modules:
        # pyplot no longer closes figures when the backend changes; another backend's
        # figures left open would get this one's plt.plot (live views keep their picture).
        sys.modules["matplotlib.pyplot"].close("all")
    if backend != LIVE and "notewire.mpl.notebook" in sys.modules:
        sys.modules["notewire.mpl.notebook"].uninstall()  # live hooks off: display(fig) is a PNG
    if backend != INLINE and "notewire.mpl.inline" in sys.modules:
        sys.modules["notewire.mpl.inline"].uninstall()
    pt.activate_matplotlib(backend)  # interactive mode, rcParams, plt.switch_backend
    if backend == LIVE:
        from . import notebook

        notebook.install()  # again, if it was imported and then uninstalled
    elif backend == INLINE:
        from . import inline

        inline.install(shell)
    shell.enable_gui(gui)
    runner = pt.mpl_runner(shell.safe_execfile)  # %run redraws figures, as in IPython
    shell.magics_manager.registry["ExecutionMagics"].default_runner = runner
    return gui, backend
