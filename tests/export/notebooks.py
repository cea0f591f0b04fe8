"""The notebook the export tests export: math, an inline image, an HTML table, an error,
a widget with saved state, and a live canvas's last picture."""

from __future__ import annotations

import base64
import struct
import zlib
from typing import Any

from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

FIRST_CELL = "print('the first cell of the notebook')"


def png(width: int, height: int, rgb: tuple[int, int, int]) -> str:
    """A solid-colour PNG, base64 encoded."""
    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    data = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    return base64.b64encode(b"\x89PNG\r\n\x1a\n" + data).decode()


WIDGET_STATE = {
    "version_major": 2,
    "version_minor": 0,
    "state": {
        "slider1": {
            "model_name": "IntSliderModel",
            "model_module": "@jupyter-widgets/controls",
            "model_module_version": "2.0.0",
            "state": {"value": 7, "min": 0, "max": 10, "description": "speed"},
        }
    },
}


def sample_notebook() -> Any:
    nb = new_notebook()
    nb.cells = [
        new_code_cell(
            FIRST_CELL,
            execution_count=1,
            outputs=[new_output("stream", name="stdout", text="the first cell of the notebook\n")],
        ),
        new_markdown_cell("Euler: $e^{i\\pi}+1=0$, and\n\n$$\\int_0^1 x\\,dx = \\frac{1}{2}$$"),
        new_code_cell(
            "show_image()",
            execution_count=2,
            outputs=[
                new_output(
                    "display_data",
                    data={"image/png": png(40, 30, (200, 30, 30)), "text/plain": "<image>"},
                )
            ],
        ),
        new_code_cell(
            "table()",
            execution_count=3,
            outputs=[
                new_output(
                    "execute_result",
                    execution_count=3,
                    data={
                        "text/html": '<table class="t"><tr><th>a</th><th>b</th></tr>'
                        "<tr><td>1</td><td>2</td></tr></table>",
                        "text/plain": "table",
                    },
                )
            ],
        ),
        new_code_cell(
            "1/0",
            execution_count=4,
            outputs=[
                new_output(
                    "error",
                    ename="ZeroDivisionError",
                    evalue="division by zero",
                    traceback=["\x1b[0;31mZeroDivisionError\x1b[0m: division by zero"],
                )
            ],
        ),
        new_code_cell(
            "IntSlider(7, description='speed')",
            execution_count=5,
            outputs=[
                new_output(
                    "display_data",
                    data={
                        "application/vnd.jupyter.widget-view+json": {
                            "model_id": "slider1",
                            "version_major": 2,
                            "version_minor": 0,
                        },
                        "text/plain": "IntSlider(value=7, description='speed')",
                    },
                )
            ],
        ),
        new_code_cell(
            "live_figure()",
            execution_count=6,
            outputs=[
                new_output(
                    "display_data",
                    data={
                        "application/vnd.notewire.canvas+json": {"canvas_id": "c1"},
                        "image/png": png(20, 20, (30, 30, 200)),
                        "text/plain": "<Canvas>",
                    },
                )
            ],
        ),
    ]
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": WIDGET_STATE}
    return nb


# The image outputs above: the inline image and the canvas's last picture.
IMAGE_OUTPUTS = 2
