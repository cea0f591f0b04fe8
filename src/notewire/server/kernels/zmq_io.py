"""A plain ZeroMQ socket driven by the asyncio loop, for the client's message sockets.

pyzmq's asyncio sockets make a Future and bookkeeping for every receive, and check the
socket's state twice on the way; a kernel client receives several messages per
execute on its hottest path. Here a receive is one non-blocking `recv_multipart`, and
only when nothing waits does the caller park on the socket's notification descriptor.

That descriptor says "look at the socket", not "a message is here", and any operation
on the socket (a send too) may consume its signal: so a receive tries the socket before
it waits, looks at `EVENTS` after an empty try, and a send wakes the waiting receive
when it finds a message queued (the rules of ZMQ_FD in zmq_getsockopt(3)).

A receive that finds a message does not give the loop a turn; one that keeps finding
them (endless output) would hold the loop, and whoever routes the messages may do so
without waiting either, so every `FAIR_TURN` messages in a row a receive yields once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import zmq

from notewire.protocol import Buffer

FAIR_TURN = 32  # messages received in a row before the loop gets a turn


class LoopSocket:
    """Owns `sock` (closed by `close`). Receive from one task at a time."""

    def __init__(self, sock: zmq.Socket[bytes], loop: asyncio.AbstractEventLoop) -> None:
        self.sock = sock
        self._loop = loop
        self._fd = sock.FD
        self._waiters: list[asyncio.Future[None]] = []
        self._closed = False
        self._in_a_row = 0
        loop.add_reader(self._fd, self._on_fd)

    def _on_fd(self) -> None:
        if not self._waiters:
            # Nobody waits (a receive is busy routing): take the signal, or the
            # level-triggered descriptor would wake the loop again and again. What is
            # queued stays readable; the next receive tries the socket first.
            self.sock.get(zmq.EVENTS)
            return
        self._wake()

    def _wake(self) -> None:
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def _wait(self) -> None:
        waiter = self._loop.create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        finally:
            if waiter in self._waiters:  # cancelled before it was woken
                self._waiters.remove(waiter)

    async def recv_multipart(self) -> list[bytes]:
        sock = self.sock
        self._in_a_row += 1
        if self._in_a_row >= FAIR_TURN:
            self._in_a_row = 0
            await asyncio.sleep(0)
        while True:
            try:
                frames = sock.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                if sock.get(zmq.EVENTS) & zmq.POLLIN:
                    continue
                self._in_a_row = 0
                await self._wait()
                continue
            if self._waiters:  # a send parked at the high-water mark: it looks again
                self._wake()
            return frames

    async def send_multipart(self, frames: Sequence[Buffer]) -> None:
        sock = self.sock
        while True:
            try:
                sock.send_multipart(frames, zmq.NOBLOCK)
                break
            except zmq.Again:  # at the high-water mark: wait until it takes more
                if not sock.get(zmq.EVENTS) & zmq.POLLOUT:
                    await self._wait()
        # The send may have taken the descriptor's signal for a message that came
        # meanwhile; a receive parked on it would not hear of that message.
        if self._waiters and sock.get(zmq.EVENTS) & zmq.POLLIN:
            self._wake()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._loop.remove_reader(self._fd)
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:  # as pyzmq's asyncio sockets do on close
            waiter.cancel()
        self.sock.close(linger=0)
