"""A long notebook is printed in parts at once and the PDFs joined (pdf_parts.py,
pdf.py): the cut at cell boundaries, and a joined PDF that holds every cell, image and
formula in order, read back with poppler."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from notewire.export import pdf_parts, to_html
from notewire.export.pdf import READY, Printer, as_printed

from .notebooks import png
from .test_pdf import poppler

if TYPE_CHECKING:
    from playwright.async_api import Browser

CELLS = 40


def long_notebook() -> nbformat.NotebookNode:
    nb = new_notebook()
    for i in range(CELLS):
        if i % 4 == 0:
            nb.cells.append(new_markdown_cell(f"## Part {i}\n\nformula {i}: $\\sum_k x_k^{{{i}}}$"))
            continue
        image = new_output("display_data", data={"image/png": png(30, 20, (i * 5, 90, 160))})
        text = new_output("stream", name="stdout", text=f"out-{i}\n" * 30)
        outputs = [text, image] if i % 4 == 1 else [text]
        nb.cells.append(new_code_cell(f"print('in-{i}')", execution_count=i, outputs=outputs))
    return nb


def test_a_page_is_cut_between_cells_and_each_part_keeps_head_and_scripts() -> None:
    html = to_html(long_notebook(), name="long")

    parts = pdf_parts.split(html, 4, part_bytes=len(html) // 4)

    assert len(parts) == 4
    head = html[: html.index(pdf_parts.CELL_MARKER)]
    tail = html[html.rindex(pdf_parts.CELLS_END) :]
    for part in parts:
        assert part.startswith(head) and part.endswith(tail)
    # Every cell is in exactly one part, in order.
    found = [re.findall(r"in-(\d+)", part[len(head) : -len(tail)]) for part in parts]
    assert [int(i) for ids in found for i in dict.fromkeys(ids)] == [
        i for i in range(CELLS) if i % 4
    ]
    assert all(found)


def test_a_small_page_or_one_that_links_within_itself_is_printed_whole() -> None:
    html = to_html(long_notebook(), name="long")
    assert pdf_parts.split(html, 4) == [html]  # far below PART_BYTES

    linked = long_notebook()
    linked.cells.append(new_markdown_cell("[back to the top](#Part-0)"))
    html = to_html(linked, name="linked")
    assert pdf_parts.split(html, 4, part_bytes=len(html) // 4) == [html]


def test_a_notebook_printed_in_parts_holds_every_cell_image_and_formula_in_order(
    tmp_path: Path, chromium: str
) -> None:
    html = to_html(long_notebook(), name="long")
    out = tmp_path / "long.pdf"

    with Printer(chromium, part_bytes=len(html) // 4) as printer:
        printer.print(html, out)

    text = poppler("pdftotext", str(out), "-")
    assert [int(i) for i in dict.fromkeys(re.findall(r"in-(\d+)", text))] == [
        i for i in range(CELLS) if i % 4
    ]
    assert set(re.findall(r"out-(\d+)", text)) == {str(i) for i in range(CELLS) if i % 4}
    # Every formula is typeset in every part (KaTeX's ∑, not the TeX source), with its
    # fonts loaded though its cell was off the first sheet when the page loaded.
    assert text.count("∑") == CELLS // 4 and "\\sum" not in text
    assert re.findall(r"formula (\d+)", text) == [str(i) for i in range(0, CELLS, 4)]
    images = poppler("pdfimages", "-list", str(out)).splitlines()[2:]
    assert len(images) == CELLS // 4
    info = poppler("pdfinfo", str(out))
    assert re.search(r"^Title:\s+long$", info, re.M)
    # A cell's input and the start of its output stay on one sheet across the parts.
    for number, page in enumerate(text.split("\f"), 1):
        inputs = set(re.findall(r"in-(\d+)", page))
        assert inputs <= set(re.findall(r"out-(\d+)", page)), f"page {number}"


@pytest.mark.asyncio(loop_scope="session")
async def test_the_page_is_ready_to_print_only_once_every_font_is_loaded(
    tmp_path: Path, browser: Browser
) -> None:
    # Loaded as pdf.py loads it (print media, its style), cells off the first sheet are
    # not laid out, so nothing asks for the fonts of their math; KaTeX's fonts hide text until
    # loaded, and a print that started then showed blank formulas.
    page_file = tmp_path / "long.html"
    page_file.write_text(as_printed(to_html(long_notebook(), name="long")), encoding="utf-8")
    page = await browser.new_page()
    try:
        await page.emulate_media(media="print")
        await page.goto(page_file.as_uri())
        assert await page.evaluate(READY) is True
        fonts = await page.evaluate("Array.from(document.fonts, (f) => f.status)")
    finally:
        await page.close()
    assert fonts and set(fonts) == {"loaded"}
