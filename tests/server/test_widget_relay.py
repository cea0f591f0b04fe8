"""Jupyter widgets through the server, end to end: a real server, real kernels running
real ipywidgets, and the Python client speaking the browser protocol
(docs/notebook-protocol.md, section 2.2)."""

from __future__ import annotations

import asyncio
import json
import sys
from importlib.resources import files
from typing import Any

import jsonschema
import pycrdt
import pytest

from notewire.client import NotebookClient

from .notebook_server import Server, running_server, write_notebook

pytestmark = pytest.mark.timeout(120)

VIEW = "application/vnd.jupyter.widget-view+json"
STATE = "application/vnd.jupyter.widget-state+json"


@pytest.fixture(params=["notewire", "python3"])
def kernel_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def view_model(nb: NotebookClient, cell: str) -> str:
    [view] = [o["data"][VIEW] for o in nb.outputs(cell) if VIEW in o.get("data", {})]
    return str(view["model_id"])


async def show(nb: NotebookClient, source: str) -> tuple[str, str]:
    """Run a cell that displays a widget; returns the cell and the widget's model id."""
    cell = nb.add_cell(source)
    await nb.run_and_wait([cell])
    return cell, view_model(nb, cell)


def update(model_id: str, msg_id: str, **state: Any) -> dict[str, Any]:
    content = {
        "comm_id": model_id,
        "data": {"method": "update", "state": state, "buffer_paths": []},
    }
    return {"type": "comm_msg", "content": content, "msg_id": msg_id}


async def kernel_says(nb: NotebookClient, code: str) -> str:
    cell = nb.add_cell(code)
    await nb.run_and_wait([cell])
    return nb.output_text(cell).strip()


async def test_a_change_goes_under_the_browsers_msg_id_and_its_idle_comes_back(
    server: Server, kernel_name: str
) -> None:
    write_notebook(server.root / "w.ipynb", kernel=kernel_name)
    async with server.client("w.ipynb") as nb, server.client("w.ipynb") as other:
        _, model = await show(nb, "import ipywidgets as w\ns = w.IntSlider(value=1)\ns")
        start, other_start = len(nb.messages), len(other.messages)
        await nb.send(update(model, "browser-msg-1", value=5))
        idle = await nb.next_message("comm_idle", after=start)
        assert idle["parent"] == "browser-msg-1"
        # The kernel's echo carries the browser's msg_id as its parent, to every browser.
        echo = await other.next_message("comm_msg", after=other_start)
        assert echo["parent"] == "browser-msg-1"
        assert echo["content"]["data"]["state"]["value"] == 5
        assert await kernel_says(nb, "print(s.value)") == "5"
        # The idle went to the browser that sent the change alone.
        assert not any(m["type"] == "comm_idle" for m in other.messages[other_start:])


async def test_a_late_browser_gets_every_widget_with_its_current_state(
    server: Server, kernel_name: str
) -> None:
    write_notebook(server.root / "late.ipynb", kernel=kernel_name)
    source = (
        "import ipywidgets as w, numpy as np\n"
        "s = w.IntSlider(value=1)\n"
        "box = w.VBox([s])\n"
        "img = w.Image(value=b'\\x89PNG-bytes')\n"
        "w.VBox([box, img])"
    )
    async with server.client("late.ipynb") as nb:
        _, shown = await show(nb, source)
        await kernel_says(nb, "s.value = 42\nprint('set')")
        async with server.client("late.ipynb") as late:
            widgets = late.hello["widgets"]
            assert shown in widgets
            [slider] = [m for m in widgets.values() if m["model_name"] == "IntSliderModel"]
            assert slider["state"]["value"] == 42 and slider["live"] is True
            [image] = [m for m in widgets.values() if m["model_name"] == "ImageModel"]
            # Binary state travels as the hello frame's buffers, not base64 in the JSON.
            assert image["buffer_paths"] == [["value"]]
            [index] = image["buffers"]
            assert late.hello_buffers[index] == b"\x89PNG-bytes"
            assert "value" not in image["state"]
            # Widget comms are in `widgets`, not in the generic list.
            assert all(
                c["content"].get("target_name") != "jupyter.widget" for c in late.hello["comms"]
            )


