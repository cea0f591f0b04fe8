"""`Canvas`: binds a renderer to the browsers' views of it, over one comm.

The renderer makes pictures (`get_frame()`) and takes the user's events
(`handle_event(event)`); the canvas decides when a frame is rendered (`flow.Flow`),
encodes it (`encode`), sends it, and keeps the output's stored image up to date.
Everything runs on the kernel's event loop thread; `request_draw()` may be called
from any thread. See docs/canvas-protocol.md.
"""

from __future__ import annotations

import dataclasses
import logging
import numbers
import traceback
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from . import encode as enc
from .errors import CanvasClosed, CanvasProtocolError
from .events import Event, with_compat_fields
from .flow import Flow, FlowConfig, Render, Wait
from .host import CommPort, Host, OutputRoute, TimerHandle, current_host
from .messages import (
    MIME,
    PROTOCOL,
    Ack,
    Action,
    Close,
    Detach,
    InputEvent,
    Rect,
    ViewStatus,
    decode,
    download_message,
    error_message,
    frame_message,
    output_data,
    state_message,
    toolbar_names,
)

log = logging.getLogger(__name__)

SNAPSHOT_INTERVAL = 2.0  # seconds between two updates of the output's stored image
_INPUT_TYPES = frozenset(
    ("pointer_down", "pointer_up", "pointer_move", "double_click", "wheel", "key_down", "key_up")
)


class Renderer(Protocol):
    """What a canvas drives (jupyter_rfb's RemoteFrameBuffer contract). A renderer may
    also have `get_update(request: FrameRequest)`, called instead of `get_frame()`: it
    learns whether the picture is moving, and may answer with a draft."""

    def get_frame(self) -> Any:
        """The picture now: a uint8 array `H×W`, `H×W×3` or `H×W×4` in physical px, a
        `FrameUpdate`, or None when there is nothing to show."""
        ...

    def handle_event(self, event: Event) -> None: ...


@dataclass(frozen=True, slots=True)
class FrameRequest:
    """What the canvas asks a renderer's `get_update` for.

    `moving`: the picture is changing (an animation, a pan): frames are lossy, and a
    renderer may draw only what changed. `interacting`: the user is dragging or turning
    the wheel right now: a renderer may trade quality for speed (a draft); once the
    picture settles it is asked again with both False."""

    moving: bool = False
    interacting: bool = False


@dataclass(frozen=True, slots=True)
class FrameUpdate:
    """A picture and, when the renderer knows it, the regions that changed since the
    picture it returned before (physical px: x, y, width, height; one rectangle or a
    sequence of them). `draft`: a fast approximation; the canvas asks for the real
    picture (`get_update` with `interacting` False) once the picture settles."""

    pixels: Any
    dirty: Rect | Sequence[Rect] | None = None
    draft: bool = False


def _dirty_rect(dirty: Rect | Sequence[Rect] | None) -> Rect | None:
    """The bounding rectangle of a renderer's changed regions (an empty list: none)."""
    if dirty is None:
        return None
    if len(dirty) == 4 and all(isinstance(v, numbers.Real) for v in dirty):
        x, y, w, h = (int(v) for v in dirty)  # type: ignore[arg-type]
        return (x, y, w, h)
    out: Rect | None = None
    for rect in dirty:
        x, y, w, h = (int(v) for v in rect)  # type: ignore[union-attr]
        out = enc.union(out, (x, y, w, h))
    return out if out is not None else (0, 0, 0, 0)


@dataclass(slots=True)
class Stats:
    sent_frames: int = 0
    sent_bytes: int = 0
    lossy_frames: int = 0
    partial_frames: int = 0
    encode_seconds: float = 0.0
    render_seconds: float = 0.0


Action_ = Callable[[str], None]  # called with the id of the view that pressed the button


