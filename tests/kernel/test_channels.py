"""Comms, stdin, interrupt, shutdown and restart, over real sockets."""

from __future__ import annotations

import signal
import time
import uuid

import pytest
from jupyter_client.blocking.client import BlockingKernelClient
from jupyter_client.manager import KernelManager

from tests.kernel.helpers import (
    TIMEOUT,
    collect,
    collect_interrupted,
    execute,
    iopub_until_idle,
    plain,
    shell_request,
)

ECHO_TARGET = """
import comm
def _echo_target(c, open_msg):
    c.send({"opened_with": open_msg["content"]["data"]})
    c.on_msg(lambda m: c.send({"echo": m["content"]["data"]}, buffers=m["buffers"]))
    c.on_close(lambda m: print("closed", m["content"]["data"]))
comm.get_comm_manager().register_target("echo", _echo_target)
"""


def test_comm_round_trip_with_binary_buffers(kc: BlockingKernelClient) -> None:
    execute(kc, ECHO_TARGET)
    comm_id = uuid.uuid4().hex
    opened = iopub_until_idle(
        kc,
        shell_request(
            kc, "comm_open", {"comm_id": comm_id, "target_name": "echo", "data": {"x": 1}}
        ),
    )
    assert [m["msg_type"] for m in opened] == ["status", "comm_msg", "status"]
    assert opened[1]["content"]["data"] == {"opened_with": {"x": 1}}

    payload = bytes(range(256)) * 400  # 100 KiB, every byte value
    echoed = iopub_until_idle(
        kc,
        shell_request(kc, "comm_msg", {"comm_id": comm_id, "data": {"n": 2}}, [payload, b"\x00"]),
    )
    reply = [m for m in echoed if m["msg_type"] == "comm_msg"][0]
    assert reply["content"] == {"comm_id": comm_id, "data": {"echo": {"n": 2}}}
    assert [bytes(b) for b in reply["buffers"]] == [payload, b"\x00"]

    info = kc.comm_info(target_name="echo")
    assert comm_id in collect(kc, info).content["comms"]

    closed = iopub_until_idle(
        kc, shell_request(kc, "comm_close", {"comm_id": comm_id, "data": {"bye": True}})
    )
    assert "closed {'bye': True}\n" in [m["content"].get("text") for m in closed]
    assert comm_id not in collect(kc, kc.comm_info()).content["comms"]


def test_comm_open_to_unknown_target_is_closed_back(kc: BlockingKernelClient) -> None:
    comm_id = uuid.uuid4().hex
    seen = iopub_until_idle(
        kc,
        shell_request(
            kc, "comm_open", {"comm_id": comm_id, "target_name": "no-such-target", "data": {}}
        ),
    )
    assert [m["msg_type"] for m in seen] == ["status", "comm_close", "status"]
    assert seen[1]["content"]["comm_id"] == comm_id


def test_kernel_opened_comm_reaches_client(kc: BlockingKernelClient) -> None:
    run = execute(
        kc,
        "import comm\nc = comm.create_comm(target_name='from-kernel', data={'hello': 1}, buffers=[b'raw'])",
    )
    opened = [m for m in run.iopub if m["msg_type"] == "comm_open"][0]
    assert opened["content"]["target_name"] == "from-kernel"
    assert opened["content"]["data"] == {"hello": 1}
    assert [bytes(b) for b in opened["buffers"]] == [b"raw"]


def test_input_and_getpass_over_stdin(kc: BlockingKernelClient) -> None:
    msg_id = kc.execute(
        "name = input('Name? ')\nimport getpass\npw = getpass.getpass('Pw? ')\nprint(name, len(pw))",
        allow_stdin=True,
    )
    first = kc.get_stdin_msg(timeout=TIMEOUT)
    assert first["content"] == {"prompt": "Name? ", "password": False}
    assert first["parent_header"]["msg_id"] == msg_id
    kc.input("Ada")
    second = kc.get_stdin_msg(timeout=TIMEOUT)
    assert second["content"] == {"prompt": "Pw? ", "password": True}
    kc.input("secret")
    assert collect(kc, msg_id).stdout() == "Ada 6\n"


