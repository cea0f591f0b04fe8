"""Static figures: the notewire kernel's default matplotlib backend.

What ipykernel's default (matplotlib-inline) does, without that package: in IPython,
the figures a cell drew with pyplot are shown as PNG (`display_data`, `image/png`) when
the cell ends, then closed; `plt.show()` shows them at once; `display(fig)` and a
figure as a cell's value are PNGs too. Two differences, both on purpose:

- a figure already shown in this cell and not changed since (`display(fig)`, or a cell
  ending in `fig`) is not shown again at the end of the cell (matplotlib-inline shows it
  twice);
- `fig.show()` shows the figure (matplotlib-inline warns that the backend is not
  interactive).

Selected by the kernel when user code first imports matplotlib, unless MPLBACKEND names
a backend; `%matplotlib inline` selects it too (notewire/mpl/ipython.py). Outside IPython
it is Agg: figures can be saved, `plt.show()` warns.
"""

from __future__ import annotations

import weakref
from typing import Any

import matplotlib
from matplotlib import _pylab_helpers
from matplotlib.backend_bases import FigureManagerBase
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

backend_version = "1"

_shell: Any = None
_drawn = False  # pyplot drew (or asked to draw) a figure since the last flush
_shown: weakref.WeakSet[Figure] = weakref.WeakSet()  # shown in this cell, as it is now


class FigureCanvasNotewireInline(FigureCanvasAgg):
    required_interactive_framework = None

    def draw_idle(self, *args: Any, **kwargs: Any) -> None:
        """pyplot asks for this when a figure changes in interactive mode: it is drawn
        once, as a PNG, when the cell ends."""
        global _drawn
        _drawn = True


class FigureManagerNotewireInline(FigureManagerBase):
    @classmethod
    def pyplot_show(cls, *, block: bool | None = None) -> None:
        """`plt.show()`: every open figure as a PNG now, then closed (as at a cell's end)."""
        if _shell is None:
            import warnings

            warnings.warn(
                "notewire.mpl.inline shows figures only in IPython; use savefig() here",
                UserWarning,
                stacklevel=2,
            )
            return
        show_all(close=True)

    def show(self) -> None:
        """`fig.show()`: the figure as a PNG now (it stays open)."""
        if _shell is not None:
            _display(self.canvas.figure)


FigureCanvasNotewireInline.manager_class = FigureManagerNotewireInline  # type: ignore[assignment]
FigureCanvas = FigureCanvasNotewireInline
FigureManager = FigureManagerNotewireInline


def _display(figure: Figure) -> None:
    from IPython.display import display

    display(figure)  # type: ignore[no-untyped-call]


def show_all(*, close: bool) -> None:
    """Show every open pyplot figure not shown as it is in this cell; close them all."""
    global _drawn
    managers = _pylab_helpers.Gcf.get_all_fig_managers()
    try:
        for manager in managers:
            figure = manager.canvas.figure
            if figure in _shown and not figure.stale:
                continue  # already on screen as it is
            _display(figure)
    finally:
        _drawn = False
        if close and managers:
            import matplotlib.pyplot as plt

            plt.close("all")


def figure_png(figure: Figure) -> bytes | None:
    """IPython's image/png of a Figure (None for an empty figure: nothing is shown)."""
    from IPython.core.pylabtools import print_figure

    data = print_figure(figure, "png", bbox_inches="tight")
    if data is not None:
        _shown.add(figure)
        # savefig leaves the figure stale (it restores what bbox_inches changed); it is
        # on screen as it is, and any later change marks it stale again.
        figure.stale = False
    return data  # type: ignore[no-any-return]


def _flush(*args: Any) -> None:
    """At the end of each cell (IPython's post_execute): show what pyplot drew."""
    try:
        if _drawn:
            show_all(close=True)
    finally:
        _shown.clear()


def install(shell: Any) -> None:
    """Hook into `shell`, once: figures as PNG, shown at the end of each cell."""
    global _shell
    if shell is _shell:
        return
    if _shell is not None:
        uninstall()
    _shell = shell
    shell.display_formatter.formatters["image/png"].for_type(Figure, figure_png)
    shell.events.register("post_execute", _flush)
    matplotlib.interactive(True)  # pyplot calls draw_idle on changes: shown at the cell's end


def uninstall() -> None:
    global _shell
    shell, _shell = _shell, None
    if shell is None:
        return
    shell.display_formatter.formatters["image/png"].pop(Figure, None)
    shell.events.unregister("post_execute", _flush)


def _install_if_in_ipython() -> None:
    from IPython import get_ipython

    shell = get_ipython()
    if shell is not None:
        install(shell)


_install_if_in_ipython()
