"""HTML -> PDF, printed by a headless Chromium the user has (not one Playwright
downloads), driven over the DevTools protocol (cdp.py): the page is loaded, its
scripts (math, plots, widgets) are waited for, then `Page.printToPDF`. A `Printer` keeps
its Chromium open between prints, so a server or a run over many notebooks pays for
the browser's start once. The exported HTML carries its own print rules
(frontend/src/style/export.css): no page break between a cell's input and the start of
its output.

A long notebook is printed in parts (pdf_parts.py), each in a browser context of its
own (so in a renderer process of its own), at once, and the parts' PDFs are joined with
pikepdf. Each page is loaded with print media already emulated, so that printing does
not restyle and re-lay out the whole page for print first.
"""

from __future__ import annotations

import base64
import contextlib
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from notewire.export import pdf_parts
from notewire.export.cdp import Browser
from notewire.export.errors import ExportError

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

# Resolves once the exported page's own scripts are done: the math typeset, the plots
# and widgets drawn (each sets a flag on <html>), and every font the page declares
# loaded: cells off the first sheet are not laid out before the print (export.css), so
# the fonts they use would not even be asked for yet, and KaTeX's fonts block text
# until loaded: the math would print blank.
READY = """
new Promise((resolve) => {
  const done = () => {
    const d = document.documentElement.dataset;
    return d.nwMath === "done"
      && (!document.querySelector(".nw-export-plot") || d.nwPlots === "done")
      && (!document.querySelector(".nw-widget-live") || d.nwWidgets === "done");
  };
  const fonts = () => Array.from(document.fonts, (font) => font.load().catch(() => null));
  const finish = () => Promise.all(fonts())
    .then(() => document.fonts.ready)
    .then(() => resolve(true));
  if (done()) return finish();
  new MutationObserver((_, observer) => {
    if (done()) { observer.disconnect(); finish(); }
  }).observe(document.documentElement, { attributes: true });
})
"""
CHUNK = 4 << 20  # bytes of PDF read from Chromium per IO.read
# Added to the page printed here only: the page loads with print media emulated, and a
# cell far from the first sheet is then not laid out, which makes that load cheap;
# Chromium renders every cell when it prints. (Not in the exported file itself: how
# other browsers print content-visibility is theirs to decide.)
PRINT_LOAD_STYLE = (
    "<style>.jp-Cell { content-visibility: auto; contain-intrinsic-size: auto 300px; }</style>"
)


def as_printed(html: str) -> str:
    """The page as loaded for printing: with PRINT_LOAD_STYLE."""
    return html.replace("</head>", PRINT_LOAD_STYLE + "</head>", 1)


def find_chromium(explicit: str | None = None) -> str:
    """The Chromium to print with: `explicit` when given, else the first on PATH.

    Raises ExportError naming what was looked for.
    """
    if explicit:
        found = shutil.which(explicit)
        if found is None:
            raise ExportError(f"--chromium {explicit!r} is not an executable")
        return found
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise ExportError(
        "PDF export prints with Chromium, and none was found on PATH (looked for "
        f"{', '.join(CHROMIUM_NAMES)}); install one or pass --chromium PATH"
    )


