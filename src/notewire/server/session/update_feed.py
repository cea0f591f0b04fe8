"""The document's updates, kept once for all the browsers of a notebook.

Each browser's writer sends, when it gets its turn, every update since its last send
merged into one frame. Browsers that keep up are at the same place, so they need the
same frame: it is merged and encoded once, for the first of them, and the others get
the same bytes (ten browsers on a notebook cost one merge, not ten).

Updates are kept from the slowest browser's place on, up to a byte limit; a browser
that falls further behind is marked to catch up by a diff of the document instead
(docs/notebook-protocol.md, section 3), and the updates it held back are dropped.

A browser that opens the notebook has an empty copy and gets the whole document (its
SyncStep2). Encoding that is one call into pycrdt that walks the whole document and
holds the GIL meanwhile (30-100 ms for 20,000 cells), so it is done once and kept for
the next browsers until the document changes, is replaced, or no browser is left. A
document just built from its file comes with the updates it was built by, a few
hundred cells each (notebook/build.py): the first browsers get those, as updates
and the last as the SyncStep2, and the whole document is never encoded at once.
"""

from __future__ import annotations

from collections.abc import Sequence

import pycrdt

EMPTY_SYNC_STEP1 = b"\x00\x01\x00"  # a y-protocols SyncStep1 with an empty state vector


class Cursor:
    """One browser's place in the feed."""

    __slots__ = ("diff_needed", "seq")

    def __init__(self, seq: int) -> None:
        self.seq = seq  # the first update it has not been sent
        self.diff_needed = False  # its updates were dropped: send a diff instead


class UpdateFeed:
    def __init__(self, limit_bytes: int) -> None:
        self._limit = limit_bytes
        self._base = 0  # the number of the first update kept
        self._updates: list[bytes] = []
        self._kept_bytes = 0
        self._cursors: list[Cursor] = []
        self._cached: tuple[int, int, bytes] | None = None  # (start, end, frame)
        self._whole: list[bytes] | None = None  # frames of the whole document, as it is

    @property
    def head(self) -> int:
        """The number the next update will get."""
        return self._base + len(self._updates)

    def cursor(self) -> Cursor:
        """A place for a new browser: at the head (its sync brings it there)."""
        cursor = Cursor(self.head)
        self._cursors.append(cursor)
        return cursor

    def release(self, cursor: Cursor) -> None:
        if cursor in self._cursors:
            self._cursors.remove(cursor)
        if not self._cursors:
            self._whole = None  # as big as the document: not kept for no one
        self._trim()

    def whole_document(self, doc: pycrdt.Doc) -> list[bytes]:
        """The frames that answer `EMPTY_SYNC_STEP1` for `doc`, the feed's document
        (updates, the last a SyncStep2): the same bytes for every browser until the
        document changes (`append`) or is replaced (`reset`)."""
        if self._whole is None:
            reply = pycrdt.handle_sync_message(EMPTY_SYNC_STEP1, doc)
            assert reply is not None  # a SyncStep1 always has a reply
            self._whole = [reply]
        return self._whole

    def skip_to_head(self, cursor: Cursor) -> None:
        """The browser has everything (a sync, or a diff, brought it up to date)."""
        cursor.seq = self.head
        cursor.diff_needed = False
        self._trim()

    def append(self, update: bytes) -> None:
        self._whole = None
        self._updates.append(update)
        self._kept_bytes += len(update)
        while self._kept_bytes > self._limit and self._updates:
            # The slowest browsers hold too much back: they catch up by a diff.
            low = min((c.seq for c in self._cursors), default=self.head)
            for cursor in self._cursors:
                if cursor.seq == low:
                    cursor.diff_needed = True
                    cursor.seq = self.head
            self._trim()

    def take(self, cursor: Cursor) -> bytes | None:
        """The sync frame (a y-protocols update message) of everything `cursor` lacks,
        and moves it to the head; None when it lacks nothing."""
        start, end = cursor.seq, self.head
        if start >= end:
            return None
        cached = self._cached
        if cached is not None and cached[0] == start and cached[1] == end:
            frame = cached[2]
        else:
            updates = self._updates[start - self._base : end - self._base]
            merged = updates[0] if len(updates) == 1 else pycrdt.merge_updates(*updates)
            frame = pycrdt.create_update_message(merged)
            self._cached = (start, end, frame)
        cursor.seq = end
        self._trim()
        return frame

    def reset(self, built_by: Sequence[bytes] = ()) -> None:
        """A new document: nothing of the old one is sent again. `built_by`: the
        updates that made it from nothing, in order, if known."""
        self._base = self.head
        self._whole = _whole_from(built_by) if built_by else None
        self._updates.clear()
        self._kept_bytes = 0
        self._cached = None
        for cursor in self._cursors:
            cursor.seq = self.head
            cursor.diff_needed = False

    def _trim(self) -> None:
        """Drop the updates every browser has been sent."""
        low = min((c.seq for c in self._cursors), default=self.head)
        drop = low - self._base
        if drop <= 0:
            return
        self._kept_bytes -= sum(len(u) for u in self._updates[:drop])
        del self._updates[:drop]
        self._base = low


def _whole_from(updates: Sequence[bytes]) -> list[bytes]:
    """Sync frames bringing an empty document to the one `updates` build: updates, the
    last a SyncStep2 (a browser counts itself in sync at its SyncStep2)."""
    *first, last = updates
    step2 = bytes((pycrdt.YMessageType.SYNC, pycrdt.YSyncMessageType.SYNC_STEP2))
    return [pycrdt.create_update_message(u) for u in first] + [step2 + pycrdt.write_message(last)]