async def test_a_button_callbacks_print_lands_in_the_buttons_cell(
    server: Server, kernel_name: str
) -> None:
    write_notebook(server.root / "b.ipynb", kernel=kernel_name)
    source = (
        "import ipywidgets as w\n"
        "b = w.Button(description='go')\n"
        "b.on_click(lambda _: print('clicked!'))\n"
        "w.VBox([w.Label('a box'), b])"
    )
    async with server.client("b.ipynb") as nb:
        cell, _ = await show(nb, source)
        button = await kernel_says(nb, "print(b.model_id)")
        other = nb.add_cell("print('another cell')")
        await nb.run_and_wait([other])
        content = {"comm_id": button, "data": {"method": "custom", "content": {"event": "click"}}}
        await nb.send({"type": "comm_msg", "content": content, "msg_id": "click-1"})
        await nb.wait_until(lambda: "clicked!" in nb.output_text(cell))
        assert "clicked!" not in nb.output_text(other)


async def test_output_widget_captures_on_the_server(server: Server, kernel_name: str) -> None:
    write_notebook(server.root / "o.ipynb", kernel=kernel_name)
    async with server.client("o.ipynb") as nb:
        cell, out = await show(nb, "import ipywidgets as w\nout = w.Output()\nout")
        start = len(nb.messages)
        run = nb.add_cell("with out:\n    print('inside')\nprint('outside')")
        await nb.run_and_wait([run])
        assert nb.output_text(run) == "outside\n"

        def outputs_sent() -> list[Any] | None:
            for m in nb.messages[start:]:
                if m["type"] != "comm_msg" or m["content"]["comm_id"] != out:
                    continue
                state = m["content"]["data"].get("state", {})
                if state.get("outputs"):
                    return list(state["outputs"])
            return None

        outputs = await nb.wait_until(outputs_sent)
        assert outputs == [{"output_type": "stream", "name": "stdout", "text": "inside\n"}]
        # The kernel's copy follows, so `out.outputs` is right there too.
        text = await kernel_says(nb, "print([o.get('text') for o in out.outputs])")
        assert text == "['inside\\n']"


async def test_interact_output_follows_a_change(server: Server, kernel_name: str) -> None:
    write_notebook(server.root / "i.ipynb", kernel=kernel_name)
    source = (
        "import ipywidgets as w\n"
        "ui = w.interactive(lambda x: print('square', x * x), x=(0, 10))\n"
        "ui"
    )
    async with server.client("i.ipynb") as nb:
        _, _ = await show(nb, source)
        slider = await kernel_says(nb, "print(ui.children[0].model_id)")
        out = await kernel_says(nb, "print(ui.out.model_id)")
        start = len(nb.messages)
        await nb.send(update(slider, "move-1", value=8))

        def square_shown() -> bool:
            for m in nb.messages[start:]:
                if m["type"] == "comm_msg" and m["content"]["comm_id"] == out:
                    for o in m["content"]["data"].get("state", {}).get("outputs", []):
                        if "square 64" in o.get("text", ""):
                            return True
            return False

        await nb.wait_until(square_shown)


