"""The matplotlib backend in this process, on the in-memory host: events reach
matplotlib as it expects them, and the toolbar, blitting, timers and closing work."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from matplotlib import _pylab_helpers
from matplotlib.backend_bases import KeyEvent, MouseButton, MouseEvent, PickEvent, ResizeEvent
from matplotlib.figure import Figure
from matplotlib.widgets import Slider
from PIL import Image

import notewire.mpl.backend as backend
from notewire.canvas import MIME
from notewire.mpl import translate as tr
from notewire.mpl.backend import FigureCanvasNotewire, FigureManagerNotewire, TimerNotewire

from .fakes import FakeComm, FakeHost, Sent, ack, event, view_msg


@dataclass
class Live:
    figure: Figure
    manager: FigureManagerNotewire
    host: FakeHost
    comm: FakeComm

    def send(self, data: dict[str, Any]) -> None:
        self.comm.deliver(data)
        self.host.run()

    def ack_all(self) -> None:
        frames = self.comm.frames
        if frames:
            self.send(ack(frames[-1].data["frame"], "v"))

    def pointer(self, kind: str, x: float, y: float, **fields: Any) -> None:
        fields.setdefault("button", 1 if kind != "pointer_move" else 0)
        fields.setdefault("buttons", [1] if kind != "pointer_up" else [])
        self.send(event(kind, "v", x=x, y=y, **fields))
        self.ack_all()

    def drag(self, start: tuple[float, float], end: tuple[float, float], button: int = 1) -> None:
        self.pointer("pointer_down", *start, button=button, buttons=[button])
        self.pointer("pointer_move", *end, button=button, buttons=[button])
        self.pointer("pointer_up", *end, button=button, buttons=[])

    def logical(self, ax: Any, x: float, y: float) -> tuple[float, float]:
        """The logical px (top left origin) of data point (x, y)."""
        px, py = ax.transData.transform((x, y))
        return tr.from_display(
            px, py, self.manager.canvas.device_pixel_ratio, self.figure.bbox.height
        )

    def state(self, key: str) -> Any:
        for sent in reversed(self.comm.of_type("state")):
            if key in sent.data:
                return sent.data[key]
        raise KeyError(key)


@pytest.fixture
def live(monkeypatch: pytest.MonkeyPatch) -> Iterator[Live]:
    host = FakeHost(default_ratio=2.0)
    monkeypatch.setattr(backend, "_kernel_host", lambda: host)
    monkeypatch.setattr(backend, "current_host", lambda: host)
    figure = Figure(figsize=(4, 3), dpi=100)
    manager = FigureManagerNotewire(FigureCanvasNotewire(figure), 7)
    _pylab_helpers.Gcf._set_new_active_manager(manager)
    ax = figure.add_subplot()
    ax.plot(np.arange(10), np.arange(10) ** 2, picker=5)
    manager.display()
    host.run()
    assert host.comm is not None
    live = Live(figure, manager, host, host.comm)
    live.send(view_msg("v", True, 2.0))
    live.ack_all()
    yield live
    _pylab_helpers.Gcf.destroy_all()


def picture(sent: Sent) -> np.ndarray:
    with Image.open(io.BytesIO(sent.buffers[0])) as image:
        return np.asarray(image)


# --- translation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "mods", "name"),
    [
        ("a", [], "a"),
        ("A", ["Shift"], "A"),
        ("a", ["Control"], "ctrl+a"),
        ("A", ["Control", "Shift"], "ctrl+A"),
        ("ArrowLeft", ["Shift"], "shift+left"),
        ("Control", ["Control"], "control"),
        ("F5", ["Alt", "Meta"], "alt+meta+f5"),
        ("Escape", [], "escape"),
        (" ", [], " "),
        ("AudioVolumeUp", [], "audiovolumeup"),
    ],
)
def test_key_names_follow_matplotlib(key: str, mods: list[str], name: str) -> None:
    assert tr.key_name(key, mods) == name


def test_coordinates_buttons_and_steps() -> None:
    assert tr.to_display(10, 20, 2.0, 600) == (20, 560)
    assert tr.from_display(20, 560, 2.0, 600) == (10, 20)
    assert tr.button(2) is MouseButton.RIGHT and tr.button(3) is MouseButton.MIDDLE
    assert tr.button(0) is None
    assert tr.buttons([1, 3, 9]) == {MouseButton.LEFT, MouseButton.MIDDLE}
    assert tr.modifiers(["Shift", "Control"]) == ["ctrl", "shift"]
    assert tr.scroll_step(0, -100) == 1.0 and tr.scroll_step(50, 0) == -0.5


# --- display and frames --------------------------------------------------------------------


def test_a_figure_is_shown_live_with_its_png_at_logical_size(live: Live) -> None:
    bundle, metadata, _, update = live.host.displays[0]
    assert not update
    assert bundle[MIME]["width"] == 400 and bundle[MIME]["height"] == 300
    assert bundle["text/plain"].startswith("<Figure size")
    assert metadata == {"image/png": {"width": 400, "height": 300}}
    with Image.open(io.BytesIO(bundle["image/png"])) as png:
        assert png.size == (800, 600)  # rendered at the last ratio seen in this kernel


def test_frames_are_rendered_at_the_views_ratio_sharp(live: Live) -> None:
    frame = live.comm.frames[0]
    assert frame.data["size"] == [800, 600] and frame.data["ratio"] == 2.0
    assert live.figure.dpi == 200 and tuple(live.figure.get_size_inches()) == (4, 3)
    live.send(view_msg("v", True, 1.0))
    assert live.figure.dpi == 100
    assert live.comm.frames[-1].data["size"] == [400, 300]


def test_a_resize_from_a_view_resizes_the_figure(live: Live) -> None:
    seen: list[Any] = []
    live.figure.canvas.mpl_connect("resize_event", seen.append)
    live.send(event("resize", "v", width=500, height=250))
    assert tuple(live.figure.get_size_inches()) == (5, 2.5)
    assert len(seen) == 1 and isinstance(seen[0], ResizeEvent)
    assert live.comm.frames[-1].data["size"] == [1000, 500]
    live.figure.set_size_inches(3, 3)  # and from Python
    assert live.state("width") == 300 and live.state("height") == 300


# --- events into matplotlib ------------------------------------------------------------------


def test_clicks_reach_callbacks_in_data_coordinates(live: Live) -> None:
    ax = live.figure.axes[0]
    presses: list[MouseEvent] = []
    live.figure.canvas.mpl_connect("button_press_event", presses.append)
    x, y = live.logical(ax, 4, 30)
    live.pointer("pointer_down", x, y, button=3, buttons=[3], modifiers=["Shift"])
    [press] = presses
    assert press.button is MouseButton.MIDDLE and press.inaxes is ax
    assert press.xdata == pytest.approx(4, abs=0.05) and press.ydata == pytest.approx(30, abs=0.5)
    assert press.modifiers == frozenset({"shift"})
    live.send(event("double_click", "v", x=x, y=y, button=1, buttons=[]))
    assert presses[-1].dblclick is True


def test_pickers_keys_and_the_wheel(live: Live) -> None:
    ax = live.figure.axes[0]
    picks: list[PickEvent] = []
    keys: list[KeyEvent] = []
    scrolls: list[MouseEvent] = []
    canvas = live.figure.canvas
    canvas.mpl_connect("pick_event", picks.append)
    canvas.mpl_connect("key_press_event", keys.append)
    canvas.mpl_connect("scroll_event", scrolls.append)
    x, y = live.logical(ax, 5, 25)
    live.pointer("pointer_down", x, y)
    assert len(picks) == 1 and list(picks[0].ind) == [5]
    live.send(event("key_down", "v", key="a", modifiers=["Control"]))
    assert keys[-1].key == "ctrl+a" and keys[-1].inaxes is ax
    live.send(event("wheel", "v", x=x, y=y, dx=0, dy=-200))
    assert scrolls[-1].step == 2.0 and scrolls[-1].button == "up"


def test_pan_and_zoom_through_the_toolbar(live: Live) -> None:
    ax = live.figure.axes[0]
    live.pointer("pointer_move", *live.logical(ax, 5, 50))
    assert live.state("message") == "(x, y) = (5.00, 50.0)"
    before = ax.get_xlim()
    live.send({"type": "action", "view": "v", "name": "pan"})
    assert live.state("active") == "pan"
    live.pointer("pointer_move", *live.logical(ax, 5, 50))
    assert live.state("cursor") == "move"
    live.drag(live.logical(ax, 5, 50), live.logical(ax, 3, 50))
    assert ax.get_xlim()[0] == pytest.approx(before[0] + 2, abs=0.05)
    assert live.state("disabled") == ["forward"]
    live.send({"type": "action", "view": "v", "name": "zoom"})
    assert live.state("active") == "zoom"
    start, end = live.logical(ax, 2, 20), live.logical(ax, 6, 60)
    live.pointer("pointer_down", *start)
    live.pointer("pointer_move", *end, button=1, buttons=[1])
    band = live.state("rubberband")
    assert band == pytest.approx([start[0], end[1], end[0], start[1]], abs=1)
    live.pointer("pointer_up", *end)
    assert live.state("rubberband") is None
    assert ax.get_xlim() == pytest.approx((2, 6), abs=0.05)
    live.send({"type": "action", "view": "v", "name": "home"})
    assert ax.get_xlim() == pytest.approx(before)
    live.send({"type": "action", "view": "v", "name": "back"})
    assert ax.get_xlim() == pytest.approx((2, 6), abs=0.05)


def test_a_pan_sends_drafts_then_settles_on_a_full_draw(live: Live) -> None:
    ax = live.figure.axes[0]
    ax.plot(np.linspace(0, 9, 5_000), np.linspace(0, 81, 5_000))  # simplified when coarse
    live.send({"type": "action", "view": "v", "name": "pan"})
    region = live.state("regions")[0]
    x0, y0 = live.logical(ax, *ax.get_xlim()[:1], ax.get_ylim()[1])
    assert region["rect"][:2] == pytest.approx([x0, y0], abs=0.01)  # the axes' box
    drawer = live.manager.live._renderer.drawer  # type: ignore[union-attr]
    full = drawer.full_frames
    start = live.logical(ax, 5, 50)
    live.pointer("pointer_down", *start)
    for i in range(1, 4):
        end = live.logical(ax, 5 - i, 50)
        live.send(event("pointer_move", "v", x=end[0], y=end[1], button=0, buttons=[1]))
        live.ack_all()
    moving = live.comm.frames[-1].data
    assert moving["format"] == "jpeg" and moving["input"] == {"view": "v", "timestamp": 1.0}
    assert drawer.incremental_frames >= 1 and drawer.full_frames == full  # only what moved
    live.pointer("pointer_up", *end)
    live.host.advance(1.0)  # settled: the last frame is a full draw, lossless
    assert live.comm.frames[-1].data["format"] == "png"
    assert drawer.full_frames == full + 1
    shown = live.manager.live._picture.copy()  # type: ignore[union-attr]
    canvas: Any = live.figure.canvas
    canvas.draw()
    assert np.array_equal(shown, np.asarray(canvas.get_renderer().buffer_rgba()))


def test_save_downloads_a_full_resolution_png_to_the_view_that_asked(live: Live) -> None:
    live.send({"type": "action", "view": "v", "name": "save"})
    [download] = live.comm.of_type("download")
    assert download.data == {
        "type": "download",
        "view": "v",
        "filename": "Figure 7.png",
        "mimetype": "image/png",
    }
    assert picture(download).shape[:2] == (600, 800)


def test_a_slider_moves_and_its_plot_follows(live: Live) -> None:
    figure = live.figure
    slider_ax = figure.add_axes((0.2, 0.02, 0.6, 0.04))
    slider = Slider(slider_ax, "f", 0, 10, valinit=1)
    values: list[float] = []
    slider.on_changed(values.append)
    live.manager.canvas.draw_idle()
    live.host.advance(1)
    live.ack_all()
    frames = len(live.comm.frames)
    live.drag(live.logical(slider_ax, 1, 0.5), live.logical(slider_ax, 5, 0.5))
    assert values and values[-1] == pytest.approx(5, abs=0.2)
    assert len(live.comm.frames) > frames


def test_blitting_sends_only_the_blitted_rectangle(live: Live) -> None:
    canvas = live.manager.canvas
    ax = live.figure.axes[0]
    live.host.advance(1)
    live.ack_all()
    background = canvas.copy_from_bbox(ax.bbox)
    [line] = ax.lines
    line.set_animated(True)
    line.set_ydata(np.arange(10)[::-1])
    canvas.restore_region(background)
    ax.draw_artist(line)
    canvas.blit(ax.bbox)
    live.host.run()
    frame = live.comm.frames[-1]
    assert frame.data["key"] is False
    x0, y0, w, h = frame.data["rect"]
    assert (w, h) == pytest.approx((ax.bbox.width, ax.bbox.height), abs=2)


def test_errors_in_callbacks_show_in_the_views(live: Live) -> None:
    def fail(event: Any) -> None:
        raise ZeroDivisionError("callback says no")

    live.figure.canvas.mpl_connect("key_press_event", fail)
    live.send(event("key_down", "v", key="j"))
    assert "callback says no" in live.comm.of_type("error")[-1].data["text"]


def test_closing_a_view_closes_the_figure(live: Live) -> None:
    assert _pylab_helpers.Gcf.has_fignum(7)
    live.send({"type": "close", "view": "v"})
    assert not _pylab_helpers.Gcf.has_fignum(7)
    assert live.comm.closed and live.manager.live is None


def test_closing_the_figure_closes_its_views(live: Live) -> None:
    _pylab_helpers.Gcf.destroy(7)
    assert live.comm.closed


def test_savefig_leaves_the_next_frame_a_fresh_draw(live: Live) -> None:
    live.host.advance(1)
    live.ack_all()
    live.figure.savefig(io.BytesIO(), format="png", dpi=50, facecolor="red")
    live.host.advance(1)
    assert picture(live.comm.frames[-1])[0, 0, 0] == 255  # white again, not red
    assert picture(live.comm.frames[-1])[0, 0, 1] == 255


# --- timers --------------------------------------------------------------------------------


def test_timers_run_on_the_host_loop(live: Live) -> None:
    ticks: list[float] = []
    timer = live.manager.canvas.new_timer(interval=100)
    timer.add_callback(lambda: ticks.append(live.host.time))
    timer.start()
    live.host.advance(0.35)
    assert len(ticks) == 3
    timer.stop()
    live.host.advance(1)
    assert len(ticks) == 3
    once = live.manager.canvas.new_timer(interval=50)
    once.single_shot = True
    once.add_callback(lambda: ticks.append(-1))
    once.start()
    live.host.advance(1)
    assert ticks.count(-1) == 1


def test_a_failing_timer_stops_and_says_why(live: Live) -> None:
    timer = live.manager.canvas.new_timer(interval=10)
    assert isinstance(timer, TimerNotewire)
    calls: list[int] = []

    def tick() -> None:
        calls.append(1)
        raise RuntimeError("tick failed")

    timer.add_callback(tick)
    timer.start()
    live.host.advance(1)
    assert calls == [1]
    assert "tick failed" in live.comm.of_type("error")[-1].data["text"]


def test_outside_a_kernel_show_warns_and_savefig_works(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backend, "_kernel_host", lambda: None)
    figure = Figure(figsize=(2, 1))
    manager = FigureManagerNotewire(FigureCanvasNotewire(figure), 3)
    figure.add_subplot().plot([1, 2])
    with pytest.warns(UserWarning, match="shown live only in a running kernel"):
        manager.show()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    assert out.getvalue().startswith(b"\x89PNG")
    with pytest.raises(RuntimeError, match="only in a running kernel"):
        manager.display()
