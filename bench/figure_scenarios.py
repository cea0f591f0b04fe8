"""The figures and the input of bench/figures.py: what is drawn, where the pointer goes.

Each scenario is a figure (the same code on both sides, dpi 100, ratio 1), the axes the
input acts on (`ax`, also what the limit cell moves), where that axes' centre lies in
the canvas (fractions of its width and height, from the top left), and the input: a
drag (`x`: a triangle wave across 40 % of the width, 1 s per sweep; `xy`: the same in
x and a slower one across 30 % of the height), or wheel turns (`wheel`: one notch per
move tick, in for 0.5 s then out, zooming about the pointer with a scroll handler the
figure installs; matplotlib itself does not zoom on the wheel).
"""

from __future__ import annotations

from dataclasses import dataclass

_LINE = """\
x = np.linspace(0, 100, 10_000)
y = np.sin(x) + 0.2 * np.random.default_rng(0).standard_normal(x.size)
fig = plt.figure(figsize=(8, 6), dpi=100)
ax = fig.add_axes((0.1, 0.1, 0.8, 0.8))
ax.plot(x, y)
"""

_WHEEL = """\
def _zoom(event):  # the wheel zooms about the pointer (one notch: 10 %)
    if event.inaxes is not ax:
        return
    f = 0.9 ** event.step
    x0, x1 = ax.get_xlim()
    ax.set_xlim(event.xdata - (event.xdata - x0) * f, event.xdata + (x1 - event.xdata) * f)
    fig.canvas.draw_idle()
fig.canvas.mpl_connect("scroll_event", _zoom)
"""

_THREE = """\
rng = np.random.default_rng(0)
fig = plt.figure(figsize=(10, 5), dpi=100)
left = fig.add_axes((0.05, 0.1, 0.25, 0.8))
left.plot(np.cumsum(rng.standard_normal(2_000)))
ax = fig.add_axes((0.36, 0.1, 0.28, 0.8))
image = ax.imshow(rng.random((200, 200)), cmap="viridis")
fig.colorbar(image, cax=fig.add_axes((0.65, 0.1, 0.015, 0.8)))
right = fig.add_axes((0.72, 0.1, 0.25, 0.8))
right.scatter(*rng.standard_normal((2, 2_000)), s=4)
"""

_SCATTER = """\
rng = np.random.default_rng(0)
fig = plt.figure(figsize=(8, 6), dpi=100)
ax = fig.add_axes((0.1, 0.1, 0.8, 0.8))
ax.scatter(*rng.standard_normal((2, 100_000)), s=2)
"""


@dataclass(frozen=True)
class Scenario:
    name: str
    figure: str  # defines fig and ax
    motion: str  # "x", "xy" or "wheel"
    center: tuple[float, float] = (0.5, 0.5)  # ax's centre in the canvas (fractions)
    width: int = 800  # the canvas's logical px

    @property
    def event(self) -> str:
        """The matplotlib event the kernel counts: one per input message."""
        return "scroll_event" if self.motion == "wheel" else "motion_notify_event"


SCENARIOS = {
    s.name: s
    for s in (
        Scenario("line", _LINE, "x"),
        Scenario("wheel", _LINE + _WHEEL, "wheel"),
        Scenario("pan2d", _LINE, "xy"),
        Scenario("three", _THREE, "x", (0.5, 0.5), 1000),
        Scenario("scatter", _SCATTER, "x"),
    )
}


def triangle(elapsed: float, period: float) -> float:
    """-1..1..-1 over `period` seconds (0 at elapsed 0, going up)."""
    phase = (elapsed / period + 0.25) % 1.0
    return 4 * phase - 1 if phase < 0.5 else 3 - 4 * phase


def pointer(scenario: Scenario, elapsed: float, box: dict[str, float]) -> tuple[float, float]:
    """Where the pointer is `elapsed` s after the input began (page px)."""
    cx = box["x"] + box["width"] * scenario.center[0]
    cy = box["y"] + box["height"] * scenario.center[1]
    if elapsed <= 0 or scenario.motion == "wheel":
        return cx, cy
    x = cx + box["width"] * 0.2 * triangle(elapsed, 1.0)
    if scenario.motion == "xy":
        return x, cy + box["height"] * 0.15 * triangle(elapsed, 1.3)
    return x, cy


def wheel_delta(elapsed: float) -> float:
    """One notch (100 px) per tick: in for 0.5 s, then out."""
    return -100.0 if elapsed % 1.0 < 0.5 else 100.0
