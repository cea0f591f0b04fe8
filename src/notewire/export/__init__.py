"""Exporting notebooks: self-contained offline HTML, PDF printed by a headless Chromium,
Python scripts and markdown (`notewire export`).

Built on nbconvert's exporters and its `lab` template; what notewire adds is in
`outputs.py` (widgets, Plotly and Vega, live canvases) and `assets.py` (KaTeX and the
plot libraries from notewire's own frontend build, inlined instead of CDN links).
This package never imports the kernel or the server.
"""

from notewire.export.errors import ExportError
from notewire.export.files import FORMATS, export_file, export_notebook
from notewire.export.html import to_html
from notewire.export.pdf import find_chromium, html_to_pdf

__all__ = [
    "FORMATS",
    "ExportError",
    "export_file",
    "export_notebook",
    "find_chromium",
    "html_to_pdf",
    "to_html",
]
