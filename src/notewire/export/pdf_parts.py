"""An exported page cut into pages of consecutive cells, each self-contained (the same
head, styles, scripts and widget state), so that a long notebook is printed by several
Chromium renderers at once and the PDFs joined (pdf.py).

Why: Chromium prints one page on one core, and its print cost grows faster than the
page (a 500-cell, 5 MB notebook here: 23 s of CPU printed whole, 15 s in four parts,
which run on every core). Each part starts on a new sheet, at a cell boundary.
"""

from __future__ import annotations

import re
from itertools import pairwise

from notewire.export.html import CELL_MARKER, CELLS_END

# About this much HTML per part: below it a notebook prints whole.
PART_BYTES = 1_500_000
# Renderers printing one notebook at once, whatever the cores: each holds its part's page
# (a few hundred MB for a 5 MB part), and a server may be printing several notebooks.
MAX_PARTS = 8
# A link to an anchor of the page (`<a href="#...">`, other than the heading's own
# pilcrow): it would point into another part's file once cut, so such a page prints
# whole.
INTERNAL_LINK = re.compile(r"""<a\b(?![^>]*\banchor-link\b)[^>]*\bhref=["']?#""", re.I)


def split(html: str, most: int, part_bytes: int = PART_BYTES) -> list[str]:
    """`html` (an export of html.py) as at most `most` pages of consecutive cells, with
    about the same number of bytes each and at least `part_bytes`; `[html]` when it is
    smaller than two parts, has internal links, or carries no cell markers."""
    wanted = min(most, len(html) // part_bytes)
    first = html.find(CELL_MARKER)
    end = html.rfind(CELLS_END)
    if wanted < 2 or first < 0 or end < first or INTERNAL_LINK.search(html):
        return [html]
    head, tail = html[:first], html[end:]
    starts = [m.start() for m in re.finditer(re.escape(CELL_MARKER), html[:end])]
    size = end - first
    cuts = [first]
    for start in starts:
        if start - first >= size * len(cuts) / wanted and len(cuts) < wanted:
            cuts.append(start)
    cuts.append(end)
    return [head + html[a:b] + tail for a, b in pairwise(cuts) if b > a]
