"""The issue's live-figure case, run for real: a notewire figure drawn in one cell and
changed by a later one, executed on the notewire kernel (--execute), then opened offline:
the exported picture is the figure as the later cell left it."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from playwright.async_api import Browser

from notewire.export import export_file

from .test_execute import kernel_notebook
from .test_html import open_offline

pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.timeout(120)]

DRAW = """\
%matplotlib notewire
import matplotlib.pyplot as plt
fig, ax = plt.subplots(figsize=(2, 2), dpi=50)
fig.patch.set_facecolor((1, 1, 1))
ax.set_axis_off()
plt.show()
"""
CHANGE = "fig.patch.set_facecolor((1, 0, 0))  # the figure is stale: redrawn at cell end"

CORNER_PIXEL = """(img) => {
  const c = document.createElement("canvas");
  c.width = img.naturalWidth; c.height = img.naturalHeight;
  const g = c.getContext("2d");
  g.drawImage(img, 0, 0);
  return Array.from(g.getImageData(1, 1, 1, 1).data.slice(0, 3));
}"""


async def test_a_figure_changed_by_a_later_cell_exports_its_last_state(
    tmp_path: Path, browser: Browser
) -> None:
    path = tmp_path / "live.ipynb"
    nb = kernel_notebook(DRAW, CHANGE)
    nb.cells.append(nbformat.v4.new_markdown_cell("$e^{i\\pi} + 1 = 0$"))
    nbformat.write(nb, path)

    made = export_file(path, "html", run=True, timeout=60)

    page, requested = await open_offline(browser, made)
    try:
        assert requested == [made.as_uri()]
        image = page.locator(".jp-OutputArea-output img")
        assert await image.count() == 1
        assert await image.evaluate(CORNER_PIXEL) == [255, 0, 0]
        assert await page.locator(".jp-RenderedMarkdown .katex").count() == 1
    finally:
        await page.close()
