"""One kernel subprocess: start it in its own process group, watch it, signal it, kill it.

The process is a `subprocess.Popen`, watched through a pidfd on Linux (readable once the
process has exited) rather than asyncio's child watcher. asyncio's `Process.wait()` only
returns once every pipe to the child is closed, so a grandchild holding the kernel's
stdout open would hide the kernel's death.

The kernel's stdout and stderr are read without a task, through a reader callback on the
loop: lines go to the log, and the last few are kept to explain a death.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import ctypes
import ctypes.util
import functools
import logging
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import KernelLaunchError

log = logging.getLogger(__name__)
output_log = logging.getLogger(__name__.rsplit(".", 1)[0] + ".output")

_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True, slots=True)
class ExitCause:
    """Why a kernel process ended. `returncode` is Popen's: negative for a signal."""

    returncode: int
    requested: bool = False  # we asked it to stop (shutdown, restart, kill)
    output_tail: tuple[str, ...] = ()

    @property
    def signal(self) -> int | None:
        return -self.returncode if self.returncode < 0 else None

    def describe(self) -> str:
        sig = self.signal
        if sig is None:
            text = f"exited with code {self.returncode}"
        else:
            try:
                name = signal.Signals(sig).name
            except ValueError:
                name = f"signal {sig}"
            text = f"was killed by {name}"
            # The kernel OOM killer sends SIGKILL; nothing else in a normal session does
            # unless we asked for it, so this is the likeliest explanation for users.
            if sig == signal.SIGKILL and not self.requested:
                text += " (possibly out of memory)"
        return text


