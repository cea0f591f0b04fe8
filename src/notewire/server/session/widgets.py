"""The Jupyter widget models of one notebook, as the server keeps them.

Every `jupyter.widget` comm is a model (ipywidgets' protocol 2.1.0, comm_id = model id).
The server merges each `update` and `echo_update` into the model's state, buffers
included, so that:

- a browser that attaches late or reloads renders every widget from `hello` alone, with
  no `request_state` round trip to the kernel;
- the models outlive their kernel as static state (restart, death, a reopened file) and
  still render, where JupyterLab says "model not found";
- the saved notebook's `metadata.widgets` holds only the models that a displayed view
  can reach (no pile-up of stale state), written by the server on every save.

Buffers are kept apart from the JSON state, by their path in it (`["x"]`,
`["y", "z", 0]`), as the protocol sends them.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

WIDGET_TARGET = "jupyter.widget"
VIEW_MIME = "application/vnd.jupyter.widget-view+json"
STATE_MIME = "application/vnd.jupyter.widget-state+json"
_REF = "IPY_MODEL_"
# Browsers may change a widget's state, never its code or style (as marimo does).
CODE_KEYS = frozenset(("_esm", "_css"))

Path = tuple[str | int, ...]


@dataclass(slots=True)
class Model:
    model_id: str
    model_name: str
    model_module: str
    model_module_version: str
    state: dict[str, Any]
    buffers: dict[Path, bytes] = field(default_factory=dict)
    live: bool = True

    def merge(self, state: dict[str, Any], buffers: dict[Path, bytes]) -> None:
        """Apply an update: each key named replaces the old value and its buffers."""
        touched = set(state) | {path[0] for path in buffers}
        self.buffers = {p: b for p, b in self.buffers.items() if p[0] not in touched}
        self.state.update(state)
        self.buffers.update(buffers)

    def references(self) -> Iterator[str]:
        """The ids of the models this one holds (children, layout, style, links)."""
        yield from _references(self.state)

    def to_json(self, buffer_list: list[bytes]) -> dict[str, Any]:
        """As `hello.widgets` lists it; appends the buffers to `buffer_list`."""
        paths = list(self.buffers)
        start = len(buffer_list)
        buffer_list.extend(self.buffers[p] for p in paths)
        return {
            "model_name": self.model_name,
            "model_module": self.model_module,
            "model_module_version": self.model_module_version,
            "state": self.state,
            "buffer_paths": [list(p) for p in paths],
            "buffers": list(range(start, len(buffer_list))),
            "live": self.live,
        }

    def to_saved(self) -> dict[str, Any]:
        """As ipywidgets' widget-state schema (v2) stores one model."""
        saved: dict[str, Any] = {
            "model_name": self.model_name,
            "model_module": self.model_module,
            "model_module_version": self.model_module_version,
            "state": _without_buffers(self.state, self.buffers),
        }
        if self.buffers:
            saved["buffers"] = [
                {"path": list(p), "data": base64.b64encode(b).decode("ascii"), "encoding": "base64"}
                for p, b in self.buffers.items()
            ]
        return saved


def _references(value: Any) -> Iterator[str]:
    """Model ids in a state, in document order: `IPY_MODEL_<id>` strings, and the views
    an Output widget's outputs show. A loop, not a recursion of generators: every save
    walks the state of every model shown (a generator per value took 2-4 ms a save for
    300 sliders, 1.4-2 times this loop's time)."""
    todo = [value]
    while todo:
        item = todo.pop()
        if isinstance(item, str):
            if item.startswith(_REF):
                yield item[len(_REF) :]
        elif isinstance(item, list):
            todo.extend(reversed(item))
        elif isinstance(item, dict):
            view = item.get(VIEW_MIME)
            if isinstance(view, dict) and isinstance(view.get("model_id"), str):
                yield view["model_id"]
            todo.extend(reversed(item.values()))


def _without_buffers(state: dict[str, Any], buffers: dict[Path, bytes]) -> dict[str, Any]:
    """The state with each buffer's slot emptied (the schema: a dict key absent, a list
    slot null), as ipywidgets' `remove_buffers` leaves it."""
    if not buffers:
        return state
    out: dict[str, Any] = dict(state)
    for path in buffers:
        _clear_slot(out, path)
    return out


