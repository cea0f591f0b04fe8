"""The notebook WebSocket's writer: what a browser that reads slowly gets sent."""

from __future__ import annotations

from types import SimpleNamespace

import pycrdt
import pytest

from notewire.server.web import notebook_ws
from notewire.server.web.notebook_ws import Connection


class RecordingSocket:
    def __init__(self) -> None:
        self.sent: list[bytes] = []

    async def send_bytes(self, data: bytes) -> None:
        self.sent.append(data)

    async def send_text(self, data: str) -> None:
        raise AssertionError("no JSON expected")


def _synced(doc: pycrdt.Doc) -> tuple[Connection, RecordingSocket]:
    ws = RecordingSocket()
    conn = Connection(ws, SimpleNamespace(doc=doc))  # type: ignore[arg-type]
    doc.observe(lambda event: conn.doc_changed(event.update))
    conn._synced = True
    conn._sent_state = doc.get_state()
    return conn, ws


def _replay(frames: list[bytes], into: pycrdt.Doc) -> None:
    for frame in frames:
        pycrdt.handle_sync_message(frame[1:], into)


@pytest.mark.parametrize("limit", [10**9, 100])
def test_a_slow_browser_gets_everything_in_one_frame(
    monkeypatch: pytest.MonkeyPatch, limit: int
) -> None:
    """Updates pile up while the browser is slow; they go out merged in one frame, or,
    past the limit, as one diff from the last state sent. Either way it converges."""
    monkeypatch.setattr(notebook_ws, "MAX_PENDING_UPDATE_BYTES", limit)
    doc = pycrdt.Doc()
    text = doc.get("t", type=pycrdt.Array)
    browser = pycrdt.Doc()
    browser.apply_update(doc.get_update())
    conn, ws = _synced(doc)
    for i in range(50):
        text.append(f"line {i}\n")
    update = conn._take_updates()
    assert update is not None and conn._take_updates() is None
    assert conn._diff_needed is False
    _replay([pycrdt.create_update_message(update)], browser)
    assert browser.get("t", type=pycrdt.Array).to_py() == text.to_py()


def test_nothing_is_queued_before_the_browser_syncs() -> None:
    doc = pycrdt.Doc()
    conn, _ = _synced(doc)
    conn._synced = False
    doc.get("t", type=pycrdt.Array).append("x")
    assert conn._updates == [] and conn._take_updates() is None
