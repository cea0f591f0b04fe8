"""The `notewire` command's main job, as a user runs it."""

from __future__ import annotations

import signal
import subprocess
import sys

from jupyter_client import BlockingKernelClient


def test_notewire_runs_a_kernel_jupyter_clients_can_use() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "notewire.cli"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(2)]
        assert "is running (pid" in lines[0], lines
        kernel_pid = int(lines[0].split("pid ")[1].split(")")[0])
        connection_file = lines[1].rsplit(" ", 1)[1].strip()
        kc = BlockingKernelClient(connection_file=connection_file)
        kc.load_connection_file()
        kc.start_channels()
        try:
            kc.wait_for_ready(timeout=30)
            reply = kc.execute_interactive("print(6 * 7)", timeout=30, output_hook=lambda m: None)
            assert reply["content"]["status"] == "ok"
        finally:
            kc.stop_channels()
        proc.send_signal(signal.SIGINT)  # Ctrl-C
        assert proc.wait(timeout=30) == 0
        assert "stopped" in proc.stdout.read()
        # the kernel went with it
        assert not _running(kernel_pid)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()  # type: ignore[union-attr]


def _running(pid: int) -> bool:
    """True while `pid` exists and is not a zombie waiting to be reaped."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split()[2] != "Z"
    except FileNotFoundError:
        return False
