"""The frontend build's files an exported HTML file inlines (frontend/build.mjs,
`buildExport`): the math script, the stylesheet with KaTeX's fonts, and Plotly and Vega."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from notewire.export.errors import ExportError

STATIC = Path(__file__).resolve().parent.parent / "static"


@cache
def asset(name: str) -> str:
    """The text of built asset `name` (such as "export-math.js"), ready to inline.

    Raises ExportError when the frontend has not been built.
    """
    try:
        entries = json.loads((STATIC / "build-info.json").read_text())["entries"]
        text = (STATIC / entries[name]).read_text(encoding="utf-8")
    except (OSError, ValueError, KeyError) as e:
        raise ExportError(
            f"the frontend build has no {name} ({e}); build it with `cd frontend && node build.mjs`"
        ) from e
    if name.endswith(".js"):
        # Inside <script>, only "</script" could end the element early; "<\/" means "</"
        # in JavaScript strings, templates, regular expressions and comments alike.
        return text.replace("</script", "<\\/script")
    return text.replace("</style", "<\\/style")
