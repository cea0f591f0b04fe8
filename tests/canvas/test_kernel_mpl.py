"""The matplotlib backend in a real notewire kernel, driven through comms as browsers
drive it: shown once, re-run closes, animations between cells, widgets, persistence."""

from __future__ import annotations

import base64
import io
from pathlib import Path

from PIL import Image

from notewire.canvas import MIME

from .live import Live, backend_entry_point, data, live_kernel, picture

SETUP = "%matplotlib module://notewire.mpl\nimport matplotlib.pyplot as plt\nimport numpy as np\n"


def displays(live: Live, start: int = 0) -> list[dict]:
    return [m.msg.content for m in live.seen[start:] if m.msg_type == "display_data"]


async def attach(live: Live, comm_id: str, view: str = "a", ratio: float = 1) -> dict:
    await live.send(comm_id, {"type": "view", "view": view, "visible": True, "ratio": ratio})
    frame = await live.from_comm(comm_id, "frame")
    await live.send(comm_id, {"type": "ack", "view": view, "frame": data(frame)["frame"]})
    return data(frame)


async def test_pyplot_figures_show_once_per_cell_and_update_in_place() -> None:
    async with live_kernel() as live:
        await live.run(SETUP)
        start = len(live.seen)
        await live.run(
            "fig, ax = plt.subplots(figsize=(4, 3))\n"
            "line, = ax.plot(np.arange(5))\n"
            "plt.show()\n"
            "plt.show()\n"
            "fig.show()\n"
        )
        comm_id = await live.comm_open()
        await live.of_type("display_data")
        [shown] = displays(live, start)
        assert shown["data"][MIME]["comm_id"] == comm_id
        assert shown["data"][MIME]["width"] == 400 and shown["data"][MIME]["height"] == 300
        assert shown["data"]["text/plain"].startswith("<Figure size")
        png = base64.b64decode(shown["data"]["image/png"])
        with Image.open(io.BytesIO(png)) as image:
            assert image.size == (400, 300)

        frame = await attach(live, comm_id, ratio=2)
        assert frame["size"] == [800, 600]

        # A later cell changes the figure: no new output, a new frame in the old one.
        start = len(live.seen)
        await live.run("ax.set_title('changed'); line.set_ydata(np.arange(5)[::-1])")
        frame = await live.from_comm(comm_id, "frame")
        assert displays(live, start) == []
        assert data(frame)["key"] is False  # only what changed

        # display(fig) is an explicit second view of the same live figure.
        await live.run("display(fig)")
        again = await live.of_type("display_data")
        assert again.msg.content["data"][MIME]["comm_id"] == comm_id

        # Closing the view frees the figure.
        await live.send(comm_id, {"type": "close", "view": "a"})
        await live.of_type("comm_close")
        result = await live.run("print(plt.get_fignums())")
        assert result.stream_text() == "[]\n"


async def test_running_a_cell_again_closes_the_figures_it_made() -> None:
    async with live_kernel() as live:
        await live.run(SETUP + "CELL = 'plt.figure(1); plt.plot([1, 2, 3]); plt.show()'\n")
        await live.run("get_ipython().run_cell(CELL, cell_id='plot')")
        first = await live.comm_open()
        await live.run("get_ipython().run_cell(CELL, cell_id='plot')")
        closed = await live.of_type("comm_close")
        assert closed.msg.content["comm_id"] == first
        second = await live.comm_open()
        assert second != first
        result = await live.run(
            "import warnings\n"
            "with warnings.catch_warnings():\n"
            "    warnings.simplefilter('error')\n"
            "    for _ in range(25):\n"
            "        get_ipython().run_cell(CELL, cell_id='plot')\n"
            "print(plt.get_fignums())\n"
        )
        assert result.stream_text().endswith("[1]\n")  # no leak, no 'more than 20' warning

        # Shown again by another cell: running that one again leaves the figure alone.
        await live.run("get_ipython().run_cell('display(plt.figure(1))', cell_id='show')")
        await live.run("get_ipython().run_cell('display(plt.figure(1))', cell_id='show')")
        result = await live.run(
            "print(plt.get_fignums(), plt.figure(1).canvas.manager.live.closed)"
        )
        assert result.stream_text() == "[1] False\n"


