"""HTML -> PDF, printed by a headless Chromium the user has (not one Playwright
downloads), driven over the DevTools protocol (cdp.py): the page is loaded, its
scripts (math, plots, widgets) are waited for, then `Page.printToPDF`. A `Printer` keeps
its Chromium open between prints, so a server or a run over many notebooks pays for
the browser's start once. The exported HTML carries its own print rules
(frontend/src/style/export.css): no page break between a cell's input and the start of
its output."""

from __future__ import annotations

import base64
import contextlib
import shutil
import tempfile
import threading
import time
from pathlib import Path

from notewire.export.cdp import Browser
from notewire.export.errors import ExportError

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

# Resolves once the exported page's own scripts are done: the math typeset, the plots
# and widgets drawn (each sets a flag on <html>), and the fonts loaded.
READY = """
new Promise((resolve) => {
  const done = () => {
    const d = document.documentElement.dataset;
    return d.nwMath === "done"
      && (!document.querySelector(".nw-export-plot") || d.nwPlots === "done")
      && (!document.querySelector(".nw-widget-live") || d.nwWidgets === "done");
  };
  const finish = () => document.fonts.ready.then(() => resolve(true));
  if (done()) return finish();
  new MutationObserver((_, observer) => {
    if (done()) { observer.disconnect(); finish(); }
  }).observe(document.documentElement, { attributes: true });
})
"""
CHUNK = 4 << 20  # bytes of PDF read from Chromium per IO.read


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

    def __init__(self, chromium: str | None = None) -> None:
        self.executable = find_chromium(chromium)
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
        with tempfile.TemporaryDirectory(prefix="notewire-print-") as tmp:
            page_file = Path(tmp) / "notebook.html"
            page_file.write_text(html, encoding="utf-8")
            target = browser.call("Target.createTarget", {"url": "about:blank"})["targetId"]
            try:
                _print_page(browser, target, page_file.as_uri(), out, deadline)
            finally:
                if browser.alive:
                    browser.call("Target.closeTarget", {"targetId": target})

    def close(self) -> None:
        with self._lock:
            browser, self._browser = self._browser, None
        if browser is not None:
            browser.close()

    def __enter__(self) -> Printer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _print_page(browser: Browser, target: str, url: str, out: Path, deadline: float) -> None:
    def left() -> float:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise ExportError("Chromium ran out of time printing the notebook")
        return remaining

    attached = browser.call("Target.attachToTarget", {"targetId": target, "flatten": True})
    session = attached["sessionId"]
    browser.call("Page.enable", session=session, timeout=left())
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
    partial = out.with_name(f".{out.name}.part")
    try:
        with partial.open("wb") as f:
            while True:
                chunk = browser.call(
                    "IO.read", {"handle": stream, "size": CHUNK}, session=session, timeout=left()
                )
                data = chunk.get("data", "")
                f.write(base64.b64decode(data) if chunk.get("base64Encoded") else data.encode())
                if chunk.get("eof"):
                    break
        partial.replace(out)  # a reader never sees half a PDF
    finally:
        partial.unlink(missing_ok=True)
        browser.call("IO.close", {"handle": stream}, session=session, timeout=left())


def html_to_pdf(html: str, out: Path, *, chromium: str | None = None, timeout: float = 600) -> None:
    """Prints HTML text to the PDF file `out` with a Chromium started for it alone.

    Raises ExportError when Chromium is missing, fails or runs out of time.
    """
    with Printer(chromium) as printer:
        printer.print(html, out, timeout=timeout)
