"""The browsers attached to one notebook, as the session sees them.

A peer is anything that can be told about the notebook: a WebSocket connection in the
web layer, or a test double. The session never waits on a peer: it hands messages over
and rings the peer's bell when the document changes; each peer's own writer decides
what to send when (docs/notebook-protocol.md, section 3: a slow browser costs at most
one document's worth of memory, never an unbounded queue).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Protocol


class Peer(Protocol):
    def send_json(self, body: dict[str, Any], buffers: Sequence[bytes] = ()) -> None:
        """Queue a JSON message (without waiting)."""

    def send_awareness(self, payload: bytes) -> None:
        """Queue an awareness message from another peer."""

    def doc_changed(self, update: bytes) -> None:
        """The document changed by `update` (one transaction's Yjs update): send it
        when ready."""

    def doc_replaced(self, hello: dict[str, Any], buffers: Sequence[bytes] = ()) -> None:
        """The document was replaced (reloaded from disk, checkpoint restored): send
        `hello`, and wait for the browser's new SyncStep1 before accepting its updates."""

    def session_closed(self) -> None:
        """The notebook was closed on the server: end the connection (a browser that
        reconnects opens the notebook again)."""


class Peers:
    """The set of peers, with broadcasts."""

    def __init__(self) -> None:
        self._peers: list[Peer] = []

    def add(self, peer: Peer) -> None:
        self._peers.append(peer)

    def remove(self, peer: Peer) -> None:
        if peer in self._peers:
            self._peers.remove(peer)

    def __len__(self) -> int:
        return len(self._peers)

    def __iter__(self) -> Iterator[Peer]:
        return iter(list(self._peers))

    def send_json(self, body: dict[str, Any], buffers: Sequence[bytes] = ()) -> None:
        for peer in self:
            peer.send_json(body, buffers)

    def doc_changed(self, update: bytes) -> None:
        for peer in self:
            peer.doc_changed(update)
