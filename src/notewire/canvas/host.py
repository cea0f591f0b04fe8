"""What a canvas needs from the process it runs in, and the kernel's implementation.

`Host` is the seam: a clock and timers on the event loop, whether a cell is running,
the cell that is running (so a cell run again closes what it made before), comms and
display. `KernelHost` implements it inside an IPython kernel (notewire's, or
ipykernel) through public APIs only: the `comm` package, `IPython.display` and the
shell's `pre_run_cell`/`post_run_cell` events. Tests use `tests/canvas/fakes.py`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import logging
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

from .messages import TARGET

log = logging.getLogger(__name__)

Callback = Callable[[], None]
MessageHandler = Callable[[dict[str, Any], list[Any]], None]  # (data, buffers)


class TimerHandle(Protocol):
    def cancel(self) -> None: ...


class CommPort(Protocol):
    """One open comm. `send` goes to every browser of the notebook."""

    @property
    def comm_id(self) -> str: ...

    def send(self, data: dict[str, Any], buffers: Sequence[Any] = ()) -> None: ...

    def close(self) -> None: ...


class Host(Protocol):
    def now(self) -> float:
        """Monotonic seconds."""
        ...

    def call_soon(self, callback: Callback) -> None:
        """Run `callback` on the event loop soon (safe from any thread)."""
        ...

    def call_later(self, delay: float, callback: Callback) -> TimerHandle: ...

    @property
    def busy(self) -> bool:
        """True while a cell runs: browsers' messages wait until it ends."""
        ...

    @property
    def default_ratio(self) -> float:
        """The device pixel ratio to render a new canvas at before any view reports."""
        ...

    def saw_ratio(self, ratio: float) -> None: ...

    def on_cell_end(self, callback: Callback) -> Callback:
        """Call `callback` after each cell; returns a function that stops it."""
        ...

    def own(self, close: Callback) -> Callback:
        """Tie `close` to the running cell: it is called when that cell runs again.
        Returns a function that unties it."""
        ...

    def open_comm(
        self, data: dict[str, Any], on_msg: MessageHandler, on_close: Callback
    ) -> CommPort: ...

    def display(
        self, bundle: dict[str, Any], metadata: dict[str, Any], display_id: str, *, update: bool
    ) -> None: ...

    def cell_output(self) -> OutputRoute:
        """Where output goes now (the running cell). Returns a function giving a context
        in which output goes there again: user code called later for a canvas (an event
        handler, a timer) prints into the cell that made it."""
        ...


OutputRoute = Callable[[], AbstractContextManager[None]]


class _KernelComm:
    """A `comm` package comm, seen as a CommPort."""

    def __init__(self, data: dict[str, Any], on_msg: MessageHandler, on_close: Callback) -> None:
        import comm

        self._comm = comm.create_comm(target_name=TARGET, data=data)
        self._comm.on_msg(
            lambda msg: on_msg(msg["content"]["data"], list(msg.get("buffers") or []))
        )
        self._comm.on_close(lambda msg: on_close())

    @property
    def comm_id(self) -> str:
        return str(self._comm.comm_id)

    def send(self, data: dict[str, Any], buffers: Sequence[Any] = ()) -> None:
        self._comm.send(data, buffers=list(buffers))

    def close(self) -> None:
        self._comm.close()


