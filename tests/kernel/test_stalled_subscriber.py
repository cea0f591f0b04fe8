"""An IOPub subscriber that stops reading holds back output, but never the kernel's
control channel or its interrupts."""

from __future__ import annotations

import socket

import zmq
from jupyter_client.blocking.client import BlockingKernelClient
from jupyter_client.manager import KernelManager

from notewire.kernel.iopub import IOPUB_HWM
from tests.kernel.helpers import TIMEOUT, collect, execute

FLOOD = """
import socket
from IPython.display import publish_display_data
payload = {{"text/plain": "x" * 4000}}
try:
    while True:
        publish_display_data(payload)
except KeyboardInterrupt:
    with socket.create_connection(("127.0.0.1", {port})) as told:
        told.sendall(b"interrupted")
    raise
"""


def _stalled_subscriber(ctx: zmq.Context, km: KernelManager) -> zmq.Socket:
    """A SUB socket, subscribed to everything, that reads one message and no more."""
    sub = ctx.socket(zmq.SUB)
    sub.setsockopt(zmq.RCVHWM, 1)
    sub.setsockopt(zmq.RCVBUF, 4096)  # buffer as little as possible on the way
    sub.setsockopt(zmq.SUBSCRIBE, b"")
    sub.connect(f"{km.transport}://{km.ip}:{km.iopub_port}")
    # Any message (a welcome) means the subscription is live.
    assert sub.poll(TIMEOUT * 1000), "no iopub_welcome"
    sub.recv_multipart()
    return sub


def test_control_and_interrupts_work_while_a_subscriber_stalls(
    fresh_kernel: tuple[KernelManager, BlockingKernelClient],
) -> None:
    km, kc = fresh_kernel
    ctx = zmq.Context()
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(TIMEOUT)
    try:
        stalled = _stalled_subscriber(ctx, km)
        msg_id = kc.execute(FLOOD.format(port=listener.getsockname()[1]))
        # Once the kernel has published nearly a high-water mark of messages (a few
        # went before the flood), the stalled subscriber holds back every further one.
        flooded = 0
        while flooded < IOPUB_HWM - 50:
            msg = kc.get_iopub_msg(timeout=TIMEOUT)
            flooded += msg["msg_type"] == "display_data"

        info = kc.session.msg("kernel_info_request", {})
        kc.control_channel.send(info)
        reply = kc.get_control_msg(timeout=TIMEOUT)
        assert reply["parent_header"]["msg_id"] == info["header"]["msg_id"]

        km.interrupt_kernel()  # SIGINT
        told, _ = listener.accept()  # the cell saw KeyboardInterrupt
        with told:
            assert told.recv(64) == b"interrupted"

        # Once the stalled reader goes away, everything held back arrives.
        stalled.close(linger=0)
        assert collect(kc, msg_id).content["ename"] == "KeyboardInterrupt"
        assert execute(kc, "print('alive')").stdout() == "alive\n"
    finally:
        listener.close()
        ctx.destroy(linger=0)
