"""The client's plain ZeroMQ sockets on the event loop (kernels/zmq_io.py), over real
sockets: nothing is missed while sends and receives on one socket interleave."""

from __future__ import annotations

import asyncio

import pytest
import zmq
import zmq.asyncio

from notewire.server.kernels.zmq_io import LoopSocket


@pytest.mark.timeout(30)
async def test_echoes_arrive_while_the_same_socket_keeps_sending() -> None:
    # A DEALER that sends from one task while another waits to receive on it: each
    # send may take the descriptor's signal for an echo that came meanwhile.
    ctx = zmq.asyncio.Context()
    router = ctx.socket(zmq.ROUTER)
    port = router.bind_to_random_port("tcp://127.0.0.1")
    dealer: zmq.Socket[bytes] = zmq.Socket(ctx, zmq.DEALER)
    dealer.setsockopt(zmq.LINGER, 0)
    dealer.connect(f"tcp://127.0.0.1:{port}")
    sock = LoopSocket(dealer, asyncio.get_running_loop())
    n = 2000

    async def echo() -> None:
        for _ in range(n):
            await router.send_multipart(await router.recv_multipart())

    async def send() -> None:
        for i in range(n):
            await sock.send_multipart([b"%d" % i])
            if i % 7 == 0:
                await asyncio.sleep(0)  # let echoes land between sends

    try:
        async with asyncio.TaskGroup() as tg:
            tg.create_task(echo())
            tg.create_task(send())
            got = [await sock.recv_multipart() for _ in range(n)]
        assert got == [[b"%d" % i] for i in range(n)]
    finally:
        sock.close()
        router.close(linger=0)
        ctx.term()


@pytest.mark.timeout(30)
async def test_close_cancels_a_parked_receive() -> None:
    ctx = zmq.asyncio.Context()
    sub: zmq.Socket[bytes] = zmq.Socket(ctx, zmq.SUB)
    sock = LoopSocket(sub, asyncio.get_running_loop())
    try:
        waiting = asyncio.ensure_future(sock.recv_multipart())
        await asyncio.sleep(0)  # parked: nothing was ever sent
        assert not waiting.done()
        sock.close()
        with pytest.raises(asyncio.CancelledError):
            await waiting
    finally:
        sock.close()
        ctx.term()