class KernelHost:
    """The host inside an IPython kernel. Create it on the kernel's event loop thread
    (in a cell or a comm handler); `current_host()` does."""

    def __init__(self, shell: Any, loop: asyncio.AbstractEventLoop) -> None:
        self._shell = shell
        self._loop = loop
        self._thread = threading.get_ident()
        self._depth = 0
        self._cell: str | None = None
        self._owned: dict[str, dict[int, Callback]] = {}
        self._tokens = itertools.count()
        self._cell_end: dict[int, Callback] = {}
        self._ratio = 1.0
        shell.events.register("pre_run_cell", self._pre_run_cell)
        shell.events.register("post_run_cell", self._post_run_cell)
        # Made during a cell, after its pre_run_cell: find out which cell it is.
        running = _running_cell_info()
        if running is not None:
            self._depth = 1
            self._cell = _cell_id(running)

    def detach(self) -> None:
        """Stop listening to the shell (tests make several hosts on one shell)."""
        self._shell.events.unregister("pre_run_cell", self._pre_run_cell)
        self._shell.events.unregister("post_run_cell", self._post_run_cell)

    # --- clock and loop --------------------------------------------------------------

    def now(self) -> float:
        return time.monotonic()

    def call_soon(self, callback: Callback) -> None:
        if threading.get_ident() == self._thread:
            self._loop.call_soon(callback)
        else:
            self._loop.call_soon_threadsafe(callback)

    def call_later(self, delay: float, callback: Callback) -> TimerHandle:
        return self._loop.call_later(max(delay, 0.0), callback)

    # --- cells -----------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self._depth > 0

    @property
    def cell(self) -> str | None:
        return self._cell

    def _pre_run_cell(self, info: Any) -> None:
        self._depth += 1
        self._cell = _cell_id(info)
        if self._cell is not None:
            for close in list(self._owned.pop(self._cell, {}).values()):
                try:
                    close()
                except Exception:  # one broken close must not stop the cell
                    log.exception("closing what cell %s made before failed", self._cell)

    def _post_run_cell(self, result: Any) -> None:
        self._depth = max(0, self._depth - 1)
        for callback in list(self._cell_end.values()):
            try:
                callback()
            except Exception:
                log.exception("a cell-end callback failed")

    def on_cell_end(self, callback: Callback) -> Callback:
        token = next(self._tokens)
        self._cell_end[token] = callback

        def stop() -> None:
            self._cell_end.pop(token, None)

        return stop

    def own(self, close: Callback) -> Callback:
        cell = self._cell
        if cell is None:
            return lambda: None
        token = next(self._tokens)
        self._owned.setdefault(cell, {})[token] = close

        def release() -> None:
            owned = self._owned.get(cell)
            if owned is not None:
                owned.pop(token, None)

        return release

    # --- ratio, comms, display ---------------------------------------------------------

    @property
    def default_ratio(self) -> float:
        return self._ratio

    def saw_ratio(self, ratio: float) -> None:
        self._ratio = ratio

    def open_comm(
        self, data: dict[str, Any], on_msg: MessageHandler, on_close: Callback
    ) -> CommPort:
        return _KernelComm(data, on_msg, on_close)

    def display(
        self, bundle: dict[str, Any], metadata: dict[str, Any], display_id: str, *, update: bool
    ) -> None:
        from IPython.display import display

        display(bundle, raw=True, metadata=metadata, display_id=display_id, update=update)  # type: ignore[no-untyped-call]

    def cell_output(self) -> OutputRoute:
        # sys.stdout, sys.stderr and the display publisher of notewire's kernel and of
        # ipykernel both say which request they answer (`parent_header`) and take
        # another (`set_parent`); the server routes a message to the cell whose request
        # it names, also after that cell finished.
        targets = (sys.stdout, sys.stderr, getattr(self._shell, "display_pub", None))
        captured = tuple((target, target.parent_header) for target in targets if _routable(target))
        return functools.partial(_routed, captured)


def _routable(target: Any) -> bool:
    return hasattr(target, "set_parent") and hasattr(target, "parent_header")


@contextlib.contextmanager
def _routed(captured: tuple[tuple[Any, Any], ...]) -> Iterator[None]:
    switched = []
    for target, parent in captured:
        current = target.parent_header
        if current is not parent and current != parent:
            target.set_parent(parent)
            switched.append((target, current))
    try:
        yield
    finally:
        for target, previous in reversed(switched):
            flush = getattr(target, "flush", None)
            if flush is not None:
                flush()  # what the callback printed goes out to its cell now
            target.set_parent(previous)


def _cell_id(info: Any) -> str | None:
    cell = getattr(info, "cell_id", None)
    return cell if isinstance(cell, str) and cell else None


def _running_cell_info() -> Any:
    """The ExecutionInfo of the cell running on this thread, or None.

    IPython hands it only to pre_run_cell listeners and keeps it in a local of
    `run_cell_async`, so a host made during the cell (the first canvas of a session)
    finds it on the stack; without it, that cell's canvases would outlive a re-run.
    """
    from IPython.core.interactiveshell import ExecutionInfo

    frame = sys._getframe(1)
    while frame is not None:
        info = frame.f_locals.get("info")
        if isinstance(info, ExecutionInfo):
            return info
        frame = frame.f_back  # type: ignore[assignment]
    return None


_current: KernelHost | None = None


def current_host() -> KernelHost:
    """The host for the running IPython shell, made on first use. Raises RuntimeError
    outside a kernel (no shell, or no running event loop)."""
    global _current
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None:
        raise RuntimeError("notewire canvases need a running IPython kernel")
    if _current is None or _current._shell is not shell:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            raise RuntimeError(
                "notewire canvases need the kernel's running asyncio event loop"
            ) from None
        if _current is not None:
            _current.detach()
        _current = KernelHost(shell, loop)
    return _current
