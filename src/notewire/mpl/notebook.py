"""The backend inside IPython: pyplot figures shown once, at the end of the cell that
made them (in interactive mode, as matplotlib-inline does); `display(fig)` shows a
live view of any figure; a figure changed by a later cell is redrawn where it is."""

from __future__ import annotations

import logging
from typing import Any

import matplotlib
from matplotlib import _pylab_helpers
from matplotlib.backend_bases import FigureCanvasBase
from matplotlib.figure import Figure

log = logging.getLogger(__name__)

_shell: Any = None
_serial = 0  # counts cells, so a figure knows which cell made it


def current_cell() -> int:
    return _serial


def install() -> None:
    """Hook into the running IPython shell, once (nothing outside IPython)."""
    global _shell, _serial
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None or shell is _shell:
        return
    if _shell is not None:
        uninstall()
    _shell = shell
    _serial += 1  # the cell running now (it imported the backend) is a cell of its own
    shell.display_formatter.ipython_display_formatter.for_type(Figure, display_figure)
    shell.events.register("pre_run_cell", _pre_run_cell)
    shell.events.register("post_run_cell", _post_run_cell)


def uninstall() -> None:
    global _shell
    shell, _shell = _shell, None
    if shell is None:
        return
    shell.display_formatter.ipython_display_formatter.pop(Figure, None)
    shell.events.unregister("pre_run_cell", _pre_run_cell)
    shell.events.unregister("post_run_cell", _post_run_cell)


def _pre_run_cell(info: Any) -> None:
    global _serial
    _serial += 1


def _post_run_cell(result: Any) -> None:
    from .backend import FigureManagerNotewire

    for manager in _pylab_helpers.Gcf.get_all_fig_managers():
        if not isinstance(manager, FigureManagerNotewire):
            continue
        try:
            if manager.displayed:
                if manager.canvas.figure.stale:
                    manager.canvas.draw_idle()
            elif matplotlib.is_interactive() and manager.cell == _serial:
                manager.display()
        except Exception:
            log.exception("showing figure %s failed", manager.num)


def display_figure(figure: Figure) -> None:
    """IPython's display of a Figure: a live view; another backend's figures as usual."""
    from .backend import FigureCanvasNotewire, FigureManagerNotewire

    canvas: Any = figure.canvas
    if type(canvas) is FigureCanvasBase and live_selected():  # a Figure() made without pyplot
        canvas = FigureCanvasNotewire(figure)
        FigureManagerNotewire(canvas, "").set_window_title("Figure")
    manager = getattr(canvas, "manager", None)
    if isinstance(manager, FigureManagerNotewire) and manager.live_possible:
        manager.display()
        return
    # Another backend's figure (inline, say): IPython's usual formatters show it.
    from IPython.display import display

    formatter = _shell.display_formatter.ipython_display_formatter if _shell else None
    if formatter is None:
        return
    formatter.pop(Figure, None)
    try:
        display(figure)  # type: ignore[no-untyped-call]
    finally:
        formatter.for_type(Figure, display_figure)


def live_selected() -> bool:
    """Whether matplotlib's backend is the live one."""
    backend = matplotlib.rcParams._get_backend_or_none()  # type: ignore[attr-defined]
    return backend in ("module://notewire.mpl", "notewire")