@functools.cache
def _prctl() -> Any:
    """libc's prctl, looked up once: `find_library` runs `ldconfig -p` and reads all
    it prints, some 50-700 ms on the event loop at every kernel start otherwise."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc.prctl
    except (OSError, AttributeError):
        log.warning("prctl unavailable: kernels may outlive a crashed server")
        return None


@functools.cache
def _setpriv() -> str | None:
    """util-linux's `setpriv` where it can set the parent-death signal (2.33 and later).

    Starting the kernel through it (setpriv sets the signal, then execs the kernel in the
    same process) spares the server a preexec_fn: a preexec_fn makes Python fork() the
    whole server with the GIL held, which copies its page tables (50 ms at 1.5 GB here,
    up to a second under load) with the event loop stopped; without one it uses vfork.
    """
    if not sys.platform.startswith("linux"):
        return None
    path = shutil.which("setpriv")
    if path is None:
        return None
    try:
        usage = subprocess.run([path, "--help"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return path if "--pdeathsig" in usage.stdout else None


def _pdeathsig_preexec() -> Callable[[], None] | None:
    """A preexec step that makes the child get SIGKILL when the server dies.

    This covers the exits nothing else can: the server being SIGKILLed or crashing.
    Linux only. Everything is looked up before fork, so the child only makes two
    syscalls. The signal fires when the *thread* that forked the child exits, so kernels
    must be started from the event loop's thread (asyncio code always is).
    """
    prctl = _prctl()
    if prctl is None:
        return None
    parent = os.getpid()
    sigkill = ctypes.c_ulong(signal.SIGKILL)
    zero = ctypes.c_ulong(0)

    def preexec() -> None:
        prctl(_PR_SET_PDEATHSIG, sigkill, zero, zero, zero)
        # The server may have died between fork and prctl; then no signal will come.
        if os.getppid() != parent:
            os._exit(1)

    return preexec


def _resolve(program: str, env: Mapping[str, str], cwd: Path | None) -> str:
    """`program` as the exec would find it (on the kernel's PATH, or relative to its
    folder), so that one that is not there is refused here, as Popen would refuse it,
    rather than by setpriv once started."""
    if os.sep in program:
        found = Path(cwd or ".", program)
        if os.access(found, os.X_OK) and found.is_file():
            return str(found)
    else:
        path = shutil.which(program, path=os.pathsep.join(os.get_exec_path(dict(env))))
        if path is not None:
            return path
    raise KernelLaunchError(f"cannot start {program!r}: no such executable")


class KernelProcess:
    """A started kernel process, leader of its own process group (and session).

    Create with `spawn`, from the event loop's thread. `exited` resolves with the return
    code once the process has ended and been reaped. Call `close()` after that.
    """

    def __init__(self, popen: subprocess.Popen[bytes], *, tail_lines: int, label: str) -> None:
        self._popen = popen
        self.pid = popen.pid
        # start_new_session makes the kernel the leader of a new group: pgid == pid.
        self.pgid = popen.pid
        self.label = label
        self._loop = asyncio.get_running_loop()
        self.exited: asyncio.Future[int] = self._loop.create_future()
        self._tail: collections.deque[str] = collections.deque(maxlen=tail_lines)
        self._partial = b""
        self._pidfd: int | None = None
        self._out_fd: int | None = None
        self._requested = False
        self._closed = False
        if popen.stdout is not None:
            self._out_fd = popen.stdout.fileno()
            os.set_blocking(self._out_fd, False)
            self._loop.add_reader(self._out_fd, self._read_output)
        self._watch()

    @classmethod
    def spawn(
        cls,
        argv: Sequence[str],
        *,
        env: Mapping[str, str],
        cwd: Path | None = None,
        tail_lines: int = 100,
        label: str = "kernel",
    ) -> KernelProcess:
        """Start `argv` in a new session. Raises KernelLaunchError if it cannot start.

        The kernel gets SIGKILL if the server dies (PR_SET_PDEATHSIG): set by `setpriv`
        where there is one, else by a preexec_fn (see `_setpriv`). setpriv cannot check
        that the server is still there once the signal is set, as the preexec_fn does;
        a kernel that misses it in that instant still ends by JPY_PARENT_PID.
        """
        argv = list(argv)
        preexec = None
        setpriv = _setpriv()
        if setpriv is not None:
            program = _resolve(argv[0], env, cwd)
            argv = [setpriv, "--pdeathsig", "KILL", "--", program, *argv[1:]]
        else:
            preexec = _pdeathsig_preexec()
        try:
            popen = subprocess.Popen(
                argv,
                env=dict(env),
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # own process group, so interrupts and kills reach children
                preexec_fn=preexec,
                close_fds=True,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            raise KernelLaunchError(f"cannot start {argv[0]!r}: {exc}") from exc
        return cls(popen, tail_lines=tail_lines, label=label)

    # --- watching ----------------------------------------------------------------

    def _watch(self) -> None:
        pidfd_open = getattr(os, "pidfd_open", None)
        if pidfd_open is not None:
            try:
                self._pidfd = pidfd_open(self.pid)
            except OSError:
                self._pidfd = None
        if self._pidfd is not None:
            self._loop.add_reader(self._pidfd, self._on_pidfd)
            return
        # No pidfd (old Linux, macOS): a thread blocked in wait(). It cannot be
        # cancelled, but it ends when the process does, and we always end the process.
        fut = asyncio.ensure_future(asyncio.to_thread(self._popen.wait))
        fut.add_done_callback(lambda f: self._set_exited(f.result()))

    def _on_pidfd(self) -> None:
        returncode = self._popen.poll()
        if returncode is None:  # spurious wake-up; the pidfd stays readable once it fires
            return
        self._loop.remove_reader(self._pidfd)  # type: ignore[arg-type]
        os.close(self._pidfd)  # type: ignore[arg-type]
        self._pidfd = None
        self._set_exited(returncode)

    def _set_exited(self, returncode: int) -> None:
        if self._out_fd is not None:
            self._read_output()  # whatever the kernel wrote last explains its death best
        if not self.exited.done():
            self.exited.set_result(returncode)

    def _read_output(self) -> None:
        assert self._out_fd is not None
        while True:
            try:
                chunk = os.read(self._out_fd, 65536)
            except BlockingIOError:
                return
            except OSError:
                chunk = b""
            if not chunk:
                self._close_output()  # EOF: the kernel and all its children closed it
                return
            lines = (self._partial + chunk).split(b"\n")
            self._partial = lines.pop()[-4096:]  # bound a line that never ends
            for raw in lines:
                line = raw.decode("utf-8", "replace").rstrip("\r")
                self._tail.append(line)
                output_log.info("[%s] %s", self.label, line)

    def _close_output(self) -> None:
        if self._out_fd is None:
            return
        self._loop.remove_reader(self._out_fd)
        self._out_fd = None
        if self._partial:
            self._tail.append(self._partial.decode("utf-8", "replace"))
            self._partial = b""
        assert self._popen.stdout is not None
        self._popen.stdout.close()

    # --- state -------------------------------------------------------------------

    @property
    def returncode(self) -> int | None:
        return self.exited.result() if self.exited.done() else None

    def output_tail(self) -> tuple[str, ...]:
        return tuple(self._tail)

    def exit_cause(self) -> ExitCause:
        """Why it ended. Only valid once `exited` is done."""
        return ExitCause(
            self.exited.result(), requested=self._requested, output_tail=self.output_tail()
        )

    def expect_exit(self) -> None:
        """Mark the coming exit as one we asked for (shutdown, restart)."""
        self._requested = True

    # --- signals -----------------------------------------------------------------

    def signal_group(self, sig: int) -> None:
        """Send `sig` to the whole process group: the kernel and whatever it started."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pgid, sig)

    def kill(self) -> None:
        """SIGKILL the process group. Safe to call at any time, also after exit: the
        group can outlive its leader when the kernel started children. A no-op after
        `close()`: by then the group was killed, and its id may since have been reused."""
        if self._closed:
            return
        self.expect_exit()
        self.signal_group(signal.SIGKILL)

    async def wait(self) -> int:
        """The return code, once the process has exited. Cancelling the wait does not
        disturb the watch."""
        return await asyncio.shield(self.exited)

    async def terminate(self, grace: float) -> int:
        """Give the process `grace` seconds to exit by itself, then SIGKILL it. Kills
        the rest of its group either way."""
        try:
            async with asyncio.timeout(grace):
                await self.wait()
        except TimeoutError:
            log.warning(
                "%s (pid %d) still running after %.1fs; killing it", self.label, self.pid, grace
            )
        self.kill()
        return await self.wait()

    def close(self) -> None:
        """Release the pipe and pidfd. Kills the group first if it is still running."""
        if not self.exited.done():
            self.kill()
            # SIGKILL cannot be ignored, so this returns at once; reap so Popen is done.
            self._popen.wait()
            self._set_exited(self._popen.returncode)
        self._closed = True
        if self._pidfd is not None:
            self._loop.remove_reader(self._pidfd)
            os.close(self._pidfd)
            self._pidfd = None
        self._close_output()
