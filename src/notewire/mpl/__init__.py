"""notewire's matplotlib backend: live figures in the notebook.

    %matplotlib notewire                      # or:
    matplotlib.use("module://notewire.mpl")

Agg renders in the kernel, every browser showing the notebook shows the figure and
sends pointer and key events back (pan, zoom, pickers, widgets, animations). See
docs/canvas-protocol.md, section 8.
"""

from . import notebook as _notebook
from .backend import FigureCanvasNotewire, FigureManagerNotewire, TimerNotewire

FigureCanvas = FigureCanvasNotewire
FigureManager = FigureManagerNotewire
backend_version = "1"

_notebook.install()

__all__ = [
    "FigureCanvas",
    "FigureCanvasNotewire",
    "FigureManager",
    "FigureManagerNotewire",
    "TimerNotewire",
]
