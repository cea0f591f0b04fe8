"""Which cell the output of a browser's widget message belongs to.

A button's `on_click` that prints runs while the kernel handles the browser's comm
message, so its output's parent is that message, not any cell's request. The classic
notebook put it in the cell that shows the widget; so does notewire: the first cell with
a view of the widget, or of a widget that holds it (a button in a box).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable

import pycrdt

from .comm_relay import CommRelay
from .widgets import VIEW_MIME

_REMEMBERED = 256  # browser widget messages whose output cell is known


class WidgetCells:
    def __init__(self, comms: CommRelay, code_cells: Callable[[], Iterable[pycrdt.Map]]):
        self._comms = comms
        self._code_cells = code_cells
        self._found: OrderedDict[str, str | None] = OrderedDict()

    def cell_for(self, parent: str) -> str | None:
        """The cell for output whose parent is `parent`, if that is a browser's widget
        message; looked up once per message (a callback may print many lines)."""
        if parent in self._found:
            return self._found[parent]
        comm_id = self._comms.sent_by_browser(parent)
        if comm_id is None:
            return None
        cell_id = self._found[parent] = self._showing(comm_id)
        while len(self._found) > _REMEMBERED:
            self._found.popitem(last=False)
        return cell_id

    def _showing(self, comm_id: str) -> str | None:
        models = self._comms.widgets.holders(comm_id)
        for cell in self._code_cells():
            for output in cell.get("outputs") or ():
                data = output.get("data") if isinstance(output, pycrdt.Map) else None
                view = data.get(VIEW_MIME) if isinstance(data, dict) else None
                if isinstance(view, dict) and view.get("model_id") in models:
                    return str(cell.get("id"))
        return None
