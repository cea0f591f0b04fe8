"""`notewire export`: one notebook file in, one file (or a file and its folder of
images, for markdown) out, beside it."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nbformat

from notewire.export.errors import ExportError

if TYPE_CHECKING:
    from notewire.export.pdf import Printer

FORMATS: dict[str, str] = {"html": ".html", "pdf": ".pdf", "script": "", "markdown": ".md"}


def read(path: Path) -> Any:
    try:
        return nbformat.read(path, as_version=4)
    except (OSError, ValueError) as e:
        raise ExportError(f"cannot read {path}: {e}") from e


# Run after the last cell, then dropped: closing live figures brings each one's stored
# picture up to date (docs/canvas-protocol.md). With no browser watching, a live figure
# sends no frames, so a change made by a later cell reaches its output only then.
FLUSH_LIVE_FIGURES = """\
import sys as _nw_sys
if "matplotlib.pyplot" in _nw_sys.modules:
    _nw_sys.modules["matplotlib.pyplot"].close("all")
del _nw_sys
"""


def execute(nb: Any, folder: Path, timeout: float) -> None:
    """Runs every cell of `nb` in place on its own kernel (metadata.kernelspec), headless."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError
    from nbformat.v4 import new_code_cell

    language = nb.metadata.get("kernelspec", {}).get("language", "python")
    flush = language == "python"
    if flush:
        nb.cells.append(new_code_cell(FLUSH_LIVE_FIGURES))
    client = NotebookClient(nb, timeout=timeout, resources={"metadata": {"path": str(folder)}})
    try:
        client.execute()
    except CellExecutionError as e:
        raise ExportError(f"a cell raised while executing:\n{e}") from e
    finally:
        if flush:
            nb.cells.pop()


def export_file(
    path: Path,
    to: str,
    *,
    no_input: bool = False,
    run: bool = False,
    out: Path | None = None,
    chromium: str | None = None,
    timeout: float = 600,
    printer: Printer | None = None,
) -> Path:
    """Exports the notebook at `path` to format `to` (a FORMATS key); returns the file made.

    `out` defaults to `path` with the format's extension; `timeout` is in seconds, for
    each cell with `run` and for Chromium's printing. A PDF is printed by `printer` when
    given (one Chromium for many exports), else by a Chromium started for it alone.
    Raises ExportError.
    """
    if to not in FORMATS:
        raise ExportError(f"unknown format {to!r}: choose one of {', '.join(FORMATS)}")
    nb = read(path)
    folder = path.resolve().parent
    if run:
        execute(nb, folder, timeout)
    return export_notebook(
        nb,
        to,
        out or path.with_suffix(FORMATS[to]),
        folder=folder,
        no_input=no_input,
        chromium=chromium,
        timeout=timeout,
        printer=printer,
    )


def export_notebook(
    nb: Any,
    to: str,
    target: Path,
    *,
    folder: Path,
    no_input: bool = False,
    chromium: str | None = None,
    timeout: float = 600,
    printer: Printer | None = None,
) -> Path:
    """Exports notebook `nb` (a NotebookNode, left unchanged) to format `to` as `target`;
    returns the file made (a script's suffix is its language's, a markdown file's
    images go to a `_files` folder beside it). `folder` is where the notebook lives:
    markdown's relative image links are read from it. Raises ExportError."""
    if to not in FORMATS:
        raise ExportError(f"unknown format {to!r}: choose one of {', '.join(FORMATS)}")
    if to == "pdf" and printer is None:
        from notewire.export.pdf import Printer

        with Printer(chromium) as own:
            own.prestart()  # Chromium starts while the HTML is rendered
            return export_notebook(
                nb, to, target, folder=folder, no_input=no_input, timeout=timeout, printer=own
            )
    if to in ("html", "pdf"):
        from notewire.export.html import to_html

        html = to_html(nb, no_input=no_input, name=target.stem, folder=str(folder))
        if to == "html":
            target.write_text(html, encoding="utf-8")
            return target
        assert printer is not None
        printer.print(html, target, timeout=timeout)
        return target
    return _nbconvert_text(nb, to, target, folder, no_input=no_input)


def _nbconvert_text(nb: Any, to: str, target: Path, folder: Path, *, no_input: bool) -> Path:
    from nbconvert.exporters import MarkdownExporter, ScriptExporter
    from nbconvert.writers import FilesWriter

    exporter = (ScriptExporter if to == "script" else MarkdownExporter)(
        exclude_input=no_input, exclude_input_prompt=no_input
    )
    stem = target.stem
    language = nb.metadata.get("kernelspec", {}).get("language", "python")
    if "language_info" not in nb.metadata and language == "python":
        # A notebook never run names no language; notewire's is Python (else: .txt).
        nb = copy.deepcopy(nb)
        nb.metadata["language_info"] = {"name": "python", "file_extension": ".py"}
    body, resources = exporter.from_notebook_node(
        nb,
        resources={
            "metadata": {"name": stem, "path": str(folder)},
            "output_files_dir": f"{stem}_files",
        },
    )
    writer = FilesWriter(build_directory=str(target.parent))
    written = writer.write(body, resources, notebook_name=stem)
    return Path(written)
