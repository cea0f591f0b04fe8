"""The same client and handle against notewire's own kernel (`python -m notewire.kernel`),
found through its kernelspec like any other kernel. The server still never imports it."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest

from notewire.protocol import new_id
from notewire.protocol.content import CommClose, ExecuteResult, InputRequest
from notewire.server.kernels import KernelDied

from .conftest import make_config, process_gone, reaped, run_until_sleeping, running_kernel


@pytest.mark.parametrize("transport", ["ipc", "tcp"])
async def test_notewire_kernel_through_the_server_client(transport: str) -> None:
    async with running_kernel("notewire", make_config(transport=transport)) as kernel:
        assert kernel.kernel_info is not None
        assert kernel.kernel_info.implementation == "notewire"

        result = await kernel.client.execute("print('hello'); 6 * 7")
        assert result.status == "ok"
        assert result.stream_text() == "hello\n"
        [value] = [m.content for m in result.outputs if isinstance(m.content, ExecuteResult)]
        assert value.data["text/plain"] == "42"

        async def answer(request: InputRequest) -> str:
            return "notewire" if request.prompt == "who? " else "?"

        asked = await kernel.client.execute("print('hi', input('who? '))", on_input=answer)
        assert asked.stream_text() == "hi notewire\n"

        comm_id = new_id()
        msg = kernel.client.new_message(
            "comm_open", {"comm_id": comm_id, "target_name": "no-such-target", "data": {}}
        )
        with kernel.client.subscribe(("iopub",), parent=msg.msg_id) as sub:
            await kernel.client.send("shell", msg)
            async with asyncio.timeout(10):
                async for incoming in sub:
                    if isinstance(incoming.content, CommClose):
                        assert incoming.content.comm_id == comm_id
                        break

        sleeping = await run_until_sleeping(kernel)
        await kernel.interrupt()
        async with asyncio.timeout(10):
            interrupted = await sleeping
        assert interrupted.reply.msg.content["ename"] == "KeyboardInterrupt"

        old_pid = kernel.pid
        await kernel.restart()
        assert kernel.pid != old_pid
        assert (await kernel.client.execute("1")).execution_count == 1

        pid = kernel.pid
        assert pid is not None
        await kernel.shutdown()
        assert reaped(pid)
        assert process_gone(pid)


async def test_notewire_kernel_death_is_reported() -> None:
    async with running_kernel("notewire") as kernel:
        running = await run_until_sleeping(kernel)
        assert kernel.pid is not None
        os.kill(kernel.pid, signal.SIGKILL)
        async with asyncio.timeout(10):
            with pytest.raises(KernelDied, match="possibly out of memory"):
                await running
        assert kernel.state == "dead"
