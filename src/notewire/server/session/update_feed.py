"""The document's updates, kept once for all the browsers of a notebook.

Each browser's writer sends, when it gets its turn, every update since its last send
merged into one frame. Browsers that keep up are at the same place, so they need the
same frame: it is merged and encoded once, for the first of them, and the others get
the same bytes (ten browsers on a notebook cost one merge, not ten).

Updates are kept from the slowest browser's place on, up to a byte limit; a browser
that falls further behind is marked to catch up by a diff of the document instead
(docs/notebook-protocol.md, section 3), and the updates it held back are dropped.
"""

from __future__ import annotations

import pycrdt


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
        self._trim()

    def skip_to_head(self, cursor: Cursor) -> None:
        """The browser has everything (a sync, or a diff, brought it up to date)."""
        cursor.seq = self.head
        cursor.diff_needed = False
        self._trim()

    def append(self, update: bytes) -> None:
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

    def reset(self) -> None:
        """A new document: nothing of the old one is sent again."""
        self._base = self.head
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
