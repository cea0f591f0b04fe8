"""Widgets as static HTML from the widget state the server saves in the notebook
(`metadata.widgets["application/vnd.jupyter.widget-state+json"]`): each control shows
its last value, disabled. Models this module does not know give None, and the output
keeps its text/plain."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any

STATE_MIME = "application/vnd.jupyter.widget-state+json"
VIEW_MIME = "application/vnd.jupyter.widget-view+json"

Models = Mapping[str, Any]


def saved_models(metadata: Mapping[str, Any]) -> Models:
    """{model_id: {"model_name", "state", ...}} from a notebook's metadata, or {}."""
    state = metadata.get("widgets", {}).get(STATE_MIME, {}).get("state", {})
    return state if isinstance(state, Mapping) else {}


def widget_html(model_id: str, models: Models, depth: int = 0) -> str | None:
    """Static HTML for the widget `model_id`, or None when it cannot be drawn."""
    model = models.get(model_id)
    if not isinstance(model, Mapping) or depth > 20:
        return None
    name = str(model.get("model_name", ""))
    state = model.get("state", {})
    if not isinstance(state, Mapping):
        return None
    body = _control(name, state, models, depth)
    if body is None:
        return None
    label = state.get("description") or ""
    if label and name not in ("ButtonModel", "CheckboxModel", "ToggleButtonModel"):
        body = f"<label>{escape(str(label))}</label>{body}"
    return f'<div class="nw-widget" data-model="{escape(name)}">{body}</div>'


def _control(name: str, s: Mapping[str, Any], models: Models, depth: int) -> str | None:
    value = s.get("value")
    if name in ("IntSliderModel", "FloatSliderModel", "FloatLogSliderModel"):
        shown = value if name != "FloatLogSliderModel" else s.get("base", 10) ** (value or 0)
        bounds = f'min="{_a(s.get("min", 0))}" max="{_a(s.get("max", 100))}"'
        return (
            f'<input type="range" disabled {bounds} step="{_a(s.get("step", 1))}"'
            f' value="{_a(value)}"><output>{escape(str(shown))}</output>'
        )
    if name in ("IntRangeSliderModel", "FloatRangeSliderModel") and isinstance(value, list):
        return f"<output>{escape(' – '.join(str(v) for v in value))}</output>"
    if name in ("IntProgressModel", "FloatProgressModel"):
        return f'<progress max="{_a(s.get("max", 100))}" value="{_a(value)}"></progress>'
    if name in ("CheckboxModel", "ToggleButtonModel"):
        checked = " checked" if value else ""
        desc = escape(str(s.get("description", "")))
        return f'<label><input type="checkbox" disabled{checked}> {desc}</label>'
    if name in (
        "TextModel",
        "IntTextModel",
        "FloatTextModel",
        "BoundedIntTextModel",
        "BoundedFloatTextModel",
        "PasswordModel",
    ):
        shown = "••••" if name == "PasswordModel" and value else value
        return f'<input type="text" disabled value="{_a(shown)}">'
    if name == "TextareaModel":
        return f"<textarea disabled>{escape(str(value or ''))}</textarea>"
    if name in ("DropdownModel", "SelectModel", "RadioButtonsModel", "ToggleButtonsModel"):
        labels = s.get("_options_labels") or []
        index = s.get("index")
        chosen = labels[index] if isinstance(index, int) and 0 <= index < len(labels) else ""
        return f"<output>{escape(str(chosen))}</output>"
    if name == "ButtonModel":
        return f"<button disabled>{escape(str(s.get('description', '')))}</button>"
    if name == "LabelModel":
        return f"<span>{escape(str(value or ''))}</span>"
    if name in ("HTMLModel", "HTMLMathModel"):
        return f"<span>{value or ''}</span>"  # the widget's value is HTML by definition
    if name in ("HBoxModel", "VBoxModel", "BoxModel", "GridBoxModel"):
        parts = []
        for child in s.get("children", []):
            child_id = str(child).removeprefix("IPY_MODEL_")
            parts.append(widget_html(child_id, models, depth + 1) or "")
        direction = "row" if name == "HBoxModel" else "column"
        style = f"display:flex;flex-direction:{direction};gap:4px"
        return f'<div style="{style}">{"".join(parts)}</div>'
    return None


def _a(value: object) -> str:
    return escape("" if value is None else str(value), quote=True)