class Canvas:
    """A live picture in the notebook. Show it with `display(canvas)` (or as a cell's
    value); every browser showing the notebook shows it, and their events reach the
    renderer.

    `width`, `height`: the logical size (CSS px); the renderer is told the physical size
    in a `resize` event before its first frame. `toolbar`: buttons
    (`messages.toolbar_item`), with `actions` mapping each name to a callable that gets
    the view id. `quality`: JPEG quality of frames sent while the picture moves (100:
    lossless only). `partial`: send only the rectangle that changed. `text`: the output's
    text/plain (a string or a callable). `owned`: closed when the cell that made it runs
    again (False: its owner closes it). `on_close`: called once, however it closes.
    `output`: where what the renderer's code prints goes (`Host.cell_output()`); by
    default the cell that made the canvas.
    """

    def __init__(
        self,
        renderer: Renderer,
        *,
        width: int = 640,
        height: int = 480,
        title: str = "",
        toolbar: Sequence[Mapping[str, Any]] = (),
        actions: Mapping[str, Action_] | None = None,
        resizable: bool = True,
        closable: bool = True,
        capture_wheel: bool = False,
        quality: int = enc.JPEG_QUALITY,
        partial: bool = True,
        config: FlowConfig | None = None,
        text: str | Callable[[], str] = "",
        on_close: Callable[[], None] | None = None,
        owned: bool = True,
        host: Host | None = None,
        output: OutputRoute | None = None,
    ) -> None:
        self._renderer = renderer
        self._host: Host = host if host is not None else current_host()
        self._output = output if output is not None else self._host.cell_output()
        config = config or FlowConfig()
        if quality >= 100:
            config = dataclasses.replace(config, lossy=False)
        self.flow = Flow(config)
        self.stats = Stats()
        self._quality = quality
        self._partial = partial
        self._text = text
        self._on_close = on_close
        self._actions = dict(actions or {})
        toolbar = [dict(item) for item in toolbar]
        unknown = toolbar_names(toolbar) - self._actions.keys()
        if unknown:
            raise ValueError(f"toolbar buttons without an action: {sorted(unknown)}")
        self._state: dict[str, Any] = {
            "width": max(1, int(width)),
            "height": max(1, int(height)),
            "title": title,
            "cursor": "default",
            "message": "",
            "toolbar": toolbar,
            "active": None,
            "disabled": [],
            "rubberband": None,
            "regions": [],
            "resizable": resizable,
            "closable": closable,
            "capture_wheel": capture_wheel,
        }
        self._comm: CommPort | None = None
        self._closed = False
        self._display_id = f"notewire-canvas-{uuid.uuid4().hex}"
        self._displayed = False
        self._picture: enc.Pixels | None = None  # the latest picture from the renderer
        self._picture_ratio = 0.0
        self._draft = False  # the picture is a renderer's draft: settling redraws it
        self._input: tuple[str, float] | None = None  # (view, timestamp) of the last input
        self._held_move: tuple[str, Event, float] | None = None  # (view, event, received)
        self._picture_input: tuple[str, float] | None = None  # the last input it reflects
        self._shown: enc.Pixels | None = None  # what the browsers have (for diffs)
        self._lossy_region: Rect | None = None  # sent lossy since the last lossless frame
        self._snapshot_dirty = False
        self._last_snapshot = -SNAPSHOT_INTERVAL
        self._timer: TimerHandle | None = None
        self._timer_at: float | None = None
        self._snapshot_timer: TimerHandle | None = None
        self._pump_scheduled = False
        self.last_view: str | None = None  # the view of the latest input event
        self._stop_cell_end = self._host.on_cell_end(self._on_cell_end)
        self._release = self._host.own(self.close) if owned else _nothing
        self.flow.ratio = self._ratio = self._host.default_ratio
        self._send_resize()

    # --- public ----------------------------------------------------------------------

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def comm_id(self) -> str | None:
        return None if self._comm is None else self._comm.comm_id

    @property
    def display_id(self) -> str:
        return self._display_id

    @property
    def ratio(self) -> float:
        """The render ratio (physical px per logical px)."""
        return self._ratio

    @property
    def size(self) -> tuple[int, int]:
        """The logical (width, height)."""
        return self._state["width"], self._state["height"]

    def request_draw(self) -> None:
        """Ask for a frame; the renderer's `get_frame()` is called when the browsers can
        take one (many requests before then make one frame). Safe from any thread."""
        if self._closed:
            return
        self.flow.request()
        self._schedule_pump()

    def flush(self) -> None:
        """Send the frame that is due now, if the flow allows, without waiting for the
        event loop: for loops in a running cell (`plt.pause`)."""
        if not self._closed and self._comm is not None:
            self._pump()

    def set_state(self, **changes: Any) -> None:
        """Change what the views show besides the picture (docs/canvas-protocol.md, 2)."""
        changes = {k: v for k, v in changes.items() if self._state.get(k) != v}
        if not changes:
            return
        if "toolbar" in changes:
            unknown = toolbar_names(changes["toolbar"]) - self._actions.keys()
            if unknown:
                raise ValueError(f"toolbar buttons without an action: {sorted(unknown)}")
        self._state.update(changes)
        self._send(state_message(changes))

    def set_size(self, width: int, height: int) -> None:
        """Change the logical size (as if a view asked for it)."""
        width, height = max(1, int(width)), max(1, int(height))
        if (width, height) != self.size:
            self._state.update(width=width, height=height)
            self._send(state_message({"width": width, "height": height}))
            self._send_resize()

    def show(self) -> None:
        """Display a view of the canvas in the current output (another one each call)."""
        if self._closed:
            raise CanvasClosed("this canvas is closed")
        self._open()
        self._host.display(*self._bundle(), self._display_id, update=False)
        self._displayed = True
        # Views of this output that mount while a cell runs are not known until it ends;
        # a paced key frame reaches them meanwhile (docs/canvas-protocol.md, 5).
        self.flow.need_key = True
        self._schedule_pump()

    def _ipython_display_(self) -> None:
        self.show()

    def download(self, view: str, filename: str, data: bytes, mimetype: str) -> None:
        """Offer `data` as a file to one view."""
        self._send(download_message(view, filename, mimetype), [data])

    def report_error(self, text: str) -> None:
        """Show an error under the canvas in every view (user code called for an event
        failed: its traceback has no cell to go to)."""
        log.warning("canvas error: %s", text)
        self._send(error_message(text))

    def snapshot_png(self) -> bytes | None:
        """The latest picture as PNG (at the render resolution), or None."""
        pixels = self._current_picture()
        return None if pixels is None else enc.encode_png(pixels, enc.full_rect(pixels))

    def close(self) -> None:
        """Close every view of the canvas (they keep the last picture) and release the
        renderer. The output's stored image is brought up to date first."""
        if self._closed:
            return
        self._closed = True
        for timer in (self._timer, self._snapshot_timer):
            if timer is not None:
                timer.cancel()
        self._stop_cell_end()
        self._release()
        if self._displayed and (self._snapshot_dirty or self.flow.pending):
            self._update_snapshot()
        comm, self._comm = self._comm, None
        if comm is not None:
            comm.close()
        on_close, self._on_close = self._on_close, None
        self._picture = self._shown = None
        if on_close is not None:
            on_close()

    # --- comm ------------------------------------------------------------------------

    def _open(self) -> None:
        if self._comm is None:
            data = {"protocol": PROTOCOL, "state": dict(self._state, full=True)}
            self._comm = self._host.open_comm(data, self._on_msg, self._on_comm_close)

    def _send(self, data: dict[str, Any], buffers: Sequence[Any] = ()) -> None:
        if self._comm is not None and not self._closed:
            self._comm.send(data, buffers)

    def _on_comm_close(self) -> None:
        self._comm = None  # closed from the other side: do not close it again
        self.close()

    def _on_msg(self, data: dict[str, Any], buffers: list[Any]) -> None:
        with self._output():  # user code called for it prints into the canvas's cell
            self._handle_msg(data)

    def _handle_msg(self, data: dict[str, Any]) -> None:
        try:
            msg = decode(data)
        except CanvasProtocolError as exc:
            log.warning("ignored a canvas message: %s", exc)
            return
        now = self._host.now()
        match msg:
            case ViewStatus(view, visible, ratio):
                self._host.saw_ratio(ratio)
                if self.flow.view_status(view, visible, ratio):
                    self._ratio_changed()
                self._send(state_message(self._state, full=True))
            case Ack(view, frame):
                self.flow.ack(view, frame)
            case Detach(view):
                if self.flow.detach(view):
                    self._ratio_changed()
            case InputEvent(view, event):
                self._on_input(view, event, now)
            case Action(view, name):
                self._pass_held_move()
                action = self._actions.get(name)
                if action is None or name not in toolbar_names(self._state["toolbar"]):
                    log.warning("ignored canvas action %r: not a toolbar button", name)
                else:
                    self.last_view = view
                    self._call_user(action, view)
            case Close():
                self.close()
                return
        self._schedule_pump()

    def _on_input(self, view: str, event: Event, now: float) -> None:
        # A move is held until the kernel has taken the messages waiting for it (they
        # come in one go while it drew a frame): only the newest of a run of moves from
        # one view with the same buttons and modifiers reaches the renderer, before
        # anything else does and before the next frame (docs/canvas-protocol.md, 6). A
        # pan's position is absolute: the moves in between would each cost a handler
        # for a state no frame shows.
        if event["type"] == "pointer_move":
            held = self._held_move
            if held is not None and (held[0] != view or not _same_gesture(held[1], event)):
                self._pass_held_move()
            self._held_move = (view, event, now)
            self.flow.input(now)
            return
        self._pass_held_move()
        self.last_view = view
        self._on_event(event, now)

    def _pass_held_move(self) -> None:
        held, self._held_move = self._held_move, None
        if held is not None:
            view, event, received = held
            self.last_view = view
            self._on_event(event, received)

    def _on_event(self, event: Event, now: float) -> None:
        if event["type"] in _INPUT_TYPES:
            self.flow.input(now)
            if self.last_view is not None:
                self._input = (self.last_view, float(event["timestamp"]))
        if event["type"] == "resize":
            self.set_size(round(event["width"]), round(event["height"]))
            return
        self._call_user(self._renderer.handle_event, with_compat_fields(event, self._ratio))

    def _call_user(self, fn: Callable[[Any], None], arg: Any) -> None:
        try:
            fn(arg)
        except Exception:
            self.report_error(traceback.format_exc())

    def _on_cell_end(self) -> None:
        self._schedule_pump()

    def _ratio_changed(self) -> None:
        if self.flow.ratio != self._ratio:
            self._ratio = self.flow.ratio
            self._send_resize()

    def _send_resize(self) -> None:
        width, height = self.size
        ratio = self._ratio
        event: Event = {
            "type": "resize",
            "width": float(width),
            "height": float(height),
            "pwidth": round(width * ratio),
            "pheight": round(height * ratio),
            "timestamp": self._host.now(),
        }
        self._call_user(self._renderer.handle_event, with_compat_fields(event, ratio))
        self.request_draw()

    # --- frames ----------------------------------------------------------------------

    def _schedule_pump(self) -> None:
        if not self._pump_scheduled and not self._closed:
            self._pump_scheduled = True
            self._host.call_soon(self._scheduled_pump)

    def _scheduled_pump(self) -> None:
        self._pump_scheduled = False
        self._pump()

    def _pump(self) -> None:
        """Send at most one frame, then arrange to be called again when needed."""
        if self._closed or self._comm is None:
            return
        with self._output():  # user code called for it prints into the canvas's cell
            self._pass_held_move()
        self.flow.set_busy(self._host.busy)
        now = self._host.now()
        decision = self.flow.poll(now)
        if isinstance(decision, Render):
            self._render(decision, now)
            self._schedule_pump()  # another frame may be due; let the loop breathe first
            return
        self._wake_at(decision)

    def _wake_at(self, decision: Wait) -> None:
        if decision.until == self._timer_at:
            return
        if self._timer is not None:
            self._timer.cancel()
        self._timer, self._timer_at = None, decision.until
        if decision.until is not None:
            delay = decision.until - self._host.now()
            self._timer = self._host.call_later(delay, self._on_timer)

    def _on_timer(self) -> None:
        self._timer, self._timer_at = None, None
        self._pump()

    def _current_picture(self) -> enc.Pixels | None:
        if self._picture is None or self.flow.pending or self._draft:
            self._take_picture(FrameRequest())  # stored pictures are never drafts
            self.flow.pending = False  # the picture is up to date; views get it as it is
        return self._picture

    def _take_picture(self, request: FrameRequest) -> Rect | None:
        """Ask the renderer for a picture; returns its dirty hint."""
        start = self._host.now()
        get_update = getattr(self._renderer, "get_update", None)
        try:
            with self._output():  # draw_event handlers may print
                out = get_update(request) if get_update is not None else self._renderer.get_frame()
            hint, draft = None, False
            if isinstance(out, FrameUpdate):
                out, hint, draft = out.pixels, _dirty_rect(out.dirty), out.draft
            pixels = None if out is None else enc.as_pixels(out)
        except Exception:
            self.report_error(traceback.format_exc())
            pixels, hint, draft = None, None, False
        self.stats.render_seconds += self._host.now() - start
        if pixels is not None:
            self._picture, self._picture_ratio = pixels, self._ratio
            self._draft = draft
            self._picture_input = self._input
            self._snapshot_dirty = True
        return hint

    def _render(self, decision: Render, now: float) -> None:
        hint: Rect | None = None
        if not decision.fresh and self._draft and self._picture is not None:
            # Settling on a draft: the real picture, drawn now, replaces it.
            decision = Render(fresh=True, key=decision.key, lossy=False)
        if decision.fresh or self._picture is None:
            request = FrameRequest(
                moving=decision.lossy, interacting=decision.lossy and self.flow.interacting(now)
            )
            hint = self._take_picture(request)
            if not decision.fresh:
                hint = None
        pixels = self._picture
        if pixels is None:
            self.flow.skipped(decision)
            return
        width, height = enc.size_of(pixels)
        whole = enc.full_rect(pixels)
        shown = self._shown
        lossy = decision.lossy and self._quality < 100 and enc.is_opaque(pixels)
        key = decision.key or shown is None or shown.shape != pixels.shape
        rect: Rect | None = whole
        if not key:
            if not decision.fresh:  # a settle frame: repaint what was sent lossy
                rect = self._lossy_region
            elif hint is not None:
                rect = enc.clip(hint, width, height)  # an empty hint: nothing changed
            elif self._partial:
                assert shown is not None
                rect = enc.changed_rect(pixels, shown)
            if not lossy:
                rect = enc.union(rect, self._lossy_region)  # a lossless frame repays them
            if rect is not None and (not self._partial or rect == whole):
                key, rect = True, whole
        if rect is None:
            self.flow.skipped(decision)  # nothing changed
            return
        self._send_frame(pixels, rect, key=key, lossy=lossy, decision=decision, now=now)

    def _send_frame(
        self,
        pixels: enc.Pixels,
        rect: Rect,
        *,
        key: bool,
        lossy: bool,
        decision: Render,
        now: float,
    ) -> None:
        start = self._host.now()
        data = (
            enc.encode_jpeg(pixels, rect, self._quality) if lossy else enc.encode_png(pixels, rect)
        )
        self.stats.encode_seconds += self._host.now() - start
        sent = Render(fresh=decision.fresh, key=key, lossy=lossy)
        index = self.flow.sent_frame(now, sent)
        width, height = enc.size_of(pixels)
        message = frame_message(
            index,
            fmt="jpeg" if lossy else "png",
            key=key,
            rect=rect,
            size=(width, height),
            ratio=self._picture_ratio,
            reflects=self._picture_input,
        )
        self._send(message, [data])
        self.stats.sent_frames += 1
        self.stats.sent_bytes += len(data)
        self.stats.lossy_frames += lossy
        self.stats.partial_frames += not key
        self._remember_shown(pixels, rect, key)
        self._lossy_region = enc.union(self._lossy_region, rect) if lossy else None
        if not lossy:
            self._maybe_snapshot(now)

    def _remember_shown(self, pixels: enc.Pixels, rect: Rect, key: bool) -> None:
        if not self._partial:
            return
        if key or self._shown is None or self._shown.shape != pixels.shape:
            self._shown = pixels.copy()
        else:
            x, y, w, h = rect
            self._shown[y : y + h, x : x + w] = pixels[y : y + h, x : x + w]

    # --- the output's stored image ---------------------------------------------------------

    def _bundle(self) -> tuple[dict[str, Any], dict[str, Any]]:
        assert self._comm is not None
        width, height = self.size
        text = self._text() if callable(self._text) else self._text
        bundle: dict[str, Any] = {
            MIME: output_data(self._comm.comm_id, width, height),
            "text/plain": text or f"<notewire Canvas {width}x{height}>",
        }
        metadata: dict[str, Any] = {}
        png = self.snapshot_png()
        if png is not None:
            bundle["image/png"] = png
            metadata["image/png"] = {"width": width, "height": height}
        self._snapshot_dirty = False
        self._last_snapshot = self._host.now()
        return bundle, metadata

    def _maybe_snapshot(self, now: float) -> None:
        if not self._displayed or not self._snapshot_dirty or self._snapshot_timer is not None:
            return
        due = self._last_snapshot + SNAPSHOT_INTERVAL
        if now >= due:
            self._update_snapshot()
        else:
            self._snapshot_timer = self._host.call_later(due - now, self._on_snapshot_timer)

    def _on_snapshot_timer(self) -> None:
        self._snapshot_timer = None
        # Only a settled picture is worth storing; otherwise the next lossless frame
        # comes back here.
        if not self._closed and self.flow.settle_due is None and not self.flow.pending:
            self._update_snapshot()

    def _update_snapshot(self) -> None:
        if self._comm is None:
            return
        self._host.display(*self._bundle(), self._display_id, update=True)


def _nothing() -> None:
    pass


def _same_gesture(a: Event, b: Event) -> bool:
    return a.get("buttons") == b.get("buttons") and a.get("modifiers") == b.get("modifiers")
