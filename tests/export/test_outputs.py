"""Live and interactive outputs made static before nbconvert renders them (pure)."""

from __future__ import annotations

from typing import Any

from notewire.export.outputs import CANVAS_MIME, PLOTLY_MIME, prepare
from notewire.export.widgets import VIEW_MIME, widget_html

from .notebooks import WIDGET_STATE


def notebook(data: dict[str, Any], widgets: dict[str, Any] | None = None) -> dict[str, Any]:
    nb: dict[str, Any] = {
        "metadata": {},
        "cells": [
            {"cell_type": "code", "outputs": [{"output_type": "display_data", "data": data}]}
        ],
    }
    if widgets is not None:
        nb["metadata"]["widgets"] = {"application/vnd.jupyter.widget-state+json": widgets}
    return nb


def bundle(nb: dict[str, Any]) -> dict[str, Any]:
    return nb["cells"][0]["outputs"][0]["data"]


def test_a_widget_with_saved_state_is_drawn_disabled_at_its_last_value() -> None:
    nb = notebook({VIEW_MIME: {"model_id": "slider1"}, "text/plain": "IntSlider"}, WIDGET_STATE)

    assert prepare(nb) == {"widgets"}  # ipywidgets' views are drawn over it on load

    html = bundle(nb)["text/html"]
    assert VIEW_MIME not in bundle(nb)
    assert html.startswith('<div class="nw-widget-live" data-model-id="slider1"><div class')
    assert '<input type="range" disabled min="0" max="10" step="1" value="7">' in html
    assert "<label>speed</label>" in html


def test_a_widget_without_saved_state_keeps_its_text() -> None:
    nb = notebook({VIEW_MIME: {"model_id": "gone"}, "text/plain": "IntSlider(value=3)"})

    prepare(nb)

    assert bundle(nb) == {"text/plain": "IntSlider(value=3)"}


def test_boxes_draw_their_children_and_escape_text() -> None:
    models = {
        "box": {"model_name": "VBoxModel", "state": {"children": ["IPY_MODEL_a", "IPY_MODEL_b"]}},
        "a": {"model_name": "LabelModel", "state": {"value": "<b>x</b>"}},
        "b": {
            "model_name": "DropdownModel",
            "state": {"_options_labels": ["one", "two"], "index": 1, "description": "pick"},
        },
    }

    html = widget_html("box", models)

    assert html is not None
    assert "&lt;b&gt;x&lt;/b&gt;" in html
    assert "<label>pick</label><output>two</output>" in html
    assert widget_html("a", {"a": {"model_name": "SomeCustomModel", "state": {}}}) is None


def test_plotly_becomes_a_placeholder_and_asks_for_its_library() -> None:
    figure = {"data": [{"y": [1, 2]}], "layout": {"title": {"text": "</script>"}}}
    nb = notebook({PLOTLY_MIME: figure, "text/html": "<script src=cdn>", "text/plain": "Figure"})

    assert prepare(nb) == {"plotly"}

    data = bundle(nb)
    assert set(data) == {"text/html", "text/plain"}
    assert data["text/html"].startswith(
        f'<div class="nw-export-plot" data-mime-type="{PLOTLY_MIME}">'
    )
    assert "</script>" not in data["text/html"].removesuffix("</script></div>")
    assert "cdn" not in data["text/html"]


def test_vega_lite_asks_for_vega() -> None:
    nb = notebook({"application/vnd.vegalite.v5+json": {"mark": "bar"}})

    assert prepare(nb) == {"vega"}


def test_a_canvas_keeps_its_last_picture() -> None:
    nb = notebook({CANVAS_MIME: {"id": "c"}, "image/png": "iVBOR", "text/plain": "<Canvas>"})

    prepare(nb)

    assert bundle(nb) == {"image/png": "iVBOR", "text/plain": "<Canvas>"}
