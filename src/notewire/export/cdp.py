"""A headless Chromium driven over the Chrome DevTools Protocol on a pipe
(`--remote-debugging-pipe`: commands in on fd 3, replies out on fd 4, each a JSON
message ended by a NUL byte). No port is opened and no driver process runs between
us and the browser; one browser serves many pages, from any thread.

Only what printing needs: send a command and wait for its reply, and wait for an event
of one page's session.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import tempfile
import threading
import time
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from typing import Any

from notewire.export.errors import ExportError

FLAGS = (
    "--headless",
    "--remote-debugging-pipe",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-extensions",
    "--disable-background-networking",
    "--disable-sync",
    "--mute-audio",
    "--hide-scrollbars",
    # A page opened by Target.createTarget is a background tab to Chromium, whose
    # renderer it runs at a lower priority and throttles: on a busy machine a print then
    # waited minutes on a few seconds of CPU. Playwright passes the same three.
    "--disable-renderer-backgrounding",
    "--disable-background-timer-throttling",
    "--disable-backgrounding-occluded-windows",
    # Nothing a printed page runs (a notebook's own HTML outputs may hold scripts) reaches
    # the network, loopback included: every http(s) and WebSocket request goes to a
    # proxy that is not there. An exported file needs none (file: and data: only).
    "--proxy-server=127.0.0.1:9",
    "--proxy-bypass-list=<-loopback>",
)


class Browser:
    """One running Chromium. `call` and `wait_event` may be used from many threads."""

    def __init__(self, executable: str, *, start_timeout: float = 60) -> None:
        self.executable = executable
        self._profile = tempfile.TemporaryDirectory(
            prefix="notewire-chromium-", ignore_cleanup_errors=True
        )
        self._lock = threading.Lock()  # guards the fields below and writes to the pipe
        self._next_id = 0
        self._pending: dict[int, Future[dict[str, Any]]] = {}
        self._waiters: dict[tuple[str, str], list[Future[dict[str, Any]]]] = {}
        self._closed: str | None = None
        self._pid, self._to_browser, self._from_browser = self._spawn()
        self._reader = threading.Thread(target=self._read, name="chromium-cdp", daemon=True)
        self._reader.start()
        # The first reply proves the browser is up and speaks the protocol.
        try:
            self.call("Browser.getVersion", timeout=start_timeout)
        except ExportError as e:
            self.close(timeout=1)
            raise ExportError(f"{executable} did not start as a headless Chromium: {e}") from e

    @property
    def pid(self) -> int:
        """The browser's process id (also its process group's)."""
        return self._pid

    def _spawn(self) -> tuple[int, int, int]:
        # The browser's two ends are moved out of the way of fds 3 and 4 first, so that
        # the dup2s below never meet one of them (a dup2 onto itself would keep CLOEXEC).
        cmd_r, cmd_w = os.pipe()
        out_r, out_w = os.pipe()
        child_r = fcntl.fcntl(cmd_r, fcntl.F_DUPFD_CLOEXEC, 10)
        child_w = fcntl.fcntl(out_w, fcntl.F_DUPFD_CLOEXEC, 10)
        os.close(cmd_r)
        os.close(out_w)
        argv = [self.executable, *FLAGS, f"--user-data-dir={self._profile.name}"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            argv.append("--no-sandbox")  # Chromium refuses to run as root with its sandbox
        argv.append("about:blank")
        try:
            # posix_spawn, not subprocess: placing the pipes on fds 3 and 4 needs dup2s
            # in the child, and a preexec_fn is not safe in a threaded server.
            pid = os.posix_spawn(
                self.executable,
                argv,
                os.environ,
                file_actions=[
                    (os.POSIX_SPAWN_DUP2, child_r, 3),
                    (os.POSIX_SPAWN_DUP2, child_w, 4),
                    (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                    (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
                    (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0),
                ],
                setsid=True,  # its own process group, so that a kill ends its helpers too
            )
        except OSError as e:
            for fd in (child_r, child_w, cmd_w, out_r):
                os.close(fd)
            self._profile.cleanup()
            raise ExportError(f"cannot start {self.executable}: {e}") from e
        os.close(child_r)
        os.close(child_w)
        return pid, cmd_w, out_r

    @property
    def alive(self) -> bool:
        with self._lock:
            return self._closed is None

    def call(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        *,
        session: str | None = None,
        timeout: float = 60,
    ) -> dict[str, Any]:
        """Sends one command and returns its result; raises ExportError on an error
        reply, a closed browser or when no reply came in `timeout` seconds."""
        future: Future[dict[str, Any]] = Future()
        with self._lock:
            if self._closed is not None:
                raise ExportError(self._closed)
            self._next_id += 1
            msg_id = self._next_id
            self._pending[msg_id] = future
            message: dict[str, Any] = {"id": msg_id, "method": method, "params": params or {}}
            if session is not None:
                message["sessionId"] = session
            try:
                _write_all(self._to_browser, json.dumps(message).encode() + b"\0")
            except OSError as e:
                del self._pending[msg_id]
                raise ExportError(f"{self.executable} went away: {e}") from e
        try:
            reply = future.result(timeout)
        except FutureTimeout as e:
            with self._lock:
                self._pending.pop(msg_id, None)
            raise ExportError(f"Chromium did not answer {method} in {timeout:.0f} s") from e
        if "error" in reply:
            raise ExportError(f"{method} failed: {reply['error'].get('message', reply['error'])}")
        result: dict[str, Any] = reply.get("result", {})
        return result

    def expect_event(self, session: str, method: str) -> Future[dict[str, Any]]:
        """A future for the next event `method` of `session`: ask before sending the
        command that causes it, then wait on the future."""
        future: Future[dict[str, Any]] = Future()
        with self._lock:
            if self._closed is not None:
                future.set_exception(ExportError(self._closed))
            else:
                self._waiters.setdefault((session, method), []).append(future)
        return future

    def _read(self) -> None:
        buffer = b""
        while True:
            try:
                chunk = os.read(self._from_browser, 1 << 20)
            except OSError:
                chunk = b""
            if not chunk:
                break
            buffer += chunk
            *messages, buffer = buffer.split(b"\0")
            for raw in messages:
                self._dispatch(json.loads(raw))
        self._shut(f"{self.executable} exited")
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self._pid, 0)

    def _dispatch(self, message: dict[str, Any]) -> None:
        with self._lock:
            if "id" in message:
                future = self._pending.pop(message["id"], None)
                waiting = [future] if future is not None else []
            else:
                key = (message.get("sessionId", ""), message.get("method", ""))
                queue = self._waiters.get(key, [])
                waiting = [queue.pop(0)] if queue else []
                if not queue:
                    self._waiters.pop(key, None)
        for future in waiting:
            if not future.done():
                future.set_result(message.get("params", message))

    def _shut(self, reason: str) -> None:
        with self._lock:
            if self._closed is None:
                self._closed = reason
            futures = [*self._pending.values(), *(f for fs in self._waiters.values() for f in fs)]
            self._pending.clear()
            self._waiters.clear()
        for future in futures:
            if not future.done():
                future.set_exception(ExportError(reason))

    def close(self, timeout: float = 10) -> None:
        """Closes the browser (killing it if it does not go) and removes its profile."""
        if self.alive:
            with contextlib.suppress(ExportError):
                self.call("Browser.close", timeout=timeout)
        self._reader.join(timeout)
        # Once the browser itself has gone (or would not), its helper processes (zygote,
        # utility, GPU) are killed rather than waited for: they have nothing left to
        # save in a throw-away profile, and winding down took them 1.4 s after every
        # export.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._pid, signal.SIGKILL)
        self._reader.join()
        for fd in (self._to_browser, self._from_browser):
            with contextlib.suppress(OSError):
                os.close(fd)
        # The killed helpers may take a moment to be gone from the profile.
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and _group_running(self._pid):
            time.sleep(0.02)  # a bounded wait for helpers to exit, not synchronisation
        self._profile.cleanup()


def _group_running(group: int) -> bool:
    """Whether a process of process group `group` still runs. A zombie does not count:
    it holds no file, and the helpers orphaned by the browser wait to be reaped by
    init, which in a container can take over a second."""
    try:
        os.killpg(group, 0)
    except (ProcessLookupError, PermissionError):
        return False
    proc = Path("/proc")
    if not proc.is_dir():
        return True  # no /proc to tell a zombie by: any member counts
    for stat in proc.glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            # pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses.
            state, _ppid, pgrp = stat.read_text().rpartition(")")[2].split()[:3]
            if int(pgrp) == group and state != "Z":
                return True
    return False


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
