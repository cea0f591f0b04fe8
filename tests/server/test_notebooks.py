"""The notebook server end to end: a real server on 127.0.0.1:0, real kernels, and the
Python WebSocket client speaking the browser protocol."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
from pathlib import Path

import nbformat
import pycrdt
import pytest

from notewire.client import NotebookClient
from notewire.protocol.frames import SYNC, JsonFrame, YFrame
from notewire.server.notebook import schema

from .notebook.samples import deeply_nested_notebook
from .notebook_server import Server, write_notebook

pytestmark = pytest.mark.timeout(90)


@pytest.fixture(params=["notewire", "python3"])
def kernel_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def test_run_cells_and_see_outputs(server: Server, kernel_name: str) -> None:
    write_notebook(server.root / "a.ipynb", kernel=kernel_name)
    async with server.client("a.ipynb") as nb:
        await nb.wait_until(lambda: nb.kernel.get("state") == "idle", within=60)
        assert nb.kernel["name"] == kernel_name
        c1 = nb.add_cell("x = 6 * 7\nprint('hello', x)")
        c2 = nb.add_cell("x + 1")
        c3 = nb.add_cell("from IPython.display import display, HTML\ndisplay(HTML('<b>hi</b>'))")
        await nb.run_and_wait([c1, c2, c3])
        assert nb.output_text(c1) == "hello 42\n"
        [result] = nb.outputs(c2)
        assert result["output_type"] == "execute_result"
        assert result["data"]["text/plain"] == "43"
        assert nb.cell(c2)["execution_count"] == result["execution_count"]
        assert nb.outputs(c3)[0]["data"]["text/html"] == "<b>hi</b>"
        assert [nb.run_state(c) for c in (c1, c2, c3)] == ["done"] * 3
        timing = nb.cell(c1)["metadata"]["execution"]
        assert set(timing) == {
            "iopub.status.busy",
            "iopub.execute_input",
            "shell.execute_reply",
            "iopub.status.idle",
        }


async def test_error_stops_the_queue(server: Server) -> None:
    write_notebook(server.root / "e.ipynb")
    async with server.client("e.ipynb") as nb:
        ok = nb.add_cell("1")
        bad = nb.add_cell("1 / 0")
        after = nb.add_cell("print('must not run')")
        await nb.run([ok, bad, after])
        await nb.wait_until(lambda: nb.run_state(bad) == "error" and nb.run_state(after) == "idle")
        [error] = nb.outputs(bad)
        assert error["ename"] == "ZeroDivisionError"
        assert nb.outputs(after) == []
        assert nb.run_state(ok) == "done"


async def test_a_cell_moved_after_it_ran_runs_where_it_now_is(server: Server) -> None:
    # The server remembers the cells it ran; a move (a delete and an insert of a new
    # Map, as the browser makes it) must send the next run's output to the new one.
    write_notebook(server.root / "moved.ipynb")
    async with server.client("moved.ipynb") as nb:
        cell = nb.add_cell("print('one')")
        other = nb.add_cell("print('other')")
        await nb.run_and_wait([cell])
        assert nb.output_text(cell) == "one\n"
        cells = nb.cells
        fields = {"id": cell, "cell_type": "code", "source": pycrdt.Text("print('two')")}
        with nb.doc.transaction():
            del cells[0]
            cells.append(pycrdt.Map({**fields, "metadata": {}, "outputs": pycrdt.Array()}))
        await nb.run_and_wait([cell])
        assert [c["id"] for c in cells] == [other, cell]
        assert nb.output_text(cell) == "two\n"
        assert nb.run_state(cell) == "done"
        assert nb.run_state(other) == "idle"


async def test_two_clients_see_the_same_live_state(server: Server) -> None:
    write_notebook(server.root / "shared.ipynb")
    async with server.client("shared.ipynb") as one, server.client("shared.ipynb") as two:
        cell = one.add_cell(
            "import time\nfor i in range(5):\n    print(i, flush=True)\n    time.sleep(0.05)"
        )
        await two.wait_until(lambda: any(c["id"] == cell for c in two.cells))
        await two.run([cell])
        want = "".join(f"{i}\n" for i in range(5))
        await one.wait_until(
            lambda: one.output_text(cell) == want and one.run_state(cell) == "done"
        )
        await two.wait_until(
            lambda: two.output_text(cell) == want and two.run_state(cell) == "done"
        )


async def test_carriage_returns_keep_a_progress_bar_on_one_line(server: Server) -> None:
    write_notebook(server.root / "p.ipynb")
    async with server.client("p.ipynb") as nb:
        cell = nb.add_cell(
            "import sys\nfor i in range(101):\n    sys.stdout.write(f'\\r{i:3d}%')\n    sys.stdout.flush()\nprint()\nprint('done')"
        )
        await nb.run_and_wait([cell])
        assert nb.output_text(cell) == "100%\ndone\n"


TQDM_BARS = """\
import sys
from tqdm import tqdm
fmt = "{desc} {n_fmt}/{total_fmt}"
for i in tqdm(range(3), file=sys.stdout, desc="outer", bar_format=fmt, mininterval=0):
    for j in tqdm(
        range(40), file=sys.stdout, desc="inner", position=1, leave=False, bar_format=fmt,
        mininterval=0,
    ):
        sys.stdout.flush()
    tqdm.write(f"done {i}", file=sys.stdout)
