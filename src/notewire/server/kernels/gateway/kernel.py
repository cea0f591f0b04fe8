"""One kernel on a gateway: started, interrupted, restarted and deleted over REST, and
spoken to over one WebSocket at a time.

Losing the gateway is reported as a loss of the kernel, with its cause, exactly where
a local kernel's death is (`wait_exit`, `death`, requests failing with KernelDied).
Then the gateway is tried again after each of `GatewayConfig.reconnect_delays`: when
it answers and still has the kernel, a new socket is opened and the kernel is back
(`wait_recovered` returns); when it answers without the kernel (it restarted, or
culled it), or never answers, the loss is final. A restart then starts a new kernel on
the gateway in place of the one it lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx
from websockets.exceptions import InvalidHandshake

from notewire.protocol import new_id
from notewire.protocol.content import KernelInfoReply

from ..backend import KernelState
from ..errors import KernelClosed, KernelDied, KernelLaunchError, LossCause
from ..handle import KernelConfig, wait_ready
from ..specs import KernelSpec
from .channels import GatewayChannels, open_socket
from .rest import GatewayError, GatewayREST, GatewayUnreachable

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class GatewayLoss:
    """Why a gateway kernel was lost, in words; `final` once it will not come back."""

    reason: str
    requested: bool = False
    final: bool = False

    def describe(self) -> str:
        return self.reason


_SHUT_DOWN = GatewayLoss("was shut down", requested=True, final=True)
_RESTARTED = GatewayLoss("was restarted", requested=True)


class GatewayKernel:
    """Use `await GatewayKernel.start(...)`. `id` is notewire's and stays the same when
    a restart has to start a new kernel on the gateway; `remote_id` is the gateway's."""

    def __init__(
        self,
        spec: KernelSpec,
        *,
        rest: GatewayREST,
        config: KernelConfig,
        tasks: asyncio.TaskGroup,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.id = new_id()
        self.remote_id: str | None = None
        self.spec = spec
        self.cwd = cwd
        self.env = dict(env or {})
        self.state: KernelState = "starting"
        self.kernel_info: KernelInfoReply | None = None
        self.death: LossCause | None = None
        self._rest = rest
        self._config = config
        self._tasks = tasks
        self._client = GatewayChannels(config=config.client, on_kernel_event=self._on_kernel_event)
        self._serving: asyncio.Task[str] | None = None
        self._recovery: asyncio.Task[None] | None = None
        self._lifecycle = asyncio.Lock()
        self._lost = asyncio.Event()  # set while the kernel is lost
        self._settled = asyncio.Event()  # set once a loss ended: recovered, or final

    @classmethod
    async def start(
        cls,
        spec: KernelSpec,
        *,
        rest: GatewayREST,
        config: KernelConfig,
        tasks: asyncio.TaskGroup,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
    ) -> GatewayKernel:
        """Start a kernel on the gateway and return once it answers. Raises
        KernelLaunchError or GatewayError; nothing is left on the gateway then."""
        kernel = cls(spec, rest=rest, config=config, tasks=tasks, cwd=cwd, env=env)
        try:
            await kernel._create()
            await kernel._connect()
        except BaseException:
            await kernel._dispose()
            raise
        kernel.state = "running"
        return kernel

    def __repr__(self) -> str:
        remote = self.remote_id[:8] if self.remote_id else "-"
        return f"<GatewayKernel {self.spec.name} {self.id[:8]} (gateway {remote}) {self.state}>"

    # --- facts ---------------------------------------------------------------------

    @property
    def client(self) -> GatewayChannels:
        return self._client

    @property
    def is_alive(self) -> bool:
        return self.state == "running" and self._client.connected

    async def wait_exit(self) -> LossCause:
        if self.state == "shutdown":
            raise KernelClosed(f"kernel {self.id[:8]} is shut down")
        await self._lost.wait()
        return self.death or _SHUT_DOWN

    async def wait_recovered(self) -> None:
        await self._settled.wait()
        if self.state == "shutdown":
            raise KernelClosed(f"kernel {self.id[:8]} is shut down")
        if self.state != "running":
            raise KernelDied(self.death or _SHUT_DOWN)

    # --- connecting ----------------------------------------------------------------

    async def _create(self) -> None:
        env = self._rest.kernel_env(self.env, self.cwd)
        self.remote_id = await self._rest.start_kernel(self.spec.name, env)
        log.info("kernel %s is %s on the gateway", self.id[:8], self.remote_id)

    async def _connect(self) -> None:
        """Open a socket to the kernel and wait until the kernel answers on it.
        Raises GatewayError, or KernelLaunchError when it does not answer in time."""
        assert self.remote_id is not None
        gateway = self._rest.config
        url = self._rest.channels_url(self.remote_id, self._client.session)
        try:
            socket = await open_socket(
                url, gateway.headers, gateway.max_message_bytes, gateway.connect_timeout
            )
        except (OSError, TimeoutError, InvalidHandshake) as exc:
            raise GatewayUnreachable(
                f"cannot open the kernel's socket on the gateway: {exc}"
            ) from None
        self._client.attach(socket)
        serving = self._tasks.create_task(
            self._client.serve(socket), name=f"gateway-socket-{self.id[:8]}"
        )
        ready = asyncio.ensure_future(wait_ready(self._client, self._config.nudge_interval))
        try:
            async with asyncio.timeout(self._config.startup_timeout):
                await asyncio.wait({ready, serving}, return_when=asyncio.FIRST_COMPLETED)
            if not ready.done():
                raise GatewayUnreachable(f"the gateway closed the kernel's socket: {await serving}")
            self.kernel_info = ready.result()
        except BaseException as exc:
            if not ready.done():
                ready.cancel()
                await asyncio.wait({ready})
            await socket.close()
            await asyncio.wait({serving})
            if isinstance(exc, TimeoutError):
                raise KernelLaunchError(
                    f"kernel {self.spec.name!r} did not answer through the gateway within "
                    f"{self._config.startup_timeout}s"
                ) from None
            raise
        self._serving = serving
        self._tasks.create_task(self._watch(serving), name=f"gateway-watch-{self.id[:8]}")

    async def _close_socket(self) -> None:
        """Stop serving the current socket; its end is not a loss."""
        serving, self._serving = self._serving, None
        await self._client.close_socket()
        if serving is not None:
            await asyncio.wait({serving})

    async def _watch(self, serving: asyncio.Task[str]) -> None:
        reason = await asyncio.shield(serving)
        if serving is not self._serving or self.state != "running":
            return  # closed by us: a restart or a shutdown
        self._serving = None
        url = self._rest.config.url
        self._lose(GatewayLoss(f"lost its gateway ({url}): the connection {reason}; reconnecting"))
        self._recovery = self._tasks.create_task(
            self._reconnect(), name=f"gateway-reconnect-{self.id[:8]}"
        )

    def _on_kernel_event(self, state: str) -> None:
        if self.state != "running":
            return  # our own restart, or a loss already reported
        if state == "dead":
            self._lose(GatewayLoss("died on the gateway, which could not restart it"))
            self._settle(final=True)
            return
        self._lose(GatewayLoss("died on the gateway, which restarted it"))
        self._recovery = self._tasks.create_task(
            self._await_restarted(), name=f"gateway-autorestart-{self.id[:8]}"
        )

    # --- losing and recovering ------------------------------------------------------

    def _lose(self, cause: GatewayLoss) -> None:
        self.state = "dead"
        self.death = cause
        self._client.loss = cause
        self._client.fail_pending(KernelDied(cause))
        self._settled.clear()
        self._lost.set()
        log.warning("kernel %s (%s) %s", self.id[:8], self.spec.name, cause.describe())

    def _settle(self, *, final: bool, cause: GatewayLoss | None = None) -> None:
        if final:
            self.death = cause or self.death
            self._client.loss = self.death
            if cause is not None:
                log.warning("kernel %s (%s) %s", self.id[:8], self.spec.name, cause.describe())
        else:
            self.state = "running"
            self.death = None
            self._lost.clear()
            log.info("kernel %s is back on the gateway", self.id[:8])
        self._settled.set()

    async def _reconnect(self) -> None:
        last: Exception | str = "no answer"
        delays = self._rest.config.reconnect_delays
        try:
            for delay in delays:
                # Backoff between tries is the point here, not synchronisation.
                await asyncio.sleep(delay)
                try:
                    assert self.remote_id is not None
                    if await self._rest.kernel(self.remote_id) is None:
                        self._settle(final=True, cause=_gone())
                        return
                    await self._connect()
                except (GatewayError, KernelLaunchError) as exc:
                    last = exc
                    log.info("kernel %s: the gateway is still away: %s", self.id[:8], exc)
                    continue
                self._settle(final=False)
                return
            url = self._rest.config.url
            self._settle(
                final=True,
                cause=GatewayLoss(
                    f"lost its gateway ({url}) and could not reach it again in "
                    f"{len(delays)} tries: {last}",
                    final=True,
                ),
            )
        except Exception as exc:  # a bug here must not take the server's tasks down
            log.exception("reconnecting kernel %s failed", self.id[:8])
            self._settle(final=True, cause=GatewayLoss(f"could not reconnect: {exc!r}", final=True))

    async def _await_restarted(self) -> None:
        """The gateway restarted the kernel under the same socket: wait until it answers."""
        try:
            async with asyncio.timeout(self._config.startup_timeout):
                self.kernel_info = await wait_ready(self._client, self._config.nudge_interval)
        except (TimeoutError, KernelDied, KernelClosed):
            cause = GatewayLoss("died on the gateway and did not come back", final=True)
            self._settle(final=True, cause=cause)
            return
        self._settle(final=False)

    async def _stop_recovery(self) -> None:
        task, self._recovery = self._recovery, None
        if task is not None and not task.done():
            task.cancel()
            await asyncio.wait({task})

    # --- lifecycle -----------------------------------------------------------------

    async def interrupt(self) -> None:
        if self.state == "shutdown":
            raise KernelClosed(f"kernel {self.id[:8]} is shut down")
        if not self.is_alive or self.remote_id is None:
            raise KernelDied(self.death or _SHUT_DOWN)
        await self._rest.interrupt(self.remote_id)

    async def restart(self, *, now: bool = False) -> None:
        """Restart the kernel on the gateway; when the gateway no longer has it (a
        final loss), start a new one there. `now` is the gateway's to decide."""
        async with self._lifecycle:
            if self.state == "shutdown":
                raise KernelClosed(f"kernel {self.id[:8]} is shut down")
            self.state = "restarting"
            await self._stop_recovery()
            await self._close_socket()
            self._client.fail_pending(KernelDied(_RESTARTED))
            try:
                assert self.remote_id is not None
                # Asked first: a gateway answers a restart of a kernel it does not know
                # with a 500 (jupyter_server's handler), not a 404.
                known = await self._rest.kernel(self.remote_id) is not None
                if not (known and await self._rest.restart(self.remote_id)):
                    log.info("kernel %s is gone from the gateway; starting a new one", self.id[:8])
                    await self._create()
                await self._connect()
            except BaseException as exc:
                self.state = "dead"
                self.death = GatewayLoss(f"could not be restarted: {exc}", final=True)
                self._client.loss = self.death
                raise
            self.death = None
            self._client.loss = None
            self._lost.clear()
            self._settled.set()
            self.state = "running"

    async def shutdown(self, *, now: bool = False) -> None:
        """Delete the kernel on the gateway (which asks it to exit first). A gateway
        that cannot be reached is logged: its kernels are its own to clean up. Idempotent."""
        async with self._lifecycle:
            if self.state != "shutdown":
                await self._dispose()

    async def _dispose(self) -> None:
        self.state = "shutdown"
        try:
            await self._stop_recovery()
            await self._close_socket()
            if self.remote_id is not None:
                await self._rest.delete(self.remote_id)
        except GatewayError as exc:
            log.warning("could not delete kernel %s on the gateway: %s", self.remote_id, exc)
        finally:
            await self._client.aclose()
            self._lost.set()
            self._settled.set()

    def kill_now(self) -> None:
        """At interpreter exit, with no event loop left: one synchronous DELETE."""
        if self.state == "shutdown" or self.remote_id is None:
            return
        gateway = self._rest.config
        url = gateway.base + self._rest.kernel_path(self.remote_id)
        with contextlib.suppress(httpx.HTTPError):
            httpx.delete(url, headers=gateway.headers, timeout=2.0)


def _gone() -> GatewayLoss:
    return GatewayLoss(
        "is gone from the gateway (the gateway restarted or culled it); restart to start a new one",
        final=True,
    )
