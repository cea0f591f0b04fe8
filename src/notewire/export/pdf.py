"""HTML -> PDF, printed by a headless Chromium the user has (not one Playwright
downloads): `chromium --headless --print-to-pdf`. The exported HTML carries its own print
rules (frontend/src/style/export.css): no page break between a cell's input and the start
of its output."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from notewire.export.errors import ExportError

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

# How long the page may run scripts (math, Plotly, Vega) before it is printed, in
# Chromium's virtual time: it stops early once the page is idle.
RENDER_BUDGET_MS = 20_000


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


def html_to_pdf(html: str, out: Path, *, chromium: str | None = None, timeout: float = 600) -> None:
    """Prints HTML text to the PDF file `out`, giving Chromium `timeout` seconds.

    Raises ExportError when Chromium fails or runs out of time.
    """
    browser = find_chromium(chromium)
    # Chromium's helper processes may still be closing files in its profile folder.
    with tempfile.TemporaryDirectory(prefix="notewire-export-", ignore_cleanup_errors=True) as tmp:
        page = Path(tmp) / "notebook.html"
        page.write_text(html, encoding="utf-8")
        target = out.resolve()
        args = [
            browser,
            "--headless",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            "--disable-background-networking",
            f"--user-data-dir={Path(tmp) / 'profile'}",
            "--no-pdf-header-footer",
            f"--virtual-time-budget={RENDER_BUDGET_MS}",
            f"--print-to-pdf={target}",
            page.as_uri(),
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            args.insert(1, "--no-sandbox")  # Chromium refuses to run as root with its sandbox
        # Its own process group, so that a timeout ends its helper processes too.
        proc = subprocess.Popen(
            args,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            _, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired as e:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise ExportError(f"{browser} did not finish printing in {timeout:.0f} s") from e
        if proc.returncode != 0 or not target.is_file():
            tail = "\n".join(stderr.strip().splitlines()[-5:])
            raise ExportError(
                f"{browser} could not print to {target} (exit {proc.returncode}):\n{tail}"
            )
