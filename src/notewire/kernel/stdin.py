"""`input()` and `getpass()` answered by the frontend over the stdin channel."""

from __future__ import annotations

import builtins
import getpass
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import zmq
from IPython.core.error import StdinNotImplementedError

from notewire.protocol import Header, ProtocolError, ReplayGuard, decode
from notewire.protocol.content import InputReply

from .outputs import Outputs
from .session import Session

log = logging.getLogger(__name__)


class Stdin:
    """Owns the stdin ROUTER socket; used only from the main thread.

    An input_request is routed with the identities of the shell request that is
    running: a client's stdin socket shares its shell socket's identity.
    """

    def __init__(self, socket: zmq.Socket[bytes], session: Session, outputs: Outputs) -> None:
        self._socket = socket
        self._session = session
        self._outputs = outputs
        self._replay = ReplayGuard()
        self._idents: list[bytes] = []
        self._parent: Header | None = None
        self._allowed = False

    @contextmanager
    def bound(self, idents: list[bytes], parent: Header, allowed: bool) -> Iterator[None]:
        """Within this block, input() and getpass() ask the client of `parent`."""
        self._idents, self._parent, self._allowed = idents, parent, allowed
        saved = builtins.input, getpass.getpass
        builtins.input = self.input
        getpass.getpass = self.getpass
        try:
            yield
        finally:
            builtins.input, getpass.getpass = saved
            self._allowed = False

    def input(self, prompt: Any = "") -> str:
        return self._request(str(prompt), password=False)

    def getpass(self, prompt: str = "Password: ", stream: Any = None) -> str:
        return self._request(prompt, password=True)

    def _request(self, prompt: str, password: bool) -> str:
        if not self._allowed:
            raise StdinNotImplementedError(
                "input() is not available: the frontend did not allow stdin for this request"
            )
        self._outputs.flush()
        self._discard_stale()
        msg = self._session.message(
            "input_request", {"prompt": prompt, "password": password}, self._parent
        )
        self._socket.send_multipart(self._session.frames(msg, self._idents))
        while True:
            # poll with a timeout so a SIGINT (interrupt) is raised promptly in here
            if not self._socket.poll(100):
                continue
            reply = self._receive()
            # jupyter_client sends input_reply without a parent header, so a reply
            # with none answers the pending request; one for another request is stale.
            if reply is not None and reply[0] in (None, msg.msg_id):
                return reply[1]

    def _receive(self) -> tuple[str | None, str] | None:
        frames = self._socket.recv_multipart()
        try:
            _, reply = self._session.parse(frames, self._replay)
            content = decode(reply)
        except ProtocolError as exc:
            log.warning("dropped a bad message on stdin: %s", exc)
            return None
        if not isinstance(content, InputReply):
            log.warning("ignored %s on stdin", reply.msg_type)
            return None
        return reply.parent_id, content.value

    def _discard_stale(self) -> None:
        """Drop replies to earlier requests (say, one answered after an interrupt)."""
        while self._socket.poll(0):
            self._socket.recv_multipart()