class Printer:
    """Prints HTML to PDF with one Chromium, started on first use and again if it dies.
    `print` may be called from several threads at once; `close` when done."""

    def __init__(
        self, chromium: str | None = None, *, part_bytes: int = pdf_parts.PART_BYTES
    ) -> None:
        self.executable = find_chromium(chromium)
        self.part_bytes = part_bytes
        self._lock = threading.Lock()
        self._browser: Browser | None = None

    def prestart(self) -> None:
        """Starts the browser in the background, so that its start overlaps the caller's
        rendering of the HTML; a failure is raised by the next `print`."""
        threading.Thread(target=self._prestart, name="chromium-start", daemon=True).start()

    def _prestart(self) -> None:
        with contextlib.suppress(ExportError):
            self._running()

    def _running(self) -> Browser:
        with self._lock:
            if self._browser is None or not self._browser.alive:
                if self._browser is not None:
                    self._browser.close()
                self._browser = Browser(self.executable)
            return self._browser

    def print(self, html: str, out: Path, *, timeout: float = 600) -> None:
        """Prints HTML text to the PDF file `out` within `timeout` seconds.

        Raises ExportError when Chromium fails or runs out of time.
        """
        deadline = time.monotonic() + timeout
        browser = self._running()
        # Twice as many parts as cores (the print's cost grows faster than the page), and
        # no more than MAX_PARTS renderers at once, each holding its part in memory.
        most = min(pdf_parts.MAX_PARTS, max(2, os.cpu_count() or 1) * 2)
        parts = pdf_parts.split(html, most, self.part_bytes)
        with tempfile.TemporaryDirectory(prefix="notewire-print-") as tmp:
            pages = [Path(tmp) / f"part-{index}.html" for index in range(len(parts))]
            for page, part in zip(pages, parts, strict=True):
                page.write_text(as_printed(part), encoding="utf-8")
            pdfs = [page.with_suffix(".pdf") for page in pages]

            def print_part(page: Path, pdf: Path) -> None:
                _print_part(browser, page, pdf, deadline)

            with ThreadPoolExecutor(len(pages), thread_name_prefix="print") as pool:
                list(pool.map(print_part, pages, pdfs))  # raises a part's failure
            partial = out.with_name(f".{out.name}.part")
            try:
                if len(pdfs) == 1:
                    shutil.move(pdfs[0], partial)
                else:
                    _join(pdfs, partial)
                partial.replace(out)  # a reader never sees half a PDF
            finally:
                partial.unlink(missing_ok=True)

    def close(self) -> None:
        with self._lock:
            browser, self._browser = self._browser, None
        if browser is not None:
            browser.close()

    def __enter__(self) -> Printer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _print_part(browser: Browser, page: Path, out: Path, deadline: float) -> None:
    """Prints the HTML file `page` to `out` in a browser context of its own."""

    def left() -> float:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise ExportError("Chromium ran out of time printing the notebook")
        return remaining

    context = browser.call("Target.createBrowserContext", timeout=left())["browserContextId"]
    try:
        target = browser.call(
            "Target.createTarget",
            {"url": "about:blank", "browserContextId": context},
            timeout=left(),
        )["targetId"]
        attached = browser.call("Target.attachToTarget", {"targetId": target, "flatten": True})
        _print_page(browser, attached["sessionId"], page.as_uri(), out, left)
    finally:
        if browser.alive:
            with contextlib.suppress(ExportError):
                browser.call("Target.disposeBrowserContext", {"browserContextId": context})


def _print_page(
    browser: Browser, session: str, url: str, out: Path, left: Callable[[], float]
) -> None:
    browser.call("Page.enable", session=session, timeout=left())
    # The page is styled and laid out for print from the start: printing then lays it
    # out once more at the sheet's width, where a page shown on screen is first restyled
    # for print (a third of the print's time).
    browser.call("Emulation.setEmulatedMedia", {"media": "print"}, session=session, timeout=left())
    loaded = browser.expect_event(session, "Page.loadEventFired")
    nav = browser.call("Page.navigate", {"url": url}, session=session, timeout=left())
    if nav.get("errorText"):
        raise ExportError(f"Chromium could not open the page: {nav['errorText']}")
    try:
        loaded.result(left())
    except TimeoutError as e:
        raise ExportError("Chromium ran out of time loading the notebook") from e
    ready = browser.call(
        "Runtime.evaluate",
        {"expression": READY, "awaitPromise": True, "returnByValue": True},
        session=session,
        timeout=left(),
    )
    if "exceptionDetails" in ready:
        raise ExportError(f"the page failed to render: {ready['exceptionDetails']}")
    printed = browser.call(
        "Page.printToPDF",
        {
            "printBackground": True,
            "preferCSSPageSize": True,
            # A tagged PDF (its structure tree) of a 500-cell notebook is 30 MB more
            # and most of the print time; Playwright and nbconvert leave it off too.
            "generateTaggedPDF": False,
            "transferMode": "ReturnAsStream",
        },
        session=session,
        timeout=left(),
    )
    stream = printed["stream"]
    try:
        with out.open("wb") as f:
            while True:
                chunk = browser.call(
                    "IO.read", {"handle": stream, "size": CHUNK}, session=session, timeout=left()
                )
                data = chunk.get("data", "")
                f.write(base64.b64decode(data) if chunk.get("base64Encoded") else data.encode())
                if chunk.get("eof"):
                    break
    finally:
        browser.call("IO.close", {"handle": stream}, session=session, timeout=left())


def _join(pdfs: list[Path], out: Path) -> None:
    """The PDFs' pages, in order, as one PDF `out` (with the first one's title)."""
    import pikepdf  # only a notebook long enough to print in parts needs it

    with pikepdf.Pdf.new() as joined:
        opened = [pikepdf.Pdf.open(pdf) for pdf in pdfs]
        try:
            for part in opened:
                joined.pages.extend(part.pages)
            joined.docinfo = joined.copy_foreign(opened[0].docinfo)
            joined.save(out)
        finally:
            for part in opened:
                part.close()


def html_to_pdf(html: str, out: Path, *, chromium: str | None = None, timeout: float = 600) -> None:
    """Prints HTML text to the PDF file `out` with a Chromium started for it alone.

    Raises ExportError when Chromium is missing, fails or runs out of time.
    """
    with Printer(chromium) as printer:
        printer.print(html, out, timeout=timeout)
