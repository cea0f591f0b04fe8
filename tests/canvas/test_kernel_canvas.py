"""A canvas in a real notewire kernel, driven through comms as browsers drive it."""

from __future__ import annotations

import base64
import io

import numpy as np
from PIL import Image

from notewire.canvas import MIME

from .live import data, live_kernel, picture

CHECKER = """
import numpy as np
from notewire.canvas import Canvas

class Counter:
    def __init__(self):
        self.clicks = []
        self.shape = (1, 1, 4)

    def handle_event(self, event):
        if event["type"] == "resize":
            self.shape = (event["pheight"], event["pwidth"], 4)
        elif event["type"] == "pointer_down":
            self.clicks.append((event["x"], event["y"], event["ratio"]))
            canvas.request_draw()

    def get_frame(self):
        frame = np.zeros(self.shape, np.uint8)
        frame[..., 3] = 255
        frame[..., 0] = 60 * len(self.clicks)
        return frame

counter = Counter()
canvas = Canvas(counter, width=64, height=48)
canvas
"""


async def test_a_canvas_in_the_kernel_serves_two_browsers() -> None:
    async with live_kernel() as live:
        await live.run(CHECKER)
        comm_id = await live.comm_open()
        shown = await live.of_type("display_data")
        output = shown.msg.content
        assert output["data"][MIME] == {
            "comm_id": comm_id,
            "protocol": 1,
            "width": 64,
            "height": 48,
        }
        assert output["transient"]["display_id"].startswith("notewire-canvas-")
        assert output["metadata"]["image/png"] == {"width": 64, "height": 48}
        png = base64.b64decode(output["data"]["image/png"])
        with Image.open(io.BytesIO(png)) as image:
            assert image.size == (64, 48)

        # The first browser's view: the full state, then a key frame, lossless.
        await live.send(comm_id, {"type": "view", "view": "a", "visible": True, "ratio": 1})
        state = data(await live.from_comm(comm_id, "state"))
        assert state["full"] is True and (state["width"], state["height"]) == (64, 48)
        frame = await live.from_comm(comm_id, "frame")
        assert data(frame)["key"] is True and data(frame)["format"] == "png"
        assert picture(frame).shape == (48, 64, 4)
        await live.send(comm_id, {"type": "ack", "view": "a", "frame": data(frame)["frame"]})

        # A click reaches the renderer; the new picture comes back lossy (interacting).
        click = {"type": "pointer_down", "x": 3, "y": 4, "button": 1, "buttons": [1]}
        await live.send(comm_id, {"type": "event", "view": "a", "event": click})
        frame = await live.from_comm(comm_id, "frame")
        assert data(frame)["format"] == "jpeg"
        assert abs(int(picture(frame)[0, 0, 0]) - 60) <= 4
        await live.send(comm_id, {"type": "ack", "view": "a", "frame": data(frame)["frame"]})
        settle = await live.from_comm(comm_id, "frame")
        assert data(settle)["format"] == "png"
        assert picture(settle)[0, 0, 0] == 60
        result = await live.run("print(counter.clicks)")
        assert result.stream_text() == "[(3.0, 4.0, 1.0)]\n"

        # A second browser, on a HiDPI screen: everybody now gets frames at ratio 2.
        await live.send(comm_id, {"type": "view", "view": "b", "visible": True, "ratio": 2})
        frame = await live.from_comm(comm_id, "frame")
        assert data(frame)["size"] == [128, 96] and data(frame)["ratio"] == 2
        assert data(frame)["key"] is True

        # Closing from a view stores the last picture, then closes the comm.
        await live.send(comm_id, {"type": "close", "view": "b"})
        update = await live.of_type("update_display_data")
        assert update.msg.content["transient"]["display_id"] == output["transient"]["display_id"]
        closed = await live.of_type("comm_close")
        assert closed.msg.content["comm_id"] == comm_id
        result = await live.run("print(canvas.closed)")
        assert result.stream_text() == "True\n"


async def test_running_a_cell_again_closes_the_canvases_it_made() -> None:
    # The kernel learns a cell's id from the execute_request (IPython's
    # ExecutionInfo.cell_id); this drives run_cell with one, as the kernel does.
    async with live_kernel() as live:
        started = await live.run(
            "import sys; print(sorted({'notewire.canvas', 'notewire.mpl', 'matplotlib'} & set(sys.modules)))"
        )
        assert started.stream_text() == "[]\n"  # the kernel starts without them
        await live.run(
            "from notewire.canvas import Canvas\n"
            "class Blank:\n"
            "    def handle_event(self, event): pass\n"
            "    def get_frame(self): return None\n"
            "made = []\n"
            "SOURCE = 'made.append(Canvas(Blank())); made[-1].show()'\n"
        )
        await live.run("get_ipython().run_cell(SOURCE, cell_id='cell-a')")
        first = await live.comm_open()
        await live.run("get_ipython().run_cell(SOURCE, cell_id='cell-b')")
        other = await live.comm_open()
        await live.run("get_ipython().run_cell(SOURCE, cell_id='cell-a')")
        closed = await live.of_type("comm_close")
        assert closed.msg.content["comm_id"] == first
        result = await live.run("print([c.closed for c in made])")
        assert result.stream_text() == "[True, False, False]\n"
        assert other != first


async def test_frames_flow_while_a_cell_runs_when_it_lets_the_canvas_run() -> None:
    async with live_kernel() as live:
        await live.run(
            "import numpy as np\n"
            "from notewire.canvas import Canvas\n"
            "class Solid:\n"
            "    value = 0\n"
            "    def handle_event(self, event):\n"
            "        if event['type'] == 'resize': self.shape = (event['pheight'], event['pwidth'], 3)\n"
            "    def get_frame(self): return np.full(self.shape, self.value, np.uint8)\n"
            "solid = Solid()\n"
        )
        code = (
            "import time\n"
            "canvas = Canvas(solid, width=32, height=32, config=__import__('notewire.canvas').canvas.FlowConfig(busy_interval=0.05))\n"
            "canvas.show()\n"
            "for solid.value in (50, 100, 150):\n"
            "    canvas.request_draw()\n"
            "    time.sleep(0.06)\n"
            "    canvas.flush()\n"
        )
        await live.run(code)
        comm_id = await live.comm_open()
        values = []
        for _ in range(3):
            frame = await live.from_comm(comm_id, "frame")
            assert data(frame)["key"] is True
            values.append(int(np.asarray(picture(frame))[0, 0, 0]))
        assert [round(v, -1) for v in values] == [50, 100, 150]
