"""ipywidgets' `Output` widget, captured on the server.

In the kernel, `with out:` sets the model's `msg_id` to the request being handled; a
frontend is then meant to divert every output whose parent is that request into the
widget's `outputs` (JupyterLab does it in the browser with a kernel message hook). In
notewire outputs are routed by the server, so the diversion happens here: the widget's
outputs are the same with no browser attached, and every browser sees them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from notewire.protocol.content import (
    ClearOutput,
    DisplayData,
    Error,
    ExecuteResult,
    Stream,
    UpdateDisplayData,
)

from .widgets import Model, Widgets

OUTPUT_MODEL = ("@jupyter-widgets/output", "OutputModel")
MAX_OUTPUTS = 1000  # per widget; the oldest go first
MAX_STREAM_CHARS = 1_000_000  # per stream output; the oldest characters go first


def is_output_model(model: Model) -> bool:
    return (model.model_module, model.model_name) == OUTPUT_MODEL


@dataclass(slots=True)
class _Pending:
    clear: bool = False  # clear_output(wait=True): clear when the next output comes


class OutputCapture:
    """Which Output widget captures the output of which request, and the capture."""

    def __init__(self, widgets: Widgets) -> None:
        self._widgets = widgets
        self._pending: dict[str, _Pending] = {}

    def target(self, parent_id: str | None) -> Model | None:
        """The Output widget that captures output whose parent is `parent_id`."""
        if not parent_id:
            return None
        # A handful of Output widgets at most capture at once; scanning beats keeping
        # an index in step with every update of every model.
        for model in self._widgets.models():
            if model.live and model.state.get("msg_id") == parent_id and is_output_model(model):
                return model
        return None

    def apply(self, model: Model, content: Any) -> bool:
        """Apply output `content` to `model`'s outputs; returns whether they changed."""
        pending = self._pending.setdefault(model.model_id, _Pending())
        outputs = list(model.state.get("outputs") or [])
        if isinstance(content, ClearOutput):
            if content.wait:
                pending.clear = True
                return False
            model.state["outputs"] = []
            return bool(outputs)
        if isinstance(content, UpdateDisplayData):
            return False  # the display id's outputs are rewritten where the cell shows them
        if pending.clear:
            pending.clear = False
            outputs = []
        if isinstance(content, Stream):
            _append_stream(outputs, content.name, content.text)
        elif isinstance(content, Error):
            outputs.append(
                {
                    "output_type": "error",
                    "ename": content.ename,
                    "evalue": content.evalue,
                    "traceback": list(content.traceback),
                }
            )
        elif isinstance(content, DisplayData | ExecuteResult):
            output: dict[str, Any] = {
                "output_type": content.msg_type,
                "data": dict(content.data),
                "metadata": dict(content.metadata),
            }
            if isinstance(content, ExecuteResult):
                output["execution_count"] = content.execution_count
            outputs.append(output)
        else:
            return False
        model.state["outputs"] = outputs[-MAX_OUTPUTS:]
        return True

    def forget(self, model_id: str) -> None:
        self._pending.pop(model_id, None)


def _append_stream(outputs: list[dict[str, Any]], name: str, text: str) -> None:
    last = outputs[-1] if outputs else None
    if last is not None and last.get("output_type") == "stream" and last.get("name") == name:
        joined = str(last.get("text", "")) + text
        outputs[-1] = {**last, "text": joined[-MAX_STREAM_CHARS:]}
    else:
        outputs.append({"output_type": "stream", "name": name, "text": text[-MAX_STREAM_CHARS:]})
