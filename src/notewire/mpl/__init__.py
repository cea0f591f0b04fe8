"""notewire's matplotlib backend: live figures in the notebook.

    %matplotlib notewire                      # or `widget`, `ipympl` in the notewire kernel
    matplotlib.use("module://notewire.mpl")

Agg renders in the kernel, every browser showing the notebook shows the figure and
sends pointer and key events back (pan, zoom, pickers, widgets, animations). See
docs/canvas-protocol.md, section 8. `notewire.mpl.inline` is the notewire kernel's
default: static PNGs, as ipykernel's inline backend.

The live backend hooks into IPython (`display(fig)` is a live view) when it is the
selected backend, or when it makes its first figure; importing `notewire.mpl.inline`
(which imports this package) leaves IPython alone.
"""

from . import notebook as _notebook
from .backend import FigureCanvasNotewire, FigureManagerNotewire, TimerNotewire

FigureCanvas = FigureCanvasNotewire
FigureManager = FigureManagerNotewire
backend_version = "1"

if _notebook.live_selected():
    _notebook.install()

__all__ = [
    "FigureCanvas",
    "FigureCanvasNotewire",
    "FigureManager",
    "FigureManagerNotewire",
    "TimerNotewire",
]
