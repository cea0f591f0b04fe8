"""Listeners: iopub taken in a callback on the receive loop (kernels/routing.py)."""

from __future__ import annotations

import pytest

from notewire.protocol import make_message
from notewire.server.kernels import Incoming, KernelChannels


def _status(state: str) -> Incoming:
    msg = make_message("status", {"execution_state": state}, session="s")
    return Incoming("iopub", msg, None)


@pytest.mark.timeout(10)
async def test_a_listener_gets_every_message_in_order_and_outlives_a_failing_call() -> None:
    channels = KernelChannels()
    seen: list[str] = []

    def on_message(incoming: Incoming) -> None:
        seen.append(incoming.msg.content["execution_state"])
        if len(seen) == 2:
            raise RuntimeError("one bad message")

    with channels.listen(on_message, ("iopub",)):
        for state in ("busy", "idle", "busy", "idle"):
            await channels._route(_status(state))
        await channels._route(Incoming("shell", _status("x").msg, None))  # not its channel
    await channels._route(_status("busy"))  # closed: no more calls
    assert seen == ["busy", "idle", "busy", "idle"]
    assert channels.unclaimed == 2
