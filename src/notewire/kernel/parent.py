"""Exit with the process that launched the kernel.

jupyter_client puts its own pid in JPY_PARENT_PID. A kernel whose launcher was killed
(kill -9, a crashed server) would otherwise live on, unreachable, holding its ports
and memory; ipykernel's ParentPollerUnix exits then too. Linux tells us the moment the
parent is gone through a pidfd; elsewhere the parent pid is checked once a second, as
ipykernel does.
"""

from __future__ import annotations

import logging
import os
import select
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

POLL_INTERVAL = 1.0  # seconds, where no pidfd is available


def launcher_pid() -> int | None:
    """The pid in JPY_PARENT_PID, if it names our parent (not init, not garbage)."""
    try:
        pid = int(os.environ.get("JPY_PARENT_PID") or 0)
    except ValueError:
        return None
    # PID 1 never exits, and a pid that is not our parent is stale (the kernel was
    # started through a wrapper that has already gone).
    return pid if pid > 1 and pid == os.getppid() else None


def _wait_for_exit(pid: int) -> None:
    try:
        fd = os.pidfd_open(pid)
    except (AttributeError, OSError):  # not Linux, or an old one
        while os.getppid() == pid:
            threading.Event().wait(POLL_INTERVAL)
        return
    try:
        if os.getppid() != pid:  # it exited before the pidfd was opened
            return
        select.select([fd], [], [])  # readable once the process has exited
    finally:
        os.close(fd)


def watch_launcher(on_exit: Callable[[], None]) -> threading.Thread | None:
    """Call `on_exit` (on a daemon thread) when the launching process exits; None if
    the kernel was not started with a live JPY_PARENT_PID."""
    pid = launcher_pid()
    if pid is None:
        return None

    def watch() -> None:
        _wait_for_exit(pid)
        log.warning("the process that launched this kernel (pid %d) exited; exiting", pid)
        on_exit()

    thread = threading.Thread(target=watch, name="notewire-parent-watch", daemon=True)
    thread.start()
    return thread
