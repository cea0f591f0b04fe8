"""matplotlib in a real notewire kernel without `%matplotlib`: static PNGs at the end of
the cell (the default, as ipykernel's inline backend, without matplotlib-inline); what
`%matplotlib` names mean here; and where figure callbacks' output goes."""

from __future__ import annotations

import base64
import io

from PIL import Image

from notewire.canvas import MIME
from notewire.server.kernels import ExecutionResult

from .live import data, live_kernel

# matplotlib-inline is not a dependency: the kernel must not need it.
NO_MATPLOTLIB_INLINE = "import sys; sys.modules['matplotlib_inline'] = None\n"


def images(result: ExecutionResult) -> list[tuple[str, tuple[int, int]]]:
    """(output type, PNG size) of each output with an image/png."""
    found = []
    for out in result.outputs:
        content = out.msg.content
        png = content.get("data", {}).get("image/png")
        if png is None:
            continue
        assert MIME not in content["data"], "a static figure is not a live canvas"
        with Image.open(io.BytesIO(base64.b64decode(png))) as image:
            found.append((out.msg_type, image.size))
    return found


def kinds(result: ExecutionResult) -> list[str]:
    return [out.msg_type for out in result.outputs]


async def test_plain_pyplot_shows_a_png_at_the_end_of_the_cell_and_matplotlib_loads_late() -> None:
    async with live_kernel() as live:
        result = await live.run(NO_MATPLOTLIB_INLINE + "print('matplotlib' in sys.modules)")
        assert result.stream_text() == "False\n"  # the kernel does not import it at start

        result = await live.run(
            "import matplotlib.pyplot as plt\n"
            "plt.figure(figsize=(4, 3), dpi=100)\n"
            "plt.plot([1, 2])\n"
            "print('drawn')\n"
        )
        [(kind, (width, height))] = images(result)
        assert kind == "display_data" and 0 < width <= 400 and 0 < height <= 300
        assert kinds(result)[-1] == "display_data"  # after the print: at the cell's end
        result = await live.run("print(plt.get_backend(), plt.get_fignums())")
        assert result.stream_text() == "module://notewire.mpl.inline []\n"  # shown, closed

        # plt.show() shows at once (before what follows), once.
        result = await live.run("plt.plot([3, 1]); plt.show(); print('after')")
        assert [m for m in kinds(result) if m != "execute_result"] == ["display_data", "stream"]
        assert len(images(result)) == 1

        # A figure as the cell's value is its PNG, and is not shown a second time.
        result = await live.run("fig, ax = plt.subplots(); ax.plot([1, 3]); fig")
        assert [kind for kind, _ in images(result)] == ["execute_result"]
        # A later cell shows it again on demand (display), or changed (not automatically).
        result = await live.run("display(fig)")
        assert [kind for kind, _ in images(result)] == ["display_data"]

        # Non-interactive mode: nothing until plt.show().
        result = await live.run("plt.ioff(); plt.plot([5, 6])")
        assert images(result) == []
        result = await live.run("plt.show(); plt.ion()")
        assert len(images(result)) == 1
        result = await live.run(
            "import sys; print('matplotlib_inline' in sys.modules and sys.modules['matplotlib_inline'])"
        )
        assert result.stream_text() == "None\n"


async def test_mplbackend_wins_over_the_default() -> None:
    async with live_kernel() as live:
        await live.run("import os; os.environ['MPLBACKEND'] = 'agg'")
        result = await live.run(
            "import matplotlib.pyplot as plt; plt.plot([1, 2]); print(plt.get_backend())"
        )
        assert result.stream_text() == "agg\n" and images(result) == []


async def test_interactive_names_give_the_live_canvas() -> None:
    async with live_kernel() as live:
        await live.run(NO_MATPLOTLIB_INLINE + "import matplotlib.pyplot as plt")
        for magic in (
            "%matplotlib widget",
            "%matplotlib ipympl",
            "%matplotlib notewire",
            "%matplotlib",
        ):
            await live.run("%matplotlib inline")
            result = await live.run(f"{magic}\nprint(plt.get_backend(), plt.isinteractive())")
            assert result.stream_text().splitlines()[-1] == "module://notewire.mpl True", magic
            result = await live.run("plt.plot([1, 2])")
            [shown] = [m for m in result.outputs if m.msg_type == "display_data"]
            assert MIME in shown.msg.content["data"], magic
            await live.comm_open()
        # Back to static pictures; the live figures close (their views keep the picture).
        result = await live.run("%matplotlib inline\nplt.plot([1, 2])")
        assert len(images(result)) == 1
        closed = await live.of_type("comm_close")
        assert closed.msg.content["comm_id"]


async def test_print_in_a_figure_callback_goes_to_the_cell_that_made_the_figure() -> None:
    async with live_kernel() as live:
        await live.run("%matplotlib notewire\nimport matplotlib.pyplot as plt")
        made = await live.run(
            "fig = plt.figure(figsize=(2, 2))\n"
            "fig.canvas.mpl_connect('button_press_event', lambda e: print('pressed', e.button))\n"
            "def tick():\n"
            "    print('tick')\n"
            "    return False\n"  # one tick, then the timer stops
            "timer = fig.canvas.new_timer(interval=10)\n"
            "timer.add_callback(tick)\n"
            "plt.show()\n"
        )
        cell = made.request.header.msg_id
        comm_id = await live.comm_open()
        await live.run("timer.start()")  # started by another cell: prints to the figure's
        tick = await live.next("the timer's print", lambda m: m.msg_type == "stream")
        assert tick.msg.content["text"] == "tick\n"
        assert tick.msg.parent_header is not None and tick.msg.parent_header.msg_id == cell

        later = await live.run("x = 1")  # another cell ran since
        assert later.request.header.msg_id != cell
        await live.send(comm_id, {"type": "view", "view": "a", "visible": True, "ratio": 1})
        event = {"type": "pointer_down", "x": 50, "y": 50, "button": 1, "buttons": [1]}
        await live.send(comm_id, {"type": "event", "view": "a", "event": event})
        printed = await live.next("the handler's print", lambda m: m.msg_type == "stream")
        assert printed.msg.content == {"name": "stdout", "text": "pressed 1\n"}
        assert printed.msg.parent_header is not None and printed.msg.parent_header.msg_id == cell

        # Output of the cell running now still goes to that cell.
        result = await live.run("print('mine')")
        assert result.stream_text() == "mine\n"
        # The view's first frame: drawn after the view came, before or after the prints.
        frame = await live.from_comm(comm_id, "frame", seen=True)
        assert data(frame)["frame"] >= 1
