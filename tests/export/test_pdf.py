"""PDF export: the HTML export printed by Debian's Chromium, read back with poppler's
pdftotext and pdfimages (scripts/test.sh installs poppler-utils)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from notewire.export import ExportError, export_file, html_to_pdf
from notewire.export.pdf import Printer

from .notebooks import FIRST_CELL, IMAGE_OUTPUTS, sample_notebook


def poppler(tool: str, *args: str) -> str:
    if shutil.which(tool) is None:
        pytest.fail(f"{tool} is missing: ./scripts/test.sh installs poppler-utils")
    return subprocess.run([tool, *args], check=True, capture_output=True, text=True).stdout


def test_pdf_has_every_image_and_the_first_cell_on_page_one(tmp_path: Path, chromium: str) -> None:
    path = tmp_path / "sample.ipynb"
    nbformat.write(sample_notebook(), path)

    made = export_file(path, "pdf", chromium=chromium)

    assert made == tmp_path / "sample.pdf"
    images = poppler("pdfimages", "-list", str(made)).splitlines()[2:]
    assert [line.split()[3:5] for line in images] == [["40", "30"], ["20", "20"]]
    assert len(images) == IMAGE_OUTPUTS
    page1 = poppler("pdftotext", "-f", "1", "-l", "1", "-layout", str(made), "-")
    assert FIRST_CELL in page1
    assert "ZeroDivisionError" in page1
    # The math is typeset (KaTeX's glyphs), not left as TeX.
    assert "\\int" not in page1 and "∫" in page1


def test_no_page_break_between_an_input_and_its_output(tmp_path: Path, chromium: str) -> None:
    nb = new_notebook()
    nb.cells = [
        new_code_cell(
            f"print('in-{i}')\n" + "x = 1\n" * (i % 7),
            execution_count=i,
            outputs=[new_output("stream", name="stdout", text=f"out-{i}\n" * (1 + i % 5))],
        )
        for i in range(60)
    ]
    path = tmp_path / "long.ipynb"
    nbformat.write(nb, path)

    made = export_file(path, "pdf", chromium=chromium)

    pages = poppler("pdftotext", str(made), "-").split("\f")
    assert len(pages) > 3
    for number, text in enumerate(pages, 1):
        inputs = set(re.findall(r"in-(\d+)", text))
        outputs = set(re.findall(r"out-(\d+)", text))
        assert inputs <= outputs, f"page {number}: input without its output {inputs - outputs}"


def test_a_missing_chromium_is_named(tmp_path: Path) -> None:
    path = tmp_path / "sample.ipynb"
    nbformat.write(sample_notebook(), path)

    with pytest.raises(ExportError, match="no-such-chromium"):
        export_file(path, "pdf", chromium="no-such-chromium")


def test_a_printer_starts_a_new_chromium_when_its_own_died(tmp_path: Path, chromium: str) -> None:
    html = "<html><body><p>first</p><script>document.documentElement.dataset.nwMath='done'</script>"
    with Printer(chromium) as printer:
        printer.print(html, tmp_path / "a.pdf")
        browser = printer._browser
        assert browser is not None
        os.killpg(browser.pid, signal.SIGKILL)
        browser._reader.join(30)  # the pipe's end: the browser is seen gone
        assert not browser.alive

        printer.print(html.replace("first", "second"), tmp_path / "b.pdf")

    assert "second" in poppler("pdftotext", str(tmp_path / "b.pdf"), "-")


def test_something_else_than_chromium_is_refused_clearly(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="did not start as a headless Chromium"):
        html_to_pdf("<p>x</p>", tmp_path / "x.pdf", chromium="true")


def test_a_printed_page_reaches_no_network(tmp_path: Path, chromium: str) -> None:
    # A notebook's HTML output may hold a script; printed on a server, it must not reach
    # the server's network (here: a server of this test on loopback).
    import http.server
    import threading

    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()

    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler) as httpd:
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{httpd.server_address[1]}/leak"
        html = (
            "<p>page</p><script>fetch('" + url + "').then(() => 'reached', () => 'blocked')"
            ".then((r) => { document.body.append(r);"
            " document.documentElement.dataset.nwMath = 'done'; });</script>"
        )
        html_to_pdf(html, tmp_path / "x.pdf", chromium=chromium)
        httpd.shutdown()

    assert hits == []
    assert "blocked" in poppler("pdftotext", str(tmp_path / "x.pdf"), "-")


def test_closing_a_printer_ends_its_chromium_and_removes_its_profile(
    tmp_path: Path, chromium: str
) -> None:
    from notewire.export.cdp import _group_running

    html = "<html><body><p>x</p><script>document.documentElement.dataset.nwMath='done'</script>"
    printer = Printer(chromium)
    printer.print(html, tmp_path / "x.pdf")
    browser = printer._browser
    assert browser is not None and _group_running(browser.pid)
    profile = Path(browser._profile.name)
    assert profile.is_dir()

    printer.close()

    assert not _group_running(browser.pid)  # no helper left running (zombies aside)
    assert not profile.exists()
