"""IPython's InteractiveShell, wired to publish its output as Jupyter messages."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from IPython.core import page, payloadpage
from IPython.core.displayhook import DisplayHook
from IPython.core.displaypub import DisplayPublisher
from IPython.core.interactiveshell import InteractiveShell
from traitlets import Type

from . import figures
from .outputs import Outputs
from .tracebacks import cut_kernel_frames


def jsonable_bundle(data: dict[str, Any]) -> dict[str, Any]:
    """Binary mime data (a `_repr_png_` returning bytes) becomes base64 text, which is
    how Jupyter carries images in JSON."""
    return {
        mime: base64.b64encode(value).decode("ascii")
        if isinstance(value, bytes | bytearray)
        else value
        for mime, value in data.items()
    }


class KernelDisplayPublisher(DisplayPublisher):
    """`display()` and `clear_output()` become display_data / update_display_data /
    clear_output messages."""

    outputs: Outputs | None = None

    def publish(  # type: ignore[override]
        self,
        data: dict[str, Any],
        metadata: dict[str, Any] | None = None,
        source: Any = None,
        *,
        transient: dict[str, Any] | None = None,
        update: bool = False,
        **kwargs: Any,
    ) -> None:
        assert self.outputs is not None, "the kernel wires outputs before running code"
        content: dict[str, Any] = {"data": jsonable_bundle(data), "metadata": metadata or {}}
        content["transient"] = transient or {}
        if update and "display_id" not in content["transient"]:
            raise ValueError("update_display_data needs a display_id")
        self.outputs.emit("update_display_data" if update else "display_data", content)

    def clear_output(self, wait: bool = False) -> None:
        assert self.outputs is not None
        self.outputs.emit("clear_output", {"wait": wait})

    # Where display output goes (the request it answers), as ipykernel's publisher has
    # it: code run later for a cell (a figure's event callback) routes it back there.
    @property
    def parent_header(self) -> Any:
        return self.outputs.parent if self.outputs is not None else None

    def set_parent(self, parent: Any) -> None:
        if self.outputs is not None:
            self.outputs.parent = parent


class KernelDisplayHook(DisplayHook):
    """The value of a cell's last expression becomes an execute_result."""

    outputs: Outputs | None = None

    def start_displayhook(self) -> None:
        if self.outputs is not None:
            self.outputs.flush()

    def write_output_prompt(self) -> None:
        pass  # the frontend draws the prompt from execution_count

    def write_format_data(
        self, format_dict: dict[str, Any], md_dict: dict[str, Any] | None = None
    ) -> None:
        assert self.outputs is not None
        self.outputs.emit(
            "execute_result",
            {
                "execution_count": self.prompt_count,
                "data": jsonable_bundle(format_dict),
                "metadata": md_dict or {},
            },
        )

    def finish_displayhook(self) -> None:
        pass


class KernelShell(InteractiveShell):
    """The shell user code runs in. Tracebacks are published as `error` messages."""

    displayhook_class = Type(KernelDisplayHook)
    display_pub_class = Type(KernelDisplayPublisher)

    outputs: Outputs | None = None
    last_traceback: list[str] | None = None
    kernel: Any = None  # what ipykernel-aware libraries look for (ipykernel_face.py)
    # What the kernel found out about the cell it runs: see running_prepared.
    _known_transform: tuple[str, str] | None = None  # (cell, transformed)
    _known_sync: str | None = None  # a cell that need not run as a coroutine

    def init_kernel_io(self, outputs: Outputs) -> None:
        self.outputs = outputs
        self.display_pub.outputs = outputs  # type: ignore[attr-defined]
        self.displayhook.outputs = outputs  # type: ignore[attr-defined]
        # `obj?` and `%page` go to the frontend's pager as an execute_reply payload.
        self.set_hook("show_in_pager", page.as_hook(payloadpage.page), 99)
        # `!cmd` output must pass through sys.stdout to be captured; os.system would
        # write to the process's file descriptors, which no frontend sees.
        self.system = self.system_piped  # type: ignore[method-assign]
        # matplotlib's default backend, chosen when user code imports it (not now).
        figures.install()

    @contextmanager
    def running_prepared(self, raw_cell: str, transformed: str | None) -> Iterator[None]:
        """The kernel transforms a cell and asks whether it must run as a coroutine, to
        choose how to run it; `run_cell` would do both again (a tokenize and prefilter
        pass, and a compile: a fifth of an execute of `pass`, more for a long cell).
        Meanwhile, once each, the answers for `raw_cell` are the kernel's: `transformed`,
        and not a coroutine. Code it runs (`%run`, `get_ipython().run_cell`) is looked
        at as usual. `transformed` None: the transform failed, and `run_cell` tries
        again to report why."""
        if transformed is not None:
            self._known_transform, self._known_sync = (raw_cell, transformed), raw_cell
        try:
            yield
        finally:
            self._known_transform = self._known_sync = None

    def transform_cell(self, raw_cell: str) -> str:
        known, self._known_transform = self._known_transform, None
        if known is not None and known[0] is raw_cell:
            return known[1]
        return super().transform_cell(raw_cell)  # type: ignore[no-any-return]

    def should_run_async(
        self,
        raw_cell: str,
        *,
        transformed_cell: str | None = None,
        preprocessing_exc_tuple: Any = None,
    ) -> bool:
        known, self._known_sync = self._known_sync, None
        if known is not None and known is raw_cell:
            return False
        return super().should_run_async(  # type: ignore[no-any-return]
            raw_cell,
            transformed_cell=transformed_cell,
            preprocessing_exc_tuple=preprocessing_exc_tuple,
        )

    @contextmanager
    def _tee(self, channel: str) -> Iterator[None]:
        # IPython 9 keeps a copy of every printed chunk in history_manager.outputs: an
        # unbounded, never-trimmed list that also costs a Python call per write. The
        # frontend keeps outputs, so the kernel does not.
        yield

    def _get_exc_info(self, exc_tuple: Any = None) -> Any:
        # Every traceback IPython shows passes through here.
        etype, value, tb = super()._get_exc_info(exc_tuple)
        return etype, value, cut_kernel_frames(value, tb)

    def _showtraceback(self, etype: Any, evalue: Any, stb: list[str]) -> None:
        self.last_traceback = stb
        if self.outputs is None:
            super()._showtraceback(etype, evalue, stb)
            return
        self.outputs.emit(
            "error",
            {
                "ename": getattr(etype, "__name__", str(etype)),
                "evalue": str(evalue),
                "traceback": stb,
            },
        )

    def enable_matplotlib(self, gui: str | None = None) -> tuple[str | None, str]:
        # `%matplotlib widget` and friends mean the live canvas here; no matplotlib-inline.
        return figures.enable_matplotlib(self, gui)

    def enable_gui(self, gui: str | None = None) -> None:
        # The kernel has no GUI event loop integration yet; figures use inline display.
        if gui not in (None, "inline"):
            raise NotImplementedError(
                f"GUI event loop {gui!r} is not supported by the notewire kernel"
            )


class ZMQInteractiveShell(KernelShell):
    """The kernel's shell under the name of ipykernel's: rich and plotly decide whether
    they run in a notebook by the shell's class name (notebook_probes.py)."""
