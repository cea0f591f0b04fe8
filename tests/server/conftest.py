"""Helpers for kernel-management tests: real kernel subprocesses, each test under the
60 s pytest-timeout, every wait an awaited event with a time limit (no sleep-polling)."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from notewire.server.kernels import (
    ExecutionResult,
    Incoming,
    KernelConfig,
    KernelHandle,
    KernelManager,
    KernelSpec,
    LaunchConfig,
    ManagerConfig,
    find_kernel_specs,
)


@pytest.fixture
def python3_spec() -> KernelSpec:
    """ipykernel's kernelspec, installed in sys.prefix."""
    spec = find_kernel_specs().get("python3")
    assert spec is not None, "ipykernel's python3 kernelspec must be installed"
    return spec


def make_config(
    *,
    transport: str = "ipc",
    runtime_dir: Path | None = None,
    pool_size: int = 0,
    **kernel: object,
) -> ManagerConfig:
    """A manager config for tests: no pool unless asked, and the given KernelConfig
    fields (startup_timeout=..., client=ClientConfig(...))."""
    settings: dict[str, object] = {"startup_timeout": 30.0, "shutdown_timeout": 5.0}
    settings.update(kernel)
    launch = LaunchConfig(transport=transport, runtime_dir=runtime_dir)  # type: ignore[arg-type]
    return ManagerConfig(kernel=KernelConfig(launch=launch, **settings), pool_size=pool_size)  # type: ignore[arg-type]


@asynccontextmanager
async def running_kernel(
    spec: KernelSpec | str = "python3", config: ManagerConfig | None = None
) -> AsyncIterator[KernelHandle]:
    """A started kernel in a manager of its own; everything is shut down on exit."""
    async with KernelManager(config or make_config()) as km:
        yield await km.start_kernel(spec)


def spec_with(spec: KernelSpec, **changes: object) -> KernelSpec:
    return dataclasses.replace(spec, **changes)  # type: ignore[arg-type]


def script_spec(tmp_path: Path, name: str, source: str, **changes: object) -> KernelSpec:
    """A kernelspec that runs `source` as a Python script with the connection file as
    its argument."""
    folder = tmp_path / "kernels" / name
    folder.mkdir(parents=True)
    script = folder / "main.py"
    script.write_text(source)
    return KernelSpec(
        name=name,
        argv=(sys.executable, str(script), "{connection_file}"),
        display_name=name,
        language="python",
        resource_dir=folder,
        **changes,  # type: ignore[arg-type]
    )


def process_gone(pid: int) -> bool:
    """True when `pid` no longer runs: absent, or a zombie nobody has reaped yet."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    state = stat.rsplit(")", 1)[1].split()[0]
    return state in ("Z", "X")


def reaped(pid: int) -> bool:
    """True when our own child `pid` has been waited for (no zombie left behind)."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


async def wait_pid_exit(pid: int, limit: float = 10.0) -> None:
    """Wait, without polling, until any process `pid` (not only our child) has exited."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    loop.add_reader(fd, lambda: done.done() or done.set_result(None))
    try:
        async with asyncio.timeout(limit):
            await done
    finally:
        loop.remove_reader(fd)
        os.close(fd)


async def run_until_sleeping(kernel: KernelHandle) -> asyncio.Task[ExecutionResult]:
    """Start a long sleep in the kernel; return once it has printed that it sleeps."""
    started = asyncio.Event()

    def watch(incoming: Incoming) -> None:
        if incoming.msg_type == "stream":
            started.set()

    code = "import time; print('sleeping', flush=True); time.sleep(30)"
    task = asyncio.ensure_future(kernel.client.execute(code, on_output=watch))
    async with asyncio.timeout(10):
        await started.wait()
    return task


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[object]:
    """A real notebook server on 127.0.0.1:0 serving a fresh folder."""
    from .notebook_server import running_server

    root = tmp_path / "root"
    root.mkdir()
    async with running_server(root, tmp_path) as running:
        yield running
