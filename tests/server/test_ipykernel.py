"""The client and kernel handle against real ipykernel processes (the python3 spec)."""

from __future__ import annotations

import asyncio
import os
import signal
import stat

import pytest

from notewire.protocol import new_id
from notewire.protocol.content import (
    CommClose,
    Error,
    ExecuteInput,
    ExecuteReply,
    ExecuteResult,
    InputRequest,
    KernelInfoReply,
    Status,
)
from notewire.server.kernels import (
    ClientConfig,
    Incoming,
    KernelClosed,
    KernelDied,
    KernelSpec,
    KernelTimeout,
    Subscription,
    open_client,
    wait_ready,
)

from .conftest import (
    make_config,
    process_gone,
    reaped,
    run_until_sleeping,
    running_kernel,
    spec_with,
    wait_pid_exit,
)


def states(result_iopub: tuple[Incoming, ...]) -> list[str]:
    return [m.content.execution_state for m in result_iopub if isinstance(m.content, Status)]


@pytest.mark.parametrize("transport", ["ipc", "tcp"])
async def test_execute_and_kernel_info(transport: str) -> None:
    async with running_kernel(config=make_config(transport=transport)) as kernel:
        info = kernel.connection_info
        assert info.transport == transport
        if transport == "tcp":
            assert info.ip == "127.0.0.1"
        else:
            assert info.ip.startswith(str(kernel.connection_file.parent))
        assert isinstance(kernel.kernel_info, KernelInfoReply)  # learnt while waiting for ready
        assert kernel.kernel_info.language_info["name"] == "python"

        reply = await kernel.client.kernel_info()
        assert reply.implementation == "ipython"

        result = await kernel.client.execute("print('hello, world'); 6 * 7")
        assert result.status == "ok"
        assert result.execution_count == 1
        assert isinstance(result.reply.content, ExecuteReply)
        assert result.stream_text("stdout") == "hello, world\n"
        [value] = [m.content for m in result.outputs if isinstance(m.content, ExecuteResult)]
        assert value.data["text/plain"] == "42"
        assert states(result.iopub) == ["busy", "idle"]
        assert isinstance(result.iopub[1].content, ExecuteInput)
        assert all(m.parent_id == result.request.msg_id for m in result.iopub)

        assert await kernel.client.ping() < 1.0


async def test_error_and_concurrent_requests() -> None:
    async with running_kernel() as kernel:
        failed = await kernel.client.execute("1/0")
        assert failed.status == "error"
        assert isinstance(failed.reply.content, ExecuteReply)
        assert failed.reply.content.ename == "ZeroDivisionError"
        [error] = [m.content for m in failed.outputs]
        assert isinstance(error, Error)
        assert error.ename == "ZeroDivisionError"

        # Concurrent executes and requests each get their own reply and outputs.
        results = await asyncio.gather(
            *(kernel.client.execute(f"print({i})", stop_on_error=False) for i in range(5)),
            kernel.client.kernel_info(),
        )
        for i, result in enumerate(results[:5]):
            assert result.stream_text() == f"{i}\n"  # type: ignore[union-attr]


async def test_comm_open_to_unknown_target_is_closed() -> None:
    async with running_kernel() as kernel:
        client = kernel.client
        comm_id = new_id()
        msg = client.new_message(
            "comm_open", {"comm_id": comm_id, "target_name": "no-such-target", "data": {}}
        )
        with client.subscribe(("iopub",), parent=msg.msg_id) as sub:
            await client.send("shell", msg)
            async with asyncio.timeout(10):
                async for incoming in sub:
                    if isinstance(incoming.content, CommClose):
                        break
        assert incoming.content.comm_id == comm_id


async def test_stdin_input_round_trip() -> None:
    async with running_kernel() as kernel:
        prompts: list[InputRequest] = []

        async def answer(request: InputRequest) -> str:
            prompts.append(request)
            return "notewire"

        result = await kernel.client.execute(
            "name = input('Your name? '); print('hi', name)", on_input=answer
        )
        assert result.status == "ok"
        assert [p.prompt for p in prompts] == ["Your name? "]
        assert result.stream_text() == "hi notewire\n"

        # Without a handler stdin is not allowed, and the kernel says so at once.
        refused = await kernel.client.execute("input()")
        assert refused.status == "error"
        assert refused.reply.content.ename == "StdinNotImplementedError"  # type: ignore[union-attr]


@pytest.mark.parametrize("mode", ["signal", "message"])
async def test_interrupt_stops_running_code(python3_spec: KernelSpec, mode: str) -> None:
    async with running_kernel(spec_with(python3_spec, interrupt_mode=mode)) as kernel:
        task = await run_until_sleeping(kernel)
        # ipykernel can lose a SIGINT that lands while it is still flushing the print
        # that told us it sleeps (seen about once in a few hundred runs on a loaded
        # machine): interrupt again, as a user would, if the first one did nothing.
        for _ in range(3):
            await kernel.interrupt()
            done, _pending = await asyncio.wait([task], timeout=5)
            if done:
                break
        async with asyncio.timeout(5):
            result = await task
        assert result.status == "error"  # type: ignore[attr-defined]
        assert result.reply.content.ename == "KeyboardInterrupt"  # type: ignore[attr-defined]
        after = await kernel.client.execute("'still alive'")
        assert after.status == "ok"


