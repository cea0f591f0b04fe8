"""A live figure through the real notebook server: two browsers share it, a late one
re-opens it from `hello`, frames travel as binary buffers, the output keeps a PNG."""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any

from PIL import Image

from notewire.canvas import MIME
from notewire.client import NotebookClient
from tests.server.notebook_server import running_server, write_notebook

PLOT = (
    "%matplotlib module://notewire.mpl\n"
    "import matplotlib.pyplot as plt\n"
    "fig, ax = plt.subplots(figsize=(3, 2))\n"
    "ax.plot([0, 1, 4, 9])\n"
    "clicks = []\n"
    "fig.canvas.mpl_connect('button_press_event', lambda e: clicks.append(e.button))\n"
)


def comm_messages(nb: NotebookClient, comm_id: str, kind: str, after: int = 0) -> list[int]:
    """Indexes of the comm_msg messages of `comm_id` whose data has type `kind`."""
    return [
        i
        for i, m in enumerate(nb.messages)
        if i >= after
        and m["type"] == "comm_msg"
        and m["content"].get("comm_id") == comm_id
        and m["content"]["data"].get("type") == kind
    ]


async def next_frame(
    nb: NotebookClient, comm_id: str, after: int = 0
) -> tuple[int, dict[str, Any], bytes]:
    """The first frame of `comm_id` at message index `after` or later."""

    def find() -> tuple[int] | None:  # a tuple: index 0 is a find too
        found = comm_messages(nb, comm_id, "frame", after)
        return (found[0],) if found else None

    (index,) = await nb.wait_until(find)
    [buffer] = nb.buffers[index]
    return index, nb.messages[index]["content"]["data"], buffer


async def say(nb: NotebookClient, comm_id: str, data: dict[str, Any]) -> None:
    await nb.send({"type": "comm_msg", "content": {"comm_id": comm_id, "data": data}})


async def test_two_browsers_share_a_figure_and_a_third_reopens_it(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    write_notebook(root / "fig.ipynb", cells=[PLOT])
    async with running_server(root, tmp_path) as server:
        async with server.client("fig.ipynb") as a, server.client("fig.ipynb") as b:
            cell = a.cells[0]["id"]
            await a.run_and_wait([cell])
            opened = await a.next_message("comm_open")
            comm_id = opened["content"]["comm_id"]
            assert opened["content"]["target_name"] == "notewire.canvas"
            await b.next_message("comm_open")

            [output] = [o for o in a.outputs(cell) if o["output_type"] == "display_data"]
            assert output["data"][MIME]["comm_id"] == comm_id
            with Image.open(io.BytesIO(base64.b64decode(output["data"]["image/png"]))) as png:
                assert png.size == (300, 200)

            # A's view attaches; both browsers get the key frame, as binary.
            await say(a, comm_id, {"type": "view", "view": "a", "visible": True, "ratio": 1})
            index_a, frame, image = await next_frame(a, comm_id)
            _, frame_b, image_b = await next_frame(b, comm_id)
            assert frame["key"] and frame == frame_b and image == image_b
            with Image.open(io.BytesIO(image)) as picture:
                assert picture.size == (300, 200)
            await say(a, comm_id, {"type": "ack", "view": "a", "frame": frame["frame"]})

            # B's click reaches the figure in the kernel.
            click = {"type": "pointer_down", "x": 150, "y": 100, "button": 1, "buttons": [1]}
            await say(b, comm_id, {"type": "view", "view": "b", "visible": True, "ratio": 2})
            await say(b, comm_id, {"type": "event", "view": "b", "event": click})
            _, frame, _ = await next_frame(a, comm_id, index_a + 1)
            assert frame["size"] == [600, 400]  # B's screen is HiDPI: rendered for it
            probe = a.add_cell("print(clicks)")
            await a.run_and_wait([probe])
            assert a.output_text(probe) == "[<MouseButton.LEFT: 1>]\n"

        # A browser that comes later finds the canvas in hello and attaches to it.
        async with server.client("fig.ipynb") as c:
            assert [m["content"]["comm_id"] for m in c.hello["comms"]] == [comm_id]
            await say(c, comm_id, {"type": "view", "view": "c", "visible": True, "ratio": 1})
            _, frame, _ = await next_frame(c, comm_id)
            assert frame["key"] is True
