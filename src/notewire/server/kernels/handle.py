"""One running kernel: its process, files and client, and what can be done to it
(interrupt, restart, shut down), with its death reported when it happens.

A handle's background work (its client's receive loop) runs in a TaskGroup passed in by
the owner, normally the KernelManager, so no task outlives the server.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import signal
from collections.abc import Awaitable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import zmq.asyncio

from notewire.protocol import ConnectionInfo, new_id
from notewire.protocol.content import KernelInfoReply

from .backend import KernelState, RunningKernel
from .channels import KernelChannels
from .client import ClientConfig, KernelClient
from .errors import KernelClosed, KernelDied, KernelLaunchError, KernelTimeout
from .launcher import KernelFiles, LaunchConfig, is_port_conflict, start_process
from .process import ExitCause, KernelProcess
from .specs import KernelSpec

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class KernelConfig:
    """How kernels are started and stopped. Times are seconds."""

    launch: LaunchConfig = field(default_factory=LaunchConfig)
    client: ClientConfig = field(default_factory=ClientConfig)
    startup_timeout: float = 60.0
    shutdown_timeout: float = 5.0  # for the shutdown_reply, then again for the exit
    interrupt_timeout: float = 5.0  # for an interrupt_reply (message mode)
    port_retries: int = 3  # tcp: new ports after a kernel lost the race for one
    # A kernel_info reply proves shell works; an iopub message proves our SUB is
    # subscribed. Until both are seen, kernel_info is asked again this often (see
    # wait_ready); a kernel still starting answers the extra requests once it is up.
    nudge_interval: float = 0.5


async def _unless_exited(process: KernelProcess, aw: Awaitable[T]) -> T:
    """Await `aw`, unless `process` exits first: then raise KernelDied."""
    task = asyncio.ensure_future(aw)
    waiters: set[asyncio.Future[Any]] = {task, process.exited}
    try:
        done, _ = await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        if not task.done():
            task.cancel()
            await asyncio.wait({task})
    if task in done:
        return task.result()
    raise KernelDied(process.exit_cause())


async def wait_ready(client: KernelChannels, nudge_interval: float) -> KernelInfoReply | None:
    """Wait until the kernel answers kernel_info on shell and we have received
    something on iopub; returns the kernel_info reply (None if the kernel answered with
    an error). Over any transport: the gateway's WebSocket needs the same proof.

    No sleeps: an XPUB kernel greets every subscriber with iopub_welcome; for others
    the busy/idle of our own request shows the subscription is live. When neither the
    reply nor iopub has moved for `nudge_interval`, the request is sent again: a request
    handed to a connection that was just closing (a restart) is lost, and kernels
    without iopub_welcome may publish their busy/idle before our subscription lands.
    """
    sent: set[str] = set()
    info: KernelInfoReply | None = None
    replied = iopub_seen = False
    with client.subscribe(("shell", "iopub")) as sub:

        async def ask() -> None:
            msg = client.new_message("kernel_info_request")
            sent.add(msg.msg_id)
            await client.send("shell", msg)

        await ask()
        while not (replied and iopub_seen):
            try:
                async with asyncio.timeout(nudge_interval):
                    incoming = await sub.get()
            except TimeoutError:
                await ask()
                continue
            if incoming.channel == "iopub":
                iopub_seen = True
            elif incoming.parent_id in sent:
                replied = True
                if isinstance(incoming.content, KernelInfoReply):
                    info = incoming.content
    return info


async def _wait_ready_with_stdin(
    client: KernelClient, nudge_interval: float, stdin_after: int
) -> KernelInfoReply | None:
    """`wait_ready`, and our stdin socket has a fresh handshake (more than
    `stdin_after`): the kernel's stdin ROUTER drops input requests to peers it has
    not seen."""
    info = await wait_ready(client, nudge_interval)
    await client.wait_stdin_handshake(after=stdin_after)
    return info


class KernelHandle:
    """A kernel process started from a kernelspec, and a client connected to it.

    Use `await KernelHandle.start(...)`. `client` stays the same across restarts unless
    a tcp restart had to move to new ports; read it from the handle, do not keep it.
    """

    def __init__(
        self,
        spec: KernelSpec,
        *,
        tasks: asyncio.TaskGroup,
        context: zmq.asyncio.Context,
        config: KernelConfig = KernelConfig(),
        kernel_id: str | None = None,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.id = kernel_id or new_id()
        self.spec = spec
        self.config = config
        self.cwd = cwd
        self.env = dict(env or {})
        self.state: KernelState = "starting"
        self.kernel_info: KernelInfoReply | None = None
        self.death: ExitCause | None = None  # the last exit we did not ask for
        self._tasks = tasks
        self._context = context
        self._process: KernelProcess | None = None
        # One restart or shutdown at a time; a shutdown asked for during a restart
        # happens after it.
        self._lifecycle = asyncio.Lock()
        self._files = KernelFiles(config.launch, self.id)
        try:
            self.connection_info: ConnectionInfo = self._files.new_connection(spec.name)
        except BaseException:
            self._files.remove()
            raise
        self.client = self._new_client()

    @classmethod
    async def start(
        cls,
        spec: KernelSpec,
        *,
        tasks: asyncio.TaskGroup,
        context: zmq.asyncio.Context,
        config: KernelConfig = KernelConfig(),
        kernel_id: str | None = None,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
    ) -> KernelHandle:
        """Start a kernel and return once it is ready. Raises KernelLaunchError; nothing
        is left running when it does."""
        handle = cls(
            spec, tasks=tasks, context=context, config=config, kernel_id=kernel_id, cwd=cwd, env=env
        )
        try:
            await handle._launch()
        except BaseException:
            await handle._dispose(now=True)
            raise
        return handle

    def __repr__(self) -> str:
        return f"<KernelHandle {self.spec.name} {self.id[:8]} {self.state} pid={self.pid}>"

    # --- facts ---------------------------------------------------------------------

    @property
    def connection_file(self) -> Path:
        return self._files.connection_file

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    @property
    def is_alive(self) -> bool:
        return self._process is not None and not self._process.exited.done()

    async def wait_exit(self) -> ExitCause:
        """Wait for the current process to exit, for any reason, and say why."""
        process = self._require_process()
        await asyncio.shield(process.exited)
        return process.exit_cause()

    async def wait_recovered(self) -> None:
        """A process that exited stays dead until restarted: raises at once."""
        process = self._require_process()
        raise KernelDied(self.death or process.exit_cause())

    # --- lifecycle -----------------------------------------------------------------

    def _new_client(self) -> KernelClient:
        client = KernelClient(
            self.connection_info, context=self._context, config=self.config.client
        )
        self._tasks.create_task(client.run(), name=f"kernel-client-{self.id[:8]}")
        return client

    async def _launch(self) -> None:
        """Start a process on the current connection info and wait until it is ready.
        On tcp, a kernel that died because a port was taken is retried on new ports."""
        label = f"{self.spec.name}:{self.id[:8]}"
        for attempt in range(self.config.port_retries + 1):
            handshakes = self.client.stdin_handshakes
            process = start_process(
                self.spec, self._files, self.config.launch, cwd=self.cwd, env=self.env, label=label
            )
            self._process = process
            process.exited.add_done_callback(functools.partial(self._on_exit, process))
            try:
                async with asyncio.timeout(self.config.startup_timeout):
                    self.kernel_info = await _unless_exited(
                        process,
                        _wait_ready_with_stdin(self.client, self.config.nudge_interval, handshakes),
                    )
            except KernelDied as exc:
                await self._drop_process(process)
                cause = process.exit_cause()
                retry = (
                    attempt < self.config.port_retries and self.connection_info.transport == "tcp"
                )
                if retry and is_port_conflict(cause.output_tail):
                    log.info("kernel %s lost a port race; retrying on new ports", label)
                    await self._move_to_new_ports()
                    continue
                tail = "\n".join(cause.output_tail[-20:])
                raise KernelLaunchError(
                    f"kernel {self.spec.name!r} {cause.describe()} while starting"
                    + (f"; its last output:\n{tail}" if tail else "")
                ) from exc
            except TimeoutError:
                await self._drop_process(process)
                raise KernelLaunchError(
                    f"kernel {self.spec.name!r} was not ready within {self.config.startup_timeout}s"
                ) from None
            self.state = "running"
            return

    async def _move_to_new_ports(self) -> None:
        self.connection_info = self._files.new_connection(self.spec.name)
        old, self.client = self.client, self._new_client()
        await old.aclose()

    def _on_exit(self, process: KernelProcess, _: object) -> None:
        cause = process.exit_cause()
        if process is self._process and not cause.requested:
            self.death = cause
            if self.state == "running":
                self.state = "dead"
            last = "\n".join(cause.output_tail[-5:])
            log.warning(
                "kernel %s (%s, pid %d) %s%s",
                self.id[:8],
                self.spec.name,
                process.pid,
                cause.describe(),
                f"; its last output:\n{last}" if last else "",
            )
        # Requests in flight will never be answered by this process.
        self.client.fail_pending(KernelDied(cause))

    async def _drop_process(self, process: KernelProcess) -> None:
        """Kill what is left of `process` and its group, and release its resources."""
        process.kill()
        await process.wait()
        process.close()

    def _require_process(self) -> KernelProcess:
        if self._process is None or self.state == "shutdown":
            raise KernelClosed(f"kernel {self.id[:8]} is shut down")
        return self._process

    async def _stop_process(self, *, now: bool, restart: bool) -> None:
        """Ask the kernel to exit (unless `now`), wait, kill whatever remains."""
        process = self._process
        if process is None:
            return
        process.expect_exit()
        if not now and not process.exited.done():
            try:
                async with asyncio.timeout(self.config.shutdown_timeout):
                    await self.client.request(
                        "shutdown_request", {"restart": restart}, channel="control"
                    )
            except (TimeoutError, KernelTimeout, KernelDied) as exc:
                log.info("kernel %s did not confirm shutdown: %s", self.id[:8], exc)
            await process.terminate(self.config.shutdown_timeout)
        # Also after a clean exit: the kernel's own children share its process group.
        await self._drop_process(process)

    async def interrupt(self) -> None:
        """Interrupt the code running now: SIGINT to the process group, or an
        interrupt_request on control, as the kernelspec's interrupt_mode says."""
        process = self._require_process()
        if process.exited.done():
            raise KernelDied(process.exit_cause())
        if self.spec.interrupt_mode == "signal":
            process.signal_group(signal.SIGINT)
        else:
            try:
                async with asyncio.timeout(self.config.interrupt_timeout):
                    await self.client.request("interrupt_request", channel="control")
            except TimeoutError:
                raise KernelTimeout(
                    f"no interrupt_reply within {self.config.interrupt_timeout}s"
                ) from None

    async def restart(self, *, now: bool = False) -> None:
        """Stop the kernel and start a new process on the same connection info, so
        connected clients keep working. `now` kills instead of asking. Also revives a
        dead kernel."""
        async with self._lifecycle:
            self._require_process()
            self.state = "restarting"
            try:
                await self._stop_process(now=now, restart=True)
                self.death = None
                await self._launch()
            except BaseException:
                self.state = "dead"
                raise

    async def shutdown(self, *, now: bool = False) -> None:
        """Stop the kernel for good: shutdown_request on control, wait for the exit up
        to shutdown_timeout, then kill its process group. Idempotent."""
        async with self._lifecycle:
            if self.state != "shutdown":
                await self._dispose(now=now)

    async def _dispose(self, *, now: bool) -> None:
        try:
            await self._stop_process(now=now, restart=False)
        finally:
            self.state = "shutdown"
            await self.client.aclose()
            self._files.remove()

    def kill_now(self) -> None:
        """SIGKILL the process group, synchronously: the last resort at interpreter exit."""
        if self._process is not None:
            self._process.kill()


async def shutdown_all(handles: Iterable[RunningKernel], *, now: bool = False) -> None:
    """Shut kernels down concurrently. A failure is logged, not raised, so one stuck
    kernel cannot keep the others running."""
    handles = list(handles)
    results = await asyncio.gather(*(h.shutdown(now=now) for h in handles), return_exceptions=True)
    for handle, result in zip(handles, results, strict=True):
        if isinstance(result, Exception):
            log.error("shutting down kernel %s failed: %r", handle.id[:8], result)
