"""What one moving frame costs the kernel, full redraw against notewire's: CPU time.

    python bench/figure_cost.py            # every scenario of figure_scenarios.py
    python bench/figure_cost.py --frames 60

bench/figures.py measures whole drags in a browser, which a loaded machine distorts (a
kernel waiting for a core draws nothing). This measures what the kernel's main thread
spends per frame, with `time.thread_time` (CPU time, which waiting does not count), for
the same figures and the same motion (the x limits moving as a pan moves them; both
limits for `pan2d`; a zoom about the centre for `wheel`), two ways interleaved frame by
frame:

- **full**: matplotlib's Agg `draw()` of the whole figure + JPEG of the whole picture
  (the full-redraw JPEG limit of bench/figures.py is 1 / this);
- **notewire**: the backend's renderer while the user drags (`get_update` with
  moving and interacting: only what changed, over the cached rest, lines coarser) + the
  canvas's work per frame (the changed rectangle, its JPEG, the copy it keeps).

It prints the medians, frames/s each allows (1 / cost), and their ratio: the goal of
issue 16 is notewire's frames ≥ 1.3× the full-redraw limit.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from figure_scenarios import SCENARIOS, Scenario, triangle  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402

from notewire.canvas import FrameRequest  # noqa: E402
from notewire.canvas import encode as enc  # noqa: E402
from notewire.mpl.backend import FigureCanvasNotewire  # noqa: E402
from notewire.mpl.renderer import FigureRenderer  # noqa: E402


def build(scenario: Scenario) -> tuple[Any, Any]:
    space: dict[str, Any] = {"np": np, "plt": plt}
    exec(scenario.figure, space)  # the benchmark's own figure code
    return space["fig"], space["ax"]


def mover(scenario: Scenario, ax: Any) -> Any:
    """Sets the axes' limits for frame i as the scenario's input would."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    width, height = x1 - x0, y1 - y0

    def move(i: int) -> None:
        t = i / 60  # one frame per display frame
        if scenario.motion == "wheel":
            f = 0.9 ** (4 * triangle(t, 1.0))
            cx = (x0 + x1) / 2
            ax.set_xlim(cx - width / 2 * f, cx + width / 2 * f)
        else:
            dx = 0.4 * width * triangle(t, 1.0)
            dy = 0.3 * height * triangle(t, 1.3) if scenario.motion == "xy" else 0.0
            ax.set_xlim(x0 + dx, x1 + dx)
            ax.set_ylim(y0 + dy, y1 + dy)  # as matplotlib's pan tool: both, always

    return move


def measure(scenario: Scenario, frames: int) -> dict[str, float]:
    """Two copies of the figure, moved alike: one drawn by notewire's renderer, the
    other in full, frame by frame in turn."""
    fig, ax = build(scenario)
    other, other_ax = build(scenario)
    canvas = FigureCanvasNotewire(fig)
    full_canvas = FigureCanvasAgg(other)
    renderer = FigureRenderer(canvas)
    move, move_other = mover(scenario, ax), mover(scenario, other_ax)
    moving = FrameRequest(moving=True, interacting=True)
    shown = enc.as_pixels(renderer.get_update(FrameRequest()).pixels).copy()
    full_ms, notewire_ms = [], []
    for i in range(1, frames + 1):
        move(i)
        start = time.thread_time()
        pixels = enc.as_pixels(renderer.get_update(moving).pixels)
        rect = enc.changed_rect(pixels, shown)
        if rect is not None:
            enc.encode_jpeg(pixels, rect)
            x, y, w, h = rect
            shown[y : y + h, x : x + w] = pixels[y : y + h, x : x + w]
        notewire_ms.append((time.thread_time() - start) * 1000)

        move_other(i)
        start = time.thread_time()
        full_canvas.draw()
        whole = enc.as_pixels(np.asarray(full_canvas.get_renderer().buffer_rgba()))
        enc.encode_jpeg(whole, enc.full_rect(whole))
        full_ms.append((time.thread_time() - start) * 1000)
    plt.close(fig)
    plt.close(other)
    skip = min(5, frames // 4)  # the first frames build caches
    full, notewire = statistics.median(full_ms[skip:]), statistics.median(notewire_ms[skip:])
    return {"full_ms": full, "notewire_ms": notewire, "ratio": full / notewire}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=40)
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    args = parser.parse_args()
    print(
        f"{'scenario':10} {'full ms':>8} {'limit f/s':>9} {'notewire ms':>11} "
        f"{'f/s':>6} {'× limit':>7}"
    )
    for name in args.scenarios.split(","):
        r = measure(SCENARIOS[name.strip()], args.frames)
        print(
            f"{name:10} {r['full_ms']:8.1f} {1000 / r['full_ms']:9.1f} {r['notewire_ms']:11.1f}"
            f" {1000 / r['notewire_ms']:6.1f} {r['ratio']:7.2f}"
        )
    one, five, _ = os.getloadavg()
    print(f"CPU time per frame (time.thread_time), medians; load average {one:.2f}, {five:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
