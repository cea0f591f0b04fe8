"""Kernel files, command line and environment, and the process wrapper, with small
stand-in processes instead of kernels."""

from __future__ import annotations

import asyncio
import os
import signal
import stat
import sys
from pathlib import Path

import pytest

from notewire.protocol import read_connection_file
from notewire.server.kernels import (
    ExitCause,
    KernelLaunchError,
    KernelProcess,
    LaunchConfig,
    process,
)
from notewire.server.kernels.launcher import (
    KernelFiles,
    free_tcp_ports,
    is_port_conflict,
    launch_argv,
    launch_env,
)

from .conftest import process_gone, reaped, script_spec, spec_with, wait_pid_exit


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_private_folder_and_connection_file_modes(tmp_path: Path) -> None:
    files = KernelFiles(LaunchConfig(runtime_dir=tmp_path / "rt"), "abc")
    try:
        info = files.new_connection("python3")
        assert mode(files.dir) == 0o700
        assert mode(files.connection_file) == 0o600
        assert files.connection_file.parent == files.dir
        assert read_connection_file(files.connection_file) == info
        assert info.transport == "ipc"
        assert len(info.key) >= 32
        # ipc sockets live inside the private folder, one per channel.
        endpoints = {info.endpoint(ch) for ch in ("shell", "iopub", "stdin", "control", "hb")}
        assert len(endpoints) == 5
        assert all(e.startswith(f"ipc://{files.dir}/") for e in endpoints)
    finally:
        files.remove()
    assert not files.dir.exists()


def test_each_kernel_gets_its_own_key_and_folder(tmp_path: Path) -> None:
    a = KernelFiles(LaunchConfig(runtime_dir=tmp_path), "a")
    b = KernelFiles(LaunchConfig(runtime_dir=tmp_path), "b")
    try:
        assert a.dir != b.dir
        assert a.new_connection().key != b.new_connection().key
    finally:
        a.remove()
        b.remove()


def test_tcp_connection_uses_distinct_loopback_ports(tmp_path: Path) -> None:
    files = KernelFiles(LaunchConfig(transport="tcp", runtime_dir=tmp_path), "t")
    try:
        first = files.new_connection()
        ports = [first.port(ch) for ch in ("shell", "iopub", "stdin", "control", "hb")]
        assert first.ip == "127.0.0.1"
        assert len(set(ports)) == 5
        second = files.new_connection()  # a retry after a port race: same key, new ports
        assert second.key == first.key
        assert read_connection_file(files.connection_file) == second
    finally:
        files.remove()
    assert len(set(free_tcp_ports("127.0.0.1", 20))) == 20


def test_too_long_ipc_path_is_refused(tmp_path: Path) -> None:
    deep = tmp_path / ("d" * 120)
    files = KernelFiles(LaunchConfig(runtime_dir=deep), "x")
    try:
        with pytest.raises(KernelLaunchError, match="too long"):
            files.new_connection()
    finally:
        files.remove()


def test_port_conflict_is_recognised() -> None:
    assert is_port_conflict(
        ["zmq.error.ZMQError: Address already in use (addr='tcp://127.0.0.1:5')"]
    )
    assert is_port_conflict(["OSError: [Errno 98] something"])
    assert not is_port_conflict(["ModuleNotFoundError: No module named 'ipykernel'"])


def test_argv_and_env_substitution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = spec_with(
        script_spec(tmp_path, "k", "", env={"SEEN": "${NW_TEST_VAR}/x", "LEFT": "${NW_UNSET}"}),
        argv=("python", "{resource_dir}/main.py", "-f", "{connection_file}", "{unknown}"),
    )
    argv = launch_argv(spec, tmp_path / "conn.json")
    main = f"{spec.resource_dir}/main.py"
    assert argv == [sys.executable, main, "-f", str(tmp_path / "conn.json"), "{unknown}"]
    monkeypatch.setenv("NW_TEST_VAR", "value")
    monkeypatch.delenv("NW_UNSET", raising=False)
    env = launch_env(spec, {"EXTRA": "1"})
    assert env["SEEN"] == "value/x"
    assert env["LEFT"] == "${NW_UNSET}"
    assert env["EXTRA"] == "1"
    assert env["JPY_PARENT_PID"] == str(os.getpid())
    assert env["PATH"] == os.environ["PATH"]


