"""Turning a notebook's live and interactive outputs into what a static file can show,
before nbconvert renders it:

- widget views become a place for ipywidgets' own view, drawn from the saved widget
  state on load, holding a static drawing of the same state (or their text/plain);
- Plotly and Vega specs become a placeholder the inlined library draws into on load;
- notewire canvases keep only their last picture (the `image/png` the kernel keeps
  current in the same bundle, docs/canvas-protocol.md).
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

from notewire.export.widgets import VIEW_MIME, saved_models, widget_html

CANVAS_MIME = "application/vnd.notewire.canvas+json"
PLOTLY_MIME = "application/vnd.plotly.v1+json"


def _library(mime: str) -> str | None:
    if mime == PLOTLY_MIME:
        return "plotly"
    if mime.startswith(("application/vnd.vegalite.", "application/vnd.vega.")):
        return "vega"
    return None


def prepare(nb: Any) -> set[str]:
    """Rewrites `nb`'s outputs in place (see the module docstring).

    Returns the libraries the rendered file needs inlined ("plotly", "vega", "widgets").
    """
    models = saved_models(nb.get("metadata", {}))
    libraries: set[str] = set()
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []):
            data = output.get("data")
            if isinstance(data, dict):
                _prepare_bundle(data, models, libraries)
    return libraries


def _prepare_bundle(data: dict[str, Any], models: Any, libraries: set[str]) -> None:
    data.pop(CANVAS_MIME, None)
    view = data.pop(VIEW_MIME, None)
    if isinstance(view, dict):
        model_id = str(view.get("model_id", ""))
        if model_id in models:
            # ipywidgets' own view is drawn here on load (export-widgets.js); the static
            # drawing stays for a reader without scripts, a module not in the bundle,
            # and print (a PDF: the live slider's track would print as a picture).
            drawn = widget_html(model_id, models) or escape(str(data.get("text/plain", "")))
            data["text/html"] = (
                f'<div class="nw-widget-live" data-model-id="{escape(model_id)}">'
                f'<div class="nw-widget-static">{drawn}</div></div>'
            )
            libraries.add("widgets")
    for mime in list(data):
        library = _library(mime)
        if library is None:
            continue
        spec = json.dumps(data[mime]).replace("<", "\\u003c")
        plain = data.get("text/plain")
        data.clear()
        data["text/html"] = (
            f'<div class="nw-export-plot" data-mime-type="{mime}">'
            f'<script type="application/json">{spec}</script></div>'
        )
        if plain is not None:
            data["text/plain"] = plain
        libraries.add(library)
        return
