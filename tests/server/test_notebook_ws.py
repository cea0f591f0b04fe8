"""The notebook WebSocket's writer: what a browser that reads slowly gets sent."""

from __future__ import annotations

from types import SimpleNamespace

import pycrdt
import pytest

from notewire.server.session.peers import Peers
from notewire.server.session.update_feed import UpdateFeed
from notewire.server.web.notebook_ws import Connection


class RecordingSocket:
    def __init__(self) -> None:
        self.sent: list[bytes] = []

    async def send_bytes(self, data: bytes) -> None:
        self.sent.append(data)

    async def send_text(self, data: str) -> None:
        raise AssertionError("no JSON expected")


def _synced(doc: pycrdt.Doc, peers: Peers | None = None) -> tuple[Connection, RecordingSocket]:
    """A connection on `doc` whose browser has synced."""
    if peers is None:
        peers = Peers()
        doc.observe(lambda event: peers.doc_changed(event.update))
    ws = RecordingSocket()
    conn = Connection(ws, SimpleNamespace(doc=doc, peers=peers))  # type: ignore[arg-type]
    peers.add(conn)
    conn._synced = True
    conn._sent_state = doc.get_state()
    return conn, ws


def _replay(frames: list[bytes], into: pycrdt.Doc) -> None:
    for frame in frames:
        pycrdt.handle_sync_message(frame[1:], into)


@pytest.mark.parametrize("limit", [10**9, 100])
def test_a_slow_browser_gets_everything_in_one_frame(limit: int) -> None:
    """Updates pile up while the browser is slow; they go out merged in one frame, or,
    past the limit, as one diff from the last state sent. Either way it converges."""
    doc = pycrdt.Doc()
    text = doc.get("t", type=pycrdt.Array)
    browser = pycrdt.Doc()
    browser.apply_update(doc.get_update())
    peers = Peers()
    peers.feed = UpdateFeed(limit)
    doc.observe(lambda event: peers.doc_changed(event.update))
    conn, ws = _synced(doc, peers)
    for i in range(50):
        text.append(f"line {i}\n")
    frame = conn._take_updates()
    assert frame is not None and conn._take_updates() is None
    assert conn._cursor.diff_needed is False
    _replay([frame], browser)
    assert browser.get("t", type=pycrdt.Array).to_py() == text.to_py()


def test_nothing_is_queued_before_the_browser_syncs() -> None:
    doc = pycrdt.Doc()
    conn, _ = _synced(doc)
    conn._synced = False
    doc.get("t", type=pycrdt.Array).append("x")
    assert conn._take_updates() is None


def test_browsers_that_keep_up_share_one_encoded_frame() -> None:
    """Ten browsers on a notebook: each update is merged and encoded once, and a
    broadcast JSON message too; a browser that was slower gets its own frame."""
    doc = pycrdt.Doc()
    peers = Peers()
    doc.observe(lambda event: peers.doc_changed(event.update))
    conns = [_synced(doc, peers)[0] for _ in range(10)]
    array = doc.get("t", type=pycrdt.Array)
    for i in range(3):
        array.append(i)
    frames = [c._take_updates() for c in conns[:9]]
    assert frames[0] is not None and all(f is frames[0] for f in frames)
    array.append(3)
    late, fresh = conns[9]._take_updates(), conns[0]._take_updates()
    assert late is not None and fresh is not None and late is not fresh
    browser = pycrdt.Doc()
    _replay([late], browser)
    assert browser.get("t", type=pycrdt.Array).to_py() == [0, 1, 2, 3]
    peers.send_json({"type": "save", "dirty": False})
    sent = [c._outbox[-1] for c in conns]
    assert all(f is sent[0] for f in sent)


def _frames_into(frames: list[bytes], doc: pycrdt.Doc) -> None:
    for frame in frames:
        pycrdt.handle_sync_message(frame[1:], doc)


def test_new_browsers_get_the_updates_that_built_the_document_then_one_shared_encoding() -> None:
    """The first browsers get the document as it was built, a slice at a time, the last
    frame its SyncStep2; once it changes, one encoding of it serves every browser
    until it changes again (update_feed.py)."""
    source = pycrdt.Doc()
    cells = source.get("cells", type=pycrdt.Array)
    built_by: list[bytes] = []
    sub = source.observe(lambda event: built_by.append(event.update))
    for i in range(3):
        cells.append(f"cell {i}")
    source.unobserve(sub)
    feed = UpdateFeed(10**9)
    feed.reset(built_by)
    cursor = feed.cursor()
    frames = feed.whole_document(source)
    assert [f[:2] for f in frames] == [b"\x00\x02", b"\x00\x02", b"\x00\x01"]  # ..., SyncStep2
    browser = pycrdt.Doc()
    _frames_into(frames, browser)
    assert browser.get("cells", type=pycrdt.Array).to_py() == ["cell 0", "cell 1", "cell 2"]
    assert feed.whole_document(source) is frames

    source.observe(lambda event: feed.append(event.update))
    cells.append("cell 3")
    encoded = feed.whole_document(source)
    assert len(encoded) == 1 and encoded[0][:2] == b"\x00\x01"
    assert feed.whole_document(source) is encoded  # one encoding for every browser
    later = pycrdt.Doc()
    _frames_into(encoded, later)
    assert later.get("cells", type=pycrdt.Array).to_py() == [f"cell {i}" for i in range(4)]
    feed.release(cursor)  # no browser left: as big as the document, so not kept
    assert feed.whole_document(source) is not encoded