def test_exit_cause_descriptions() -> None:
    assert ExitCause(3).describe() == "exited with code 3"
    assert ExitCause(-signal.SIGSEGV).describe() == "was killed by SIGSEGV"
    assert ExitCause(-signal.SIGKILL).describe() == "was killed by SIGKILL (possibly out of memory)"
    assert ExitCause(-signal.SIGKILL, requested=True).describe() == "was killed by SIGKILL"
    assert ExitCause(-signal.SIGKILL).signal == signal.SIGKILL
    assert ExitCause(0).signal is None


async def test_process_exit_code_and_last_output() -> None:
    code = "import sys; print('line one', flush=True); print('dying now', file=sys.stderr); exit(7)"
    proc = KernelProcess.spawn([sys.executable, "-c", code], env=os.environ)
    try:
        async with asyncio.timeout(10):
            assert await proc.wait() == 7
        cause = proc.exit_cause()
        assert cause.describe() == "exited with code 7"
        assert cause.output_tail == ("line one", "dying now")
        assert reaped(proc.pid)
    finally:
        proc.close()


async def test_process_group_is_killed_with_grandchildren() -> None:
    # The "kernel" starts a grandchild in its group, reports its pid and exits: the
    # group outlives its leader, and kill() must still reach it.
    code = "import subprocess; print(subprocess.Popen(['sleep', '300']).pid, flush=True)"
    proc = KernelProcess.spawn([sys.executable, "-c", code], env=os.environ)
    try:
        assert proc.pgid == proc.pid
        async with asyncio.timeout(10):
            assert await proc.wait() == 0
        grandchild = int(proc.output_tail()[0])
        assert not process_gone(grandchild)
        assert os.getpgid(grandchild) == proc.pgid
        proc.kill()
        await wait_pid_exit(grandchild)
        assert process_gone(grandchild)
    finally:
        proc.close()


async def test_requested_kill_has_no_oom_hint() -> None:
    proc = KernelProcess.spawn(["sleep", "300"], env=os.environ)
    try:
        proc.kill()
        async with asyncio.timeout(10):
            assert await proc.wait() == -signal.SIGKILL
        assert proc.exit_cause().describe() == "was killed by SIGKILL"
        assert reaped(proc.pid)
    finally:
        proc.close()


@pytest.mark.parametrize("through", ["setpriv", "preexec_fn"])
async def test_kernel_dies_when_the_server_is_killed(through: str) -> None:
    # A stand-in server process starts a "kernel" through KernelProcess and is then
    # SIGKILLed: PR_SET_PDEATHSIG must take the kernel down with it, set by setpriv or,
    # where there is none, by a preexec_fn.
    if through == "setpriv" and process._setpriv() is None:
        pytest.skip("no setpriv with --pdeathsig here")
    server_code = (
        "import asyncio, os\n"
        "from notewire.server.kernels import KernelProcess, process\n"
        + ("process._setpriv = lambda: None\n" if through == "preexec_fn" else "")
        + "async def main():\n"
        "    p = KernelProcess.spawn(['sleep', '300'], env=os.environ)\n"
        "    print(p.pid, flush=True)\n"
        "    await asyncio.Event().wait()\n"
        "asyncio.run(main())\n"
    )
    server = await asyncio.create_subprocess_exec(
        sys.executable, "-c", server_code, stdout=asyncio.subprocess.PIPE
    )
    try:
        async with asyncio.timeout(10):
            assert server.stdout is not None
            kernel_pid = int(await server.stdout.readline())
        assert not process_gone(kernel_pid)
    finally:
        server.kill()
        await server.wait()
    await wait_pid_exit(kernel_pid)
    assert process_gone(kernel_pid)


async def test_spawn_failure_is_a_launch_error(tmp_path: Path) -> None:
    with pytest.raises(KernelLaunchError, match="cannot start"):
        KernelProcess.spawn([str(tmp_path / "no-such-program")], env=os.environ)