def _clear_slot(root: dict[str, Any], path: Path) -> None:
    node: Any = root
    for key in path[:-1]:
        child = node[key] if _has(node, key) else None
        if not isinstance(child, dict | list):
            return
        copy = dict(child) if isinstance(child, dict) else list(child)
        node[key] = copy  # copied on the way down: the model's own state is not touched
        node = copy
    last = path[-1]
    if isinstance(node, dict):
        node.pop(last, None)
    elif isinstance(node, list) and isinstance(last, int) and 0 <= last < len(node):
        node[last] = None


def _has(node: Any, key: str | int) -> bool:
    if isinstance(node, dict):
        return key in node
    return isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node)


class WidgetError(ValueError):
    """A widget message or saved state that does not follow the protocol."""


def buffer_paths(data: dict[str, Any], buffers: Sequence[bytes]) -> dict[Path, bytes]:
    """Pair a message's `buffer_paths` with its buffers."""
    paths = data.get("buffer_paths") or []
    if not isinstance(paths, list) or len(paths) > len(buffers):
        raise WidgetError("buffer_paths must be a list with a buffer for each path")
    pairs: dict[Path, bytes] = {}
    for path, buffer in zip(paths, buffers, strict=False):
        if not (
            isinstance(path, list)
            and path
            and isinstance(path[0], str)
            and all(isinstance(k, str | int) and not isinstance(k, bool) for k in path)
        ):
            raise WidgetError(f"bad buffer path {path!r}")
        pairs[tuple(path)] = bytes(buffer)
    return pairs


