"""The stretch of a cell that completion and inspection look at.

IPython's completer (jedi) and `token_at_cursor` parse the whole cell: a completion at
the end of a megabyte of code held the shell for 8 to 18 seconds, and nothing else ran
meanwhile. What matters for a completion is the code near the cursor, so they are given
whole lines around it, at most BEFORE characters before and AFTER after. A cell smaller
than that is passed whole and answered exactly as before.
"""

from __future__ import annotations

from dataclasses import dataclass

BEFORE = 10_000  # characters (code points) before the cursor
AFTER = 2_000  # and after it


@dataclass(frozen=True, slots=True)
class Window:
    text: str
    cursor: int  # in `text`
    offset: int  # where `text` starts in the cell: add it to positions found in `text`


def around(code: str, cursor: int) -> Window:
    cursor = max(0, min(cursor, len(code)))
    start = max(0, cursor - BEFORE)
    if start > 0:
        line_start = code.find("\n", start, cursor) + 1
        start = line_start or start  # a single line longer than BEFORE is cut mid-line
    end = min(len(code), cursor + AFTER)
    if end < len(code):
        line_end = code.rfind("\n", cursor, end)
        end = line_end if line_end >= 0 else end
    return Window(code[start:end], cursor - start, start)