def test_input_without_stdin_fails_clearly(kc: BlockingKernelClient) -> None:
    run = execute(kc, "input('x')", allow_stdin=False)
    assert run.content["status"] == "error"
    assert run.content["ename"] == "StdinNotImplementedError"


def _wait_started(kc: BlockingKernelClient, code: str) -> str:
    """Run `code`, which prints 'started' first, and return once that is seen."""
    msg_id = kc.execute(code)
    deadline = time.monotonic() + TIMEOUT
    while True:
        msg = kc.get_iopub_msg(timeout=deadline - time.monotonic())
        if (
            msg["parent_header"].get("msg_id") == msg_id
            and msg["msg_type"] == "stream"
            and "started" in msg["content"]["text"]
        ):
            return msg_id


SLEEPER = "import time\nprint('started', flush=True)\ntime.sleep(30)"


def test_interrupt_by_signal(fresh_kernel: tuple[KernelManager, BlockingKernelClient]) -> None:
    km, kc = fresh_kernel
    msg_id = _wait_started(kc, SLEEPER)
    t0 = time.monotonic()
    km.interrupt_kernel()  # SIGINT, as the kernelspec's interrupt_mode says
    run = collect_interrupted(km, kc, msg_id)
    assert run.content["ename"] == "KeyboardInterrupt"
    assert time.monotonic() - t0 < 5
    assert execute(kc, "print('alive')").stdout() == "alive\n"


def test_interrupt_traceback_shows_only_user_code(
    fresh_kernel: tuple[KernelManager, BlockingKernelClient],
) -> None:
    km, kc = fresh_kernel
    msg_id = _wait_started(kc, "print('started', flush=True)\nwhile True:\n    pass")
    km.interrupt_kernel()
    run = collect_interrupted(km, kc, msg_id)
    [error] = run.of_type("error")
    traceback = plain("\n".join(error["traceback"]))
    assert error["ename"] == "KeyboardInterrupt"
    assert "while True" in traceback
    assert "notewire" not in traceback, traceback


def test_interrupt_by_control_message(
    fresh_kernel: tuple[KernelManager, BlockingKernelClient],
) -> None:
    km, kc = fresh_kernel
    msg_id = _wait_started(kc, SLEEPER)
    request = kc.session.msg("interrupt_request", {})
    kc.control_channel.send(request)
    reply = kc.get_control_msg(timeout=TIMEOUT)
    assert reply["msg_type"] == "interrupt_reply"
    assert collect(kc, msg_id).content["ename"] == "KeyboardInterrupt"
    assert execute(kc, "print('alive')").stdout() == "alive\n"


def test_interrupt_while_waiting_for_input(
    fresh_kernel: tuple[KernelManager, BlockingKernelClient],
) -> None:
    km, kc = fresh_kernel
    msg_id = kc.execute("input('never answered')", allow_stdin=True)
    kc.get_stdin_msg(timeout=TIMEOUT)
    km.interrupt_kernel()
    assert collect_interrupted(km, kc, msg_id).content["ename"] == "KeyboardInterrupt"


def test_sigint_while_idle_does_not_kill(
    fresh_kernel: tuple[KernelManager, BlockingKernelClient],
) -> None:
    km, kc = fresh_kernel
    km.signal_kernel(signal.SIGINT)
    assert execute(kc, "print('still here')").stdout() == "still here\n"


def test_control_answers_while_user_code_runs(
    fresh_kernel: tuple[KernelManager, BlockingKernelClient],
) -> None:
    km, kc = fresh_kernel
    msg_id = _wait_started(kc, SLEEPER)
    request = kc.session.msg("kernel_info_request", {})
    kc.control_channel.send(request)
    # Well before the 30 s sleep ends, with room for a loaded CI machine.
    reply = kc.get_control_msg(timeout=15)
    assert reply["msg_type"] == "kernel_info_reply"
    assert reply["content"]["implementation"] == "notewire"
    km.interrupt_kernel()
    collect(kc, msg_id)