class Widgets:
    """The widget models of one notebook: live ones (their comm is open on the kernel)
    and static ones (last state of a kernel gone, or loaded from the file)."""

    def __init__(self) -> None:
        self._models: dict[str, Model] = {}

    def __len__(self) -> int:
        return len(self._models)

    def __contains__(self, model_id: object) -> bool:
        return model_id in self._models

    def get(self, model_id: str) -> Model | None:
        return self._models.get(model_id)

    def models(self) -> Iterable[Model]:
        return self._models.values()

    # --- the kernel's comm traffic --------------------------------------------------

    def opened(self, content: dict[str, Any], buffers: Sequence[bytes]) -> Model | None:
        """A `comm_open` (either side); returns the model when it is a widget's."""
        if content.get("target_name") != WIDGET_TARGET:
            return None
        comm_id = content.get("comm_id")
        data = content.get("data")
        if not isinstance(comm_id, str) or not isinstance(data, dict):
            raise WidgetError("a widget comm_open needs comm_id and data")
        state = data.get("state")
        if not isinstance(state, dict):
            raise WidgetError("a widget comm_open needs data.state")
        model = Model(
            model_id=comm_id,
            model_name=str(state.get("_model_name", "")),
            model_module=str(state.get("_model_module", "")),
            model_module_version=str(state.get("_model_module_version", "")),
            state={},
        )
        model.merge(dict(state), buffer_paths(data, buffers))
        self._models[comm_id] = model
        return model

    def message(self, comm_id: str, data: dict[str, Any], buffers: Sequence[bytes]) -> Model | None:
        """A `comm_msg`: `update` and `echo_update` change the state. Returns the model
        it changed, or None (not a widget, or no state change)."""
        model = self._models.get(comm_id)
        if model is None or data.get("method") not in ("update", "echo_update"):
            return None
        state = data.get("state")
        if not isinstance(state, dict):
            raise WidgetError("a widget update needs a state object")
        model.merge(state, buffer_paths(data, buffers))
        return model

    def closed(self, comm_id: str) -> None:
        self._models.pop(comm_id, None)

    def kernel_gone(self) -> None:
        """The kernel restarted or died: its models stay, as static state."""
        for model in self._models.values():
            model.live = False

    # --- browsers ---------------------------------------------------------------------

    def to_json(self, buffer_list: list[bytes]) -> dict[str, Any]:
        return {mid: model.to_json(buffer_list) for mid, model in self._models.items()}

    # --- reachability -----------------------------------------------------------------

    def reachable(self, roots: Iterable[str]) -> set[str]:
        """The models that views of `roots` show or use, roots included."""
        seen: set[str] = set()
        todo = [r for r in roots if r in self._models]
        while todo:
            model_id = todo.pop()
            if model_id in seen:
                continue
            seen.add(model_id)
            todo.extend(r for r in self._models[model_id].references() if r in self._models)
        return seen

    def holders(self, model_id: str) -> set[str]:
        """`model_id` and every model that holds it, directly or not (a Button's VBox,
        and the VBox's Tab)."""
        parents: dict[str, set[str]] = {}
        for mid, model in self._models.items():
            for ref in model.references():
                parents.setdefault(ref, set()).add(mid)
        seen: set[str] = set()
        todo = [model_id]
        while todo:
            mid = todo.pop()
            if mid not in seen:
                seen.add(mid)
                todo.extend(parents.get(mid, ()))
        return seen

    # --- the notebook file ------------------------------------------------------------

    def saved_state(self, shown: Iterable[str]) -> dict[str, Any] | None:
        """`metadata.widgets` for a save: the models reachable from the views `shown`,
        or None when there are none. Static models that nothing shows are forgotten
        here: nothing can bring them back, and a long session must not pile them up."""
        keep = self.reachable(shown)
        for model_id in [m.model_id for m in self._models.values() if not m.live]:
            if model_id not in keep:
                del self._models[model_id]
        if not keep:
            return None
        return {
            STATE_MIME: {
                "version_major": 2,
                "version_minor": 0,
                "state": {mid: self._models[mid].to_saved() for mid in sorted(keep)},
            }
        }

    def save_into(self, notebook: dict[str, Any]) -> None:
        """Put the state of the widgets the notebook's outputs show into its
        `metadata.widgets` (or take the key out when none), so the file shows them
        without a kernel."""
        shown = [
            view["model_id"]
            for cell in notebook.get("cells", ())
            for output in cell.get("outputs", ())
            if isinstance(view := output.get("data", {}).get(VIEW_MIME), dict)
            and isinstance(view.get("model_id"), str)
        ]
        saved = self.saved_state(shown)
        metadata = notebook.setdefault("metadata", {})
        if saved is None:
            metadata.pop("widgets", None)
        else:
            metadata["widgets"] = saved

    def load_saved(self, widgets: Any) -> None:
        """Take the models of a file's `metadata.widgets` as static state. Models that
        are already here (live) win; a malformed entry is skipped, not fatal: the file
        still opens."""
        saved = widgets.get(STATE_MIME) if isinstance(widgets, dict) else None
        states = saved.get("state") if isinstance(saved, dict) else None
        if not isinstance(states, dict):
            return
        for model_id, entry in states.items():
            if model_id in self._models or not isinstance(entry, dict):
                continue
            try:
                self._models[model_id] = _saved_model(model_id, entry)
            except WidgetError:
                continue


def _saved_model(model_id: str, entry: dict[str, Any]) -> Model:
    state = entry.get("state")
    names = [entry.get(k) for k in ("model_name", "model_module", "model_module_version")]
    if not isinstance(state, dict) or not all(isinstance(n, str) for n in names):
        raise WidgetError(f"saved widget {model_id} lacks its state or names")
    buffers: dict[Path, bytes] = {}
    for item in entry.get("buffers") or ():
        if not isinstance(item, dict):
            raise WidgetError(f"saved widget {model_id}: a buffer is not an object")
        path, data, encoding = item.get("path"), item.get("data"), item.get("encoding")
        if not isinstance(path, list) or not path or not isinstance(data, str):
            raise WidgetError(f"saved widget {model_id}: a buffer lacks path or data")
        try:
            raw = (
                bytes.fromhex(data) if encoding == "hex" else base64.b64decode(data, validate=True)
            )
        except (ValueError, binascii.Error) as exc:
            raise WidgetError(f"saved widget {model_id}: bad buffer data") from exc
        buffers[tuple(path)] = raw
    name, module, version = (str(n) for n in names)
    return Model(model_id, name, module, version, dict(state), buffers, live=False)
