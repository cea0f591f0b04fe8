"""How the kernel is launched: by `jupyter run`, and by a launcher that may die."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from jupyter_client.blocking.client import BlockingKernelClient
from jupyter_client.connect import write_connection_file

from tests.kernel.helpers import TIMEOUT, collect, wait_for_welcome


def test_jupyter_run_passes_the_file_to_the_kernel_and_it_starts(tmp_path: Path) -> None:
    script = tmp_path / "script.py"
    script.write_text("print('ran', 6 * 7)\n")
    # jupyter run appends FILE to the kernelspec's argv as well as running it.
    done = subprocess.run(
        [sys.executable, "-m", "jupyter_client.runapp", "--kernel", "notewire", str(script)],
        capture_output=True,
        text=True,
        timeout=50,
    )
    assert done.returncode == 0, done.stderr
    assert "ran 42" in done.stdout
    assert f"ignoring arguments ['{script}']" in done.stderr


LAUNCHER = textwrap.dedent(
    """
    import os, subprocess, sys
    kernel = subprocess.Popen(
        [sys.executable, "-m", "notewire.kernel", "-f", sys.argv[1]],
        env={**os.environ, "JPY_PARENT_PID": str(os.getpid())},
    )
    print(kernel.pid, flush=True)
    sys.stdin.read()  # until killed
    """
)


def _wait_for_exit(pid: int, timeout: float) -> bool:
    """True once process `pid` (not our child) has exited."""
    fd = os.pidfd_open(pid)
    try:
        return bool(select.select([fd], [], [], timeout)[0])
    finally:
        os.close(fd)


def test_kernel_exits_when_its_launcher_is_killed(tmp_path: Path) -> None:
    connection_file, _ = write_connection_file(str(tmp_path / "kernel.json"))
    with subprocess.Popen(
        [sys.executable, "-c", LAUNCHER, connection_file],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as launcher:
        assert launcher.stdout is not None
        kernel_pid = int(launcher.stdout.readline())
        kc = BlockingKernelClient(connection_file=connection_file)
        kc.load_connection_file()
        kc.start_channels()
        try:
            # An answered execute means the kernel proper runs (and watches its launcher).
            # Its output is only seen once this client's iopub subscription is live.
            wait_for_welcome(kc)
            assert collect(kc, kc.execute("1")).content["status"] == "ok"
            launcher.kill()
            launcher.wait(timeout=TIMEOUT)
            assert _wait_for_exit(kernel_pid, timeout=TIMEOUT), "the orphaned kernel lives on"
        finally:
            kc.stop_channels()
            if not _wait_for_exit(kernel_pid, timeout=0):
                os.kill(kernel_pid, signal.SIGKILL)


def test_sigusr1_writes_every_threads_stack_and_the_kernel_goes_on(tmp_path: Path) -> None:
    connection_file, _ = write_connection_file(str(tmp_path / "kernel.json"))
    with subprocess.Popen(
        [sys.executable, "-m", "notewire.kernel", "-f", connection_file],
        stderr=subprocess.PIPE,
        text=True,
    ) as kernel:
        assert kernel.stderr is not None
        kc = BlockingKernelClient(connection_file=connection_file)
        kc.load_connection_file()
        kc.start_channels()
        try:
            wait_for_welcome(kc)
            # The cell runs until the test lets it go: the signal lands while it runs,
            # however slow the machine.
            go = tmp_path / "go"
            running = kc.execute(
                "import os, time\nprint('started', flush=True)\n"
                f"while not os.path.exists({str(go)!r}):\n    time.sleep(0.02)"
            )
            while True:
                m = kc.get_iopub_msg(timeout=TIMEOUT)
                if m["msg_type"] == "stream" and m["parent_header"].get("msg_id") == running:
                    break
            kernel.send_signal(signal.SIGUSR1)
            # Written at once by the handler: the main thread in the cell, and the
            # kernel's own threads (the control thread among them).
            text = ""
            for line in kernel.stderr:
                text += line
                if "ipython-input" in text and "notewire/kernel/control.py" in text:
                    break
            assert "Current thread 0x" in text, text
            go.touch()
            assert collect(kc, running).content["status"] == "ok"
            assert collect(kc, kc.execute("6 * 7")).content["status"] == "ok"
        finally:
            kc.stop_channels()
            kernel.kill()