print("end")
"""


async def test_stacked_tqdm_bars_show_as_in_a_terminal(server: Server, kernel_name: str) -> None:
    write_notebook(server.root / "bars.ipynb", kernel=kernel_name)
    async with server.client("bars.ipynb") as nb:
        cell = nb.add_cell(TQDM_BARS)
        await nb.run_and_wait([cell])
        # Lines the bars cleared end in spaces, as on a terminal.
        shown = [line.rstrip() for line in nb.output_text(cell).split("\n")]
        assert shown == ["done 0", "done 1", "done 2", "outer 3/3", "end", ""]
    await asyncio.wait_for(server.app.state.notebooks.get("bars.ipynb").settled(), timeout=30)
    saved = (await server.saved("bars.ipynb")).cells[0].outputs[0].text
    assert [line.rstrip() for line in saved.split("\n")] == shown


async def test_display_updates_and_clear_output_wait(server: Server) -> None:
    write_notebook(server.root / "d.ipynb")
    async with server.client("d.ipynb") as nb:
        first = nb.add_cell(
            "from IPython.display import display, clear_output\nh = display('v1', display_id=True)"
        )
        second = nb.add_cell("h.update('v2')\nprint('a')\nclear_output(wait=True)\nprint('b')")
        await nb.run_and_wait([first, second])
        assert nb.outputs(first)[0]["data"]["text/plain"] == "'v2'"
        assert nb.output_text(second) == "b\n"


async def test_bounded_output_keeps_a_truncation_marker(server: Server) -> None:
    write_notebook(server.root / "big.ipynb")
    async with server.client("big.ipynb") as nb:
        cell = nb.add_cell("for i in range(200_000):\n    print(f'{i:09d}')")  # 2 MB
        await nb.run_and_wait([cell])
        [output] = nb.cell(cell)["outputs"]
        text = "".join(output["text"])
        dropped = int(output["dropped_chars"])  # Yjs numbers are doubles
        assert len(text) <= server.limits.max_stream_chars
        assert len(text) + dropped == 2_000_000
        assert text.endswith("000199999\n")
    await asyncio.wait_for(server.app.state.notebooks.get("big.ipynb").settled(), timeout=30)
    nb_on_disk = await server.saved("big.ipynb")
    saved = "".join(nb_on_disk.cells[0].outputs[0].text)
    assert saved.startswith(f"[notewire: {dropped} earlier characters were dropped]")


async def test_reconnect_during_a_long_run_gets_every_output(server: Server) -> None:
    write_notebook(server.root / "long.ipynb")
    code = "import time\nfor i in range(100):\n    print(i, flush=True)\n    time.sleep(0.1)"
    async with server.client("long.ipynb") as nb:
        cell = nb.add_cell(code)
        await nb.run([cell])
        await nb.wait_until(lambda: "3\n" in nb.output_text(cell))
    # Away for most of the run; the output keeps going into the server's document.
    async with server.client("long.ipynb") as nb:
        assert "3\n" in nb.output_text(cell)  # what ran before: there on connect
        assert nb.run_state(cell) == "running"
        await nb.wait_until(lambda: nb.run_state(cell) == "done", within=30)
        assert nb.output_text(cell) == "".join(f"{i}\n" for i in range(100))


async def test_a_reconnecting_browser_gets_exactly_what_it_missed(server: Server) -> None:
    write_notebook(server.root / "resume.ipynb")
    code = (
        "import time\nprint('x' * 100_000, flush=True)\ntime.sleep(1)\nprint('after', flush=True)"
    )
    async with server.client("resume.ipynb") as first:
        cell = first.add_cell(code)
        await first.run([cell])
        await first.wait_until(lambda: "x" * 100_000 in first.output_text(cell))
    # Offline while the cell goes on; then back with the copy of the document it has.
    session = server.app.state.notebooks.get("resume.ipynb")
    await asyncio.wait_for(session.settled(), timeout=30)
    async with server.client("resume.ipynb", resume=first) as again:
        assert again.output_text(cell) == "x" * 100_000 + "\nafter\n"
        missed = again.step2_sizes[-1]
    async with server.client("resume.ipynb") as fresh:
        whole = fresh.step2_sizes[-1]
    assert whole > 100_000 and missed < 2_000, (missed, whole)


async def test_first_connection_after_the_run_sees_everything_and_it_is_on_disk(
    server: Server,
) -> None:
    write_notebook(server.root / "late.ipynb", cells=["for i in range(3):\n    print('line', i)"])
    async with server.client("late.ipynb") as nb:
        [cell] = [c["id"] for c in nb.cells]
        await nb.run([cell])
    # No browser attached from here on: the run ends and autosave writes it to disk.
    session = server.app.state.notebooks.get("late.ipynb")
    await asyncio.wait_for(session.settled(), timeout=30)
    assert (await server.saved("late.ipynb")).cells[0].outputs[0].text == "line 0\nline 1\nline 2\n"
    async with server.client("late.ipynb") as nb:
        assert nb.output_text(cell) == "line 0\nline 1\nline 2\n"


async def test_two_clients_typing_into_one_cell_converge(server: Server) -> None:
    write_notebook(server.root / "t.ipynb", cells=["ab"])
    async with server.client("t.ipynb") as one, server.client("t.ipynb") as two:
        src1 = one.cells[0]["source"]
        src2 = two.cells[0]["source"]
        src1.insert(1, "ONE")  # a + ONE + b
        src2.insert(2, "TWO")  # ab + TWO, at the same moment
        await one.wait_until(lambda: "TWO" in str(one.cells[0]["source"]))
        await two.wait_until(lambda: "ONE" in str(two.cells[0]["source"]))
        assert str(one.cells[0]["source"]) == str(two.cells[0]["source"]) == "aONEbTWO"


async def test_a_browser_is_not_sent_its_own_edits_back(server: Server) -> None:
    write_notebook(server.root / "echo.ipynb", cells=["ab"])
    async with server.client("echo.ipynb") as one, server.client("echo.ipynb") as two:
        updates: list[bytes] = []
        receive = one._receive

        def record(frame: JsonFrame | YFrame) -> None:
            if isinstance(frame, YFrame) and frame.kind == SYNC:
                updates.append(bytes(frame.payload))
            receive(frame)

        one._receive = record  # type: ignore[method-assign]
        one.cells[0]["source"].insert(1, "FROMONE")
        await two.wait_until(lambda: "FROMONE" in str(two.cells[0]["source"]))
        two.cells[0]["source"].insert(0, "FROMTWO")
        await one.wait_until(lambda: "FROMTWO" in str(one.cells[0]["source"]))
        # Yjs updates carry inserted text as UTF-8: the other browser's edit came, and
        # this browser's own edit never came back (it cost both ends a decode per key).
        assert any(b"FROMTWO" in u for u in updates)
        assert not any(b"FROMONE" in u for u in updates)


async def test_cursors_are_relayed_and_removed_when_a_browser_leaves(server: Server) -> None:
    from notewire.server.session import awareness

    write_notebook(server.root / "aw.ipynb")
    update = pycrdt.Encoder()
    for value in (1, 42, 5):  # one client (42), clock 5
        update.write_var_uint(value)
    update.write_var_string('{"cursor": {"cell": "c1", "anchor": 3}}')
    data = update.to_bytes()
    length = pycrdt.Encoder()
    length.write_var_uint(len(data))
    async with server.client("aw.ipynb") as watcher:
        async with server.client("aw.ipynb") as typist:
            await typist.send_awareness(length.to_bytes() + data)
            await watcher.wait_until(lambda: watcher.awareness)
            assert awareness.announced(watcher.awareness[0]) == {42: 5}
        await watcher.wait_until(lambda: len(watcher.awareness) == 2)
        assert awareness.announced(watcher.awareness[1]) == {42: 6}  # state null: gone


async def test_a_malformed_awareness_frame_is_refused_and_the_socket_kept(
    server: Server,
) -> None:
    write_notebook(server.root / "bad-aw.ipynb")
    async with server.client("bad-aw.ipynb") as nb, server.client("bad-aw.ipynb") as other:
        for junk in (b"\x03\x01\x01", b"\xff" * 10 + b"\x01", b"\x05\xff"):
            await nb.send_awareness(junk)
        # The sender's socket still works: a save round trip comes back.
        start = len(nb.messages)
        await nb.send({"type": "save", "checkpoint": True})
        await nb.next_message("save", after=start)
        assert not nb.closed.done()
        assert other.awareness == []  # nothing malformed reached the other browser


async def test_input_and_getpass(server: Server, kernel_name: str) -> None:
    write_notebook(server.root / "i.ipynb", kernel=kernel_name)
    async with server.client("i.ipynb") as nb, server.client("i.ipynb") as other:
        cell = nb.add_cell("name = input('who? ')\nprint('hi', name)")
        await nb.run([cell])
        request = await other.next_message("input_request")
        assert request["prompt"] == "who? " and request["password"] is False
        await other.send({"type": "input_reply", "request": request["request"], "value": "ada"})
        await nb.next_message("input_done")
        await nb.wait_until(lambda: nb.run_state(cell) == "done")
        # The prompt and the answer stay in the output, before what the code printed.
        assert nb.output_text(cell) == "who? ada\nhi ada\n"

        secret = nb.add_cell("import getpass\nkey = getpass.getpass('key: ')\nprint(len(key))")
        seen = len(nb.messages)
        await nb.run([secret])
        request = await nb.next_message("input_request", after=seen)
        assert request["password"] is True
        await nb.send({"type": "input_reply", "request": request["request"], "value": "hunter2"})
        await nb.wait_until(lambda: nb.run_state(secret) == "done")
        assert nb.output_text(secret) == "key: ········\n7\n"  # never the secret itself


async def test_help_pages_show_as_output(server: Server, kernel_name: str) -> None:
    write_notebook(server.root / "help.ipynb", kernel=kernel_name)
    async with server.client("help.ipynb") as nb:
        cell = nb.add_cell("len?")
        await nb.run_and_wait([cell])
        [page] = nb.outputs(cell)
        assert "Return the number of items" in page["data"]["text/plain"]


async def test_complete_and_inspect(server: Server) -> None:
    write_notebook(server.root / "c.ipynb")
    async with server.client("c.ipynb") as nb:
        reply = await nb.request({"type": "complete", "code": "import o", "cursor_pos": 8})
        assert reply["type"] == "complete_reply"
        assert "os" in reply["content"]["matches"]
        reply = await nb.request(
            {"type": "inspect", "code": "len", "cursor_pos": 3, "detail_level": 0}
        )
        assert "Return the number of items" in reply["content"]["data"]["text/plain"]


async def test_comms_with_binary_buffers_and_late_browsers(server: Server) -> None:
    write_notebook(server.root / "comm.ipynb")
    setup = (
        "from comm import create_comm\n"
        "echo = create_comm(target_name='echo', data={'hello': 1}, buffers=[b'\\x00opened'])\n"
        "def on_msg(msg):\n"
        "    echo.send({'got': msg['content']['data']}, buffers=[bytes(b)[::-1] for b in msg['buffers']])\n"
        "echo.on_msg(on_msg)"
    )
    async with server.client("comm.ipynb") as nb:
        cell = nb.add_cell(setup)
        await nb.run_and_wait([cell])
        opened = await nb.next_message("comm_open")
        comm_id = opened["content"]["comm_id"]
        index = nb.messages.index(opened)
        assert nb.buffers[index] == (b"\x00opened",)
        payload = bytes(range(256)) * 1000
        start = len(nb.messages)
        await nb.send(
            {"type": "comm_msg", "content": {"comm_id": comm_id, "data": {"n": 1}}}, [payload]
        )
        echo = await nb.next_message("comm_msg", after=start)
        assert echo["content"]["data"] == {"got": {"n": 1}}
        assert nb.buffers[nb.messages.index(echo)] == (payload[::-1],)
        async with server.client("comm.ipynb") as late:
            [comm] = late.hello["comms"]
            assert comm["content"]["comm_id"] == comm_id
            assert comm["content"]["target_name"] == "echo"


async def test_change_kernel(server: Server) -> None:
    write_notebook(server.root / "ck.ipynb", kernel="notewire")
    async with server.client("ck.ipynb") as nb:
        await nb.wait_until(lambda: nb.kernel.get("state") == "idle", within=60)
        await nb.send({"type": "change_kernel", "name": "python3"})
        await nb.wait_until(
            lambda: nb.kernel.get("name") == "python3" and nb.kernel["state"] == "idle", within=60
        )
        cell = nb.add_cell("import ipykernel, sys\nprint(type(get_ipython().kernel).__module__)")
        await nb.run_and_wait([cell])
        assert nb.output_text(cell).startswith("ipykernel")
        meta = nb.doc.get("meta", type=pycrdt.Map)["metadata"]
        assert meta["kernelspec"]["name"] == "python3"
        start = len(nb.messages)
        await nb.send({"type": "change_kernel", "name": "no-such-kernel"})
        error = await nb.next_message("error", after=start)
        assert "no-such-kernel" in error["message"]


async def test_interrupt_and_restart(server: Server) -> None:
    write_notebook(server.root / "int.ipynb")
    async with server.client("int.ipynb") as nb:
        cell = nb.add_cell("import time\nprint('start', flush=True)\ntime.sleep(60)")
        after = nb.add_cell("print('queued')")
        await nb.run([cell, after])
        await nb.wait_until(lambda: "start" in nb.output_text(cell))
        await nb.send({"type": "interrupt"})
        await nb.wait_until(lambda: nb.run_state(cell) == "error")
        assert nb.outputs(cell)[-1]["ename"] == "KeyboardInterrupt"
        assert nb.run_state(after) == "idle"
        define = nb.add_cell("x = 1")
        await nb.run_and_wait([define])
        await nb.send({"type": "restart"})
        await nb.wait_until(lambda: nb.kernel["state"] == "restarting")
        await nb.wait_until(lambda: nb.kernel["state"] == "idle", within=60)
        check = nb.add_cell("'x' in globals()")
        await nb.run_and_wait([check])
        assert nb.outputs(check)[0]["data"]["text/plain"] == "False"


async def test_killed_kernel_is_reported_and_restarts_with_the_document_intact(
    server: Server,
) -> None:
    write_notebook(server.root / "kill.ipynb")
    async with server.client("kill.ipynb") as nb:
        cell = nb.add_cell("import os\nprint(os.getpid(), flush=True)\nimport time\ntime.sleep(60)")
        await nb.run([cell])
        await nb.wait_until(lambda: nb.output_text(cell).strip().isdigit())
        os.kill(int(nb.output_text(cell)), signal.SIGKILL)
        await nb.wait_until(lambda: nb.kernel["state"] == "dead")
        assert "SIGKILL" in nb.kernel["cause"] and "out of memory" in nb.kernel["cause"]
        await nb.wait_until(lambda: nb.run_state(cell) == "error")
        assert nb.outputs(cell)[0]["text"].strip().isdigit()  # what it printed is kept
        assert nb.outputs(cell)[-1]["ename"] == "KernelDied"
        await nb.send({"type": "restart"})
        await nb.wait_until(lambda: nb.kernel["state"] == "idle", within=60)
        again = nb.add_cell("print('alive')")
        await nb.run_and_wait([again])
        assert nb.output_text(again) == "alive\n"


async def test_save_round_trip_and_conflict(server: Server) -> None:
    path = server.root / "s.ipynb"
    write_notebook(path, cells=["print(1)"])
    # As the kernel says it: the server writes what the kernel reports into the file.
    from notewire.kernel.info import LANGUAGE_INFO

    nb_file = nbformat.read(path, as_version=4)
    nb_file.metadata["language_info"] = LANGUAGE_INFO
    nbformat.write(nb_file, path)
    original = path.read_bytes()
    async with server.client("s.ipynb") as nb:
        await nb.send({"type": "save"})  # nothing changed: the file stays byte for byte
        assert path.read_bytes() == original
        cell = nb.cells[0]["id"]
        await nb.run_and_wait([cell])
        start = len(nb.messages)
        await nb.send({"type": "save", "checkpoint": True})
        await nb.wait_until(  # that save (the end of the run saves too, maybe first)
            lambda: any(m["type"] == "save" and m["checkpoint"] for m in nb.messages[start:])
        )
        saved = nbformat.reads(path.read_text(), as_version=4)
        nbformat.validate(saved)
        assert saved.cells[0].outputs[0].text == "1\n"
        assert (server.root / ".ipynb_checkpoints" / "s-checkpoint.ipynb").exists()
        # Someone else writes the file while we have unsaved changes.
        nb.add_cell("2")
        await nb.wait_until(lambda: server.app.state.notebooks.get("s.ipynb").dirty)
        path.write_text(json.dumps({**json.loads(original), "metadata": {"other": True}}))
        start = len(nb.messages)
        await nb.send({"type": "save"})
        conflict = await nb.next_message("conflict", after=start)
        assert conflict["disk_modified"]
        assert json.loads(path.read_text())["metadata"] == {"other": True}  # not overwritten
        before = nb.doc_id
        await nb.send({"type": "resolve_conflict", "choice": "reload"})
        await nb.wait_until(lambda: nb.doc_id != before and nb.synced.is_set())
        assert len(nb.cells) == 1
        assert nb.doc.get("meta", type=pycrdt.Map)["metadata"] == {"other": True}


async def test_a_save_cut_short_by_its_caller_leaving_is_no_conflict(server: Server) -> None:
    # A browser that leaves cancels its socket's tasks, the save it asked for among
    # them. A large file, so that the cancel comes while the file is being written.
    path = server.root / "big.ipynb"
    nb_file = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("print('x')")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="x" * 999_999)] * 30
    nb_file.cells = [cell]
    path.write_text(nbformat.writes(nb_file))
    session = await server.app.state.notebooks.open("big.ipynb")
    for attempt in range(3):
        schema.cells_array(session.doc).append(schema.new_cell("markdown", f"edit {attempt}"))
        asked = asyncio.create_task(session.save())
        async with asyncio.timeout(60):
            # The write has begun when its temp file is there (that sets no event).
            while not any(server.root.glob(".~big.ipynb.*.tmp")):  # noqa: ASYNC110
                await asyncio.sleep(0.001)
        asked.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asked
        # The session knows what it wrote: the next save is no conflict with itself.
        await session.save(checkpoint=True)
    saved = nbformat.reads(path.read_text(), as_version=4)
    assert [c.source for c in saved.cells[1:]] == [f"edit {i}" for i in range(3)]


async def test_file_changed_on_disk_while_clean_is_reloaded(server: Server) -> None:
    path = server.root / "r.ipynb"
    write_notebook(path, cells=["old"])
    async with server.client("r.ipynb") as nb:
        first = nb.doc_id
        write_notebook(path, cells=["new"])
        await nb.wait_until(
            lambda: nb.doc_id != first and nb.synced.is_set() and len(nb.cells) == 1, within=30
        )
        assert str(nb.cells[0]["source"]) == "new"


async def test_bad_frames_get_an_error_and_the_connection_lives(server: Server) -> None:
    write_notebook(server.root / "bad.ipynb")
    async with server.client("bad.ipynb") as nb:
        start = len(nb.messages)
        await nb.ws.send("not json")
        await nb.ws.send(b"\x07junk")
        await nb.ws.send(json.dumps({"type": "run", "cells": "nope"}))
        await nb.ws.send(json.dumps({"type": "no_such_thing"}))
        await nb.wait_until(lambda: sum(m["type"] == "error" for m in nb.messages[start:]) == 4)
        cell = nb.add_cell("print('still fine')")
        await nb.run_and_wait([cell])
        assert nb.output_text(cell) == "still fine\n"


async def test_untrusted_outputs_are_marked_until_run_or_trusted(server: Server) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "html",
            outputs=[
                nbformat.v4.new_output("display_data", {"text/html": "<script>alert(1)</script>"})
            ],
        )
    ]
    (server.root / "foreign.ipynb").write_text(nbformat.writes(nb))  # not made by this user
    async with server.client("foreign.ipynb") as client:
        assert client.hello["trusted"] is False
        assert client.cells[0]["trusted"] is False
        await client.send({"type": "trust"})
        await client.wait_until(lambda: client.cells[0]["trusted"] is True)
    await asyncio.wait_for(server.app.state.notebooks.get("foreign.ipynb").settled(), timeout=30)
    # Saved after trusting: signed, so it opens trusted next time.
    session = server.app.state.notebooks.get("foreign.ipynb")
    await session.reload()
    assert session.trusted is True


async def test_restore_checkpoint(server: Server) -> None:
    write_notebook(server.root / "cp.ipynb", cells=["first"])
    async with server.client("cp.ipynb") as nb:
        await nb.send({"type": "save", "checkpoint": True})
        await nb.wait_until(lambda: nb.save_status.get("checkpoint"))
        nb.cells[0]["source"] += " changed"
        await nb.wait_until(lambda: nb.save_status.get("dirty"))
        before = nb.doc_id
        await nb.send({"type": "restore_checkpoint"})
        await nb.wait_until(lambda: nb.doc_id != before and nb.synced.is_set())
        assert str(nb.cells[0]["source"]) == "first"


async def test_kernels_rest_never_shows_the_key(server: Server) -> None:
    import httpx

    write_notebook(server.root / "k.ipynb")
    async with server.client("k.ipynb") as nb:
        await nb.wait_until(lambda: nb.kernel.get("state") == "idle", within=60)
        headers = {"Authorization": f"token {server.token}"}
        async with httpx.AsyncClient(base_url=server.url, headers=headers) as http:
            kernels = (await http.get("/api/kernels")).json()
            [kernel] = kernels
            assert kernel["notebook"] == "k.ipynb" and kernel["execution_state"] == "idle"
            opened = (await http.get("/api/notebooks")).json()
            assert opened[0]["path"] == "k.ipynb"
            key = server.app.state.notebooks.get("k.ipynb").kernel.handle.connection_info.key
            for response in (kernels, opened, nb.hello):
                assert key and key not in json.dumps(response)
            restarted = await http.post(f"/api/kernels/{kernel['id']}/restart")
            assert restarted.status_code == 200
            await nb.wait_until(lambda: nb.kernel.get("state") == "idle", within=60)
            assert (await http.post(f"/api/kernels/{kernel['id']}/interrupt")).status_code == 200
            assert (await http.delete(f"/api/kernels/{kernel['id']}")).status_code == 204
            assert (await http.get("/api/kernels")).json() == []
            await asyncio.wait_for(nb.closed, timeout=30)  # the notebook was closed with it
            # The reason tells the pages not to reconnect (that would start a kernel).
            assert (nb.ws.close_code, nb.ws.close_reason) == (4009, "kernel shut down")
            assert (await http.get("/api/kernels/nope")).status_code == 404


async def test_websocket_refuses_foreign_origins_and_oversized_messages(server: Server) -> None:
    import websockets

    write_notebook(server.root / "o.ipynb")
    with pytest.raises(websockets.exceptions.InvalidStatus) as refused:
        async with server.client("o.ipynb", origin="http://evil.example"):
            pass
    assert refused.value.response.status_code == 403
    with pytest.raises(websockets.exceptions.InvalidStatus) as refused:
        async with NotebookClient.connect(server.url, "o.ipynb", token="wrong"):
            pass
    assert refused.value.response.status_code in (401, 403)
    async with server.client("o.ipynb") as nb:
        # The server may refuse the frame by its header, before the send has ended.
        with contextlib.suppress(websockets.exceptions.ConnectionClosed):
            await nb.ws.send(b"\x02" + b"x" * (64 * 2**20 + 1))
        await asyncio.wait_for(nb.closed, timeout=30)
        assert nb.ws.close_code == 1009


async def test_websocket_messages_are_not_compressed(server: Server) -> None:
    """Per-message deflate ran on the event loop, once per browser for every update;
    the client offers it, the server must decline."""
    write_notebook(server.root / "z.ipynb")
    async with server.client("z.ipynb") as nb:
        assert nb.ws.response is not None
        assert "permessage-deflate" not in nb.ws.response.headers.get(
            "Sec-WebSocket-Extensions", ""
        )


# An interrupted flood ends once the server has taken in what the kernel sent before the
# interrupt: on a loaded machine that backlog takes a while.
@pytest.mark.timeout(240)
async def test_endless_output_keeps_the_document_bounded(tmp_path: Path) -> None:
    from notewire.server.notebook.outputs import OutputLimits

    from .notebook_server import running_server

    root = tmp_path / "root"
    root.mkdir()
    limits = OutputLimits(max_stream_chars=100_000, max_outputs=50)
    async with running_server(root, tmp_path, limits=limits) as server:
        write_notebook(root / "endless.ipynb")
        async with server.client("endless.ipynb") as nb:
            prints = nb.add_cell("while True:\n    print('x' * 99)")
            displays = nb.add_cell(
                "from IPython.display import display\nwhile True:\n    display('y')"
            )
            session = server.app.state.notebooks.get("endless.ipynb")

            def dropped_chars() -> int:
                outputs = nb.cell(prints)["outputs"]
                return int(outputs[0].get("dropped_chars") or 0) if len(outputs) else 0

            await nb.run([prints])
            await nb.wait_until(lambda: dropped_chars() > 2_000_000, within=60)
            early = len(session.doc.get_update())
            await nb.wait_until(lambda: dropped_chars() > 20_000_000, within=60)
            late = len(session.doc.get_update())
            # Ten times the output, and the document did not grow with it.
            assert late < 1.2 * early, (early, late)
            await nb.send({"type": "interrupt"})
            await nb.wait_until(lambda: nb.run_state(prints) == "error", within=90)

            await nb.run([displays])
            await nb.wait_until(lambda: int(nb.cell(displays).get("outputs_dropped") or 0) > 1000)
            assert len(nb.cell(displays)["outputs"]) <= limits.max_outputs
            await nb.send({"type": "interrupt"})
            await nb.wait_until(lambda: nb.run_state(displays) == "error", within=90)
        await asyncio.wait_for(session.settled(), timeout=30)
        saved = await server.saved("endless.ipynb")
        nbformat.validate(saved)
        assert len(saved.cells[1].outputs) <= limits.max_outputs


async def test_output_frames_get_an_opaque_origin_and_no_network(server: Server) -> None:
    import httpx

    async with httpx.AsyncClient(base_url=server.url) as http:
        frame = await http.get("/static/sandbox.html")  # public: it holds no secret
        page = await http.get(
            "/notebooks/x.ipynb", headers={"Authorization": f"token {server.token}"}
        )
    assert frame.status_code == 200 and page.status_code == 200
    frame_csp = frame.headers["content-security-policy"]
    assert "sandbox allow-scripts" in frame_csp and "allow-same-origin" not in frame_csp
    assert "connect-src 'none'" in frame_csp
    page_csp = page.headers["content-security-policy"]
    assert "script-src" not in page_csp and "default-src 'self'" in page_csp


async def test_widget_frames_get_an_opaque_origin_blob_scripts_and_no_network(
    server: Server,
) -> None:
    import httpx

    async with httpx.AsyncClient(base_url=server.url) as http:
        frame = await http.get("/static/widgets.html")  # public: it holds no secret
    assert frame.status_code == 200
    csp = frame.headers["content-security-policy"]
    assert "sandbox allow-scripts" in csp and "allow-same-origin" not in csp
    assert "connect-src 'none'" in csp
    # anywidget imports `_esm` code from a Blob URL; the output frames do not allow that.
    script_src = next(d for d in csp.split(";") if d.strip().startswith("script-src"))
    assert "blob:" in script_src.split()


async def test_browsers_hear_of_busy_only_when_it_lasts(server: Server) -> None:
    write_notebook(server.root / "busy.ipynb")
    async with server.client("busy.ipynb") as nb:
        await nb.wait_until(lambda: nb.kernel.get("state") == "idle", within=60)

        def states(start: int) -> list[str]:
            return [m["state"] for m in nb.messages[start:] if m["type"] == "kernel"]

        quick = nb.add_cell("1")
        start = len(nb.messages)
        await nb.run_and_wait([quick])
        assert states(start) == []
        slow = nb.add_cell("import time; time.sleep(0.5)")
        start = len(nb.messages)
        await nb.run_and_wait([slow])
        await nb.wait_until(lambda: states(start) == ["busy", "idle"])


async def test_the_queue_runs_on_after_the_browser_leaves(server: Server) -> None:
    write_notebook(server.root / "q.ipynb")
    async with server.client("q.ipynb") as nb:
        cells = [nb.add_cell(f"import time; time.sleep(0.2); print({i})") for i in range(4)]
        await nb.run(cells)
        await nb.wait_until(lambda: nb.run_state(cells[-1]) == "queued")
    # Nobody is attached while the queue drains.
    await asyncio.wait_for(server.app.state.notebooks.get("q.ipynb").settled(), timeout=30)
    async with server.client("q.ipynb") as nb:
        assert [nb.output_text(c) for c in cells] == ["0\n", "1\n", "2\n", "3\n"]
        assert [nb.run_state(c) for c in cells] == ["done"] * 4


async def test_a_broken_or_missing_notebook_is_refused_with_a_reason(server: Server) -> None:
    (server.root / "broken.ipynb").write_text('{"cells": [}')
    with pytest.raises(ConnectionError):
        async with server.client("broken.ipynb"):
            pass
    with pytest.raises(ConnectionError):
        async with server.client("missing.ipynb"):
            pass
    import websockets

    url = server.url.replace("http", "ws") + "/api/notebooks/broken.ipynb/ws"
    headers = {"Authorization": f"token {server.token}"}
    async with websockets.connect(url, additional_headers=headers) as ws:
        error = json.loads(await ws.recv())
        assert error["type"] == "error" and "not valid JSON" in error["message"]
        with pytest.raises(websockets.ConnectionClosed):
            await ws.recv()
        assert ws.close_code == 4000
    assert (server.root / "broken.ipynb").read_text() == '{"cells": [}'  # left as it was
    url = server.url.replace("http", "ws") + "/api/notebooks/sub%2Fmissing.ipynb/ws"
    async with websockets.connect(url, additional_headers=headers) as ws:
        error = json.loads(await ws.recv())
        # Named as the API names files, relative to the root: no path of the machine.
        assert error["message"] == "No such file or directory: sub/missing.ipynb"
        assert str(server.root) not in error["message"]
    outside = server.root.parent / "outside.ipynb"
    write_notebook(outside)
    (server.root / ".hidden.ipynb").write_text(outside.read_text())
    for path in ("%2e%2e/outside.ipynb", ".hidden.ipynb", "%2Ftmp%2Foutside.ipynb"):
        url = server.url.replace("http", "ws") + f"/api/notebooks/{path}/ws"
        async with websockets.connect(url, additional_headers=headers) as ws:
            error = json.loads(await ws.recv())
            assert error["type"] == "error", path
            with pytest.raises(websockets.ConnectionClosed):
                await ws.recv()
            assert ws.close_code in (4000, 4004), path
    assert server.app.state.notebooks.get("broken.ipynb") is None


async def test_kernels_learn_which_cell_runs(server: Server, kernel_name: str) -> None:
    write_notebook(server.root / "cid.ipynb", kernel=kernel_name)
    async with server.client("cid.ipynb") as nb:
        hook = nb.add_cell(
            "get_ipython().events.register('pre_run_cell', lambda info: print(info.cell_id))"
        )
        probe = nb.add_cell("pass")
        await nb.run_and_wait([hook, probe])
        assert nb.output_text(probe) == f"{probe}\n"


async def test_a_notebook_nested_absurdly_deep_is_refused_with_a_reason(server: Server) -> None:
    import websockets

    headers = {"Authorization": f"token {server.token}"}
    for depth in (800, 2000):
        text = deeply_nested_notebook(depth)
        (server.root / "deep.ipynb").write_text(text)
        url = server.url.replace("http", "ws") + "/api/notebooks/deep.ipynb/ws"
        async with websockets.connect(url, additional_headers=headers) as ws:
            error = json.loads(await ws.recv())
            assert error == {"type": "error", "message": "JSON nested more than 200 levels deep"}
            with pytest.raises(websockets.ConnectionClosed):
                await ws.recv()
            assert ws.close_code == 4000