def test_shutdown_on_control_exits_cleanly(
    fresh_kernel: tuple[KernelManager, BlockingKernelClient],
) -> None:
    km, kc = fresh_kernel
    request = kc.session.msg("shutdown_request", {"restart": False})
    kc.control_channel.send(request)
    reply = kc.get_control_msg(timeout=TIMEOUT)
    assert reply["msg_type"] == "shutdown_reply"
    assert reply["content"]["restart"] is False
    assert km.provisioner is not None
    assert km.provisioner.process is not None
    assert km.provisioner.process.wait(timeout=TIMEOUT) == 0


def test_shutdown_while_busy_still_exits(
    fresh_kernel: tuple[KernelManager, BlockingKernelClient],
) -> None:
    km, kc = fresh_kernel
    _wait_started(
        kc,
        "import time\nprint('started', flush=True)\nwhile True:\n    try:\n        time.sleep(1)\n    except KeyboardInterrupt:\n        pass\n",
    )
    kc.control_channel.send(kc.session.msg("shutdown_request", {"restart": False}))
    assert kc.get_control_msg(timeout=TIMEOUT)["msg_type"] == "shutdown_reply"
    assert km.provisioner is not None and km.provisioner.process is not None
    km.provisioner.process.wait(timeout=15)


def test_restart_gives_a_fresh_namespace(
    fresh_kernel: tuple[KernelManager, BlockingKernelClient],
) -> None:
    km, kc = fresh_kernel
    execute(kc, "marker = 1")
    km.restart_kernel(now=False)
    kc.wait_for_ready(timeout=TIMEOUT)
    run = execute(kc, "'marker' in dir()")
    assert run.of_type("execute_result")[0]["data"]["text/plain"] == "False"


@pytest.mark.parametrize("cursor_text", ["zi", "é = 1; zi", "𝔸 = 1; zi"])
def test_complete_cursor_counts_code_points(kc: BlockingKernelClient, cursor_text: str) -> None:
    reply = collect(kc, kc.complete(cursor_text, len(cursor_text))).content
    assert "zip" in reply["matches"]
    assert reply["cursor_end"] == len(cursor_text)
    assert reply["cursor_start"] == len(cursor_text) - 2
    assert all("type" in m for m in reply["metadata"]["_jupyter_types_experimental"])


def test_complete_and_inspect_at_the_end_of_megabytes_of_code(kc: BlockingKernelClient) -> None:
    # Parsing all of it took seconds per megabyte and held the shell meanwhile; the
    # default 20 s wait of `collect` is far more than the bounded work needs.
    filler = "x = 1\n" * 700_000  # about 4 MB
    code = filler + "import os\nos.pa"
    reply = collect(kc, kc.complete(code, len(code))).content
    assert "path" in reply["matches"]
    assert (reply["cursor_start"], reply["cursor_end"]) == (len(code) - 2, len(code))
    execute(kc, "import os")
    code = filler + "os.path"
    found = collect(kc, kc.inspect(code, len(code))).content
    assert found["found"] is True
    assert "posixpath" in plain(found["data"]["text/plain"])


def test_inspect_detail_levels(kc: BlockingKernelClient) -> None:
    execute(kc, "def documented(a, b=2):\n    'Adds things.'\n    return a + b\n")
    brief = collect(kc, kc.inspect("documented(", 10, detail_level=0)).content
    full = collect(kc, kc.inspect("documented(", 10, detail_level=1)).content
    assert brief["found"] and full["found"]
    assert "Adds things." in plain(brief["data"]["text/plain"])
    assert "return a + b" in plain(full["data"]["text/plain"])  # detail 1 shows the source
    assert collect(kc, kc.inspect("no_such_name_here", 5)).content["found"] is False


def test_interrupting_a_print_loop_keeps_messages_whole(
    fresh_kernel: tuple[KernelManager, BlockingKernelClient],
) -> None:
    """Interrupts land while output is being sent; no message may be cut in half."""
    km, kc = fresh_kernel
    for _ in range(5):
        msg_id = _wait_started(
            kc, "print('started', flush=True)\nwhile True:\n    print('x' * 100, flush=True)"
        )
        km.interrupt_kernel()
        assert collect(kc, msg_id).content["ename"] == "KeyboardInterrupt"
    assert execute(kc, "print('alive')").stdout() == "alive\n"
