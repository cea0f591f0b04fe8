"""Stream text merged the way JupyterLab renders it, one message at a time.

JupyterLab shows a stream as `fixCarriageReturn(fixBackspace(text))` of everything the
kernel wrote: a backspace deletes the character before it on its line (never a newline,
never another backspace), then on each line a `\\r` returns to the line's start and what
follows overwrites, `\\r\\n` is a newline, and a `\\r` at the very end stays, so the next
message can overwrite the line. (We follow the intent of JupyterLab's regular
expressions, not their JavaScript accidents: a `$` after `\\r`, `$&` in the text, or
U+2028 are plain characters here, and positions count code points, not UTF-16 units.)

Finished lines never change, so only the open last line is kept in raw form: after
backspaces, before carriage returns, because a later backspace can delete a character
that a `\\r` had hidden and bring the old one back. `feed(raw, text)` returns the newly
finished lines and the new raw open line; `render(raw)` shows it. Each message costs
O(new text + open line); `bound_history` keeps the raw line within a few times its
rendered length, so a progress bar redrawn a million times costs no more than once.

Cursor movement (beyond JupyterLab, which shows `\x1b[A` as nothing): progress bars
stacked on several lines (tqdm's `position=`, nested bars, `tqdm.write`) move the cursor
up a line with `\x1b[A` (`\x1b[nA`: n lines) and back down with `\n`, as in a terminal.
A stream that has moved the cursor up becomes a `Screen`: its last `SCREEN_ROWS` lines
stay changeable, as rows, and the cursor is on one of them; older lines are finished as
before. A cursor-up that would leave the window stops at its top row, and `\x1b[nB`
moves down, never past the last row. On a row the cursor reaches, the `\r` model goes on:
the row is its rendered text followed by `\r` and the part of it before the cursor's
column (columns count characters), so what follows overwrites from that column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = [
    "CURSOR_MOVE",
    "HISTORY_FLOOR",
    "SCREEN_ROWS",
    "Screen",
    "apply_backspaces",
    "bound_history",
    "feed",
    "render",
]

# A raw open line may grow to this many characters (or four times its rendered length)
# before its history is folded: beyond that, a run of backspaces long enough to reach
# back past the last `\r` deletes rendered characters instead of bringing back hidden
# ones. That is the one place where the result can differ from JupyterLab's.
HISTORY_FLOOR = 4096


def apply_backspaces(raw: str, text: str) -> str:
    """Continue the raw line `raw` (backspaces already applied) with `text` (no `\\n`).

    The result is some leading backspaces (with nothing left to delete) followed by no
    backspace at all.
    """
    if "\b" not in text:
        return raw + text
    kept = raw.lstrip("\b")
    leading = len(raw) - len(kept)
    chars = list(kept)
    pieces = text.split("\b")
    chars.extend(pieces[0])
    for piece in pieces[1:]:  # each piece follows one backspace
        if chars:
            chars.pop()
        else:
            leading += 1
        chars.extend(piece)
    return "\b" * leading + "".join(chars)


def render(raw: str, *, closed: bool) -> str:
    """How a raw line shows: each `\\r`-separated segment overwrites the line's start.

    An open line (the last, no newline yet) keeps its trailing `\\r`s; a closed one
    drops them (`\\r\\n` is a newline).
    """
    if "\r" not in raw:
        return raw
    body = raw.rstrip("\r")
    trailing = len(raw) - len(body)
    segments = body.split("\r")
    # Right to left: a segment shows only where it is longer than every later one, so
    # each character is copied at most once.
    line = segments[-1]
    for segment in reversed(segments[:-1]):
        if len(segment) > len(line):
            line += segment[len(line) :]
    return line + "\r" * trailing if trailing and not closed else line


def feed(raw: str, text: str) -> tuple[str, str]:
    """Add `text` to the open line `raw`: (the finished lines, rendered, each ending in
    `\\n`, or "" when the line is still open; the new raw open line)."""
    lines = text.split("\n")
    if len(lines) == 1:
        return "", apply_backspaces(raw, text)
    finished = [render(apply_backspaces(raw, lines[0]), closed=True)]
    finished += [render(apply_backspaces("", line), closed=True) for line in lines[1:-1]]
    return "\n".join(finished) + "\n", apply_backspaces("", lines[-1])


def bound_history(raw: str) -> str:
    """`raw`, or when it has grown far beyond what it shows, an equivalent shorter raw
    line: all but the last segment folded into what they show.

    Equivalent for every continuation except backspaces that reach back past the last
    `\\r` (see HISTORY_FLOOR).
    """
    if len(raw) <= HISTORY_FLOOR or len(raw) <= 4 * len(render(raw, closed=False)):
        return raw
    cut = raw.rfind("\r")
    head, tail = raw[: cut + 1], raw[cut + 1 :]
    body = head.rstrip("\r")
    # With text after it the run of `\r`s shows as nothing, so one stands for all;
    # without, it is part of what shows.
    run = 1 if tail else len(head) - len(body)
    return render(body, closed=True) + "\r" * run + tail


# How many trailing lines a cursor-up can reach: enough for a stack of progress bars,
# few enough that rewriting the rows from the cursor down stays cheap.
SCREEN_ROWS = 100
CURSOR_MOVE = re.compile(r"\x1b\[(\d*)([AB])")


def _column(raw: str) -> str:
    """The characters before the cursor on a raw line: its last `\r` segment."""
    return raw[raw.rfind("\r") + 1 :].lstrip("\b")


@dataclass(slots=True)
class Screen:
    """The changeable trailing rows of a stream that moves its cursor up.

    `rows` are raw lines (the cursor's) or rendered ones (the others); `top` counts the
    rows that have left the window above them. `feed` returns the absolute index (`top`
    counts from the stream's first window row) of the first row it changed, and collects
    the rows that left the window, rendered, in `left`.
    """

    rows: list[str]
    cursor: int
    limit: int = SCREEN_ROWS  # rows in the window
    top: int = 0
    left: list[str] = field(default_factory=list)

    def feed(self, text: str) -> int:
        first = self.top + self.cursor
        pieces = CURSOR_MOVE.split(text)
        for i in range(0, len(pieces), 3):
            self._write(pieces[i])
            if i + 1 < len(pieces):
                count = max(1, int(pieces[i + 1] or 1))
                self._move(-count if pieces[i + 2] == "A" else count)
                first = min(first, self.top + self.cursor)
        return first

    def shown(self, index: int) -> str:
        """Row `index` as the document holds it: rendered, with its newline unless it is
        the last row; the cursor's row, when last, keeps a trailing `\r`."""
        last = index == len(self.rows) - 1
        line = render(self.rows[index], closed=not (last and index == self.cursor))
        return line if last else line + "\n"

    def _write(self, text: str) -> None:
        lines = text.split("\n")
        self.rows[self.cursor] = apply_backspaces(self.rows[self.cursor], lines[0])
        for line in lines[1:]:
            self._move(1, newline=True)
            self.rows[self.cursor] = apply_backspaces(self.rows[self.cursor], line)
        self.rows[self.cursor] = bound_history(self.rows[self.cursor])

    def _move(self, by: int, *, newline: bool = False) -> None:
        """Move the cursor `by` rows (a newline: one down to column 0, adding a row at the
        bottom)."""
        raw = self.rows[self.cursor]
        column = "" if newline else _column(raw)
        target = max(0, self.cursor + by)
        if newline and target == len(self.rows):
            self.rows.append("")
        target = min(target, len(self.rows) - 1)
        if target == self.cursor:
            return
        self.rows[self.cursor] = render(raw, closed=True)
        line = self.rows[target]
        if line or column:
            # Overwriting `line` with its own first characters changes nothing but puts
            # the cursor at the column; spaces where the line is shorter, as a terminal.
            self.rows[target] = line + "\r" + (line[: len(column)].ljust(len(column)))
        self.cursor = target
        while len(self.rows) > self.limit:
            self.left.append(self.rows.pop(0))
            self.cursor -= 1
            self.top += 1
