"""KernelManager and its pool; kernels that fail to start; the tcp port-race retry."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest

from notewire.server.kernels import (
    KernelLaunchError,
    KernelManager,
    NoSuchKernelSpec,
    UnknownKernel,
)

from .conftest import make_config, process_gone, reaped, running_kernel, script_spec


async def test_pool_hands_out_a_ready_kernel() -> None:
    async with KernelManager(make_config(pool_size=1)) as km:
        first = await km.start_kernel("python3")  # cold: marks python3 as in use
        await km.pool.wait_filled("python3")
        [pooled] = km.pool.ready("python3")
        assert pooled is not first
        assert pooled.state == "running"
        assert pooled.id not in km.kernels  # waiting, not handed out

        second = await km.start_kernel("python3")
        assert second is pooled
        assert set(km.kernels) == {first.id, second.id}
        assert (await second.client.execute("print('warm')")).stream_text() == "warm\n"

        # Handing one out starts its replacement.
        await km.pool.wait_filled("python3")
        [replacement] = km.pool.ready("python3")
        assert replacement not in (first, second)

        # A pooled kernel that died is not handed out.
        assert replacement.pid is not None
        os.kill(replacement.pid, signal.SIGKILL)
        await replacement.wait_exit()
        third = await km.start_kernel("python3")
        assert third is not replacement
        assert third.state == "running"

        # A kernel wanting its own environment is never a pooled one.
        await km.pool.wait_filled("python3")
        [waiting] = km.pool.ready("python3")
        own = await km.start_kernel("python3", env={"NW_OWN": "1"})
        assert own is not waiting
        assert (
            await own.client.execute("import os; print(os.environ['NW_OWN'])")
        ).stream_text() == "1\n"
        pids = [k.pid for k in (first, second, third, own, waiting)]
        await km.shutdown_kernel(first.id)
        assert first.id not in km.kernels
        with pytest.raises(UnknownKernel):
            km.get(first.id)
    # Leaving the manager shuts down every kernel, pooled ones included.
    for pid in pids:
        assert pid is not None
        assert reaped(pid)
        assert process_gone(pid)
    assert replacement.state == "shutdown"


async def test_unknown_names_are_named_errors() -> None:
    async with KernelManager(make_config()) as km:
        assert {"python3", "notewire"} <= set((await km.kernel_specs()).specs)
        with pytest.raises(NoSuchKernelSpec, match="no-such-kernel"):
            await km.start_kernel("no-such-kernel")
        with pytest.raises(UnknownKernel):
            km.get("nope")
        with pytest.raises(UnknownKernel):
            await km.shutdown_kernel("nope")


async def test_kernel_that_exits_at_start_reports_why(tmp_path: Path) -> None:
    spec = script_spec(
        tmp_path, "crashes", "import sys\nprint('boom: no such module')\nsys.exit(3)\n"
    )
    runtime = tmp_path / "runtime"
    async with KernelManager(make_config(runtime_dir=runtime)) as km:
        with pytest.raises(KernelLaunchError, match="exited with code 3") as failed:
            await km.start_kernel(spec)
        assert "boom: no such module" in str(failed.value)
        assert km.kernels == {}
    assert list(runtime.iterdir()) == []  # its private folder is gone too


async def test_kernel_that_never_answers_is_killed_at_the_startup_timeout(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    spec = script_spec(
        tmp_path,
        "silent",
        f"import os, time\nopen({str(pid_file)!r}, 'w').write(str(os.getpid()))\ntime.sleep(300)\n",
    )
    async with KernelManager(make_config(startup_timeout=1.0)) as km:
        with pytest.raises(KernelLaunchError, match="not ready within 1.0s"):
            await km.start_kernel(spec)
    pid = int(pid_file.read_text())
    assert reaped(pid)
    assert process_gone(pid)


# The first launch fails as a kernel does when another process took one of its ports;
# later launches run ipykernel on the connection file they are given.
PORT_RACE = """
import json, os, sys
marker, connection_file = {marker!r}, sys.argv[1]
if not os.path.exists(marker):
    with open(marker, "w") as f:
        f.write(open(connection_file).read())
    print("zmq.error.ZMQError: Address already in use (addr='tcp://127.0.0.1:1')")
    sys.exit(1)
os.execv(sys.executable, [sys.executable, "-m", "ipykernel_launcher", "-f", connection_file])
"""


async def test_tcp_port_race_is_retried_on_new_ports(tmp_path: Path) -> None:
    marker = tmp_path / "first-connection.json"
    spec = script_spec(tmp_path, "racy", PORT_RACE.format(marker=str(marker)))
    async with running_kernel(spec, make_config(transport="tcp")) as kernel:
        lost = json.loads(marker.read_text())
        info = kernel.connection_info
        assert info.key == lost["key"]
        assert info.shell_port != lost["shell_port"]
        assert (await kernel.client.execute("print('won')")).stream_text() == "won\n"


async def test_ipc_does_not_retry_a_kernel_that_died(tmp_path: Path) -> None:
    marker = tmp_path / "first-connection.json"
    spec = script_spec(tmp_path, "racy", PORT_RACE.format(marker=str(marker)))
    async with KernelManager(make_config(transport="ipc")) as km:
        with pytest.raises(KernelLaunchError, match="Address already in use"):
            await km.start_kernel(spec)


async def test_unusable_runtime_dir_leaves_nothing_behind(tmp_path: Path) -> None:
    deep = tmp_path / ("d" * 120)  # too long for a Unix socket path
    async with KernelManager(make_config(runtime_dir=deep)) as km:
        with pytest.raises(KernelLaunchError, match="too long"):
            await km.start_kernel("python3")
    assert list(deep.iterdir()) == []
