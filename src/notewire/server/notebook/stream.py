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
"""

from __future__ import annotations

__all__ = ["HISTORY_FLOOR", "apply_backspaces", "bound_history", "feed", "render"]

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