async def test_restart_gives_a_fresh_process_on_the_same_client() -> None:
    async with running_kernel() as kernel:
        client, pid = kernel.client, kernel.pid
        assert pid is not None
        await kernel.client.execute("x = 1")
        await kernel.restart()
        assert kernel.state == "running"
        assert kernel.client is client  # same connection info: connected clients keep working
        assert kernel.pid != pid
        assert reaped(pid)
        result = await kernel.client.execute("x")
        assert result.status == "error"
        assert result.reply.content.ename == "NameError"  # type: ignore[union-attr]
        assert result.execution_count == 1


async def test_shutdown_leaves_no_process_and_no_files() -> None:
    async with running_kernel() as kernel:
        # A background process whose parent shell has exited: the kernel no longer
        # knows it (ipykernel only stops its own children), but it is in the kernel's
        # process group. (A direct child would make ipykernel's shutdown wait for its
        # zombie for many seconds, until our grace period ran out.)
        result = await kernel.client.execute(
            "import subprocess\n"
            "cmd = 'sleep 300 >/dev/null 2>&1 & echo $!'\n"
            "print(subprocess.run(['sh', '-c', cmd], capture_output=True, text=True).stdout)"
        )
        grandchild = int(result.stream_text())
        assert not process_gone(grandchild)
        pid = kernel.pid
        assert pid is not None
        folder = kernel.connection_file.parent
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        assert stat.S_IMODE(kernel.connection_file.stat().st_mode) == 0o600

        await kernel.shutdown()
        assert kernel.state == "shutdown"
        assert reaped(pid)
        assert process_gone(pid)
        await wait_pid_exit(grandchild)  # killed with the kernel's process group
        assert process_gone(grandchild)
        assert not folder.exists()
        assert kernel.death is None  # we asked for it: not a death
        with pytest.raises(KernelClosed):
            await kernel.client.execute("1")
        with pytest.raises(KernelClosed):
            await kernel.interrupt()
        await kernel.shutdown()  # idempotent


async def test_sigkill_is_reported_with_its_cause() -> None:
    async with running_kernel() as kernel:
        running = await run_until_sleeping(kernel)
        assert kernel.pid is not None
        os.kill(kernel.pid, signal.SIGKILL)
        async with asyncio.timeout(10):
            with pytest.raises(KernelDied, match="possibly out of memory") as died:
                await running
            cause = await kernel.wait_exit()
        assert died.value.cause.signal == signal.SIGKILL
        assert cause.describe() == "was killed by SIGKILL (possibly out of memory)"
        assert kernel.state == "dead"
        assert kernel.death == cause
        with pytest.raises(KernelDied):
            await kernel.interrupt()

        await kernel.restart()  # a dead kernel can be revived
        assert kernel.state == "running"
        assert kernel.death is None
        assert (await kernel.client.execute("1 + 1")).status == "ok"


async def test_heartbeat_times_out_on_a_stopped_kernel_and_recovers() -> None:
    config = make_config(client=ClientConfig(heartbeat_timeout=0.3))
    async with running_kernel(config=config) as kernel:
        assert kernel.pid is not None
        os.kill(kernel.pid, signal.SIGSTOP)
        # Signals arrive asynchronously: wait until every thread has stopped.
        async with asyncio.timeout(10):
            await asyncio.to_thread(os.waitid, os.P_PID, kernel.pid, os.WSTOPPED)
        try:
            with pytest.raises(KernelTimeout, match="heartbeat"):
                await kernel.client.ping()
        finally:
            os.kill(kernel.pid, signal.SIGCONT)
        assert await kernel.client.ping() < 0.3


async def test_second_client_and_slow_subscriber_lose_nothing() -> None:
    async with running_kernel() as kernel:
        async with open_client(kernel.connection_info) as other:
            await wait_ready(other, nudge_interval=0.5)  # its iopub subscription is live
            # Every iopub message reaches a wildcard subscriber with a tiny queue: a
            # full queue holds the receive loop back instead of dropping messages.
            with kernel.client.subscribe(("iopub",), maxsize=2) as everything:
                code = "from IPython.display import display\nfor i in range(2000): display(i)"
                result = await asyncio.gather(other.execute(code), drain_until_idle(everything))
        ran, seen = result
        assert ran.status == "ok"
        shown = [m for m in ran.outputs if m.msg_type == "display_data"]
        assert [m.content.data["text/plain"] for m in shown] == [str(i) for i in range(2000)]  # type: ignore[union-attr]
        # The first client saw the other client's execution, all of it, in order.
        theirs = [m.msg.msg_id for m in seen if m.parent_id == ran.request.msg_id]
        assert theirs == [m.msg.msg_id for m in ran.iopub]


async def drain_until_idle(sub: Subscription) -> list[Incoming]:
    """Read `sub` until an idle status after plenty of output, yielding to others after
    each message."""
    seen: list[Incoming] = []
    async with asyncio.timeout(30):
        async for incoming in sub:
            seen.append(incoming)
            await asyncio.sleep(0)  # a deliberately slow consumer
            content = incoming.content
            if (
                isinstance(content, Status)
                and content.execution_state == "idle"
                and len(seen) > 100
            ):
                return seen
    return seen
