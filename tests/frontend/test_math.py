"""LaTeX as JupyterLab (MathJax) renders it, drawn by KaTeX in Chromium: eqnarray,
align, equation, display line breaks, \\operatorname and macros shared across cells."""

from __future__ import annotations

import nbformat
import pytest
from playwright.async_api import expect

from .browser import Session
from .conftest import ServerFactory

pytestmark = pytest.mark.asyncio(loop_scope="session")


MATH_CELLS = [
    "\\begin{eqnarray}\na &=& b + c \\nonumber \\\\\nd &\\le& \\frac{1}{2}\n\\end{eqnarray}",
    "\\begin{align}\nf(x) &= x^2 \\label{eq:f} \\\\\ng(x) &= \\operatorname{sgn}(x)\n\\end{align}",
    "\\begin{equation}\nE = mc^2\n\\end{equation}",
    "$$\nx = 1 \\\\\ny = 2\n$$",
    "Define $\\newcommand{\\vect}[1]{\\mathbf{#1}}\\vect{v}$ here.",
    "And use it in another cell: $\\vect{x} \\in \\R^n$.",
]


async def test_jupyterlab_latex_renders_without_katex_errors(
    serve: ServerFactory, session: Session
) -> None:
    async with serve() as server:
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_markdown_cell(text) for text in MATH_CELLS]
        (server.root / "math.ipynb").write_text(nbformat.writes(nb))
        tab = await session.notebook(server, "math.ipynb")
        for i in range(len(MATH_CELLS)):
            await expect(tab.cell(i).locator(".nw-markdown .katex")).not_to_have_count(0)
        page = tab.page
        await expect(page.locator(".katex-error")).to_have_count(0)
        # No equation numbers, as in JupyterLab; eqnarray's three columns; two lines.
        await expect(page.locator(".katex .eqn-num, .katex .tag")).to_have_count(0)
        eqnarray = tab.cell(0).locator(".mtable")
        for align in ("col-align-r", "col-align-c", "col-align-l"):
            await expect(eqnarray.locator(f":scope > .{align}")).to_have_count(1)
        x = await tab.cell(3).locator(".mathnormal", has_text="x").bounding_box()
        y = await tab.cell(3).locator(".mathnormal", has_text="y").bounding_box()
        assert x is not None and y is not None
        assert y["y"] > x["y"] + x["height"] / 2 and abs(x["x"] - y["x"]) < 2, (x, y)
        assert "sgn" in await tab.cell(1).inner_text()
        # The macro from cell 4 renders bold in cell 5.
        await expect(tab.cell(5).locator(".mathbf")).to_have_text("x")
        assert tab.errors == []
