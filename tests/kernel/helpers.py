"""Driving a kernel with jupyter_client's BlockingKernelClient, waiting on events."""

from __future__ import annotations

import os
import queue
import re
import signal
import time
from dataclasses import dataclass, field
from typing import Any

from jupyter_client.blocking.client import BlockingKernelClient
from jupyter_client.manager import KernelManager

TIMEOUT = 20.0


@dataclass
class Run:
    """What one request produced: its shell reply and its iopub messages up to idle."""

    reply: dict[str, Any]
    iopub: list[dict[str, Any]] = field(default_factory=list)

    @property
    def content(self) -> dict[str, Any]:
        return self.reply["content"]

    def of_type(self, msg_type: str) -> list[dict[str, Any]]:
        return [m["content"] for m in self.iopub if m["msg_type"] == msg_type]

    @property
    def types(self) -> list[str]:
        return [m["msg_type"] for m in self.iopub]

    def stdout(self) -> str:
        return "".join(c["text"] for c in self.of_type("stream") if c["name"] == "stdout")


def collect(
    kc: BlockingKernelClient, msg_id: str, timeout: float = TIMEOUT, channel: str = "shell"
) -> Run:
    """Wait for both the reply and the idle status of `msg_id`; they travel on
    different sockets and may arrive in either order."""
    deadline = time.monotonic() + timeout
    get_reply = kc.get_shell_msg if channel == "shell" else kc.get_control_msg
    reply = None
    while reply is None:
        msg = get_reply(timeout=max(0.01, deadline - time.monotonic()))
        if msg["parent_header"].get("msg_id") == msg_id:
            reply = msg
    run = Run(reply)
    while True:
        msg = kc.get_iopub_msg(timeout=max(0.01, deadline - time.monotonic()))
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        run.iopub.append(msg)
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return run


def wait_for_welcome(kc: BlockingKernelClient) -> None:
    """Output is only seen once the iopub subscription is live (JEP 65): the kernel
    answers so early that a client can be faster than its own SUB socket."""
    while kc.get_iopub_msg(timeout=TIMEOUT)["msg_type"] != "iopub_welcome":
        pass


def execute(kc: BlockingKernelClient, code: str, timeout: float = TIMEOUT, **kwargs: Any) -> Run:
    return collect(kc, kc.execute(code, **kwargs), timeout)


def shell_request(
    kc: BlockingKernelClient,
    msg_type: str,
    content: dict,
    buffers: list[bytes] | None = None,
    metadata: dict | None = None,
) -> str:
    """Send any shell message (comm_*, or deliberately malformed content)."""
    msg = kc.session.msg(msg_type, content, metadata=metadata)
    kc.session.send(kc.shell_channel.socket, msg, buffers=buffers)
    return msg["header"]["msg_id"]


def iopub_until_idle(kc: BlockingKernelClient, msg_id: str) -> list[dict]:
    """The iopub messages for `msg_id`, up to and including its idle."""
    seen = []
    deadline = time.monotonic() + TIMEOUT
    while True:
        msg = kc.get_iopub_msg(timeout=deadline - time.monotonic())
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        seen.append(msg)
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return seen


def drain_iopub(kc: BlockingKernelClient) -> None:
    while True:
        try:
            kc.get_iopub_msg(timeout=0.05)
        except queue.Empty:
            return


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def plain(text: str) -> str:
    """`text` without ANSI colour codes (tracebacks and inspect output are coloured)."""
    return _ANSI.sub("", text)


def collect_interrupted(km: KernelManager, kc: BlockingKernelClient, msg_id: str) -> Run:
    """`collect` for a request the test has interrupted. A kernel that does not answer
    is asked for its threads' stacks (SIGUSR1, kernel/__main__.py), which it writes to
    its stderr, in the failed test's captured output: where the interrupt went."""
    try:
        return collect(kc, msg_id)
    except queue.Empty:
        pid = getattr(km.provisioner, "pid", None)
        if pid is not None:
            os.kill(pid, signal.SIGUSR1)
            time.sleep(1)  # the dump is written at once, by the signal handler; let it land
        raise AssertionError(
            f"no answer to {msg_id} within {TIMEOUT} s of the interrupt (kernel pid {pid}); "
            "its threads' stacks are in the captured stderr"
        ) from None