async def test_saved_widget_state_is_what_views_reach_and_comes_back_static(
    server: Server, tmp_path: Any, kernel_name: str
) -> None:
    write_notebook(server.root / "s.ipynb", kernel=kernel_name)
    async with server.client("s.ipynb") as nb:
        _, shown = await show(nb, "import ipywidgets as w\ns = w.IntSlider(value=3)\nw.HBox([s])")
        # A widget never displayed, and one whose output was replaced: not saved.
        await kernel_says(nb, "hidden = w.Text('never shown')\nprint('ok')")
        await nb.send({"type": "save"})
        await nb.wait_until(lambda: not nb.save_status.get("dirty", True))
    saved = await server.saved("s.ipynb")
    state = saved.metadata["widgets"][STATE]
    schema = json.loads((files("ipywidgets") / "state.schema.json").read_text())
    jsonschema.validate(state, schema)
    names = sorted(m["model_name"] for m in state["state"].values())
    assert "TextModel" not in names
    assert {"HBoxModel", "IntSliderModel"} <= set(names)
    assert shown in state["state"]
    # Reopened by a new server (the kernel is gone): the models come back as static
    # state in hello, and are not in the document's metadata.
    async with (
        running_server(server.root, tmp_path) as again,
        again.client("s.ipynb") as nb,
    ):
        widgets = nb.hello["widgets"]
        assert shown in widgets and widgets[shown]["live"] is False
        assert "widgets" not in (nb.doc.get("meta", type=pycrdt.Map)["metadata"])
        await nb.send({"type": "save", "checkpoint": True})
        await nb.wait_until(lambda: nb.save_status.get("checkpoint") is not None)
    kept = await server.saved("s.ipynb")
    assert shown in kept.metadata["widgets"][STATE]["state"]


async def test_browsers_cannot_change_a_widgets_code_and_bad_msg_ids_are_refused(
    server: Server,
) -> None:
    write_notebook(server.root / "c.ipynb", kernel="python3")
    source = (
        "import anywidget, traitlets\n"
        "class W(anywidget.AnyWidget):\n"
        "    _esm = 'export default { render() {} }'\n"
        "    n = traitlets.Int(0).tag(sync=True)\n"
        "a = W()\n"
        "a"
    )
    async with server.client("c.ipynb") as nb:
        _, model = await show(nb, source)
        start = len(nb.messages)
        await nb.send(update(model, "evil-1", n=2, _esm="alert(1)"))
        await nb.next_message("comm_idle", after=start)
        assert await kernel_says(nb, "print(a.n, a._esm)") == "2 export default { render() {} }"
        start = len(nb.messages)
        await nb.send(update(model, "bad id with spaces", n=3))
        error = await nb.next_message("error", after=start)
        assert "msg_id" in error["message"]


# The browser's side of the burst test, in a process of its own, as a browser is (a
# client in the server's process would slow its event loop down enough to batch the
# burst with no help). Prints, for each comm_open the cell brings, its comm id and the
# number of the WebSocket message that brought it.
BURST_BROWSER = """
import asyncio, json, sys
from notewire.client import NotebookClient

async def main(url, token, source):
    async with NotebookClient.connect(url, "b.ipynb", token=token) as nb:
        cell = nb.add_cell(source)
        await nb.run_and_wait([cell])
        got = [(m["content"]["comm_id"], n) for m, n in zip(nb.messages, nb.arrivals)
               if m["type"] == "comm_open"]
        print(json.dumps(got))

asyncio.run(main(*sys.argv[1:]))
"""

# A kernel that makes a comm every half millisecond: the pace of ipywidgets' sliders
# on a busy machine, and slower than the server relays them, so each would go alone.
# Paced by a spin, not a sleep: on a loaded machine a sleep's wake-up can come
# milliseconds late, and the pace would be the load's.
BURST_CELL = """
import time, comm
for i in range(200):
    comm.create_comm(target_name="nw-burst", comm_id=f"c{i:03}")
    until = time.perf_counter() + 0.0005
    while time.perf_counter() < until:
        pass
"""


async def test_a_burst_of_comm_opens_reaches_the_browser_in_few_websocket_messages(
    server: Server,
) -> None:
    # notewire's kernel publishes each comm_open as it is made: the server gathers a
    # burst rather than send the browser a WebSocket message for each.
    write_notebook(server.root / "b.ipynb", kernel="notewire")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", BURST_BROWSER, server.url, server.token, BURST_CELL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), 100)
    assert proc.returncode == 0, err.decode()
    got = json.loads(out)
    assert [c for c, _ in got] == [f"c{i:03}" for i in range(200)]  # all, in order
    carried_by = {n for _, n in got}
    assert len(carried_by) <= len(got) // 2, f"{len(carried_by)} WebSocket messages"
