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

from notewire.protocol.frames import encode_json

from .update_feed import UpdateFeed

MAX_PENDING_UPDATE_BYTES = 8 * 2**20  # updates kept for a slow browser, before a diff


class Peer(Protocol):
    def send_json(self, body: dict[str, Any], buffers: Sequence[bytes] = ()) -> None:
        """Queue a JSON message (without waiting)."""

    def send_frame(self, frame: str | bytes, *, burst: bool = False) -> None:
        """Queue a message already encoded (one broadcast is encoded once for all).
        `burst`: it is likely one of many coming at once (a cell creating widgets),
        so the peer may hold it a moment to send them together."""

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
    """The set of peers, with broadcasts, each encoded once for all of them."""

    def __init__(self) -> None:
        self._peers: list[Peer] = []
        self.feed = UpdateFeed(MAX_PENDING_UPDATE_BYTES)  # the document's updates

    def add(self, peer: Peer) -> None:
        self._peers.append(peer)

    def remove(self, peer: Peer) -> None:
        if peer in self._peers:
            self._peers.remove(peer)

    def __len__(self) -> int:
        return len(self._peers)

    def __iter__(self) -> Iterator[Peer]:
        return iter(list(self._peers))

    def send_json(
        self, body: dict[str, Any], buffers: Sequence[bytes] = (), *, burst: bool = False
    ) -> None:
        if self._peers:
            frame = encode_json(body, buffers)
            for peer in self:
                peer.send_frame(frame, burst=burst)

    def doc_changed(self, update: bytes) -> None:
        self.feed.append(update)
        for peer in self:
            peer.doc_changed(update)

    def doc_replaced(self, hello: dict[str, Any], buffers: Sequence[bytes] = ()) -> None:
        """Tell the peers; the feed was reset with the new document."""
        for peer in self:
            peer.doc_replaced(hello, buffers)
