"""Wiring: the shell, threads and the shell loop of one kernel process, once `Boot` has
bound the sockets (see boot.py)."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

import zmq
import zmq.asyncio

from notewire.protocol import Buffer, Message, ProtocolError, ReplayGuard, decode
from notewire.protocol.content import ExecuteRequest

from . import comms, notebook_probes
from .boot import Boot, Kept
from .context import Kernel
from .control import ControlThread
from .dispatch import abort_reply, dispatch_shell, parse
from .history import HistoryWrites
from .iopub import ZERO_COPY_MIN
from .ipykernel_face import IPyKernelFace, ipkernel_config
from .outputs import Outputs
from .parent import watch_launcher
from .shell import ZMQInteractiveShell
from .stdin import Stdin

log = logging.getLogger("notewire.kernel")

SHUTDOWN_GRACE = 5.0  # seconds user code gets to unwind before the process exits anyway


def _frames_of(zmq_frames: Sequence[zmq.Frame]) -> list[Buffer]:
    # Small frames as bytes (cheap to parse); big buffers stay zero-copy views.
    return [f.bytes if len(f) < ZERO_COPY_MIN else f.buffer for f in zmq_frames]


def _stops_on_error(msg: Message) -> bool:
    """Whether `msg`, having failed, skips the execute_requests queued behind it: a cell
    sent with stop_on_error. A request whose content could not be decoded never ran,
    so it did not fail in the sense stop_on_error means, and skips nothing."""
    if msg.msg_type != "execute_request":
        return False
    try:
        content = decode(msg)
    except ProtocolError:
        return False
    return isinstance(content, ExecuteRequest) and content.stop_on_error


class KernelApp:
    def __init__(self, boot: Boot, connection_file: Path | None = None) -> None:
        self.boot = boot
        self.connection_file = connection_file
        self.context = boot.context
        self.session = boot.session
        self.iopub = boot.iopub
        self.publisher = boot.publisher
        self.outputs = Outputs(self.publisher)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None

    def request_stop(self, restart: bool) -> None:
        """Called from any thread: the control thread once the shutdown reply is sent,
        the launcher watch when the process that started the kernel is gone."""
        loop, stop = self._loop, self._stop
        if loop is None or stop is None:
            os._exit(0)
        self.kernel.interrupt()  # unwind user code that is still running
        loop.call_soon_threadsafe(stop.set)
        # If user code ignores the interrupt, leave anyway: the client asked us to go.
        timer = threading.Timer(SHUTDOWN_GRACE, os._exit, args=(0,))
        timer.daemon = True
        timer.start()

    def run(self) -> int:
        sys.stdout.flush()
        sys.stderr.flush()
        shell = ZMQInteractiveShell.instance(config=ipkernel_config(self.connection_file))
        notebook_probes.install(ZMQInteractiveShell)
        sys.stdout, sys.stderr = self.outputs.stdout, self.outputs.stderr  # type: ignore[assignment]
        shell.init_kernel_io(self.outputs)
        boot = self.boot
        self.kernel = Kernel(
            session=self.session,
            publisher=self.publisher,
            outputs=self.outputs,
            shell=shell,
            stdin=Stdin(boot.stdin, self.session, self.outputs),
            comms=comms.install(self.outputs),
            request_stop=self.request_stop,
            history=HistoryWrites(shell.history_manager),
        )
        shell.kernel = IPyKernelFace(self.kernel)
        signal.signal(signal.SIGINT, self.kernel.on_sigint)
        self.outputs.start()
        watch_launcher(lambda: self.request_stop(restart=False))
        boot.hand_over()  # the sockets are ours from here
        asyncio.run(self._main())
        return 0

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        boot = self.boot
        shell_socket = zmq.asyncio.Socket.from_socket(boot.shell)
        control = ControlThread(
            self.kernel, boot.control, boot.replay["control"], boot.kept["control"]
        )
        control.start()
        try:
            async with asyncio.TaskGroup() as tg:
                serving = tg.create_task(
                    self._serve_shell(shell_socket, boot.replay["shell"], boot.kept["shell"])
                )
                await self._stop.wait()
                serving.cancel()
        finally:
            control.stop()
            self._close(shell_socket)

    async def _serve_shell(
        self, socket: zmq.asyncio.Socket, replay: ReplayGuard, kept: Kept
    ) -> None:

        def send(msg: Message, idents: Sequence[bytes]) -> None:
            socket.send_multipart(self.session.frames(msg, idents))

        # Requests taken off the socket early, with whether to skip them: first those
        # that arrived while the kernel was starting.
        taken: list[tuple[list[bytes], Message, bool]] = [
            (idents, msg, False) for idents, msg in kept
        ]

        async def take_queue_on_error(msg: Message, reply: object) -> None:
            # A failed cell with stop_on_error skips the execute_requests already
            # waiting: they were sent expecting it to succeed. Take them before the
            # reply goes out, so nothing sent after the client saw the error is skipped.
            if getattr(reply, "status", "ok") == "error" and _stops_on_error(msg):
                # Those kept from start-up or taken earlier wait here already.
                taken[:] = [
                    (idents, waiting, skip or waiting.msg_type == "execute_request")
                    for idents, waiting, skip in taken
                ]
                # (a NOBLOCK recv on an asyncio socket waits instead of failing,
                # so ask the socket whether a message is there)
                while socket.get(zmq.EVENTS) & zmq.POLLIN:
                    raw = await socket.recv_multipart(copy=False)
                    parsed = parse(self.kernel, _frames_of(raw), replay, "shell")
                    if parsed is not None:
                        waiting_idents, waiting = parsed
                        skip = waiting.msg_type == "execute_request"
                        taken.append((waiting_idents, waiting, skip))

        while True:
            if taken:
                idents, msg, skip = taken.pop(0)
            else:
                frames = _frames_of(await socket.recv_multipart(copy=False))
                parsed = parse(self.kernel, frames, replay, "shell")
                if parsed is None:
                    continue
                (idents, msg), skip = parsed, False
            if skip:
                self.publisher.status("busy", msg.header)
                send(abort_reply(self.kernel, msg), idents)
                self.publisher.status("idle", msg.header)
            else:
                try:
                    await dispatch_shell(self.kernel, idents, msg, send, take_queue_on_error)
                except Exception:  # a bug of ours must not end the kernel
                    log.exception("failed to handle %s", msg.msg_type)

    def _close(self, shell_socket: zmq.asyncio.Socket) -> None:
        shell = self.kernel.shell
        try:
            shell.history_manager.end_session()
        except Exception:  # a broken history database must not block the exit
            log.exception("could not close the history session")
        self.outputs.stop()
        self.iopub.stop()
        shell_socket.close(linger=1000)
        sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
        self.context.destroy(linger=1000)