async def test_an_animation_runs_between_cells() -> None:
    async with live_kernel() as live:
        await live.run(
            SETUP + "from matplotlib.animation import FuncAnimation\n"
            "fig, ax = plt.subplots(figsize=(3, 2))\n"
            "line, = ax.plot(np.arange(10))\n"
            "steps = []\n"
            "def step(i):\n"
            "    steps.append(i)\n"
            "    line.set_ydata(np.roll(np.arange(10), i))\n"
            "    return [line]\n"
            "anim = FuncAnimation(fig, step, interval=30, blit=True, cache_frame_data=False)\n"
            "plt.show()\n"
        )
        comm_id = await live.comm_open()
        await attach(live, comm_id)
        numbers = []
        for _ in range(4):  # the kernel is idle: these come from the timer
            frame = data(await live.from_comm(comm_id, "frame"))
            numbers.append(frame["frame"])
            await live.send(comm_id, {"type": "ack", "view": "a", "frame": frame["frame"]})
        assert numbers == sorted(numbers) and len(set(numbers)) == 4
        result = await live.run("anim.pause(); print(len(steps) > 3)")
        assert result.stream_text() == "True\n"


async def test_pickers_and_sliders_through_the_comm() -> None:
    async with live_kernel() as live:
        await live.run(
            SETUP + "from matplotlib.widgets import Slider\n"
            "fig, (ax, sax) = plt.subplots(2, 1, figsize=(4, 4), height_ratios=[5, 1])\n"
            "line, = ax.plot(np.arange(10), picker=5)\n"
            "picked = []\n"
            "fig.canvas.mpl_connect('pick_event', lambda e: picked.append([int(i) for i in e.ind]))\n"
            "slider = Slider(sax, 'k', 0, 10, valinit=1)\n"
            "slider.on_changed(lambda v: line.set_ydata(v * np.arange(10)))\n"
            "plt.show()\n"
            "def where(axes, x, y):\n"
            "    px, py = axes.transData.transform((x, y))\n"
            "    r = fig.canvas.device_pixel_ratio\n"
            "    print(px / r, (fig.bbox.height - py) / r)\n"
        )
        comm_id = await live.comm_open()
        await attach(live, comm_id)

        async def logical(axes: str, x: float, y: float) -> tuple[float, float]:
            out = await live.run(f"where({axes}, {x}, {y})")
            a, b = out.stream_text().split()
            return float(a), float(b)

        async def pointer(kind: str, at: tuple[float, float], buttons: list[int]) -> None:
            event = {"type": kind, "x": at[0], "y": at[1], "button": 1, "buttons": buttons}
            await live.send(comm_id, {"type": "event", "view": "a", "event": event})

        await pointer("pointer_down", await logical("ax", 4, 4), [1])
        await pointer("pointer_up", await logical("ax", 4, 4), [])
        start, end = await logical("sax", 1, 0.5), await logical("sax", 7, 0.5)
        await pointer("pointer_down", start, [1])
        await pointer("pointer_move", end, [1])
        await pointer("pointer_up", end, [])
        result = await live.run("print(picked, round(slider.val))")
        assert result.stream_text() == "[[4]] 7\n"


async def test_the_stored_image_follows_the_figure() -> None:
    async with live_kernel() as live:
        await live.run(SETUP + "fig = plt.figure(figsize=(2, 2)); plt.show()")
        comm_id = await live.comm_open()
        await attach(live, comm_id)
        await live.run("fig.set_facecolor('black')")
        frame = await live.from_comm(comm_id, "frame")
        assert tuple(picture(frame)[0, 0, :3]) == (0, 0, 0)
        update = await live.of_type("update_display_data")  # once the picture settled
        png = base64.b64decode(update.msg.content["data"]["image/png"])
        with Image.open(io.BytesIO(png)) as image:
            assert image.getpixel((0, 0))[:3] == (0, 0, 0)
        assert MIME in update.msg.content["data"]


async def test_the_entry_point_names_the_backend_notewire(tmp_path: Path) -> None:
    # `%matplotlib notewire` needs no entry point in the notewire kernel (test_kernel_backends.py);
    # matplotlib.use("notewire") and other kernels' `%matplotlib notewire` go through it.
    folder = backend_entry_point(tmp_path)
    async with live_kernel() as live:
        await live.run(f"import sys; sys.path.insert(0, {str(folder)!r})")
        result = await live.run(
            "import matplotlib; matplotlib.use('notewire')\n"
            "import matplotlib.pyplot as plt\n"
            "print(matplotlib.get_backend())"
        )
        assert result.stream_text() == "notewire\n"
        await live.run("plt.plot([1, 2]); plt.show()")
        await live.comm_open()
