"""Requests sent while the kernel starts: kernel_info is answered early (boot.py), and
everything else is kept, in order, for the kernel proper."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import zmq
from jupyter_client.blocking.client import BlockingKernelClient
from jupyter_client.manager import KernelManager

from tests.kernel.helpers import TIMEOUT, collect, wait_for_welcome


@pytest.fixture
def starting() -> Iterator[BlockingKernelClient]:
    """A client whose kernel was only just launched: nothing waited for yet."""
    km = KernelManager(kernel_name="notewire")
    # Connect within 5 ms of the kernel binding, not jupyter_client's 100 ms: the
    # requests must arrive while the kernel is still loading IPython (~100 ms here).
    km.context.setsockopt(zmq.RECONNECT_IVL, 5)
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    try:
        yield kc
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def _shell_replies(kc: BlockingKernelClient, n: int) -> list[dict]:
    return [kc.get_shell_msg(timeout=TIMEOUT) for _ in range(n)]


def test_requests_sent_during_start_are_answered_in_order(
    starting: BlockingKernelClient,
) -> None:
    kc = starting
    info_id = kc.kernel_info()
    run_id = kc.execute("x = 6 * 7\nprint(x)")
    info_after_run_id = kc.kernel_info()  # kept behind the execute: must not overtake it

    replies = _shell_replies(kc, 3)
    assert [r["parent_header"]["msg_id"] for r in replies] == [info_id, run_id, info_after_run_id]
    early, ran, late = (r["content"] for r in replies)
    assert ran["status"] == "ok"
    assert ran["execution_count"] == 1
    # The answer given before IPython loaded is the kernel proper's answer.
    assert early == late
    assert early["implementation"] == "notewire"
    assert early["language_info"]["name"] == "python"

    wait_for_welcome(kc)
    later = collect(kc, kc.kernel_info())
    assert later.content == early
    run = collect(kc, kc.execute("print(x + 1)"))
    assert run.stdout() == "43\n"


def test_control_kernel_info_and_shutdown_during_start(starting: BlockingKernelClient) -> None:
    kc = starting
    info = kc.session.msg("kernel_info_request", {})
    kc.control_channel.send(info)
    reply = kc.get_control_msg(timeout=TIMEOUT)
    assert reply["parent_header"]["msg_id"] == info["header"]["msg_id"]
    assert reply["content"]["implementation"] == "notewire"

    bye = kc.session.msg("shutdown_request", {"restart": False})
    kc.control_channel.send(bye)
    reply = kc.get_control_msg(timeout=TIMEOUT)
    assert reply["parent_header"]["msg_id"] == bye["header"]["msg_id"]
    assert reply["content"]["status"] == "ok"


def test_an_interrupt_during_start_does_not_kill_the_kernel() -> None:
    km = KernelManager(kernel_name="notewire")
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    try:
        # The first kernel_info answer comes from the start-up phase, before the shell
        # exists; interrupt right then. (Only the shell reply is awaited: the idle
        # status may have gone out before this client's iopub subscription was live.)
        info_id = kc.kernel_info()
        assert kc.get_shell_msg(timeout=TIMEOUT)["parent_header"]["msg_id"] == info_id
        km.interrupt_kernel()
        wait_for_welcome(kc)
        run = collect(kc, kc.execute("print('still here')"))
        assert run.content["status"] == "ok"
        assert run.stdout() == "still here\n"
        assert km.is_alive()
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_a_failing_cell_sent_during_start_aborts_the_ones_behind_it(
    starting: BlockingKernelClient,
) -> None:
    kc = starting
    failing = kc.execute("raise RuntimeError('first fails')")
    behind = [kc.execute("print('must not run')") for _ in range(2)]
    replies = _shell_replies(kc, 3)
    assert [r["parent_header"]["msg_id"] for r in replies] == [failing, *behind]
    assert replies[0]["content"]["ename"] == "RuntimeError"
    for reply in replies[1:]:
        assert reply["content"]["status"] == "error"
        assert reply["content"]["ename"] == "ExecutionAborted"
    wait_for_welcome(kc)
    assert collect(kc, kc.execute("print('runs again')")).stdout() == "runs again\n"
